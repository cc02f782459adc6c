"""The chart and rounds read queries on SQLite and PostgreSQL: what the chart draws, what a
refresh appends (or when it must redraw), step tolerance, and the rounds summary."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dash
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.chart_queries import _flag_mark, chart_append, patient_chart
from dashboard.components.taper_chart import chart_figure
from dashboard.components.taper_chart_data import Readings
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.rounds_queries import rounds_summaries
from models.admissions import admit
from models.audit import Actor
from models.charting import chart_dose, chart_prn, mark_in_error, record_assessment, record_vitals
from models.clinical.step_tolerance import step_tolerance
from models.clinical.taper import make_step
from models.clinical.tolerance import StepPolicy, StepVerdict
from models.db import transaction
from models.plan_changes import PlanChange, PlanSpec, apply_change, create_plan
from models.rounds import sign_rounds_note
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.tables import Flag, ScheduledDose, Ward, WithdrawalAssessment
from tests.factories import prn_order

PLANNED_AT = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)  # Europe/London = UTC in winter
DRAWN_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def _march(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def _items(total: int) -> dict[int, int]:
    items = dict.fromkeys(range(1, 21), 0)
    for n in range(total):
        items[1 + n % 20] += 1
    return items


def _vitals(session: Session, nurse: Actor, admission_id: int, at: datetime, hr: int) -> None:
    record_vitals(
        session=session,
        actor=nurse,
        now=at,
        data=VitalSignsCreate(
            admission_id=admission_id,
            taken_at=at,
            heart_rate=hr,
            systolic=128,
            diastolic=80,
            temperature_c=36.9,
            resp_rate=16,
            spo2=97,
            supplemental_o2=False,
            consciousness="A",
        ),
    )


def _slot(session: Session, at: datetime) -> ScheduledDose:
    return session.exec(
        select(ScheduledDose).where(
            ScheduledDose.scheduled_at == at,
            ScheduledDose.cancelled_at == None,  # noqa: E711
        )
    ).one()


def _ward_with_patient(engine: Engine, staff: dict[str, Actor], ward: Ward) -> int:
    """Clonazepam 2 mg/day, -0.25 mg/7d from 1 Mar. Doses on 9 Mar: 08:00 given on time,
    20:00 given at 21:45 (late); 10 Mar 08:00 held. CIWA-B 10 every morning before the 8 Mar
    cut, 25 after it; one PRN dose."""
    nurse, doctor = staff["nurse1"], staff["doctor1"]
    with transaction(engine) as session:
        admission = admit(
            session=session, actor=nurse, ward_id=ward.id or 0, mrn="TW5", family_name="Lee",
            given_name="Sam", birth_date=date(1975, 2, 2), sex="male", bed="B2",
            attending_id=doctor.user_id or 0, drug="clonazepam", daily_ug=2000,
            admitted_at=PLANNED_AT - timedelta(hours=2), now=PLANNED_AT,
        )  # fmt: skip
        assert admission.id is not None
        create_plan(
            session=session, actor=doctor, admission_id=admission.id, now=PLANNED_AT,
            new_plan=PlanSpec(drug="clonazepam", daily_ug=2000, recipe="-0.25mg/7d",
                             start=date(2026, 3, 1), reason="Admission plan"),
        )  # fmt: skip
        for day in range(1, 11):
            at = datetime(2026, 3, day, 9, 0, tzinfo=UTC)
            total = 10 if day < 8 else 25
            record_assessment(
                session=session,
                actor=nurse,
                now=at,
                data=WithdrawalAssessmentCreate(
                    admission_id=admission.id,
                    taken_at=at,
                    items=_items(total),
                ),
            )
        _vitals(session, nurse, admission.id, datetime(2026, 3, 9, 9, tzinfo=UTC), 80)
        for slot_at, status, given_at in (
            (_march(9, 8), "given", _march(9, 8, 10)),
            (_march(9, 20), "given", _march(9, 21, 45)),
            (_march(10, 8), "held", _march(10, 8, 5)),
        ):
            chart_dose(
                session=session,
                actor=nurse,
                now=given_at + timedelta(minutes=1),
                data=DoseAdministrationCreate(
                    scheduled_dose_id=_slot(session, slot_at).id or 0,
                    status=status,
                    administered_at=given_at,
                    reason_code="too_drowsy" if status == "held" else None,
                ),
            )
        prn_at = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
        order = prn_order(session, doctor=doctor, admission_id=admission.id, written_at=prn_at)
        chart_prn(
            session=session,
            actor=nurse,
            now=prn_at,
            data=PrnAdministrationCreate(
                admission_id=admission.id,
                prn_order_id=order,
                administered_at=prn_at,
                reason_text="Anxious at night",
            ),
        )
        return admission.id


def test_the_chart_draws_each_dose_by_what_became_of_it(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _ward_with_patient(engine, staff, ward)
    with Session(engine) as session:
        chart = patient_chart(session, admission_id, now=DRAWN_AT)
    assert chart is not None
    by_kind: dict[str, list[datetime]] = {}
    for event in chart.chart.doses:
        by_kind.setdefault(event.category, []).append(event.at)
    assert by_kind["late"] == [datetime(2026, 3, 9, 21, 45, tzinfo=UTC)]
    assert by_kind["held"] == [datetime(2026, 3, 10, 8, 5, tzinfo=UTC)]
    assert by_kind["prn"] == [datetime(2026, 3, 10, 3, tzinfo=UTC)]
    assert datetime(2026, 3, 9, 8, 10, tzinfo=UTC) in by_kind["given"]
    # Uncharted doses before 9 Mar are past their window: missed, at their scheduled time.
    assert datetime(2026, 3, 8, 20, tzinfo=UTC) in by_kind["missed"]
    assert all(at < DRAWN_AT for ats in by_kind.values() for at in ats)  # nothing not yet due
    held = next(e for e in chart.chart.doses if e.category == "held")
    assert "Held for sedation (too drowsy)" in held.detail and "Nurse1" in held.detail
    assert [(s.start, s.daily_mg) for s in chart.chart.steps][:3] == [
        (date(2026, 2, 28), {"clonazepam": 2.0}),
        (date(2026, 3, 1), {"clonazepam": 1.75}),
        (date(2026, 3, 8), {"clonazepam": 1.5}),
    ]
    assert [v.version for v in chart.chart.versions] == [1]


def test_the_chart_reads_its_observations_as_columns_oldest_first(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    """CIWA-B scores and vital signs come as columns (Readings), the shape the figure is made
    of, oldest first, without the ones entered in error; they draw as the same points would."""
    admission_id = _ward_with_patient(engine, staff, ward)
    with Session(engine) as session:
        first = session.exec(
            select(WithdrawalAssessment)
            .where(WithdrawalAssessment.admission_id == admission_id)
            .order_by(col(WithdrawalAssessment.taken_at))
        ).first()
    assert first is not None and first.id is not None
    with transaction(engine) as session:
        mark_in_error(session=session, actor=staff["nurse1"], entity="assessment",
                      record_id=first.id, reason="wrong patient", now=DRAWN_AT)  # fmt: skip
        _vitals(session, staff["nurse1"], admission_id, datetime(2026, 3, 8, 21, tzinfo=UTC), 96)
    with Session(engine) as session:
        chart = patient_chart(session, admission_id, now=DRAWN_AT)
    assert chart is not None
    scores, vitals = chart.chart.assessments, chart.chart.vitals
    assert isinstance(scores, Readings) and isinstance(vitals, Readings)
    assert [a.at for a in scores] == [_march(day, 9) for day in range(2, 11)]  # not 1 Mar's
    assert [a.total for a in scores] == [10] * 6 + [25] * 3
    assert all(a.band == ("mild" if a.total == 10 else "moderate") for a in scores)
    assert [(v.at, v.heart_rate, v.systolic, v.temperature_c) for v in vitals] == [
        (datetime(2026, 3, 8, 21, tzinfo=UTC), 96, 128, 36.9),
        (datetime(2026, 3, 9, 9, tzinfo=UTC), 80, 128, 36.9),
    ]
    as_points = replace(chart.chart, assessments=list(scores), vitals=list(vitals))
    assert chart_figure(chart.chart) == chart_figure(as_points)


def test_a_refresh_appends_new_readings_and_newly_missed_doses(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _ward_with_patient(engine, staff, ward)
    with Session(engine) as session:
        chart = patient_chart(session, admission_id, now=DRAWN_AT)
    assert chart is not None
    later = DRAWN_AT + timedelta(hours=10)  # past the 20:00 dose's window? not yet: 22:00
    with transaction(engine) as session:
        record_assessment(
            session=session,
            actor=staff["nurse1"],
            now=DRAWN_AT + timedelta(hours=1),
            data=WithdrawalAssessmentCreate(
                admission_id=admission_id,
                taken_at=DRAWN_AT + timedelta(hours=1),
                items=_items(30),
            ),
        )
        _vitals(session, staff["nurse1"], admission_id, DRAWN_AT + timedelta(hours=2), 112)
    with Session(engine) as session:
        found = chart_append(session, admission_id, chart.cursor, now=later)
    assert found is not None
    update, cursor = found
    assert [a.total for a in update.assessments] == [30]
    assert [v.heart_rate for v in update.vitals] == [112]
    # The 20:00 dose went uncharted past its hour's window by 22:00: appended as missed.
    assert [(d.category, d.at) for d in update.doses] == [
        ("missed", datetime(2026, 3, 10, 20, tzinfo=UTC))
    ]
    with Session(engine) as session:
        again = chart_append(session, admission_id, cursor, now=later + timedelta(minutes=1))
    assert again is not None and again[0].assessments == [] and again[0].doses == []


def test_a_refresh_redraws_when_an_append_cannot_say_what_changed(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _ward_with_patient(engine, staff, ward)
    nurse = staff["nurse1"]

    def cursor_now() -> object:
        with Session(engine) as session:
            chart = patient_chart(session, admission_id, now=DRAWN_AT)
        assert chart is not None
        return chart.cursor

    # A reading back-dated before the last one drawn.
    cursor = cursor_now()
    with transaction(engine) as session:
        at = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)
        record_assessment(
            session=session,
            actor=nurse,
            now=DRAWN_AT,
            data=WithdrawalAssessmentCreate(
                admission_id=admission_id,
                taken_at=at,
                items=_items(12),
            ),
        )
    with Session(engine) as session:
        assert chart_append(session, admission_id, cursor, now=DRAWN_AT) is None  # type: ignore[arg-type]
    # An entry marked in error.
    cursor = cursor_now()
    with transaction(engine) as session:
        mark_in_error(session=session, actor=nurse, entity="assessment", record_id=1,
                      reason="wrong patient", now=DRAWN_AT)  # fmt: skip
    with Session(engine) as session:
        assert chart_append(session, admission_id, cursor, now=DRAWN_AT) is None  # type: ignore[arg-type]
    # A new plan version.
    cursor = cursor_now()
    with transaction(engine) as session:
        apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange(kind="hold", reason="r", hold_days=3),
            now=DRAWN_AT,
        )
    with Session(engine) as session:
        assert chart_append(session, admission_id, cursor, now=DRAWN_AT) is None  # type: ignore[arg-type]


def test_step_tolerance_compares_the_days_before_and_after_each_step() -> None:
    steps = [
        make_step(index=0, start=date(2026, 2, 28), daily_ug={"clonazepam": 2000},
                  kind="baseline"),
        make_step(index=1, start=date(2026, 3, 8), daily_ug={"clonazepam": 1750}, kind="cut"),
        make_step(index=2, start=date(2026, 3, 20), daily_ug={"clonazepam": 1500}, kind="cut"),
    ]  # fmt: skip
    at = _march
    result = step_tolerance(
        steps,
        scores=[
            (datetime(2026, 2, 28, 9, tzinfo=UTC), 30),  # more than 7 days before the step
            (at(6, 9), 8),
            (at(7, 9), 12),
            (at(8, 9), 20),
            (at(9, 9), 30),
            (at(15, 9), 40),  # more than 7 days after it
        ],
        prn_at=[at(5, 9), at(9, 9), at(10, 9), at(14, 23), at(15, 0)],
        abnormal_at=[at(7, 9), at(9, 9), at(14, 9)],
        missed_at=[at(8, 20), at(1, 9)],
        dose_times=[at(d, h) for d in range(1, 21) for h in (8, 20)],
        admitted_at=datetime(2026, 2, 20, 9, tzinfo=UTC),
        policy=StepPolicy(window_days=7, margin_points=5, min_readings=2, prn_margin=2),
        tz=LONDON,
        now=at(12, 9),
    )
    assert set(result) == {1}  # not the baseline, not a step still to come
    step = result[1]
    assert (step.before_mean, step.before_max) == (10.0, 12)
    assert (step.after_mean, step.after_max) == (25.0, 30)
    assert (step.abnormal_vitals, step.missed_doses) == (2, 1)
    assert (step.prn_before, step.prn_after) == (1, 3)  # 15 Mar 00:00 ends the 7-day window
    assert step.rise == 15.0 and step.worse
    assert step.judgement.verdict is StepVerdict.NOT_TOLERATED and step.judgement.severity == "high"
    assert step.starts_at == datetime(2026, 3, 8, tzinfo=UTC)  # midnight: admitted before it


def test_plan_panel_marks_the_step_not_tolerated(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _ward_with_patient(engine, staff, ward)
    with Session(engine) as session:
        data = plan_panel_data(session, admission_id, now=DRAWN_AT)
    assert data is not None and data.plan is not None
    cut = data.tolerance[2]  # the 8 Mar cut: CIWA-B 10 before, 25 after
    assert (cut.before_mean, cut.after_mean, cut.worse) == (10.0, 25.0, True)
    assert data.tolerance[1].worse is False
    assert data.today == date(2026, 3, 10)


def test_rounds_summary_counts_since_the_last_signed_note(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _ward_with_patient(engine, staff, ward)
    note_at = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)
    with transaction(engine) as session:
        sign_rounds_note(session=session, actor=staff["doctor1"], admission_id=admission_id,
                         decision="continue", reason="Settled", now=note_at)  # fmt: skip
        session.add(Flag(admission_id=admission_id, rule="step_not_tolerated",
                         subject="step:2026-03-08", severity="high", message="CIWA-B up",
                         raised_at=note_at, updated_at=note_at))  # fmt: skip
    with Session(engine) as session:
        stored = session.get(Ward, ward.id)
        assert stored is not None
        mine = rounds_summaries(session, stored, now=DRAWN_AT,
                                attending_id=staff["doctor1"].user_id)  # fmt: skip
        nobody = rounds_summaries(session, stored, now=DRAWN_AT, attending_id=-1)
    assert nobody == []
    (summary,) = mine
    assert summary.since == note_at and summary.last_note is not None
    # Only the 10 Mar score is after the note.
    assert summary.scores is not None
    assert (summary.scores.first, summary.scores.last, summary.scores.count) == (25, 25, 1)
    assert summary.scores.recent == [25]
    # Since the note: 9 Mar 20:00 (given late) and 10 Mar 08:00 (held) were due.
    assert (summary.doses_planned, summary.doses_given) == (2, 1)
    assert summary.doses_not_given == {"held": 1}
    assert [f.rule for f in summary.open_flags] == ["step_not_tolerated"]
    assert summary.current_step is not None and summary.current_step.start == date(2026, 3, 8)
    assert summary.next_step is not None and summary.next_step.start == date(2026, 3, 15)
    assert summary.highest_news2 is None  # the only vital signs predate the note
    assert datetime.combine(summary.current_step.start, time(0), LONDON) < DRAWN_AT


def test_the_mar_finds_each_doses_administration_by_the_one_valid_index(
    sqlite_engine: Engine,
) -> None:
    """The slot-to-administration join names entered_in_error the way the partial index
    uq_dose_administration_one_valid does (``= 0``, not ``IS 0``): otherwise SQLite scans
    every administration of the ward for each dose of the stay."""
    from dashboard.mar_queries import _mar_statements

    for since in (False, True):
        slots, _ = _mar_statements(since, True)
        sql = str(slots.compile(sqlite_engine))
        with sqlite_engine.connect() as conn:
            plan = conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, tuple([1] + ["2026-01-01 00:00:00"] * (1 + since))
            ).all()
        details = " / ".join(str(row[-1]) for row in plan)
        assert "USING INDEX uq_dose_administration_one_valid" in details, details
        assert "SCAN given" not in details, details


def test_a_flag_mark_is_in_the_readers_language(app: dash.Dash) -> None:
    """The chart's flag marks: the rule's label and the message rendered from its code and
    values in the reader's language; a row without a code keeps its stored English."""
    at = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    coded = Flag(admission_id=1, rule="prn_use", subject="admission", severity="medium",
                 message="3 PRN doses (limit 2)", message_code="prn_doses",
                 message_values={"doses": 3, "limit": 2}, raised_at=at, updated_at=at)  # fmt: skip
    old = Flag(admission_id=1, rule="prn_use", subject="admission", severity="medium",
               message="an old English message", raised_at=at, updated_at=at)  # fmt: skip
    english = _flag_mark(coded)
    assert (english.message, english.label) == ("3 PRN doses (limit 2)", "PRN use")
    with app.server.test_request_context("/", headers={"Accept-Language": "fr-FR"}):
        french, kept = _flag_mark(coded), _flag_mark(old)
    assert french.message == "3 prises si besoin (limite 2)"
    assert french.label == "Prises si besoin"
    assert kept.message == "an old English message"
