"""The plan panel's words: in English the checks read back from models.clinical.taper say the
same words the engine wrote; in French they are translated with the numbers, days and drugs
kept; the verdicts, change names and regimen are the domain's words in English."""

from __future__ import annotations

from datetime import date, timedelta

import dash
import pytest
from sqlalchemy.engine import Engine

from dashboard.components.plan_words import (
    VERDICT_WORDS,
    change_label,
    check_words,
    plan_day,
    regimen_words,
)
from dashboard.components.plan_write import read_new_plan
from dashboard.refusals import Refusal, attempt
from models.clinical.taper import (
    increase_warnings,
    make_step,
    pace_warnings,
    substitution_warnings,
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


def _checks() -> list[str]:
    fast = pace_warnings(_steps({"diazepam": 40000}, {"diazepam": 20000}))
    rise = increase_warnings(_steps({"diazepam": 20000}, {"diazepam": 30000}))
    switch = substitution_warnings(
        _steps({"diazepam": 20000}, {"diazepam": 10000, "alprazolam": 500})
    )
    messages = [w.message for w in (*fast, *rise, *switch)]
    assert len(messages) == 3, messages
    return messages


def test_in_english_each_check_reads_back_as_the_engine_wrote_it() -> None:
    for message in _checks():
        assert check_words(message) == message


def test_in_french_each_check_is_translated_with_its_values(app: dash.Dash) -> None:
    with app.server.test_request_context("/login", headers={"Accept-Language": "fr-FR"}):
        pace, rise, switch = (check_words(m) for m in _checks())
        assert pace.startswith("lun. 14 déc. 2026 : 20 mg en équivalent diazépam, soit 50")
        assert "plafond ASAM 2025" in pace
        assert "30 mg en équivalent diazépam, soit 50\u00a0% de plus que les 20 mg" in rise
        assert (
            "passe de diazepam (demi-vie longue" in switch
            and "alprazolam (demi-vie courte" in switch
        )
        assert check_words("an unknown wording") == "an unknown wording"
        assert regimen_words({}) == "rien (le sevrage est terminé)"
        assert change_label("resume") == "Reprendre la diminution"
        assert plan_day(START) == "lun. 7 déc."


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
