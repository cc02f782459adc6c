"""Findings into flags: raise the new, escalate the worse, refresh the changed, and close what
no longer holds without ever hiding a flag nobody has seen. Set-based (one read, batched writes)
and idempotent: a second scan changes nothing.

When a rule no longer finds a flag's condition: an open flag (nobody has seen it) becomes
"cleared" and stays on the queue until a person acknowledges it (models.flags); an acknowledged
flag ends (resolved: a person has seen it); a cleared flag found again is opened again. A
discharged patient's flags end with the discharge.

At most one unresolved flag per (admission, rule, subject) is the database's rule (a partial
unique index). New flags go in with ``ON CONFLICT DO NOTHING`` on that very index, so when two
scanners race, the loser's insert of the same flag is skipped inside its transaction (no
aborted transaction, no duplicate, no second audit row). Updates carry the version they read
(``updated_at``) and the status they expect, so a change made meanwhile by a person or the
other scanner is never overwritten; the next scan looks again.

A flag resolved by a person stays resolved until new evidence arrives (a reading charted, or a
deadline passed, after the resolution): "resolve" must not be undone a minute later.
Every change is audited as the system actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Executable, Insert, bindparam, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from jobs.rules import Finding
from models.audit import SYSTEM, AuditedChange, write_audit_events
from models.clinical.levels import FLAG_SEVERITIES
from models.flags import DISCHARGED, update_flag_as_read
from models.statements import built_once
from models.tables import UNRESOLVED_FLAG_STATUSES, Admission, Flag

SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(FLAG_SEVERITIES)}
# "Not resolved" spelled as the statuses it leaves, so the (status, admission_id) index finds the
# open flags directly instead of every admission being probed for them.
UNRESOLVED = UNRESOLVED_FLAG_STATUSES
_BATCH = 500  # ids per IN list (SQLite's bound-parameter limit is far above)

Key = tuple[int, str]


def _audit_flag_changes(
    connection: Connection, now: datetime, events: Sequence[AuditedChange]
) -> None:
    """The scan's flag changes, audited as the system."""
    write_audit_events(connection, actor=SYSTEM, at=now, entity="flag", events=events)


@dataclass(frozen=True)
class FlagChange:
    action: str  # raise | escalate | update | reopen | clear | resolve
    flag_id: int
    admission_id: int
    rule: str
    subject: str
    severity: str
    message: str


class _Unresolved(NamedTuple):
    id: int
    admission_id: int
    subject: str
    severity: str
    status: str
    message: str
    message_code: str | None
    message_values: dict[str, Any] | None
    subject_at: datetime | None
    updated_at: datetime
    discharged: bool


def sync_flags(
    session: Session,
    *,
    rule: str,
    cleared: str,
    findings: Sequence[Finding],
    now: datetime,
    judges_every_subject: bool = True,
) -> list[FlagChange]:
    """Make the unresolved flags of ``rule`` match ``findings`` (all wards at once). A finding
    without a severity says its subject was judged and its condition is absent; when the rule
    does not judge every subject on each scan, only those subjects' flags can clear."""
    connection = session.connection()
    judged = _by_key(findings)
    found = {key: f for key, f in judged.items() if f.severity is not None}
    unresolved = {(f.admission_id, f.subject): f for f in _read_unresolved(connection, rule)}
    new = [found[k] for k in sorted(found) if k not in unresolved]
    new = _not_resolved_by_staff(connection, rule, new)
    changes = _raise(connection, rule, new, now)
    for key in sorted(found.keys() & unresolved.keys()):
        change = _escalate_or_refresh(connection, rule, unresolved[key], found[key], now)
        if change is not None:
            changes.append(change)
    gone = [
        flag
        for key, flag in sorted(unresolved.items())
        if key not in found and (judges_every_subject or key in judged or flag.discharged)
    ]
    discharged = [f for f in gone if f.discharged]
    changes += _close(connection, rule, discharged, DISCHARGED, now, status="resolved")
    seen = [f for f in gone if not f.discharged and f.status == "acknowledged"]
    changes += _close(connection, rule, seen, cleared, now, status="resolved")
    unseen = [f for f in gone if not f.discharged and f.status == "open"]
    changes += _close(connection, rule, unseen, cleared, now, status="cleared")
    return changes


