"""Real-browser fixtures: the app served by a werkzeug thread on a free loopback port, and
headless Debian Chromium driven by chromedriver (Selenium). With CI=true a missing browser is a
failure, not a skip."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy.engine import Engine
from werkzeug.serving import make_server

from models.db import transaction
from seed_data.factories import admit_on_demo_ward, discharge_from_demo_ward
from tests.conftest import IN_CI
from tests.factories import chromium_options

if TYPE_CHECKING:
    from tests.browser.page_walk import Visit

CHROMIUM = os.environ.get("TAPERWATCH_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("TAPERWATCH_CHROMEDRIVER", "/usr/bin/chromedriver")
SCREENSHOTS = Path(os.environ.get("TAPERWATCH_SCREENSHOTS", "screenshots"))
# Phone, tablet portrait, tablet landscape, ward PC, wide monitor: the CSS viewport in pixels.
SIZES: tuple[tuple[int, int], ...] = (
    (390, 844),
    (820, 1180),
    (1180, 820),
    (1366, 768),
    (1920, 1080),
)


@contextmanager
def stay_on_demo_ward(engine: Engine, **patient: Any) -> Iterator[int]:
    """A patient (the keywords of seed_data.factories.admit_on_demo_ward) admitted on a taper
    for the block, then discharged, so the demo ward is as the other browser tests expect."""
    with transaction(engine) as session:
        admission, _ = admit_on_demo_ward(session, **patient)
        assert admission.id is not None
        admission_id = admission.id
    yield admission_id
    with transaction(engine) as session:
        discharge_from_demo_ward(session, admission_id, datetime.now(UTC))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    engine: Engine


@pytest.fixture(scope="session")
def demo_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A SQLite database with the demo ward, shared by the browser tests of a session."""
    from models.db import make_engine
    from models.migrate import upgrade
    from seed_data.demo import seed_demo

    path = tmp_path_factory.mktemp("browser") / "demo.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_demo(engine)
    yield engine
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(demo_engine: Engine) -> Iterator[LiveServer]:
    from dashboard.app import create_app
    from models.settings import Settings

    settings = Settings(
        database_url=str(demo_engine.url), secret_key="browser-test-secret-key", demo=True
    )
    app = create_app(settings, demo_engine)
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{port}", engine=demo_engine)
    server.shutdown()


@pytest.fixture(scope="session")
def _browser_binaries() -> None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    if missing:
        reason = f"headless Chromium not installed ({', '.join(missing)})"
        if IN_CI:
            pytest.fail(f"{reason}; CI=true requires it (.ci/run installs it)")
        pytest.skip(reason)


@pytest.fixture
def browser(_browser_binaries: None, tmp_path: Path) -> Iterator[WebDriver]:
    options = chromium_options(CHROMIUM, "--window-size=1440,900", f"--user-data-dir={tmp_path}/ud")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait_for(driver: WebDriver, css: str, timeout: float = 15) -> object:
    return WebDriverWait(driver, timeout).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_for_text(driver: WebDriver, css: str, text: str, timeout: float = 20) -> None:
    """Wait until an element matching ``css`` shows ``text`` (a re-render that replaces the
    element while it is read is waited out)."""

    def found(d: WebDriver) -> bool:
        try:
            return any(text in e.text for e in d.find_elements(By.CSS_SELECTOR, css))
        except StaleElementReferenceException:
            return False

    WebDriverWait(driver, timeout).until(found)


def sign_in(driver: WebDriver, server: LiveServer, username: str, password: str) -> None:
    driver.get(f"{server.url}/login")
    driver.find_element(By.ID, "username").send_keys(username)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    wait_for(driver, "#shell-header")


def screenshot(driver: WebDriver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


@pytest.fixture(scope="session", params=[f"{w}x{h}" for w, h in SIZES])
def page_visits(
    request: pytest.FixtureRequest,
    _browser_binaries: None,
    live_server: LiveServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> list[Visit]:
    """Every role's pages at one screen size, walked once in one browser (tests/browser/
    page_walk.py) and shared by the responsive and accessibility tests of the session."""
    from tests.browser.page_walk import walk

    width, height = (int(n) for n in str(request.param).split("x"))
    return list(walk(live_server, width, height, tmp_path_factory.mktemp("walk")))
