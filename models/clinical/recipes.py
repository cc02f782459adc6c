"""The taper recipe language (docs/recipes.md) and the founding article's presets.

A recipe is one or more phases separated by ``;``. A phase is a cut and an interval,
optionally bounded::

    -<amount>(mg|%)/<n>(d|w) [until <dose>mg | once]

Case and whitespace do not matter. Every phase but the last must be bounded (``until`` or
``once``), otherwise the phases after it could never run; the last must run to 0 (no
``once``, no ``until`` above 0), so every recipe ends the drug - a taper never silently stops
half-way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from models.clinical.drugs import format_mg, mg_to_ug
from models.clinical.sources import ClinicalNumber
from models.errors import FieldError
from models.i18n import N_

PHASE_FORM = (
    "-<amount>mg/<n>d or -<amount>%/<n>w, optionally followed by 'until <dose>mg' or 'once'"
)


class RecipeError(FieldError):
    """A recipe text is refused; the message quotes the bad part and says what is allowed."""

    def __init__(self, message: str, *, values: Mapping[str, object] | None = None) -> None:
        super().__init__("recipe", message, values=values)


def _in_phase(template: str, phase: str, **values: object) -> RecipeError:
    """A refusal about one phase of a recipe, which it quotes as typed."""
    return RecipeError(template, values={**values, "phase": repr(phase)})


@dataclass(frozen=True)
class Phase:
    cut_ug: int | None  # a fixed cut, or
    cut_percent: Decimal | None  # a percentage of the current dose (0 < p < 100)
    interval_days: int  # each step made by this phase keeps its dose this long
    until_ug: int | None  # the phase ends at this dose (a cut that would pass it stops at it)
    once: bool  # a single cut
    # How the interval was written (2w or 14d): the same schedule either way, so not compared;
    # the recipe in words (models.clinical.recipe_words) says "every 2 weeks" or "every 14 days".
    in_weeks: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Recipe:
    text: str
    phases: tuple[Phase, ...]


@dataclass(frozen=True)
class Preset:
    key: str
    recipe: str
    description: str
    matches_asam: bool  # within the ASAM 2025 pace at every step [S16][S17]


_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_MINUS = re.compile(r"\s*[-\u2212]\s*")
_AMOUNT = re.compile(_NUMBER + r"\s*")
_AMOUNT_UNIT = re.compile(r"([a-z\u00b5%]+)?\s*")
_SLASH = re.compile(r"/\s*")
_INTERVAL = re.compile(r"(-?\d+(?:\.\d*)?)\s*")
_INTERVAL_UNIT = re.compile(r"([a-z]*)\s*")
_UNTIL = re.compile(r"until\s*" + _NUMBER + r"?\s*([a-z]*)\s*$")
_ONCE = re.compile(r"once\s*$")
_DAYS_PER = {"d": 1, "w": 7}
MAX_INTERVAL_DAYS = 366  # sanity limit, local policy (no source): a step lasts at most a year
RECIPE_MAX_CHARS = 200  # what a plan version stores (taper_plan.recipe)
AMOUNT_MAX_CHARS = 10  # "-0.125mg", "-12.5%": a longer number is a slip, refused unquoted


def parse_recipe(text: str) -> Recipe:
    if not text or not text.strip():
        raise RecipeError(
            N_("the recipe is empty; write one or more phases like {form}"),
            values={"form": PHASE_FORM},
        )
    if len(text.strip()) > RECIPE_MAX_CHARS:
        raise RecipeError(
            N_(
                "the recipe is {length} characters long; keep it under {limit}, e.g. "
                "-0.5mg/14d until 1mg; -0.25mg/7d"
            ),
            values={"length": f"{len(text.strip()):,}", "limit": RECIPE_MAX_CHARS},
        )
    parts = text.split(";")
    phases: list[Phase] = []
    for number, part in enumerate(parts, start=1):
        if not part.strip():
            raise RecipeError(
                N_(
                    "phase {number} of {recipe} is empty; separate phases with a single ';' "
                    "and do not end with one"
                ),
                values={"number": number, "recipe": repr(text.strip())},
            )
        phases.append(_parse_phase(part.strip()))
    _check_order(parts, phases)
    return Recipe(text=text.strip(), phases=tuple(phases))


def _parse_phase(phase: str) -> Phase:  # noqa: C901 - one refusal per part, in reading order
    s = phase.lower()
    pos = 0

    def take(pattern: re.Pattern[str]) -> re.Match[str] | None:
        nonlocal pos
        m = pattern.match(s, pos)
        if m is not None:
            pos = m.end()
        return m

    if take(_MINUS) is None:
        raise RecipeError(
            N_("phase {phase} must start with '-' (a reduction); use {form}"),
            values={"phase": repr(phase), "form": PHASE_FORM},
        )
    amount = take(_AMOUNT)
    if amount is None:
        raise _in_phase(
            N_("missing amount after '-' in {phase}; write e.g. -0.25mg or -10%"), phase
        )
    unit = take(_AMOUNT_UNIT)
    unit_text = unit.group(1) if unit else None
    if unit_text not in ("mg", "%"):
        if unit_text:
            raise _in_phase(
                N_("unknown amount unit {unit} in {phase}; use mg or %"),
                phase,
                unit=repr(unit_text),
            )
        raise _in_phase(N_("missing amount unit in {phase}; use mg or %"), phase)
    if take(_SLASH) is None:
        raise _in_phase(N_("missing '/<interval>' in {phase}; write e.g. -0.25mg/7d"), phase)
    interval = take(_INTERVAL)
    if interval is None:
        raise _in_phase(N_("missing interval after '/' in {phase}; write e.g. /7d or /2w"), phase)
    interval_unit = take(_INTERVAL_UNIT)
    unit_name = interval_unit.group(1) if interval_unit else ""
    if unit_name not in _DAYS_PER:
        if not unit_name:
            raise _in_phase(N_("missing interval unit in {phase}; use d or w"), phase)
        raise _in_phase(
            N_("unknown interval unit {unit} in {phase}; use d or w"), phase, unit=repr(unit_name)
        )
    if "." in interval.group(1):
        raise _in_phase(N_("interval in {phase} must be a whole number of days or weeks"), phase)
    count = int(interval.group(1))
    if count < 1:
        raise _in_phase(
            N_("interval {interval} in {phase} must be at least 1"),
            phase,
            interval=f"{count}{unit_name}",
        )
    if count * _DAYS_PER[unit_name] > MAX_INTERVAL_DAYS:
        raise _in_phase(N_("interval in {phase} is longer than a year; use at most 52w"), phase)
    cut_ug, cut_percent = _cut(amount.group(1), unit_text, phase)
    until_ug, once = _bound(s[pos:], phase)
    return Phase(
        cut_ug=cut_ug,
        cut_percent=cut_percent,
        interval_days=count * _DAYS_PER[unit_name],
        until_ug=until_ug,
        once=once,
        in_weeks=unit_name == "w",
    )


def _cut(amount: str, unit: str, phase: str) -> tuple[int | None, Decimal | None]:
    if len(amount) > AMOUNT_MAX_CHARS:
        raise RecipeError(
            N_(
                "a cut is at most {limit} characters long (that one has {length}); "
                "write e.g. -0.25mg or -10%"
            ),
            values={"limit": AMOUNT_MAX_CHARS, "length": len(amount)},
        )
    if unit == "%":
        percent = Decimal(amount)
        if percent <= 0:
            raise _in_phase(
                N_("a cut of 0% in {phase} changes nothing; use a positive percent"), phase
            )
        if percent >= 100:
            raise _in_phase(
                N_("a cut of {amount}% in {phase} stops the drug at once; use less than 100%"),
                phase,
                amount=amount,
            )
        return None, percent
    try:
        ug = mg_to_ug(amount, field="recipe")
    except FieldError as exc:
        raise _in_phase(N_("{error} (in {phase})"), phase, error=exc.phrase) from None
    if ug <= 0:
        raise _in_phase(
            N_("a cut of 0 mg in {phase} changes nothing; use a positive amount"), phase
        )
    return ug, None


def _bound(rest: str, phase: str) -> tuple[int | None, bool]:
    if not rest:
        return None, False
    if _ONCE.match(rest):
        return None, True
    until = _UNTIL.match(rest)
    if until is None:
        raise _in_phase(
            N_(
                "unexpected {rest} after the interval in {phase}; "
                "allowed: 'until <dose>mg' or 'once'"
            ),
            phase,
            rest=repr(rest.strip()),
        )
    dose, unit = until.group(1), until.group(2)
    if dose is None or unit != "mg":
        raise _in_phase(N_("'until' needs a dose in mg in {phase}; write e.g. until 1mg"), phase)
    if len(dose) > AMOUNT_MAX_CHARS:
        raise RecipeError(N_("the 'until' dose is too long; write e.g. until 1mg"))
    try:
        return mg_to_ug(dose, field="recipe"), False
    except FieldError as exc:
        raise _in_phase(N_("{error} (in {phase})"), phase, error=exc.phrase) from None


def _check_order(parts: list[str], phases: list[Phase]) -> None:
    for part, phase in zip(parts[:-1], phases[:-1], strict=True):
        if phase.until_ug is None and not phase.once:
            raise RecipeError(
                N_(
                    "phase {phase} has no 'until' or 'once', so it runs to 0 and the phases "
                    "after it would never run; bound it or move it last"
                ),
                values={"phase": repr(part.strip())},
            )
    last, text = phases[-1], parts[-1].strip()
    if last.once:
        raise RecipeError(
            N_(
                "the last phase {phase} is a single cut, so the taper would stop above 0; "
                "end the recipe with a phase that runs to 0, e.g. '-10%/14d'"
            ),
            values={"phase": repr(text)},
        )
    if last.until_ug:
        raise RecipeError(
            N_(
                "the last phase {phase} stops at {dose} mg, so the taper would stop above 0; "
                "add a phase that runs to 0, e.g. '; -0.25mg/7d'"
            ),
            values={"phase": repr(text), "dose": format_mg(last.until_ug)},
        )


# The founding article's four schedules, written as in docs/recipes.md; their descriptions are
# marked for translation (pages show them in the reader's language). Pace notes: our own
# arithmetic against the ASAM 2025 ceiling of 25 % per 2 weeks and initial pace of 5-10 % every
# 2-4 weeks [S16][S17].
PRESETS: dict[str, Preset] = {
    "a": Preset(
        key="a",
        recipe="-0.5mg/14d until 1mg; -0.25mg/7d",
        description=N_(
            "\u22120.5 mg every 2 weeks until 1 mg, then \u22120.25 mg every week. "
            "Faster than the ASAM 2025 ceiling of 25 % per 2 weeks at some point: from 2 mg "
            "the second cut is 33 % in 2 weeks, and below 1 mg the weekly 0.25 mg cuts are "
            "25-50 % a week."
        ),
        matches_asam=False,
    ),
    "b": Preset(
        key="b",
        recipe="-25%/7d once; -10%/7d",
        description=N_(
            "\u221225 % the first week, then \u221210 % every week. Faster than ASAM 2025: "
            "25 % in one week is twice the ceiling rate of 25 % per 2 weeks, and 10 % a week "
            "is 2-4 times its initial pace of 5-10 % every 2-4 weeks."
        ),
        matches_asam=False,
    ),
    "c": Preset(
        key="c",
        recipe="-0.25mg/7d",
        description=N_(
            "\u22120.25 mg every week until stopped. At low doses the weekly 0.25 mg cut "
            "exceeds the ASAM 2025 ceiling of 25 % per 2 weeks (0.5 to 0.25 mg is 50 % in a "
            "week)."
        ),
        matches_asam=False,
    ),
    "d": Preset(
        key="d",
        recipe="-10%/14d",
        description=N_(
            "\u221210 % every 2 weeks: the article's slower schedule (5-10 % every 2-4 "
            "weeks), which matches the ASAM 2025 pace. Near the end, cuts of one dispensable "
            "unit can still exceed 25 % and are flagged."
        ),
        matches_asam=True,
    ),
}


def preset(key: str) -> Preset:
    found = PRESETS.get(key.strip().lower())
    if found is None:
        raise FieldError(
            "preset",
            N_("unknown preset {preset}; use one of {presets}"),
            values={"preset": repr(key), "presets": ", ".join(PRESETS)},
        )
    return found


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Founding-article presets against the ASAM pace",
        "; ".join(
            f"({p.key}) {p.recipe}: {'within' if p.matches_asam else 'faster than'} the pace"
            for p in PRESETS.values()
        ),
        ("S16", "S17"),
    ),
    ClinicalNumber(
        "Longest interval in a recipe",
        f"{MAX_INTERVAL_DAYS} days",
        (),
        "Local policy: a sanity limit on typing, so a step lasts at most a year.",
    ),
)
