"""Every page at the ward's screen sizes (phone, tablet both ways, ward PC, wide monitor): no
sideways scroll, nothing in the header or the patient banner overlapping or cut off; and a
nurse charts vitals, a CIWA-B and a dose on a phone, by touch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from models.tables import DoseAdministration, VitalSigns, WithdrawalAssessment
from tests.browser.conftest import LiveServer, screenshot, stay_on_demo_ward
from tests.browser.page_walk import Visit, open_browser, sign_in_as, wait_settled

PHONE = (390, 844)
TOUCH_TARGET = 44  # CSS px, WCAG 2.5.5 and the NHS's design system
FAMILY, GIVEN = "Quill", "Ada"
STALE = (StaleElementReferenceException,)


def test_no_page_scrolls_sideways(page_visits: list[Visit]) -> None:
    assert len(page_visits) >= 16, "every role's pages were visited"
    wide = [
        f"{v.role} {v.page}: {v.scroll_width} px of content in {v.inner_width} px "
        f"({', '.join(v.sticking_out)})"
        for v in page_visits
        if v.scroll_width > v.inner_width
    ]
    assert not wide, "\n".join(wide)


def test_the_screen_is_not_widened_to_fit_the_page(page_visits: list[Visit]) -> None:
    """A phone lays out a page wider than itself and zooms out: the layout viewport must stay
    the device's width."""
    widened = [
        f"{v.role} {v.page}: laid out {v.inner_width} px wide on a {v.width} px screen"
        for v in page_visits
        if v.inner_width != v.width
    ]
    assert not widened, "\n".join(widened)


def test_nothing_in_the_header_overlaps_or_leaves_the_screen(page_visits: list[Visit]) -> None:
    found = [f"{v.role} {v.page}: {'; '.join(v.header_overlaps)}" for v in page_visits]
    found = [line for line, v in zip(found, page_visits, strict=True) if v.header_overlaps]
    assert not found, "\n".join(found)


def test_nothing_in_the_patient_banner_overlaps(page_visits: list[Visit]) -> None:
    patient_pages = [v for v in page_visits if v.page.startswith("patient-")]
    assert patient_pages
    found = [f"{v.role} {v.page}: {'; '.join(v.banner_overlaps)}" for v in patient_pages]
    found = [line for line, v in zip(found, patient_pages, strict=True) if v.banner_overlaps]
    assert not found, "\n".join(found)


# --- a round on a phone ------------------------------------------------------------------


@pytest.fixture
def phone_patient(live_server: LiveServer) -> Iterator[int]:
    """Admitted 23 hours ago on a clonazepam taper, so the MAR has doses to chart whatever the
    time of day; discharged afterwards so the demo ward is as the other tests expect it."""
    admitted_at = datetime.now(UTC) - timedelta(hours=23)
    with stay_on_demo_ward(
        live_server.engine,
        mrn="TW-PHONE-1",
        family_name=FAMILY,
        given_name=GIVEN,
        birth_date=date(1969, 11, 23),
        sex="female",
        bed="B31",
        admitted_at=admitted_at,
        now=admitted_at,
    ) as admission_id:
        yield admission_id


@pytest.fixture
def phone(_browser_binaries: None, tmp_path: Path) -> Iterator[WebDriver]:
    driver = open_browser(*PHONE, tmp_path / "profile")
    yield driver
    driver.quit()


def _wait(driver: WebDriver, timeout: float = 15) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, timeout, ignored_exceptions=STALE)


def _box(driver: WebDriver, element: WebElement) -> dict[str, float]:
    return dict(
        driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element)
    )


def _on_screen(driver: WebDriver, element: WebElement) -> bool:
    box = _box(driver, element)
    height = driver.execute_script("return window.innerHeight")
    return (
        box["top"] >= 0
        and box["bottom"] <= height
        and box["left"] >= 0
        and box["right"] <= PHONE[0]
    )


def _tap(driver: WebDriver, element: WebElement) -> None:
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def _text(driver: WebDriver, css: str, text: str) -> None:
    try:
        _wait(driver).until(lambda d: text in d.find_element(By.CSS_SELECTOR, css).text)
    except TimeoutException:
        shown = driver.find_element(By.CSS_SELECTOR, css).text
        pytest.fail(f"{css} never showed {text!r}; it shows {shown!r}")


def _open_tab(driver: WebDriver, key: str) -> None:
    tab = driver.find_element(By.ID, f"tab-{key}")
    _tap(driver, tab)
    _wait(driver).until(lambda d: tab.get_attribute("aria-selected") == "true")


