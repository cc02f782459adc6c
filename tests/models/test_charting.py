"""Nurse charting in the domain: every write validated, stored and audited in one transaction;
refusals name the field and leave nothing behind; corrections mark in error and re-chart;
two nurses on one dose: one wins, the other is told who; a save sent twice with its form's
token is stored once; a discharged record is read-only. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import charting
from models.admissions import admit, discharge
from models.audit import Actor
from models.charting import (
    SUBMISSION_ID_PATTERN,
    chart_dose,
    chart_prn,
    mark_in_error,
    new_submission_id,
    record_assessment,
    record_vitals,
)
from models.db import transaction
from models.errors import ConflictError, FieldError, PermissionDenied, ValidationFailed
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.tables import (
    Admission,
    AuditEvent,
    DoseAdministration,
    ScheduledDose,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from seed_data.factories import start_taper
from tests.factories import admit_patient, prn_order

# Europe/London is on GMT in March before the clocks change: local time equals UTC.
PLANNED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 8, 10, tzinfo=UTC)  # ten minutes after the 08:00 dose
NORMAL_VITALS: dict[str, Any] = {
    "heart_rate": 82,
    "systolic": 124,
    "diastolic": 78,
    "temperature_c": 36.8,
    "resp_rate": 16,
    "spo2": 97,
    "supplemental_o2": False,
    "consciousness": "A",
}
ALL_TWOS = dict.fromkeys(range(1, 21), 2)  # CIWA-B total 40: moderate


@dataclass(frozen=True)
class DoseDay:
    """The test patient's admission and the two dose slots of NOW's day."""

    admission_id: int
    dose_0800: int  # the 08:00 slot of NOW's day
    dose_2000: int  # the 20:00 slot of NOW's day


def _count(engine: Engine, model: type[Any], *where: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _audits(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


@pytest.fixture
def stay(engine: Engine, staff: dict[str, Actor], ward: Ward) -> DoseDay:
    """Clonazepam 2 mg/day at 08:00 and 20:00, -0.25 mg a week from 2 March."""
    assert ward.id is not None
    with transaction(engine) as session:
        admission = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=PLANNED_AT,
            admitted_at=PLANNED_AT - timedelta(hours=1),
        )
        assert admission.id is not None
        start_taper(
            session,
            actor=staff["doctor1"],
            admission_id=admission.id,
            start=date(2026, 3, 2),
            now=PLANNED_AT,
        )
        slots = {
            s.scheduled_at: s.id
            for s in session.exec(
                select(ScheduledDose).where(ScheduledDose.admission_id == admission.id)
            ).all()
        }
    return DoseDay(
        admission_id=admission.id,
        dose_0800=slots[datetime(2026, 3, 10, 8, tzinfo=UTC)] or 0,
        dose_2000=slots[datetime(2026, 3, 10, 20, tzinfo=UTC)] or 0,
    )


def _vitals(engine: Engine, actor: Actor, stay: DoseDay, **changes: Any) -> VitalSigns:
    values = {**NORMAL_VITALS, **changes}
    taken_at = values.pop("taken_at", NOW - timedelta(minutes=5))
    with transaction(engine) as session:
        return record_vitals(
            session=session,
            actor=actor,
            now=NOW,
            data=VitalSignsCreate(
                admission_id=stay.admission_id,
                taken_at=taken_at,
                **values,
            ),
        )


def _give(
    engine: Engine, actor: Actor, slot: int, status: str = "given", **kwargs: Any
) -> DoseAdministration:
    with transaction(engine) as session:
        return chart_dose(
            session=session,
            actor=actor,
            now=NOW,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot,
                status=status,
                administered_at=kwargs.pop("at", NOW - timedelta(minutes=4)),
                **kwargs,
            ),
        )


# --- vitals -------------------------------------------------------------------------------


def test_vitals_are_stored_with_news2_and_audited(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    row = _vitals(engine, staff["nurse1"], stay, heart_rate=118, resp_rate=22)
    assert (row.news2_total, row.news2_any_three) == (4, False)  # HR 111-130: 2, RR 21-24: 2
    [event] = _audits(engine, "vitals.record")
    assert event.entity_id == row.id and event.user_id == staff["nurse1"].user_id
    assert event.after is not None and event.after["heart_rate"] == 118


def test_the_entry_returned_is_the_row_stored(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    """Vitals and scores are inserted without the ORM; what the caller gets back must still be
    every column as stored, defaults included."""
    vitals = _vitals(engine, staff["nurse1"], stay, heart_rate=118)
    score = _record(engine, staff["nurse1"], stay.admission_id, "assessment", new_submission_id())
    with Session(engine) as session:
        stored_vitals = session.get(VitalSigns, vitals.id)
        stored_score = session.get(WithdrawalAssessment, score.id)
        assert stored_vitals is not None and stored_score is not None
        assert vitals.model_dump() == stored_vitals.model_dump()
        assert score.model_dump() == stored_score.model_dump()
    assert vitals.entered_in_error is False and vitals.error_reason is None
    assert (score.total, score.band, score.items["1"]) == (40, stored_score.band, 2)


@pytest.mark.parametrize("token", [False, True])
def test_charting_for_an_admission_that_does_not_exist_is_refused_and_writes_nothing(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, token: bool
) -> None:
    missing = stay.admission_id + 1000
    submission = new_submission_id() if token else None
    for kind in KINDS:
        with pytest.raises(FieldError) as refused:
            _record(engine, staff["nurse1"], missing, kind, submission)
        assert refused.value.field == "admission" and str(missing) in refused.value.message
    assert _count(engine, VitalSigns) == 0 and _count(engine, WithdrawalAssessment) == 0
    assert _audits(engine, "vitals.record") == [] and _audits(engine, "assessment.record") == []


def test_impossible_vitals_are_refused_at_their_fields_and_nothing_is_written(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _vitals(engine, staff["nurse1"], stay, heart_rate=400, temperature_c=50, spo2=104)
    assert set(refused.value.by_field()) == {"heart_rate", "temperature_c", "spo2"}
    assert "400" in refused.value.by_field()["heart_rate"]
    assert _count(engine, VitalSigns) == 0
    assert _audits(engine, "vitals.record") == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("temperature_c", 45.0), ("temperature_c", 25.0), ("systolic", 300), ("resp_rate", 80)],
)
def test_edge_readings_are_refused_at_the_field_never_a_database_error(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, field: str, value: object
) -> None:
    """Values inside the plausibility limits but outside the table's CHECK constraints."""
    try:
        row = _vitals(engine, staff["nurse1"], stay, **{field: value})
    except (FieldError, ValidationFailed) as exc:
        fields = exc.by_field() if isinstance(exc, ValidationFailed) else {exc.field: exc.message}
        assert field in fields
        assert _count(engine, VitalSigns) == 0
        assert _audits(engine, "vitals.record") == []
    else:
        assert getattr(row, field) == value


