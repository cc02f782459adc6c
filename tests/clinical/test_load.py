"""The total benzodiazepine load per ward-local day: scheduled and PRN doses given, in
diazepam-equivalent mg by the plan's table; every day of the span listed, and a trend."""

from __future__ import annotations

from datetime import date

import pytest

from models.clinical.load import DailyLoad, GivenDose, daily_loads, trend

MARCH = [date(2026, 3, d) for d in range(1, 8)]


def test_scheduled_and_prn_doses_add_up_per_day_in_diazepam_equivalents() -> None:
    doses = [
        GivenDose(MARCH[0], "clonazepam", 1000, prn=False),  # 20 mg DE (Ashton 0.5 ~ 10)
        GivenDose(MARCH[0], "clonazepam", 1000, prn=False),
        GivenDose(MARCH[0], "lorazepam", 1000, prn=True),  # 10 mg DE
        GivenDose(MARCH[2], "diazepam", 5000, prn=True),
    ]
    loads = daily_loads(doses, first=MARCH[0], last=MARCH[3])
    assert [(d.day, d.scheduled_de_mg, d.prn_de_mg, d.prn_doses) for d in loads] == [
        (MARCH[0], 40.0, 10.0, 1),
        (MARCH[1], 0.0, 0.0, 0),
        (MARCH[2], 0.0, 5.0, 1),
        (MARCH[3], 0.0, 0.0, 0),
    ]
    assert loads[0].total_de_mg == 50.0
    vadod = daily_loads(doses[:1], first=MARCH[0], last=MARCH[0], table="vadod")
    assert vadod[0].scheduled_de_mg == 10.0  # VA/DoD: clonazepam 1 mg ~ diazepam 10 mg


def test_a_taper_whose_prn_use_climbs_shows_a_rising_trend() -> None:
    totals = [40, 40, 40, 38, 45, 52]
    loads = [DailyLoad(day, 38.0 if i > 2 else 40.0, t - (38.0 if i > 2 else 40.0), 1)
             for i, (day, t) in enumerate(zip(MARCH, totals, strict=False))]  # fmt: skip
    assert trend(loads) == pytest.approx((38 + 45 + 52) / 3 - 40)
    assert trend(loads[:5]) is None
