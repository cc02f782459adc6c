"""As-needed (PRN) benzodiazepine doses (pure): when the next dose of an order may be given, and
when PRN use calls for review.

An order sets its dose, the least time between two doses and two maxima over any 24 hours (a
number of doses and an amount). A dose at ``at`` is allowed when it keeps every one of these,
counting the doses already given of the same order (all its versions); the window is rolling:
the 24 hours up to and including ``at``. Charting may be up to a day late, so doses given after
``at`` are checked too.

A taper whose PRN use climbs is not being tolerated, and PRN doses are part of the patient's
benzodiazepine load. No source sets a number for review: every review threshold here is LOCAL
POLICY, a ward setting (defaults below). A PRN dose given for withdrawal calls for a
reassessment of the withdrawal score soon after it (the alcohol order set reassesses after each
treatment [S10]); the time allowed is the ward's (default 60 min).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from models.clinical.drugs import format_mg
from models.clinical.sources import ClinicalNumber
from models.errors import Number, Phrase, When
from models.i18n import N_

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class PrnLimits:
    dose_ug: int
    min_interval: timedelta
    max_doses: int  # in any 24 hours
    max_ug: int  # in any 24 hours


@dataclass(frozen=True)
class PrnGiven:
    at: datetime
    ug: int


@dataclass(frozen=True)
class PrnCheck:
    allowed: bool
    next_at: datetime  # the earliest a dose may be given (``at`` itself when allowed)
    why: str | None  # "interval" | "doses" | "amount" | "later" when refused
    doses_24h: int  # given in the 24 hours up to ``at``
    ug_24h: int


def _window(given: Sequence[PrnGiven], end: datetime) -> list[PrnGiven]:
    return sorted((g for g in given if end - WINDOW < g.at <= end), key=lambda g: g.at)


def earliest(limits: PrnLimits, given: Sequence[PrnGiven], at: datetime) -> tuple[datetime, str]:
    """The earliest time from ``at`` at which a dose keeps the interval and both maxima, counting
    the doses given up to ``at``; and the limit that held it back longest ("" if none)."""
    before = [g for g in given if g.at <= at]
    t, why = at, ""
    while True:
        found = [(t, why)]
        last = max((g.at for g in before), default=None)
        if last is not None and last + limits.min_interval > t:
            found.append((last + limits.min_interval, "interval"))
        recent = _window(before, t)
        if len(recent) + 1 > limits.max_doses:
            found.append((recent[len(recent) - limits.max_doses].at + WINDOW, "doses"))
        total, drop = sum(g.ug for g in recent), 0
        while total + limits.dose_ug > limits.max_ug and drop < len(recent):
            total -= recent[drop].ug
            drop += 1
        if drop:
            found.append((recent[drop - 1].at + WINDOW, "amount"))
        latest, reason = max(found, key=lambda pair: pair[0])
        if latest == t:
            return t, why
        t, why = latest, reason


def check(limits: PrnLimits, given: Sequence[PrnGiven], at: datetime) -> PrnCheck:
    """Whether a dose may be given at ``at``."""
    recent = _window(given, at)
    doses, ug = len(recent), sum(g.ug for g in recent)
    next_at, why = earliest(limits, given, at)
    if next_at > at:
        return PrnCheck(False, next_at, why, doses, ug)
    for later in sorted((g for g in given if g.at > at), key=lambda g: g.at):
        window = [*_window(given, later.at), PrnGiven(at, limits.dose_ug)]
        window = [g for g in window if later.at - WINDOW < g.at]
        too_close = later.at - at < limits.min_interval
        too_many = len(window) > limits.max_doses
        too_much = sum(g.ug for g in window) > limits.max_ug
        if too_close or too_many or too_much:
            return PrnCheck(False, at, "later", doses, ug)
    return PrnCheck(True, at, None, doses, ug)


def local_time(instant: datetime, tz: tzinfo, now: datetime) -> str:
    """ "14:20" today, "09:05 tomorrow", "yesterday 23:40", else "Tue 3 Mar 09:05"."""
    local = instant.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    clock = local.strftime("%H:%M")
    if days == 0:
        return clock
    if days == 1:
        return f"{clock} tomorrow"
    if days == -1:
        return f"yesterday {clock}"
    return f"{local:%a} {local.day} {local:%b} {clock}"


def _hours(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if not rest:
        return f"{hours} h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def refusal(limits: PrnLimits, result: PrnCheck, tz: tzinfo, now: datetime) -> str:
    """What the nurse is told when a dose is refused, with the next allowed time in ward time:
    a ``Phrase`` (its English, and its words for another language)."""
    when = When(result.next_at, tz, now, local_time(result.next_at, tz, now))
    if result.why == "interval":
        return Phrase(
            N_("not yet: at least {interval} between doses of this order; next allowed at {when}"),
            {"interval": _hours(limits.min_interval), "when": when},
        )
    if result.why == "doses":
        if limits.max_doses == 1:
            template = N_("24-h maximum of {doses} dose reached; next allowed at {when}")
        else:
            template = N_("24-h maximum of {doses} doses reached; next allowed at {when}")
        return Phrase(template, {"doses": limits.max_doses, "when": when})
    if result.why == "amount":
        return Phrase(
            N_("24-h maximum of {most} mg reached ({given} mg given); next allowed at {when}"),
            {"most": Number.mg(limits.max_ug), "given": Number.mg(result.ug_24h), "when": when},
        )
    return Phrase(
        N_(
            "a later dose of this order is charted, and this one would break its interval or "
            "24-h maximum; check the time"
        )
    )


def availability(limits: PrnLimits, result: PrnCheck, tz: tzinfo, now: datetime) -> str:
    """One line for the order's row: what was given in 24 h and when the next dose may be."""
    given = (
        f"{result.doses_24h} of {limits.max_doses} doses, {format_mg(result.ug_24h)} of "
        f"{format_mg(limits.max_ug)} mg in 24 h"
    )
    if result.allowed:
        return f"{given}; may be given now"
    return f"{given}; next allowed at {local_time(result.next_at, tz, now)}"


