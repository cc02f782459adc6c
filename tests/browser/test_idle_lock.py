"""The idle lock in a real browser, on a ward of its own whose idle time is one minute: a nurse
types into the vitals form and walks away; the page locks behind a sign-in prompt that hides
it; she signs in again and what she typed is still there. Locked again, a colleague signs in
there and gets a fresh page of his own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from werkzeug.serving import make_server

from models.db import make_engine, transaction
from models.migrate import upgrade
from models.tables import Admission, AuditEvent, Ward
from seed_data.demo import DEMO_USERS, seed_demo
from tests.browser.conftest import LiveServer, _free_port, screenshot, sign_in, wait_for

PASSWORDS = {u.username: u.password for u in DEMO_USERS}
LOCK_WAIT = 150  # one idle minute, plus the page's report interval and the server's write gap


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo ward in a database of its own, locking after one idle minute."""
    from dashboard.app import create_app
    from models.settings import Settings

    path: Path = tmp_path_factory.mktemp("idle") / "idle.db"
    engine: Engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    seed_demo(engine)
    with transaction(engine) as session:
        session.execute(update(Ward).values(idle_lock_min=1))
    settings = Settings(database_url=str(engine.url), secret_key="idle-browser-secret", demo=True)
    app = create_app(settings, engine)
    port = _free_port()
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{port}", engine=engine)
    server.shutdown()
    engine.dispose()


def _value(driver: WebDriver, element_id: str) -> str:
    return str(
        driver.execute_script("return document.getElementById(arguments[0]).value", element_id)
    )


def _wait_locked(driver: WebDriver) -> None:
    wait_for(driver, "#tw-idle-lock", timeout=LOCK_WAIT)
    wait_for(driver, "#tw-idle-password")


def test_an_idle_page_locks_keeps_the_typed_input_and_unlocks_for_its_user(
    browser: WebDriver, idle_server: LiveServer
) -> None:
    with Session(idle_server.engine) as session:
        admission = session.exec(
            select(Admission)
            .where(col(Admission.discharged_at).is_(None))
            .order_by(col(Admission.id))
        ).first()
        assert admission is not None
    sign_in(browser, idle_server, "nurse", PASSWORDS["nurse"])
    browser.get(f"{idle_server.url}/patient/{admission.id}")
    wait_for(browser, "#banner-name")
    browser.find_element(By.ID, "tab-vitals").click()
    field = wait_for(browser, "#vitals-resp_rate")
    field.send_keys("18")  # type: ignore[attr-defined]
    page_url = browser.current_url

    _wait_locked(browser)
    screenshot(browser, "idle-1-locked")
    overlay = browser.find_element(By.ID, "tw-idle-lock")
    assert overlay.get_attribute("role") == "dialog"
    assert "ward policy" in overlay.text and "1 minute" in overlay.text
    # The page is underneath, hidden and inert, the typed value kept; nobody can read it.
    assert _value(browser, "vitals-resp_rate") == "18"
    assert browser.execute_script("return document.getElementById('react-entry-point').inert")
    # What is on screen where the patient's name is: the prompt, not the name.
    covered = browser.execute_script(
        "var r = document.getElementById('banner-name').getBoundingClientRect();"
        "var top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "return !!(top && top.closest('#tw-idle-lock'))"
    )
    assert covered
    assert browser.find_element(By.ID, "tw-idle-username").get_attribute("value") == "nurse"

    # A wrong password: refused in place, still locked.
    browser.find_element(By.ID, "tw-idle-password").send_keys("not her password")
    browser.find_element(By.ID, "tw-idle-sign-in").click()
    error = wait_for(browser, "#tw-idle-error")
    assert "not recognised" in error.text  # type: ignore[attr-defined]

    # Her password: the prompt goes, the page and her typing are as she left them.
    browser.find_element(By.ID, "tw-idle-password").send_keys(PASSWORDS["nurse"])
    browser.find_element(By.ID, "tw-idle-sign-in").click()
    WebDriverWait(browser, 20).until(lambda d: not d.find_elements(By.ID, "tw-idle-lock"))
    assert browser.current_url == page_url
    assert _value(browser, "vitals-resp_rate") == "18"
    assert not browser.execute_script("return document.getElementById('react-entry-point').inert")
    screenshot(browser, "idle-2-unlocked")

    # Locked again; a colleague signs in there: a fresh page, his own.
    _wait_locked(browser)
    username = browser.find_element(By.ID, "tw-idle-username")
    username.clear()
    username.send_keys("physician")
    browser.find_element(By.ID, "tw-idle-password").send_keys(PASSWORDS["physician"])
    browser.find_element(By.ID, "tw-idle-sign-in").click()
    WebDriverWait(browser, 20).until(lambda d: not d.find_elements(By.ID, "tw-idle-lock"))
    wait_for(browser, "#shell-header")
    wait_for(browser, "#tab-vitals").click()  # type: ignore[attr-defined]
    wait_for(browser, "#vitals-resp_rate")
    assert _value(browser, "vitals-resp_rate") == ""
    assert "Lindqvist" in browser.find_element(By.ID, "shell-header").text
    screenshot(browser, "idle-3-colleague")

    with Session(idle_server.engine) as session:
        events = session.exec(
            select(AuditEvent)
            .where(col(AuditEvent.action).in_(["session.lock", "session.unlock"]))
            .order_by(col(AuditEvent.id))
        ).all()
    assert [(e.action, e.actor) for e in events] == [
        ("session.lock", "nurse"),
        ("session.unlock", "nurse"),
        ("session.lock", "nurse"),
        ("session.unlock", "physician"),
    ]
