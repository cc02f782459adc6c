"""The dashboard's words that were still English, for a French reader, and unchanged for an
English one: the wristband override reasons and the per-drug units (typed with a decimal comma)
on the admin page, an unknown drug of a per-drug setting, a new plan's start note, the chart
hover's step kind and plan change, the Sources page's names and values of what uses each
source, and a citation's caution."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import dash
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.components.admin_policy import POLICY_GROUPS
from dashboard.components.admin_wristband import overrides_section
from dashboard.components.citations import CAUTION_WORDS, cite_link, source_line
from dashboard.components.plan_preview import start_note
from dashboard.components.plan_views import KIND_LABELS
from dashboard.components.rounds_tiles import doses_of_status
from dashboard.components.source_words import (
    CLINICAL_NUMBER_NOTES,
    CLINICAL_NUMBER_WORDS,
    needs_words,
    use_words,
)
from dashboard.components.taper_chart import build_chart
from dashboard.components.taper_chart_marks import CHANGE_WORDS, VERSION_TAGS
from dashboard.pages.sources import layout as sources_layout
from dashboard.refusals import field_message
from models.audit import Actor
from models.clinical.drugs import DRUGS
from models.clinical.sources import SOURCES, Caution
from models.db import transaction
from models.errors import ValidationFailed
from models.i18n import translator
from models.plan_changes import CHANGE_LABELS, PlanSpec, plan_start
from models.source_uses import CLINICAL_NUMBER, REVIEW_RULE, WARD_POLICY, source_uses
from models.tables import User, Ward
from models.ward_formulary import read_per_drug
from models.ward_units import ward_units
from models.wristband import OVERRIDE_REASONS, override_wristband
from tests.dashboard.conftest import admitted_an_hour_ago, signed_in
from tests.dashboard.test_admin_page import _drug_form_errors, _post
from tests.dashboard.test_taper_chart import _data as chart_data

FRENCH = {"Accept-Language": "fr-FR"}
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list | tuple):
        for child in node:
            yield from _texts(child)
    elif node is not None and hasattr(node, "children"):
        yield from _texts(node.children)


def _text(node: Any) -> str:
    return " ".join(_texts(node))


# --- the admin page ---------------------------------------------------------------------------


def test_a_wristband_override_reason_is_in_the_readers_language(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admission = admitted_an_hour_ago(sqlite_engine, mrn="TW7", bed="B7")
    with transaction(sqlite_engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        actor = Actor(nurse.id, nurse.username, nurse.role)
        for code, typed in (("band_unreadable", "ink smudged"), ("scanner_fault", "")):
            override_wristband(
                session=session,
                actor=actor,
                admission_id=admission,
                reason_code=code,
                reason_text=typed,
                now=datetime.now(UTC),
            )
    with app.server.test_request_context("/login"):
        english = _text(overrides_section(sqlite_engine))
    assert f"{OVERRIDE_REASONS['band_unreadable']}: ink smudged" in english
    assert OVERRIDE_REASONS["scanner_fault"] in english
    with app.server.test_request_context("/login", headers=FRENCH):
        french = _text(overrides_section(sqlite_engine))
    assert "Bracelet illisible (abîmé, effacé, ne se scanne pas)\u00a0: ink smudged" in french
    assert "Scanner en panne" in french
    assert "Band unreadable" not in french and "Scanner not working" not in french


def _french_admin(engine: Engine) -> None:
    with transaction(engine) as session:
        admin = session.exec(select(User).where(User.username == "admin1")).one()
        admin.language = "fr"
        session.add(admin)


def test_a_french_admin_types_the_units_with_a_decimal_comma(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    """Shown "0,125" and typed "0,125"; English keeps its point (test_admin_page)."""
    _french_admin(sqlite_engine)
    client = signed_in(app, "admin1")
    expand = {"ward-unit": [{"type": "ward-unit", "drug": drug} for drug in DRUGS]}
    typed = ["0,125", "0,25", "0.25", "1"]  # a number pad gives a point: taken too
    answer = _post(
        app,
        client,
        "_save_units",
        {"units-save.n_clicks": 1, "ward-unit.value": typed},
        "units-save.n_clicks",
        expand,
    )
    assert list(_drug_form_errors(answer, "ward-unit").values()) == [None] * len(DRUGS)
    assert answer.prop("units-message", "children") == (
        "Enregistré : clonazépam 0,125\u00a0mg, alprazolam 0,25\u00a0mg, "
        "lorazépam 0,25\u00a0mg, diazépam 1\u00a0mg."
    )
    with Session(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        assert ward_units(session, ward.id or 0) == {
            "clonazepam": 125,
            "alprazolam": 250,
            "lorazepam": 250,
            "diazepam": 1000,
        }
    refused = _post(
        app,
        client,
        "_save_units",
        {"units-save.n_clicks": 1, "ward-unit.value": ["0,1,25", "0,25", "0,25", "1"]},
        "units-save.n_clicks",
        expand,
    )
    error = _drug_form_errors(refused, "ward-unit")["clonazepam"]
    assert error is not None and "1,5" in error  # "saisissez un nombre, par exemple 1,5"


def test_a_french_admins_policy_number_typed_as_text_takes_a_decimal_comma(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    """A number the policy form sends as text is read by parse_number in French (a number
    stays a number); in English it goes to the domain as typed, which refuses a comma."""
    from dashboard.components.admin_drug_form import typed_numbers

    with app.server.test_request_context("/login", headers=FRENCH):
        assert typed_numbers({"dose_window_min": "45", "scan_valid_min": 10}, str) == {
            "dose_window_min": "45",
            "scan_valid_min": 10,
        }
        assert typed_numbers({"x": "1,5"}, str) == {"x": "1.5"}
        with pytest.raises(ValidationFailed) as refused:
            typed_numbers({"a": "1,2,3", "b": "abc"}, str)
        assert [e.field for e in refused.value.errors] == ["a", "b"]
    with app.server.test_request_context("/login"):
        assert typed_numbers({"x": "1,5"}, str) == {"x": "1,5"}  # English: as typed


def test_an_unknown_drug_in_a_per_drug_setting_is_in_the_readers_language(
    app: dash.Dash,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        read_per_drug({"aspirin": "1"}, field_prefix="unit_", read=lambda d, r, f: r)
    [error] = refused.value.errors
    assert (error.field, error.message) == ("unit_aspirin", "unknown drug 'aspirin'")
    with app.server.test_request_context("/login"):
        assert field_message(error) == "unknown drug 'aspirin'"
    with app.server.test_request_context("/login", headers=FRENCH):
        assert field_message(error) == "médicament inconnu 'aspirin'"


# --- a new plan's start, the chart's hovers -------------------------------------------------


@pytest.mark.parametrize(
    ("to_drug", "english", "french"),
    [
        (
            None,
            "the whole regimen (clonazepam 1.5 mg + diazepam 10 mg a day) is converted to "
            "diazepam on the start date",
            "toute la posologie (clonazepam 1,5\u00a0mg + diazepam 10\u00a0mg par jour) est "
            "convertie en diazepam à la date de début",
        ),
        (
            "diazepam",
            "the crossover continues from the dose in force (clonazepam 1.5 mg + diazepam 10 mg "
            "a day)",
            "le relais reprend à partir de la dose en vigueur (clonazepam 1,5\u00a0mg + "
            "diazepam 10\u00a0mg par jour)",
        ),
    ],
)
def test_a_new_plans_start_note_is_in_the_readers_language(
    app: dash.Dash, to_drug: str | None, english: str, french: str
) -> None:
    in_force = {"clonazepam": 1500, "diazepam": 10000}
    plan = PlanSpec(
        drug="diazepam" if to_drug is None else "clonazepam",
        to_drug=to_drug,
        daily_ug=1000,
        recipe="-10%/14d",
        start=date(2026, 12, 7),
        reason="r",
    )
    start = plan_start(plan, in_force)
    assert start.note == english  # the domain's English, as before
    with app.server.test_request_context("/login"):
        assert start_note(start) == english
    with app.server.test_request_context("/login", headers=FRENCH):
        assert start_note(start) == french


def _hovers(app: dash.Dash, headers: dict[str, str]) -> dict[str, str]:
    with app.server.test_request_context("/login", headers=headers):
        fig = build_chart(chart_data())
    return {a.name: a.hovertext for a in fig.layout.annotations if a.hovertext}


def test_the_charts_step_kind_and_plan_change_are_in_the_readers_language(
    app: dash.Dash,
) -> None:
    english = _hovers(app, {})
    assert english["step-label:2"].startswith("Step 2 (cut) from Sun 08 Mar:")
    assert english["step-label:3"].startswith("Step 3 (cut, planned) from")
    assert english["plan-label:1"].startswith("Plan version 1 (create) by Dr A")
    assert english["plan-label:2"].startswith("Plan version 2 (hold) by Dr A")
    french = _hovers(app, FRENCH)
    assert french["step-label:2"].startswith("Palier 2 (baisse) à partir du ")
    assert french["step-label:3"].startswith("Palier 3 (baisse, prévu) à partir du ")
    assert french["plan-label:1"].startswith("Version 1 du plan (nouveau plan) par Dr A")
    assert french["plan-label:2"].startswith("Version 2 du plan (palier maintenu) par Dr A")


def test_every_plan_change_and_step_kind_has_its_words() -> None:
    assert set(CHANGE_WORDS) == set(CHANGE_LABELS)
    assert VERSION_TAGS.items() <= CHANGE_WORDS.items()
    assert {"baseline", "crossover", "cut", "final", "hold", "back"} <= set(KIND_LABELS)
    french = translator("fr")
    for words in (*CHANGE_WORDS.values(), *KIND_LABELS.values()):
        assert french.gettext(words) != words, words


# --- the Sources page and the citations -----------------------------------------------------


def test_every_clinical_numbers_name_and_value_is_marked() -> None:
    """A module's new or changed number fails here: mark its words in source_words."""
    marked = set(CLINICAL_NUMBER_WORDS)
    missing = [
        text
        for use in source_uses()
        if use.kind == CLINICAL_NUMBER
        for text in (use.name, use.value)
        if text and needs_words(text) and text not in marked
    ]
    assert missing == []
    french = translator("fr")
    untranslated = [t for t in marked if needs_words(t) and french.gettext(t) == t]
    assert untranslated == []


