"""The pseudo-locale check of the review queue and the rounds page: under a translator that
wraps every marked string in [[…]], every visible text of these pages is marked (the exemption
rule of test_french: data, numbers, dates and the scales' codes). The queue carries flags from a
real scan, so the flag messages (stored as a code and values) are checked too.

A marked text may cite sources ("… pause [S16]"): the page draws each [Sn] as a link, so the
pseudo-translation closes its brackets around each tag ("[[… pause ]][S16][[]]") and every
piece is still seen as marked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from babel.dates import format_date
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import update
from sqlmodel import Session, col, select

from dashboard.components.citations import source_line
from jobs.scan import run_scan
from models.audit import Actor
from models.clinical.drugs import DRUGS
from models.clinical.sources import SOURCES
from models.db import transaction
from models.i18n.formats import format_day, format_full_date, format_weekday
from models.tables import (
    Admission,
    AuditEvent,
    DoseAdministration,
    JobRun,
    Patient,
    User,
    UserSession,
)
from models.wristband import band_birth_date, override_wristband
from seed_data.demo import DEMO_USERS
from tests.browser.conftest import LiveServer, sign_in, stay_on_demo_ward, wait_for, wait_for_text
from tests.browser.test_french import (
    _VISIBLE_TEXTS,
    PseudoTranslator,
    _data,
    _unmarked,
    serve_translated,
)

# The PRN order line (dashboard/components/prn_reads.py) is marked with the patient page.
NOT_YET_MARKED = (".tw-prn-line",)
_TAG = re.compile(r"(\[S\d+\])")


class CitingPseudoTranslator(PseudoTranslator):
    """[[…]] around each piece of text between citation tags."""

    def gettext(self, message: str, /, **values: object) -> str:
        return _TAG.sub(r"]]\1[[", super().gettext(message, **values))

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        return _TAG.sub(r"]]\1[[", super().ngettext(singular, plural, count, **values))


@pytest.fixture
def pseudo_server(live_server: LiveServer) -> Iterator[LiveServer]:
    yield from serve_translated(live_server, CitingPseudoTranslator())


# UCUM's code for mmHg, written with brackets, inside a marked text (the Sources page's FHIR
# units): a language-neutral code, taken out before the brackets of the marks are read.
BRACKETED_CODES = ("mm[Hg]",)


def _check(driver: WebDriver, css: str, data: set[str]) -> None:
    hidden = ", ".join(NOT_YET_MARKED)
    driver.execute_script(
        "for (const el of document.querySelectorAll(arguments[0])) el.remove();", hidden
    )
    texts = driver.execute_script(_VISIBLE_TEXTS, css)
    assert texts, f"nothing visible in {css}"
    for code in BRACKETED_CODES:
        texts = [t.replace(code, " ") for t in texts]
    unmarked = [t for t in texts if _unmarked(t, data)]
    assert unmarked == [], f"not marked for translation in {css}: {unmarked}"


def test_the_citing_pseudo_translator_keeps_every_piece_marked() -> None:
    text = CitingPseudoTranslator().gettext("Slow or pause [S16]; then [S22]")
    assert text == "[[Slow or pause ]][S16][[; then ]][S22][[]]"
    assert all(_unmarked(piece, set()) is None for piece in _TAG.split(text))
    assert _unmarked("Slow or pause [S16]", set()) is not None  # unmarked still fails


NURSE = next(u for u in DEMO_USERS if u.role == "nurse")
PHYSICIAN = next(u for u in DEMO_USERS if u.role == "physician")
ADMIN = next(u for u in DEMO_USERS if u.role == "admin")


def _data_of(server: LiveServer) -> set[str]:
    """test_french's data, and what these pages show that is no text of ours: the staff's
    names and usernames, the jobs' hosts, drug names as a flag writes them, what nurses typed as
    a reason, and the sources' references (their titles and what we take from each stay in their
    own language)."""
    with Session(server.engine) as session:
        users = session.exec(select(User)).all()
        staff = {u.display_name for u in users} | {u.username for u in users}
        hosts = set(session.exec(select(JobRun.host)).all())
        typed = {
            r for r in session.exec(select(DoseAdministration.reason_text)).all() if r is not None
        }
    references = {source_line(s) for s in SOURCES.values()}
    references |= {s.takeaway for s in SOURCES.values()}
    # A reference as published, whole or in its parts (a caution beside it is translated), and
    # its address (the Sources page links the host, the full address in its tooltip).
    for s in SOURCES.values():
        details = " · ".join(part for part in (s.title, str(s.year or ""), s.where) if part)
        references |= {f"{s.id}: {s.citation}", s.author, details}
        if s.url:
            references |= {s.url, urlsplit(s.url).netloc.removeprefix("www.")}
    # a flag's message names a drug as stored (docs/i18n.md, not yet)
    drugs = set(DRUGS) | {d.title() for d in DRUGS}
    today = datetime.now(UTC).date()
    days = [today + timedelta(days=n) for n in range(-60, 60)]
    dates = {format_full_date(d, "fr") for d in days} | {format_day(d, "fr") for d in days}
    return _data(server) | staff | hosts | typed | references | drugs | dates


def test_every_visible_string_of_the_queue_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    run_scan(pseudo_server.engine)
    data = _data_of(pseudo_server)
    sign_in(browser, pseudo_server, NURSE.username, NURSE.password)
    browser.get(f"{pseudo_server.url}/queue")
    wait_for(browser, ".tw-queue-flag")
    _check(browser, ".tw-queue", data)


def test_every_visible_string_of_the_rounds_page_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    run_scan(pseudo_server.engine)
    data = _data_of(pseudo_server)
    sign_in(browser, pseudo_server, PHYSICIAN.username, PHYSICIAN.password)
    browser.get(f"{pseudo_server.url}/rounds")
    wait_for(browser, ".tw-rounds-card")
    _check(browser, ".tw-rounds", data)


def _overridden(server: LiveServer, admission_id: int) -> None:
    """A wristband override of each reason, without a typed reason (the table's reasons are
    the marked words)."""
    with transaction(server.engine) as session:
        nurse = session.exec(select(User).where(User.username == NURSE.username)).one()
        actor = Actor(nurse.id, nurse.username, nurse.role)
        for code in ("band_unreadable", "band_missing", "scanner_fault"):
            override_wristband(
                session=session,
                actor=actor,
                admission_id=admission_id,
                reason_code=code,
                reason_text="",
                now=datetime.now(UTC),
            )


def test_every_visible_string_of_the_admin_page_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    run_scan(pseudo_server.engine)
    now = datetime.now(UTC)
    with stay_on_demo_ward(
        pseudo_server.engine,
        mrn="TW-PSEUDO-BAND",
        family_name="Overton",
        given_name="Rhea",
        birth_date=date(1971, 5, 2),
        sex="female",
        bed="B61",
        admitted_at=now - timedelta(hours=2),
        now=now - timedelta(hours=2),
    ) as admission_id:
        _overridden(pseudo_server, admission_id)
        data = _data_of(pseudo_server)
        sign_in(browser, pseudo_server, ADMIN.username, ADMIN.password)
        browser.get(f"{pseudo_server.url}/admin")
        wait_for(browser, "#users-table")
        wait_for(browser, "#band-overrides tr[data-check]")
        _check(browser, ".tw-admin", data)
    # A refused policy (a range's error with its unit, a cross-check's) shown through the
    # translator. The pseudo-translator wraps whatever it is given: that each of these errors
    # is in the catalog is tests/dashboard/test_field_errors_french.py's check.
    for name, typed in (("dose_window_min", "999"), ("time_critical_window_min", "100")):
        field = browser.find_element(By.CSS_SELECTOR, f"""input[id*='"field":"{name}"']""")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(typed)
    browser.find_element(By.ID, "policy-save").click()
    wait_for_text(browser, "#policy-message", "[[")
    wait_for(browser, """[id*='"field":"dose_window_min"'][aria-invalid='true']""")
    _check(browser, ".tw-admin", data)


def test_every_visible_string_of_the_audit_page_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """The audit log, its filter and a refused filter (a field's error). The rows' actions and
    record kinds are the log's codes (``vitals.create``, ``admission``), shown as stored."""
    data = _data_of(pseudo_server)
    sign_in(browser, pseudo_server, ADMIN.username, ADMIN.password)
    browser.get(f"{pseudo_server.url}/admin/audit")
    wait_for(browser, "#audit-table table")
    with Session(pseudo_server.engine) as session:
        events = session.exec(select(AuditEvent)).all()
    data |= {e.action for e in events} | {e.entity for e in events} | {e.actor for e in events}
    _check(browser, ".tw-admin", data)
    browser.find_element(By.ID, "audit-since").send_keys("2026-12-07")
    browser.find_element(By.ID, "audit-until").send_keys("2026-12-01")
    browser.find_element(By.ID, "audit-show").click()
    wait_for_text(browser, "#audit-message", "[[")
    wait_for(browser, "#audit-until-error, [id^='audit-until'][aria-invalid='true']")
    _check(browser, ".tw-admin", data)


PRINT_PAGES = ("print", "wristband", "summary", "calendar")


def test_every_visible_string_of_the_printed_sheets_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """The rounds sheet and a patient's printed sheets: the MAR, plan and CIWA-B grid, the
    wristband label, the discharge summary and the taper calendar (plain pages, loaded under
    the pseudo-translation like the others). The wristband's date of birth keeps the band's
    own format (DD-Mmm-YYYY [S82]); the CIWA-B items and the tablets' words (models.clinical,
    marked lang="en") are exempt as on the other pages."""
    run_scan(pseudo_server.engine)
    data = _data_of(pseudo_server)
    with Session(pseudo_server.engine) as session:
        patients = session.exec(select(Patient)).all()
        data |= {band_birth_date(p.birth_date) for p in patients}
        admission_id = session.exec(
            select(Admission.id).where(col(Admission.discharged_at).is_(None))
        ).first()
    # The calendar heads each day with its weekday over its day and month.
    days = [datetime.now(UTC).date() + timedelta(days=n) for n in range(-60, 400)]
    data |= {format_weekday(d, "fr", short=True) for d in days}
    data |= {format_date(d, format="d MMM", locale="fr_FR") for d in days}
    # A sheet's footnote gives each source cited in full, with its address.
    data |= {f"{source_line(s)} {s.url}" for s in SOURCES.values() if s.url}
    assert admission_id is not None
    sign_in(browser, pseudo_server, PHYSICIAN.username, PHYSICIAN.password)
    browser.get(f"{pseudo_server.url}/rounds/print")
    wait_for(browser, "#print-rounds .tw-print-patient")
    _check(browser, "body", data)
    for page in PRINT_PAGES:
        browser.get(f"{pseudo_server.url}/patient/{admission_id}/{page}")
        wait_for(browser, ".tw-print-bar")
        wait_for(browser, ".tw-print")
        _check(browser, "body", data)


def test_every_visible_string_of_the_sources_page_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """Each source's entry and what uses it (review rules, ward settings with their values,
    clinical numbers): the references stay as published (data); what we take from each, its
    caution and what uses it are marked."""
    data = _data_of(pseudo_server)
    sign_in(browser, pseudo_server, NURSE.username, NURSE.password)
    browser.get(f"{pseudo_server.url}/sources")
    wait_for(browser, "#sources-list .tw-source-entry")
    wait_for(browser, ".tw-sources-local .tw-source-use")
    _check(browser, ".tw-sources", data)


def test_every_visible_string_of_the_idle_lock_is_marked(
    browser: WebDriver, pseudo_server: LiveServer
) -> None:
    """The lock prompt (its words come from the server with the session's state) and a
    refused sign-in on it. The session is aged on the server, so the next callback is refused
    as idle and the page locks (no waiting out the ward's idle time)."""
    data = _data_of(pseudo_server)
    sign_in(browser, pseudo_server, ADMIN.username, ADMIN.password)
    browser.get(f"{pseudo_server.url}/admin")
    wait_for(browser, "#users-table")
    with Session(pseudo_server.engine) as session:
        admin = session.exec(select(User).where(User.username == ADMIN.username)).one()
    # The page has asked for its state (and words) once loaded: wait for that answer.
    WebDriverWait(browser, 15).until(
        lambda d: d.execute_script(
            "return performance.getEntriesByType('resource')"
            ".some((e) => e.name.indexOf('/session/activity') !== -1)"
        )
    )
    long_ago = datetime.now(UTC) - timedelta(hours=3)
    with transaction(pseudo_server.engine) as session:
        session.execute(
            update(UserSession)
            .where(col(UserSession.user_id) == admin.id, col(UserSession.ended_at).is_(None))
            .values(created_at=long_ago, last_active_at=long_ago)
        )
    save = browser.find_element(By.ID, "policy-save")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", save)
    save.click()
    wait_for(browser, "#tw-idle-lock")
    wait_for(browser, "#tw-idle-password")
    _check(browser, "#tw-idle-lock", data)
    assert "[[" in browser.find_element(By.ID, "tw-idle-title").text
    browser.find_element(By.ID, "tw-idle-password").send_keys("not the password")
    browser.find_element(By.ID, "tw-idle-sign-in").click()
    wait_for_text(browser, "#tw-idle-error", "[[")
    _check(browser, "#tw-idle-lock", data)
