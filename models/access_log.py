"""The access log: who opened which admission's chart or printed its sheets (downloads are
audited where they are served), and the admin's view of the whole audit trail, writes and
reads, filtered. A read event names the user, the admission and what was opened, never any
patient data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import or_
from sqlmodel import Session, col, select

from models.audit import Actor, audit_event
from models.errors import FieldError
from models.i18n import N_
from models.tables import Admission, AuditEvent, Patient

READ_ACTIONS = ("read.chart", "read.print")
AUDIT_ROWS_SHOWN = 500
MRN_MAX = 32


def record_read(session: Session, *, actor: Actor, action: str, admission_id: int) -> None:
    """A user opened an admission's record (``action`` one of READ_ACTIONS)."""
    if action not in READ_ACTIONS:
        raise ValueError(f"unknown read action {action}")
    audit_event(session, actor=actor, action=action, entity="admission", entity_id=admission_id)


@dataclass(frozen=True)
class AuditFilter:
    username: str = ""
    patient: str = ""  # an MRN, or an admission id
    action: str = ""  # an action, or its prefix ("read", "user")
    since: date | None = None
    until: date | None = None  # inclusive


def audit_filter(
    *, username: object, patient: object, action: object, since: object, until: object
) -> AuditFilter:
    """The filter from a form's values; a bad value is a FieldError naming its field."""

    def text(name: str, value: object, limit: int) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            raise FieldError(name, N_("must be text"))
        value = value.strip()
        if len(value) > limit or "\x00" in value:
            raise FieldError(name, N_("keep it under {limit} characters"), values={"limit": limit})
        return value

    def day(name: str, value: object) -> date | None:
        raw = text(name, value, 10)
        if not raw:
            return None
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            raise FieldError(name, N_("write a date as YYYY-MM-DD")) from None

    found = AuditFilter(
        username=text("user", username, 64).lower(),
        patient=text("patient", patient, MRN_MAX),
        action=text("action", action, 48),
        since=day("since", since),
        until=day("until", until),
    )
    if found.since and found.until and found.until < found.since:
        raise FieldError("until", N_("the end date is before the start date"))
    return found


def audit_events(
    session: Session, wanted: AuditFilter, tz: tzinfo, *, limit: int = AUDIT_ROWS_SHOWN
) -> Sequence[AuditEvent]:
    """Audit events matching ``wanted``, newest first (dates are the ward's days)."""
    query = select(AuditEvent)
    if wanted.username:
        query = query.where(col(AuditEvent.actor) == wanted.username)
    if wanted.action:
        query = query.where(
            or_(
                col(AuditEvent.action) == wanted.action,
                col(AuditEvent.action).startswith(wanted.action.rstrip(".") + "."),
            )
        )
    if wanted.patient:
        admissions, patients = _patient_records(session, wanted.patient)
        query = query.where(
            or_(
                (col(AuditEvent.entity) == "admission") & col(AuditEvent.entity_id).in_(admissions),
                (col(AuditEvent.entity) == "patient") & col(AuditEvent.entity_id).in_(patients),
            )
        )
    if wanted.since:
        query = query.where(col(AuditEvent.at) >= datetime.combine(wanted.since, time(0), tz))
    if wanted.until:
        end = datetime.combine(wanted.until + timedelta(days=1), time(0), tz)
        query = query.where(col(AuditEvent.at) < end)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    return session.exec(query).all()


def _patient_records(session: Session, patient: str) -> tuple[list[int], list[int]]:
    """Admission and patient ids for an MRN, or for an admission id."""
    if patient.isdigit() and len(patient) <= 9:
        admission = session.get(Admission, int(patient))
        if admission is not None:
            return [int(patient)], [admission.patient_id]
    found = session.exec(select(Patient).where(Patient.mrn == patient.upper())).first()
    if found is None or found.id is None:
        return [], []
    ids = session.exec(select(Admission.id).where(Admission.patient_id == found.id)).all()
    return [int(i) for i in ids if i is not None], [found.id]
