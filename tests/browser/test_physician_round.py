"""A physician's round in a real browser: sign in, open rounds, review a worsening demo patient,
hold the taper with a reason, and see the new plan version on the chart."""

from __future__ import annotations

from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from jobs.scan import run_scan
from models.tables import Admission, Patient, RoundsNote, TaperPlan
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

REASON = "CIWA-B rose from the teens to the high 30s since the last cut: hold a week."


def _click(browser: WebDriver, element: WebElement) -> None:
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    element.click()


def _chart_texts(browser: WebDriver) -> list[str]:
    return [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#ov-graph .annotation-text")]


def _admission(live_server: LiveServer, family: str) -> Any:
    with Session(live_server.engine) as session:
        return session.exec(
            select(Admission)
            .join(Patient, col(Patient.id) == col(Admission.patient_id))
            .where(Patient.family_name == family, col(Admission.discharged_at).is_(None))
        ).one()


def test_physician_holds_a_worsening_patients_taper_at_rounds(
    browser: WebDriver, live_server: LiveServer
) -> None:
    run_scan(live_server.engine)  # the review rules flag the patients worsening after a cut
    novak = _admission(live_server, "Novak")
    with Session(live_server.engine) as session:
        versions_before = len(
            session.exec(select(TaperPlan).where(TaperPlan.admission_id == novak.id)).all()
        )

    sign_in(browser, live_server, "physician", "physician-demo-pass")
    _click(browser, browser.find_element(By.ID, "nav-rounds"))
    card = wait_for(browser, f"#rounds-card-{novak.id}")
    assert isinstance(card, WebElement)
    assert "NOVAK" in card.text
    assert "Hold the taper" in card.text  # what the review rules suggest
    screenshot(browser, "rounds")

    _click(browser, card.find_element(By.TAG_NAME, "button"))
    wait_for(browser, "#ov-graph .main-svg")
    wait_for(browser, "#rd-decision")
    assert "v2 hold" not in _chart_texts(browser)
    screenshot(browser, "rounds-review")

    decision = browser.find_element(
        By.XPATH, "//div[@id='rd-decision']//label[normalize-space()='Hold']"
    )
    _click(browser, decision)
    hold_days = wait_for(browser, "#rd-hold-days")
    assert isinstance(hold_days, WebElement)
    assert hold_days.get_attribute("value") == "7"
    reason = browser.find_element(By.ID, "rd-reason")
    _click(browser, reason)
    reason.send_keys(REASON)
    sign = browser.find_element(By.ID, "rd-save-btn")
    assert not sign.is_enabled()  # nothing is signed before the new schedule is seen

    _click(browser, browser.find_element(By.ID, "rd-preview-btn"))
    preview = wait_for(browser, "#preview-steps")
    assert isinstance(preview, WebElement)
    assert "replaces version" in browser.find_element(By.ID, "rd-preview").text
    assert "hold" in preview.text
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.ID, "rd-save-btn").is_enabled())
    screenshot(browser, "rounds-preview")

    _click(browser, browser.find_element(By.ID, "rd-save-btn"))
    signed = wait_for(browser, "#rd-signed")
    assert isinstance(signed, WebElement)
    assert "Signed: hold" in signed.text
    # The signed note redraws the chart: a label read while plotly replaces it is read again.
    WebDriverWait(browser, 20, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: any(t.startswith(f"v{versions_before + 1} hold") for t in _chart_texts(d))
    )
    plan = browser.find_element(By.ID, "rd-plan").text
    assert f"version {versions_before + 1}" in plan.lower()
    screenshot(browser, "rounds-signed")

    with Session(live_server.engine) as session:
        active = session.exec(
            select(TaperPlan).where(
                TaperPlan.admission_id == novak.id, TaperPlan.status == "active"
            )
        ).one()
        assert (active.version, active.change, active.hold_until is not None) == (
            versions_before + 1,
            "hold",
            True,
        )
        note = session.exec(select(RoundsNote).where(RoundsNote.admission_id == novak.id)).all()[-1]
        assert (note.decision, note.reason, note.plan_id) == ("hold", REASON, active.id)