def test_every_clinical_numbers_note_is_marked_and_in_french() -> None:
    """What a clinical number rests on, as the Sources page shows it: a module's new or
    changed note fails here (mark it in source_words.CLINICAL_NUMBER_NOTES)."""
    notes = {u.basis for u in source_uses() if u.kind == CLINICAL_NUMBER and u.basis}
    assert len(notes) > 20
    assert notes - set(CLINICAL_NUMBER_NOTES) == set()
    french = translator("fr")
    assert [n for n in notes if french.gettext(n) == n] == []
    with_tags = [n for n in notes if "[S" in n]
    assert with_tags and all(
        re.findall(r"\[S\d+\]", french.gettext(n)) == re.findall(r"\[S\d+\]", n) for n in with_tags
    )


SAME_IN_FRENCH = {"NEWS2"}  # a review rule named by its score


def test_what_uses_each_source_is_named_in_the_readers_language(app: dash.Dash) -> None:
    uses = source_uses(POLICY_GROUPS)
    assert {u.kind for u in uses} == {REVIEW_RULE, WARD_POLICY, CLINICAL_NUMBER}
    with app.server.test_request_context("/login"):
        assert [use_words(u) for u in uses] == [(u.name, u.value) for u in uses]
    by_name = {u.name: u for u in uses}
    with app.server.test_request_context("/login", headers=FRENCH):
        french = {name: use_words(use) for name, use in by_name.items()}
        rules = [use_words(u) for u in uses if u.kind == REVIEW_RULE]
    assert ("Prise manquée", "") in rules
    assert french["Dose timing: On-time window (±)"] == (
        "Horaires des prises\u00a0: Fenêtre de ponctualité (±)",
        "60\u00a0min par défaut, de 5 à 240 autorisés",
    )
    assert french["Sedation: Prompt a fresh check before a dose at RASS at or below"][1] == (
        "-2\u00a0RASS par défaut, de -5 à 0 autorisés"
    )
    assert french["Wristband check: Scan the wristband before giving"][1] == (
        "par défaut\u00a0: Non : le scan est facultatif"
    )
    assert french["NEWS2 temperature bands (°C)"] == (
        "Tranches NEWS2 de température (°C)",
        "≤35,0\u00a0: 3\u00a0; 35,1-36,0\u00a0: 1\u00a0; 36,1-38,0\u00a0: 0\u00a0; "
        "38,1-39,0\u00a0: 1\u00a0; ≥39,1\u00a0: 2",
    )
    assert french["LOINC type of the discharge summary"][1] == "18842-5"  # a code, as it is
    still_english = [
        name
        for name, (shown_name, shown_value) in french.items()
        if (shown_name == name and name not in SAME_IN_FRENCH)
        or (needs_words(by_name[name].value) and shown_value == by_name[name].value)
    ]
    assert still_english == []


