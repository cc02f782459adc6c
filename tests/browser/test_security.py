"""Security in a real browser: every page works under the Content-Security-Policy (no
violation reported, Plotly, AG Grid and Mantine all render) while an injected inline script is
blocked; and text a user typed stays text: a ``<script>`` in a PRN reason, or markup in a
patient's name, is shown literally and never runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, select

from models.db import transaction
from models.tables import Admission, DoseAdministration, VitalSigns
from seed_data.demo import DEMO_USERS
from seed_data.factories import admit_on_demo_ward, demo_actor, discharge_from_demo_ward
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for, wait_for_text
from tests.factories import prn_order

WAIT = 20
SCRIPT_REASON = "<script>alert(1)</script>"
MARKUP_NAME = "<img src=x onerror=alert(2)>"
PASSWORDS = {u.username: u.password for u in DEMO_USERS}

# Runs before any page script in every document: records CSP violations and alert() calls.
WATCH = """
window.__twViolations = [];
window.__twAlerts = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__twViolations.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || ""));
});
window.alert = function (message) { window.__twAlerts.push(String(message)); };
"""


@pytest.fixture
def watched(browser: WebDriver) -> WebDriver:
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    return browser


@pytest.fixture
def marked_up_patient(live_server: LiveServer) -> Iterator[int]:
    """A patient whose name is markup, on a taper; discharged afterwards so the demo ward is
    as the other browser tests expect it."""
    now = datetime.now(UTC)
    with transaction(live_server.engine) as session:
        admission, _ = admit_on_demo_ward(
            session,
            mrn="TW-XSS-1",
            family_name=MARKUP_NAME,
            given_name="Eve",
            birth_date=date(1979, 9, 9),
            sex="female",
            bed="B31",
            admitted_at=now - timedelta(hours=2),
            now=now,
            start=now.date() + timedelta(days=7),
        )
        assert admission.id is not None
        physician = demo_actor(session, "physician")
        prn_order(session, doctor=physician, admission_id=admission.id, written_at=now)
        admission_id = admission.id
    yield admission_id
    with transaction(live_server.engine) as session:
        discharge_from_demo_ward(session, admission_id, datetime.now(UTC))


def _violations(driver: WebDriver) -> list[str]:
    return list(driver.execute_script("return window.__twViolations || []"))


def _alerts(driver: WebDriver) -> list[str]:
    return list(driver.execute_script("return window.__twAlerts || []"))


def _no_native_alert(driver: WebDriver) -> bool:
    try:
        _ = driver.switch_to.alert.text
    except NoAlertPresentException:
        return True
    return False


def _admission_id(server: LiveServer) -> int:
    with Session(server.engine) as session:
        row = session.exec(
            select(Admission).where(Admission.discharged_at == None)  # noqa: E711
        ).first()
        assert row is not None and row.id is not None
        return row.id


def test_every_page_works_under_the_csp_and_injected_scripts_are_blocked(
    watched: WebDriver, live_server: LiveServer
) -> None:
    sign_in(watched, live_server, "physician", PASSWORDS["physician"])
    wait_for(watched, "#board-table .tw-board-row")  # the board's rows
    assert _violations(watched) == []
    watched.get(f"{live_server.url}/patient/{_admission_id(live_server)}")
    wait_for(watched, "#ov-graph .main-svg", timeout=WAIT)  # Plotly drew the chart
    wait_for(watched, ".mantine-Tabs-root")
    assert _violations(watched) == []
    for path, ready in (("/rounds", "#rounds-scope"), ("/queue", "#queue-list")):
        watched.get(f"{live_server.url}{path}")
        wait_for(watched, ready, timeout=WAIT)
        assert _violations(watched) == [], path
    screenshot(watched, "csp-queue")
    # The policy is enforced: a script injected into the page does not run, and is reported.
    watched.execute_script(
        "var s = document.createElement('script');"
        "s.textContent = 'window.__twInjected = true;';"
        "document.body.appendChild(s);"
    )
    WebDriverWait(watched, WAIT).until(lambda d: _violations(d))
    assert watched.execute_script("return window.__twInjected === undefined")
    assert "script-src" in _violations(watched)[0]


def test_the_admin_page_works_under_the_csp(watched: WebDriver, live_server: LiveServer) -> None:
    sign_in(watched, live_server, "admin", PASSWORDS["admin"])
    watched.get(f"{live_server.url}/admin")
    wait_for(watched, "#policy-save", timeout=WAIT)
    assert _violations(watched) == []


def test_a_script_in_a_reason_and_markup_in_a_name_stay_text(
    watched: WebDriver, live_server: LiveServer, marked_up_patient: int
) -> None:
    sign_in(watched, live_server, "nurse", PASSWORDS["nurse"])
    wait_for_text(watched, "#board-table tbody", MARKUP_NAME.upper())  # the board, literally
    watched.get(f"{live_server.url}/patient/{marked_up_patient}?tab=mar")
    wait_for(watched, "#prn-orders button", timeout=WAIT)
    assert MARKUP_NAME.upper() in watched.find_element(By.ID, "banner-name").text
    watched.find_element(By.CSS_SELECTOR, "#prn-orders button").click()  # Give…
    wait_for(watched, "#prn-reason", timeout=WAIT)
    watched.find_element(By.ID, "prn-reason").send_keys(SCRIPT_REASON)
    watched.find_element(By.ID, "prn-save").click()
    wait_for_text(watched, "#prn-alert", "Saved")
    wait_for_text(watched, "#prn-table", SCRIPT_REASON)  # shown as typed
    screenshot(watched, "xss-prn-reason")
    with Session(live_server.engine) as session:
        stored = session.exec(
            select(DoseAdministration).where(
                DoseAdministration.admission_id == marked_up_patient,
                DoseAdministration.prn == True,  # noqa: E712
            )
        ).one()
        assert stored.reason_text == SCRIPT_REASON  # stored as typed, escaped only when shown
    watched.refresh()  # rendered again from the database
    wait_for_text(watched, "#prn-table", SCRIPT_REASON)
    assert _alerts(watched) == [] and _no_native_alert(watched)
    assert not watched.execute_script(
        "return Array.from(document.querySelectorAll('script, img[src=x]'))"
        ".some(e => (e.textContent || '').includes('alert(') || e.getAttribute('onerror'))"
    )
    assert _violations(watched) == []


def test_a_save_after_signing_out_elsewhere_says_nothing_was_saved(
    watched: WebDriver, live_server: LiveServer
) -> None:
    """The session ends (signed out in another tab, or expired) while a nurse types: Save is
    refused (401) and the page says so, instead of silently doing nothing."""
    admission_id = _admission_id(live_server)
    sign_in(watched, live_server, "nurse", PASSWORDS["nurse"])
    watched.get(f"{live_server.url}/patient/{admission_id}?tab=vitals")
    wait_for(watched, "#vitals-heart_rate", timeout=WAIT)
    with Session(live_server.engine) as session:
        before = len(session.exec(select(VitalSigns)).all())
    watched.delete_cookie("session")
    for field, value in (("heart_rate", "80"), ("systolic", "120"), ("diastolic", "75")):
        watched.find_element(By.ID, f"vitals-{field}").send_keys(value)
    watched.find_element(By.ID, "vitals-save").click()
    wait_for_text(watched, "#tw-connection-alert", "signed out, so nothing was saved")
    screenshot(watched, "signed-out-save")
    # A banner over the page, styled through the DOM (the CSP allows no inline style).
    assert watched.execute_script(
        "var s = getComputedStyle(document.getElementById('tw-connection-alert'));"
        "return [s.position, s.zIndex, s.backgroundColor, s.maxWidth];"
    ) == ["fixed", "10000", "rgb(122, 31, 31)", "640px"]
    with Session(live_server.engine) as session:
        assert len(session.exec(select(VitalSigns)).all()) == before
    assert _violations(watched) == []
