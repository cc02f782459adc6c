"""T6a-T6d: what reaches the ward PC, measured in headless Chromium (bench.browser).

The app is served the way ``make run`` serves it (waitress, ``taperwatch.cli.web_server``)
from the board ward's database, and one physician (who may open every page and chart) signs
in. First each page is opened once, so the server has made its best compression of every
file (as a running server has within a minute of its start); then:

- T6a/T6b: each page opened with an empty cache, 3 times in turn, over the ward network
  (10 Mbit/s, 40 ms): bytes on the wire and the time until its data is on screen (board rows
  in the DOM; chart traces drawn; rounds cards shown); medians.
- T6c: with every file cached, the board, then a click on its first row until the patient's
  chart is drawn, same network; median of 3.
- T6d: on loopback, "Save vitals" clicked 20 times (after 2 not counted), each in a new
  browser signed in straight to the patient page, until the confirmation is shown; beside
  the server's own time for the same request (the app's ``Server-Timing`` header, as the
  browser's resource timing recorded it).
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import Engine

from bench.browser import WARD_NETWORK, Browser, PageLoad, chromium
from bench.data import STAFF_PASSWORD, WARD_TZ, LoadedWard
from bench.stats import Result, percentile
from dashboard.app import create_app
from dashboard.compression import StaticCompression
from models.settings import Settings

T6A = "T6a bytes on the wire"
T6B = "T6b cold load, ward network"
T6C = "T6c board to chart, warm"
T6D = "T6d save vitals, browser"
PHYSICIAN = "bench-physician"  # may open the board, a patient, rounds, and chart
COLD_RUNS = 3
WARM_RUNS = 3
SAVES = 20
SAVES_NOT_COUNTED = 2
T6D_P95_MS = 250.0
T6C_MS = 800.0


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    ready: str  # bench.browser.READY key: the data on screen
    kb_limit: float
    ms_limit: float  # T6b


def pages(admission_id: int) -> tuple[Page, ...]:
    return (
        Page("ward board", "/", "board", 800.0, 1500.0),
        Page("patient (chart)", f"/patient/{admission_id}", "chart", 1900.0, 2500.0),
        Page("rounds", "/rounds", "rounds", 800.0, 1500.0),  # T6b: no limit of its own; the board's
    )


@contextmanager
def served_app(url: str, engine: Engine) -> Iterator[tuple[str, StaticCompression]]:
    """The app under waitress on a free loopback port, as ``taperwatch serve`` runs it."""
    import secrets

    from taperwatch.cli import web_server

    settings = Settings(database_url=url, secret_key=secrets.token_hex(32), demo=False)
    app = create_app(settings, engine)
    server = web_server(app, host="127.0.0.1", port=0, threads=8)
    thread = threading.Thread(target=server.run, name="bench-waitress", daemon=True)
    thread.start()
    try:
        yield (
            f"http://127.0.0.1:{server.effective_port}",
            app.server.extensions["tw_static_compression"],
        )
    finally:
        server.close()
        server.task_dispatcher.shutdown()
        thread.join(timeout=10)


def browser_targets(url: str, engine: Engine, loaded: LoadedWard) -> list[Result]:
    admission_id = loaded.admission_ids[0]
    with served_app(url, engine) as (base_url, static), chromium(base_url) as browser:
        browser.sign_in(PHYSICIAN, STAFF_PASSWORD)
        for page in pages(admission_id):  # every file asked for once; best compressions made
            browser.cold_load(page.path, page.ready)
        static.wait_idle()
        browser.emulate(WARD_NETWORK)
        loads: dict[str, list[PageLoad]] = {p.name: [] for p in pages(admission_id)}
        for _ in range(COLD_RUNS):
            for page in pages(admission_id):
                loads[page.name].append(browser.cold_load(page.path, page.ready))
        warm = [board_to_chart(browser) for _ in range(WARM_RUNS)]
    try:
        with served_app(url, engine) as (base_url, _):
            saves = save_vitals(base_url, f"/patient/{admission_id}")
    except Exception as error:  # noqa: BLE001 - reported as a failed row, T6a-c kept
        saves = save_failed(error)
    results = [r for page in pages(admission_id) for r in cold_results(page, loads[page.name])]
    return [*results, warm_result(warm), saves]


def cold_results(page: Page, loads: Sequence[PageLoad]) -> list[Result]:
    kb = statistics.median(load.bytes for load in loads) / 1000
    ms = statistics.median(load.ready_ms for load in loads)
    last = loads[-1]
    largest = ", ".join(f"{p.rsplit('/', 1)[-1][:28]} {n / 1000:.0f}" for p, n in last.largest)
    out = [
        Result(T6A, page.name, "sqlite", kb, page.kb_limit, "kB",
               note=f"median of {len(loads)} cold loads; {last.requests} requests; "
               f"largest (kB): {largest}"),
    ]  # fmt: skip
    times = sorted(round(load.ready_ms) for load in loads)
    note = f"navigation start to {page.ready} on screen; runs (ms): {times}"
    out.append(Result(T6B, page.name, "sqlite", ms, page.ms_limit, "ms", median=ms, note=note))
    return out


def board_to_chart(browser: Browser) -> float:
    """With every file cached: the board, then a click on its first row; ms from the click to
    the chart drawn."""
    browser.blank()
    # The last run left the patient page as soon as its chart was drawn, while the page was
    # still asking for its plan panel: that request, cut short, is not the board's.
    browser.network.reset()
    browser.driver.get(f"{browser.base_url}/")
    browser.wait_mark("board")
    browser.network.wait_quiet()
    browser.network.reset()
    first_row = "#board-table .tw-board-row .tw-col-bed"  # the row, not its link
    browser.driver.find_element(By.CSS_SELECTOR, first_row).click()
    chart = browser.wait_mark("chart")
    return chart - browser.marks()["click"]


def warm_result(times: Sequence[float]) -> Result:
    ms = statistics.median(times)
    note = f"click on a board row to the chart drawn; runs (ms): {sorted(round(t) for t in times)}"
    return Result(T6C, "median", "sqlite", ms, T6C_MS, "ms", median=ms, note=note)


# --- T6d --------------------------------------------------------------------------------------

READINGS = {  # a normal set (NEWS2 0), typed as a nurse types it
    "vitals-resp_rate": "16",
    "vitals-spo2": "97",
    "vitals-systolic": "124",
    "vitals-diastolic": "78",
    "vitals-heart_rate": "72",
    "vitals-temperature_c": "36.8",
}


# The next "Saved" text in the message, other than the one shown before the click; the
# browser's resource timings emptied, so the first callback after the click is the save.
CONFIRMATION_WANTED = """
delete window.__twMarks.confirmed;
delete window.__twMarks.click;
performance.clearResourceTimings();
window.__twWanted = {css: "#vitals-message", text: "Saved: vitals at ", not: arguments[0]};
"""
# The server's time for the first callback sent after the click (its Server-Timing header,
# as the browser recorded it), or null.
SAVE_SERVER_MS = """
const click = window.__twMarks.click;
const save = performance.getEntriesByType("resource").filter(
  (e) => e.name.includes("/_dash-update-component") && e.startTime >= click
)[0];
const app = save && save.serverTiming.find((t) => t.name === "app");
return app ? app.duration : null;
"""
# Requests seen by the page and callbacks still running: unchanged twice means settled.
PAGE_ACTIVITY = """
return [performance.getEntriesByType("resource").length,
        document.querySelectorAll("[data-dash-is-loading='true']").length];
