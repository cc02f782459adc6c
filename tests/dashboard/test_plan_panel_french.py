"""The plan panel's words: the checks models.clinical.taper makes are rendered from their code
and values, in English word for word the engine's message, in French translated with the
numbers, days and drugs kept; the verdicts, change names and regimen are the domain's words in
English."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import pytest
from sqlalchemy.engine import Engine

from dashboard.components.plan_words import (
    CHECK_SENTENCES,
    VERDICT_WORDS,
    change_label,
    check_words,
    dispense_text,
    plan_day,
    regimen_words,
    tablet_words,
)
from dashboard.components.plan_write import read_new_plan
from dashboard.refusals import Refusal, attempt, field_message
from models.clinical.drugs import DRUGS
from models.clinical.recipes import parse_recipe
from models.clinical.tablets import (
    DEFAULT_TABLETS,
    Dispense,
    Tablet,
    TabletChoice,
    choose_tablets,
    dispense_words,
)
from models.clinical.taper import (
    INCREASE_REFERENCES,
    WARNING_CODES,
    PaceWarning,
    build_schedule,
    in_force_step,
    increase_warnings,
    make_step,
    pace_warnings,
    plan_parameters,
    substitution_warnings,
    warning_message,
)
from models.clinical.tolerance import StepVerdict
from models.errors import FieldError
from models.i18n import N_
from models.plan_changes import CHANGE_LABELS, describe_regimen

START = date(2026, 12, 7)


def _steps(*doses: dict[str, int], every: int = 7) -> list:
    kinds = ["baseline"] + ["cut"] * (len(doses) - 1)
    return [
        make_step(index=i, start=START + timedelta(days=every * i), daily_ug=d, kind=k)
        for i, (d, k) in enumerate(zip(doses, kinds, strict=True))
    ]


def _checks() -> list[PaceWarning]:
    """A pace warning, a rise, a switch: one of each code, as the engine makes them."""
    fast = pace_warnings(_steps({"diazepam": 40000}, {"diazepam": 20000}))
    rise = increase_warnings(_steps({"diazepam": 20000}, {"diazepam": 30000}))
    switch = substitution_warnings(
        _steps({"diazepam": 20000}, {"diazepam": 10000, "alprazolam": 500})
    )
    warnings = [*fast, *rise, *switch]
    assert [w.code for w in warnings] == list(WARNING_CODES)
    return warnings


def _every_wording() -> list[PaceWarning]:
    """Every code with values that test the writing of numbers (a thousand, three decimals,
    a whole number), every reference a rise is measured from and every pair of drugs a switch
    can name, each with the message the engine writes from them."""
    values: list[tuple[str, dict[str, str | int | float]]] = [
        (
            "pace",
            {
                "day": "2026-12-14",
                "de": 1234.567,
                "drop": 26,
                "earlier": 1680.125,
                "earlier_day": "2026-11-30",
            },
        ),  # fmt: skip
        (
            "pace",
            {
                "day": "2027-01-01",
                "de": 0.125,
                "drop": 88,
                "earlier": 1.0,
                "earlier_day": "2026-12-18",
            },
        ),  # fmt: skip
    ]
    values += [
        (
            "increase",
            {
                "day": "2026-12-14",
                "de": 12.346,
                "rise": 23,
                "before": 10.0,
                "reference": reference,
                "margin": 10,
            },
        )  # fmt: skip
        for reference in INCREASE_REFERENCES
    ]
    values += [
        ("substitution", {"day": "2026-12-14", "from_drug": a, "to_drug": b})
        for a in DRUGS
        for b in DRUGS
        if a != b
    ]
    made = [
        PaceWarning(0, START, warning_message(code, v), kind=code, code=code, values=v)
        for code, v in values
    ]
    return [*made, *_checks()]


def test_every_warning_code_has_its_sentence() -> None:
    assert set(CHECK_SENTENCES) == set(WARNING_CODES)


def test_in_english_each_check_is_the_engines_message_word_for_word() -> None:
    for warning in _every_wording():
        assert check_words(warning) == warning.message


def test_in_french_each_check_is_translated_with_its_values(app: dash.Dash) -> None:
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        pace, rise, switch = (check_words(w) for w in _checks())
        assert pace.startswith("lun. 14 déc. 2026 : 20 mg en équivalent diazépam, soit 50")
        assert "plafond ASAM 2025" in pace
        assert "30 mg en équivalent diazépam, soit 50\u00a0% de plus que les 20 mg" in rise
        assert "de la dose de départ du plan ; la marge du service est de 10" in rise
        assert (
            "passe de diazépam (demi-vie longue" in switch
            and "alprazolam (demi-vie courte" in switch
        )
        for warning in _every_wording():
            french = check_words(warning)
            assert french != warning.message
            assert " : " in french and "2026-12-14" not in french, french
        thousand = check_words(_every_wording()[0])
        assert thousand.startswith("lun. 14 déc. 2026 : 1\u202f234,567 mg"), thousand
        assert "1\u202f680,125 mg en vigueur le lun. 30 nov. 2026" in thousand
        assert regimen_words({}) == "rien (le sevrage est terminé)"
        assert change_label("resume") == "Reprendre la diminution"
        assert plan_day(START) == "lun. 7 déc."


def test_a_warning_without_a_code_is_its_message_in_every_language(app: dash.Dash) -> None:
    # The CLI's label warnings have no code: shown as written.
    label = PaceWarning(1, START, "2026-12-07: above the label maximum", kind="label")
    assert check_words(label) == label.message
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert check_words(label) == label.message


def test_a_rise_above_the_dose_in_force_names_it_in_french(app: dash.Dash) -> None:
    in_force = in_force_step({"diazepam": 10000}, before=START, table="ashton")
    [rise] = increase_warnings([in_force, *_steps({"diazepam": 20000})])
    assert check_words(rise) == rise.message
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert "de plus que les 10 mg de la dose en vigueur ;" in check_words(rise)


def _tablet_choices() -> list[TabletChoice]:
    """Every drug's default tablets, and scored ones (halves), for doses from 0 up: some made of
    one, two or three strengths, some the tablets cannot make."""
    scored = (Tablet(500, True), Tablet(1000, True), Tablet(2000, False))
    doses = range(0, 12_001, 125)
    return [
        *(choose_tablets(drug, doses, tablets) for drug, tablets in DEFAULT_TABLETS.items()),
        choose_tablets("clonazepam", doses, scored),
    ]


def test_in_english_the_tablets_are_the_domains_words() -> None:
    told = 0
    for choice in _tablet_choices():
        for dose in (*choice.portions, *choice.unmakeable):
            assert tablet_words(choice, dose) == choice.words(dose)
            told += 1
    assert told > 400
    for halves in ({}, {500: 1}, {500: 2}, {500: 3, 2000: 20}, {1000: 0, 250: 7}):
        quantity = Dispense(halves, ())
        assert dispense_text(quantity) == dispense_words(quantity)


def test_in_french_the_tablets_are_french(app: dash.Dash) -> None:
    clonazepam, scored = _tablet_choices()[0], _tablet_choices()[-1]
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert tablet_words(clonazepam, 750) == "1½ comprimés de 0,5\u00a0mg"
        assert tablet_words(scored, 250) == "½ comprimé de 0,5\u00a0mg"
        assert tablet_words(scored, 3750) == (
            "1 comprimé de 2\u00a0mg et 1½ comprimés de 1\u00a0mg et ½ comprimé de 0,5\u00a0mg"
        )
        assert tablet_words(clonazepam, 125) == (
            "0,125\u00a0mg\u00a0: ne peut pas être préparé avec les comprimés du service"
        )
        assert dispense_text(Dispense({500: 3, 2000: 2}, ())) == (
            "2 comprimés de 0,5\u00a0mg, 1 comprimé de 2\u00a0mg"
        )
        assert dispense_text(Dispense({}, ())) == "pas de comprimés"


def test_the_english_words_are_the_domains() -> None:
    assert {v: VERDICT_WORDS[v] for v in StepVerdict} == {v: v.label for v in StepVerdict}
    for regimen in ({}, {"diazepam": 12500}, {"diazepam": 5000, "alprazolam": 250}):
        assert regimen_words(regimen) == describe_regimen(regimen)
    assert {k: change_label(k) for k in CHANGE_LABELS} == CHANGE_LABELS
    assert plan_day(START) == "Mon 07 Dec"


@pytest.mark.parametrize("kind", ["advance", "stop"])
def test_a_change_name_is_translated(app: dash.Dash, kind: str) -> None:
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert change_label(kind) != CHANGE_LABELS[kind]


def _refuse_hold(session: object) -> None:
    raise FieldError(
        "hold_days",
        N_("hold for 1 to {most} days, or choose 'until resumed'"),
        values={"most": 90},
    )


def test_a_refusal_with_a_value_is_english_as_written_and_french_for_a_french_reader(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    english = attempt(sqlite_engine, _refuse_hold, write=False)
    assert isinstance(english, Refusal)
    assert english.fields == {"hold_days": "Hold for 1 to 90 days, or choose 'until resumed'."}
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        french = attempt(sqlite_engine, _refuse_hold, write=False)
    assert isinstance(french, Refusal)
    assert french.fields == {
        "hold_days": "Maintenez de 1 à 90 jours, ou choisissez « jusqu'à la reprise »."
    }
    assert french.detail == "hold for 1 to 90 days, or choose 'until resumed'"


def test_a_field_error_with_values_keeps_its_english_message() -> None:
    error = FieldError("times", N_("{part} is not a time; write e.g. 08:00,20:00"),
                       values={"part": "'8h'"})  # fmt: skip
    assert error.message == "'8h' is not a time; write e.g. 08:00,20:00"
    assert str(error) == "times: '8h' is not a time; write e.g. 08:00,20:00"
    plain = FieldError("reason", "say why")
    assert (plain.template, plain.values, plain.message) == (None, {}, "say why")


def test_a_french_physician_types_the_daily_dose_with_a_decimal_comma(app: dash.Dash) -> None:
    fields = {"drug": "diazepam", "substitution": False, "to_drug": None, "table": "ashton",
              "stages": 4, "start": "2026-12-08", "times": "08:00,20:00", "preset": "d",
              "custom_recipe": "", "reason": "start"}  # fmt: skip
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert read_new_plan(daily_mg="12,5", **fields).daily_ug == 12500
    with pytest.raises(FieldError):  # English refuses a comma rather than guess
        read_new_plan(daily_mg="12,5", **fields)
    assert read_new_plan(daily_mg="12.5", **fields).daily_ug == 12500


def test_a_taper_engine_refusal_is_french_for_a_french_reader(app: dash.Dash) -> None:
    with pytest.raises(FieldError) as stop:
        build_schedule(
            plan_parameters(drug="clonazepam", recipe="-5mg/7d"), daily_ug=2000, start=START
        )
    with pytest.raises(FieldError) as stages:
        build_schedule(
            plan_parameters(drug="clonazepam", recipe="-10%/14d", to_drug="diazepam", stages=8),
            daily_ug=500,
            start=START,
        )
    assert stop.value.message.startswith("this recipe stops at once on 2026-12-07: from")
    assert stages.value.message == (
        "0.5 mg of clonazepam is only 4 units of 0.125 mg, too few for 8 stages; use at most 4"
    )
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        assert field_message(stop.value).startswith(
            "ce schéma arrête tout d'un coup le 2026-12-07\u00a0: de clonazepam 2 mg par jour (16 "
            "unités dispensables) à 0."
        )
        assert field_message(stages.value) == (
            "0.5\u00a0mg de clonazepam ne font que 4 unités de 0.125\u00a0mg, trop peu pour 8 "
            "étapes\u00a0; utilisez-en au plus 4"
        )


@pytest.mark.parametrize(
    ("recipe", "english_start", "french_start"),
    [
        ("", "The recipe is empty", "La recette est vide"),
        ("0.5mg/7d", "Phase '0.5mg/7d' must start with '-'", "La phase '0.5mg/7d' doit commencer"),
        ("-0.5mg/7x", "Unknown interval unit 'x'", "Unité d'intervalle 'x' inconnue"),
        ("-0.5mg/7d once", "The last phase '-0.5mg/7d once' is a single cut",
         "La dernière phase '-0.5mg/7d once' est une diminution unique"),
        ("-0,5mg/7d", "Missing amount unit in", "Unité de quantité manquante dans"),
    ],
)  # fmt: skip
def test_a_recipe_refusal_is_french_for_a_french_reader(
    app: dash.Dash, sqlite_engine: Engine, recipe: str, english_start: str, french_start: str
) -> None:
    """models.clinical.recipes refuses a recipe's syntax with a template and its values: the
    English as written, the French translated around the reader's own text."""

    def parse(session: object) -> None:
        parse_recipe(recipe)

    english = attempt(sqlite_engine, parse, write=False)
    assert isinstance(english, Refusal)
    assert english.fields["recipe"].startswith(english_start), english.fields
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        french = attempt(sqlite_engine, parse, write=False)
    assert isinstance(french, Refusal)
    assert french.fields["recipe"].startswith(french_start), french.fields
