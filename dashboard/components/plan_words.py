"""A taper plan's words in the reader's language: change names, days, doses, the regimen in
force, step verdicts, and the checks models.clinical.taper words in English (pace, rises,
switches), read back and said again in the reader's language.

English stays as the panel has always written it ("Mon 07 Dec", "1.5 mg"); another language
uses its own formats (models.i18n). A check whose wording no pattern here knows is shown as
models.clinical words it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from dashboard.components.charting_common import mg
from dashboard.i18n import N_, _, language
from models.clinical.drugs import DRUGS, acting_text
from models.clinical.tolerance import StepVerdict
from models.i18n import DEFAULT_LANGUAGE, format_day, format_full_date, format_number, format_when
from models.plan_changes import CHANGE_LABELS

# Step verdicts (models.clinical.tolerance.StepVerdict.label), marked for translation;
# tests/dashboard/test_plan_panel_french.py checks they are the clinical module's words.
VERDICT_WORDS: dict[StepVerdict, str] = {
    StepVerdict.NOT_STARTED: N_("Not started"),
    StepVerdict.NO_BASELINE: N_("No baseline"),
    StepVerdict.TOO_EARLY: N_("Too early to judge"),
    StepVerdict.TOLERATED: N_("Tolerated"),
    StepVerdict.NOT_TOLERATED: N_("Not tolerated"),
}


def change_label(kind: str) -> str:
    """A plan change's name (models.plan_changes.CHANGE_LABELS) in the reader's language."""
    return _(CHANGE_LABELS[kind]) if kind in CHANGE_LABELS else kind


def plan_day(day: date, *, year: bool = False) -> str:
    """A plan's day: "Mon 07 Dec" in English as the panel has always written it, the
    language's own format otherwise ("lun. 7 déc.")."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{day:%a %d %b %y}" if year else f"{day:%a %d %b}"
    return format_full_date(day, code) if year else format_day(day, code)


def plan_when(at: datetime, tz: ZoneInfo) -> str:
    """An instant in the ward's zone: "Mon 07 Dec 20:30" in English, the language's own
    format otherwise."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{at.astimezone(tz):%a %d %b %H:%M}"
    return format_when(at, code, tz=tz)


def dose_mg(ug: int) -> str:
    """A dose in mg in the reader's language ("1.5 mg", "1,5 mg")."""
    return mg(ug, language())


def mg_value(value: float) -> str:
    """A diazepam-equivalent in mg, as a number ("12.5", "12,5")."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{value:g}"
    return format_number(Decimal(f"{value:g}"), code)


def regimen_words(daily: Mapping[str, int]) -> str:
    """The regimen in force in words (models.plan_changes.describe_regimen, translated)."""
    if not daily:
        return _("nothing (the taper has ended)")
    doses = " + ".join(f"{drug} {dose_mg(ug)}" for drug, ug in daily.items())
    return _("{doses} a day", doses=doses)


def made_when(at: datetime, tz: ZoneInfo) -> str:
    """When a plan version was made: "07 Dec 20:30" in English, the language's own format
    otherwise."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{at.astimezone(tz):%d %b %H:%M}"
    return format_when(at, code, tz=tz)


# --- the checks models.clinical.taper words (pace_warnings, increase_warnings,
# substitution_warnings), read back ---------------------------------------------------------

_DAY = r"(\d{4}-\d\d-\d\d)"
_MG = r"(\d+(?:\.\d+)?)"
# Each drug as models.clinical.drugs.acting_text writes it.
_ACTING_TEXTS = {acting_text(drug): drug for drug in DRUGS}
_ACTING = "(" + "|".join(map(re.escape, _ACTING_TEXTS)) + ")"
_REFERENCES = {
    "the dose in force": N_("the dose in force"),
    "the plan's starting dose": N_("the plan's starting dose"),
    "the step before": N_("the step before"),
}


def _iso_day(text: str) -> str:
    day = date.fromisoformat(text)
    code = language()
    return text if code == DEFAULT_LANGUAGE else format_full_date(day, code)


def _acting(text: str) -> str:
    found = DRUGS[_ACTING_TEXTS[text]]
    if found.long_acting:
        return _("{drug} (long-acting, half-life {half_life})", drug=found.name,
                 half_life=found.half_life)  # fmt: skip
    return _("{drug} (short-acting, half-life {half_life})", drug=found.name,
             half_life=found.half_life)  # fmt: skip


def _pace(m: re.Match[str]) -> str:
    return _(
        "{day}: {de} mg diazepam-equivalent is {drop}% below the {earlier} mg in force on "
        "{earlier_day}; the ASAM 2025 ceiling is 25% per 2 weeks",
        day=_iso_day(m[1]),
        de=mg_value(float(m[2])),
        drop=m[3],
        earlier=mg_value(float(m[4])),
        earlier_day=_iso_day(m[5]),
    )


def _increase(m: re.Match[str]) -> str:
    return _(
        "{day}: {de} mg diazepam-equivalent is {rise}% above the {before} mg of {reference}; "
        "the ward's margin is {margin}% (local policy)",
        day=_iso_day(m[1]),
        de=mg_value(float(m[2])),
        rise=m[3],
        before=mg_value(float(m[4])),
        reference=_(_REFERENCES[m[5]]),
        margin=m[6],
    )


def _switch(m: re.Match[str]) -> str:
    return _(
        "{day}: switches from {longer} to {drug} [S12]; a substitution normally goes from a "
        "short-acting drug to a long-acting one",
        day=_iso_day(m[1]),
        longer=_acting(m[2]),
        drug=_acting(m[3]),
    )


_CHECKS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(
            rf"{_DAY}: {_MG} mg diazepam-equivalent is (\d+)% below the {_MG} mg in force on "
            rf"{_DAY}; the ASAM 2025 ceiling is 25% per 2 weeks"
        ),
        _pace,
    ),
    (
        re.compile(
            rf"{_DAY}: {_MG} mg diazepam-equivalent is (\d+)% above the {_MG} mg of "
            rf"({'|'.join(map(re.escape, _REFERENCES))}); the ward's margin is (\d+)% "
            r"\(local policy\)"
        ),
        _increase,
    ),
    (
        re.compile(
            rf"{_DAY}: switches from {_ACTING} to {_ACTING} \[S12\]; a substitution normally "
            "goes from a short-acting drug to a long-acting one"
        ),
        _switch,
    ),
)


def check_words(message: str) -> str:
    """A plan check (models.clinical.taper's English) in the reader's language; a wording no
    pattern knows, as it is."""
    for pattern, say in _CHECKS:
        found = pattern.fullmatch(message)
        if found is not None:
            try:
                return say(found)
            except (KeyError, ValueError):
                return message
    return message
