"""A taper plan's words in the reader's language: change names, days, doses, the regimen in
force, step verdicts, the checks models.clinical.taper makes (pace, rises, switches),
rendered from their code and values, and the tablets of a dose (models.clinical.tablets).

English stays as the panel has always written it ("Mon 07 Dec", "1.5 mg"); another language
uses its own formats (models.i18n). A check's English rendering is models.clinical.taper's
message word for word (a test compares them for every code).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import mg
from dashboard.i18n import N_, _, language, ngettext
from models.clinical.drugs import DRUGS, format_mg
from models.clinical.tablets import Dispense, Portion, TabletChoice, tablets_text
from models.clinical.taper import PaceWarning, de_text
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
    doses = " + ".join(f"{drug_name(drug)} {dose_mg(ug)}" for drug, ug in daily.items())
    return _("{doses} a day", doses=doses)


def made_when(at: datetime, tz: ZoneInfo) -> str:
    """When a plan version was made: "07 Dec 20:30" in English, the language's own format
    otherwise."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{at.astimezone(tz):%d %b %H:%M}"
    return format_when(at, code, tz=tz)


# --- the checks models.clinical.taper makes (pace_warnings, increase_warnings,
# substitution_warnings), rendered from their code and values -----------------------------

_REFERENCES: dict[str, str] = {
    "in_force": N_("the dose in force"),
    "start": N_("the plan's starting dose"),
    "previous": N_("the step before"),
}

_Values = Mapping[str, str | int | float]


def _iso_day(value: str | int | float) -> str:
    text = str(value)
    code = language()
    return text if code == DEFAULT_LANGUAGE else format_full_date(date.fromisoformat(text), code)


def _de(value: str | int | float) -> str:
    """A warning's diazepam-equivalent: as models.clinical.taper writes it in English."""
    text = de_text(float(value))
    code = language()
    return text if code == DEFAULT_LANGUAGE else format_number(Decimal(text), code)


def _acting(drug: str | int | float) -> str:
    found = DRUGS[str(drug)]
    if found.long_acting:
        return _("{drug} (long-acting, half-life {half_life})", drug=drug_name(found.name),
                 half_life=found.half_life)  # fmt: skip
    return _("{drug} (short-acting, half-life {half_life})", drug=drug_name(found.name),
             half_life=found.half_life)  # fmt: skip


def _pace(values: _Values) -> str:
    return _(
        "{day}: {de} mg diazepam-equivalent is {drop}% below the {earlier} mg in force on "
        "{earlier_day}; the ASAM 2025 ceiling is 25% per 2 weeks",
        day=_iso_day(values["day"]),
        de=_de(values["de"]),
        drop=values["drop"],
        earlier=_de(values["earlier"]),
        earlier_day=_iso_day(values["earlier_day"]),
    )


def _increase(values: _Values) -> str:
    return _(
        "{day}: {de} mg diazepam-equivalent is {rise}% above the {before} mg of {reference}; "
        "the ward's margin is {margin}% (local policy)",
        day=_iso_day(values["day"]),
        de=_de(values["de"]),
        rise=values["rise"],
        before=_de(values["before"]),
        reference=_(_REFERENCES[str(values["reference"])]),
        margin=values["margin"],
    )


def _switch(values: _Values) -> str:
    return _(
        "{day}: switches from {longer} to {drug} [S12]; a substitution normally goes from a "
        "short-acting drug to a long-acting one",
        day=_iso_day(values["day"]),
        longer=_acting(values["from_drug"]),
        drug=_acting(values["to_drug"]),
    )


# Every code models.clinical.taper.WARNING_CODES names has its sentence here
# (tests/dashboard/test_plan_panel_french.py).
CHECK_SENTENCES: dict[str, Callable[[_Values], str]] = {
    "pace": _pace,
    "increase": _increase,
    "substitution": _switch,
}


def check_words(warning: PaceWarning) -> str:
    """A plan check (models.clinical.taper.PaceWarning) in the reader's language, from its code
    and values; a warning without a code (or with one made elsewhere) as its English message."""
    say = CHECK_SENTENCES.get(warning.code or "")
    return warning.message if say is None else say(warning.values)


# --- tablets in words (models.clinical.tablets: TabletChoice.words, dispense_words) ----------


def _strength(ug: int) -> str:
    """A tablet's strength as a number of mg: as models.clinical.tablets writes it in English."""
    code = language()
    return (
        format_mg(ug) if code == DEFAULT_LANGUAGE else format_number(Decimal(ug).scaleb(-3), code)
    )


def _tablets(count: str, plural: bool, strength_ug: int) -> str:
    return ngettext(
        "{count} tablet of {strength} mg",
        "{count} tablets of {strength} mg",
        2 if plural else 1,
        count=count,
        strength=_strength(strength_ug),
    )


def portion_words(portions: Sequence[Portion]) -> str:
    """A dose's tablets ("1½ tablets of 0.5 mg and ½ tablet of 2 mg") in the reader's
    language (models.clinical.tablets.dose_words)."""
    if not portions:
        return _("none")
    words = [_tablets(tablets_text(p.halves), p.halves > 2, p.strength_ug) for p in portions]
    said = words[0]
    for more in words[1:]:
        said = _("{first} and {second}", first=said, second=more)
    return said


def tablet_words(choice: TabletChoice, dose_ug: int) -> str:
    """The tablets that make a dose in the reader's language (TabletChoice.words)."""
    if dose_ug in choice.unmakeable:
        return _("{dose} mg: cannot be made from the ward's tablets", dose=_strength(dose_ug))
    return portion_words(choice.portions[dose_ug])


def dispense_text(quantity: Dispense) -> str:
    """Whole tablets to hand over ("9 tablets of 0.5 mg, 5 tablets of 2 mg") in the reader's
    language (models.clinical.tablets.dispense_words)."""
    parts = [
        _tablets(str(count), count != 1, strength)
        for strength, count in quantity.tablets.items()
        if count
    ]
    return ", ".join(parts) or _("no tablets")
