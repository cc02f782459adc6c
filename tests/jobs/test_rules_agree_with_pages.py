"""One rule, one home: on generated wards, what the ward board, the MAR, the plan panel and the
rounds page show (due and overdue, missed doses, step verdicts, NEWS2 level, standing severity)
agrees with what the review rules raise, on SQLite and on PostgreSQL.

Each example writes a new ward with a few admissions (plans, doses given, held, late and
missed, PRN doses, vital signs and CIWA-B scores over days, some marked in error) into the
test's database, runs one scan at ``NOW``, and compares flag by flag."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.board_queries import ward_board
from dashboard.mar_queries import mar_entries
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.rounds_queries import rounds_summaries
from jobs.scan import run_scan
from models.admissions import admit, ensure_ward
from models.audit import Actor
from models.charting import chart_dose, chart_prn, mark_in_error, record_assessment, record_vitals
from models.clinical.levels import news2_level
from models.clinical.news2 import news2_response
from models.clinical.observations import is_overdue
from models.clinical.tolerance import CHANGING_STEP_KINDS, StepVerdict
from models.clinical.withdrawal import standing_severity
from models.db import transaction
from models.errors import FieldError
from models.prn_orders import PrnOrderForm, write_prn_order
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.tables import Flag, ScheduledDose, TaperPlan, TaperStep, User, Ward
from tests.factories import SYSTEM, make_staff

NOW = datetime(2026, 3, 20, 13, 7, tzinfo=UTC)  # London is on UTC until 29 March
H = timedelta(hours=1)
_serial = itertools.count(1)


@dataclass(frozen=True)
class Reading:
    hours_ago: float
    in_error: bool


@dataclass(frozen=True)
class Vital(Reading):
    heart_rate: int
    resp_rate: int
    spo2: int
    systolic: int
    temperature_c: float
    consciousness: str


@dataclass(frozen=True)
class Score(Reading):
    total: int


@dataclass(frozen=True)
class Slot:
    hours_ago: float  # negative: still to come
    per_day: int
    outcome: str  # none | given | given_late | held


@dataclass(frozen=True)
class Patient:
    admitted_hours_ago: float
    plan_steps: tuple[int, ...]  # days before NOW of each cut (empty: no plan)
    slots: tuple[Slot, ...]
    vitals: tuple[Vital, ...]
    scores: tuple[Score, ...]
    prn_hours_ago: tuple[float, ...]


# Times near the intervals' edges (30 min, 1, 2, 3, 4 and 8 h, a day), where a rule and a page
# that disagree by a minute or a case would show it, and anywhere in the stay.
NEAR_EDGES = st.sampled_from(
    [0.45, 0.55, 0.95, 1.05, 1.95, 2.05, 2.95, 3.05, 3.95, 4.05, 7.95, 8.05, 23.9, 24.1]
)
ANY_TIME = st.floats(0.05, 200, allow_nan=False).map(lambda h: round(h, 2))


def _reading(kind: type[Reading], **fields: st.SearchStrategy[object]) -> st.SearchStrategy:
    return st.builds(
        kind,
        hours_ago=NEAR_EDGES | ANY_TIME,
        in_error=st.sampled_from([False, False, False, True]),
        **fields,
    )


VITALS = _reading(
    Vital,
    heart_rate=st.sampled_from([45, 70, 95, 115, 135]),
    resp_rate=st.sampled_from([8, 16, 22, 26]),
    spo2=st.sampled_from([90, 94, 97]),
    systolic=st.sampled_from([95, 120, 225]),
    temperature_c=st.sampled_from([35.0, 37.0, 38.5]),
    consciousness=st.sampled_from(["A", "A", "A", "V"]),
)
# Totals at the bands' edges (20/21, 40/41, 60/61) and the standing thresholds (30, 41).
SCORES = _reading(
    Score,
    total=st.sampled_from([0, 12, 20, 21, 29, 30, 33, 40, 41, 50, 60, 61, 75]) | st.integers(0, 80),
)
SLOTS = st.builds(
    Slot,
    hours_ago=NEAR_EDGES | st.floats(-10, 72, allow_nan=False).map(lambda h: round(h, 2)),
    per_day=st.sampled_from([1, 2, 8]),
    outcome=st.sampled_from(["none", "none", "given", "given_late", "held"]),
)
PATIENTS = st.builds(
    Patient,
    admitted_hours_ago=st.sampled_from([0.9, 2.5, 4.5, 25.0]) | st.floats(2, 300).map(round),
    plan_steps=st.lists(st.integers(0, 12), max_size=3, unique=True).map(
        lambda days: tuple(sorted(days, reverse=True))
    ),
    slots=st.lists(SLOTS, max_size=5).map(tuple),
    vitals=st.lists(VITALS, max_size=4).map(tuple),
    scores=st.lists(SCORES, max_size=6).map(tuple),
    prn_hours_ago=st.lists(st.floats(0.1, 60, allow_nan=False), max_size=4).map(tuple),
)


def _write_patient(
    engine: Engine, ward: Ward, staff: dict[str, Actor], patient: Patient, n: int
) -> int:
    admitted = NOW - patient.admitted_hours_ago * H
    assert ward.id is not None
    with transaction(engine) as session:
        admission = admit(
            session=session,
            actor=SYSTEM,
            ward_id=ward.id,
            mrn=f"GEN{n}",
            family_name=f"Gen{n}",
            given_name="Test",
            birth_date=date(1970, 1, 1),
            sex="female",
            bed=f"G{n}",
            attending_id=staff["doctor1"].user_id or 0,
            drug="clonazepam",
            daily_ug=2000,
            admitted_at=admitted,
            now=admitted,
        )
        admission_id = admission.id
        assert admission_id is not None
    plan_id = _write_plan(engine, staff, admission_id, patient, admitted)
    for reading in patient.vitals:
        at = NOW - reading.hours_ago * H
        if at < admitted:
            continue
        with transaction(engine) as session:
            row = record_vitals(
                session=session,
                actor=staff["nurse1"],
                now=at,
                data=VitalSignsCreate(
                    admission_id=admission_id,
                    taken_at=at,
                    heart_rate=reading.heart_rate,
                    systolic=reading.systolic,
                    diastolic=70,
                    temperature_c=reading.temperature_c,
                    resp_rate=reading.resp_rate,
                    spo2=reading.spo2,
                    supplemental_o2=False,
                    consciousness=reading.consciousness,
                ),
            )
            if reading.in_error:
                _in_error(session, staff, "vitals", row.id)
    for score in patient.scores:
        at = NOW - score.hours_ago * H
        if at < admitted:
            continue
        items = {i: min(4, max(0, score.total - 4 * (i - 1))) for i in range(1, 21)}
        with transaction(engine) as session:
            row = record_assessment(
                session=session,
                actor=staff["nurse1"],
                now=at,
                data=WithdrawalAssessmentCreate(
                    admission_id=admission_id,
                    taken_at=at,
                    items=items,
                ),
            )
            if score.in_error:
                _in_error(session, staff, "assessment", row.id)
    if patient.prn_hours_ago:
        with transaction(engine) as session:
            order = write_prn_order(
                session=session,
                actor=staff["doctor1"],
                admission_id=admission_id,
                form=PrnOrderForm(
                    drug="diazepam",
                    dose_ug=5000,
                    min_interval_min=15,
                    max_doses_24h=8,
                    max_ug_24h=40000,
                    indication="Withdrawal symptoms",
                ),
                reason="generated",
                now=admitted,
            )
            order_id = order.id
        assert order_id is not None
    for hours in sorted(patient.prn_hours_ago, reverse=True):
        at = NOW - hours * H
        if at < admitted:
            continue
        try:
            with transaction(engine) as session:
                chart_prn(
                    session=session,
                    actor=staff["nurse1"],
                    now=at,
                    data=PrnAdministrationCreate(
                        admission_id=admission_id,
                        prn_order_id=order_id,
                        administered_at=at,
                        reason_text="Anxious",
                    ),
                )
        except FieldError:
            continue  # inside the order's interval: not given
    if plan_id is not None:
        _write_slots(engine, staff, admission_id, plan_id, patient, admitted)
    return admission_id


def _in_error(session: Session, staff: dict[str, Actor], entity: str, row_id: int | None) -> None:
    assert row_id is not None
    mark_in_error(
        session=session,
        actor=staff["nurse1"],
        entity=entity,
        record_id=row_id,
        reason="Wrong patient",
        now=NOW,
    )


def _write_plan(
    engine: Engine, staff: dict[str, Actor], admission_id: int, patient: Patient, admitted: datetime
) -> int | None:
    if not patient.plan_steps:
        return None
    today = NOW.date()
    first = today - timedelta(days=max(patient.plan_steps))
    with transaction(engine) as session:
        plan = TaperPlan(
            admission_id=admission_id,
            version=1,
            drug="clonazepam",
            daily_ug=2000,
            recipe="-0.25mg/7d",
            start_date=first,
            effective_from=first,
            change="create",
            status="active",
            author_id=staff["doctor1"].user_id or 0,
            reason="generated",
        )
        session.add(plan)
        session.flush()
        assert plan.id is not None
        steps = [(first - timedelta(days=1), "baseline")]
        steps += [(today - timedelta(days=d), "cut") for d in patient.plan_steps]
        for index, (start, kind) in enumerate(steps):
            session.add(
                TaperStep(
                    plan_id=plan.id,
                    step_index=index,
                    start_date=start,
                    drug="clonazepam",
                    daily_ug=2000 - 250 * index,
                    kind=kind,
                )
            )
        return plan.id


def _write_slots(
    engine: Engine,
    staff: dict[str, Actor],
    admission_id: int,
    plan_id: int,
    patient: Patient,
    admitted: datetime,
) -> None:
    seen: set[datetime] = set()
    for slot in patient.slots:
        at = (NOW - slot.hours_ago * H).replace(second=0, microsecond=0)
        if at < admitted or at in seen:
            continue
        seen.add(at)
        with transaction(engine) as session:
            row = ScheduledDose(
                admission_id=admission_id,
                plan_id=plan_id,
                drug="clonazepam",
                dose_ug=500,
                scheduled_at=at,
                local_date=at.date(),
                local_time=f"{at:%H:%M}",
                doses_per_day=slot.per_day,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            given_at = {"given": at, "given_late": at + 3 * H, "held": at}.get(slot.outcome)
            if given_at is None or given_at > NOW:
                continue
            chart_dose(
                session=session,
                actor=staff["nurse1"],
                now=given_at,
                data=DoseAdministrationCreate(
                    scheduled_dose_id=row.id,
                    status="held" if slot.outcome == "held" else "given",
                    administered_at=given_at,
                    reason_code="too_drowsy" if slot.outcome == "held" else None,
                ),
            )


def _staff(session: Session) -> dict[str, Actor]:
    """The test's staff, made in the first example of each database."""
    users = {u.username: u for u in session.exec(select(User))}
    if not users:
        return make_staff(session)
    return {name: Actor(u.id, u.username, u.role) for name, u in users.items()}


