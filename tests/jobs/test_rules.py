"""Each review rule on crafted data, on SQLite and PostgreSQL: it fires, it stays quiet, and
its flag clears itself when the condition does."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlmodel import Session

from models.admissions import ensure_ward
from models.db import transaction
from models.tables import Admission, ScheduledDose, TaperStep
from tests.factories import SYSTEM
from tests.jobs.conftest import (
    NEWS2_FIVE,
    NEWS2_SEVEN,
    NEWS2_TWO,
    NORMAL,
    SINGLE_THREE,
    T0,
    Ward7,
)

H = timedelta(hours=1)
M = timedelta(minutes=1)


# --- missed dose -----------------------------------------------------------------------------


def test_missed_dose_raises_only_after_the_wards_window(ward7: Ward7) -> None:
    patient = ward7.admit()
    dose = ward7.dose(patient, T0)
    ward7.scan(T0 + 59 * M)
    assert ward7.flags("missed_dose") == []
    ward7.scan(T0 + 61 * M)
    [flag] = ward7.flags("missed_dose")
    assert (flag.admission_id, flag.subject, flag.severity) == (patient, f"dose:{dose}", "moderate")
    assert flag.subject_at == T0
    assert "10 Mar 08:00" in flag.message and "not charted" in flag.message


def test_missed_dose_window_follows_the_ward_policy(ward7: Ward7) -> None:
    ward7.set_policy(dose_window_min=30)
    patient = ward7.admit()
    ward7.dose(patient, T0)
    ward7.scan(T0 + 31 * M)
    assert len(ward7.flags("missed_dose")) == 1


def test_a_missed_dose_charted_late_is_cleared_and_ends_when_seen(ward7: Ward7) -> None:
    patient = ward7.admit()
    dose = ward7.dose(patient, T0)
    ward7.scan(T0 + 2 * H)
    ward7.chart(dose, "given", T0 + 2 * H + 5 * M)
    report = ward7.scan(T0 + 2 * H + 10 * M)
    assert [c.action for c in report.changes if c.rule == "missed_dose"] == ["clear"]
    [flag] = ward7.flags("missed_dose")  # still unresolved: nobody has seen it
    assert flag.status == "cleared" and flag.cleared_at == T0 + 2 * H + 10 * M
    assert flag.cleared_note and "charted" in flag.cleared_note
    assert ward7.scan(T0 + 3 * H).changes == []  # stays cleared, scan after scan
    seen = ward7.acknowledge(flag.id or 0, T0 + 3 * H)
    assert seen.status == "resolved" and seen.resolved_by == ward7.nurse.user_id
    assert seen.acknowledged_by == ward7.nurse.user_id and seen.resolved_at == T0 + 3 * H
    assert seen.resolve_note and seen.resolve_note.startswith("Seen after it cleared")
    assert ward7.flags("missed_dose") == []


def test_a_dose_charted_on_time_or_cancelled_is_not_missed(ward7: Ward7) -> None:
    patient = ward7.admit()
    given = ward7.dose(patient, T0)
    ward7.chart(given, "given", T0 + 5 * M)
    cancelled = ward7.dose(patient, T0 + 12 * H)
    with Session(ward7.engine) as session:
        slot = session.get(ScheduledDose, cancelled)
        assert slot is not None
        slot.cancelled_at = T0
        session.add(slot)
        session.commit()
    ward7.scan(T0 + 20 * H)
    assert ward7.flags("missed_dose") == []


def test_a_second_missed_dose_raises_the_first_flags_severity(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.dose(patient, T0)
    ward7.scan(T0 + 2 * H)
    [first] = ward7.flags("missed_dose")
    assert first.severity == "moderate"
    ward7.dose(patient, T0 + 12 * H)
    report = ward7.scan(T0 + 14 * H)
    actions = sorted(c.action for c in report.changes if c.rule == "missed_dose")
    assert actions == ["escalate", "raise"]
    flags = ward7.flags("missed_dose")
    assert [f.severity for f in flags] == ["high", "high"]
    assert flags[0].id == first.id


def test_an_administration_marked_in_error_makes_the_dose_missed_again(ward7: Ward7) -> None:
    patient = ward7.admit()
    dose = ward7.dose(patient, T0)
    given = ward7.chart(dose, "given", T0)
    ward7.scan(T0 + 2 * H)
    assert ward7.flags("missed_dose") == []
    ward7.in_error("dose", given, T0 + 3 * H)
    ward7.scan(T0 + 3 * H)
    assert len(ward7.flags("missed_dose")) == 1


# --- held or refused -------------------------------------------------------------------------


def test_held_and_refused_doses_are_flagged_for_review(ward7: Ward7) -> None:
    patient = ward7.admit()
    held = ward7.chart(ward7.dose(patient, T0), "held", T0 + 5 * M, "too_drowsy")
    refused = ward7.chart(ward7.dose(patient, T0 + 12 * H), "refused", T0 + 12 * H, "declined")
    ward7.chart(ward7.dose(patient, T0 + 24 * H), "given", T0 + 24 * H)
    ward7.scan(T0 + 25 * H)
    flags = {f.subject: f for f in ward7.flags("dose_skipped")}
    assert set(flags) == {f"administration:{held}", f"administration:{refused}"}
    assert flags[f"administration:{held}"].severity == "low"
    assert "held: Held for sedation (too drowsy)" in flags[f"administration:{held}"].message
    assert flags[f"administration:{refused}"].severity == "moderate"
    assert ward7.flags("missed_dose") == []


def test_a_refusal_marked_in_error_clears_its_flag(ward7: Ward7) -> None:
    patient = ward7.admit()
    refused = ward7.chart(ward7.dose(patient, T0), "refused", T0, "declined")
    ward7.scan(T0 + H)
    assert len(ward7.flags("dose_skipped")) == 1
    ward7.in_error("dose", refused, T0 + 2 * H)
    ward7.scan(T0 + 2 * H)
    [flag] = ward7.flags("dose_skipped")
    assert flag.status == "cleared" and "in error" in (flag.cleared_note or "")
    # ... and the dose, now uncharted, is missed.
    assert len(ward7.flags("missed_dose")) == 1


def test_only_recent_refusals_are_raised_and_open_ones_stay_until_reviewed(
    ward7: Ward7,
) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=4))
    old = ward7.chart(ward7.dose(patient, T0 - 72 * H), "refused", T0 - 72 * H, "declined")
    recent = ward7.chart(ward7.dose(patient, T0 - 24 * H), "refused", T0 - 24 * H, "declined")
    ward7.scan(T0)
    assert {f.subject for f in ward7.flags("dose_skipped")} == {f"administration:{recent}"}
    ward7.scan(T0 + 30 * H)  # the recent refusal is now older than 48 h: its flag stays open
    assert {f.subject for f in ward7.flags("dose_skipped")} == {f"administration:{recent}"}
    ever = {f.subject for f in ward7.flags("dose_skipped", unresolved=False)}
    assert f"administration:{old}" not in ever


# --- assessment overdue ----------------------------------------------------------------------


def test_no_ciwa_b_since_admission_is_overdue_after_the_interval(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.scan(T0 + 3 * H + 59 * M)
    assert ward7.flags("assessment_overdue") == []
    ward7.scan(T0 + 4 * H + M)
    [flag] = ward7.flags("assessment_overdue")
    assert flag.admission_id == patient and flag.severity == "moderate"
    assert flag.message == "No CIWA-B since admission; due 10 Mar 12:00 (every 4 h)"


def test_the_interval_is_shorter_while_the_band_is_moderate(ward7: Ward7) -> None:
    mild, moderate = ward7.admit("B1", at=T0), ward7.admit("B2", at=T0)
    ward7.ciwa(mild, T0, 15)
    ward7.ciwa(moderate, T0, 25)
    ward7.scan(T0 + 2 * H + M)
    [flag] = ward7.flags("assessment_overdue")
    assert flag.admission_id == moderate and flag.severity == "high"
    assert flag.message == (
        "No CIWA-B since 10 Mar 08:00; due 10 Mar 10:00 (every 2 h while moderate or worse)"
    )


def test_charting_a_ciwa_b_clears_the_overdue_flag(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.scan(T0 + 5 * H)
    assert len(ward7.flags("assessment_overdue")) == 1
    ward7.ciwa(patient, T0 + 5 * H, 10)
    ward7.scan(T0 + 5 * H + M)
    assert [f.status for f in ward7.flags("assessment_overdue")] == ["cleared"]


def test_an_assessment_in_error_does_not_count(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    wrong = ward7.ciwa(patient, T0 + 3 * H, 10)
    ward7.in_error("assessment", wrong, T0 + 3 * H)
    ward7.scan(T0 + 4 * H + M)
    assert len(ward7.flags("assessment_overdue")) == 1


# --- worsening -------------------------------------------------------------------------------


def test_a_rise_of_n_points_within_m_hours_is_worsening(ward7: Ward7) -> None:
    rising, steady = ward7.admit("B1"), ward7.admit("B2")
    ward7.ciwa(rising, T0, 8)
    ward7.ciwa(rising, T0 + 4 * H, 12)
    ward7.ciwa(rising, T0 + 8 * H, 18)  # 18 - 8 = +10 within 24 h
    ward7.ciwa(steady, T0, 8)
    ward7.ciwa(steady, T0 + 8 * H, 17)  # +9: below the default 10
    ward7.scan(T0 + 8 * H + M)
    [flag] = ward7.flags("worsening")
    assert flag.admission_id == rising and flag.severity == "moderate"
    assert "+10 points within 24 h" in flag.message


def test_a_rise_spread_over_more_than_m_hours_is_not_worsening(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.ciwa(patient, T0, 8)
    ward7.ciwa(patient, T0 + 25 * H, 18)
    ward7.scan(T0 + 25 * H + M)
    assert ward7.flags("worsening") == []


def test_worsening_thresholds_follow_the_ward_policy(ward7: Ward7) -> None:
    ward7.set_policy(worsening_points=5, worsening_hours=48)
    patient = ward7.admit()
    ward7.ciwa(patient, T0, 8)
    ward7.ciwa(patient, T0 + 30 * H, 14)
    ward7.scan(T0 + 30 * H + M)
    assert len(ward7.flags("worsening")) == 1


def test_a_band_rise_into_moderate_is_worsening(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.ciwa(patient, T0, 17)
    ward7.ciwa(patient, T0 + 4 * H, 22)  # mild -> moderate, only +5
    ward7.scan(T0 + 4 * H + M)
    [flag] = ward7.flags("worsening")
    assert "up from mild" in flag.message


def test_worsening_into_severe_is_high_and_a_lower_score_clears_it(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.ciwa(patient, T0, 28)
    ward7.ciwa(patient, T0 + 2 * H, 42)
    ward7.scan(T0 + 2 * H + M)
    [flag] = ward7.flags("worsening")
    assert flag.severity == "high"
    ward7.ciwa(patient, T0 + 4 * H, 30)
    ward7.scan(T0 + 4 * H + M)
    assert [f.status for f in ward7.flags("worsening")] == ["cleared"]


def test_a_high_score_entered_in_error_is_ignored(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.ciwa(patient, T0, 8)
    wrong = ward7.ciwa(patient, T0 + 2 * H, 40)
    ward7.in_error("assessment", wrong, T0 + 2 * H)
    ward7.scan(T0 + 2 * H + M)
    assert ward7.flags("worsening") == []


# --- step not tolerated ----------------------------------------------------------------------


def _scores(ward7: Ward7, patient: int, start: datetime, totals: list[int]) -> None:
    for i, total in enumerate(totals):
        ward7.ciwa(patient, start + i * 8 * H, total)


def test_a_step_followed_by_higher_scores_suggests_a_hold(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=10))
    ward7.plan(patient, [(date(2026, 3, 1), "baseline"), (date(2026, 3, 8), "cut")])
    _scores(ward7, patient, T0 - timedelta(days=5), [10, 10, 10, 10])  # before 8 Mar
    _scores(ward7, patient, T0 - timedelta(days=1), [16, 17, 15])  # after: mean 16, +6
    ward7.scan(T0 + H)
    [flag] = ward7.flags("step_not_tolerated")
    assert flag.admission_id == patient and flag.subject == "step:2026-03-08"
    assert flag.severity == "moderate" and "consider a hold" in flag.message


def test_a_step_within_the_margin_is_tolerated(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=10))
    ward7.plan(patient, [(date(2026, 3, 1), "baseline"), (date(2026, 3, 8), "cut")])
    _scores(ward7, patient, T0 - timedelta(days=5), [10, 10, 10, 10])
    _scores(ward7, patient, T0 - timedelta(days=1), [14, 14, 14])  # +4 < 5
    ward7.scan(T0 + H)
    assert ward7.flags("step_not_tolerated") == []


def test_one_high_score_after_a_step_is_not_yet_a_trend(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=10))
    ward7.plan(patient, [(date(2026, 3, 1), "baseline"), (date(2026, 3, 8), "cut")])
    _scores(ward7, patient, T0 - timedelta(days=5), [10, 10, 10, 10])
    _scores(ward7, patient, T0 - timedelta(days=1), [30])  # one reading after the step
    ward7.scan(T0 + H)
    assert ward7.flags("step_not_tolerated") == []


def test_a_hold_after_the_step_leaves_the_flag_for_a_person(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0 - timedelta(days=10))
    plan = ward7.plan(patient, [(date(2026, 3, 1), "baseline"), (date(2026, 3, 8), "cut")])
    _scores(ward7, patient, T0 - timedelta(days=5), [10, 10, 10, 10])
    _scores(ward7, patient, T0 - timedelta(days=1), [20, 20, 20])  # +10: twice the margin
    ward7.scan(T0 + H)
    [flag] = ward7.flags("step_not_tolerated")
    assert flag.severity == "high"
    with Session(ward7.engine) as session:
        session.add(
            TaperStep(
                plan_id=plan,
                step_index=2,
                start_date=date(2026, 3, 10),
                drug="clonazepam",
                daily_ug=875,
                kind="hold",
            )
        )
        session.commit()
    ward7.scan(T0 + 2 * H)
    # The hold is not judged (it changes nothing the patient takes): the warning about the cut
    # stays open until a person closes it.
    assert [(f.id, f.status) for f in ward7.flags("step_not_tolerated")] == [(flag.id, "open")]


# --- NEWS2 -----------------------------------------------------------------------------------


def test_news2_five_or_a_single_three_is_urgent(ward7: Ward7) -> None:
    five, single, calm = ward7.admit("B1"), ward7.admit("B2"), ward7.admit("B3")
    ward7.vitals(five, T0, NEWS2_FIVE)
    ward7.vitals(single, T0, SINGLE_THREE)
    ward7.vitals(calm, T0, NEWS2_TWO)
    ward7.scan(T0 + M)
    flags = {f.admission_id: f for f in ward7.flags("news2")}
    assert set(flags) == {five, single}
    assert flags[five].severity == "high" and "NEWS2 5" in flags[five].message
    assert flags[single].severity == "high" and "single parameter" in flags[single].message


def test_news2_seven_escalates_the_open_flag_to_emergency(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.vitals(patient, T0, NEWS2_FIVE)
    ward7.scan(T0 + M)
    [flag] = ward7.flags("news2")
    ward7.vitals(patient, T0 + H, NEWS2_SEVEN)
    ward7.scan(T0 + H + M)
    [escalated] = ward7.flags("news2")
    assert escalated.id == flag.id and escalated.severity == "emergency"
    assert "NEWS2 7" in escalated.message
    ward7.vitals(patient, T0 + 2 * H, NORMAL)
    ward7.scan(T0 + 2 * H + M)
    [cleared] = ward7.flags("news2")
    assert cleared.id == flag.id and cleared.status == "cleared"
    assert cleared.severity == "emergency"  # it keeps the worst it has shown


def test_only_the_latest_valid_vitals_count(ward7: Ward7) -> None:
    patient = ward7.admit()
    ward7.vitals(patient, T0, NORMAL)
    wrong = ward7.vitals(patient, T0 + H, NEWS2_SEVEN)
    ward7.in_error("vitals", wrong, T0 + H)
    ward7.scan(T0 + H + M)
    assert ward7.flags("news2") == []


# --- vitals overdue --------------------------------------------------------------------------


def test_vitals_overdue_after_the_interval_or_an_hour_when_urgent(ward7: Ward7) -> None:
    calm, urgent = ward7.admit("B1"), ward7.admit("B2")
    ward7.vitals(calm, T0, NORMAL)
    ward7.vitals(urgent, T0, NEWS2_FIVE)
    ward7.scan(T0 + H + M)
    [flag] = ward7.flags("vitals_overdue")
    assert flag.admission_id == urgent and flag.severity == "high"
    assert flag.message == (
        "No vital signs since 10 Mar 08:00; due 10 Mar 09:00 (hourly while NEWS2 is urgent)"
    )
    ward7.scan(T0 + 4 * H + M)
    flags = {f.admission_id: f for f in ward7.flags("vitals_overdue")}
    assert set(flags) == {calm, urgent} and flags[calm].severity == "low"
    assert flags[calm].message == "No vital signs since 10 Mar 08:00; due 10 Mar 12:00 (every 4 h)"
    ward7.scan(T0 + 8 * H + M)  # a second interval without vitals
    assert {f.admission_id: f.severity for f in ward7.flags("vitals_overdue")}[calm] == "moderate"
    ward7.vitals(calm, T0 + 8 * H + 2 * M, NORMAL)
    ward7.scan(T0 + 8 * H + 3 * M)
    statuses = {f.admission_id: f.status for f in ward7.flags("vitals_overdue")}
    assert statuses == {calm: "cleared", urgent: "open"}


# --- everywhere ------------------------------------------------------------------------------


def test_discharge_resolves_the_patients_flags_and_silences_the_rules(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.dose(patient, T0)
    ward7.vitals(patient, T0, NEWS2_SEVEN)
    ward7.scan(T0 + 5 * H)
    assert {f.rule for f in ward7.flags()} >= {"missed_dose", "news2", "assessment_overdue"}
    ward7.discharge(patient, T0 + 5 * H)
    ward7.scan(T0 + 6 * H)
    assert ward7.flags() == []
    resolved = ward7.flags(unresolved=False)
    assert resolved and all(f.resolve_note == "The patient was discharged" for f in resolved)
    ward7.scan(T0 + 30 * H)
    assert ward7.flags() == []


def test_rules_look_only_at_their_own_ward(ward7: Ward7) -> None:
    with transaction(ward7.engine) as session:
        other = ensure_ward(session=session, actor=SYSTEM, name="Other", timezone="UTC")
        other.dose_window_min = 240
        session.add(other)
    patient = ward7.admit()
    with Session(ward7.engine) as session:
        admission = session.get(Admission, patient)
        assert admission is not None and other.id is not None
        admission.ward_id = other.id  # moved to a ward with a 4 h window
        session.add(admission)
        session.commit()
    ward7.dose(patient, T0)
    ward7.scan(T0 + 2 * H)
    assert ward7.flags("missed_dose") == []
    ward7.scan(T0 + 4 * H + M)
    assert len(ward7.flags("missed_dose")) == 1
