"""Findings into flags: idempotent scans, escalation, staff resolutions that stand, audit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from jobs.rules import RULES_BY_NAME
from jobs.scan import run_scan
from models.db import transaction
from models.flags import acknowledge_flag, resolve_flag
from models.tables import AuditEvent, Flag, JobRun
from tests.jobs.conftest import NEWS2_FIVE, NEWS2_SEVEN, T0, Ward7

H = timedelta(hours=1)
M = timedelta(minutes=1)


def _busy_ward(ward7: Ward7) -> list[int]:
    """Three patients with a missed dose, a refusal, a high NEWS2 and no CIWA-B."""
    patients = [ward7.admit(f"B{i}", at=T0) for i in (1, 2, 3)]
    for patient in patients:
        ward7.dose(patient, T0 + H)
        ward7.chart(ward7.dose(patient, T0 + 2 * H), "refused", T0 + 2 * H, "declined")
        ward7.vitals(patient, T0 + 2 * H, NEWS2_FIVE)
    return patients


def _audit_count(ward7: Ward7, action: str) -> int:
    with Session(ward7.engine) as session:
        return session.exec(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        ).one()


def test_a_second_scan_raises_nothing_new(ward7: Ward7) -> None:
    _busy_ward(ward7)
    first = ward7.scan(T0 + 5 * H)
    # For each: the missed dose, the refusal, NEWS2, CIWA-B overdue, hourly vitals overdue.
    assert first.raised == 3 * 5
    audit_rows = _audit_count(ward7, "flag.raise")
    second = ward7.scan(T0 + 5 * H)
    assert second.changes == []
    assert _audit_count(ward7, "flag.raise") == audit_rows == first.raised
    keys = [(f.admission_id, f.rule, f.subject) for f in ward7.flags()]
    assert len(keys) == len(set(keys)) == first.raised


def test_each_scan_is_recorded_as_a_job_run(ward7: Ward7) -> None:
    _busy_ward(ward7)
    report = ward7.scan(T0 + 5 * H)
    with Session(ward7.engine) as session:
        [run] = session.exec(select(JobRun)).all()
    assert run.job == "scan" and run.finished_at is not None and run.error is None
    assert run.finished_at >= run.started_at
    assert (run.raised, run.resolved) == (report.raised, report.resolved)


def test_a_failing_rule_is_recorded_and_the_others_still_run(ward7: Ward7) -> None:
    _busy_ward(ward7)

    def broken(*_: object) -> list[object]:
        raise RuntimeError("rule exploded")

    from dataclasses import replace

    rules = [replace(RULES_BY_NAME["news2"], find=broken), RULES_BY_NAME["missed_dose"]]
    report = run_scan(ward7.engine, now=T0 + 5 * H, rules=rules)  # type: ignore[list-item]
    assert report.errors and "rule exploded" in report.errors[0]
    assert report.raised == 3 and {f.rule for f in ward7.flags()} == {"missed_dose"}
    with Session(ward7.engine) as session:
        [run] = session.exec(select(JobRun)).all()
    assert run.error is not None and "rule exploded" in run.error and run.raised == 3


def test_every_flag_change_is_audited_as_the_system(ward7: Ward7) -> None:
    [patient, *_] = _busy_ward(ward7)
    ward7.scan(T0 + 5 * H)
    [news2] = [f for f in ward7.flags("news2") if f.admission_id == patient]
    ward7.vitals(patient, T0 + 5 * H, NEWS2_SEVEN)
    ward7.scan(T0 + 5 * H + M)
    ward7.discharge(patient, T0 + 6 * H)
    ward7.scan(T0 + 6 * H)
    with Session(ward7.engine) as session:
        events = session.exec(select(AuditEvent).where(AuditEvent.entity == "flag")).all()
    actions = {e.action for e in events}
    assert {"flag.raise", "flag.escalate", "flag.resolve"} <= actions
    assert all(e.actor == "system:jobs" and e.user_id is None for e in events)
    [escalation] = [e for e in events if e.action == "flag.escalate" and e.entity_id == news2.id]
    assert escalation.before and escalation.before["severity"] == "high"
    assert escalation.after and escalation.after["severity"] == "emergency"


def test_a_staff_resolution_stands_until_new_evidence(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.vitals(patient, T0, NEWS2_FIVE)
    ward7.scan(T0 + M)
    [flag] = ward7.flags("news2")
    with transaction(ward7.engine) as session:
        resolve_flag(
            session=session,
            actor=ward7.nurse,
            flag_id=flag.id or 0,
            note="Reviewed by the doctor, obs hourly",
            now=T0 + 10 * M,
        )
    ward7.scan(T0 + 20 * M)
    assert ward7.flags("news2") == []  # the same reading: not raised again
    ward7.vitals(patient, T0 + H, NEWS2_FIVE)
    ward7.scan(T0 + H + M)
    [again] = ward7.flags("news2")  # a new reading still urgent: raised again
    assert again.id != flag.id


def test_a_resolved_missed_dose_is_not_raised_again(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.dose(patient, T0 + H)
    ward7.scan(T0 + 3 * H)
    [flag] = ward7.flags("missed_dose")
    with transaction(ward7.engine) as session:
        resolve_flag(
            session=session,
            actor=ward7.nurse,
            flag_id=flag.id or 0,
            note="Given from ward stock, charted on paper",
            now=T0 + 4 * H,
        )
    ward7.scan(T0 + 5 * H)
    ward7.scan(T0 + 30 * H)
    assert ward7.flags("missed_dose") == []


def test_a_worse_reading_reopens_an_acknowledged_flag(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.vitals(patient, T0, NEWS2_FIVE)
    ward7.scan(T0 + M)
    [flag] = ward7.flags("news2")
    with transaction(ward7.engine) as session:
        acknowledge_flag(
            session=session, actor=ward7.nurse, flag_id=flag.id or 0, note=None, now=T0 + 5 * M
        )
    ward7.vitals(patient, T0 + 30 * M, NEWS2_FIVE)  # as bad, not worse: stays acknowledged
    ward7.scan(T0 + 31 * M)
    [same] = ward7.flags("news2")
    assert same.status == "acknowledged" and same.acknowledged_by == ward7.nurse.user_id
    assert same.subject_at == T0 + 30 * M  # the line follows the newer reading
    ward7.vitals(patient, T0 + H, NEWS2_SEVEN)
    ward7.scan(T0 + H + M)
    [worse] = ward7.flags("news2")
    assert worse.id == flag.id
    assert (worse.status, worse.severity, worse.acknowledged_by) == ("open", "emergency", None)


def test_a_milder_reading_keeps_the_worst_severity(ward7: Ward7) -> None:
    patient = ward7.admit(at=T0)
    ward7.vitals(patient, T0, NEWS2_SEVEN)
    ward7.scan(T0 + M)
    ward7.vitals(patient, T0 + H, NEWS2_FIVE)
    report = ward7.scan(T0 + H + M)
    assert [c for c in report.changes if c.rule == "news2"] == []
    [flag] = ward7.flags("news2")
    assert flag.severity == "emergency" and "NEWS2 7" in flag.message


def test_the_database_refuses_a_second_unresolved_flag(ward7: Ward7) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    patient = ward7.admit(at=T0)
    ward7.dose(patient, T0)
    ward7.scan(T0 + 2 * H)
    [flag] = ward7.flags("missed_dose")
    with Session(ward7.engine) as session, pytest.raises(IntegrityError):
        session.add(
            Flag(
                admission_id=patient,
                rule=flag.rule,
                subject=flag.subject,
                severity="low",
                message="copy",
                raised_at=T0,
                updated_at=T0,
            )
        )
        session.flush()
    with Session(ward7.engine) as session:
        count = session.exec(
            select(func.count()).select_from(Flag).where(col(Flag.rule) == "missed_dose")
        ).one()
    assert count == 1


def test_a_scan_of_a_database_without_wards_runs_cleanly(engine: Engine) -> None:
    report = run_scan(engine, now=T0)
    assert report.errors == [] and report.changes == []


def test_an_overdue_flag_resolved_by_staff_returns_when_a_second_interval_passes(
    ward7: Ward7,
) -> None:
    patient = ward7.admit(at=T0)
    ward7.ciwa(patient, T0, 5)
    ward7.scan(T0 + 4 * H + M)
    [flag] = ward7.flags("assessment_overdue")
    assert flag.severity == "moderate"
    with transaction(ward7.engine) as session:
        resolve_flag(
            session=session,
            actor=ward7.nurse,
            flag_id=flag.id or 0,
            note="Asleep; will score at 06:00",
            now=T0 + 5 * H,
        )
    ward7.scan(T0 + 7 * H)
    assert ward7.flags("assessment_overdue") == []
    ward7.scan(T0 + 8 * H + M)  # no CIWA-B for two intervals: reminded, more urgently
    [again] = ward7.flags("assessment_overdue")
    assert again.id != flag.id and again.severity == "high"