def _chart_vitals(driver: WebDriver) -> None:
    _open_tab(driver, "vitals")
    fields = {
        "resp_rate": "16",
        "spo2": "98",
        "systolic": "124",
        "diastolic": "78",
        "heart_rate": "84",
        "temperature_c": "36.9",
    }
    inputs = {name: driver.find_element(By.ID, f"vitals-{name}") for name in fields}
    for name, element in inputs.items():  # a numeric keypad on the phone
        assert element.get_attribute("inputmode") in ("decimal", "numeric"), name
    # One column: every field starts at the same left edge (the blood pressure's two halves
    # share a row, as they are read).
    lefts = {round(_box(driver, e)["left"]) for n, e in inputs.items() if n != "diastolic"}
    assert len(lefts) == 1, f"vitals fields in more than one column: {sorted(lefts)}"
    news2 = driver.find_element(By.ID, "vitals-news2")
    assert _on_screen(driver, news2), "NEWS2 is in sight from the top of the form"
    for name, value in fields.items():
        _tap(driver, inputs[name])
        inputs[name].send_keys(value)
        assert _on_screen(driver, news2), f"NEWS2 stays in sight while charting {name}"
    _text(driver, "#vitals-news2", "Normal")
    screenshot(driver, "phone-1-vitals")
    _tap(driver, driver.find_element(By.ID, "vitals-save"))
    _text(driver, "#vitals-message", "Saved: vitals")


def _chart_ciwa(driver: WebDriver) -> None:
    _open_tab(driver, "ciwa")
    scores = "21101200110100000120"  # 13: mild
    total = driver.find_element(By.ID, "ciwa-total")
    for number, score in enumerate(scores, start=1):
        item = driver.find_element(By.CSS_SELECTOR, f"[data-ciwa-item='{number}']")
        choices = item.find_elements(By.CSS_SELECTOR, ".mantine-SegmentedControl-label")
        for choice in choices:
            box = _box(driver, choice)
            assert box["width"] >= TOUCH_TARGET and box["height"] >= TOUCH_TARGET, (
                f"item {number}: a {box['width']:.0f}×{box['height']:.0f} px target"
            )
        _tap(driver, choices[int(score)])
        assert _on_screen(driver, total), f"the CIWA-B total is in sight at item {number}"
        if number == 10:
            _text(driver, "#ciwa-total", "10 of 20 items scored")
            screenshot(driver, "phone-2-ciwa-half")
    _text(driver, "#ciwa-total", "20 of 20 items scored")
    _tap(driver, driver.find_element(By.ID, "ciwa-save"))
    _text(driver, "#ciwa-message", "Saved: CIWA-B 13 (Mild)")


def _give_a_dose(driver: WebDriver) -> None:
    _open_tab(driver, "mar")
    given_xpath = "//tr[@data-status]//button[normalize-space()='Given']"
    try:
        _wait(driver).until(lambda d: d.find_elements(By.XPATH, given_xpath))
    except TimeoutException:
        pytest.fail("the set-up leaves a dose to chart")
    sizes: list[dict[str, float]] = []

    def tap_first_given(d: WebDriver) -> bool:
        try:
            given = d.find_elements(By.XPATH, given_xpath)[0]
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", given)
            box = _box(d, given)
            if not _on_screen(d, given):
                return False
            given.click()
        except (StaleElementReferenceException, IndexError):  # the MAR re-rendered: again
            return False
        sizes.append(box)
        return True

    screenshot(driver, "phone-3-mar")
    try:
        _wait(driver).until(tap_first_given)
    except TimeoutException:
        pytest.fail("the dose's Given button is never on the screen (off to the side?)")
    box = sizes[-1]
    assert box["height"] >= TOUCH_TARGET and box["width"] >= TOUCH_TARGET, box

    def given_or_asked(d: WebDriver) -> str | bool:
        if "Given: clonazepam" in d.find_element(By.ID, "mar-alert").text:
            return "given"
        confirm = d.find_elements(By.ID, "mar-confirm")
        return "asked" if confirm and confirm[0].is_displayed() else False

    if _wait(driver).until(given_or_asked) == "asked":  # not yet due: confirm
        confirm = driver.find_element(By.ID, "mar-confirm")
        assert _on_screen(driver, confirm)
        confirm.click()
    _text(driver, "#mar-alert", "Given: clonazepam")
    screenshot(driver, "phone-4-given")


def test_a_nurse_charts_vitals_a_ciwa_b_and_a_dose_on_a_phone(
    phone: WebDriver, live_server: LiveServer, phone_patient: int
) -> None:
    sign_in_as(phone, live_server, "nurse")
    phone.get(f"{live_server.url}/patient/{phone_patient}")
    wait_settled(phone, "#banner-name")
    assert phone.find_element(By.ID, "banner-name").text == f"{FAMILY.upper()}, {GIVEN}"

    _chart_vitals(phone)
    _chart_ciwa(phone)
    _give_a_dose(phone)
    assert phone.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    ), "the page never scrolled sideways"

    with Session(live_server.engine) as session:
        vitals = session.exec(
            select(VitalSigns).where(VitalSigns.admission_id == phone_patient)
        ).one()
        assert (vitals.heart_rate, vitals.systolic, vitals.diastolic) == (84, 124, 78)
        ciwa = session.exec(
            select(WithdrawalAssessment).where(WithdrawalAssessment.admission_id == phone_patient)
        ).one()
        assert ciwa.total == 13
        doses = session.exec(
            select(DoseAdministration)
            .where(DoseAdministration.admission_id == phone_patient)
            .order_by(col(DoseAdministration.id))
        ).all()
        assert [d.status for d in doses] == ["given"]
