"""When a scheduled dose is due, late or missed; ward-local dose times as UTC instants.

Windows: ISMP acute-care guidance [S37][S39][S57] (CMS dropped its universal +/-30 min rule in
2011 [S38]), by how often the medicine is due (``dose_window_min``):

    more often than every 4 hours (over 6 a day)         time-critical        +/-30 min
    more than daily, at most every 4 hours (2-6 a day)   non-time-critical    +/-1 h
    daily (or less often)                                non-time-critical    +/-2 h

No source classes benzodiazepine taper doses as time-critical, so they follow their frequency;
a ward may class them all as time-critical (LOCAL POLICY, ``DoseWindows.all_time_critical``).
The three widths are the ward's settings, defaulting to ISMP's.

Status of one scheduled dose at ``now`` (times are instants; both must be timezone-aware)::

    not_yet_due   now < scheduled - window
    due           scheduled - window <= now <= scheduled
    late          scheduled < now <= scheduled + window  (past its time; on time if given now)
    missed        now > scheduled + window, nothing charted
    given         charted given at or before scheduled + window (early doses are not told apart)
    given_late    charted given after scheduled + window
    held / refused / not_given   as charted, whenever charted
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from models.clinical.sources import ClinicalNumber

DEFAULT_WINDOW_MIN = 60  # non-time-critical, more than daily but at most q4h: +/-1 h [S37][S39]
TIME_CRITICAL_WINDOW_MIN = 30  # time-critical medicines: +/-30 min [S37][S39]
DAILY_WINDOW_MIN = 120  # non-time-critical, daily or less often: +/-2 h [S37][S39]
# Due more often than every 4 hours is time-critical [S37]: more than 24 / 4 doses a day.
TIME_CRITICAL_ABOVE_PER_DAY = 6  # [S37]
ADMINISTRATION_STATUSES = ("given", "held", "refused", "not_given")


@dataclass(frozen=True)
class DoseWindows:
    """A ward's dose windows (minutes either side of the time), by frequency [S37]."""

    time_critical_min: int = TIME_CRITICAL_WINDOW_MIN
    frequent_min: int = DEFAULT_WINDOW_MIN  # 2-6 a day
    daily_min: int = DAILY_WINDOW_MIN  # once a day
    all_time_critical: bool = False  # local policy: class every taper dose as time-critical


def dose_window_min(doses_per_day: int, windows: DoseWindows) -> int:
    """Minutes either side of its time within which a dose of a medicine due ``doses_per_day``
    times a day counts as on time (ISMP by frequency [S37][S39])."""
    if windows.all_time_critical or doses_per_day > TIME_CRITICAL_ABOVE_PER_DAY:
        return windows.time_critical_min
    if doses_per_day <= 1:
        return windows.daily_min
    return windows.frequent_min


class DoseStatus(StrEnum):
    NOT_YET_DUE = "not_yet_due"
    DUE = "due"
    LATE = "late"
    MISSED = "missed"
    GIVEN = "given"
    GIVEN_LATE = "given_late"
    HELD = "held"
    REFUSED = "refused"
    NOT_GIVEN = "not_given"


@dataclass(frozen=True)
class AdministrationFact:
    status: str  # given | held | refused | not_given
    at: datetime  # when it was given, or when the decision not to give was charted

    def __post_init__(self) -> None:
        if self.status not in ADMINISTRATION_STATUSES:
            raise ValueError(f"unknown administration status {self.status!r}")
        _require_aware(self.at, "at")


def dose_status(
    *,
    scheduled_at: datetime,
    now: datetime,
    window_min: int = DEFAULT_WINDOW_MIN,
    administration: AdministrationFact | None,
) -> DoseStatus:
    _require_aware(scheduled_at, "scheduled_at")
    _require_aware(now, "now")
    if window_min < 0:
        raise ValueError("window_min must be 0 or more")
    window = timedelta(minutes=window_min)
    if administration is not None:
        if administration.status != "given":
            return DoseStatus(administration.status)
        late = administration.at > scheduled_at + window
        return DoseStatus.GIVEN_LATE if late else DoseStatus.GIVEN
    if now < scheduled_at - window:
        return DoseStatus.NOT_YET_DUE
    if now <= scheduled_at:
        return DoseStatus.DUE
    if now <= scheduled_at + window:
        return DoseStatus.LATE
    return DoseStatus.MISSED


def window_opens(scheduled_at: datetime, window_min: int) -> datetime:
    """The earliest moment a dose counts as on time: giving it before is giving it early."""
    return scheduled_at - timedelta(minutes=window_min)


def missed_after(scheduled_at: datetime, window_min: int) -> datetime:
    """The moment an uncharted dose becomes missed (the review rule's deadline) [S41]."""
    return scheduled_at + timedelta(minutes=window_min)


def scheduled_datetimes(day: date, times: Sequence[time], tz: ZoneInfo) -> list[datetime]:
    """One UTC instant per ward-local wall-clock time on ``day``, in the order given (duplicates
    kept: two drugs at 08:00 are two doses). 08:00 stays 08:00 local across daylight-saving
    changes. A time that does not exist that day (in the spring-forward gap) or exists twice
    (in the autumn repeat) is read with fold=0, i.e. with the UTC offset in force before the
    change: a gap time lands an hour later on the wall clock (01:30 -> 02:30 BST), a repeated
    time is its first occurrence."""
    return [
        datetime.combine(day, t.replace(tzinfo=None, fold=0), tzinfo=tz).astimezone(UTC)
        for t in times
    ]


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "On-time window for a taper dose (default)",
        f"±{DEFAULT_WINDOW_MIN} min",
        ("S37", "S38", "S39", "S57"),
        "Local policy, configurable per ward: ISMP's window for non-time-critical doses given "
        "more than daily; no source classes benzodiazepine taper doses as time-critical, and "
        "since CMS dropped its universal 30-minute rule each hospital sets its own.",
    ),
    ClinicalNumber(
        "Time-critical dose window (default)", f"±{TIME_CRITICAL_WINDOW_MIN} min", ("S37", "S39")
    ),
    ClinicalNumber("Once-daily dose window (default)", f"±{DAILY_WINDOW_MIN} min", ("S37", "S39")),
    ClinicalNumber(
        "Time-critical by frequency",
        f"due more than {TIME_CRITICAL_ABOVE_PER_DAY} times a day (more often than every 4 h)",
        ("S37",),
    ),
    ClinicalNumber(
        "Missed dose",
        "no administration charted once the dose's window has passed",
        ("S41",),
    ),
)
