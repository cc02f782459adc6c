"""Going home in a real browser: a physician discharges a demo patient on founding schedule (a)
with the ward's 0.5 mg and 2 mg scored clonazepam tablets, then prints the taper calendar and
opens the discharge summary from the History tab."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, select

from models.clinical.recipes import PRESETS
from models.clinical.tablets import DEFAULT_TABLETS
from models.db import transaction
from models.tables import Admission, AuditEvent
from models.ward_tablets import tablets_text, update_ward_tablets
from models.ward_units import update_ward_units
from seed_data.factories import admit_on_demo_ward, demo_actor, demo_ward
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

WAIT = 20


@pytest.fixture
def leaving_patient(live_server: LiveServer) -> Iterator[int]:
    """A patient on schedule (a) from 2 mg clonazepam, in quarter-milligram units, whose first
    cut is today; the ward supplies 0.5 mg and 2 mg scored tablets."""
    now = datetime.now(UTC)
    with transaction(live_server.engine) as session:
        ward = demo_ward(session)
        assert ward.id is not None
        admin = demo_actor(session, "admin")
        update_ward_tablets(
            session=session,
            actor=admin,
            ward_id=ward.id,
            values={"clonazepam": "0.5 scored, 2 scored"},
            now=now,
        )
        update_ward_units(
            session=session, actor=admin, ward_id=ward.id, values={"clonazepam": "0.25"}, now=now
        )
        admission, _ = admit_on_demo_ward(
            session,
            mrn="TW-HOME-1",
            family_name="Fairweather",
            given_name="Ines",
            birth_date=date(1975, 6, 1),
            sex="female",
            bed="B33",
            admitted_at=now - timedelta(days=3),
            now=now,
            recipe=PRESETS["a"].recipe,
            start=now.date(),
            reason="Founding schedule (a)",
        )
        admission_id = admission.id or 0
    yield admission_id
    with transaction(live_server.engine) as session:  # the other tests use the defaults
        admin = demo_actor(session, "admin")
        update_ward_units(
            session=session, actor=admin, ward_id=ward.id, values={"clonazepam": "0.125"}, now=now
        )
        update_ward_tablets(
            session=session,
            actor=admin,
            ward_id=ward.id,
            values={"clonazepam": tablets_text(DEFAULT_TABLETS["clonazepam"])},
            now=now,
        )


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT)


def test_a_physician_discharges_a_patient_and_prints_the_calendar(
    browser: WebDriver, live_server: LiveServer, leaving_patient: int
) -> None:
    sign_in(browser, live_server, "physician", "physician-demo-pass")
    browser.get(f"{live_server.url}/patient/{leaving_patient}")
    wait_for(browser, "#discharge-open").click()  # type: ignore[attr-defined]
    wait_for(browser, "#discharge-confirm").click()  # type: ignore[attr-defined]
    _wait(browser).until(lambda d: not d.find_elements(By.ID, "discharge-open"))
    with Session(live_server.engine) as session:
        admission = session.get(Admission, leaving_patient)
        assert admission is not None and admission.discharged_at is not None

    # The History tab links to the handout and the summary again.
    tab = wait_for(browser, "#tab-history")
    tab.click()  # type: ignore[attr-defined]
    link = wait_for(browser, "#home-calendar")
    href = link.get_attribute("href")  # type: ignore[attr-defined]
    assert href.endswith(f"/patient/{leaving_patient}/calendar")
    assert "preview" not in link.text  # type: ignore[attr-defined]
    browser.get(href)
    calendar = wait_for(browser, "#print-calendar")
    text = calendar.text  # type: ignore[attr-defined]
    assert "1½ tablets of 0.5 mg" in text  # 1.5 mg a day: 0.75 mg morning and evening
    assert "1 tablet of 0.5 mg" in text  # 1 mg a day two weeks after the first cut
    assert "NEW DOSE" in text
    assert "STOP: no more tablets" in text
    assert "cannot be made" not in text
    assert not browser.find_elements(By.ID, "calendar-unmakeable")
    ticks = browser.find_elements(By.CSS_SELECTOR, ".tw-cal-tick")
    assert len(ticks) > 20
    changes = browser.find_elements(By.CSS_SELECTOR, "th.tw-cal-change")
    assert len(changes) >= 4  # 1 mg, 0.75, 0.5, 0.25 and the stop
    screenshot(browser, "home-1-calendar")
    browser.execute_script("window.print = function () { window.__printed = true; };")
    browser.find_element(By.ID, "print-now").click()
    _wait(browser).until(lambda d: d.execute_script("return window.__printed === true"))
    browser.set_window_size(390, 844)
    wait_for(browser, "#print-calendar")
    screenshot(browser, "home-2-calendar-phone")
    browser.set_window_size(1440, 900)

    browser.get(f"{live_server.url}/patient/{leaving_patient}/summary")
    summary = wait_for(browser, "#print-summary")
    text = summary.text  # type: ignore[attr-defined]
    assert "Founding schedule (a)" in text
    assert "clonazepam 2 mg a day" in text  # the admission dose
    dispensed = browser.find_element(By.ID, "summary-dispense-clonazepam").text
    assert "tablets of 0.5 mg" in dispensed
    screenshot(browser, "home-3-summary")
    with Session(live_server.engine) as session:
        discharged = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "admission.discharge",
                AuditEvent.entity_id == leaving_patient,
            )
        ).all()
    assert len(discharged) == 1
