"""WCAG 2.1 AA in a real browser: axe-core finds no serious or critical violation on any page,
for any role, at any of the ward's screen sizes; the header's Menu is usable by keyboard."""

from __future__ import annotations

from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import LiveServer
from tests.browser.page_walk import Visit, describe, open_browser, sign_in_as, wait_settled


def test_no_serious_or_critical_axe_violation_on_any_page(page_visits: list[Visit]) -> None:
    assert len(page_visits) >= 16, "every role's pages were visited"
    found = [f"{v.role} {v.page}: {describe(v.violations)}" for v in page_visits if v.violations]
    assert not found, "\n".join(found)


def test_the_menu_opens_and_closes_by_keyboard_on_a_phone(
    _browser_binaries: None, live_server: LiveServer, tmp_path: Path
) -> None:
    driver = open_browser(390, 844, tmp_path / "profile")
    try:
        sign_in_as(driver, live_server, "nurse")
        wait_settled(driver, ".tw-page-title")
        toggle = driver.find_element(By.ID, "shell-menu-toggle")
        menu = driver.find_element(By.ID, "shell-menu")
        assert toggle.is_displayed() and not menu.is_displayed()
        assert toggle.get_attribute("aria-expanded") == "false"
        # Keyboard only: focus the toggle, Enter opens, the links are reachable, Escape closes.
        driver.execute_script("arguments[0].focus()", toggle)
        toggle.send_keys(Keys.ENTER)
        WebDriverWait(driver, 5).until(lambda d: menu.is_displayed())
        assert toggle.get_attribute("aria-expanded") == "true"
        queue = driver.find_element(By.ID, "nav-queue")
        assert queue.is_displayed()
        assert driver.find_element(By.ID, "sign-out").is_displayed()
        ActionChains(driver).send_keys(Keys.ESCAPE).perform()
        WebDriverWait(driver, 5).until(lambda d: not menu.is_displayed())
        assert driver.switch_to.active_element.get_attribute("id") == "shell-menu-toggle"
        # Choosing a page closes the menu and goes there.
        toggle.click()
        WebDriverWait(driver, 5).until(lambda d: menu.is_displayed())
        driver.find_element(By.ID, "nav-queue").click()
        WebDriverWait(driver, 10).until(lambda d: d.current_url.endswith("/queue"))
        WebDriverWait(driver, 5).until(lambda d: not menu.is_displayed())
        assert toggle.get_attribute("aria-expanded") == "false"
    finally:
        driver.quit()
