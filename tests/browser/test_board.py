"""The ward board in a real browser: a table sorted by its headers on a wide screen, cards on
a narrow one, filtered by the box above it, opened by mouse, touch or keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from seed_data.demo import PATIENTS
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

ROW = "#board-table .tw-board-row"
ADMITTED = [p for p in PATIENTS if p.discharged_days_ago is None]


def _wait(driver: WebDriver, timeout: float = 20) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, timeout)


def _beds(driver: WebDriver) -> list[str]:
    return [
        str(b) for b in driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])].map(r => r.querySelector("
            "'.tw-col-bed').textContent)", ROW)
    ]  # fmt: skip


def _bed_key(bed: str) -> tuple[str, int]:
    letters = bed.rstrip("0123456789")
    return letters, int(bed[len(letters) :])


def _board(driver: WebDriver, server: LiveServer, size: tuple[int, int] = (1440, 900)) -> None:
    driver.set_window_size(*size)
    sign_in(driver, server, "nurse", "nurse-demo-pass")
    _wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ROW)) == len(ADMITTED))


def _layout(driver: WebDriver) -> dict[str, Any]:
    result: dict[str, Any] = driver.execute_script(
        """
        const table = document.getElementById('board-table');
        const head = table.querySelector('thead');
        const rows = [...table.querySelectorAll('.tw-board-row')];
        return {
          headShown: getComputedStyle(head).display !== 'none',
          rowDisplay: getComputedStyle(rows[0]).display,
          tableRight: table.getBoundingClientRect().right,
          viewport: document.documentElement.clientWidth,
          levels: rows.map(r => Number(r.dataset.level)),
          widest: Math.max(...rows.map(r => r.getBoundingClientRect().right)),
        };
        """
    )
    return result


def test_a_header_sorts_the_table_by_mouse_and_keyboard_and_announces_it(
    browser: WebDriver, live_server: LiveServer
) -> None:
    _board(browser, live_server)
    acuity = browser.find_element(By.ID, "board-th-acuity")
    assert acuity.get_attribute("aria-sort") == "descending"
    levels = _layout(browser)["levels"]
    assert levels == sorted(levels, reverse=True)  # most acute first
    bed = browser.find_element(By.ID, "board-sort-bed")
    bed.click()
    _wait(browser).until(
        lambda d: d.find_element(By.ID, "board-th-bed").get_attribute("aria-sort") == "ascending"
    )
    assert browser.find_element(By.ID, "board-th-acuity").get_attribute("aria-sort") is None
    _wait(browser).until(lambda d: _beds(d) == sorted(_beds(d), key=_bed_key))
    assert len(set(_beds(browser))) == len(ADMITTED)
    # Keyboard only: the button keeps the focus; Enter turns the order round.
    browser.find_element(By.ID, "board-sort-bed").send_keys(Keys.ENTER)
    _wait(browser).until(
        lambda d: d.find_element(By.ID, "board-th-bed").get_attribute("aria-sort") == "descending"
    )
    _wait(browser).until(lambda d: _beds(d) == sorted(_beds(d), key=_bed_key, reverse=True))
    assert browser.switch_to.active_element.get_attribute("id") == "board-sort-bed"
    screenshot(browser, "board-sorted-by-bed")


def test_the_filter_narrows_the_rows_and_says_when_none_match(
    browser: WebDriver, live_server: LiveServer
) -> None:
    _board(browser, live_server)
    one = ADMITTED[0]
    box = browser.find_element(By.ID, "board-filter")
    box.send_keys(one.family.lower())
    _wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ROW)) == 1)
    assert one.family.upper() in browser.find_element(By.CSS_SELECTOR, ROW).text
    assert "1 shown" in browser.find_element(By.ID, "board-summary").text
    box.send_keys("zzqx")
    empty = wait_for(browser, ".tw-board-empty")
    assert "No patient matches" in empty.text  # type: ignore[attr-defined]
    for _ in range(len(one.family) + 4):
        box.send_keys(Keys.BACKSPACE)
    _wait(browser).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ROW)) == len(ADMITTED))


def test_a_name_link_opens_the_patient_from_the_keyboard_without_a_page_load(
    browser: WebDriver, live_server: LiveServer
) -> None:
    _board(browser, live_server)
    browser.execute_script("window.__twSamePage = true")
    link = browser.find_element(By.CSS_SELECTOR, f"{ROW} .tw-board-link")
    href = str(link.get_attribute("href"))
    link.send_keys(Keys.ENTER)
    _wait(browser).until(lambda d: d.current_url == href)
    wait_for(browser, "#banner-name")
    assert browser.execute_script("return window.__twSamePage") is True


@pytest.mark.parametrize("size", [(390, 844), (820, 1180)])
def test_a_narrow_screen_shows_cards_most_acute_first_and_a_tap_opens_the_patient(
    browser: WebDriver, live_server: LiveServer, size: tuple[int, int]
) -> None:
    _board(browser, live_server, size)
    shown = _layout(browser)
    assert not shown["headShown"] and shown["rowDisplay"] == "grid"
    assert shown["levels"] == sorted(shown["levels"], reverse=True)
    assert shown["widest"] <= shown["viewport"] and shown["tableRight"] <= shown["viewport"]
    card = browser.find_elements(By.CSS_SELECTOR, ROW)[0]
    text = card.text
    # bed, name, acuity, CIWA-B with band, NEWS2, next due, flags: each labelled in words
    labels = browser.execute_script(
        "return [...arguments[0].children].map(c => getComputedStyle(c, '::before').content)",
        card,
    )
    for label in ("CIWA-B", "NEWS2", "Due", "Next dose", "Flags"):
        assert f'"{label}"' in labels, (label, labels)
    assert any(level in text for level in ("Normal", "Low", "Medium", "High", "Very high"))
    assert any(band in text for band in ("Mild", "Moderate", "Severe", "None yet"))
    screenshot(browser, f"board-cards-{size[0]}x{size[1]}")
    href = card.get_attribute("data-href")
    card.find_element(By.CSS_SELECTOR, ".tw-col-ciwa").click()  # a tap anywhere on the card
    _wait(browser).until(lambda d: d.current_url.endswith(str(href)))
    wait_for(browser, "#banner-name")


@pytest.mark.parametrize("size", [(1180, 820), (1366, 768), (1920, 1080)])
def test_a_wide_screen_shows_the_whole_table_without_scrolling_sideways(
    browser: WebDriver, live_server: LiveServer, size: tuple[int, int]
) -> None:
    _board(browser, live_server, size)
    shown = _layout(browser)
    assert shown["headShown"] and shown["rowDisplay"] == "table-row"
    assert shown["tableRight"] <= shown["viewport"], shown
    flags = browser.find_element(By.ID, "board-th-flags")
    assert flags.is_displayed() and flags.rect["x"] + flags.rect["width"] <= shown["viewport"]
    screenshot(browser, f"board-table-{size[0]}x{size[1]}")
