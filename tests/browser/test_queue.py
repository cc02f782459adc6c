"""A nurse works the review queue in a real browser: acknowledges one flag, resolves another
with a note (refused without one, the message at the field)."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from jobs.scan import run_scan
from models.schemas import VitalSignsCreate
from models.tables import Admission, Flag, Patient
from seed_data.demo import DEMO_USERS
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

NURSE = next(u for u in DEMO_USERS if u.role == "nurse")


def _flag_id(element: WebElement) -> int:
    return int(json.loads(element.get_attribute("id") or "{}")["flag"])


def _flag(server: LiveServer, flag_id: int) -> Flag:
    with Session(server.engine) as session:
        flag = session.get(Flag, flag_id)
        assert flag is not None
        return flag


def _xpath_id(ident: dict[str, object]) -> str:
    """Dash renders a pattern-matching id as compact JSON with sorted keys."""
    return f"//*[@id='{json.dumps(ident, separators=(',', ':'), sort_keys=True)}']"


def _button(driver: WebDriver, flag_id: int, action: str) -> WebElement:
    return driver.find_element(
        By.XPATH, _xpath_id({"action": action, "flag": flag_id, "type": "queue-act"})
    )


def _wait_closed(driver: WebDriver) -> None:
    WebDriverWait(driver, 15).until(ec.invisibility_of_element_located((By.ID, "queue-note")))


def test_nurse_acknowledges_one_flag_and_resolves_another(
    live_server: LiveServer, browser: WebDriver
) -> None:
    run_scan(live_server.engine)
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    browser.get(f"{live_server.url}/queue")
    wait_for(browser, ".tw-queue-flag.tw-queue-open")
    badge = browser.find_element(By.ID, "nav-queue-badge")
    WebDriverWait(browser, 15).until(lambda d: badge.text.strip().isdigit())
    open_before = int(badge.text)
    screenshot(browser, "queue-01-open")

    # Novak's flags are left for the physician's round (tests/browser/test_physician_round.py
    # shares this demo ward and expects the rules' suggestion for her).
    with Session(live_server.engine) as session:
        novak = session.exec(
            select(Admission.id)
            .join(Patient, col(Patient.id) == col(Admission.patient_id))
            .where(Patient.family_name == "Novak", col(Admission.discharged_at).is_(None))
        ).one()
    lines = [
        line
        for line in browser.find_elements(By.CSS_SELECTOR, ".tw-queue-flag.tw-queue-open")
        if not (line.find_element(By.CSS_SELECTOR, ".tw-queue-link").get_attribute("href") or "")
        .split("?")[0]
        .endswith(f"/patient/{novak}")
    ]
    assert len(lines) >= 2
    first, second = _flag_id(lines[0]), _flag_id(lines[1])
    assert first != second
    assert "/patient/" in lines[0].find_element(By.CSS_SELECTOR, ".tw-queue-link").get_attribute(
        "href"
    )

    # Acknowledge the first, without a note.
    _button(browser, first, "acknowledge").click()
    wait_for(browser, "#queue-note")
    screenshot(browser, "queue-02-acknowledge")
    browser.find_element(By.ID, "queue-confirm").click()
    _wait_closed(browser)
    WebDriverWait(browser, 15).until(lambda _: _flag(live_server, first).status == "acknowledged")
    WebDriverWait(browser, 15).until(lambda d: badge.text.strip() == str(open_before - 1))

    # Resolve the second: refused without a note, the reason shown at the field.
    _button(browser, second, "resolve").click()
    note = wait_for(browser, "#queue-note")
    browser.find_element(By.ID, "queue-confirm").click()
    wait_for(browser, ".mantine-Textarea-error")
    error = browser.find_element(By.CSS_SELECTOR, ".mantine-Textarea-error").text
    assert "say how the flag was dealt with" in error.lower()
    assert _flag(live_server, second).status == "open"
    screenshot(browser, "queue-03-resolve-needs-note")
    assert isinstance(note, WebElement)
    note.send_keys("Dose given late at 09:40 and charted; patient settled.")
    browser.find_element(By.ID, "queue-confirm").click()
    _wait_closed(browser)
    WebDriverWait(browser, 15).until(lambda _: _flag(live_server, second).status == "resolved")
    resolved = _flag(live_server, second)
    assert resolved.resolve_note == "Dose given late at 09:40 and charted; patient settled."
    line = _xpath_id({"flag": second, "type": "queue-flag"})
    WebDriverWait(browser, 15).until(lambda d: not d.find_elements(By.XPATH, line))
    screenshot(browser, "queue-04-after")


def _chart_vitals(server: LiveServer, admission_id: int, resp_rate: int) -> None:
    from models.audit import Actor
    from models.charting import record_vitals
    from models.db import transaction
    from models.tables import User
    from models.types import utcnow

    now = utcnow()
    with transaction(server.engine) as session:
        nurse = session.exec(select(User).where(User.username == NURSE.username)).one()
        record_vitals(
            session=session,
            actor=Actor(nurse.id, nurse.username, nurse.role),
            now=now,
            data=VitalSignsCreate(
                admission_id=admission_id,
                taken_at=now,
                heart_rate=72,
                systolic=124,
                diastolic=78,
                temperature_c=36.8,
                resp_rate=resp_rate,
                spo2=97,
                supplemental_o2=False,
                consciousness="A",
            ),
        )


def test_a_cleared_flag_stays_on_the_queue_until_someone_marks_it_seen(
    live_server: LiveServer, browser: WebDriver
) -> None:
    with Session(live_server.engine) as session:
        admission = session.exec(
            select(Admission).where(col(Admission.discharged_at).is_(None)).order_by(Admission.bed)
        ).first()
        assert admission is not None and admission.id is not None
    _chart_vitals(live_server, admission.id, resp_rate=26)  # a single parameter scoring 3
    run_scan(live_server.engine)
    with Session(live_server.engine) as session:
        flag = session.exec(
            select(Flag).where(
                Flag.admission_id == admission.id, Flag.rule == "news2", Flag.status == "open"
            )
        ).one()
    assert flag.id is not None
    _chart_vitals(live_server, admission.id, resp_rate=16)  # settled: the condition clears
    run_scan(live_server.engine)
    run_scan(live_server.engine)  # and a later scan does not close it either
    assert _flag(live_server, flag.id).status == "cleared"

    sign_in(browser, live_server, NURSE.username, NURSE.password)
    browser.get(f"{live_server.url}/queue")
    line = wait_for(browser, f".tw-queue-cleared[id*='\"flag\":{flag.id}']")
    assert isinstance(line, WebElement)
    assert "Not yet seen" in line.text and "Mark seen" in line.text
    count = browser.find_element(By.ID, "queue-count-cleared").text
    assert count.startswith(tuple("123456789"))
    screenshot(browser, "queue-05-cleared")

    _button(browser, flag.id, "acknowledge").click()
    wait_for(browser, "#queue-note")
    browser.find_element(By.ID, "queue-confirm").click()
    _wait_closed(browser)
    WebDriverWait(browser, 15).until(
        lambda _: _flag(live_server, flag.id or 0).status == "resolved"
    )
    seen = _flag(live_server, flag.id)
    assert seen.resolved_by is not None and seen.resolved_by == seen.acknowledged_by
    assert (seen.resolve_note or "").startswith("Seen after it cleared")
    gone = _xpath_id({"flag": flag.id, "type": "queue-flag"})
    WebDriverWait(browser, 15).until(lambda d: not d.find_elements(By.XPATH, gone))
    screenshot(browser, "queue-06-cleared-seen")
