"""The wristband check in a real browser, with the ward scanning before giving: "Given" stays
disabled until the band is scanned; a keyboard-wedge scan of another band (the code, then
Enter) is refused loudly at the field and writes nothing; the right band enables "Given" and
the dose is stored with its scan; a band that cannot be scanned is overridden with a reason,
and the admin page lists the override. The label page shows the MRN's barcode."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import false
from sqlmodel import Session, col, select

from dashboard.pages.paper_wristband import mrn_barcode_svg
from models.db import transaction
from models.tables import DoseAdministration, Ward, WristbandCheck
from models.ward_policy import update_ward_policy
from seed_data.demo import DEMO_USERS, WARD_NAME
from seed_data.factories import demo_actor
from tests.browser.conftest import LiveServer, screenshot, sign_in, stay_on_demo_ward, wait_for

NURSE = next(u for u in DEMO_USERS if u.role == "nurse")
ADMIN = next(u for u in DEMO_USERS if u.role == "admin")
WAIT = 15
STALE = (StaleElementReferenceException,)
GIVEN_XPATH = "//tr[@data-status]//button[normalize-space()='Given']"
_serial = iter(range(1, 1000))


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT, ignored_exceptions=STALE)


def _set_scanning(server: LiveServer, on: bool) -> None:
    with transaction(server.engine) as session:
        ward = session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()
        assert ward.id is not None
        update_ward_policy(
            session=session,
            actor=demo_actor(session, "admin"),
            ward_id=ward.id,
            values={"scan_before_giving": int(on)},
        )


@pytest.fixture
def patient(live_server: LiveServer) -> Iterator[tuple[int, str]]:
    """A patient admitted 23 hours ago on a clonazepam taper (doses left to chart whatever the
    time), on a ward that scans before giving; afterwards discharged and the setting off, as
    the other browser tests expect the demo ward."""
    n = next(_serial)
    mrn = f"TW-BAND-{n}"
    admitted_at = datetime.now(UTC) - timedelta(hours=23)
    with stay_on_demo_ward(
        live_server.engine,
        mrn=mrn,
        family_name="Bandley",
        given_name="Iris",
        birth_date=date(1968, 11, 4),
        sex="female",
        bed=f"B4{n}",
        admitted_at=admitted_at,
        now=admitted_at,
    ) as admission_id:
        _set_scanning(live_server, True)
        yield admission_id, mrn
        _set_scanning(live_server, False)


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


def _given_buttons_enabled(driver: WebDriver) -> list[bool]:
    return [b.is_enabled() for b in driver.find_elements(By.XPATH, GIVEN_XPATH)]


def _open_mar(driver: WebDriver, server: LiveServer, admission_id: int) -> None:
    driver.get(f"{server.url}/patient/{admission_id}")
    wait_for(driver, "#banner-name")
    tab = driver.find_element(By.ID, "tab-mar")
    tab.click()
    _wait(driver).until(lambda d: tab.get_attribute("aria-selected") == "true")
    _wait(driver).until(lambda d: len(d.find_elements(By.XPATH, GIVEN_XPATH)) >= 1)
    wait_for(driver, "#band-scan")


def _scan(driver: WebDriver, code: str) -> None:
    """A keyboard-wedge scanner: it types the code into the focused field, then Enter."""
    field = driver.find_element(By.ID, "band-scan")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    field.send_keys(code, Keys.ENTER)


def _give_first_dose(driver: WebDriver) -> None:
    driver.find_elements(By.XPATH, GIVEN_XPATH)[0].click()

    def given_or_asked(d: WebDriver) -> str | bool:
        if "Given: clonazepam" in d.find_element(By.ID, "mar-alert").text:
            return "given"
        confirm = d.find_elements(By.ID, "mar-confirm")
        return "asked" if confirm and confirm[0].is_displayed() else False

    if _wait(driver).until(given_or_asked) == "asked":  # not yet due: confirm
        driver.find_element(By.ID, "mar-confirm").click()
    _text_appears(driver, "#mar-alert", "Given: clonazepam")


def _checks(server: LiveServer, admission_id: int) -> list[WristbandCheck]:
    with Session(server.engine) as session:
        return list(
            session.exec(
                select(WristbandCheck).where(WristbandCheck.admission_id == admission_id)
            ).all()
        )


def _given(server: LiveServer, admission_id: int) -> list[DoseAdministration]:
    with Session(server.engine) as session:
        return list(
            session.exec(
                select(DoseAdministration).where(
                    DoseAdministration.admission_id == admission_id,
                    DoseAdministration.status == "given",
                    col(DoseAdministration.entered_in_error) == false(),
                )
            ).all()
        )


def test_given_is_enabled_only_after_the_right_band_is_scanned(
    browser: WebDriver, live_server: LiveServer, patient: tuple[int, str]
) -> None:
    admission_id, mrn = patient
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    _open_mar(browser, live_server, admission_id)
    _wait(browser).until(lambda d: not any(_given_buttons_enabled(d)))
    screenshot(browser, "band-1-mar-before-scan")

    # Another patient's band: refused at the field, in words, and nothing written.
    _scan(browser, "TW-SOMEONE-ELSE")
    refusal = _text_appears(browser, "#band-status", "WRONG PATIENT")
    assert "TW-SOMEONE-ELSE" in refusal.text and mrn in refusal.text
    assert "tw-band-wrong" in (refusal.get_attribute("class") or "")
    field_error = _text_appears(browser, ".mantine-InputWrapper-error", "Wrong patient's band")
    assert field_error.is_displayed()
    assert browser.find_element(By.ID, "band-scan").get_attribute("aria-invalid") == "true"
    assert not any(_given_buttons_enabled(browser))
    assert _checks(live_server, admission_id) == []
    screenshot(browser, "band-2-mar-wrong-band")

    # The patient's own band (a scanner may send a symbology prefix): Given is enabled.
    _scan(browser, f"]C0{mrn}")
    _text_appears(browser, "#band-status", "Band scanned")
    _wait(browser).until(lambda d: all(_given_buttons_enabled(d)))
    assert browser.find_element(By.ID, "band-scan").get_attribute("value") == ""
    screenshot(browser, "band-3-mar-scanned")
    _give_first_dose(browser)
    checks = _checks(live_server, admission_id)
    assert [c.method for c in checks] == ["scan"]
    assert [d.wristband_check_id for d in _given(live_server, admission_id)] == [checks[0].id]


def test_a_band_that_cannot_be_scanned_is_overridden_with_a_reason_and_listed(
    browser: WebDriver, live_server: LiveServer, patient: tuple[int, str]
) -> None:
    admission_id, mrn = patient
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    _open_mar(browser, live_server, admission_id)
    _wait(browser).until(lambda d: not any(_given_buttons_enabled(d)))
    browser.find_element(By.ID, "band-override-open").click()
    save = _wait(browser).until(lambda d: d.find_element(By.ID, "band-override-save"))
    _wait(browser).until(lambda d: save.is_displayed())
    save.click()  # no reason chosen
    _text_appears(browser, "#band-override-message", "Not saved")
    _text_appears(browser, ".mantine-InputWrapper-error", "Choose why the band")
    assert _checks(live_server, admission_id) == []
    browser.find_element(By.ID, "band-override-reason").click()
    option = _text_appears(browser, "[role='option']", "Band unreadable")
    option.click()
    browser.find_element(By.ID, "band-override-text").send_keys("Ink smudged by the drip")
    screenshot(browser, "band-4-override")
    browser.find_element(By.ID, "band-override-save").click()
    _text_appears(browser, "#band-status", "Band not scanned: Band unreadable")
    _wait(browser).until(lambda d: all(_given_buttons_enabled(d)))
    _give_first_dose(browser)
    checks = _checks(live_server, admission_id)
    assert [(c.method, c.reason_code, c.reason_text) for c in checks] == [
        ("override", "band_unreadable", "Ink smudged by the drip")
    ]
    assert [d.wristband_check_id for d in _given(live_server, admission_id)] == [checks[0].id]

    # The admin sees the setting and the override.
    browser.delete_all_cookies()
    sign_in(browser, live_server, ADMIN.username, ADMIN.password)
    browser.get(f"{live_server.url}/admin")
    summary = _text_appears(browser, "#band-setting-summary", "Scan before giving")
    assert "On:" in summary.text
    row = _text_appears(browser, f"#band-overrides tr[data-check='{checks[0].id}']", mrn)
    assert "Band unreadable" in row.text and "Ink smudged by the drip" in row.text
    assert "Nurse Amara Okafor" in row.text
    browser.execute_script("arguments[0].scrollIntoView()", row)
    screenshot(browser, "band-5-admin-overrides")


def test_the_label_page_shows_the_mrn_barcode_name_and_date_of_birth(
    browser: WebDriver, live_server: LiveServer, patient: tuple[int, str]
) -> None:
    admission_id, mrn = patient
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    browser.get(f"{live_server.url}/patient/{admission_id}/wristband")
    label = wait_for(browser, "#band-label")
    assert isinstance(label, WebElement)
    assert browser.find_element(By.ID, "band-label-name").text == "BANDLEY Iris"
    assert browser.find_element(By.ID, "band-label-dob").text == "DOB 04-Nov-1968"
    assert browser.find_element(By.ID, "band-label-mrn").text == f"MRN {mrn}"
    image = browser.find_element(By.ID, "band-barcode")
    _wait(browser).until(
        lambda d: (
            d.execute_script("return arguments[0].complete", image)
            and d.execute_script("return arguments[0].naturalWidth", image) > 0
        )
    )
    assert image.get_attribute("alt") == f"Barcode of MRN {mrn}"
    src = image.get_attribute("src") or ""
    prefix = "data:image/svg+xml;base64,"
    assert src.startswith(prefix)
    drawn = base64.b64decode(src[len(prefix) :])
    assert drawn == mrn_barcode_svg(mrn)
    assert drawn != mrn_barcode_svg(mrn + "0")  # the bars are the MRN's, not a fixed picture
    assert image.size["width"] > 150 and image.size["height"] > 30
    screenshot(browser, "band-6-label")
