"""An admin changes the ward policy in a real browser: a bad value is refused at its field,
a good one saved; the job runs are listed. An admin resets a user's password in its modal:
two different passwords are refused at the field, then the new one is set."""

from __future__ import annotations

import json

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, select

from jobs.scan import run_scan
from models.db import transaction
from models.tables import User, Ward
from models.types import utcnow
from models.users import authenticate, create_user, set_role
from seed_data.demo import DEMO_USERS, WARD_NAME
from tests.browser.conftest import LiveServer, screenshot, sign_in, wait_for
from tests.factories import SYSTEM

ADMIN = next(u for u in DEMO_USERS if u.role == "admin")


def _policy_input(driver: WebDriver, field: str) -> object:
    ident = json.dumps({"field": field, "type": "policy"}, separators=(",", ":"))
    return driver.find_element(By.XPATH, f"//input[@id='{ident}']")


def _ward(server: LiveServer) -> Ward:
    with Session(server.engine) as session:
        ward = session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()
        return ward


def test_admin_sets_the_worsening_threshold(live_server: LiveServer, browser: WebDriver) -> None:
    run_scan(live_server.engine)
    sign_in(browser, live_server, ADMIN.username, ADMIN.password)
    browser.get(f"{live_server.url}/admin")
    wait_for(browser, "#policy-save")
    assert browser.find_elements(By.CSS_SELECTOR, "#runs tbody tr")
    points = _policy_input(browser, "worsening_points")
    before = _ward(live_server).worsening_points

    points.send_keys(Keys.CONTROL, "a")  # type: ignore[attr-defined]
    points.send_keys("0")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "policy-save").click()
    WebDriverWait(browser, 15).until(
        lambda d: (
            "1 to 80" in d.find_element(By.ID, "policy-message").text
            or d.find_elements(By.CSS_SELECTOR, ".mantine-NumberInput-error")
        )
    )
    errors = browser.find_elements(By.CSS_SELECTOR, ".mantine-NumberInput-error")
    assert [e.text for e in errors] and "1 to 80" in errors[0].text
    assert "correct the fields" in browser.find_element(By.ID, "policy-message").text
    assert _ward(live_server).worsening_points == before
    screenshot(browser, "admin-01-refused")

    points.send_keys(Keys.CONTROL, "a")  # type: ignore[attr-defined]
    points.send_keys("12")  # type: ignore[attr-defined]
    browser.find_element(By.ID, "policy-save").click()
    try:
        WebDriverWait(browser, 15).until(lambda _: _ward(live_server).worsening_points == 12)
        wait_for(browser, ".tw-form-ok")
        screenshot(browser, "admin-02-saved")
    finally:  # the demo ward is shared by the session's browser tests
        with Session(live_server.engine) as session:
            ward = session.exec(select(Ward).where(Ward.name == WARD_NAME)).one()
            ward.worsening_points = before
            session.add(ward)
            session.commit()


LOCUM = "locum.reset"
LOCUM_PASSWORD = "first password 1"
NEW_PASSWORD = "second password 2"


def _add_locum(server: LiveServer) -> None:
    with transaction(server.engine) as session:
        if session.exec(select(User).where(User.username == LOCUM)).first() is None:
            create_user(
                session=session,
                actor=SYSTEM,
                username=LOCUM,
                display_name="Locum Nurse",
                role="nurse",
                password=LOCUM_PASSWORD,
            )


def _signs_in(server: LiveServer, password: str) -> bool:
    with transaction(server.engine) as session:
        user = authenticate(session=session, username=LOCUM, password=password, now=utcnow())
        return user is not None