"""


def _settle(browser: Browser, quiet_s: float = 0.4, timeout_s: float = 300.0) -> float:
    """Until the page has sent no request and run no callback for ``quiet_s``; the seconds it
    was busy (a script waits while the page's own scripts run)."""
    started = time.monotonic()
    last = browser.driver.execute_script(PAGE_ACTIVITY)
    since = time.monotonic()
    while time.monotonic() < started + timeout_s:
        time.sleep(0.1)
        now = browser.driver.execute_script(PAGE_ACTIVITY)
        if now != last or now[1]:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet_s:
            return since - started
    raise RuntimeError(f"the patient page kept working for {timeout_s:.0f} s")


def _type_reading(browser: Browser, taken: str) -> None:
    for field, value in {**READINGS, "vitals-taken_at": taken}.items():
        box = browser.driver.find_element(By.ID, field)
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(value)


def _open_vitals_form(browser: Browser, path: str) -> None:
    """Sign in straight to the patient page and show its Vitals tab."""
    driver = browser.driver
    driver.get(f"{browser.base_url}/login?next={path}")
    driver.find_element(By.ID, "username").send_keys(PHYSICIAN)
    driver.find_element(By.ID, "password").send_keys(STAFF_PASSWORD)
    driver.find_element(By.ID, "sign-in").click()
    browser.wait_mark("chart", timeout_s=120)
    driver.find_element(By.ID, "tab-vitals").click()
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.ID, "vitals-resp_rate").is_displayed()
    )
    _settle(browser)


def _one_save(browser: Browser, taken: str) -> tuple[float, float]:
    """Type a reading, click Save: ms to the confirmation, and the server's ms."""
    driver = browser.driver
    _type_reading(browser, taken)
    _settle(browser)  # the live NEWS2 answers are in
    before = driver.find_element(By.ID, "vitals-message").text
    driver.execute_script(CONFIRMATION_WANTED, before)
    driver.find_element(By.ID, "vitals-save").click()
    confirmed = browser.wait_mark("confirmed", timeout_s=60)
    click = browser.marks()["click"]
    server_ms = driver.execute_script(SAVE_SERVER_MS)
    if server_ms is None:
        raise RuntimeError("the save's answer had no Server-Timing the browser could read")
    return confirmed - click, float(server_ms)


def save_vitals(base_url: str, path: str) -> Result:
    """Each save in a browser of its own: after a save the patient page re-renders for
    seconds to minutes on a long stay (README), and nothing else can run in it meanwhile."""
    ward_now = datetime.now(ZoneInfo(WARD_TZ))
    seen: list[float] = []
    server: list[float] = []
    for n in range(SAVES + SAVES_NOT_COUNTED):
        with chromium(base_url) as browser:
            _open_vitals_form(browser, path)
            taken = (ward_now - timedelta(minutes=3 * n + 5)).strftime("%H:%M")
            browser_ms, server_ms = _one_save(browser, taken)
        if n >= SAVES_NOT_COUNTED:
            seen.append(browser_ms)
            server.append(server_ms)
    p95 = percentile(seen, 95)
    med, server_med = statistics.median(seen), statistics.median(server)
    note = (
        f'{SAVES} saves on loopback, click to "Saved" shown (each in a new browser); '
        f"the same requests' Server-Timing: median {server_med:.0f} ms, "
        f"p95 {percentile(server, 95):.0f} ms; ratio of medians"
    )
    return Result(T6D, "p95 click to confirmation", "sqlite", p95, T6D_P95_MS, "ms", med, p95,
                  server_med, med / server_med, note=note)  # fmt: skip


def save_failed(error: Exception) -> Result:
    return Result(T6D, "p95 click to confirmation", "sqlite", float("nan"), T6D_P95_MS, "ms",
                  note=f"not measured: {type(error).__name__}: {str(error)[:200]}")  # fmt: skip