def _rank(severity: str | None) -> int:
    return -1 if severity is None else SEVERITY_RANK[severity]


def _by_key(findings: Iterable[Finding]) -> dict[Key, Finding]:
    """One finding per subject; if a rule reports one twice, the more severe wins."""
    out: dict[Key, Finding] = {}
    for finding in findings:
        key = (finding.admission_id, finding.subject)
        kept = out.get(key)
        if kept is None or _rank(finding.severity) > _rank(kept.severity):
            out[key] = finding
    return out


# The statements read on every scan, built once with the rule as a bound parameter.
@built_once
def _unresolved_query() -> Executable:
    return (
        select(
            col(Flag.id),
            col(Flag.admission_id),
            col(Flag.subject),
            col(Flag.severity),
            col(Flag.status),
            col(Flag.message),
            col(Flag.message_code),
            col(Flag.message_values),
            col(Flag.subject_at),
            col(Flag.updated_at),
            col(Admission.discharged_at).is_not(None).label("discharged"),
        )
        .join(Admission, col(Admission.id) == col(Flag.admission_id))
        .where(col(Flag.rule) == bindparam("rule"), col(Flag.status).in_(UNRESOLVED))
    )


@built_once
def _resolved_by_staff_query() -> Executable:
    return (
        select(col(Flag.admission_id), col(Flag.subject), func.max(col(Flag.resolved_at)))
        .join(Admission, col(Admission.id) == col(Flag.admission_id))
        .where(
            col(Flag.rule) == bindparam("rule"),
            col(Flag.status) == "resolved",
            col(Flag.resolved_by).is_not(None),
            col(Admission.discharged_at).is_(None),
        )
        .group_by(col(Flag.admission_id), col(Flag.subject))
    )


def _read_unresolved(connection: Connection, rule: str) -> list[_Unresolved]:
    rows = connection.execute(_unresolved_query(), {"rule": rule}).all()
    return [_Unresolved(*row) for row in rows]


def _not_resolved_by_staff(connection: Connection, rule: str, new: list[Finding]) -> list[Finding]:
    """Drop findings whose evidence a person has already seen and resolved."""
    if not new:
        return new
    rows = connection.execute(_resolved_by_staff_query(), {"rule": rule}).all()
    resolved_at: dict[Key, datetime] = {(a, s): at for a, s, at in rows if at is not None}
    return [
        f
        for f in new
        if (seen := resolved_at.get((f.admission_id, f.subject))) is None or f.evidence_at > seen
    ]


@built_once
def _insert_ignoring_duplicates(dialect_name: str) -> Insert:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(Flag).on_conflict_do_nothing(
        index_elements=["admission_id", "rule", "subject"],
        index_where=text("status <> 'resolved'"),  # the index's own predicate
    )
    returning: Insert = statement.returning(col(Flag.id), col(Flag.admission_id), col(Flag.subject))
    return returning


def _raise(
    connection: Connection, rule: str, new: list[Finding], now: datetime
) -> list[FlagChange]:
    if not new:
        return []
    assert all(f.severity is not None for f in new)
    values = [
        {
            "admission_id": f.admission_id,
            "rule": rule,
            "subject": f.subject,
            "severity": f.severity,
            **_message_columns(f),
            "status": "open",
            "raised_at": now,
            "updated_at": now,
            "subject_at": f.subject_at,
        }
        for f in new
    ]
    insert = _insert_ignoring_duplicates(connection.dialect.name)
    inserted = connection.execute(insert, values).all()
    by_key = {(f.admission_id, f.subject): f for f in new}
    changes = []
    for flag_id, admission_id, subject in inserted:
        f = by_key[(admission_id, subject)]
        changes.append(
            FlagChange("raise", flag_id, admission_id, rule, subject, str(f.severity), f.message)
        )
    _audit_flag_changes(
        connection,
        now,
        [
            (
                "flag.raise",
                c.flag_id,
                None,
                _state(
                    c.severity,
                    "open",
                    _message_columns(by_key[(c.admission_id, c.subject)]),
                    None,
                ),
            )
            for c in changes
        ],
    )
    return changes


