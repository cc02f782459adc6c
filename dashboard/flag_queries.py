"""Read-side queries for review flags: the queue, the nav badge and the ward board. One SQL
query per question; flags are unresolved ones (open, acknowledged, or cleared before anyone saw
them) of admitted patients."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from dashboard.i18n import request_translator
from dashboard.theme import FLAG_LEVEL
from models.clinical.levels import FLAG_SEVERITIES
from models.flag_text import flag_message
from models.flags import REVIEW_RULE_BY_NAME
from models.tables import UNRESOLVED_FLAG_STATUSES, Admission, Flag, Patient, User

# Flags nobody has seen yet: the queue's "to see", the nav badge.
UNSEEN_FLAG_STATUSES = ("open", "cleared")
# Severity rank, low 0 ... emergency 3 (FLAG_SEVERITIES is mildest first).
SEVERITY_ORDER: dict[str, int] = {name: rank for rank, name in enumerate(FLAG_SEVERITIES)}


@dataclass(frozen=True)
class QueueFlag:
    id: int
    admission_id: int
    rule: str
    subject: str
    severity: str
    message: str
    status: str  # open | acknowledged | cleared
    raised_at: datetime
    updated_at: datetime
    subject_at: datetime | None
    acknowledged_by: str | None  # display name
    acknowledged_at: datetime | None
    acknowledge_note: str | None
    cleared_at: datetime | None = None
    cleared_note: str | None = None
    message_code: str | None = None  # the message language-neutral (models.flag_text)
    message_values: Mapping[str, Any] | None = None

    def text(self, language: str) -> str:
        """The message in ``language``: rendered from its code and values, or, for a flag raised
        before the codes, its stored English."""
        return flag_message(self.message_code, self.message_values, self.message, language)

    @property
    def level(self) -> int:
        """The theme's severity level (0-4), shared with the board and the chart. A cleared
        flag's condition is gone: it waits to be seen, at level 0 (its severity still named)."""
        return 0 if self.status == "cleared" else FLAG_LEVEL.get(self.severity, 0)

    @property
    def rule_label(self) -> str:
        rule = REVIEW_RULE_BY_NAME.get(self.rule)
        return rule.label if rule is not None else self.rule.replace("_", " ").capitalize()

    @property
    def rule_source(self) -> str:
        """Where the rule comes from ([Sn] tags), or that it is local policy."""
        rule = REVIEW_RULE_BY_NAME.get(self.rule)
        return rule.source if rule is not None else ""


# The fields a QueueFlag takes from its Flag row as they are (its id, checked not None, and the
# acknowledger's display name, read from the user joined, are set apart).
_COPIED_FROM_FLAG = tuple(
    field.name for field in fields(QueueFlag) if field.name not in ("id", "acknowledged_by")
)


def flag_text(flag: QueueFlag | Flag) -> str:
    """A flag's message in the reader's language (models.flag_text); a flag raised before the
    codes shows its stored English."""
    return flag_message(flag.message_code, flag.message_values, flag.message, request_translator())


@dataclass(frozen=True)
class QueuePatient:
    admission_id: int
    bed: str
    name: str
    mrn: str
    flags: tuple[QueueFlag, ...]  # most severe, then newest, first

    @property
    def level(self) -> int:
        return max(f.level for f in self.flags)

    @property
    def worst_severity(self) -> int:
        return max(SEVERITY_ORDER.get(f.severity, -1) for f in self.flags)


def _admitted_on(ward_id: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a flag's admission (joined) being on the ward now."""
    return (col(Admission.ward_id) == ward_id, col(Admission.discharged_at).is_(None))


def _flags_where(
    session: Session, ward_id: int, *where: ColumnElement[bool]
) -> list[tuple[QueueFlag, str, str, str]]:
    """The flags of the ward's admitted patients that meet ``where``, most severe then newest
    first, each with its patient's bed, name and MRN."""
    acknowledger = aliased(User)
    severity_rank = case(SEVERITY_ORDER, value=col(Flag.severity), else_=-1)
    query = (
        select(Flag, col(acknowledger.display_name), Admission, Patient)
        .join(Admission, col(Admission.id) == col(Flag.admission_id))
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .outerjoin(acknowledger, col(acknowledger.id) == col(Flag.acknowledged_by))
        .where(*_admitted_on(ward_id), *where)
        .order_by(severity_rank.desc(), col(Flag.raised_at).desc(), col(Flag.id).desc())
    )
    out = []
    for flag, ack_name, admission, patient in session.exec(query).all():
        assert flag.id is not None
        out.append(
            (
                QueueFlag(
                    id=flag.id,
                    acknowledged_by=ack_name,
                    **{name: getattr(flag, name) for name in _COPIED_FROM_FLAG},
                ),
                admission.bed,
                f"{patient.family_name.upper()}, {patient.given_name}",
                patient.mrn,
            )
        )
    return out


def open_flags_by_admission(session: Session, ward_id: int) -> dict[int, list[QueueFlag]]:
    """Each admitted patient's unresolved flags (open and acknowledged; ``status`` tells
    which), most severe then newest first. Patients without flags are absent."""
    out: dict[int, list[QueueFlag]] = {}
    for flag, *_ in _flags_where(session, ward_id, col(Flag.status).in_(UNRESOLVED_FLAG_STATUSES)):
        out.setdefault(flag.admission_id, []).append(flag)
    return out


def review_queue(
    session: Session,
    ward_id: int,
    *,
    severities: Collection[str] | None = None,
    rules: Collection[str] | None = None,
    include_acknowledged: bool = True,
) -> list[QueuePatient]:
    """Unresolved flags grouped by patient; patients ordered by their most severe flag, then
    their newest flag; within a patient, most severe then newest first."""
    statuses = UNRESOLVED_FLAG_STATUSES if include_acknowledged else UNSEEN_FLAG_STATUSES
    where = [col(Flag.status).in_(statuses)]
    if severities:
        where.append(col(Flag.severity).in_(list(severities)))
    if rules:
        where.append(col(Flag.rule).in_(list(rules)))
    grouped: dict[int, tuple[str, str, str, list[QueueFlag]]] = {}
    for flag, bed, name, mrn in _flags_where(session, ward_id, *where):
        grouped.setdefault(flag.admission_id, (bed, name, mrn, []))[3].append(flag)
    patients = [
        QueuePatient(admission_id, bed, name, mrn, tuple(flags))
        for admission_id, (bed, name, mrn, flags) in grouped.items()
    ]
    patients.sort(
        key=lambda p: (
            -p.level,
            -max(f.raised_at for f in p.flags).timestamp(),
            p.bed,
        )
    )
    return patients


def open_flag_count(session: Session, ward_id: int) -> int:
    """Flags nobody has seen yet (open, or cleared before anyone looked): the nav badge."""
    count = session.exec(
        select(func.count())
        .select_from(Flag)
        .join(Admission, col(Admission.id) == col(Flag.admission_id))
        .where(*_admitted_on(ward_id), col(Flag.status).in_(UNSEEN_FLAG_STATUSES))
    ).one()
    return int(count)


def status_counts(session: Session, ward_id: int) -> dict[str, int]:
    rows = session.exec(
        select(col(Flag.status), func.count())
        .join(Admission, col(Admission.id) == col(Flag.admission_id))
        .where(*_admitted_on(ward_id), col(Flag.status) != "resolved")
        .group_by(col(Flag.status))
    ).all()
    return {status: int(n) for status, n in rows}
