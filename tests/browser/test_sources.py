"""Citations in a real browser: the footer leads to the Sources page; a citation on the admin
page shows its source on keyboard focus and opens the Sources page at its entry in a new tab;
no tag is left as bare text. Screenshots at phone and ward-PC widths."""

from __future__ import annotations

import re

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from models.clinical.sources import SOURCE_TAG, SOURCES
from seed_data.demo import DEMO_USERS
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for

NURSE = next(u for u in DEMO_USERS if u.role == "nurse")
ADMIN = next(u for u in DEMO_USERS if u.role == "admin")
PHONE = (390, 844)
WARD_PC = (1366, 768)

# The page's text without its citation links: no "[Sn]" may remain.
TEXT_WITHOUT_CITATIONS = """
const page = document.body.cloneNode(true);
page.querySelectorAll("a.tw-cite").forEach((a) => a.remove());
return page.textContent;
"""


def _entry_in_view(driver: WebDriver, source_id: str) -> bool:
    return bool(
        driver.execute_script(
            """const e = document.getElementById(arguments[0]);
            if (!e || !e.classList.contains("tw-source-target")) { return false; }
            const r = e.getBoundingClientRect();
            return document.activeElement === e && r.top >= 0 && r.top < window.innerHeight;""",
            source_id,
        )
    )


def test_footer_leads_to_the_sources_page_and_a_link_lands_on_its_entry(
    browser: WebDriver, live_server: LiveServer
) -> None:
    sign_in(browser, live_server, NURSE.username, NURSE.password)
    wait_for(browser, "#footer-sources").click()  # type: ignore[attr-defined]
    wait_for(browser, "#sources-list")
    assert browser.current_url.endswith("/sources")
    entries = browser.find_elements(By.CSS_SELECTOR, "#sources-list article.tw-source-entry")
    assert [e.get_attribute("id") for e in entries] == list(SOURCES)
    unverified = browser.find_element(By.ID, "S4").text
    assert "Unverified" in unverified and "CIWA-B bands" in unverified
    assert "Low authority" in browser.find_element(By.ID, "S30").text
    assert "Local policy" in browser.find_element(By.ID, "local-policies").text

    browser.get(f"{live_server.url}/")  # a link from another page loads the Sources page anew
    wait_for(browser, "#footer-sources")
    browser.get(f"{live_server.url}/sources#S35")
    WebDriverWait(browser, 15).until(lambda d: _entry_in_view(d, "S35"))
    assert "NEWS2 urgent review" in browser.find_element(By.ID, "S35").text
    for width, height in (PHONE, WARD_PC):
        browser.set_window_size(width, height)
        browser.execute_script("document.getElementById('S35').scrollIntoView()")
        screenshot(browser, f"sources-{width}")


def test_a_citation_shows_its_source_on_focus_and_opens_its_entry(
    browser: WebDriver, live_server: LiveServer
) -> None:
    sign_in(browser, live_server, ADMIN.username, ADMIN.password)
    browser.get(f"{live_server.url}/admin")
    wait_for(browser, "#policy-save")
    links = browser.find_elements(By.CSS_SELECTOR, "a.tw-cite")
    assert links
    for link in links:
        source_id = link.text.strip("[]")
        assert source_id in SOURCES
        assert (link.get_attribute("href") or "").endswith(f"/sources#{source_id}")
        assert (link.get_attribute("title") or "").startswith(f"{source_id}: ")
    assert not SOURCE_TAG.search(browser.execute_script(TEXT_WITHOUT_CITATIONS))

    for width, height in (PHONE, WARD_PC):
        browser.set_window_size(width, height)
        focused = _tab_to_a_citation(browser)
        tip = browser.execute_script(
            "return getComputedStyle(arguments[0], '::after').content", focused
        )
        assert re.sub(r'^"|"$', "", tip) == focused.get_attribute("data-citation")
        screenshot(browser, f"admin-citation-focus-{width}")

    source_id = focused.text.strip("[]")
    focused.send_keys(Keys.ENTER)
    WebDriverWait(browser, 15).until(lambda d: len(d.window_handles) == 2)
    browser.switch_to.window(browser.window_handles[1])
    WebDriverWait(browser, 15).until(lambda d: _entry_in_view(d, source_id))
    assert browser.current_url.endswith(f"/sources#{source_id}")


def _tab_to_a_citation(driver: WebDriver) -> object:
    driver.execute_script("document.activeElement && document.activeElement.blur()")
    for _ in range(60):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        active = driver.switch_to.active_element
        if "tw-cite" in (active.get_attribute("class") or "").split():
            return active
    raise AssertionError("Tab never reached a citation link")
