"""The bedside path in French, in a real browser: a nurse whose language is French signs in,
reads the board in French, charts vitals with a decimal comma and a CIWA-B (its items in their
original English wording, with a note in French), and sees the French confirmations. Then a
pseudo-locale run of the same pages and of the patient page (banner, every tab, the MAR, PRN
and history views, their dialogs and the admit dialog, as a nurse and as a physician): every
visible text node is translated (a clear rule exempts numbers, patient and staff data and the
scales' codes), so an unmarked string fails."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from babel.dates import format_date
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlmodel import Session, col, select
from werkzeug.serving import make_server

from models.audit import Actor
from models.charting import chart_dose, chart_prn, mark_in_error, record_assessment, record_vitals
from models.clinical.scales import CIWA_B_ITEMS
from models.db import transaction
from models.i18n import LANGUAGES, Translator, format_day, format_full_date
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.tables import (
    AuditEvent,
    DoseAdministration,
    PrnOrder,
    ScheduledDose,
    TaperPlan,
    User,
    VitalSigns,
    WithdrawalAssessment,
)
from models.users import create_user
from seed_data.factories import demo_actor
from tests.browser.conftest import (
    LiveServer,
    _free_port,
    screenshot,
    sign_in,
    stay_on_demo_ward,
    wait_for,
)
from tests.browser.conftest import wait_for_text as _text_in
from tests.factories import prn_order

SYSTEM = Actor(user_id=None, username="system", role="system")
PASSWORD = "infirmiere-secret-42"
FAMILY, GIVEN, MRN = "Lefebvre", "Camille", "TW-FR-1"
WAIT = 15
STALE = (StaleElementReferenceException,)


def _wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, WAIT, ignored_exceptions=STALE)


def _nurse(server: LiveServer, username: str, language: str) -> None:
    _user(server, username, language, role="nurse", display_name="Claire Martin")


def _user(
    server: LiveServer, username: str, language: str, *, role: str, display_name: str
) -> None:
    with transaction(server.engine) as session:
        found = session.exec(select(User).where(User.username == username)).first()
        if found is None:
            create_user(
                session=session,
                actor=SYSTEM,
                username=username,
                display_name=display_name,
                role=role,
                password=PASSWORD,
                language=language,
            )


@pytest.fixture
def patient(live_server: LiveServer) -> Iterator[int]:
    admitted_at = datetime.now(UTC) - timedelta(hours=23)
    with stay_on_demo_ward(
        live_server.engine,
        mrn=MRN,
        family_name=FAMILY,
        given_name=GIVEN,
        birth_date=date(1971, 9, 14),
        sex="female",
        bed="B31",
        admitted_at=admitted_at,
        now=admitted_at,
    ) as admission_id:
        yield admission_id


def _open_tab(driver: WebDriver, key: str) -> None:
    tab = driver.find_element(By.ID, f"tab-{key}")
    tab.click()
    _wait(driver).until(lambda d: tab.get_attribute("aria-selected") == "true")


def test_a_french_nurse_charts_vitals_with_a_decimal_comma_and_a_ciwa_b(
    browser: WebDriver, live_server: LiveServer, patient: int
) -> None:
    _nurse(live_server, "claire", "fr")
    browser.set_window_size(390, 844)
    sign_in(browser, live_server, "claire", PASSWORD)
    wait_for(browser, "#board-table .tw-board-row")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "fr"
    _text_in(browser, ".tw-page-title", "Tableau du service")
    _text_in(browser, "#board-summary", "avec des alertes à voir")
    assert browser.find_element(By.ID, "board-filter").get_attribute("placeholder") == (
        "Filtrer : lit, nom, IPP, médicament…"
    )
    screenshot(browser, "french-1-board-390")
    # Nothing wider than the phone's screen.
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0

    browser.get(f"{live_server.url}/patient/{patient}")
    wait_for(browser, "#banner-name")
    _open_tab(browser, "vitals")
    wait_for(browser, "#vitals-save")
    assert browser.find_element(By.ID, "vitals-save").text == "Enregistrer les constantes"
    for field, value in (
        ("resp_rate", "16"),
        ("spo2", "97"),
        ("systolic", "124"),
        ("diastolic", "78"),
        ("heart_rate", "84"),
        ("temperature_c", "37,5"),
    ):
        browser.find_element(By.ID, f"vitals-{field}").send_keys(value)
    assert browser.find_element(By.ID, "vitals-temperature_c").get_attribute("value") == "37,5"
    _text_in(browser, "#vitals-news2", "Normal")
    screenshot(browser, "french-2-vitals-390")
    overflow = browser.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    browser.find_element(By.ID, "vitals-temperature_c").send_keys(Keys.ENTER)  # Enter saves
    _text_in(browser, "#vitals-message", "Enregistré : constantes à")
    with Session(live_server.engine) as session:
        stored = session.exec(select(VitalSigns).where(VitalSigns.admission_id == patient)).one()
    assert Decimal(str(stored.temperature_c)) == Decimal("37.5")
    _text_in(browser, "#vitals-table", "37,5")

    _open_tab(browser, "ciwa")
    wait_for(browser, "#ciwa-wording-note")
    assert "aucune traduction validée" in browser.find_element(By.ID, "ciwa-wording-note").text
    browser.execute_script(
        "document.getElementById('ciwa-wording-note').scrollIntoView({block: 'center'})"
    )
    screenshot(browser, "french-3-ciwa-390")
    # The items keep the scale's English wording.
    assert CIWA_B_ITEMS[0].text in browser.find_element(By.ID, "ciwa-text-1").text
    browser.find_element(By.ID, "ciwa-save").click()
    _text_in(browser, "#ciwa-message", "Non enregistré : les items")
    browser.set_window_size(1366, 900)
    first = browser.find_element(By.CSS_SELECTOR, "[data-ciwa-item='1'] .tw-ciwa-choices")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", first)
    first.click()
    for _number in range(20):
        browser.switch_to.active_element.send_keys("1")
    _text_in(browser, "#ciwa-total", "20 items cotés sur 20")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    _text_in(browser, "#ciwa-message", "Enregistré : CIWA-B 20")
    with Session(live_server.engine) as session:
        assessment = session.exec(
            select(WithdrawalAssessment).where(WithdrawalAssessment.admission_id == patient)
        ).one()
    assert assessment.total == 20


def test_the_language_menu_switches_and_is_audited(
    browser: WebDriver, live_server: LiveServer
) -> None:
    _nurse(live_server, "claude", "en")
    sign_in(browser, live_server, "claude", PASSWORD)
    wait_for(browser, "#board-table")
    _text_in(browser, ".tw-page-title", "Ward board")
    browser.find_element(By.ID, "language-fr").click()
    _text_in(browser, ".tw-page-title", "Tableau du service")
    assert browser.find_element(By.ID, "language-fr").get_attribute("disabled")
    with Session(live_server.engine) as session:
        user = session.exec(select(User).where(User.username == "claude")).one()
        assert user.language == "fr"
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "user.language", AuditEvent.entity_id == user.id)
            .order_by(col(AuditEvent.id))
        ).all()
    assert [e.after for e in events][-1:] == [{"language": "fr"}]
    browser.find_element(By.ID, "language-en").click()
    _text_in(browser, ".tw-page-title", "Ward board")


# --- pseudo-locale -------------------------------------------------------------------------


class PseudoTranslator(Translator):
    """Every string wrapped in [[…]]: a visible text without the brackets was never marked."""

    def __init__(self) -> None:
        import gettext

        super().__init__("fr", gettext.NullTranslations())

    def gettext(self, message: str, /, **values: object) -> str:
        return "[[" + super().gettext(message, **values) + "]]"

    def ngettext(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        return "[[" + super().ngettext(singular, plural, count, **values) + "]]"


# The exemption rule: what is left of a text node once the marked parts ([[…]]) and the data
# (patients' and staff's names, MRNs, beds, drugs, the ward) are taken out may hold digits,
# punctuation and these codes of the scales (language-neutral, as on the paper charts), and
# no other letters. The CIWA-B items keep their English wording (no validated translation).
CODES = {"A", "C", "V", "P", "U", "S", "RASS", "POSS", "mmHg", "min", "mg", "Taperwatch"}
_INNERMOST = re.compile(r"\[\[[^\[\]]*\]\]")  # a marked text holding no other marked text


def _unmarked(text: str, data: set[str]) -> str | None:
    rest, previous = text, ""
    while rest != previous:  # "[[[[CIWA-B]] overdue]]": the inner one, then the outer one
        previous, rest = rest, _INNERMOST.sub(" ", rest)
    for value in sorted(data, key=len, reverse=True):
        rest = rest.replace(value, " ")
    words = [w for w in re.findall(r"[^\W\d_]+", rest) if w not in CODES]
    return text if words else None


def test_the_rule_finds_an_unmarked_word_and_exempts_data_and_codes() -> None:
    assert _unmarked("Save vitals", set()) == "Save vitals"
    assert _unmarked("[[Save vitals]]", set()) is None
    assert _unmarked("[[[[CIWA-B]]\xa0overdue]] · 13:05", set()) is None
    assert _unmarked("[[Day 3]] · overdue", set()) == "[[Day 3]] · overdue"
    assert _unmarked("NOVAK, Ivana", {"NOVAK", "Ivana"}) is None
    assert _unmarked("RASS\xa0+1 · 37,5 °C", set()) is None


_VISIBLE_TEXTS = """
const root = document.querySelector(arguments[0]);
const out = [];
// Exempt: a scale's own English wording (no validated translation; marked lang="en"); a text
// models.clinical words in English and the page marks so (lang="en", tw-clinical-en: a taper
// recipe preset's description, docs/i18n.md); the chart's tick labels (dates in plotly's
// locale, numbers, drug names); a citation link ([S34]: a source's reference, as the sources
// page gives it). A text with citation links is read whole, without them.
const exempt = (el) =>
  (el.closest('[lang="en"]') && el.closest('.tw-ciwa-items, .tw-scale-wording, .tw-clinical-en')) ||
  el.closest('g[class$="tick"]') || el.closest('a.tw-cite');
