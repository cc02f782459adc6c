"""Other CNS depressants on the admission and the naloxone check, on SQLite and PostgreSQL:
physicians keep the list (nurses may not), bad input is refused at the field with nothing
written, a stop keeps the row, every write is audited, and discharge waits for the naloxone
record while an opioid is on board."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.admissions import discharge
from models.audit import Actor
from models.clinical.sedation import OPIOID_WARNING
from models.co_medications import (
    add_co_medication,
    co_medications,
    depressant_warning,
    record_naloxone,
    stop_co_medication,
)
from models.db import transaction
from models.errors import ConflictError, FieldError, PermissionDenied, ValidationFailed
from models.tables import Admission, AuditEvent, CoMedication, Ward
from tests.factories import admit_patient

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def admission_id(engine: Engine, staff: dict[str, Actor], ward: Ward) -> int:
    with transaction(engine) as session:
        return admit_patient(session, staff=staff, ward=ward, now=NOW).id or 0


def _add(engine: Engine, actor: Actor, admission_id: int, **fields: object) -> CoMedication:
    values: dict[str, object] = {"drug_class": "opioid", "name": "methadone", "detail": "60 mg"}
    with transaction(engine) as session:
        return add_co_medication(
            session=session,
            actor=actor,
            admission_id=admission_id,
            now=NOW,
            **(values | fields),
        )


def _audits(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_a_physician_records_an_opioid_and_the_warning_says_so(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    row = _add(engine, staff["doctor1"], admission_id, name="  methadone ", detail="60 mg daily")
    assert (row.drug_class, row.name, row.detail) == ("opioid", "methadone", "60 mg daily")
    [event] = _audits(engine, "co_medication.add")
    assert event.entity_id == row.id and event.user_id == staff["doctor1"].user_id
    with Session(engine) as session:
        [stored] = co_medications(session, admission_id)
    warning = depressant_warning([stored], None)
    assert warning is not None and warning.opioid and warning.naloxone_missing
    assert warning.items == ("methadone 60 mg daily (opioid)",)
    assert OPIOID_WARNING in warning.text and "Naloxone not recorded yet" in warning.text


def test_nurses_may_not_edit_the_list_but_may_record_naloxone(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    with pytest.raises(PermissionDenied):
        _add(engine, staff["nurse1"], admission_id)
    with transaction(engine) as session:
        record_naloxone(
            session=session,
            actor=staff["nurse1"],
            admission_id=admission_id,
            status="supplied",
            now=NOW,
        )
    with Session(engine) as session:
        admission = session.get(Admission, admission_id)
        assert admission is not None
        assert (admission.naloxone, admission.naloxone_by) == (
            "supplied",
            staff["nurse1"].user_id,
        )
    assert len(_audits(engine, "admission.naloxone")) == 1


def test_bad_input_is_refused_at_each_field_and_nothing_written(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _add(
            engine, staff["doctor1"], admission_id, drug_class="heroin", name=" ", detail="x" * 201
        )
    assert set(refused.value.by_field()) == {"drug_class", "name", "detail"}
    with pytest.raises(FieldError) as naloxone:
        with transaction(engine) as session:
            record_naloxone(
                session=session,
                actor=staff["nurse1"],
                admission_id=admission_id,
                status="maybe",
                now=NOW,
            )
    assert naloxone.value.field == "naloxone"
    with Session(engine) as session:
        assert co_medications(session, admission_id, include_stopped=True) == []
    assert _audits(engine, "co_medication.add") == []


def test_a_stop_keeps_the_row_needs_a_reason_and_happens_once(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    row = _add(
        engine, staff["doctor1"], admission_id, drug_class="gabapentinoid", name="pregabalin"
    )
    with pytest.raises(FieldError) as no_reason:
        with transaction(engine) as session:
            stop_co_medication(
                session=session,
                actor=staff["doctor1"],
                co_medication_id=row.id or 0,
                reason="",
                now=NOW,
            )
    assert no_reason.value.field == "stop_reason"
    with transaction(engine) as session:
        stop_co_medication(
            session=session,
            actor=staff["doctor1"],
            co_medication_id=row.id or 0,
            reason="Finished",
            now=NOW + timedelta(hours=1),
        )
    with pytest.raises(ConflictError), transaction(engine) as session:
        stop_co_medication(
            session=session,
            actor=staff["doctor1"],
            co_medication_id=row.id or 0,
            reason="Again",
            now=NOW,
        )
    with Session(engine) as session:
        assert co_medications(session, admission_id) == []
        [kept] = co_medications(session, admission_id, include_stopped=True)
        assert kept.stop_reason == "Finished" and kept.stopped_by == staff["doctor1"].user_id
        assert depressant_warning([kept], None) is None
    assert len(_audits(engine, "co_medication.stop")) == 1


def test_the_database_refuses_an_unknown_class_and_a_stop_without_reason(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    row = _add(engine, staff["doctor1"], admission_id)
    with pytest.raises(IntegrityError), transaction(engine) as session:
        stored = session.get(CoMedication, row.id)
        assert stored is not None
        stored.drug_class = "heroin"
        session.add(stored)
        session.flush()
    with pytest.raises(IntegrityError), transaction(engine) as session:
        stored = session.get(CoMedication, row.id)
        assert stored is not None
        stored.stopped_at = NOW
        session.add(stored)
        session.flush()


def test_discharge_waits_for_the_naloxone_record_while_an_opioid_is_on_board(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    _add(engine, staff["doctor1"], admission_id, drug_class="z_drug", name="zopiclone")
    _add(engine, staff["doctor1"], admission_id)
    at = NOW + timedelta(hours=2)
    with pytest.raises(FieldError) as refused, transaction(engine) as session:
        discharge(session=session, actor=staff["nurse1"], admission_id=admission_id, at=at, now=at)
    assert refused.value.field == "naloxone"
    with transaction(engine) as session:
        record_naloxone(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            status="declined",
            now=at,
        )
    with transaction(engine) as session:
        discharge(session=session, actor=staff["nurse1"], admission_id=admission_id, at=at, now=at)
    with Session(engine) as session:
        admission = session.get(Admission, admission_id)
        assert admission is not None and admission.discharged_at is not None
    with pytest.raises(FieldError), transaction(engine) as session:  # read-only now
        add_co_medication(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            drug_class="alcohol",
            name="alcohol",
            now=at,
        )


def test_without_an_opioid_discharge_needs_no_naloxone_record(
    engine: Engine, staff: dict[str, Actor], admission_id: int
) -> None:
    _add(engine, staff["doctor1"], admission_id, drug_class="gabapentinoid", name="gabapentin")
    at = NOW + timedelta(hours=2)
    with transaction(engine) as session:
        discharge(session=session, actor=staff["nurse1"], admission_id=admission_id, at=at, now=at)
