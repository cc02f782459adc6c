"""What a ward PC's browser receives: every script and stylesheet compressed, no grid library
(the board is plain HTML), the chart drawn by the basic plotly.js build."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import CHROMEDRIVER, CHROMIUM, LiveServer, sign_in, wait_for

BOARD_ROW = "#board-table .tw-board-row"
CHART_TRACE = ".js-plotly-plot .scatterlayer .trace"
PLOTLY_BUILD = re.compile(r"/plotly/package_data/plotly-basic\.[0-9a-f]{32}\.min\.js$")


@pytest.fixture
def logged_browser(_browser_binaries: None, tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium that keeps its DevTools network log (response headers)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1366,768", f"--user-data-dir={tmp_path}/ud"):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def responses(driver: WebDriver) -> list[dict[str, Any]]:
    """The answers received since the last call: url, type, status, headers."""
    out = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            headers = {k.lower(): v for k, v in response["headers"].items()}
            out.append({"url": response["url"], "type": message["params"]["type"],
                        "status": response["status"], "headers": headers})  # fmt: skip
    return out


def cold_load(driver: WebDriver, url: str, ready: str) -> list[dict[str, Any]]:
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    responses(driver)
    driver.get(url)
    wait_for(driver, ready, timeout=30)
    return responses(driver)


def test_the_board_gets_every_script_and_stylesheet_compressed(
    logged_browser: WebDriver, live_server: LiveServer
) -> None:
    sign_in(logged_browser, live_server, "nurse", "nurse-demo-pass")
    seen = cold_load(logged_browser, f"{live_server.url}/", BOARD_ROW)
    files = [r for r in seen if r["type"] in ("Script", "Stylesheet") and r["status"] == 200]
    assert len(files) >= 15
    assert not [r["url"] for r in seen if "ag_grid" in r["url"] or "plotly" in r["url"]]
    for r in files:
        size = int(r["headers"].get("content-length", "1000"))
        if size >= 500 or r["headers"].get("content-encoding"):
            assert r["headers"].get("content-encoding") in ("br", "gzip"), r["url"]
    assert len(logged_browser.find_elements(By.CSS_SELECTOR, BOARD_ROW)) >= 10


def test_the_patient_page_loads_the_chart_and_the_board_opens_without_a_page_load(
    logged_browser: WebDriver, live_server: LiveServer
) -> None:
    sign_in(logged_browser, live_server, "physician", "physician-demo-pass")
    seen = cold_load(logged_browser, f"{live_server.url}/patient/1", CHART_TRACE)
    urls = [r["url"] for r in seen]
    assert not [u for u in urls if "ag_grid" in u]
    plotly = [r for r in seen if "/plotly/package_data/plotly" in r["url"]]
    # One plotly.js, the build at its digest's URL (the page preloads it; dcc.Graph takes it).
    assert len(plotly) == 1 and PLOTLY_BUILD.search(plotly[0]["url"]), plotly
    assert plotly[0]["headers"].get("content-encoding") in ("br", "gzip")
    assert "immutable" in plotly[0]["headers"].get("cache-control", "")
    # The browser's own trim and number parsing, not the polyfill's regex versions (plotly.js
    # calls them for every attribute it sets); the polyfill's regenerator runtime is there.
    natives = logged_browser.execute_script(
        "return [String.prototype.trim, String.prototype.trimEnd, parseInt, parseFloat,"
        " Number.parseFloat].map(String).concat([typeof regeneratorRuntime])"
    )
    assert natives[:5] == [
        f"function {name}() {{ [native code] }}"
        for name in ("trim", "trimEnd", "parseInt", "parseFloat", "parseFloat")
    ]
    assert natives[5] == "object"
    # The chart is drawn once: its margins hold every lane's labels, so plotly's automargin
    # widens none (a widened margin draws the whole chart a second time).
    margins = logged_browser.execute_script(
        "var l = document.querySelector('.js-plotly-plot')._fullLayout;"
        "return [l.margin.l, l.margin.r, l.margin.t, l.margin.b,"
        " l._size.l, l._size.r, l._size.t, l._size.b]"
    )
    assert margins[4:] == margins[:4], margins
    # Back to the board without a page load (no new script), and a row opens its patient.
    logged_browser.execute_script("window.__twSamePage = true")
    logged_browser.find_element(By.ID, "nav-board").click()
    wait_for(logged_browser, BOARD_ROW, timeout=30)
    assert not [r for r in responses(logged_browser) if r["type"] == "Script"]
    logged_browser.find_element(By.CSS_SELECTOR, f"{BOARD_ROW} .tw-col-bed").click()
    wait_for(logged_browser, CHART_TRACE, timeout=30)
    assert logged_browser.execute_script("return window.__twSamePage") is True


def test_opening_a_patient_from_the_board_loads_plotly_once_beside_the_layout(
    logged_browser: WebDriver, live_server: LiveServer
) -> None:
    """The click starts plotly.js (and dcc.Graph's chunk) beside the page's layout request,
    rather than after the layout has come and been drawn; dcc.Graph then draws with it, and
    neither file is asked for twice."""
    sign_in(logged_browser, live_server, "physician", "physician-demo-pass")
    cold_load(logged_browser, f"{live_server.url}/", BOARD_ROW)
    assert logged_browser.execute_script("return typeof window.Plotly") == "undefined"
    logged_browser.execute_script("performance.clearResourceTimings()")
    logged_browser.find_element(By.CSS_SELECTOR, f"{BOARD_ROW} .tw-col-bed").click()
    wait_for(logged_browser, CHART_TRACE, timeout=30)
    timings = logged_browser.execute_script(
        "return performance.getEntriesByType('resource').map("
        "e => [e.name, e.startTime, e.responseEnd])"
    )
    plotly = [t for t in timings if "/plotly/package_data/plotly" in t[0]]
    graph = [t for t in timings if t[0].endswith("/dash/dcc/async-graph.js")]
    layout = [t for t in timings if "_dash-update-component" in t[0]]
    assert len(plotly) == 1 and len(graph) == 1, timings
    first_answer = min(t[2] for t in layout)
    assert plotly[0][1] < first_answer and graph[0][1] < first_answer, timings
    assert logged_browser.execute_script("return typeof window.Plotly.react") == "function"


# Before the page's scripts: when each Dash callback request is sent (its outputs) and when the
# chart's data is first drawn.
_REQUEST_LOG = """
(() => {
  const log = (window.__twRequests = []);
  const sent = window.fetch;
  window.fetch = function (url, init) {
    if (String(url).includes("_dash-update-component") && init && init.body) {
      const b = JSON.parse(init.body);
      log.push([performance.now(), b.output, JSON.stringify(b.inputs), b.changedPropIds]);
    }
    return sent.apply(this, arguments);
  };
  new MutationObserver(() => {
    if (!window.__twChartAt && document.querySelector(%r)) window.__twChartAt = performance.now();
  }).observe(document, {childList: true, subtree: true});
})();
"""


def test_the_plan_panel_is_asked_for_once_the_chart_is_drawn(
    logged_browser: WebDriver, live_server: LiveServer
) -> None:
    """The plan panel's request (and so its answer and drawing) never competes with plotly's
    drawing of the chart: it is sent once the chart's data is on screen; then the panel shows."""
    sign_in(logged_browser, live_server, "physician", "physician-demo-pass")
    logged_browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": _REQUEST_LOG % CHART_TRACE}
    )
    logged_browser.get(f"{live_server.url}/patient/1")
    wait_for(logged_browser, "#pp-body", timeout=30)
    chart_at, requests = logged_browser.execute_script(
        "return [window.__twChartAt, window.__twRequests]"
    )
    # The requests that ask for an admission's panel (dash-renderer may also send the callback
    # once with the placeholder's empty store, on the page's insertion: answered "no update").
    panel = [
        at
        for at, output, inputs, _changed in requests
        if "plan-panel.children" in output and '"value":' in inputs
    ]
    assert chart_at is not None and len(panel) == 1, "\n".join(map(str, requests))
    assert panel[0] >= chart_at, (chart_at, requests)


