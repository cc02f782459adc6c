"""A nurse's round in a real browser: open a patient from the board, chart vitals (an
impossible pulse refused at the field, corrected, saved) and a CIWA-B by keyboard only, give
one dose and record another as refused with a reason, then see the board show it all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from models.tables import DoseAdministration, VitalSigns, WithdrawalAssessment
from seed_data.demo import DEMO_USERS
from tests.browser.conftest import LiveServer, screenshot, sign_in, stay_on_demo_ward, wait_for

NURSE = next(u for u in DEMO_USERS if u.role == "nurse")
FAMILY, GIVEN = "Rowntree", "Nora"
WAIT = 15
# The MAR and forms re-render after each save: an element found a moment ago may be replaced.
STALE = (StaleElementReferenceException,)


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT, ignored_exceptions=STALE)


@pytest.fixture
def new_patient(live_server: LiveServer) -> Iterator[int]:
    """A patient admitted 23 hours ago on a clonazepam taper: the MAR has doses from the last
    day nobody has charted yet, whatever the time of day. Discharged afterwards, so the demo
    ward is as the other browser tests expect it."""
    admitted_at = datetime.now(UTC) - timedelta(hours=23)
    with stay_on_demo_ward(
        live_server.engine,
        mrn="TW-ROUND-1",
        family_name=FAMILY,
        given_name=GIVEN,
        birth_date=date(1976, 4, 2),
        sex="female",
        bed="B30",
        admitted_at=admitted_at,
        now=admitted_at,
    ) as admission_id:
        yield admission_id


def _keys(driver: WebDriver, *keys: str) -> None:
    ActionChains(driver).send_keys(*keys).perform()


def _text_appears(driver: WebDriver, css: str, text: str) -> WebElement:
    def found(d: WebDriver) -> WebElement | bool:
        try:
            for element in d.find_elements(By.CSS_SELECTOR, css):
                if text in element.text:
                    return element
        except StaleElementReferenceException:  # re-rendered while we looked: look again
            pass
        return False

    result = _wait(driver).until(found)
    assert isinstance(result, WebElement)
    return result


def _click_text(driver: WebDriver, css: str, text: str) -> None:
    """Click the element with ``text``; if it re-renders under the click, find it again."""

    def clicked(d: WebDriver) -> bool:
        try:
            _text_appears(d, css, text).click()
            return True
        except StaleElementReferenceException:
            return False

    _wait(driver).until(clicked)


def _focused_within(driver: WebDriver, css: str) -> bool:
    return bool(
        driver.execute_script(
            "return !!(document.activeElement && document.activeElement.closest(arguments[0]))", css
        )
    )


def _wait_focus(driver: WebDriver, element_id: str) -> None:
    _wait(driver).until(lambda d: d.switch_to.active_element.get_attribute("id") == element_id)


def _open_tab(driver: WebDriver, key: str) -> None:
    tab = driver.find_element(By.ID, f"tab-{key}")
    tab.click()
    _wait(driver).until(lambda d: tab.get_attribute("aria-selected") == "true")


def test_a_nurse_charts_a_round_and_the_board_shows_it(
    browser: WebDriver, live_server: LiveServer, new_patient: int
) -> None:
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    wait_for(browser, "#board-table .tw-board-row")
    screenshot(browser, "round-1-board")

    # The board: filter to the patient and open the row (a click on its dose, not its link).
    browser.find_element(By.ID, "board-filter").send_keys(FAMILY)
    _wait(browser).until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#board-table .tw-board-row")) == 1
    )
    _click_text(browser, "#board-table .tw-board-row .tw-col-dose", "clonazepam")
    _wait(browser).until(lambda d: f"/patient/{new_patient}" in d.current_url)
    wait_for(browser, "#banner-name")
    assert browser.find_element(By.ID, "banner-name").text == f"{FAMILY.upper()}, {GIVEN}"

    # Vitals, keyboard only: NEWS2 chart order, an impossible pulse, Enter saves.
    _open_tab(browser, "vitals")
    _keys(browser, Keys.TAB)
    _wait_focus(browser, "vitals-resp_rate")
    _keys(
        browser,
        "18",
        Keys.TAB,
        "97",
        Keys.TAB,
        Keys.TAB,
        "128",
        Keys.TAB,
        "82",
        Keys.TAB,
        "400",
        Keys.TAB,
        Keys.TAB,
        "37.1",
    )
    _text_appears(browser, "#vitals-news2", "parameters")  # NEWS2 so far, before saving
    _keys(browser, Keys.ENTER)
    error = _text_appears(browser, ".tw-field", "outside the plausible range")
    assert "heart rate 400" in error.text.lower()
    _text_appears(browser, "#vitals-message", "Not saved")
    screenshot(browser, "round-2-vitals-refused")
    with Session(live_server.engine) as session:
        assert (
            session.exec(select(VitalSigns).where(VitalSigns.admission_id == new_patient)).first()
            is None
        )
    # Back two fields to the pulse, replace it, Enter.
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.TAB, Keys.TAB).key_up(
        Keys.SHIFT
    ).perform()
    assert browser.switch_to.active_element.get_attribute("id") == "vitals-heart_rate"
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(
        "88"
    ).perform()
    _text_appears(browser, "#vitals-news2", "Normal")  # complete NEWS2 0, shown before saving
    _keys(browser, Keys.ENTER)
    _text_appears(browser, "#vitals-message", "Saved: vitals")
    _text_appears(browser, "#vitals-table", "128/82")
    screenshot(browser, "round-3-vitals-saved")

    # CIWA-B by keyboard: Tab into the first item, a number key per item, Enter saves.
    _open_tab(browser, "ciwa")
    _keys(browser, Keys.TAB)
    assert _focused_within(browser, "[data-ciwa-item='1']")
    scores = "21101200110100000" + "120"  # 13 in all: mild
    for key in scores[:10]:
        _keys(browser, key)
    _text_appears(browser, "#ciwa-total", "10 of 20 items scored")
    screenshot(browser, "round-4-ciwa-half")
    for key in scores[10:]:
        _keys(browser, key)
    _text_appears(browser, "#ciwa-total", "20 of 20 items scored")
    assert browser.switch_to.active_element.get_attribute("id") == "ciwa-save"
    _keys(browser, Keys.ENTER)
    _text_appears(browser, "#ciwa-message", "Saved: CIWA-B 13 (Mild)")
    screenshot(browser, "round-5-ciwa-saved")

    # MAR: give one dose in one action, refuse another with a reason.
    _open_tab(browser, "mar")
    # Only the open tab is mounted: the MAR's rows arrive after the tab opens.
    given_xpath = "//tr[@data-status]//button[normalize-space()='Given']"

    def click_first_given(d: WebDriver) -> bool:
        try:
            given = d.find_elements(By.XPATH, given_xpath)
            if len(given) < 2:
                return False
            given[0].click()
            return True
        except StaleElementReferenceException:  # the MAR re-rendered: find the rows again
            return False

    try:
        _wait(browser).until(click_first_given)
    except TimeoutException:
        pytest.fail("the set-up leaves at least two doses to chart")

    def given_or_asked(d: WebDriver) -> str | bool:
        if "Given: clonazepam" in d.find_element(By.ID, "mar-alert").text:
            return "given"
        confirm = d.find_elements(By.ID, "mar-confirm")
        return "asked" if confirm and confirm[0].is_displayed() else False

    if _wait(browser).until(given_or_asked) == "asked":  # not yet due: confirm
        browser.find_element(By.ID, "mar-confirm").click()
    _text_appears(browser, "#mar-alert", "Given: clonazepam")
    refuse = _wait(browser).until(
        lambda d: d.find_elements(
            By.XPATH, "//tr[@data-status]//button[normalize-space()='Refused…']"
        )
    )
    refuse[0].click()
    wait_for(browser, "#mar-reason")
    # The reason list has the focus when the dialog opens: type to find, Enter picks.
    _wait_focus(browser, "mar-reason")
    _keys(browser, "decl")
    _text_appears(browser, "[role=option]", "Patient declined")
    _keys(browser, Keys.ENTER)
    _wait(browser).until(
        lambda d: d.find_element(By.ID, "mar-reason").get_attribute("value") == "Patient declined"
    )
    _keys(browser, Keys.TAB)
    _keys(browser, "Wants to speak to the doctor first")
    assert browser.find_element(By.ID, "mar-modal-message").text == ""  # no save on the pick
    screenshot(browser, "round-6-refusal-reason")
    browser.find_element(By.ID, "mar-confirm").click()
    _text_appears(browser, "#mar-alert", "Refused: clonazepam")
    _text_appears(browser, "#mar-table", "Patient declined: Wants to speak to the doctor first")
    screenshot(browser, "round-7-mar")
    with Session(live_server.engine) as session:
        charted = session.exec(
            select(DoseAdministration)
            .where(DoseAdministration.admission_id == new_patient)
            .order_by(col(DoseAdministration.id))
        ).all()
        assert [(d.status, d.reason_code) for d in charted] == [
            ("given", None),
            ("refused", "declined"),
        ]
        ciwa = session.exec(
            select(WithdrawalAssessment).where(WithdrawalAssessment.admission_id == new_patient)
        ).one()
        assert ciwa.total == 13

    # The board shows the new readings at once.
    browser.get(live_server.url + "/")
    wait_for(browser, "#board-table .tw-board-row")
    browser.find_element(By.ID, "board-filter").send_keys(FAMILY)
    _text_appears(browser, "#board-table .tw-board-row", "13 Mild")
    row = _text_appears(browser, "#board-table .tw-board-row", FAMILY.upper())
    assert "HR 88" in row.text and "128/82" in row.text
    screenshot(browser, "round-8-board-after")
