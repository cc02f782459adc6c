"""The hourly MAR top-up writes dose slots, and every write is audited: the board's cache keys
on the newest audit event (dashboard.board_queries.data_version), so a top-up moves that key and the
board works its rows out again at once instead of after its reuse cap."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from dashboard.board_queries import data_version
from models.audit import SYSTEM, Actor
from models.db import transaction
from models.plan_changes import PlanSpec, create_plan
from models.plans import top_up_mar
from models.tables import AuditEvent, ScheduledDose, TaperPlan, Ward
from tests.conftest import NOW
from tests.factories import admit_patient


def _admitted_with_a_plan(engine: Engine, staff: dict[str, Actor], ward: Ward) -> int:
    with transaction(engine) as session:
        admission = admit_patient(session, staff=staff, ward=ward, now=NOW)
        assert admission.id is not None
        today = NOW.astimezone(ZoneInfo(ward.timezone)).date()
        create_plan(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission.id,
            new_plan=PlanSpec("clonazepam", 2000, "-10%/14d", today, "Taper"),
            now=NOW,
        )
        return admission.id


def test_a_top_up_is_audited_and_moves_the_boards_version_key(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    admission_id = _admitted_with_a_plan(engine, staff, ward)
    later = NOW + timedelta(days=3)
    before = data_version(engine)
    with transaction(engine) as session:
        slots_before = session.exec(select(func.count()).select_from(ScheduledDose)).one()
        made = top_up_mar(session=session, now=later)
        slots_after = session.exec(select(func.count()).select_from(ScheduledDose)).one()
    assert made > 0 and slots_after - slots_before == made
    assert data_version(engine) > before
    with transaction(engine) as session:
        event = session.exec(select(AuditEvent).order_by(col(AuditEvent.id).desc())).first()
        plan = session.exec(select(TaperPlan).where(TaperPlan.admission_id == admission_id)).one()
    assert event is not None and event.id == data_version(engine)
    assert (event.action, event.actor, event.user_id) == ("mar.top_up", SYSTEM.username, None)
    assert (event.entity, event.entity_id, event.after) == (
        "taper_plan",
        plan.id,
        {"new_slots": made},
    )
    assert event.at == later


def test_a_top_up_with_nothing_to_make_writes_nothing(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    _admitted_with_a_plan(engine, staff, ward)
    before = data_version(engine)
    with transaction(engine) as session:
        assert top_up_mar(session=session, now=NOW) == 0  # the plan just made the horizon's MAR
    assert data_version(engine) == before