def test_the_sources_page_and_a_citations_tooltip_in_french(app: dash.Dash) -> None:
    """A source's reference stays as published; its caution is the reader's."""
    cautious = next(s for s in SOURCES.values() if s.caution is Caution.UNVERIFIED)
    with app.server.test_request_context("/login"):
        english_line = source_line(cautious)
        english_page = _text(sources_layout())
    assert english_line == (
        f"{cautious.id}: {cautious.citation} (Unverified: {cautious.caution_note}.)"
    )
    assert "Unverified" in english_page and "Missed dose" in english_page
    with app.server.test_request_context("/login", headers=FRENCH):
        line = source_line(cautious)
        tip = cite_link(cautious.id).title
        page = _text(sources_layout())
    assert line.startswith(f"{cautious.id}: {cautious.citation} (Non vérifiée\u00a0: ")
    assert tip.startswith(f"{line} Ce que nous en retenons")
    assert "Non vérifiée" in page and "Unverified" not in page
    assert "Prise manquée" in page and "Missed dose" not in page
    assert "Sauter des prises aggrave le sevrage." in page
    assert "Skipping doses makes withdrawal worse." not in page
    assert set(CAUTION_WORDS) == set(Caution)


def test_every_sources_own_words_are_in_french() -> None:
    """What we take from each source, its caution's note and what its link is are ours, so
    translated; its reference (authors, title, where) stays as published."""
    french = translator("fr")
    ours = [
        text
        for source in SOURCES.values()
        for text in (source.takeaway, source.caution_note, source.link_note)
        if text
    ]
    assert [text for text in ours if french.gettext(text) == text] == []
    assert french.gettext(SOURCES["S23"].takeaway) == "Sauter des prises aggrave le sevrage."


# --- the rounds page's dose counts ------------------------------------------------------------


def test_the_doses_not_given_agree_with_their_count(app: dash.Dash) -> None:
    """The rounds read's statuses (rounds_queries) with their counts: English as the card
    always said them, French agreeing in number."""
    counts = [("held", 2), ("missed", 1), ("not_given", 3), ("refused", 1), ("odd_one", 2)]
    with app.server.test_request_context("/login"):
        english = [doses_of_status(status, n) for status, n in counts]
    assert english == ["2 held", "1 missed", "3 not given", "1 refused", "2 odd one"]
    with app.server.test_request_context("/login", headers=FRENCH):
        french = [doses_of_status(status, n) for status, n in counts]
    assert french == [
        "2 suspendues",
        "1 manquée",
        "3 non administrées",
        "1 refusée",
        "2 odd one",
    ]
