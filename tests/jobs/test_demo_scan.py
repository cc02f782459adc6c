"""On the demo ward a scan raises what a careful nurse would find by reading every chart: each
uncharted dose past its window, each held or refused dose, the worsening patients; and a second
scan raises nothing. The expectations are computed here in plain Python from the rows, not by
the rules' SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from jobs.rules import SKIPPED_REVIEW_SPAN
from jobs.scan import run_scan
from models.tables import (
    Admission,
    DoseAdministration,
    Flag,
    Patient,
    ScheduledDose,
    Ward,
)
from seed_data.demo import PATIENTS, seed_demo

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)


def _expected_doses(session: Session, now: datetime) -> tuple[set[str], set[str]]:
    ward = session.exec(select(Ward)).one()
    window = timedelta(minutes=ward.dose_window_min)
    admitted = {
        a.id: a
        for a in session.exec(select(Admission).where(col(Admission.discharged_at).is_(None)))
    }
    valid = [a for a in session.exec(select(DoseAdministration)) if not a.entered_in_error]
    charted = {a.scheduled_dose_id for a in valid}
    missed = {
        f"dose:{slot.id}"
        for slot in session.exec(select(ScheduledDose))
        if slot.admission_id in admitted
        and slot.cancelled_at is None
        and slot.id not in charted
        and admitted[slot.admission_id].admitted_at <= slot.scheduled_at < now - window
    }
    skipped = {
        f"administration:{a.id}"
        for a in valid
        if a.admission_id in admitted
        and a.status in ("held", "refused", "not_given")
        and not a.prn
        and a.charted_at >= now - SKIPPED_REVIEW_SPAN
    }
    return missed, skipped


def test_a_scan_of_the_demo_ward_finds_what_the_charts_show(engine: Engine) -> None:
    seed_demo(engine, now=NOW)
    report = run_scan(engine, now=NOW)
    assert report.errors == []
    with Session(engine) as session:
        missed, skipped = _expected_doses(session, NOW)
        flags = session.exec(select(Flag).where(Flag.status != "resolved")).all()
        worsening_ids = {
            a.id
            for a, p in session.exec(
                select(Admission, Patient).join(Patient, col(Patient.id) == Admission.patient_id)
            )
            if any(s.worsening and s.family == p.family_name for s in PATIENTS)
        }
        discharged = {
            a.id
            for a in session.exec(
                select(Admission).where(col(Admission.discharged_at).is_not(None))
            )
        }
    by_rule: dict[str, set[str]] = {}
    for flag in flags:
        by_rule.setdefault(flag.rule, set()).add(flag.subject)
    assert missed and by_rule.get("missed_dose", set()) == missed
    assert skipped and by_rule.get("dose_skipped", set()) == skipped
    worse = {f.admission_id for f in flags if f.rule in ("worsening", "step_not_tolerated")}
    assert len(worsening_ids) == 2 and worsening_ids <= worse
    assert not {f.admission_id for f in flags} & discharged
    keys = [(f.admission_id, f.rule, f.subject) for f in flags]
    assert len(keys) == len(set(keys)) == report.raised

    again = run_scan(engine, now=NOW)
    assert again.errors == [] and again.changes == []