def _escalate_or_refresh(
    connection: Connection, rule: str, flag: _Unresolved, finding: Finding, now: datetime
) -> FlagChange | None:
    """A cleared flag found again is opened again (keeping the worst severity it has had); a
    worse finding raises the flag's severity and re-opens an acknowledged flag; a newer finding
    of the same severity refreshes its line. A milder one leaves it as it is: the flag keeps the
    worst it has seen until a person or the rule closes it."""
    assert finding.severity is not None
    reopen = flag.status == "cleared"
    worse = SEVERITY_RANK[finding.severity] > SEVERITY_RANK[flag.severity]
    same = finding.severity == flag.severity
    message = _message_columns(finding)
    changed = (
        message["message"] != flag.message
        or message["message_code"] != flag.message_code
        or message["message_values"] != flag.message_values
        or finding.subject_at != flag.subject_at
    )
    if not (reopen or worse or (same and changed)):
        return None
    severity = finding.severity if worse else flag.severity
    values: dict[str, Any] = {
        **message,
        "subject_at": finding.subject_at,
        "updated_at": now,
    }
    if worse or reopen:
        values.update(
            severity=severity,
            status="open",
            acknowledged_by=None,
            acknowledged_at=None,
            acknowledge_note=None,
            cleared_at=None,
            cleared_note=None,
        )
    done = update_flag_as_read(
        connection,
        flag_id=flag.id,
        status=flag.status,
        updated_at=flag.updated_at,
        values=values,
    )
    if not done:  # changed meanwhile by a person or another scanner: next scan looks again
        return None
    action = "reopen" if reopen else "escalate" if worse else "update"
    status = values.get("status", flag.status)
    _audit_flag_changes(
        connection,
        now,
        [
            (
                f"flag.{action}",
                flag.id,
                _state(
                    flag.severity,
                    flag.status,
                    {
                        "message": flag.message,
                        "message_code": flag.message_code,
                        "message_values": flag.message_values,
                    },
                    flag.subject_at,
                ),
                _state(severity, status, message, finding.subject_at),
            )
        ],
    )
    return FlagChange(
        action, flag.id, flag.admission_id, rule, flag.subject, severity, finding.message
    )


def _close(
    connection: Connection,
    rule: str,
    flags: list[_Unresolved],
    reason: str,
    now: datetime,
    *,
    status: str,
) -> list[FlagChange]:
    """Mark ``flags`` resolved (by the rule) or cleared, each only if still in the status it was
    read in: a person acknowledging one meanwhile is never overwritten."""
    if status == "resolved":
        values: dict[str, Any] = {
            "status": "resolved",
            "resolved_at": now,
            "resolved_by": None,
            "resolve_note": reason,
            "updated_at": now,
        }
    else:
        values = {
            "status": "cleared",
            "cleared_at": now,
            "cleared_note": reason[:500],
            "updated_at": now,
        }
    action = "resolve" if status == "resolved" else "clear"
    changes: list[FlagChange] = []
    by_status: dict[str, list[_Unresolved]] = {}
    for flag in flags:
        by_status.setdefault(flag.status, []).append(flag)
    for read_as, group in sorted(by_status.items()):
        by_id = {f.id: f for f in group}
        ids = sorted(by_id)
        for start in range(0, len(ids), _BATCH):
            done = connection.execute(
                update(Flag)
                .where(col(Flag.id).in_(ids[start : start + _BATCH]), col(Flag.status) == read_as)
                .values(**values)
                .returning(col(Flag.id))
            ).all()
            for row in done:
                f = by_id[int(row[0] or 0)]
                changes.append(
                    FlagChange(action, f.id, f.admission_id, rule, f.subject, f.severity, reason)
                )
    before = {f.id: f.status for f in flags}
    after = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
    after.pop("updated_at", None)
    _audit_flag_changes(
        connection,
        now,
        [(f"flag.{action}", c.flag_id, {"status": before[c.flag_id]}, after) for c in changes],
    )
    return changes


def _message_columns(finding: Finding) -> dict[str, Any]:
    """A finding's message as stored: the English text, and its code and values
    (models.flag_text) when the rule gave them."""
    text = finding.text
    return {
        "message": finding.message[:500],
        "message_code": None if text is None else text["code"],
        "message_values": None if text is None else dict(text["values"]),
    }


def _state(
    severity: str, status: str, message: Mapping[str, Any], subject_at: datetime | None
) -> dict[str, Any]:
    return {
        "severity": severity,
        "status": status,
        **message,
        "subject_at": subject_at.isoformat() if subject_at else None,
    }