def _raised(engine: Engine, admission_ids: set[int]) -> dict[tuple[int, str], dict[str, Flag]]:
    """The unresolved flags of these admissions by (admission, rule), then subject."""
    out: dict[tuple[int, str], dict[str, Flag]] = {}
    with Session(engine) as session:
        for flag in session.exec(
            select(Flag).where(
                col(Flag.admission_id).in_(admission_ids), col(Flag.status) != "resolved"
            )
        ):
            out.setdefault((flag.admission_id, flag.rule), {})[flag.subject] = flag
    return out


POLICIES = st.fixed_dictionaries(
    {
        "vitals_interval_min": st.sampled_from([30, 60, 240]),
        "reassess_interval_min": st.sampled_from([180, 240]),
        "reassess_interval_moderate_min": st.sampled_from([60, 120]),
        "standing_ciwa_b_total": st.sampled_from([30, 41]),
        "step_margin_points": st.sampled_from([3, 5]),
        "step_min_readings": st.sampled_from([1, 2]),
        "doses_time_critical": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),  # a failure prints its ward; no slow shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(patients=st.lists(PATIENTS, min_size=1, max_size=3), policy=POLICIES)
def test_the_pages_and_the_rules_agree(
    engine: Engine, patients: list[Patient], policy: dict[str, object]
) -> None:
    n = next(_serial)
    with transaction(engine) as session:
        ward = ensure_ward(
            session=session, actor=SYSTEM, name=f"Gen ward {n}", timezone="Europe/London"
        )
        for name, value in policy.items():
            setattr(ward, name, value)
        session.add(ward)
        staff = _staff(session)
    ids = {
        _write_patient(engine, ward, staff, patient, n * 10 + i)
        for i, patient in enumerate(patients)
    }
    report = run_scan(engine, now=NOW)
    assert report.errors == []
    raised = _raised(engine, ids)

    def flags(admission_id: int, rule: str) -> dict[str, Flag]:
        return raised.get((admission_id, rule), {})

    with Session(engine) as session:
        board = {e.admission_id: e for e in ward_board(session, ward, NOW)}
        rounds = {s.admission_id: s for s in rounds_summaries(session, ward, now=NOW)}
        assert set(board) == ids == set(rounds)
        for admission_id, entry in board.items():
            context = f"admission {admission_id}"
            # Due and overdue: the board's Due column and the overdue rules.
            assert is_overdue(entry.next_assessment_due, NOW) == bool(
                flags(admission_id, "assessment_overdue")
            ), context
            assert is_overdue(entry.next_vitals_due, NOW) == bool(
                flags(admission_id, "vitals_overdue")
            ), context
            # NEWS2: the level the board colours, and the flag the rule raises.
            v = entry.last_vitals
            expected_news2 = (
                news2_response(v.news2_total, v.news2_any_three).flag_severity if v else None
            )
            news2_flags = flags(admission_id, "news2")
            assert (news2_flags["admission"].severity if news2_flags else None) == expected_news2
            if v is not None:
                assert (news2_level(v.news2_total, v.news2_any_three) >= 2) == bool(news2_flags)
            # Standing severity: the board's last CIWA-B against the ward's threshold.
            last = entry.last_ciwa
            standing = (
                standing_severity("CIWA-B", last.total, ward.standing_ciwa_b_total)
                if last
                else None
            )
            severe = flags(admission_id, "severe_withdrawal")
            assert (severe["CIWA-B"].severity if severe else None) == (
                standing.severity if standing else None
            ), context
            # Missed doses: the MAR's statuses and the missed-dose flags, slot by slot.
            missed = {
                f"dose:{m.slot_id}"
                for m in mar_entries(session, admission_id, ward, now=NOW, until=NOW)
                if m.status == "missed"
            }
            assert missed == set(flags(admission_id, "missed_dose")), context
            # Step verdict: the plan panel's verdict of the latest changing step.
            panel = plan_panel_data(session, admission_id, now=NOW)
            assert panel is not None
            started = [
                s for s in panel.steps if s.kind in CHANGING_STEP_KINDS and s.start <= NOW.date()
            ]
            latest_any = max(
                (s for s in panel.steps if s.kind != "baseline" and s.start <= NOW.date()),
                key=lambda s: (s.start, s.index),
                default=None,
            )
            step_flags = flags(admission_id, "step_not_tolerated")
            if latest_any is not None and started and latest_any in started:
                judged = panel.tolerance.get(latest_any.index)
                # Absent: the step takes effect later today (its first dose after admission).
                verdict = judged.judgement.verdict if judged else StepVerdict.NOT_STARTED
                subject = f"step:{latest_any.start.isoformat()}"
                assert (subject in step_flags) == (verdict is StepVerdict.NOT_TOLERATED), context
            else:
                assert step_flags == {}, context
            # The rounds page lists the same unresolved flags.
            assert {(f.rule, f.subject) for f in rounds[admission_id].open_flags} == {
                (rule, subject)
                for (adm, rule), by_subject in raised.items()
                if adm == admission_id
                for subject in by_subject
            }