@pytest.mark.parametrize(
    ("taken_at", "message"),
    [(NOW + timedelta(minutes=10), "future"), (NOW - timedelta(hours=25), "24 hours")],
)
def test_vitals_time_is_never_future_nor_beyond_a_day(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, taken_at: datetime, message: str
) -> None:
    with pytest.raises(FieldError) as refused:
        _vitals(engine, staff["nurse1"], stay, taken_at=taken_at)
    assert refused.value.field == "taken_at" and message in refused.value.message
    assert _count(engine, VitalSigns) == 0


def test_admins_may_not_chart(engine: Engine, staff: dict[str, Actor], stay: DoseDay) -> None:
    with pytest.raises(PermissionDenied):
        _vitals(engine, staff["admin1"], stay)
    with pytest.raises(PermissionDenied):
        _give(engine, staff["admin1"], stay.dose_0800)
    assert _count(engine, VitalSigns) == 0 and _count(engine, DoseAdministration) == 0


# --- CIWA-B -------------------------------------------------------------------------------


def test_ciwa_b_is_scored_banded_and_audited(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    with transaction(engine) as session:
        row = record_assessment(
            session=session,
            actor=staff["nurse1"],
            now=NOW,
            data=WithdrawalAssessmentCreate(
                admission_id=stay.admission_id,
                taken_at=NOW,
                items=ALL_TWOS,
            ),
        )
    assert (row.total, row.band) == (40, "moderate")
    assert row.items == {str(n): 2 for n in range(1, 21)}
    [event] = _audits(engine, "assessment.record")
    assert event.entity_id == row.id


def test_ciwa_b_with_missing_items_names_them_and_writes_nothing(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    items: dict[int, object] = {n: 1 for n in range(1, 21) if n not in (4, 19)}
    with pytest.raises(ValidationFailed) as refused:
        with transaction(engine) as session:
            record_assessment(
                session=session,
                actor=staff["nurse1"],
                now=NOW,
                data=WithdrawalAssessmentCreate(
                    admission_id=stay.admission_id,
                    taken_at=NOW,
                    items=items,
                ),
            )
    assert set(refused.value.by_field()) == {"item_4", "item_19"}
    assert "missing" in refused.value.by_field()["item_4"]
    assert _count(engine, WithdrawalAssessment) == 0
    assert _audits(engine, "assessment.record") == []


# --- doses --------------------------------------------------------------------------------


def test_a_given_dose_is_stored_with_the_slot_dose_and_audited(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    given = _give(engine, staff["nurse1"], stay.dose_0800)
    assert (given.status, given.dose_ug, given.charted_by) == (
        # cuts on 2 and 9 March: 1.5 mg/day on the 10th, 0.75 mg at 08:00
        "given",
        750,
        staff["nurse1"].user_id,
    )
    [event] = _audits(engine, "dose.given")
    assert event.entity_id == given.id and event.after is not None


@pytest.mark.parametrize("status", ["held", "refused", "not_given"])
def test_not_giving_a_dose_needs_a_reason_from_the_list(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, status: str
) -> None:
    with pytest.raises(FieldError) as refused:
        _give(engine, staff["nurse1"], stay.dose_0800, status)
    assert refused.value.field == "reason_code"
    with pytest.raises(FieldError) as other:
        _give(engine, staff["nurse1"], stay.dose_0800, status, reason_code="other")
    assert other.value.field == "reason_text"
    assert _count(engine, DoseAdministration) == 0
    charted = _give(
        engine,
        staff["nurse1"],
        stay.dose_0800,
        status,
        reason_code="other",
        reason_text="  Asked to wait for the doctor  ",
    )
    assert (charted.status, charted.dose_ug, charted.reason_text) == (
        status,
        0,
        "Asked to wait for the doctor",
    )
    assert len(_audits(engine, f"dose.{status}")) == 1


def test_a_second_nurse_charting_the_same_dose_is_told_who_charted_it(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    _give(engine, staff["nurse1"], stay.dose_0800)
    with pytest.raises(ConflictError) as conflict:
        _give(engine, staff["nurse2"], stay.dose_0800, "refused", reason_code="declined")
    # Charted at NOW, 08:10 ward time (Europe/London is on UTC in March).
    assert "already charted as given by Nurse1 at 08:10" in str(conflict.value)
    assert _count(engine, DoseAdministration) == 1
    assert len(_audits(engine, "dose.given")) == 1 and _audits(engine, "dose.refused") == []


def test_two_nurses_charting_at_the_same_moment_one_wins(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    """Both pass the "already charted?" check before either commits: the database's unique
    index lets exactly one insert through and the other gets the ConflictError."""
    first_checked = threading.Event()
    results: dict[str, object] = {}

    def chart(name: str, before_commit: Callable[[], None]) -> None:
        try:
            with transaction(engine) as session:
                row = chart_dose(
                    session=session,
                    actor=staff[name],
                    now=NOW,
                    data=DoseAdministrationCreate(
                        scheduled_dose_id=stay.dose_0800,
                        status="given",
                        administered_at=NOW - timedelta(minutes=3),
                    ),
                )
                before_commit()
                results[name] = row.id
        except ConflictError as exc:
            results[name] = exc

    # nurse1 writes and holds its transaction open until nurse2 has tried.
    nurse2_done = threading.Event()

    def hold() -> None:
        first_checked.set()
        nurse2_done.wait(timeout=1.0)  # nurse2 blocks on the row lock meanwhile

    one = threading.Thread(target=chart, args=("nurse1", hold))
    one.start()
    assert first_checked.wait(timeout=10)
    two = threading.Thread(target=chart, args=("nurse2", nurse2_done.set))
    two.start()
    one.join(timeout=20)
    nurse2_done.set()
    two.join(timeout=20)
    winners = [n for n, r in results.items() if isinstance(r, int)]
    losers = [r for r in results.values() if isinstance(r, ConflictError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert f"by {winners[0].title()}" in str(losers[0])
    assert _count(engine, DoseAdministration) == 1
    assert len(_audits(engine, "dose.given")) == 1


def test_every_charted_row_is_written_by_the_one_insert(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vitals, scores, scheduled and PRN doses: one function inserts and audits them all, so
    what it checks (the admission still open, a unique index's conflict) holds for each; and
    a dose returned is every column as stored, like vitals and scores."""
    written: list[str] = []
    the_insert = charting._insert_once

    def watched(session: Session, **kwargs: Any) -> Any:
        written.append(kwargs["model"].__tablename__)
        return the_insert(session, **kwargs)

    monkeypatch.setattr(charting, "_insert_once", watched)
    _vitals(engine, staff["nurse1"], stay)
    _record(engine, staff["nurse1"], stay.admission_id, "assessment", None)
    dose = _give(engine, staff["nurse1"], stay.dose_0800)
    with transaction(engine) as session:
        order = prn_order(
            session,
            doctor=staff["doctor1"],
            admission_id=stay.admission_id,
            written_at=NOW - timedelta(hours=1),
        )
        prn = chart_prn(
            session=session,
            actor=staff["nurse1"],
            now=NOW,
            data=PrnAdministrationCreate(
                admission_id=stay.admission_id,
                prn_order_id=order,
                administered_at=NOW,
                reason_text="Breakthrough anxiety",
            ),
        )
    assert written == [
        "vital_signs",
        "withdrawal_assessment",
        "dose_administration",
        "dose_administration",
    ]
    with Session(engine) as session:
        for returned in (dose, prn):
            stored = session.get(DoseAdministration, returned.id)
            assert stored is not None and returned.model_dump() == stored.model_dump()


def test_a_dose_is_refused_by_its_insert_when_the_admission_closed_meanwhile(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The discharge commits after chart_dose checked the admission (here: the check passes
    regardless) and before its insert: the insert itself finds the admission closed, and
    nothing is written."""
    with transaction(engine) as session:
        session.execute(
            update(Admission)
            .where(col(Admission.id) == stay.admission_id)
            .values(discharged_at=NOW)
        )
    monkeypatch.setattr(charting, "require_open_admission", lambda session, admission_id: None)
    with pytest.raises(ConflictError, match="the admission changed while saving"):
        _give(engine, staff["nurse1"], stay.dose_0800)
    assert _count(engine, DoseAdministration) == 0 and _audits(engine, "dose.given") == []


def test_a_dose_marked_in_error_can_be_charted_again_and_both_are_kept(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    wrong = _give(engine, staff["nurse1"], stay.dose_0800, "refused", reason_code="declined")
    with transaction(engine) as session:
        mark_in_error(
            session=session,
            actor=staff["nurse2"],
            entity="dose",
            record_id=wrong.id or 0,
            reason="Charted on the wrong patient",
            now=NOW,
        )
    right = _give(engine, staff["nurse2"], stay.dose_0800)
    with Session(engine) as session:
        rows = session.exec(
            select(DoseAdministration)
            .where(DoseAdministration.scheduled_dose_id == stay.dose_0800)
            .order_by(col(DoseAdministration.id))
        ).all()
    assert [(r.status, r.entered_in_error) for r in rows] == [("refused", True), ("given", False)]
    assert rows[0].error_reason == "Charted on the wrong patient"
    assert rows[0].error_marked_by == staff["nurse2"].user_id and rows[1].id == right.id
    [event] = _audits(engine, "dose.entered_in_error")
    assert event.before is not None and event.before["entered_in_error"] is False
    assert event.after is not None and event.after["entered_in_error"] is True


def test_marking_in_error_needs_a_reason_and_happens_once(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    row = _vitals(engine, staff["nurse1"], stay)
    with pytest.raises(FieldError) as refused, transaction(engine) as session:
        mark_in_error(
            session=session,
            actor=staff["nurse1"],
            entity="vitals",
            record_id=row.id or 0,
            reason="  ",
            now=NOW,
        )
    assert refused.value.field == "error_reason"
    with transaction(engine) as session:
        mark_in_error(
            session=session,
            actor=staff["nurse1"],
            entity="vitals",
            record_id=row.id or 0,
            reason="Wrong patient",
            now=NOW,
        )
    with pytest.raises(ConflictError), transaction(engine) as session:
        mark_in_error(
            session=session,
            actor=staff["nurse2"],
            entity="vitals",
            record_id=row.id or 0,
            reason="Again",
            now=NOW,
        )
    assert len(_audits(engine, "vitals.entered_in_error")) == 1


def test_prn_dose_needs_a_reason_and_its_order_s_dose(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    with transaction(engine) as session:
        order = prn_order(
            session,
            doctor=staff["doctor1"],
            admission_id=stay.admission_id,
            written_at=NOW - timedelta(hours=1),
        )

    def prn(dose_ug: int | None, reason: str) -> DoseAdministration:
        with transaction(engine) as session:
            return chart_prn(
                session=session,
                actor=staff["nurse1"],
                now=NOW,
                data=PrnAdministrationCreate(
                    admission_id=stay.admission_id,
                    prn_order_id=order,
                    dose_ug=dose_ug,
                    administered_at=NOW,
                    reason_text=reason,
                ),
            )

    with pytest.raises(FieldError) as bad_dose:
        prn(500, "Breakthrough anxiety")  # the order is for 0.25 mg
    assert bad_dose.value.field == "dose_mg"
    with pytest.raises(FieldError) as no_reason:
        prn(250, " ")
    assert no_reason.value.field == "reason_text"
    given = prn(None, "Breakthrough anxiety")
    assert (given.prn, given.scheduled_dose_id, given.dose_ug, given.prn_order_id) == (
        True,
        None,
        250,
        order,
    )
    assert len(_audits(engine, "dose.prn")) == 1


# --- discharge ----------------------------------------------------------------------------


def test_discharge_closes_the_mar_and_the_record_refuses_every_write(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    given = _give(engine, staff["nurse1"], stay.dose_0800)
    vitals = _vitals(engine, staff["nurse1"], stay)
    with transaction(engine) as session:
        discharge(
            session=session, actor=staff["nurse1"], admission_id=stay.admission_id, at=NOW, now=NOW
        )
    with Session(engine) as session:
        later = session.get(ScheduledDose, stay.dose_2000)
        assert later is not None and later.cancelled_at == NOW
    [event] = _audits(engine, "admission.discharge")
    assert event.after is not None and event.after["cancelled_slots"] > 0

    attempts: list[Callable[[Session], object]] = [
        lambda s: record_vitals(
            session=s,
            actor=staff["nurse1"],
            now=NOW,
            data=VitalSignsCreate(
                admission_id=stay.admission_id,
                taken_at=NOW,
                **NORMAL_VITALS,
            ),
        ),
        lambda s: record_assessment(
            session=s,
            actor=staff["nurse1"],
            now=NOW,
            data=WithdrawalAssessmentCreate(
                admission_id=stay.admission_id,
                taken_at=NOW,
                items=ALL_TWOS,
            ),
        ),
        lambda s: chart_dose(
            session=s,
            actor=staff["nurse1"],
            now=NOW,
            data=DoseAdministrationCreate(
                scheduled_dose_id=stay.dose_2000,
                status="given",
                administered_at=NOW,
            ),
        ),
        lambda s: chart_prn(
            session=s,
            actor=staff["nurse1"],
            now=NOW,
            data=PrnAdministrationCreate(
                admission_id=stay.admission_id,
                prn_order_id=1,
                administered_at=NOW,
                reason_text="x",
            ),
        ),
        lambda s: mark_in_error(
            session=s,
            actor=staff["nurse1"],
            entity="dose",
            record_id=given.id or 0,
            reason="x",
            now=NOW,
        ),
        lambda s: mark_in_error(
            session=s,
            actor=staff["nurse1"],
            entity="vitals",
            record_id=vitals.id or 0,
            reason="x",
            now=NOW,
        ),
    ]
    for write in attempts:
        with pytest.raises(FieldError) as refused, transaction(engine) as session:
            write(session)
        assert refused.value.field == "admission" and "read-only" in refused.value.message
    assert _count(engine, VitalSigns) == 1 and _count(engine, DoseAdministration) == 1
    assert _count(engine, WithdrawalAssessment) == 0
    with pytest.raises(FieldError) as refused, transaction(engine) as session:
        record_vitals(
            session=session,
            actor=staff["nurse1"],
            now=NOW,
            data=VitalSignsCreate(
                admission_id=stay.admission_id,
                taken_at=NOW,
                submission_id=new_submission_id(),
                **NORMAL_VITALS,
            ),
        )
    assert refused.value.field == "admission" and "read-only" in refused.value.message
    assert _count(engine, VitalSigns) == 1


def test_a_bed_taken_between_check_and_write_is_refused_at_the_bed(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: DoseDay
) -> None:
    """The database's unique index backs the bed check; a loser gets a field refusal."""
    assert ward.id is not None
    from models import admissions

    original = select

    def blind_select(*args: Any, **kwargs: Any) -> Any:  # the bed check sees no occupant
        query = original(*args, **kwargs)
        return query.where(col(Admission.id) < 0) if args == (Admission,) else query

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(admissions, "select", blind_select)
        with pytest.raises(ValidationFailed) as refused, transaction(engine) as session:
            admit(
                session=session,
                actor=staff["nurse1"],
                ward_id=ward.id,
                mrn="TW200",
                family_name="Poe",
                given_name="Al",
                birth_date=date(1980, 1, 1),
                sex="male",
                bed="B1",
                attending_id=staff["doctor1"].user_id or 0,
                drug="clonazepam",
                daily_ug=1000,
                admitted_at=NOW,
                now=NOW,
            )
    assert "bed" in refused.value.by_field()
    assert len(_audits(engine, "admission.create")) == 1  # only the fixture's admission
    assert len(_audits(engine, "patient.create")) == 1


# --- a save sent twice: the form's submission token ---------------------------------------

# What each form stores, and the audit action of a new entry.
KINDS: dict[str, tuple[type[VitalSigns] | type[WithdrawalAssessment], str]] = {
    "vitals": (VitalSigns, "vitals.record"),
    "assessment": (WithdrawalAssessment, "assessment.record"),
}


def _record_in(
    session: Session,
    actor: Actor,
    admission_id: int,
    kind: str,
    token: str | None,
    heart_rate: int = 82,
) -> VitalSigns | WithdrawalAssessment:
    """One vitals set or CIWA-B (``heart_rate`` also sets the CIWA-B items: 82 -> all 2)."""
    if kind == "vitals":
        return record_vitals(
            session=session,
            actor=actor,
            now=NOW,
            data=VitalSignsCreate(
                admission_id=admission_id,
                taken_at=NOW - timedelta(minutes=5),
                **{**NORMAL_VITALS, "heart_rate": heart_rate},
                submission_id=token,
            ),
        )
    return record_assessment(
        session=session,
        actor=actor,
        now=NOW,
        data=WithdrawalAssessmentCreate(
            admission_id=admission_id,
            taken_at=NOW - timedelta(minutes=5),
            items=dict.fromkeys(range(1, 21), 2 if heart_rate == 82 else 1),
            submission_id=token,
        ),
    )


def _record(
    engine: Engine, actor: Actor, admission_id: int, kind: str, token: str | None, **kw: Any
) -> VitalSigns | WithdrawalAssessment:
    with transaction(engine) as session:
        return _record_in(session, actor, admission_id, kind, token, **kw)


def _with_token(engine: Engine, kind: str, token: str) -> int:
    model = KINDS[kind][0]
    return _count(engine, model, col(model.submission_id) == token)


def _second_admission(engine: Engine, staff: dict[str, Actor], ward: Ward) -> int:
    with transaction(engine) as session:
        other = admit_patient(session, staff=staff, ward=ward, now=NOW, mrn="TW200", bed="B2")
    assert other.id is not None
    return other.id


def test_a_new_form_token_has_the_accepted_shape_and_is_never_the_same_twice() -> None:
    tokens = {new_submission_id() for _ in range(200)}
    assert len(tokens) == 200
    assert all(SUBMISSION_ID_PATTERN.fullmatch(t) and len(t) == 22 for t in tokens)


@pytest.mark.parametrize("kind", KINDS)
def test_a_save_sent_again_with_its_token_stores_one_entry_and_returns_it(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    model, action = KINDS[kind]
    token = new_submission_id()
    first = _record(engine, staff["nurse1"], stay.admission_id, kind, token)
    # The answer was lost; the same form is sent again (its values typed again, differently).
    again = _record(engine, staff["nurse1"], stay.admission_id, kind, token, heart_rate=90)
    assert first.id is not None and again.id == first.id
    assert again.submission_id == token and again.admission_id == stay.admission_id
    assert again.charted_at == first.charted_at and again.taken_at == first.taken_at
    if isinstance(again, VitalSigns):
        assert again.heart_rate == 82  # the stored reading, not the values sent again
    else:
        assert isinstance(again, WithdrawalAssessment) and again.total == 40
    assert _count(engine, model) == 1 and _with_token(engine, kind, token) == 1
    [event] = _audits(engine, action)
    assert event.entity_id == first.id and event.after is not None
    assert event.after["submission_id"] == token


@pytest.mark.parametrize("kind", KINDS)
def test_entries_without_a_token_are_each_stored_and_the_database_holds_a_token_once(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    """Imported, seeded and job-made entries have no token: any number may be stored. A
    token is unique in the database itself, even with the domain bypassed."""
    model, action = KINDS[kind]
    token = new_submission_id()
    untokened = [_record(engine, staff["nurse1"], stay.admission_id, kind, None) for _ in (1, 2)]
    _record(engine, staff["nurse1"], stay.admission_id, kind, token)
    assert untokened[0].id != untokened[1].id
    assert _count(engine, model, col(model.submission_id).is_(None)) == 2
    assert len(_audits(engine, action)) == 3
    with Session(engine) as session, pytest.raises(IntegrityError):
        session.execute(
            update(model).where(col(model.id) == untokened[0].id).values(submission_id=token)
        )
    assert _with_token(engine, kind, token) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_token_already_used_for_another_patient_is_refused_and_nothing_written(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: DoseDay, kind: str
) -> None:
    model, action = KINDS[kind]
    other = _second_admission(engine, staff, ward)
    token = new_submission_id()
    first = _record(engine, staff["nurse1"], stay.admission_id, kind, token)
    with pytest.raises(FieldError) as refused:
        _record(engine, staff["nurse1"], other, kind, token)
    assert refused.value.field == "submission_id"
    assert "another patient" in refused.value.message
    assert _count(engine, model, col(model.admission_id) == other) == 0
    assert _with_token(engine, kind, token) == 1
    [event] = _audits(engine, action)
    assert event.entity_id == first.id


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "token",
    [
        "",
        "x" * 15,
        "y" * 65,
        "has spaces in the token",
        "slash/../../in-the-token",
        "quote'or'1'='1'-token",
        "trailing-newline-tok\n",
        "non-ascii-tökén-123456",
    ],
)
def test_a_token_of_the_wrong_shape_is_refused_before_anything_is_written(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str, token: str
) -> None:
    model, action = KINDS[kind]
    with pytest.raises(FieldError) as refused:
        _record(engine, staff["nurse1"], stay.admission_id, kind, token)
    assert refused.value.field == "submission_id" and "reload the page" in refused.value.message
    assert _count(engine, model) == 0 and _audits(engine, action) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("token", ["a" * 16, "Zz09_-" * 10 + "abcd"])
def test_tokens_of_16_to_64_url_safe_characters_are_accepted(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str, token: str
) -> None:
    stored = _record(engine, staff["nurse1"], stay.admission_id, kind, token)
    assert stored.submission_id == token and _with_token(engine, kind, token) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_a_replay_inside_a_longer_transaction_leaves_its_other_writes_in_place(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    """The refused insert is rolled back to its savepoint only: what the same transaction
    wrote before it is committed with it."""
    model, action = KINDS[kind]
    token = new_submission_id()
    first = _record(engine, staff["nurse1"], stay.admission_id, kind, token)
    with transaction(engine) as session:
        before = _record_in(session, staff["nurse1"], stay.admission_id, kind, None)
        again = _record_in(session, staff["nurse1"], stay.admission_id, kind, token)
        after = _record_in(session, staff["nurse1"], stay.admission_id, kind, None)
    assert again.id == first.id and len({first.id, before.id, after.id}) == 3
    assert _count(engine, model) == 3 and _with_token(engine, kind, token) == 1
    assert sorted(e.entity_id or 0 for e in _audits(engine, action)) == sorted(
        [first.id or 0, before.id or 0, after.id or 0]
    )


@pytest.mark.parametrize("kind", KINDS)
def test_a_tokened_save_is_undone_when_the_callers_transaction_rolls_back(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    """The save's savepoint is inside the caller's transaction on both databases (pysqlite on
    its own would have let the savepoint be the transaction, committed at its RELEASE)."""
    model, action = KINDS[kind]
    with pytest.raises(RuntimeError), transaction(engine) as session:
        _record_in(session, staff["nurse1"], stay.admission_id, kind, new_submission_id())
        raise RuntimeError("the caller fails after the save")
    assert _count(engine, model) == 0 and _audits(engine, action) == []


def test_a_dose_is_undone_when_the_callers_transaction_rolls_back(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    with pytest.raises(RuntimeError), transaction(engine) as session:
        chart_dose(
            session=session,
            actor=staff["nurse1"],
            now=NOW,
            data=DoseAdministrationCreate(
                scheduled_dose_id=stay.dose_0800,
                status="given",
                administered_at=NOW - timedelta(minutes=4),
            ),
        )
        raise RuntimeError("the caller fails after the dose")
    assert _count(engine, DoseAdministration) == 0 and _audits(engine, "dose.given") == []


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("kind", KINDS)
def test_a_token_committed_by_another_transaction_meanwhile_is_found_not_stored_twice(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    """Two transactions, one token: the second is open before the first commits and writes
    after it: its insert is refused by the unique index and it answers with the first's entry.
    (On SQLite a writing transaction holds the write lock from its start, so nothing commits
    meanwhile: the next test.)"""
    model, action = KINDS[kind]
    token = new_submission_id()
    with transaction(engine) as second:
        assert second.get(Admission, stay.admission_id) is not None  # its transaction is open
        first = _record(engine, staff["nurse1"], stay.admission_id, kind, token)
        again = _record_in(second, staff["nurse1"], stay.admission_id, kind, token)
    assert first.id is not None and again.id == first.id
    assert _count(engine, model) == 1
    [event] = _audits(engine, action)
    assert event.entity_id == first.id


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("kind", KINDS)
def test_on_sqlite_a_save_waits_for_the_writer_before_it_and_finds_its_token(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    """A second save with the same token, sent while the first's transaction is open, waits
    for the write lock, then is refused by the unique index and answers with the first's
    entry: one row, one audit event."""
    model, action = KINDS[kind]
    token = new_submission_id()
    started = threading.Event()
    results: dict[str, object] = {}

    def second_save() -> None:
        started.set()
        try:
            results["second"] = _record(engine, staff["nurse1"], stay.admission_id, kind, token).id
        except Exception as exc:  # noqa: BLE001 - reported by the asserts below
            results["second"] = exc

    second = threading.Thread(target=second_save)
    with transaction(engine) as session:
        results["first"] = _record_in(session, staff["nurse1"], stay.admission_id, kind, token).id
        second.start()
        assert started.wait(timeout=10)
        time.sleep(0.3)  # a save takes milliseconds: one not done by now is waiting
        assert "second" not in results, "the second save did not wait for the first"
    second.join(timeout=20)
    assert isinstance(results["first"], int) and results["second"] == results["first"], results
    assert _count(engine, model) == 1 and _with_token(engine, kind, token) == 1
    [event] = _audits(engine, action)
    assert event.entity_id == results["first"]


def _waiting_on_a_lock(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        )


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("kind", KINDS)
def test_two_saves_with_one_token_at_the_same_moment_store_one_entry(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay, kind: str
) -> None:
    """Both saves run at once on two connections (PostgreSQL): the second insert waits on the
    first's uncommitted index entry, is refused when the first commits, and answers with the
    first's entry; one row, one audit event."""
    model, action = KINDS[kind]
    token = new_submission_id()
    written, release = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def save(name: str, hold: bool) -> None:
        try:
            with transaction(engine) as session:
                results[name] = _record_in(
                    session, staff["nurse1"], stay.admission_id, kind, token
                ).id
                if hold:
                    written.set()
                    release.wait(timeout=20)
        except Exception as exc:  # noqa: BLE001 - reported by the asserts below
            results[name] = exc
            written.set()

    first = threading.Thread(target=save, args=("first", True))
    first.start()
    assert written.wait(timeout=10)
    second = threading.Thread(target=save, args=("second", False))
    second.start()
    deadline = time.monotonic() + 10
    while _waiting_on_a_lock(engine) == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    blocked = _waiting_on_a_lock(engine)
    release.set()
    first.join(timeout=20)
    second.join(timeout=20)
    assert blocked == 1, "the second save never waited for the first"
    assert isinstance(results["first"], int) and results["second"] == results["first"], results
    assert _count(engine, model) == 1 and _with_token(engine, kind, token) == 1
    [event] = _audits(engine, action)
    assert event.entity_id == results["first"]


# --- sedation -----------------------------------------------------------------------------


def test_sedation_scores_are_stored_with_the_vitals_and_audited(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    row = _vitals(engine, staff["nurse1"], stay, rass="-3", poss="s")
    assert (row.rass, row.poss) == (-3, "S")
    with Session(engine) as session:
        stored = session.get(VitalSigns, row.id)
        assert stored is not None and (stored.rass, stored.poss) == (-3, "S")
    [event] = _audits(engine, "vitals.record")
    assert event.after is not None and (event.after["rass"], event.after["poss"]) == (-3, "S")
    blank = _vitals(engine, staff["nurse1"], stay, rass="", poss=None)
    assert (blank.rass, blank.poss) == (None, None)


def test_a_bad_sedation_score_is_refused_with_the_other_faults_and_nothing_written(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _vitals(engine, staff["nurse1"], stay, rass="-6", poss="0", heart_rate=0)
    assert set(refused.value.by_field()) == {"rass", "poss", "heart_rate"}
    with pytest.raises(ValidationFailed) as alone:
        _vitals(engine, staff["nurse1"], stay, rass="5")
    assert set(alone.value.by_field()) == {"rass"}
    assert _count(engine, VitalSigns) == 0
    assert _audits(engine, "vitals.record") == []


def test_the_database_refuses_a_rass_outside_the_scale(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    row = _vitals(engine, staff["nurse1"], stay, rass=-5)
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.execute(update(VitalSigns).where(col(VitalSigns.id) == row.id).values(rass=-6))
    with pytest.raises(IntegrityError), transaction(engine) as session:
        session.execute(update(VitalSigns).where(col(VitalSigns.id) == row.id).values(poss="5"))


def test_a_dose_held_for_sedation_links_the_latest_valid_score(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    older = _vitals(engine, staff["nurse1"], stay, rass=-2, taken_at=NOW - timedelta(hours=3))
    latest = _vitals(engine, staff["nurse1"], stay, rass=-3, taken_at=NOW - timedelta(minutes=20))
    _vitals(engine, staff["nurse1"], stay, taken_at=NOW - timedelta(minutes=10))  # no score
    wrong = _vitals(engine, staff["nurse1"], stay, rass=-1, taken_at=NOW - timedelta(minutes=8))
    with transaction(engine) as session:
        mark_in_error(
            session=session,
            actor=staff["nurse1"],
            entity="vitals",
            record_id=wrong.id or 0,
            reason="wrong patient",
            now=NOW,
        )
    held = _give(engine, staff["nurse1"], stay.dose_0800, "held", reason_code="too_drowsy")
    assert held.sedation_vitals_id == latest.id != older.id
    [event] = _audits(engine, "dose.held")
    assert event.after is not None and event.after["sedation_vitals_id"] == latest.id


def test_a_dose_held_for_another_reason_links_no_score(
    engine: Engine, staff: dict[str, Actor], stay: DoseDay
) -> None:
    _vitals(engine, staff["nurse1"], stay, rass=-3)
    held = _give(engine, staff["nurse1"], stay.dose_0800, "held", reason_code="nil_by_mouth")
    assert held.sedation_vitals_id is None
    unscored = _give(
        engine,
        staff["nurse1"],
        stay.dose_2000,
        "held",
        reason_code="too_drowsy",
        at=NOW - timedelta(minutes=6),
    )
    # A score charted after the decision is not what it rested on.
    assert unscored.sedation_vitals_id is None