# --- review: PRN use calls for a look ----------------------------------------------------------

PRN_FLAG_DOSES_24H = 3  # local policy: this many PRN doses in 24 h raise a flag
PRN_FLAG_DE_MG_24H = 20  # local policy: this much diazepam-equivalent PRN in 24 h raises a flag
PRN_REASSESS_MIN = 60  # local policy after [S10]: reassess the score within this time


@dataclass(frozen=True)
class PrnUse:
    doses: int
    diazepam_eq_mg: float
    severity: str
    reasons: tuple[str, ...]


def judge_prn_use(
    *, doses: int, diazepam_eq_mg: float, max_doses: int, max_de_mg: int
) -> PrnUse | None:
    """PRN use over 24 h at or above either ward limit: moderate; at or above both, or twice
    either, high."""
    over_count = doses >= max_doses
    over_mg = diazepam_eq_mg >= max_de_mg
    if not (over_count or over_mg):
        return None
    reasons = []
    if over_count:
        reasons.append(f"{doses} PRN doses (limit {max_doses})")
    if over_mg:
        reasons.append(f"{diazepam_eq_mg:.3g} mg diazepam-equivalent (limit {max_de_mg} mg)")
    high = (over_count and over_mg) or doses >= 2 * max_doses or diazepam_eq_mg >= 2 * max_de_mg
    return PrnUse(doses, diazepam_eq_mg, "high" if high else "moderate", tuple(reasons))


def reassessment_due(given_at: datetime, within_min: int) -> datetime:
    """When a withdrawal score must have been charted after a PRN dose given at ``given_at``."""
    return given_at + timedelta(minutes=within_min)


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Withdrawal score after a PRN dose (default)",
        f"within {PRN_REASSESS_MIN} min",
        ("S10",),
        "Local policy modelled on the alcohol order set, which reassesses after each treatment.",
    ),
)
