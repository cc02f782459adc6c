"""Headless Chromium driven over the DevTools protocol (CDP), for what a ward PC gets.

Bytes are the browser's own count of what came over the network for each request
(``encodedDataLength`` of ``Network.loadingFinished``: compressed body and headers); times are
the browser's clock (``performance.now()`` in the page, from navigation start or from the click),
taken by a script the browser runs in every new document before the page's own scripts
(``Page.addScriptToEvaluateOnNewDocument``): it notes when the data the user came for is first
in the DOM. Nothing here is computed from file sizes or server logs.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import chromium_options

# A ward network: 10 Mbit/s each way, 40 ms added to every round trip.
WARD_NETWORK = {
    "offline": False,
    "latency": 40,
    "downloadThroughput": 10_000_000 / 8,
    "uploadThroughput": 10_000_000 / 8,
}
WINDOW = "1366,768"  # the ward PC

# What "the data is on screen" means for each page: the first DOM node that shows it.
READY = {
    "board": "#board-table .tw-board-row",
    "chart": ".js-plotly-plot .main-svg .scatterlayer .trace",
    "rounds": "#rounds-list > *",
}

# Runs in every new document before the page's scripts: notes the first time each READY
# selector matches, the time of the last click, and each confirmation text asked for.
_MARKS_SCRIPT = """
(() => {
  const ready = %s;
  const marks = (window.__twMarks = {});
  window.__twWanted = null;
  const check = () => {
    for (const [name, css] of Object.entries(ready)) {
      if (!(name in marks) && document.querySelector(css)) marks[name] = performance.now();
    }
    const wanted = window.__twWanted;
    if (wanted && !("confirmed" in marks)) {
      const node = document.querySelector(wanted.css);
      const text = node ? node.textContent : "";
      if (text.includes(wanted.text) && text !== wanted.not) {
        marks.confirmed = performance.now();
      }
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true, subtree: true, characterData: true
  });
  document.addEventListener("click", (e) => { marks.click = e.timeStamp; }, true);
})();
"""


@dataclass
class Request:
    """One request of a page load, from the DevTools network events."""

    url: str
    method: str = "GET"
    post_data: str = ""
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    encoded_bytes: int = 0  # what came over the wire: body as sent plus headers
    from_cache: bool = False
    answered: bool = False  # its status and headers came
    finished: bool = False  # its body came (or it failed)

    @property
    def path(self) -> str:
        return "/" + self.url.split("://", 1)[-1].split("/", 1)[-1]

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


class NetworkLog:
    """Requests seen in Chromium's performance log since the last :meth:`reset`."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.requests: dict[str, Request] = {}
        self.last_event = time.monotonic()

    def reset(self) -> None:
        self.poll()
        self.requests = {}

    def poll(self) -> None:
        for entry in self.driver.get_log("performance"):  # type: ignore[attr-defined]
            message = json.loads(entry["message"])["message"]
            self._event(message.get("method", ""), message.get("params", {}))

    def _event(self, method: str, params: dict[str, Any]) -> None:
        """Chromium's log does not keep the events of one request in order (an answer's
        ``...ExtraInfo`` can come before ``requestWillBeSent``), so a request is made from
        whichever of its events comes first."""
        if not method.startswith("Network."):
            return
        request_id = params.get("requestId", "")
        if not request_id:
            return
        starts = ("Network.requestWillBeSent", "Network.responseReceivedExtraInfo")
        if method in starts:
            found = self.requests.setdefault(request_id, Request(url=""))
        elif (found_or_none := self.requests.get(request_id)) is None:
            return  # a request from before the last reset
        else:
            found = found_or_none
        self.last_event = time.monotonic()
        if method == "Network.requestWillBeSent":
            sent = params["request"]
            found.url, found.method = sent["url"], sent["method"]
            found.post_data = sent.get("postData", "")
        elif method in ("Network.responseReceived", "Network.responseReceivedExtraInfo"):
            response = params.get("response", params)
            found.status = int(response.get("status", response.get("statusCode", 0)))
            headers = {str(k): str(v) for k, v in response.get("headers", {}).items()}
            found.headers = {**headers, **found.headers}
            found.answered = True
            if response.get("fromDiskCache") or response.get("fromCache"):
                found.from_cache = True
        elif method == "Network.requestServedFromCache":
            found.from_cache = True
        elif method == "Network.loadingFinished":
            found.encoded_bytes = int(params.get("encodedDataLength", 0))
            found.finished = True
        elif method == "Network.loadingFailed":
            found.finished = True

    def wait_quiet(self, quiet_s: float = 1.0, timeout_s: float = 30.0) -> None:
        """Until every request has finished and none started for ``quiet_s``."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.poll()
            # (Chromium's log misses the end of a few callback requests it has answered.)
            settled = all(r.finished or r.answered for r in self.requests.values())
            if settled and time.monotonic() - self.last_event >= quiet_s:
                return
            time.sleep(0.1)
        open_ = [
            (r.path[:60], r.answered, round(time.monotonic() - self.last_event, 1))
            for r in self.requests.values()
            if not r.finished
        ]
        raise RuntimeError(f"the page kept loading for {timeout_s:.0f} s: {open_}")

    def http_requests(self) -> list[Request]:
        """Requests that went to a server (not data: or blob: URLs)."""
        return [r for r in self.requests.values() if r.url.startswith("http")]

    def total_bytes(self) -> int:
        return sum(r.encoded_bytes for r in self.http_requests())


@dataclass(frozen=True)
class PageLoad:
    path: str
    ready_ms: float  # navigation start to the data on screen, by the page's clock
    bytes: int  # on the wire, every request until the page went quiet
    requests: int
    largest: tuple[tuple[str, int], ...]  # the three largest transfers


class Browser:
    """One headless Chromium with its own empty profile (a cold cache to begin with)."""

    def __init__(self, driver: WebDriver, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self.network = NetworkLog(driver)

    def cdp(self, command: str, args: dict[str, Any] | None = None) -> Any:
        return self.driver.execute_cdp_cmd(command, args or {})

    def emulate(self, conditions: dict[str, Any]) -> None:
        self.cdp("Network.enable")
        self.cdp("Network.emulateNetworkConditions", conditions)

    def sign_in(self, username: str, password: str) -> None:
        self.driver.get(f"{self.base_url}/login")
        self.driver.find_element(By.ID, "username").send_keys(username)
        self.driver.find_element(By.ID, "password").send_keys(password)
        self.driver.find_element(By.ID, "sign-in").click()
        self.wait_mark("board", timeout_s=60)

    def marks(self) -> dict[str, float]:
        found = self.driver.execute_script("return window.__twMarks || {}")
        return {str(k): float(v) for k, v in dict(found).items()}

    def wait_mark(self, name: str, timeout_s: float = 30.0) -> float:
        found: dict[str, float] = {}

        def seen(_: WebDriver) -> bool:
            found.update(self.marks())
            return name in found

        WebDriverWait(self.driver, timeout_s, poll_frequency=0.05).until(seen)
        return found[name]

    def blank(self) -> None:
        self.driver.get("about:blank")

    def cold_load(self, path: str, ready: str) -> PageLoad:
        """Empty the cache, open ``path`` and wait for ``ready`` (a READY key) and quiet."""
        self.blank()
        self.cdp("Network.clearBrowserCache")
        self.network.reset()
        self.driver.get(f"{self.base_url}{path}")
        ready_ms = self.wait_mark(ready)
        self.network.wait_quiet()
        return self._load(path, ready_ms)

    def _load(self, path: str, ready_ms: float) -> PageLoad:
        sizes = sorted(
            ((r.path, r.encoded_bytes) for r in self.network.http_requests()),
            key=lambda pair: -pair[1],
        )
        return PageLoad(
            path=path,
            ready_ms=ready_ms,
            bytes=self.network.total_bytes(),
            requests=len(self.network.http_requests()),
            largest=tuple(sizes[:3]),
        )


def watch(driver: WebDriver) -> None:
    """Run the marks script in every new document of the current tab."""
    driver.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": _MARKS_SCRIPT % json.dumps(READY)}
    )


@contextmanager
def chromium(base_url: str) -> Iterator[Browser]:
    """Headless Debian Chromium with performance logging; its profile is deleted after."""
    binary, driver_binary = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver_binary is None:
        raise RuntimeError("headless Chromium is not installed (Debian chromium, chromium-driver)")
    with tempfile.TemporaryDirectory(prefix="tw-bench-chromium-") as profile:
        options = chromium_options(binary, f"--window-size={WINDOW}", f"--user-data-dir={profile}")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        driver = webdriver.Chrome(service=Service(driver_binary), options=options)
        # A page busy re-rendering (the patient page after each keystroke and save on a long
        # stay) answers a command only when its scripts yield: wait up to 10 minutes, not 2.
        driver.command_executor.client_config.timeout = 600  # type: ignore[union-attr]
        driver.set_script_timeout(600)
        try:
            watch(driver)
            yield Browser(driver, base_url)
        finally:
            driver.quit()
