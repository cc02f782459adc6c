"""An admin changes the ward policy in a real browser: a bad value is refused at its field,
a good one saved; the job runs are listed."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, select

from jobs.scan import run_scan
from models.tables import Ward
from seed_data.demo import DEMO_USERS, WARD_NAME
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

ADMIN = next(u for u in DEMO_USERS if u.role == "admin")


def _policy_input(driver: WebDriver, field: str) -> object:
    ident = json.dumps({"field": field, "type": "policy"}, separators=(",", ":"))
    return driver.find_element(By.XPATH, f"//input[@id='{ident}']")


def _ward(server: LiveServer) -> Ward:
    with Session(server.engine) as session:
        ward = session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()
        return ward


def test_admin_sets_the_worsening_threshold(live_server: LiveServer, browser: WebDriver) -> None:
    run_scan(live_server.engine)
    sign_in(browser, live_server, ADMIN.username, ADMIN.password)
    browser.get(f"{live_server.url}/admin")
    wait_for(browser, "#policy-save")
    assert browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr")
    points = _policy_input(browser, "worsening_points")
    before = _ward(live_server).worsening_points

    points.send_keys(Keys.CONTROL, "a")  # type: ignore[attr-defined]
    points.send_keys("0")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "policy-save").click()
    WebDriverWait(browser, 15).until(
        lambda d: (
            "1 to 80" in d.find_element(By.ID, "policy-message").text
            or d.find_elements(By.CSS_SELECTOR, ".mantine-NumberInput-error")
        )
    )
    errors = browser.find_elements(By.CSS_SELECTOR, ".mantine-NumberInput-error")
    assert [e.text for e in errors] and "1 to 80" in errors[0].text
    assert "correct the fields" in browser.find_element(By.ID, "policy-message").text
    assert _ward(live_server).worsening_points == before
    screenshot(browser, "admin-01-refused")

    points.send_keys(Keys.CONTROL, "a")  # type: ignore[attr-defined]
    points.send_keys("12")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "policy-save").click()
    try:
        WebDriverWait(browser, 15).until(lambda _: _ward(live_server).worsening_points == 12)
        wait_for(browser, ".tw-form-ok")
        screenshot(browser, "admin-02-saved")
    finally:  # the demo ward is shared by the session's browser tests
        with Session(live_server.engine) as session:
            ward = session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()
            ward.worsening_points = before
            session.add(ward)
            session.commit()
