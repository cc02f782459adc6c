"""Sign in, see the shell and the demo patients in a real browser."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from seed_data.demo import PATIENTS
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for


def test_sign_in_page_then_shell_with_demo_patients(
    browser: WebDriver, live_server: LiveServer
) -> None:
    browser.get(live_server.url + "/")
    wait_for(browser, "#username")
    assert "/login" in browser.current_url
    screenshot(browser, "sign-in")
    sign_in(browser, live_server, "nurse", "nurse-demo-pass")
    assert browser.find_element(By.ID, "shell-user").text == "Nurse Amara Okafor"
    assert "Ward 7" in browser.find_element(By.ID, "shell-ward").text
    wait_for(browser, "#board-table .tw-board-row")
    admitted = [p for p in PATIENTS if p.discharged_days_ago is None]
    WebDriverWait(browser, 15).until(
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#board-table .tw-board-row")) == len(admitted)
        )
    )
    page = browser.find_element(By.TAG_NAME, "body").text
    for patient in admitted:
        assert patient.family.upper() in page
    discharged = [p for p in PATIENTS if p.discharged_days_ago is not None]
    for patient in discharged:
        assert patient.family.upper() not in page
    screenshot(browser, "ward-board")


def test_wrong_password_stays_on_sign_in_with_a_message(
    browser: WebDriver, live_server: LiveServer
) -> None:
    browser.get(live_server.url + "/login")
    browser.find_element(By.ID, "username").send_keys("nurse")
    browser.find_element(By.ID, "password").send_keys("not the password")
    browser.find_element(By.ID, "sign-in").click()
    alert = wait_for(browser, ".tw-login-error")
    assert "not recognised" in alert.text  # type: ignore[attr-defined]