const cited = new Set();
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const node = walker.currentNode;
  const el = node.parentElement;
  if (!node.textContent.trim() || !el || !el.checkVisibility()) continue;
  if (exempt(el) || el.closest('svg')) continue;
  if (el.querySelector(':scope > a.tw-cite')) {
    if (!cited.has(el)) {
      cited.add(el);
      const copy = el.cloneNode(true);
      copy.querySelectorAll('a.tw-cite').forEach((a) => a.remove());
      out.push(copy.textContent);
    }
    continue;
  }
  out.push(node.textContent);
}
// A chart's text as whole <text> elements (plotly splits a title's lines into tspans).
for (const el of root.querySelectorAll('svg text')) {
  if (!el.textContent.trim() || !el.checkVisibility() || exempt(el)) continue;
  out.push(el.textContent);
}
for (const el of root.querySelectorAll('input[placeholder], [aria-label], [title]')) {
  if (!el.checkVisibility() || exempt(el)) continue;
  for (const a of ['placeholder', 'aria-label', 'title']) {
    if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
}
return out;
"""


def serve_translated(live_server: LiveServer, translator: PseudoTranslator) -> Iterator[LiveServer]:
    """The app on its own port, every request translated by ``translator`` (a pseudo-locale)."""
    from dashboard.app import create_app
    from dashboard.i18n import TRANSLATOR_CONFIG
    from models.settings import Settings

    settings = Settings(
        database_url=str(live_server.engine.url), secret_key="pseudo-test-secret", demo=True
    )
    app = create_app(settings, live_server.engine)
    app.server.config[TRANSLATOR_CONFIG] = lambda code: translator
    server = make_server("127.0.0.1", _free_port(), app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", engine=live_server.engine)
    server.shutdown()


@pytest.fixture
def pseudo_server(live_server: LiveServer) -> Iterator[LiveServer]:
    yield from serve_translated(live_server, PseudoTranslator())


def _data(server: LiveServer) -> set[str]:
    from models.tables import Admission, Patient, Ward

    with Session(server.engine) as session:
        # Each language's own name in the language menu, as every language menu shows it.
        found: set[str] = {"Claire Martin", *(lang.name for lang in LANGUAGES.values())}
        # What staff typed: who charted, an order's indication, a dose's reason, why an entry
        # was marked in error; and the ward's time zone.
        for user in session.exec(select(User)).all():
            found |= {user.display_name, user.username}
        for order in session.exec(select(PrnOrder)).all():
            found.add(order.indication)
        for dose in session.exec(select(DoseAdministration)).all():
            found |= {dose.reason_text or "", dose.error_reason or ""}
        for vitals in session.exec(select(VitalSigns)).all():
            found.add(vitals.error_reason or "")
        for ward in session.exec(select(Ward)).all():
            found.add(ward.name)
        for p in session.exec(select(Patient)).all():
            found |= {p.family_name.upper(), p.given_name, p.mrn, p.family_name}
        for a in session.exec(select(Admission)).all():
            found.add(a.bed)  # not the drug: a drug's name is translated (drug_name)
        # A taper plan's recipe (its own language-neutral syntax) and why it was written.
        for plan in session.exec(select(TaperPlan)).all():
            found |= {plan.recipe, plan.reason}
    # Days in the reader's format (a plan's steps run for months).
    today = datetime.now(UTC).date()
    for day in (today + timedelta(days=n) for n in range(-60, 400)):
        found |= {format_day(day, "fr"), format_full_date(day, "fr")}
    return {v for v in found if v}


def _check(driver: WebDriver, css: str, data: set[str]) -> None:
    texts = driver.execute_script(_VISIBLE_TEXTS, css)
    unmarked = [t for t in texts if _unmarked(t, data)]
    assert unmarked == [], f"not marked for translation in {css}: {unmarked}"


def test_every_visible_string_of_the_bedside_pages_is_marked(
    browser: WebDriver, pseudo_server: LiveServer, patient: int
) -> None:
    _nurse(pseudo_server, "claire", "fr")
    data = _data(pseudo_server) | {"claire"}
    sign_in(browser, pseudo_server, "claire", PASSWORD)
    wait_for(browser, "#board-table .tw-board-row")
    _check(browser, "#shell-header", data)
    _check(browser, ".tw-board", data)
    browser.get(f"{pseudo_server.url}/patient/{patient}")
    wait_for(browser, "#banner-name")
    _open_tab(browser, "vitals")
    wait_for(browser, "#vitals-save")
    _check(browser, ".tw-vitals-form", data)
    _open_tab(browser, "ciwa")
    wait_for(browser, "#ciwa-save")
    _check(browser, "[data-ciwa-form='CIWA-B']", data)


# --- pseudo-locale: the patient page -------------------------------------------------------

CHARTED_MRN = "TW-FR-2"


@pytest.fixture
def charted_patient(live_server: LiveServer) -> Iterator[int]:
    """A patient on day 2 of a taper with something in every view: vitals (one set marked in
    error), a CIWA-B, a dose held with a reason, a PRN order and a PRN dose given."""
    now = datetime.now(UTC)
    admitted_at = now - timedelta(hours=30)
    with stay_on_demo_ward(
        live_server.engine,
        mrn=CHARTED_MRN,
        family_name="Girard",
        given_name="Élodie",
        birth_date=date(1968, 3, 2),
        sex="female",
        bed="B32",
        admitted_at=admitted_at,
        now=admitted_at,
        start=admitted_at.date(),
    ) as admission_id:
        with transaction(live_server.engine) as session:
            nurse = demo_actor(session, "nurse")
            physician = demo_actor(session, "physician")
            for hours in (6, 3):
                vitals = record_vitals(
                    session=session,
                    actor=nurse,
                    now=now,
                    data=VitalSignsCreate(
                        admission_id=admission_id,
                        taken_at=now - timedelta(hours=hours),
                        heart_rate=92,
                        systolic=131,
                        diastolic=84,
                        temperature_c=37.4,
                        resp_rate=18,
                        spo2=96,
                        supplemental_o2=False,
                        consciousness="A",
                    ),
                )
            assert vitals.id is not None
            mark_in_error(
                session=session,
                actor=nurse,
                entity="vitals",
                record_id=vitals.id,
                reason="wrong patient",
                now=now,
            )
            record_assessment(
                session=session,
                actor=nurse,
                now=now,
                data=WithdrawalAssessmentCreate(
                    admission_id=admission_id,
                    taken_at=now - timedelta(hours=2),
                    items={n: (1 if n % 3 else 2) for n in range(1, 21)},
                ),
            )
            slot = session.exec(
                select(ScheduledDose)
                .where(
                    ScheduledDose.admission_id == admission_id,
                    col(ScheduledDose.scheduled_at) <= now,
                    col(ScheduledDose.scheduled_at) > now - timedelta(hours=20),
                )
                .order_by(col(ScheduledDose.scheduled_at))
            ).first()
            assert slot is not None and slot.id is not None
            chart_dose(
                session=session,
                actor=nurse,
                now=now,
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id,
                    status="held",
                    administered_at=now - timedelta(minutes=30),
                    reason_code="nil_by_mouth",
                ),
            )
            order_id = prn_order(
                session,
                doctor=physician,
                admission_id=admission_id,
                written_at=now - timedelta(hours=2),
            )
            chart_prn(
                session=session,
                actor=nurse,
                now=now,
                data=PrnAdministrationCreate(
                    admission_id=admission_id,
                    prn_order_id=order_id,
                    administered_at=now - timedelta(hours=1),
                    reason_text="restless and sweating",
                ),
            )
        yield admission_id


def _open_patient_tab(driver: WebDriver, key: str, ready: str) -> None:
    _open_tab(driver, key)
    wait_for(driver, ready)


def _modal(driver: WebDriver, opener: str, ready: str, data: set[str]) -> None:
    """Open a dialog by clicking ``opener``, check its text, close it (its Cancel, or
    Escape)."""
    button = driver.find_element(By.CSS_SELECTOR, opener)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait_for(driver, ready)
    _check(driver, ".mantine-Modal-content", data)
    cancel = driver.find_elements(By.CSS_SELECTOR, ".mantine-Modal-content button[id$='cancel']")
    if cancel:
        cancel[0].click()
    else:
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    _wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".mantine-Modal-content"))


TYPED_REASON = "CIWA-B rose"


def _plan_change(
    driver: WebDriver, kind: str, ready: str, data: set[str], *, clear: str | None = None
) -> None:
    """Open the plan panel's change dialog for ``kind``, preview it (with the field ``clear``
    emptied first), check the dialog and the preview or refusal, close it."""
    button = driver.find_element(By.CSS_SELECTOR, f"""[id*='"kind":"{kind}"']""")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait_for(driver, "#pp-reason")
    if clear is not None:
        field = driver.find_element(By.CSS_SELECTOR, clear)
        field.send_keys(Keys.CONTROL, "a")
        field.send_keys(Keys.DELETE)
    driver.find_element(By.ID, "pp-reason").send_keys(TYPED_REASON)
    driver.find_element(By.ID, "pp-preview-btn").click()
    wait_for(driver, ready)
    _check(driver, ".mantine-Modal-content", data | {TYPED_REASON})
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    _wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".mantine-Modal-content"))


@pytest.mark.parametrize("role", ["nurse", "physician"])
def test_every_visible_string_of_the_patient_page_is_marked(
    browser: WebDriver, pseudo_server: LiveServer, charted_patient: int, role: str
) -> None:
    username = f"pseudo-{role}"
    _user(pseudo_server, username, "fr", role=role, display_name=f"Pseudo {role.title()}")
    data = _data(pseudo_server)
    browser.set_window_size(1366, 900)
    sign_in(browser, pseudo_server, username, PASSWORD)
    wait_for(browser, "#board-table .tw-board-row")

    # The admit dialog, with a lookup and a refused save (every field's error in words).
    browser.find_element(By.ID, "board-admit-open").click()
    wait_for(browser, "#admit-family")
    _check(browser, ".mantine-Modal-content", data)
    browser.find_element(By.ID, "admit-mrn").send_keys("TW-NEW-9", Keys.ENTER)
    _text_in(browser, "#admit-lookup", "TW-NEW-9")
    browser.find_element(By.ID, "admit-save").click()
    _text_in(browser, "#admit-message", "[[")
    _check(browser, ".mantine-Modal-content", data)

    browser.get(f"{pseudo_server.url}/patient/{charted_patient}")
    wait_for(browser, "#banner-name")
    wait_for(browser, "#ov-graph .main-svg text")
    _check(browser, ".tw-patient", data)  # the banner, the tabs and the overview
    if role == "physician":  # the plan panel's change dialog: a preview, and a refusal
        _plan_change(browser, "recipe", "#preview-steps", data)
        _plan_change(browser, "create", "#plan-refusal", data, clear="#pp-daily-mg")
    _open_patient_tab(browser, "vitals", "#vitals-table table")
    _check(browser, ".tw-patient", data)
    _open_patient_tab(browser, "ciwa", "#ciwa-table table")
    _check(browser, ".tw-patient", data)
    _open_patient_tab(browser, "mar", "#mar-table table")
    wait_for(browser, "#prn-orders table")
    wait_for(browser, "#prn-table table")
    _check(browser, ".tw-patient", data)
    _modal(browser, """[id*='"type":"in-error-open"']""", "#in-error-reason", data)
    if role == "nurse":
        _modal(browser, "[data-order] button", "#prn-reason", data)
        _modal(browser, """[id*='"act":"held"']""", "#mar-modal-time", data)
    else:
        _modal(browser, "#prn-write-open", "#prn-order-indication", data)
        _modal(browser, "#discharge-open", "#discharge-time", data)
        _modal(browser, "#spo2-scale-open", "#spo2-scale-reason", data)
        _modal(browser, "#comed-open", "#comed-modal, .mantine-Modal-content", data)
    _open_patient_tab(browser, "history", "#history-table table")
    _check(browser, ".tw-patient", data)


# --- the French header ---------------------------------------------------------------------

_HEADER_FITS = """
const header = document.getElementById('shell-header');
const links = [...document.querySelectorAll('.tw-nav-link')];
const role = document.querySelector('#shell-role .mantine-Badge-label') ||
  document.getElementById('shell-role');
