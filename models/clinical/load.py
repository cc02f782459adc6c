"""The total benzodiazepine load (pure): every dose given on a ward-local day, scheduled and PRN,
in diazepam-equivalent mg by the plan's equivalence table (models.clinical.drugs) - so a taper
whose PRN use climbs while the scheduled dose falls shows at a glance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from models.clinical.drugs import DEFAULT_TABLE, diazepam_equivalent_mg


@dataclass(frozen=True)
class GivenDose:
    day: date  # the ward-local day it was given
    drug: str
    ug: int
    prn: bool


@dataclass(frozen=True)
class DailyLoad:
    day: date
    scheduled_de_mg: float
    prn_de_mg: float
    prn_doses: int

    @property
    def total_de_mg(self) -> float:
        return self.scheduled_de_mg + self.prn_de_mg


def daily_loads(
    doses: Iterable[GivenDose], *, first: date, last: date, table: str = DEFAULT_TABLE
) -> list[DailyLoad]:
    """One entry per day from ``first`` to ``last`` (days with nothing given are 0)."""
    scheduled: dict[date, float] = {}
    prn: dict[date, float] = {}
    count: dict[date, int] = {}
    for dose in doses:
        mg = diazepam_equivalent_mg(dose.drug, dose.ug, table)
        if dose.prn:
            prn[dose.day] = prn.get(dose.day, 0.0) + mg
            count[dose.day] = count.get(dose.day, 0) + 1
        else:
            scheduled[dose.day] = scheduled.get(dose.day, 0.0) + mg
    out = []
    day = first
    while day <= last:
        out.append(DailyLoad(day, scheduled.get(day, 0.0), prn.get(day, 0.0), count.get(day, 0)))
        day += timedelta(days=1)
    return out


def trend(loads: list[DailyLoad], days: int = 3) -> float | None:
    """The mean total of the last ``days`` full days minus that of the ``days`` before them
    (None without enough days): positive when the load rises."""
    if len(loads) < 2 * days:
        return None
    recent = loads[-days:]
    before = loads[-2 * days : -days]
    return sum(d.total_de_mg for d in recent) / days - sum(d.total_de_mg for d in before) / days
