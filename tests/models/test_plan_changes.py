"""Plan changes and rounds decisions: a new plan version from today, only future uncharted MAR
slots regenerated, physicians only (refused in the domain), every change audited. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.charting import chart_dose
from models.clinical.taper import make_step
from models.db import transaction
from models.errors import FieldError, PermissionDenied
from models.plan_changes import PlanChange, PlanSpec, advance_steps, apply_change, create_plan
from models.plans import active_plan, stored_steps
from models.rounds import sign_rounds_note
from models.schemas import DoseAdministrationCreate
from models.tables import AuditEvent, RoundsNote, ScheduledDose, TaperPlan, Ward
from seed_data.factories import start_taper
from tests.factories import admit_patient

# Europe/London is on GMT in early March: local wall-clock time equals UTC.
PLANNED_AT = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
CHANGE_AT = datetime(2026, 3, 10, 19, 35, tzinfo=UTC)  # after 08:00, before the 20:00 dose


def _admitted_with_plan(engine: Engine, staff: dict[str, Actor], ward: Ward) -> int:
    """Clonazepam 2 mg/day, -0.25 mg every week from 1 Mar; every dose up to 9 Mar 08:00
    given, 9 Mar 20:00 and 10 Mar 08:00 never charted, 10 Mar 20:00 given early at 19:30."""
    assert ward.id is not None
    with transaction(engine) as session:
        admission = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=PLANNED_AT,
            mrn="TW1",
            birth_date=date(1970, 1, 1),
            admitted_at=PLANNED_AT - timedelta(hours=2),
        )
        assert admission.id is not None
        start_taper(
            session,
            actor=staff["doctor1"],
            admission_id=admission.id,
            start=date(2026, 3, 1),
            now=PLANNED_AT,
        )
        slots = session.exec(
            select(ScheduledDose)
            .where(col(ScheduledDose.scheduled_at) <= CHANGE_AT + timedelta(hours=1))
            .order_by(col(ScheduledDose.scheduled_at))
        ).all()
        for slot in slots:
            assert slot.id is not None
            if slot.scheduled_at in (
                datetime(2026, 3, 9, 20, tzinfo=UTC),
                datetime(2026, 3, 10, 8, tzinfo=UTC),
            ):
                continue
            at = min(slot.scheduled_at + timedelta(minutes=5), CHANGE_AT - timedelta(minutes=5))
            chart_dose(
                session=session,
                actor=staff["nurse1"],
                now=at + timedelta(minutes=1),
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id,
                    status="given",
                    administered_at=at,
                ),
            )
        return admission.id


def _slots(session: Session, admission_id: int) -> list[ScheduledDose]:
    return list(
        session.exec(
            select(ScheduledDose)
            .where(ScheduledDose.admission_id == admission_id)
            .order_by(col(ScheduledDose.scheduled_at), col(ScheduledDose.id))
        )
    )


def test_a_hold_regenerates_only_future_uncharted_slots(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    with Session(engine) as session:
        slots = _slots(session, admission_id)
        before = {s.id: (s.plan_id, s.dose_ug, s.cancelled_at) for s in slots}
        v1 = active_plan(session, admission_id)
        assert v1 is not None
    with transaction(engine) as session:
        v2 = apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange(kind="hold", reason="CIWA-B up since the cut", hold_days=7),
            now=CHANGE_AT,
        )
    with Session(engine) as session:
        slots = _slots(session, admission_id)
        charted_early = datetime(2026, 3, 10, 20, tzinfo=UTC)
        for slot in slots:
            if slot.id in before and (
                slot.scheduled_at < CHANGE_AT or slot.scheduled_at == charted_early
            ):
                # The past (charted or missed) and the dose already given: untouched.
                assert (slot.plan_id, slot.dose_ug, slot.cancelled_at) == before[slot.id]
            elif slot.id in before:
                assert slot.plan_id == v1.id and slot.cancelled_at == CHANGE_AT
            else:
                assert slot.plan_id == v2.id and slot.cancelled_at is None
                assert slot.scheduled_at > charted_early
        live = [s for s in slots if s.cancelled_at is None]
        assert len({(s.drug, s.scheduled_at) for s in live}) == len(live)
        new = [s for s in live if s.plan_id == v2.id]
        assert new and min(s.scheduled_at for s in new) == datetime(2026, 3, 11, 8, tzinfo=UTC)
        # Held at 1.5 mg/day (0.75 per dose) for a week past the planned 15 Mar cut.
        held_week = [s for s in new if s.scheduled_at < datetime(2026, 3, 22, tzinfo=UTC)]
        assert {s.dose_ug for s in held_week} == {750}
        assert {s.dose_ug for s in new if s.local_date == date(2026, 3, 22)} == {625}
        plans = session.exec(select(TaperPlan).order_by(col(TaperPlan.version))).all()
        assert [(p.version, p.status, p.change) for p in plans] == [
            (1, "superseded", "create"),
            (2, "active", "hold"),
        ]
        assert plans[1].hold_until == date(2026, 3, 17)
        actions = [e.action for e in session.exec(select(AuditEvent))]
        assert {"plan.supersede", "plan.hold", "mar.regenerate"} <= set(actions)


def test_past_steps_are_kept_and_advance_brings_the_next_cut_to_today(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    with Session(engine) as session:
        v1 = active_plan(session, admission_id)
        assert v1 is not None
        old_steps = stored_steps(session, v1)
    with transaction(engine) as session:
        v2 = apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=PlanChange(kind="advance", reason="Settled on 1.5 mg"),
            now=CHANGE_AT,
        )
    with Session(engine) as session:
        steps = stored_steps(session, v2)
        today = date(2026, 3, 10)
        assert [s for s in steps if s.start < today] == [s for s in old_steps if s.start < today]
        cut = next(s for s in steps if s.start == today)
        assert cut.daily_ug == {"clonazepam": 1250}
        assert steps[-1].daily_ug == {"clonazepam": 0}
        # The next change comes one interval after today, not after the old date.
        assert any(s.start == today + timedelta(days=7) for s in steps)


@pytest.mark.parametrize(
    ("change", "expected_kind"),
    [
        (PlanChange(kind="back", reason="Too much at 1.5 mg"), "back"),
        (PlanChange(kind="recipe", reason="Slower", recipe="-10%/14d"), "baseline"),
        (PlanChange(kind="hold", reason="Pause", hold_days=None), "hold"),
    ],
)
def test_each_change_makes_a_version_from_today(
    engine: Engine, staff: dict[str, Actor], ward: Ward, change: PlanChange, expected_kind: str
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    with transaction(engine) as session:
        plan = apply_change(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            change=change,
            now=CHANGE_AT,
        )
    with Session(engine) as session:
        steps = stored_steps(session, plan)
        today_step = next(s for s in steps if s.start == date(2026, 3, 10))
        assert today_step.kind == expected_kind
        assert plan.version == 2 and plan.change == change.kind
        if change.kind == "back":
            assert today_step.daily_ug == {"clonazepam": 1750}
        if change.kind == "recipe":
            assert plan.recipe == "-10%/14d"
        if change.kind == "hold":
            assert steps[-1] == today_step  # open-ended: nothing planned after it


def test_a_nurse_cannot_change_or_create_a_plan(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    with Session(engine) as session:
        events_before = len(session.exec(select(AuditEvent)).all())
    for nurse_action in (
        lambda s: apply_change(
            session=s,
            actor=staff["nurse1"],
            admission_id=admission_id,
            change=PlanChange(kind="hold", reason="x", hold_days=3),
            now=CHANGE_AT,
        ),
        lambda s: create_plan(
            session=s,
            actor=staff["nurse1"],
            admission_id=admission_id,
            new_plan=PlanSpec(
                drug="clonazepam",
                daily_ug=1500,
                recipe="-10%/14d",
                start=date(2026, 3, 11),
                reason="x",
            ),
            now=CHANGE_AT,
        ),
        lambda s: sign_rounds_note(
            session=s,
            actor=staff["nurse1"],
            admission_id=admission_id,
            decision="hold",
            reason="x",
            hold_days=3,
            now=CHANGE_AT,
        ),
    ):
        with pytest.raises(PermissionDenied), transaction(engine) as session:
            nurse_action(session)
    with Session(engine) as session:
        plans = session.exec(select(TaperPlan)).all()
        assert [(p.version, p.status) for p in plans] == [(1, "active")]
        assert len(session.exec(select(AuditEvent)).all()) == events_before
        assert session.exec(select(RoundsNote)).all() == []


def test_a_signed_hold_at_rounds_is_a_note_a_plan_version_and_audited(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    doctor = staff["doctor1"]
    with transaction(engine) as session:
        note = sign_rounds_note(
            session=session,
            actor=doctor,
            admission_id=admission_id,
            decision="hold",
            reason="Step not tolerated",
            hold_days=5,
            now=CHANGE_AT,
        )
    with Session(engine) as session:
        stored = session.get(RoundsNote, note.id)
        plan = active_plan(session, admission_id)
        assert stored is not None and plan is not None
        assert (stored.decision, stored.reason, stored.author_id) == (
            "hold",
            "Step not tolerated",
            doctor.user_id,
        )
        assert stored.signed_at == CHANGE_AT and stored.plan_id == plan.id
        assert plan.version == 2 and plan.change == "hold"
        assert plan.reason == "Rounds: Step not tolerated"
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "rounds.hold")).all()
        assert len(events) == 1
        event = events[0]
        assert (event.entity, event.entity_id, event.user_id) == (
            "rounds_note",
            note.id,
            doctor.user_id,
        )
        assert event.after is not None and event.after["plan_id"] == plan.id


def test_continue_signs_a_note_without_a_new_version_and_a_reason_is_required(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    with pytest.raises(FieldError) as caught, transaction(engine) as session:
        sign_rounds_note(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            decision="hold",
            reason="  ",
            hold_days=5,
            now=CHANGE_AT,
        )
    assert caught.value.field == "reason"
    with transaction(engine) as session:
        note = sign_rounds_note(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            decision="continue",
            reason="Tolerating the taper",
            now=CHANGE_AT,
        )
    with Session(engine) as session:
        plans = session.exec(select(TaperPlan)).all()
        assert [(p.version, p.status) for p in plans] == [(1, "active")]
        assert note.plan_id == plans[0].id
        assert [n.decision for n in session.exec(select(RoundsNote))] == ["continue"]


def test_advance_refuses_a_second_change_the_same_day_and_an_ended_taper() -> None:
    steps = [
        make_step(index=0, start=date(2026, 3, 1), daily_ug={"clonazepam": 1000}, kind="baseline"),
        make_step(index=1, start=date(2026, 3, 8), daily_ug={"clonazepam": 750}, kind="cut"),
        make_step(index=2, start=date(2026, 3, 15), daily_ug={"clonazepam": 0}, kind="final"),
    ]
    with pytest.raises(FieldError):
        advance_steps(steps, on=date(2026, 3, 8))
    with pytest.raises(FieldError):
        advance_steps(steps, on=date(2026, 3, 20))
    advanced = advance_steps(steps, on=date(2026, 3, 10))
    assert [s.start for s in advanced] == [date(2026, 3, 1), date(2026, 3, 8), date(2026, 3, 10)]


def test_advancing_at_rounds_a_plan_on_hold_until_resumed_resumes_it(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    doctor = staff["doctor1"]
    with transaction(engine) as session:
        apply_change(
            session=session,
            actor=doctor,
            admission_id=admission_id,
            change=PlanChange(kind="hold", reason="Pause", hold_days=None),
            now=CHANGE_AT - timedelta(days=8),
        )
    with transaction(engine) as session:
        note = sign_rounds_note(
            session=session,
            actor=doctor,
            admission_id=admission_id,
            decision="advance",
            reason="Settled on the held dose",
            now=CHANGE_AT,
        )
    with Session(engine) as session:
        plan = active_plan(session, admission_id)
        assert plan is not None and plan.id == note.plan_id
        assert (plan.version, plan.change) == (3, "resume")
        steps = stored_steps(session, plan)
        # Held at 1.75 mg from 2 Mar for over a week: the next cut comes today.
        assert [(s.start, s.daily_ug) for s in steps if s.start >= date(2026, 3, 10)][0] == (
            date(2026, 3, 10),
            {"clonazepam": 1500},
        )


def test_resuming_a_hold_made_open_ended_keeps_the_earlier_holds_delay(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    # -0.25 mg a week from 1 Mar: 1.75 mg from 1 Mar, next cut due 8 Mar. Held 10 days on
    # 3 Mar (next cut 18 Mar), made open-ended on 5 Mar, resumed on 6 Mar: the next cut stays on
    # 18 Mar. The steps alone no longer show the 10 days; the version the open hold replaced
    # does.
    admission_id = _admitted_with_plan(engine, staff, ward)
    doctor = staff["doctor1"]
    changes = [
        (PlanChange(kind="hold", reason="Unsettled", hold_days=10), date(2026, 3, 3)),
        (PlanChange(kind="hold", reason="Still unsettled", hold_days=None), date(2026, 3, 5)),
        (PlanChange(kind="resume", reason="Settled"), date(2026, 3, 6)),
    ]
    for change, day in changes:
        with transaction(engine) as session:
            apply_change(
                session=session,
                actor=doctor,
                admission_id=admission_id,
                change=change,
                now=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12),
            )
    with Session(engine) as session:
        plan = active_plan(session, admission_id)
        assert plan is not None and (plan.version, plan.change) == (4, "resume")
        steps = [(s.start, s.daily_ug["clonazepam"], s.kind) for s in stored_steps(session, plan)]
    assert steps[:6] == [
        (date(2026, 2, 28), 2000, "baseline"),
        (date(2026, 3, 1), 1750, "cut"),
        (date(2026, 3, 3), 1750, "hold"),
        (date(2026, 3, 5), 1750, "hold"),
        (date(2026, 3, 18), 1500, "cut"),
        (date(2026, 3, 25), 1250, "cut"),
    ]


def test_resuming_a_hold_made_open_twice_keeps_the_delay_of_the_hold_before_both(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_plan(engine, staff, ward)
    changes = [
        (PlanChange(kind="hold", reason="Unsettled", hold_days=10), date(2026, 3, 3)),
        (PlanChange(kind="hold", reason="Still unsettled", hold_days=None), date(2026, 3, 5)),
        (PlanChange(kind="hold", reason="Re-held", hold_days=None), date(2026, 3, 6)),
        (PlanChange(kind="resume", reason="Settled"), date(2026, 3, 7)),
    ]
    for change, day in changes:
        with transaction(engine) as session:
            apply_change(
                session=session,
                actor=staff["doctor1"],
                admission_id=admission_id,
                change=change,
                now=datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12),
            )
    with Session(engine) as session:
        plan = active_plan(session, admission_id)
        assert plan is not None
        after = [(s.start, s.daily_ug["clonazepam"]) for s in stored_steps(session, plan)]
    assert [a for a in after if a[0] > date(2026, 3, 6)][:2] == [
        (date(2026, 3, 18), 1500),
        (date(2026, 3, 25), 1250),
    ]
