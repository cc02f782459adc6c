"""PRN orders in a real browser: a physician writes an order on the MAR tab, a nurse
gives one dose against it, and a second dose inside the interval is refused at the time field
with the next allowed time in ward time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from models.tables import DoseAdministration, PrnOrder, Ward
from seed_data.demo import WARD_NAME
from tests.browser.conftest import (
    LiveServer,
    screenshot,
    sign_in,
    stay_on_demo_ward,
    wait_for,
    wait_for_text,
)

WAIT = 20
STALE = (StaleElementReferenceException,)


@pytest.fixture
def prn_patient(live_server: LiveServer) -> Iterator[int]:
    """A patient on a clonazepam taper with no PRN order; discharged afterwards."""
    now = datetime.now(UTC)
    with stay_on_demo_ward(
        live_server.engine,
        mrn="TW-PRN-1",
        family_name="Ashdown",
        given_name="Mira",
        birth_date=date(1981, 3, 3),
        sex="female",
        bed="B32",
        admitted_at=now - timedelta(hours=3),
        now=now,
        start=now.date() + timedelta(days=2),
        reason="Plan",
    ) as admission_id:
        yield admission_id


def _type(browser: WebDriver, ident: str, text: str) -> None:
    field = browser.find_element(By.ID, ident)
    field.clear()
    field.send_keys(text)


def _give(browser: WebDriver, reason: str) -> None:
    WebDriverWait(browser, WAIT, ignored_exceptions=STALE).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#prn-orders button").is_displayed()
    )
    browser.find_element(By.CSS_SELECTOR, "#prn-orders button").click()  # Give…
    wait_for(browser, "#prn-reason", timeout=WAIT)
    _type(browser, "prn-reason", reason)
    browser.find_element(By.ID, "prn-save").click()


def test_a_physician_orders_a_nurse_gives_and_a_second_dose_waits_for_its_interval(
    browser: WebDriver, live_server: LiveServer, prn_patient: int
) -> None:
    sign_in(browser, live_server, "physician", "physician-demo-pass")
    browser.get(f"{live_server.url}/patient/{prn_patient}?tab=mar")
    wait_for(browser, "#prn-no-orders", timeout=WAIT)
    browser.find_element(By.ID, "prn-write-open").click()
    wait_for(browser, "#prn-order-dose", timeout=WAIT)
    _type(browser, "prn-order-dose", "1")
    _type(browser, "prn-order-max-mg", "2")
    _type(browser, "prn-order-indication", "withdrawal symptoms: anxiety, tremor")
    _type(browser, "prn-order-reason", "Breakthrough symptoms expected after the first cut")
    screenshot(browser, "prn-1-order-form")
    browser.find_element(By.ID, "prn-order-save").click()
    wait_for_text(browser, "#prn-alert", "Saved: PRN order lorazepam 1 mg")
    wait_for_text(browser, "#prn-orders", "0 of 2 doses, 0 of 2 mg in 24 h; may be given now")
    screenshot(browser, "prn-2-order-saved")

    browser.delete_all_cookies()
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    browser.get(f"{live_server.url}/patient/{prn_patient}?tab=mar")
    _give(browser, "Anxious and tremulous")
    wait_for_text(browser, "#prn-alert", "Saved: PRN lorazepam 1 mg at")
    wait_for_text(browser, "#prn-orders", "1 of 2 doses, 1 of 2 mg in 24 h; next allowed at")
    screenshot(browser, "prn-3-given")

    _give(browser, "Still anxious")
    with Session(live_server.engine) as session:
        [given] = session.exec(
            select(DoseAdministration).where(
                DoseAdministration.admission_id == prn_patient, col(DoseAdministration.prn)
            )
        ).all()
        [order] = session.exec(select(PrnOrder).where(PrnOrder.admission_id == prn_patient)).all()
        ward = session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()
    tz = ZoneInfo(ward.timezone)
    next_at = (given.administered_at + timedelta(hours=4)).astimezone(tz)
    shown = next_at.strftime("%H:%M")
    if next_at.date() != datetime.now(UTC).astimezone(tz).date():
        shown += " tomorrow"
    expected = f"at least 4 h between doses of this order; next allowed at {shown}"
    wait_for_text(browser, "#prn-modal-time-wrapper, .mantine-Modal-body", expected)
    error = browser.find_element(By.ID, "prn-time").get_attribute("aria-describedby") or ""
    assert "error" in error  # shown at the time field, as its error
    screenshot(browser, "prn-4-refused-at-the-field")
    assert (given.prn_order_id, given.dose_ug, order.min_interval_min) == (order.id, 1000, 240)
    with Session(live_server.engine) as session:
        assert (
            len(
                session.exec(
                    select(DoseAdministration).where(
                        DoseAdministration.admission_id == prn_patient,
                        col(DoseAdministration.prn),
                    )
                ).all()
            )
            == 1
        )
