"""The pseudo-locale check on every page, for each role that sees it: the board, the queue, the
rounds page and its sheet, the admin page and the audit log, the sources page, a patient's page
(every tab), printed sheets, wristband label, discharge summary and taper calendar, both for a
patient still on the ward and for one discharged (the going-home pages as they are handed out),
the discharge dialog with a refused time, the admin page's account dialogs, the sign-in page
and the rounds page's review drawer. A page a role may not use shows its refusal, which is
checked too.

The rule is test_french's (data, numbers, dates and the scales' codes are exempt). A string
shown by code another piece of work is marking (the clinical texts of models.clinical, the
OIDC and idle-lock messages, the wristband override reasons, the read side of rounds, the
chart's hovers, the citations' tooltips) is named in ``NOT_OURS``, the whole visible text
exactly, with whose it is, so that when it is marked its entry is removed and the check covers
it (none is needed on these pages today). The sources page's references and what uses each
source hold hundreds of such texts: ``NOT_OURS_AREAS`` leaves those parts out by selector, each
with why; the page's own chrome is checked."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_date
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select

from dashboard.components.citations import source_line
from jobs.scan import run_scan
from models.clinical.sources import SOURCES
from models.i18n.formats import format_weekday
from models.tables import Admission, AuditEvent, Patient
from models.wristband import band_birth_date
from seed_data.demo import DEMO_USERS
from tests.browser.conftest import LiveServer, sign_in, wait_for, wait_for_text
from tests.browser.test_french import _VISIBLE_TEXTS, _unmarked, serve_translated
from tests.browser.test_french_pages import NOT_YET_MARKED, CitingPseudoTranslator, _data_of

# Whole visible texts another piece of work marks (see the module's note); remove an entry when
# its text is marked.
NOT_OURS: dict[str, str] = {}
# Parts of a page left out of the check, each with why: many texts in each, all another piece
# of work's or no text of ours.
NOT_OURS_AREAS: dict[str, str] = {
    ".tw-source-head, .tw-source-details, .tw-source-link": (
        "a source's reference (authors, title, where): in its own language, as "
        "test_french_pages exempts the references"
    ),
    ".tw-source-caution-line": "the sources page: a source's caution and its note",
    ".tw-source-use, .tw-source-value, .tw-source-basis": (
        "the sources page: the names and values of what uses each source"
    ),
}
# A marked text cut to fit (a chart's flag mark: "⚑ [[Dose held or refuse…") loses its
# closing brackets; it is still marked.
_CUT = re.compile(r"\[\[[^\[\]]*…$")

ROLES = ("nurse", "physician", "admin")
ADMIN = next(u for u in DEMO_USERS if u.role == "admin")


@pytest.fixture
def pseudo_server(live_server: LiveServer) -> Iterator[LiveServer]:
    yield from serve_translated(live_server, CitingPseudoTranslator())


def _unmarked_texts(driver: WebDriver, css: str, data: set[str]) -> list[str]:
    driver.execute_script(
        "for (const el of document.querySelectorAll(arguments[0])) el.remove();",
        ", ".join([*NOT_YET_MARKED, *NOT_OURS_AREAS]),
    )
    texts = driver.execute_script(_VISIBLE_TEXTS, css)
    assert texts, f"nothing visible in {css}"
    return [t for t in texts if t not in NOT_OURS and _unmarked(_CUT.sub(" ", t), data)]


def _all_data(server: LiveServer) -> set[str]:
    """test_french_pages' data, and what the sheets and the audit log show that is no text of
    ours: a wristband's date of birth (the band's own format), the calendar's day heads, a
    sheet's footnote (each source cited in full, with its address), the audit log's codes
    (actions, record kinds, who)."""
    data = _data_of(server)
    with Session(server.engine) as session:
        data |= {band_birth_date(p.birth_date) for p in session.exec(select(Patient)).all()}
        events = session.exec(select(AuditEvent)).all()
    data |= {e.action for e in events} | {e.entity for e in events} | {e.actor for e in events}
    days = [datetime.now(UTC).date() + timedelta(days=n) for n in range(-60, 400)]
    data |= {format_weekday(d, "fr", short=True) for d in days}
    data |= {format_date(d, format="d MMM", locale="fr_FR") for d in days}
    data |= {f"{source_line(s)} {s.url}" for s in SOURCES.values() if s.url}
    return data


def _admissions(server: LiveServer) -> tuple[int, int]:
    """The first patient on the ward and the last one discharged (the demo ward has both)."""
    with Session(server.engine) as session:
        on_ward = session.exec(
            select(Admission.id)
            .where(col(Admission.discharged_at).is_(None))
            .order_by(col(Admission.id))
        ).first()
        discharged = session.exec(
            select(Admission.id)
            .where(col(Admission.discharged_at).is_not(None))
            .order_by(col(Admission.discharged_at).desc())
        ).first()
    assert on_ward is not None and discharged is not None
    return on_ward, discharged


def _pages(role: str, on_ward: int, discharged: int) -> list[tuple[str, str]]:
    """(path, a selector shown once the page has its content) of every page; a role not
    allowed a page gets its refusal, checked the same way."""
    pages = [
        ("/", "#board-table .tw-board-row"),
        ("/queue", ".tw-queue"),
        ("/rounds", ".tw-page-title, #rounds-denied"),
        ("/admin", ".tw-page-title"),
        ("/admin/audit", ".tw-page-title"),
        ("/sources", ".tw-page-title"),
    ]
    if role != "nurse":
        pages.append(("/rounds/print", "#print-rounds"))
    for admission_id in (on_ward, discharged):
        patient = f"/patient/{admission_id}"
        for tab, ready in TABS.items():
            # A stay discharged days ago has no recent rows: its tables say so.
            ready = ready if admission_id == on_ward else ready.removesuffix(" table")
            pages.append((f"{patient}?tab={tab}", ready))
        pages += [(f"{patient}/{sheet}", ".tw-print") for sheet in SHEETS]
    return pages


# Each tab of the patient page, and what it shows once its table or chart is drawn.
TABS = {
    "overview": "#ov-graph .main-svg text",
    "vitals": "#vitals-table table",
    "ciwa": "#ciwa-table table",
    "mar": "#mar-table table",
    "history": "#history-table table",
}
SHEETS = ("print", "wristband", "summary", "calendar")


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_marked_for_each_role(
    browser: WebDriver, pseudo_server: LiveServer, role: str
) -> None:
    run_scan(pseudo_server.engine)
    data = _all_data(pseudo_server)
    on_ward, discharged = _admissions(pseudo_server)
    user = next(u for u in DEMO_USERS if u.role == role)
    browser.set_window_size(1366, 900)
    sign_in(browser, pseudo_server, user.username, user.password)
    found: dict[str, list[str]] = {}
    for path, ready in _pages(role, on_ward, discharged):
        browser.get(f"{pseudo_server.url}{path}")
        try:
            wait_for(browser, ready)
        except TimeoutException:
            found[path] = [f"(never showed {ready})"]
            continue
        unmarked = _unmarked_texts(browser, "body", data)
        if unmarked:
            found[path] = unmarked
    assert found == {}, f"not marked for translation, as {role}: {found}"


@pytest.mark.parametrize("role", ["nurse", "admin"])
def test_the_discharge_dialog_and_its_refusal_are_marked(
    browser: WebDriver, pseudo_server: LiveServer, role: str
) -> None:
    data = _all_data(pseudo_server)
    on_ward, _discharged = _admissions(pseudo_server)
    user = next(u for u in DEMO_USERS if u.role == role)
    sign_in(browser, pseudo_server, user.username, user.password)
    browser.get(f"{pseudo_server.url}/patient/{on_ward}")
    wait_for(browser, "#banner-name")
    button = browser.find_element(By.ID, "discharge-open")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait_for(browser, "#discharge-time")
    assert _unmarked_texts(browser, ".mantine-Modal-content", data) == []
    browser.find_element(By.ID, "discharge-time").send_keys("99:99")
    browser.find_element(By.ID, "discharge-confirm").click()
    wait_for_text(browser, "#discharge-message", "[[")
    assert _unmarked_texts(browser, ".mantine-Modal-content", data) == []


def test_an_admin_reading_the_queue_is_not_told_the_page_is_out_of_date(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """Drawing the queue's rows fires the flag dialog's callback with no click; an admin (who
    may read the queue, not act on it) got a 403 for it, which the page showed as "This page is
    out of date" (found by the check above)."""
    run_scan(pseudo_server.engine)
    sign_in(browser, pseudo_server, ADMIN.username, ADMIN.password)
    browser.get(f"{pseudo_server.url}/queue")
    wait_for(browser, ".tw-queue-flag")
    time.sleep(2)  # the callbacks the rows fire have answered
    assert browser.find_elements(By.ID, "tw-connection-alert") == []


