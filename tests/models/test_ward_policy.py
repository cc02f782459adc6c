"""Ward policy: admins only, every field range-checked at once, audited, nothing half-saved."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import Actor
from models.db import transaction
from models.errors import PermissionDenied, ValidationFailed
from models.tables import AuditEvent, Ward
from models.ward_policy import POLICY_FIELDS, update_ward_policy


def _ward(engine: Engine, ward_id: int) -> Ward:
    with Session(engine) as session:
        ward = session.get(Ward, ward_id)
        assert ward is not None
        return ward


def test_admin_changes_policy_and_it_is_audited(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    assert ward.id is not None
    with transaction(engine) as session:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"dose_window_min": "45", "worsening_points": 8},
        )
    saved = _ward(engine, ward.id)
    assert (saved.dose_window_min, saved.worsening_points) == (45, 8)
    with Session(engine) as session:
        [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "ward.policy")).all()
    assert event.before and event.before["dose_window_min"] == 60
    assert event.after and event.after["dose_window_min"] == 45


def test_every_bad_field_is_named_and_nothing_is_saved(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    assert ward.id is not None
    with transaction(engine) as session, pytest.raises(ValidationFailed) as refused:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={
                "dose_window_min": "abc",
                "worsening_hours": 0,
                "step_window_days": "7",
                "vitals_interval_min": 1.5,
            },
        )
    errors = refused.value.by_field()
    assert set(errors) == {"dose_window_min", "worsening_hours", "vitals_interval_min"}
    assert "whole number" in errors["dose_window_min"]
    assert "1 to 168" in errors["worsening_hours"]
    assert _ward(engine, ward.id).step_window_days == 7


def test_the_moderate_interval_may_not_exceed_the_normal_one(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    assert ward.id is not None
    with transaction(engine) as session, pytest.raises(ValidationFailed) as refused:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"reassess_interval_moderate_min": 300},
        )
    assert set(refused.value.by_field()) == {"reassess_interval_moderate_min"}


def test_nurses_may_not_change_policy(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> None:
    assert ward.id is not None
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        update_ward_policy(
            session=session, actor=staff["nurse1"], ward_id=ward.id, values={"dose_window_min": 30}
        )


def test_every_policy_field_has_a_source_and_bounds_the_database_accepts() -> None:
    for field in POLICY_FIELDS:
        lowest = 0 if field.choices is not None else 1  # a yes/no setting is 0 or 1
        if field.name == "sedation_rass_threshold":
            lowest = -5  # RASS runs from -5 [S66]
        assert field.source and field.low >= lowest and field.high > field.low, field.name
        assert field.choices is None or (field.low, field.high) == (0, 1), field.name
        assert hasattr(Ward, field.name)


def test_no_change_writes_no_audit(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> None:
    assert ward.id is not None
    with transaction(engine) as session:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"dose_window_min": ward.dose_window_min},
        )
    with Session(engine) as session:
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.action == "ward.policy")).all() == []
        )


def test_sedation_thresholds_take_rass_edges_and_refuse_beyond(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    assert ward.id is not None
    assert (ward.sedation_rass_threshold, ward.sedation_poss_threshold) == (-2, 3)
    for rass, poss in (("-5", "2"), ("0", "4"), ("-3", 3)):
        with transaction(engine) as session:
            update_ward_policy(
                session=session,
                actor=staff["admin1"],
                ward_id=ward.id,
                values={"sedation_rass_threshold": rass, "sedation_poss_threshold": poss},
            )
        stored = _ward(engine, ward.id)
        assert (stored.sedation_rass_threshold, stored.sedation_poss_threshold) == (
            int(rass),
            int(poss),
        )
    with transaction(engine) as session, pytest.raises(ValidationFailed) as refused:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"sedation_rass_threshold": "1", "sedation_poss_threshold": "1"},
        )
    assert set(refused.value.by_field()) == {"sedation_rass_threshold", "sedation_poss_threshold"}
    assert _ward(engine, ward.id).sedation_rass_threshold == -3