return {
  overflow: header.scrollWidth - header.clientWidth,
  wrapped: links.filter((a) => a.getBoundingClientRect().height > 44).map((a) => a.textContent),
  roleCut: role.scrollWidth > role.clientWidth,
  toggle: getComputedStyle(document.getElementById('shell-menu-toggle')).display !== 'none',
  userTitle: document.getElementById('shell-user').getAttribute('title'),
};
"""


def test_a_french_admins_header_keeps_one_line_at_1366_and_folds_below_1300(
    browser: WebDriver, live_server: LiveServer
) -> None:
    _user(live_server, "adele", "fr", role="admin", display_name="Adèle Beaumont-Laurent")
    browser.set_window_size(1366, 900)
    sign_in(browser, live_server, "adele", PASSWORD)
    wait_for(browser, "#board-table")
    fits = browser.execute_script(_HEADER_FITS)
    # Five pages, no label wrapped, the role whole; a long name may be cut, whole in its title.
    assert len(browser.find_elements(By.CSS_SELECTOR, ".tw-nav-link")) == 5
    assert (fits["overflow"], fits["wrapped"], fits["roleCut"], fits["toggle"]) == (
        0,
        [],
        False,
        False,
    )
    assert fits["userTitle"] == "Adèle Beaumont-Laurent"
    screenshot(browser, "french-header-admin-1366")
    browser.set_window_size(1280, 900)
    _wait(browser).until(lambda d: d.execute_script(_HEADER_FITS)["toggle"])
    assert browser.execute_script(_HEADER_FITS)["overflow"] <= 0
    browser.find_element(By.ID, "shell-menu-toggle").click()
    wait_for(browser, "#shell-menu .tw-nav-link")
    links = browser.find_elements(By.CSS_SELECTOR, "#shell-menu .tw-nav-link")
    assert len(links) == 5 and all(link.is_displayed() for link in links)
    screenshot(browser, "french-header-admin-1280-menu")


def test_a_french_physicians_date_picker_names_months_and_weekdays_in_french(
    browser: WebDriver, live_server: LiveServer, charted_patient: int
) -> None:
    """The new plan's "first change on" picker: its value and its calendar's month and weekdays
    in French, the week from Monday (dayjs's French names, from assets/dayjs_locales.js: nothing
    is downloaded)."""
    _user(live_server, "medecin", "fr", role="physician", display_name="Paul Durand")
    browser.set_window_size(1366, 900)
    sign_in(browser, live_server, "medecin", PASSWORD)
    wait_for(browser, "#board-table")
    browser.get(f"{live_server.url}/patient/{charted_patient}")
    wait_for(browser, "#banner-name")
    create = """[id*='"kind":"create"']"""
    wait_for(browser, create)
    button = browser.find_element(By.CSS_SELECTOR, create)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()
    wait_for(browser, "#pp-start")
    picker = browser.find_element(By.ID, "pp-start")
    today = datetime.now(UTC).date()
    days = [today + timedelta(days=n) for n in (-1, 0, 1)]
    shown = {
        f"{format_date(d, 'EEE', locale='fr_FR')} {d.day} {format_date(d, 'MMM', locale='fr_FR')}"
        f" {d.year}": d
        for d in days
    }
    value = picker.get_attribute("value")
    assert value in shown, (value, list(shown))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", picker)
    picker.click()
    wait_for(browser, "[class*='calendarHeaderLevel']")
    level = browser.find_element(By.CSS_SELECTOR, "[class*='calendarHeaderLevel']")
    month = format_date(shown[value], "LLLL y", locale="fr_FR")
    _wait(browser).until(lambda d: level.get_attribute("textContent") == month)
    weekdays = [
        th.get_attribute("textContent")
        for th in browser.find_elements(By.CSS_SELECTOR, "th[class*='weekday']")
    ]
    assert weekdays == ["lu", "ma", "me", "je", "ve", "sa", "di"]
    screenshot(browser, "french-date-picker")
