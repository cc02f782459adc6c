"""The safety net's holes, each closed (on SQLite and PostgreSQL): a persistently severe patient
is flagged, no flag closes before a person has seen it, every patient is judged, PRN doses
count, missed doses are counted per open episode, NEWS2 SpO2 scale 2 is scored, and dose windows
follow how often a dose is due."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, col, select

from models.charting import chart_prn
from models.db import transaction
from models.flags import resolve_flag
from models.prn_orders import PrnOrderForm, write_prn_order
from models.schemas import PrnAdministrationCreate, VitalSignsCreate, WithdrawalAssessmentCreate
from models.tables import ScheduledDose
from seed_data.factories import start_taper
from tests.jobs.conftest import NORMAL, T0, Ward7

H = timedelta(hours=1)
M = timedelta(minutes=1)
D = timedelta(days=1)


def _prn(
    ward7: Ward7, admission_id: int, at: datetime, drug: str = "diazepam", ug: int = 10000
) -> int:
    """A PRN dose at ``at``, given against a generous order written just before it (the
    rules judge the doses given, whatever the order allowed)."""
    with transaction(ward7.engine) as session:
        order = write_prn_order(
            session=session,
            actor=ward7.staff["doctor1"],
            admission_id=admission_id,
            form=PrnOrderForm(
                drug=drug,
                dose_ug=ug,
                min_interval_min=15,
                max_doses_24h=24,
                max_ug_24h=24 * ug,
                indication="Withdrawal symptoms",
                above_label_reason="Test order: the review rules, not the order's limits",
            ),
            reason="Breakthrough symptoms",
            now=at - M,
        )
        assert order.id is not None
        row = chart_prn(
            session=session,
            actor=ward7.nurse,
            now=at,
            data=PrnAdministrationCreate(
                admission_id=admission_id,
                prn_order_id=order.id,
                administered_at=at,
                reason_text="Anxious, tremor",
            ),
        )
        assert row.id is not None
        return row.id


def _resolve(ward7: Ward7, flag_id: int, at: datetime) -> None:
    with transaction(ward7.engine) as session:
        resolve_flag(
            session=session, actor=ward7.nurse, flag_id=flag_id, note="Seen and given", now=at
        )


# --- 1. a persistently severe patient ------------------------------------------------------------


def test_a_first_very_severe_score_raises_the_top_severity(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.vitals(patient, T0, NORMAL)
    ward7.ciwa(patient, T0 + 10 * M, 65)
    ward7.scan(T0 + 15 * M)
    [flag] = ward7.flags("severe_withdrawal")
    assert flag.admission_id == patient and flag.status == "open"
    assert flag.severity == "emergency" and "very severe" in flag.message


def test_steady_severe_scores_keep_a_flag_open_without_any_rise(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    for i, total in enumerate((44, 46, 48, 50)):
        ward7.ciwa(patient, T0 + i * 4 * H, total)
        ward7.scan(T0 + i * 4 * H + M)
        [flag] = ward7.flags("severe_withdrawal")
        assert (
            flag.severity == "high" and flag.status == "open" and f"CIWA-B {total}" in flag.message
        )
    assert ward7.flags("worsening") == []  # no rise of 10 in 24 h, no band rise: only standing


def test_the_standing_threshold_is_the_wards_and_covers_ciwa_ar(ward7: Ward7) -> None:
    ward7.set_policy(standing_ciwa_b_total=30)
    patient = ward7.admit(at=T0)
    ward7.ciwa(patient, T0, 32)
    with transaction(ward7.engine) as session:
        from models.charting import record_assessment

        record_assessment(
            session=session,
            actor=ward7.nurse,
            now=T0,
            data=WithdrawalAssessmentCreate(
                admission_id=patient,
                taken_at=T0,
                items=dict.fromkeys(range(1, 11), 2),
                scale="CIWA-Ar",
            ),
        )
    ward7.scan(T0 + M)
    flags = {f.subject: f for f in ward7.flags("severe_withdrawal")}
    assert set(flags) == {"CIWA-B", "CIWA-Ar"}
    assert flags["CIWA-B"].severity == "moderate"  # 32 is in the moderate band
    assert flags["CIWA-Ar"].severity == "high"  # 20 is CIWA-Ar severe (>= 19)


# --- 2. no flag disappears unseen ------------------------------------------------------------


def test_a_slowly_climbing_score_keeps_its_worsening_flag_until_someone_sees_it(
    ward7: Ward7,
) -> None:
    patient = ward7.admit(at=T0)
    ward7.ciwa(patient, T0, 10)
    ward7.ciwa(patient, T0 + 4 * H, 45)
    ward7.scan(T0 + 4 * H + M)
    [flag] = ward7.flags("worsening")
    assert flag.severity == "high" and flag.status == "open"
    for i, total in enumerate(range(46, 53)):
        at = T0 + 8 * H + i * 4 * H
        ward7.ciwa(patient, at, total)
        ward7.scan(at + M)
    [still] = ward7.flags("worsening")  # 28 h later: no longer "rising", but nobody saw it
    assert still.id == flag.id and still.status == "cleared" and still.severity == "high"
    assert ward7.flags("worsening", status="resolved") == []
    seen = ward7.acknowledge(still.id or 0, T0 + 40 * H)
    assert seen.status == "resolved" and seen.acknowledged_by == ward7.nurse.user_id


def test_an_acknowledged_flag_ends_when_its_condition_clears(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.ciwa(patient, T0, 10)
    ward7.ciwa(patient, T0 + 4 * H, 35)
    ward7.scan(T0 + 4 * H + M)
    [flag] = ward7.flags("worsening")
    ward7.acknowledge(flag.id or 0, T0 + 5 * H, "Reviewed by the nurse in charge")
    ward7.ciwa(patient, T0 + 6 * H, 15)  # mild, and less than 10 above the day's lowest
    ward7.scan(T0 + 6 * H + M)
    assert ward7.flags("worsening") == []
    [done] = ward7.flags("worsening", status="resolved")
    assert done.resolved_by is None and done.acknowledged_by == ward7.nurse.user_id


def test_a_cleared_flag_found_again_is_opened_again(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.vitals(patient, T0, {**NORMAL, "resp_rate": 26})  # a single 3
    ward7.scan(T0 + M)
    ward7.vitals(patient, T0 + H, NORMAL)
    ward7.scan(T0 + H + M)
    [flag] = ward7.flags("news2")
    assert flag.status == "cleared"
    ward7.vitals(patient, T0 + 2 * H, {**NORMAL, "resp_rate": 26})
    report = ward7.scan(T0 + 2 * H + M)
    [again] = ward7.flags("news2")
    assert again.id == flag.id and again.status == "open" and again.cleared_at is None
    assert [c.action for c in report.changes if c.rule == "news2"] == ["reopen"]


def test_the_next_cut_does_not_close_a_step_not_tolerated_flag(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=10))
    ward7.plan(
        patient,
        [
            (date(2026, 3, 1), "baseline"),
            (date(2026, 3, 8), "cut"),
            (date(2026, 3, 15), "cut"),
        ],
    )
    for i in range(4):
        ward7.ciwa(patient, T0 - timedelta(days=5) + i * 8 * H, 10)
    for i in range(3):
        ward7.ciwa(patient, T0 - D + i * 8 * H, 20)
    ward7.scan(T0 + H)
    [flag] = ward7.flags("step_not_tolerated")
    assert flag.subject == "step:2026-03-08" and flag.status == "open"
    ward7.scan(datetime(2026, 3, 15, 9, 0, tzinfo=UTC))  # the next cut has begun
    [still] = ward7.flags("step_not_tolerated")
    assert still.id == flag.id and still.status == "open"


# --- 3. every patient is judged --------------------------------------------------------------


def _plan_today(ward7: Ward7, patient: int, now: datetime) -> None:
    with transaction(ward7.engine) as session:
        start_taper(
            session,
            actor=ward7.staff["doctor1"],
            admission_id=patient,
            start=now.date(),
            now=now,
            daily_ug=1000,
            reason="Start the taper on admission",
        )


def test_a_cut_on_the_day_of_admission_is_judged_against_the_scores_since_admission(
    ward7: Ward7,
) -> None:
    admitted = T0 + 2 * H  # 10:00 on 10 March; doses at 08:00 and 20:00
    patient = ward7.admit(at=admitted)
    _plan_today(ward7, patient, admitted + 30 * M)
    ward7.ciwa(patient, admitted + H, 10)
    ward7.ciwa(patient, admitted + 5 * H, 10)  # 15:00, before the first reduced dose at 20:00
    for i in range(3):
        ward7.ciwa(patient, admitted + 12 * H + i * 6 * H, 22)  # after it: mean +12
    ward7.scan(admitted + 2 * D)
    [flag] = ward7.flags("step_not_tolerated")
    assert flag.subject == "step:2026-03-10" and flag.severity == "high"
    assert flag.subject_at == datetime(2026, 3, 10, 20, 0, tzinfo=UTC)  # its first dose


def test_an_admission_without_a_plan_is_flagged_after_the_grace_period(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.scan(T0 + 23 * H)
    assert ward7.flags("no_plan") == []
    ward7.scan(T0 + 25 * H)
    [flag] = ward7.flags("no_plan")
    assert flag.admission_id == patient and "No taper plan" in flag.message
    _plan_today(ward7, patient, T0 + 26 * H)
    ward7.scan(T0 + 26 * H + M)
    assert [f.status for f in ward7.flags("no_plan")] == ["cleared"]


# --- 4. PRN doses count ---------------------------------------------------------------------


def test_six_prn_doses_in_six_hours_raise_a_high_flag(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - D)
    for i in range(6):
        _prn(ward7, patient, T0 + i * H)
    ward7.scan(T0 + 6 * H)
    [flag] = ward7.flags("prn_use")
    assert flag.severity == "high" and "6 PRN doses" in flag.message
    assert "60 mg diazepam-equivalent" in flag.message


def test_prn_use_below_both_limits_raises_nothing(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - D)
    _prn(ward7, patient, T0, ug=5000)
    _prn(ward7, patient, T0 + 4 * H, ug=5000)
    ward7.scan(T0 + 5 * H)
    assert ward7.flags("prn_use") == []


def test_a_prn_dose_without_a_score_after_it_is_flagged_until_one_is_charted(
    ward7: Ward7,
) -> None:
    patient = ward7.admit(at=T0 - D)
    dose = _prn(ward7, patient, T0)
    ward7.scan(T0 + 59 * M)
    assert ward7.flags("prn_reassessment") == []
    ward7.scan(T0 + 61 * M)
    [flag] = ward7.flags("prn_reassessment")
    assert flag.subject == f"administration:{dose}" and flag.status == "open"
    ward7.ciwa(patient, T0 + 70 * M, 12)
    ward7.scan(T0 + 71 * M)
    assert [f.status for f in ward7.flags("prn_reassessment")] == ["cleared"]


def test_rising_prn_use_after_a_cut_is_a_step_not_tolerated(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=10))
    ward7.plan(patient, [(date(2026, 3, 1), "baseline"), (date(2026, 3, 8), "cut")])
    for i in range(4):
        ward7.ciwa(patient, T0 - timedelta(days=5) + i * 8 * H, 10)
    for i in range(3):
        ward7.ciwa(patient, T0 - D + i * 8 * H, 11)  # scores steady
    for day in (date(2026, 3, 8), date(2026, 3, 9)):
        _prn(ward7, patient, datetime(day.year, day.month, day.day, 14, tzinfo=UTC), ug=2000)
    ward7.scan(T0 + H)
    [flag] = ward7.flags("step_not_tolerated")
    assert "2 PRN doses after, 0 before" in flag.message and flag.severity == "moderate"


# --- 5. missed doses per open episode ------------------------------------------------------


def test_a_missed_dose_staff_resolved_does_not_count_towards_a_later_one(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - D)
    ward7.dose(patient, T0)
    ward7.scan(T0 + 2 * H)
    [first] = ward7.flags("missed_dose")
    _resolve(ward7, first.id or 0, T0 + 3 * H)
    week = T0 + timedelta(days=7)
    ward7.dose(patient, week)
    ward7.scan(week + 2 * H)
    [later] = ward7.flags("missed_dose")
    assert later.severity == "moderate" and "doses missed" not in later.message


# --- 6. NEWS2 SpO2 scale 2 --------------------------------------------------------------------


def test_spo2_scale_2_scores_a_prescribed_target_and_over_oxygenation(ward7: Ward7) -> None:
    from models.admissions import set_spo2_scale

    patient = ward7.admit(at=T0)
    with transaction(ward7.engine) as session:
        set_spo2_scale(
            session=session,
            actor=ward7.staff["doctor1"],
            admission_id=patient,
            scale=2,
            reason="COPD with hypercapnia: target 88-92 %",
        )
    ward7.vitals(patient, T0 + M, {**NORMAL, "spo2": 88})
    ward7.scan(T0 + 2 * M)
    assert ward7.flags("news2") == []  # 88 % on air scores 0 on scale 2 (3 on scale 1)
    with transaction(ward7.engine) as session:
        from models.charting import record_vitals

        high = record_vitals(
            session=session,
            actor=ward7.nurse,
            now=T0 + H,
            data=VitalSignsCreate(
                admission_id=patient,
                taken_at=T0 + H,
                supplemental_o2=True,
                consciousness="A",
                **{**NORMAL, "spo2": 97},
            ),
        )
    assert (high.news2_total, high.news2_any_three, high.spo2_scale) == (5, True, 2)


# --- 7. dose windows by frequency ------------------------------------------------------------


def _slot_per_day(ward7: Ward7, slot_id: int, per_day: int) -> None:
    with Session(ward7.engine) as session:
        slot = session.get(ScheduledDose, slot_id)
        assert slot is not None
        slot.doses_per_day = per_day
        session.add(slot)
        session.commit()


def test_a_once_daily_dose_has_two_hours_and_a_frequent_one_thirty_minutes(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - D)
    daily, hourly, bid = (
        ward7.dose(patient, T0),
        ward7.dose(patient, T0 + M),
        ward7.dose(patient, T0 + 2 * M),
    )
    _slot_per_day(ward7, daily, 1)
    _slot_per_day(ward7, hourly, 8)
    ward7.scan(T0 + 40 * M)
    assert [f.subject for f in ward7.flags("missed_dose")] == [f"dose:{hourly}"]
    ward7.scan(T0 + 65 * M)
    assert {f.subject for f in ward7.flags("missed_dose")} == {f"dose:{hourly}", f"dose:{bid}"}
    ward7.scan(T0 + 121 * M)
    assert len(ward7.flags("missed_dose")) == 3


def test_a_ward_may_class_every_taper_dose_as_time_critical(ward7: Ward7) -> None:
    ward7.set_policy(doses_time_critical=True, time_critical_window_min=20)
    patient = ward7.admit(at=T0 - D)
    ward7.dose(patient, T0)
    ward7.scan(T0 + 21 * M)
    [flag] = ward7.flags("missed_dose")
    assert "±20 min" in flag.message


def test_plans_record_how_often_each_drug_is_due(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    _plan_today(ward7, patient, T0 + M)
    with Session(ward7.engine) as session:
        per_day = set(
            session.exec(
                select(ScheduledDose.doses_per_day).where(
                    col(ScheduledDose.admission_id) == patient
                )
            ).all()
        )
    assert per_day == {2}  # 08:00 and 20:00


# --- an admission dose above its label maximum ------------------------------------------------


def test_an_admission_dose_above_its_label_maximum_is_flagged_until_a_physician_confirms_it(
    ward7: Ward7,
) -> None:
    from models.admissions import admit, confirm_admission_dose

    assert ward7.ward.id is not None
    with transaction(ward7.engine) as session:
        admission = admit(
            session=session,
            actor=ward7.nurse,
            ward_id=ward7.ward.id,
            mrn="HIGH1",
            family_name="High",
            given_name="Dose",
            birth_date=date(1975, 1, 1),
            sex="male",
            bed="H1",
            attending_id=ward7.staff["doctor1"].user_id or 0,
            drug="alprazolam",
            daily_ug=12000,  # label maximum 10 mg/day
            admitted_at=T0,
            now=T0,
        )
        patient = admission.id
    assert patient is not None
    ward7.scan(T0 + M)
    [flag] = ward7.flags("dose_unconfirmed")
    assert flag.admission_id == patient and "alprazolam 12 mg a day" in flag.message
    with transaction(ward7.engine) as session:
        confirm_admission_dose(
            session=session,
            actor=ward7.staff["doctor1"],
            admission_id=patient,
            reason="Long-standing dose, verified with the GP",
            now=T0 + H,
        )
    ward7.scan(T0 + H + M)
    assert [f.status for f in ward7.flags("dose_unconfirmed")] == ["cleared"]
