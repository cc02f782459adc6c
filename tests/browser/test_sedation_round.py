"""Over-sedation in a real browser: a nurse charts RASS -3 with the vitals by keyboard, opens
the MAR, sees the prompt at the due dose and holds it for sedation (linked to the score); the
review rules flag "dose may be too high"; a physician sees the flag on the rounds card and the
RASS lane on the chart."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from jobs.scan import run_scan
from models.charting import record_vitals
from models.co_medications import record_naloxone
from models.db import transaction
from models.schemas import VitalSignsCreate
from models.tables import (
    Admission,
    CoMedication,
    DoseAdministration,
    Flag,
    ScheduledDose,
    VitalSigns,
)
from seed_data.demo import DEMO_USERS
from seed_data.factories import admit_on_demo_ward, demo_actor, demo_ward, discharge_from_demo_ward
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

NURSE = next(u for u in DEMO_USERS if u.role == "nurse")
PHYSICIAN = next(u for u in DEMO_USERS if u.role == "physician")
FAMILY, GIVEN = "Sedgwick", "Sam"
WAIT = 15
STALE = (StaleElementReferenceException,)


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT, ignored_exceptions=STALE)


@pytest.fixture
def drowsy_patient(live_server: LiveServer) -> Iterator[int]:
    """A clonazepam patient with a dose due five minutes ago and vitals an hour ago already
    showing RASS -3 (the first of two sedated readings). Discharged afterwards."""
    now = datetime.now(UTC)
    admitted_at = now - timedelta(hours=23)
    with transaction(live_server.engine) as session:
        tz = ZoneInfo(demo_ward(session).timezone)
        nurse = demo_actor(session, "nurse")
        admission, plan = admit_on_demo_ward(
            session,
            mrn="TW-SED-1",
            family_name=FAMILY,
            given_name=GIVEN,
            birth_date=date(1969, 9, 12),
            sex="male",
            bed="B31",
            admitted_at=admitted_at,
            now=admitted_at,
        )
        assert admission.id is not None
        due = now - timedelta(minutes=5)
        session.add(
            ScheduledDose(
                admission_id=admission.id,
                plan_id=plan.id or 0,
                drug="clonazepam",
                dose_ug=1000,
                scheduled_at=due,
                local_date=due.astimezone(tz).date(),
                local_time=f"{due.astimezone(tz):%H:%M}",
                doses_per_day=2,
            )
        )
        taken = now - timedelta(hours=1)
        record_vitals(
            session=session,
            actor=nurse,
            now=taken,
            data=VitalSignsCreate(
                admission_id=admission.id,
                taken_at=taken,
                heart_rate=66,
                systolic=118,
                diastolic=72,
                temperature_c=36.6,
                resp_rate=14,
                spo2=97,
                supplemental_o2=False,
                consciousness="A",
                rass="-3",
            ),
        )
        admission_id = admission.id
    yield admission_id
    with transaction(live_server.engine) as session:
        now = datetime.now(UTC)
        admitted = session.get(Admission, admission_id)
        if admitted is not None and admitted.naloxone is None:  # the test stopped early
            record_naloxone(
                session=session,
                actor=demo_actor(session, "nurse"),
                admission_id=admission_id,
                status="offered",
                now=now,
            )
        discharge_from_demo_ward(session, admission_id, now)


def _keys(driver: WebDriver, *keys: str) -> None:
    ActionChains(driver).send_keys(*keys).perform()


def _text_appears(driver: WebDriver, css: str, text: str) -> WebElement:
    def found(d: WebDriver) -> WebElement | bool:
        try:
            for element in d.find_elements(By.CSS_SELECTOR, css):
                if text in element.text:
                    return element
        except StaleElementReferenceException:
            pass
        return False

    result = _wait(driver).until(found)
    assert isinstance(result, WebElement)
    return result


def _open_tab(driver: WebDriver, key: str) -> None:
    tab = driver.find_element(By.ID, f"tab-{key}")
    tab.click()
    _wait(driver).until(lambda d: tab.get_attribute("aria-selected") == "true")


def _click(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def test_a_nurse_holds_a_dose_for_sedation_and_the_physician_sees_the_flag(
    browser: WebDriver, live_server: LiveServer, drowsy_patient: int
) -> None:
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    browser.get(f"{live_server.url}/patient/{drowsy_patient}")
    wait_for(browser, "#banner-name")

    # Vitals by keyboard, RASS after the temperature.
    _open_tab(browser, "vitals")
    _keys(browser, Keys.TAB)
    _wait(browser).until(
        lambda d: d.switch_to.active_element.get_attribute("id") == "vitals-resp_rate"
    )
    _keys(
        browser,
        "14",
        Keys.TAB,
        "96",
        Keys.TAB,
        Keys.TAB,
        "116",
        Keys.TAB,
        "70",
        Keys.TAB,
        "62",
        Keys.TAB,
        Keys.TAB,
        "36.5",
        Keys.TAB,
        "-3",
    )
    assert browser.switch_to.active_element.get_attribute("id") == "vitals-rass"
    _text_appears(browser, ".tw-field", "-3 Moderate sedation — beyond the ward's threshold")
    screenshot(browser, "sedation-1-vitals-rass")
    _keys(browser, Keys.ENTER)
    _text_appears(browser, "#vitals-message", "RASS -3 moderate sedation")
    _text_appears(browser, "#vitals-table", "RASS -3")
    with Session(live_server.engine) as session:
        latest = session.exec(
            select(VitalSigns)
            .where(VitalSigns.admission_id == drowsy_patient)
            .order_by(col(VitalSigns.taken_at).desc())
        ).first()
        assert latest is not None and latest.rass == -3 and latest.resp_rate == 14

    # The MAR asks for a fresh check at the due dose; the nurse holds it for sedation.
    _open_tab(browser, "mar")
    prompt = _text_appears(browser, "#mar-table [data-sedation-prompt]", "RASS -3")
    assert "Check sedation" in prompt.text
    screenshot(browser, "sedation-2-mar-prompt")
    held = _wait(browser).until(
        lambda d: d.find_elements(
            By.XPATH,
            "//tr[.//*[@data-sedation-prompt]]//button[normalize-space()='Held…']",
        )
    )
    _click(browser, held[0])
    wait_for(browser, "#mar-reason")
    _wait(browser).until(
        lambda d: (
            d.find_element(By.ID, "mar-reason").get_attribute("value")
            == "Held for sedation (too drowsy)"
        )
    )
    _text_appears(browser, "#mar-modal-what", "RASS -3")
    screenshot(browser, "sedation-3-hold")
    browser.find_element(By.ID, "mar-confirm").click()
    _text_appears(browser, "#mar-alert", "Held: clonazepam")
    _text_appears(browser, "#mar-table", "Held for sedation (too drowsy) (RASS -3 at")
    screenshot(browser, "sedation-4-mar-held")
    with Session(live_server.engine) as session:
        [dose] = session.exec(
            select(DoseAdministration).where(DoseAdministration.admission_id == drowsy_patient)
        ).all()
        assert (dose.status, dose.reason_code, dose.sedation_vitals_id) == (
            "held",
            "too_drowsy",
            latest.id,
        )

    # The review rules: two sedated readings in a row.
    run_scan(live_server.engine)
    with Session(live_server.engine) as session:
        [flag] = session.exec(
            select(Flag).where(Flag.admission_id == drowsy_patient, Flag.rule == "dose_too_high")
        ).all()
        assert flag.status == "open" and flag.severity == "high"
        assert "dose may be too high" in flag.message

    # The physician at rounds: the flag, its suggestion and the RASS lane.
    browser.delete_all_cookies()
    sign_in(browser, live_server, PHYSICIAN.username, PHYSICIAN.password)
    _click(browser, browser.find_element(By.ID, "nav-rounds"))
    card = wait_for(browser, f"#rounds-card-{drowsy_patient}")
    assert isinstance(card, WebElement)
    _click(browser, card)
    assert "Dose may be too high" in card.text
    assert "Sedation: the dose may be too high — consider a reduction" in card.text
    screenshot(browser, "sedation-5-rounds-card")
    _click(browser, card.find_element(By.TAG_NAME, "button"))
    wait_for(browser, "#ov-graph .main-svg")
    lane = _wait(browser).until(
        lambda d: d.execute_script(
            "const g = document.querySelector('#ov-graph .js-plotly-plot');"
            "const t = g && g.data && g.data.find(t => t.uid === 'rass');"
            "return t ? Array.from(t.y) : null;"
        )
    )
    assert lane == [-3, -3]
    graph = browser.find_element(By.ID, "ov-graph")
    browser.execute_script("arguments[0].scrollIntoView({block: 'start'});", graph)
    screenshot(browser, "sedation-6-rounds-chart")

    # The physician records an opioid on the patient page: a standing banner, then naloxone.
    browser.get(f"{live_server.url}/patient/{drowsy_patient}")
    wait_for(browser, "#banner-name")
    assert browser.find_element(By.ID, "patient-depressants").text == ""
    _click(browser, browser.find_element(By.ID, "comed-open"))
    wait_for(browser, "#comed-class")
    _click(browser, browser.find_element(By.ID, "comed-class"))
    _click(
        browser,
        _text_appears(browser, "[role=option]", "Opioid (incl. methadone, buprenorphine)"),
    )
    browser.find_element(By.ID, "comed-name").send_keys("methadone")
    browser.find_element(By.ID, "comed-detail").send_keys("60 mg daily")
    _click(browser, browser.find_element(By.ID, "comed-add"))
    banner = _text_appears(browser, "#patient-depressants", "methadone 60 mg daily (opioid)")
    assert "profound sedation" in banner.text and "Naloxone not recorded yet" in banner.text
    screenshot(browser, "sedation-7-depressant-banner")
    _click(browser, browser.find_element(By.ID, "comed-open"))
    wait_for(browser, "#comed-naloxone")
    _click(browser, browser.find_element(By.ID, "comed-naloxone"))
    _click(browser, _text_appears(browser, "[role=option]", "Naloxone supplied"))
    _click(browser, browser.find_element(By.ID, "comed-naloxone-save"))
    _text_appears(browser, "#patient-depressants", "Naloxone supplied.")
    with Session(live_server.engine) as session:
        [recorded] = session.exec(
            select(CoMedication).where(CoMedication.admission_id == drowsy_patient)
        ).all()
        assert (recorded.drug_class, recorded.name) == ("opioid", "methadone")
        admission = session.get(Admission, drowsy_patient)
        assert admission is not None and admission.naloxone == "supplied"
    browser.set_window_size(390, 844)
    _open_tab(browser, "vitals")
    wait_for(browser, "#vitals-rass")
    screenshot(browser, "sedation-8-phone-vitals")
