"""Every page, for every role, at the screen sizes a ward uses: one browser per size walks them
all once and records what the responsive and accessibility tests check (sideways scroll,
overlapping header and banner elements, axe-core's findings), with a screenshot of each page.

axe-core runs from the copy axe-selenium-python ships: nothing is downloaded."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from models.tables import Admission
from seed_data.demo import DEMO_USERS
from tests.browser.conftest import CHROMEDRIVER, CHROMIUM, SCREENSHOTS, LiveServer
from tests.factories import chromium_options

SERIOUS = ("serious", "critical")
WAIT = 20


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    ready: str  # a CSS selector shown once the page has its content
    tab: str | None = None  # the patient page's tab to open


@dataclass
class Visit:
    role: str
    page: str
    width: int  # the device's CSS width asked for
    scroll_width: int
    inner_width: int
    header_overlaps: list[str]
    banner_overlaps: list[str]
    sticking_out: list[str]
    violations: list[dict[str, Any]] = field(default_factory=list)


def pages_for(role: str, admission_id: int) -> list[Page]:
    patient = f"/patient/{admission_id}"
    common = [
        Page("board", "/", ".tw-page-title"),
        Page("queue", "/queue", ".tw-page-title"),
        *(
            Page(f"patient-{tab}", f"{patient}?tab={tab}", "#banner-name", tab)
            for tab in ("overview", "vitals", "ciwa", "mar", "history")
        ),
        Page("sources", "/sources", ".tw-page-title"),
    ]
    if role == "nurse":
        return [*common, Page("patient-print", f"{patient}/print", ".tw-print-bar")]
    if role == "physician":
        return [
            Page("rounds", "/rounds", ".tw-page-title"),
            Page("rounds-print", "/rounds/print", ".tw-print-bar"),
            Page("patient-overview", f"{patient}?tab=overview", "#banner-name", "overview"),
            Page("patient-mar", f"{patient}?tab=mar", "#banner-name", "mar"),
        ]
    return [
        Page("admin", "/admin", ".tw-page-title"),
        Page("board", "/", ".tw-page-title"),
        Page("patient-vitals", f"{patient}?tab=vitals", "#banner-name", "vitals"),
    ]


def first_admitted(server: LiveServer) -> int:
    with Session(server.engine) as session:
        admission = session.exec(
            select(Admission)
            .where(col(Admission.discharged_at).is_(None))
            .order_by(col(Admission.id))
        ).first()
    assert admission is not None and admission.id is not None
    return admission.id


def open_browser(width: int, height: int, profile: Path) -> WebDriver:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        raise RuntimeError("headless Chromium is not installed")
    options = chromium_options(CHROMIUM, "--hide-scrollbars", f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    set_viewport(driver, width, height)
    return driver


def set_viewport(driver: WebDriver, width: int, height: int) -> None:
    """The CSS viewport itself (a window size would include the browser's frame)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


def sign_in_as(driver: WebDriver, server: LiveServer, role: str) -> None:
    user = next(u for u in DEMO_USERS if u.role == role)
    driver.delete_all_cookies()
    driver.get(f"{server.url}/login")
    driver.find_element(By.ID, "username").send_keys(user.username)
    driver.find_element(By.ID, "password").send_keys(user.password)
    driver.find_element(By.ID, "sign-in").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.find_elements(By.ID, "shell-header"))


# Boxes of the header's parts and the patient banner's, and which of them overlap another or
# leave the screen. Hidden parts (a folded menu) have no box and are skipped.
OVERLAPS_JS = """
const [selector, parts] = arguments;
const root = document.querySelector(selector);
if (!root) { return []; }
const boxes = [];
for (const el of root.querySelectorAll(parts)) {
  const r = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  if (r.width < 1 || r.height < 1 || style.visibility === 'hidden') { continue; }
  const name = el.id || el.className.toString().split(' ')[0] || el.tagName;
  boxes.push({name, text: el.innerText.trim().slice(0, 30), r, el});
}
const found = [];
const inner = (a, b) => a.el.contains(b.el) || b.el.contains(a.el);
for (let i = 0; i < boxes.length; i++) {
  const a = boxes[i];
  if (a.r.left < -0.5 || a.r.right > window.innerWidth + 0.5) {
    found.push(`${a.name} "${a.text}" leaves the screen (${a.r.left}-${a.r.right})`);
  }
  for (let j = i + 1; j < boxes.length; j++) {
    const b = boxes[j];
    if (inner(a, b)) { continue; }
    const w = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
    const h = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
    if (w > 0.5 && h > 0.5) {
      found.push(`${a.name} "${a.text}" overlaps ${b.name} "${b.text}"`);
    }
  }
}
return found;
"""
HEADER_PARTS = (
    ".tw-brand, .tw-ward, .tw-nav-link, .tw-user, #shell-role, .tw-signout, .tw-menu-toggle"
)
BANNER_PARTS = ".tw-banner-name, .tw-banner-item, .tw-banner-actions button"


