"""Drug names in the reader's language: a French reader sees the French DCI (clonazépam) on
the board, the plan panel, the MAR, the calendar and the discharge summary, and the chart;
an English reader sees the stored name (clonazepam); a name that is not a known drug's key
shows as stored."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import dash
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.auth import SignedInUser
from dashboard.clinical_words import DRUG_NAMES, drug_name
from dashboard.components.static_markup import ATTRIBUTE
from dashboard.components.taper_chart_layout import left_margin
from models.clinical.drugs import DRUGS, EQUIVALENCE_TABLES
from models.tables import User
from models.types import utcnow
from tests.dashboard.test_rounds_pages import admission_id  # noqa: F401

FRENCH = {
    "alprazolam": "alprazolam",
    "chlordiazepoxide": "chlordiazépoxide",
    "clonazepam": "clonazépam",
    "clorazepate": "clorazépate",
    "diazepam": "diazépam",
    "lorazepam": "lorazépam",
    "oxazepam": "oxazépam",
    "temazepam": "témazépam",
    "triazolam": "triazolam",
}


def _texts(component: Any) -> Iterator[str]:
    if isinstance(component, str):
        yield component
        return
    if isinstance(component, list | tuple):
        for child in component:
            yield from _texts(child)
        return
    if isinstance(component, dict):  # a select's option: its label, not its value (the key)
        for key, value in component.items():
            if key != "value":
                yield from _texts(value)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    block = getattr(component, ATTRIBUTE.replace("-", "_"), None) or component.to_plotly_json()[
        "props"
    ].get(ATTRIBUTE)
    if block:  # a block of static markup: its text, not its tags' attributes
        yield html.unescape(re.sub(r"<[^>]*>", " ", block))
    for attribute in ("children", "title", "label", "data"):
        yield from _texts(getattr(component, attribute, None))


def _text(component: Any) -> str:
    return " ".join(_texts(component))


def _as(app: dash.Dash, engine: Engine, username: str, code: str) -> Any:
    """A request signed in as ``username`` reading in ``code``."""
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
    context = app.server.test_request_context("/")
    context.push()
    login_user(
        SignedInUser(user.id or 0, user.username, user.display_name, user.role, language=code)
    )
    return context


def test_every_drug_of_the_formulary_and_the_tables_has_its_name() -> None:
    keys = set(DRUGS).union(*(set(table) for table in EQUIVALENCE_TABLES.values()))
    assert set(DRUG_NAMES) == keys == set(FRENCH)
    assert all(DRUG_NAMES[key] == key for key in keys)  # the source string is the stored key


def test_a_french_reader_sees_the_french_dci_and_an_english_one_the_stored_name(
    app: dash.Dash,
) -> None:
    with app.server.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert {key: drug_name(key) for key in FRENCH} == FRENCH
        assert drug_name("sertraline") == "sertraline"  # free text, as stored
        assert drug_name("Clonazepam") == "Clonazepam"  # not a key: as stored
    with app.server.test_request_context("/", headers={"Accept-Language": "en"}):
        assert {key: drug_name(key) for key in FRENCH} == {key: key for key in FRENCH}


def _surfaces(app: dash.Dash, engine: Engine, admission: int, code: str) -> dict[str, str]:
    from dashboard.components import plan_panel
    from dashboard.components.board_rows import board_rows
    from dashboard.pages import paper_home, paper_summary
    from dashboard.pages.patient import refresh_parts

    context = _as(app, engine, "doctor1", code)
    try:
        rows, _ward = board_rows(now=utcnow())
        parts = refresh_parts(admission, True, utcnow(), tab="mar", can_order=True)
        return {
            "board": _text([row for row in rows if row["admission_id"] == admission]),
            "banner": _text(parts["patient-banner"]),
            "plan": _text(plan_panel.panel(admission)),
            "mar": _text([parts["mar-table"], parts["prn-orders"]]),
            "calendar": _text(paper_home.layout(admission_id=str(admission))),
            "summary": _text(paper_summary.layout(admission_id=str(admission))),
        }
    finally:
        context.pop()


def test_the_pages_name_the_drug_in_the_readers_language(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    french = _surfaces(app, sqlite_engine, admission_id, "fr")
    for surface, text in french.items():
        assert "clonazépam" in text.lower(), surface
        assert "clonazepam" not in text.lower(), (surface, text)
    assert "Clonazépam mg/j" in french["plan"]  # the steps' header
    assert "Comprimés de clonazépam 0,5\u00a0mg" in french["calendar"]
    english = _surfaces(app, sqlite_engine, admission_id, "en")
    for surface, text in english.items():
        assert "clonazepam" in text.lower() and "clonazépam" not in text.lower(), surface
    assert "Clonazepam mg/day" in english["plan"]
    assert "Clonazepam 0.5 mg tablets" in english["calendar"]


def _chart(app: dash.Dash, engine: Engine, admission: int, code: str) -> dict[str, Any]:
    from dashboard.components.patient_overview import _figure_and_meta

    context = _as(app, engine, "doctor1", code)
    try:
        built = _figure_and_meta(admission, range_key="7d")
    finally:
        context.pop()
    assert built is not None
    figure: dict[str, Any] = built[0]
    return figure


def _lanes(figure: dict[str, Any]) -> list[str]:
    return next(
        axis["categoryarray"]
        for key, axis in figure["layout"].items()
        if key.startswith("yaxis") and axis.get("categoryarray")
    )


def test_the_chart_names_the_drug_in_the_readers_language(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    french = _chart(app, sqlite_engine, admission_id, "fr")
    assert _lanes(french) == ["clonazépam"]
    names = [trace.get("name") or "" for trace in french["data"]]
    assert "Clonazépam mg/j" in names
    assert not any(re.search("clonazepam", name, re.IGNORECASE) for name in names)
    assert french["layout"]["margin"]["l"] == left_margin(["clonazépam"])
    english = _chart(app, sqlite_engine, admission_id, "en")
    assert _lanes(english) == ["clonazepam"]
    assert "Clonazepam mg/day" in [trace.get("name") for trace in english["data"]]


def test_the_charts_margin_measures_the_name_shown(
    app: dash.Dash,
    sqlite_engine: Engine,
    admission_id: int,  # noqa: F811
) -> None:
    """A language whose name for a drug is longer than the key widens the margin for it."""
    from dashboard.i18n import TRANSLATOR_CONFIG
    from models.i18n import Translator

    class Long(Translator):
        def gettext(self, message: str, /, **values: object) -> str:
            text = super().gettext(message, **values)
            return text * 3 if message in DRUG_NAMES else text

    import gettext

    app.server.config[TRANSLATOR_CONFIG] = lambda code: Long("fr", gettext.NullTranslations())
    try:
        figure = _chart(app, sqlite_engine, admission_id, "fr")
    finally:
        del app.server.config[TRANSLATOR_CONFIG]
    assert _lanes(figure) == ["clonazepam" * 3]
    assert figure["layout"]["margin"]["l"] == left_margin(["clonazepam" * 3])
    assert left_margin(["clonazepam" * 3]) > left_margin(["clonazepam"])


def test_a_form_offers_the_drugs_by_name_and_keeps_the_key_as_value(app: dash.Dash) -> None:
    from dashboard.components.prn_orders import order_modal

    with app.server.test_request_context("/", headers={"Accept-Language": "fr"}):
        text = str(order_modal().to_plotly_json())
    assert "'label': 'Lorazépam', 'value': 'lorazepam'" in text or (
        "'value': 'lorazepam', 'label': 'Lorazépam'" in text
    )
