"""A ward's tablet list, on SQLite and PostgreSQL: defaults, admins only, every field checked
before anything is written, each change audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.clinical.tablets import DEFAULT_TABLETS, Tablet
from models.db import transaction
from models.errors import PermissionDenied, ValidationFailed
from models.tables import AuditEvent, Ward, WardDrugTablets
from models.ward_tablets import parse_tablets, tablets_text, update_ward_tablets, ward_tablets

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _update(engine: Engine, actor: Actor, ward_id: int, values: dict[str, object]) -> object:
    with transaction(engine) as session:
        return update_ward_tablets(
            session=session, actor=actor, ward_id=ward_id, values=values, now=NOW
        )


def test_a_ward_without_rows_has_the_default_tablets(engine: Engine, ward: Ward) -> None:
    assert ward.id is not None
    with Session(engine) as session:
        assert ward_tablets(session, ward.id) == DEFAULT_TABLETS


def test_an_admin_sets_the_tablets_and_each_change_is_audited(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    assert ward.id is not None
    after = _update(engine, staff["admin1"], ward.id, {"clonazepam": "0.5 scored, 2 mg scored"})
    assert after["clonazepam"] == (Tablet(500, True), Tablet(2000, True))  # type: ignore[index]
    assert after["diazepam"] == DEFAULT_TABLETS["diazepam"]  # type: ignore[index]
    _update(engine, staff["admin1"], ward.id, {"clonazepam": "0.5 s, 2 s"})  # no change
    _update(engine, staff["admin1"], ward.id, {"clonazepam": "0.5 scored"})
    with Session(engine) as session:
        assert ward_tablets(session, ward.id)["clonazepam"] == (Tablet(500, True),)
        rows = session.exec(select(WardDrugTablets)).all()
        assert [(r.drug, r.tablets) for r in rows] == [("clonazepam", "500s")]
        events = session.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "ward.tablets")
            .order_by(col(AuditEvent.id))
        ).all()
    assert [e.actor for e in events] == ["admin1", "admin1"]
    assert events[0].before is None and events[0].after["tablets"] == "500s,2000s"  # type: ignore[index]
    assert events[1].before["tablets"] == "500s,2000s"  # type: ignore[index]
    assert events[1].after["tablets"] == "500s"  # type: ignore[index]


def test_only_an_admin_sets_tablets(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> None:
    assert ward.id is not None
    for role in ("nurse1", "doctor1"):
        with pytest.raises(PermissionDenied):
            _update(engine, staff[role], ward.id, {"clonazepam": "0.5 scored"})
    with Session(engine) as session:
        assert session.exec(select(WardDrugTablets)).all() == []


def test_bad_lists_are_refused_at_their_field_and_nothing_is_written(
    engine: Engine, ward: Ward, staff: dict[str, Actor]
) -> None:
    assert ward.id is not None
    with pytest.raises(ValidationFailed) as bad:
        _update(
            engine,
            staff["admin1"],
            ward.id,
            {
                "clonazepam": "0.5 scored, 1",  # fine on its own
                "diazepam": "",
                "lorazepam": "1, 1",
                "alprazolam": "half",
                "oxazepam": "10",
            },
        )
    assert set(bad.value.by_field()) == {
        "tablets_diazepam",
        "tablets_lorazepam",
        "tablets_alprazolam",
        "tablets_oxazepam",
    }
    with Session(engine) as session:
        assert session.exec(select(WardDrugTablets)).all() == []


@pytest.mark.parametrize(
    "text", ["3", "0.05", "0.5 scored, 0.5", "0.5 halved", "1,2,3,4,5,6,7,8,9", ", ,"]
)
def test_parse_refuses_what_a_pharmacy_cannot_supply(text: str) -> None:
    from models.errors import FieldError

    with pytest.raises(FieldError) as bad:
        parse_tablets("clonazepam", text, field="tablets_clonazepam")
    assert bad.value.field == "tablets_clonazepam"


def test_the_admin_text_reads_back_as_it_was_written() -> None:
    tablets = parse_tablets("clonazepam", " 2 , 0.5 scored,1", field="f")
    assert tablets_text(tablets) == "0.5 scored, 1, 2"
    assert parse_tablets("clonazepam", tablets_text(tablets), field="f") == tablets
