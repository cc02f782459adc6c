"""Edges of the smaller clinical rules that a wrong number or operator would move: label maxima
and their confirmation, the load's days and trend, NEWS2's SpO2 scale 2 default, refusals and
sources text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.clinical.dose_limits import (
    CONFIRM_REASON_MAX,
    AboveLabel,
    above_label,
    check_hard_ceiling,
    confirmation,
)
from models.clinical.load import DailyLoad, GivenDose, daily_loads, trend
from models.clinical.news2 import (
    RESP_RATE_BANDS,
    TEMPERATURE_BANDS,
    bands_text,
    consciousness_score,
    spo2_score,
)
from models.clinical.observations import (
    Overdue,
    assessment_overdue,
    vitals_overdue,
    vitals_urgent,
)
from models.clinical.tolerance import (
    StepEvidence,
    StepJudgement,
    StepPolicy,
    StepVerdict,
    judge_step,
    local_midnight,
    step_takes_effect,
)
from models.errors import FieldError

# --- label maxima -------------------------------------------------------------------------------


def test_a_dose_at_the_label_maximum_is_not_above_it() -> None:
    assert above_label([{"alprazolam": 10_000, "diazepam": 40_000}]) == []
    assert above_label([{"alprazolam": 10_001}]) == [AboveLabel("alprazolam", 10_001)]


def test_the_highest_day_of_each_drug_is_named_once_in_drug_order() -> None:
    found = above_label([{"lorazepam": 11_000}, {"alprazolam": 12_000, "lorazepam": 15_000}])
    assert found == [AboveLabel("alprazolam", 12_000), AboveLabel("lorazepam", 15_000)]


def _found() -> list[AboveLabel]:
    return [AboveLabel("alprazolam", 12_000), AboveLabel("lorazepam", 15_000)]


def test_a_nurse_who_types_a_reason_is_told_to_leave_it_for_the_physician() -> None:
    with pytest.raises(FieldError) as nurse:
        confirmation(_found(), reason="GP said so", role="nurse", field="why")
    assert nurse.value.field == "why"
    assert nurse.value.message == (
        "alprazolam 12 mg a day is above its label maximum of 10 mg/day (panic disorder, "
        "immediate release; anxiety 4 mg/day [S62]); lorazepam 15 mg a day is above its label "
        "maximum of 10 mg/day (usual 2-6 mg/day, range 1-10 [S63]). Only a physician can "
        "confirm a dose above the label maximum; leave this empty and ask the physician"
    )


def test_a_physician_confirms_with_a_reason_of_at_most_the_maximum_length() -> None:
    longest = "x" * CONFIRM_REASON_MAX
    assert confirmation(_found(), reason=longest, role="physician") == longest
    with pytest.raises(FieldError) as long:
        confirmation(_found(), reason=longest + "x", role="physician", field="why")
    assert (long.value.field, long.value.message) == (
        "why",
        f"keep the reason under {CONFIRM_REASON_MAX} characters",
    )
    with pytest.raises(FieldError) as empty:
        confirmation(_found(), reason=None, role="physician")
    assert empty.value.message.endswith(". To order it, confirm it with your reason")


def test_the_reason_may_be_2000_characters_and_no_more() -> None:
    assert confirmation(_found(), reason="y" * 2000, role="physician") == "y" * 2000
    with pytest.raises(FieldError, match=r"^why: keep the reason under 2000 characters$"):
        confirmation(_found(), reason="y" * 2001, role="physician", field="why")


# --- the load -----------------------------------------------------------------------------------

DAYS = [date(2026, 3, d) for d in range(1, 10)]


def test_several_prn_doses_on_one_day_add_up_and_are_counted() -> None:
    doses = [GivenDose(DAYS[1], "diazepam", 5000, prn=True) for _ in range(3)]
    doses.append(GivenDose(DAYS[2], "diazepam", 2000, prn=True))
    loads = daily_loads(doses, first=DAYS[1], last=DAYS[2])
    assert [(d.prn_de_mg, d.prn_doses) for d in loads] == [(15.0, 3), (2.0, 1)]


def _loads(*totals: float) -> list[DailyLoad]:
    return [DailyLoad(DAYS[0], total, 0.0, 0) for total in totals]


def test_the_trend_compares_the_last_days_with_the_days_just_before() -> None:
    # 9 days; only the last 6 count: (1 + 2 + 3) / 3 before, (10 + 20 + 30) / 3 now.
    assert trend(_loads(500, 500, 500, 1, 2, 3, 10, 20, 30)) == pytest.approx(18.0)
    assert trend(_loads(4, 6, 1, 2), days=2) == pytest.approx(-3.5)
    assert trend(_loads(1, 2, 3, 4, 5)) is None


# --- NEWS2 --------------------------------------------------------------------------------------


def test_spo2_scale_2_defaults_to_air() -> None:
    assert spo2_score(93, scale=2) == 0  # 93 % on air is in the 88-92 target or above: 0
    assert spo2_score(93, scale=2, supplemental_o2=True) == 1  # on oxygen: 93-94 scores 1


def test_an_unknown_consciousness_level_is_named_in_the_refusal() -> None:
    with pytest.raises(ValueError, match="'X' is not an ACVPU level"):
        consciousness_score("X")


def test_band_tables_are_told_in_whole_numbers_unless_asked() -> None:
    assert bands_text(RESP_RATE_BANDS) == "≤8: 3; 9-11: 1; 12-20: 0; 21-24: 2; ≥25: 3"
    assert bands_text(TEMPERATURE_BANDS, step=0.1, decimals=1) == (
        "≤35.0: 3; 35.1-36.0: 1; 36.1-38.0: 0; 38.1-39.0: 1; ≥39.1: 2"
    )


# --- observations due ---------------------------------------------------------------------------

ADMITTED = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_vitals_after_a_single_three_are_due_hourly_and_overdue_is_high() -> None:
    assert vitals_urgent(3, True) is True
    assert vitals_urgent(3, False) is False
    assert vitals_urgent(None, True) is False
    last = ADMITTED + timedelta(hours=2)
    found = vitals_overdue(
        last_at=last,
        news2_total=3,
        any_single_three=True,
        admitted_at=ADMITTED,
        routine_min=240,
        now=last + timedelta(minutes=61),
    )
    assert found == Overdue(
        due=last + timedelta(hours=1),
        severity="high",
        evidence_at=last + timedelta(hours=1),
        interval_min=60,
        shortened=True,
    )


def test_vitals_overdue_by_a_second_interval_are_moderate_from_then() -> None:
    last = ADMITTED + timedelta(hours=2)
    kwargs = {"last_at": last, "news2_total": 1, "any_single_three": False}
    once = vitals_overdue(
        **kwargs, admitted_at=ADMITTED, routine_min=240, now=last + timedelta(hours=5)
    )
    assert once == Overdue(last + timedelta(hours=4), "low", last + timedelta(hours=4), 240, False)
    twice = vitals_overdue(
        **kwargs, admitted_at=ADMITTED, routine_min=240, now=last + timedelta(hours=8)
    )
    assert twice == Overdue(
        last + timedelta(hours=4), "moderate", last + timedelta(hours=8), 240, False
    )


def test_the_first_vitals_are_due_an_interval_after_admission() -> None:
    found = vitals_overdue(
        last_at=None,
        news2_total=None,
        any_single_three=False,
        admitted_at=ADMITTED,
        routine_min=240,
        now=ADMITTED + timedelta(hours=5),
    )
    assert found is not None and found.due == ADMITTED + timedelta(hours=4)


def test_a_ciwa_b_is_due_an_interval_after_the_last_or_after_admission() -> None:
    last = ADMITTED + timedelta(hours=3)
    found = assessment_overdue(
        last_at=last,
        last_band="mild",
        admitted_at=ADMITTED,
        routine_min=240,
        shortened_min=60,
        now=last + timedelta(hours=5),
    )
    assert found == Overdue(
        last + timedelta(hours=4), "moderate", last + timedelta(hours=4), 240, False
    )
    first = assessment_overdue(
        last_at=None,
        last_band=None,
        admitted_at=ADMITTED,
        routine_min=240,
        shortened_min=60,
        now=ADMITTED + timedelta(hours=4, minutes=1),
    )
    assert first is not None and first.due == ADMITTED + timedelta(hours=4)


# --- step tolerance -----------------------------------------------------------------------------

POLICY = StepPolicy(window_days=7, margin_points=5, min_readings=2, prn_margin=2)


def test_a_rise_past_the_margin_is_named_with_its_numbers() -> None:
    found = judge_step(StepEvidence(3, 10.0, 3, 16.0), POLICY)
    assert found == StepJudgement(
        StepVerdict.NOT_TOLERATED,
        6.0,
        0,
        "moderate",
        ("CIWA-B mean 16 after, 10 before (+6; margin 5)",),
    )


def test_a_tolerated_step_gives_no_reasons_and_its_rise() -> None:
    found = judge_step(StepEvidence(3, 10.0, 3, 12.0, prn_before=1, prn_after=2), POLICY)
    assert found == StepJudgement(StepVerdict.TOLERATED, 2.0, 1, None, ())


def test_without_scores_after_the_step_there_is_no_rise() -> None:
    found = judge_step(StepEvidence(3, 10.0, 0, None), POLICY)
    assert found == StepJudgement(StepVerdict.TOO_EARLY, None, 0, None, ())


def test_a_step_takes_effect_at_the_wards_midnight_of_its_start_date() -> None:
    london = ZoneInfo("Europe/London")
    midnight = local_midnight(date(2026, 7, 1), london)
    assert midnight == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert (midnight.tzinfo, midnight.hour, midnight.minute) == (london, 0, 0)
    admitted = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    first_dose = datetime(2026, 7, 1, 19, 0, tzinfo=UTC)
    assert step_takes_effect(midnight, admitted, first_dose) == first_dose
    assert step_takes_effect(midnight, admitted, None) == admitted
    assert step_takes_effect(midnight, midnight, first_dose) == midnight


def test_the_hard_ceiling_refusal_names_each_drug_the_total_and_the_table() -> None:
    with pytest.raises(FieldError) as exc:
        check_hard_ceiling(
            [{"diazepam": 10_000}, {"diazepam": 10_000, "alprazolam": 100_000}],
            ceiling_de_mg=300,
            table="vadod",
        )
    assert (exc.value.field, exc.value.message) == (
        "daily_mg",
        "alprazolam 100 mg + diazepam 10 mg a day is 1010 mg diazepam-equivalent (vadod table), "
        "above the ward's hard ceiling of 300 mg a day (local policy); it cannot be ordered. "
        "Check the dose",
    )
    check_hard_ceiling([{"diazepam": 300_000}], ceiling_de_mg=300)  # at the ceiling: allowed
