"""``build_schedule`` from one set of keyword arguments, for the tests whose cases mix a plan's
parameters (models.clinical.taper.plan_parameters) with the schedule's own (the daily dose, the
start, the dose already carried over): each goes where it belongs, so a case refused by either
still names its field."""

from __future__ import annotations

from typing import Any

from models.clinical.taper import Schedule, build_schedule, plan_parameters

SCHEDULE_ARGUMENTS = frozenset({"daily_ug", "start", "to_drug_daily_ug", "effective"})


def schedule_of(**given: Any) -> Schedule:
    own = {name: value for name, value in given.items() if name in SCHEDULE_ARGUMENTS}
    plan = {name: value for name, value in given.items() if name not in SCHEDULE_ARGUMENTS}
    return build_schedule(plan_parameters(**plan), **own)