# The outermost elements reaching past the right edge of the screen, for the failure message.
STICKING_OUT_JS = """
const limit = arguments[0];
const found = [];
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('.mantine-AppShell-header')) { continue; }  // stretched by the rest
  const r = el.getBoundingClientRect();
  if (r.right > limit + 0.5 && r.width > 0) {
    const name = el.id ? '#' + el.id : el.className.toString().split(' ')[0];
    found.push(`${el.tagName.toLowerCase()}${name ? ' ' + name : ''} to ${Math.round(r.right)}`);
    if (found.length >= 6) { break; }
  }
}
return found;
"""


def overlaps(driver: WebDriver, root: str, parts: str) -> list[str]:
    return list(driver.execute_script(OVERLAPS_JS, root, parts))


def wait_settled(driver: WebDriver, ready: str) -> None:
    """The page's content is shown and Dash has no callback in flight."""
    wait = WebDriverWait(driver, WAIT)
    try:
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))
        wait.until(
            lambda d: d.execute_script(
                "return document.readyState === 'complete' && "
                "!document.querySelector('[data-dash-is-loading=\"true\"]')"
            )
        )
    except TimeoutException as error:
        raise AssertionError(f"{driver.current_url}: {ready!r} never appeared") from error


def serious_violations(driver: WebDriver) -> list[dict[str, Any]]:
    axe = Axe(driver)
    axe.inject()
    results = axe.run()  # every page whole, the ward board's table included
    return [v for v in results["violations"] if v.get("impact") in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(str(n["target"][0]) for n in v["nodes"][:4])
        lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['help']} — {targets}")
    return "; ".join(lines)


def record(driver: WebDriver, role: str, page: str, width: int, folder: Path) -> Visit:
    """What the page shows now, and a screenshot of it."""
    sizes = driver.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth]"
    )
    driver.save_screenshot(str(folder / f"{role}-{page}.png"))
    return Visit(
        role=role,
        page=page,
        width=width,
        scroll_width=int(sizes[0]),
        inner_width=int(sizes[1]),
        header_overlaps=overlaps(driver, "#shell-header", HEADER_PARTS),
        banner_overlaps=overlaps(driver, ".tw-banner", BANNER_PARTS),
        sticking_out=list(driver.execute_script(STICKING_OUT_JS, width)),
        violations=serious_violations(driver),
    )


def walk(server: LiveServer, width: int, height: int, profile: Path) -> Iterator[Visit]:
    """Visit every role's pages at one size in one browser, yielding what each showed."""
    driver = open_browser(width, height, profile)
    admission_id = first_admitted(server)
    folder = SCREENSHOTS / "responsive" / f"{width}x{height}"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(f"{server.url}/login")  # the sign-in page, before anyone signs in
        wait_settled(driver, "#username")
        yield record(driver, "anyone", "sign-in", width, folder)
        for role in ("nurse", "physician", "admin"):
            sign_in_as(driver, server, role)
            for page in pages_for(role, admission_id):
                driver.get(server.url + page.path)
                wait_settled(driver, page.ready)
                if page.tab is not None:
                    WebDriverWait(driver, WAIT).until(
                        lambda d, tab=page.tab: (
                            d.find_element(By.ID, f"tab-{tab}").get_attribute("aria-selected")
                            == "true"
                        )
                    )
                    wait_settled(driver, ".tw-tab-body")
                yield record(driver, role, page.name, width, folder)
    finally:
        driver.quit()