def test_a_board_evaluates_plotly_ahead_only_when_the_browser_already_holds_it(
    logged_browser: WebDriver, live_server: LiveServer
) -> None:
    """With an empty cache the board fetches no plotly.js (its bytes are the chart's); once a
    chart has been opened, a new board evaluates the cached build in its idle time, with no
    request over the network, so that opening a patient does not wait for it."""
    sign_in(logged_browser, live_server, "physician", "physician-demo-pass")
    seen = cold_load(logged_browser, f"{live_server.url}/", BOARD_ROW)
    time.sleep(3)  # past the page's idle time
    seen += responses(logged_browser)
    assert not [r for r in seen if "plotly" in r["url"]]
    assert logged_browser.execute_script("return typeof window.Plotly") == "undefined"
    logged_browser.get(f"{live_server.url}/patient/1")
    wait_for(logged_browser, CHART_TRACE, timeout=30)
    logged_browser.get("about:blank")
    logged_browser.execute_cdp_cmd("Network.enable", {})
    responses(logged_browser)
    logged_browser.get(f"{live_server.url}/")
    wait_for(logged_browser, BOARD_ROW, timeout=30)
    WebDriverWait(logged_browser, 15).until(
        lambda d: d.execute_script("return typeof (window.Plotly || {}).react") == "function"
    )
    fetched = [
        r for r in _network_answers(logged_browser) if "plotly" in r["url"] and not r["cached"]
    ]
    assert not fetched, fetched


def _network_answers(driver: WebDriver) -> list[dict[str, Any]]:
    """The answers since the last read, each with whether it came from the browser's cache."""
    out = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.responseReceived":
            response = message["params"]["response"]
            cached = bool(response.get("fromDiskCache") or response.get("fromMemoryCache"))
            out.append({"url": response["url"], "status": response["status"], "cached": cached})
    return out
