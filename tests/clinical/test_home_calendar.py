"""The patient's taper calendar (models/clinical/home_calendar.py) for founding schedule (a)
from 2 mg clonazepam with 0.5 mg and 2 mg scored tablets."""

from __future__ import annotations

from datetime import date, time, timedelta

from models.clinical.home_calendar import taper_calendar
from models.clinical.recipes import PRESETS
from models.clinical.tablets import Tablet, choose_tablets
from models.clinical.taper import PlannedStep, build_schedule, plan_parameters, step_on

START = date(2026, 1, 5)
TABLETS = (Tablet(500, True), Tablet(2000, True))


def _steps() -> tuple[PlannedStep, ...]:
    return build_schedule(
        plan_parameters(
            drug="clonazepam", recipe=PRESETS["a"].recipe, units_ug={"clonazepam": 250}
        ),
        daily_ug=2000,
        start=START,
    ).steps


def test_every_day_from_discharge_to_the_stop_has_the_tablets_of_its_step() -> None:
    steps = _steps()
    choice = choose_tablets("clonazepam", [d.ug for s in steps for d in s.doses], TABLETS)
    first = START + timedelta(days=10)
    weeks = taper_calendar(steps, {"clonazepam": choice}, first)
    days = [d for w in weeks for d in w.days if d is not None]
    assert days[0].day == first and days[-1].day == steps[-1].start
    assert [d.day for d in days] == [first + timedelta(n) for n in range(len(days))]
    assert [(r.time, r.drug) for r in weeks[0].rows] == [
        (time(8), "clonazepam"),
        (time(20), "clonazepam"),
    ]
    for week in weeks:
        for row in week.rows:
            for day, cell in zip(week.days, row.cells, strict=True):
                if day is None:
                    assert cell is None
                    continue
                assert cell is not None
                step = step_on(steps, day.day)
                assert step is not None
                dose = next((d.ug for d in step.doses if d.time == row.time), 0)
                assert cell.words == (choice.words(dose) if dose else "")
                assert cell.dose_ug == dose
                assert not cell.unmakeable


def test_changes_are_marked_on_the_days_the_dose_changes_and_not_on_discharge_day() -> None:
    steps = _steps()
    choice = choose_tablets("clonazepam", [d.ug for s in steps for d in s.doses], TABLETS)
    first = START + timedelta(days=10)  # the 1.5 mg step began on START
    days = [
        d
        for w in taper_calendar(steps, {"clonazepam": choice}, first)
        for d in w.days
        if d is not None
    ]
    changed = [d.day for d in days if d.change]
    assert changed == [s.start for s in steps if s.start > first]
    assert [d.day for d in days if d.stopped] == [steps[-1].start]
    on_cut_day = taper_calendar(steps, {"clonazepam": choice}, START)
    assert on_cut_day[0].days[0] is not None and on_cut_day[0].days[0].change