def _type(driver: WebDriver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(Keys.DELETE)
    field.send_keys(text)


def test_admin_resets_a_password_in_the_modal(live_server: LiveServer, browser: WebDriver) -> None:
    _add_locum(live_server)
    sign_in(browser, live_server, ADMIN.username, ADMIN.password)
    browser.get(f"{live_server.url}/admin")
    wait_for(browser, "#users-table")
    for action in ("Reset password", "Change role", "Deactivate"):
        assert browser.find_elements(By.CSS_SELECTOR, f'button[aria-label="{action}: {LOCUM}"]')
    browser.execute_script(
        "document.getElementById('users-table').scrollIntoView({block: 'center'})"
    )
    screenshot(browser, "admin-03-staff-accounts")

    browser.find_element(By.CSS_SELECTOR, f'button[aria-label="Reset password: {LOCUM}"]').click()
    wait_for(browser, "#passwd-new")
    assert "Locum Nurse (locum.reset)" in browser.find_element(By.ID, "passwd-who").text
    _type(browser, "passwd-new", NEW_PASSWORD)
    _type(browser, "passwd-again", NEW_PASSWORD + "x")
    browser.find_element(By.ID, "passwd-save").click()
    WebDriverWait(browser, 15).until(
        lambda d: "correct the field" in d.find_element(By.ID, "passwd-message").text
    )
    modal = browser.find_element(By.CSS_SELECTOR, ".mantine-Modal-content")
    assert "The two passwords differ; type the same one twice." in modal.text
    assert _signs_in(live_server, LOCUM_PASSWORD) and not _signs_in(live_server, NEW_PASSWORD)
    screenshot(browser, "admin-04-reset-refused")

    _type(browser, "passwd-again", NEW_PASSWORD)
    browser.find_element(By.ID, "passwd-save").click()
    WebDriverWait(browser, 15).until(
        lambda d: "New password set for Locum Nurse." in d.find_element(By.ID, "users-message").text
    )
    WebDriverWait(browser, 15).until(lambda d: not d.find_elements(By.ID, "passwd-new"))
    assert _signs_in(live_server, NEW_PASSWORD) and not _signs_in(live_server, LOCUM_PASSWORD)
    screenshot(browser, "admin-05-reset-done")


def _locum(server: LiveServer) -> User:
    with Session(server.engine) as session:
        return session.exec(select(User).where(User.username == LOCUM)).one()


def test_admin_changes_a_role_in_the_modal(live_server: LiveServer, browser: WebDriver) -> None:
    _add_locum(live_server)
    sign_in(browser, live_server, ADMIN.username, ADMIN.password)
    browser.get(f"{live_server.url}/admin")
    wait_for(browser, "#users-table")
    browser.find_element(By.CSS_SELECTOR, f'button[aria-label="Change role: {LOCUM}"]').click()
    wait_for(browser, "#role-select")
    assert browser.find_element(By.ID, "role-select").get_attribute("value") == "nurse"
    browser.find_element(By.ID, "role-select").click()

    def physician_option(d: WebDriver) -> WebElement | bool:
        options = d.find_elements(By.CSS_SELECTOR, "[role=option]")
        return next((o for o in options if o.text == "physician"), False)

    option = WebDriverWait(browser, 15).until(physician_option)
    assert isinstance(option, WebElement)
    option.click()
    WebDriverWait(browser, 15).until(
        lambda d: d.find_element(By.ID, "role-select").get_attribute("value") == "physician"
    )
    screenshot(browser, "admin-06-change-role")
    try:
        browser.find_element(By.ID, "role-save").click()
        WebDriverWait(browser, 15).until(
            lambda d: "role is now physician" in d.find_element(By.ID, "users-message").text
        )
        assert _locum(live_server).role == "physician"
        row = browser.find_element(By.XPATH, f"//tr[td[normalize-space()='{LOCUM}']]")
        assert "physician" in row.text
    finally:  # the demo ward is shared by the session's browser tests
        with transaction(live_server.engine) as session:
            locum = _locum(live_server)
            set_role(
                session=session, actor=SYSTEM, user_id=locum.id or 0, role="nurse", now=utcnow()
            )
