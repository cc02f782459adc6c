"""Dash components the browser holds, and the renderer's CPU, for T6b-T6d: ``python -m
bench.components [rounds]``, an A/B probe (not a target of ``make bench``).

dash-renderer subscribes every component it has drawn to its store and visits each on every
store update, so the count of drawn components is what a page's updates cost, and it does not
depend on the machine's load as times do. Counted in the page: the React fibres that carry a
Dash ``componentPath`` (each Dash component's wrapper), one per path.

On the bench's 40-patient, 30-day ward (``BOARD_WARD``) served as ``make bench`` serves it:
counts on the patient page's overview and Vitals tab and on rounds; then, ``rounds`` times in
turn, a warm board-to-chart click (T6c, ward network), a vitals save (T6d, loopback, a new
browser) and a cold rounds load (T6b), each with the renderer's CPU from CDP
``Performance.getMetrics`` (TaskDuration, ScriptDuration) until the page is quiet.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from bench.__main__ import BOARD_WARD
from bench.browser import WARD_NETWORK, Browser, chromium
from bench.browser_targets import (
    CONFIRMATION_WANTED,
    PHYSICIAN,
    _open_vitals_form,
    _settle,
    _type_reading,
    served_app,
)
from bench.data import STAFF_PASSWORD, WARD_TZ, bench_database, load_ward
from models.db import make_engine

# The Dash components drawn: each has a wrapper whose props carry its componentPath.
COUNT_COMPONENTS = """
const root = document.getElementById("react-entry-point");
const key = Object.keys(root).find((k) => k.startsWith("__reactContainer$"));
const seen = new Set();
const stack = [root[key]];
while (stack.length) {
  const fiber = stack.pop();
  if (!fiber) continue;
  const props = fiber.memoizedProps;
  if (props && typeof fiber.type !== "string" && Array.isArray(props.componentPath)) {
    seen.add(JSON.stringify(props.componentPath));
  }
  if (fiber.child) stack.push(fiber.child);
  if (fiber.sibling) stack.push(fiber.sibling);
}
return seen.size;
"""


def components(browser: Browser) -> int:
    return int(browser.driver.execute_script(COUNT_COMPONENTS))


def cpu(browser: Browser) -> dict[str, float]:
    """The renderer's TaskDuration and ScriptDuration so far, in ms."""
    metrics = browser.cdp("Performance.getMetrics")["metrics"]
    wanted = {"TaskDuration", "ScriptDuration"}
    return {m["name"]: m["value"] * 1000 for m in metrics if m["name"] in wanted}


def _spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before[name]) for name in before}


def counts(browser: Browser, admission_id: int) -> dict[str, int]:
    driver = browser.driver
    driver.get(f"{browser.base_url}/patient/{admission_id}")
    browser.wait_mark("chart", timeout_s=120)
    _settle(browser)
    found = {"patient overview": components(browser)}
    driver.find_element(By.ID, "tab-vitals").click()
    WebDriverWait(driver, 60).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#vitals-table table")
    )
    _settle(browser)
    found["patient vitals tab"] = components(browser)
    driver.get(f"{browser.base_url}/rounds")
    browser.wait_mark("rounds", timeout_s=120)
    _settle(browser)
    found["rounds"] = components(browser)
    return found


def warm_click(browser: Browser) -> dict[str, float]:
    """As ``board_to_chart``, with the renderer's CPU from the click (the same document: the
    app opens the patient without reloading) until the page is quiet."""
    browser.blank()
    browser.driver.get(f"{browser.base_url}/")
    browser.wait_mark("board")
    browser.network.wait_quiet()
    before = cpu(browser)
    browser.driver.find_element(By.CSS_SELECTOR, "#board-table .tw-board-row .tw-col-bed").click()
    ms = browser.wait_mark("chart") - browser.marks()["click"]
    _settle(browser)
    return {"click_to_chart_ms": round(ms), **_spent(before, cpu(browser))}


def rounds_cold(browser: Browser) -> dict[str, float]:
    """A cold load of rounds; the CPU from the blank page before it (CDP's counters are the
    renderer's; a new renderer would start them again: a negative figure says so)."""
    browser.blank()
    before = cpu(browser)
    load = browser.cold_load("/rounds", "rounds")
    _settle(browser)
    return {"ready_ms": round(load.ready_ms), **_spent(before, cpu(browser))}


def one_save(base_url: str, path: str, taken: str) -> dict[str, float]:
    with chromium(base_url) as browser:
        browser.cdp("Performance.enable")
        _open_vitals_form(browser, path)
        driver = browser.driver
        _type_reading(browser, taken)
        _settle(browser)
        before_text = driver.find_element(By.ID, "vitals-message").text
        driver.execute_script(CONFIRMATION_WANTED, before_text)
        before = cpu(browser)
        driver.find_element(By.ID, "vitals-save").click()
        confirmed = browser.wait_mark("confirmed", timeout_s=60)
        at_confirmation = cpu(browser)
        ms = confirmed - browser.marks()["click"]
        busy = _settle(browser)
        return {
            "click_to_saved_ms": round(ms),
            **{f"{k}_to_saved": v for k, v in _spent(before, at_confirmation).items()},
            **{f"{k}_to_quiet": v for k, v in _spent(before, cpu(browser)).items()},
            "quiet_after_s": round(busy, 1),
        }


def main(rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {"runs": []}
    with bench_database("sqlite") as url:
        loaded = load_ward(url, BOARD_WARD)
        engine = make_engine(url)
        admission_id = loaded.admission_ids[0]
        path = f"/patient/{admission_id}"
        ward_now = datetime.now(ZoneInfo(WARD_TZ))
        with served_app(url, engine) as (base_url, static):
            with chromium(base_url) as browser:
                browser.cdp("Performance.enable")
                browser.sign_in(PHYSICIAN, STAFF_PASSWORD)
                out["components"] = counts(browser, admission_id)
                static.wait_idle()
                browser.emulate(WARD_NETWORK)
                for n in range(rounds):
                    taken = (ward_now - timedelta(minutes=3 * n + 5)).strftime("%H:%M")
                    run = {
                        "T6c": warm_click(browser),
                        "T6b rounds": rounds_cold(browser),
                        "T6d": one_save(base_url, path, taken),
                        "load": Path("/proc/loadavg").read_text().split()[0],
                    }
                    print(json.dumps(run), file=sys.stderr, flush=True)
                    out["runs"].append(run)
        engine.dispose()
    for target, key in (("T6c", "click_to_chart_ms"), ("T6b rounds", "ready_ms"),
                        ("T6d", "click_to_saved_ms")):  # fmt: skip
        out[f"median {target}"] = statistics.median(r[target][key] for r in out["runs"])
    return out


if __name__ == "__main__":
    started = time.monotonic()
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
    result["seconds"] = round(time.monotonic() - started)
    print(json.dumps(result, indent=1))