def test_the_connection_messages_are_in_the_readers_language(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """A callback refused (here a forged CSRF token: 403) is said in the reader's language:
    assets/connection.js reads the page's translated messages."""
    from dashboard.security import CSRF_COOKIE

    nurse = next(u for u in DEMO_USERS if u.role == "nurse")
    sign_in(browser, pseudo_server, nurse.username, nurse.password)
    wait_for(browser, "#board-table .tw-board-row")
    browser.delete_cookie(CSRF_COOKIE)
    browser.add_cookie({"name": CSRF_COOKIE, "value": "forged", "path": "/"})
    browser.find_element(By.ID, "board-admit-open").click()
    wait_for_text(browser, "#tw-connection-alert", "[[")
    alert = browser.find_element(By.ID, "tw-connection-alert").text
    assert _unmarked(alert, set()) is None
    assert "This page is out of date, so nothing was saved." in alert


def test_the_admin_pages_account_dialogs_and_refusals_are_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """A new account refused (nothing typed: every field's error), and the password and role
    dialogs of an account, with a refused password."""
    data = _all_data(pseudo_server)
    sign_in(browser, pseudo_server, ADMIN.username, ADMIN.password)
    browser.get(f"{pseudo_server.url}/admin")
    wait_for(browser, "#users-table")
    add = browser.find_element(By.ID, "user-add")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", add)
    add.click()
    wait_for_text(browser, "#user-message", "[[")
    assert _unmarked_texts(browser, ".tw-admin", data) == []
    for kind, ready in (("passwd", "#passwd-new"), ("role", "#role-select")):
        opener = browser.find_element(By.CSS_SELECTOR, f"""[id*='"type":"user-{kind}-open"']""")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", opener)
        opener.click()
        wait_for(browser, ready)
        if kind == "passwd":
            browser.find_element(By.ID, "passwd-new").send_keys("short")
            browser.find_element(By.ID, "passwd-again").send_keys("short")
            browser.find_element(By.ID, "passwd-save").click()
            wait_for_text(browser, "#passwd-message", "[[")
        assert _unmarked_texts(browser, ".mantine-Modal-content", data) == []
        browser.find_element(By.ID, f"{kind}-cancel").click()
        WebDriverWait(browser, 15).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, ".mantine-Modal-content")
        )


def test_the_sign_in_page_and_the_rounds_review_drawer_are_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """The sign-in page (before anyone signs in: the browser's language), and a physician's
    review drawer on the rounds page."""
    run_scan(pseudo_server.engine)
    data = _all_data(pseudo_server)
    browser.get(f"{pseudo_server.url}/login")
    wait_for(browser, "#sign-in")
    assert _unmarked_texts(browser, "body", data) == []
    physician = next(u for u in DEMO_USERS if u.role == "physician")
    sign_in(browser, pseudo_server, physician.username, physician.password)
    browser.get(f"{pseudo_server.url}/rounds")
    wait_for(browser, ".tw-rounds-card")
    opener = browser.find_element(By.CSS_SELECTOR, """[id*='"type":"rounds-review-open"']""")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", opener)
    opener.click()
    wait_for(browser, "#rd-decision")
    assert _unmarked_texts(browser, ".mantine-Drawer-content", data) == []
