"""Staff actions on review flags: acknowledge (seen and being handled; a note is optional) and
resolve (dealt with; the note says how). Raising, escalating and clearing flags is the review
jobs' work (jobs/); both sides change a flag only if it is still as they read it, so a person
and the scanner never overwrite each other.

No flag disappears before a person has seen it. When a rule finds an open flag's condition gone,
the flag becomes "cleared" (still on the queue and the board, shown as cleared); acknowledging
or resolving a cleared flag ends it, recording who saw it and when. A flag already acknowledged
ends when its condition clears: a person has seen it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update
from sqlmodel import Session, col

from models.audit import Actor, snapshot, update_audited
from models.errors import ConflictError, FieldError
from models.i18n import N_
from models.tables import Flag, User

FLAG_ROLES = ("nurse", "physician")
NOTE_MAX = 1000  # Flag.acknowledge_note / resolve_note length
# The missed-dose rule's severities (jobs.rules.doses): one missed dose is moderate, a second
# in the open episode makes them high. The MAR colours its "Missed" mark by the first.
MISSED_DOSE_SEVERITY = "moderate"
REPEATED_MISSED_DOSE_SEVERITY = "high"


@dataclass(frozen=True)
class ReviewRule:
    """What staff see of a review rule (the rule itself is in jobs.rules)."""

    name: str  # stored in Flag.rule
    label: str
    source: str  # [Sn] tags (models.clinical.sources), or "Local policy" and its model (N_)
    cleared: str  # recorded on its flag when the condition no longer holds
    # False for a rule that judges only some subjects on each scan (the step rule judges each
    # patient's latest step): its other flags are left as they are, never cleared for absence.
    judges_every_subject: bool = True


REVIEW_RULES: tuple[ReviewRule, ...] = (
    ReviewRule(
        "news2",
        N_("NEWS2"),
        N_("RCP NEWS2 clinical response [S35]"),
        N_("The latest NEWS2 is below the trigger"),
    ),
    ReviewRule(
        "severe_withdrawal",
        N_("Severe withdrawal"),
        N_("Bands [S4][S9]; flagging at a band: local policy"),
        N_("The latest score is below the ward's threshold"),
    ),
    ReviewRule(
        "missed_dose",
        N_("Missed dose"),
        N_(
            "[S41]; a second miss is high: skipped doses worsen withdrawal [S23]; "
            "window: ISMP [S37] (local policy)"
        ),
        N_("The dose has been charted, or cancelled by a plan change"),
    ),
    ReviewRule(
        "dose_skipped",
        N_("Dose held or refused"),
        N_("Skipped doses worsen withdrawal [S23][S41]"),
        N_("The entry was marked entered in error"),
    ),
    ReviewRule(
        "worsening",
        N_("Worsening score"),
        N_("Local policy: no published rule for a rise in N hours was found"),
        N_("The latest CIWA-B is no longer rising"),
    ),
    ReviewRule(
        "step_not_tolerated",
        N_("Step not tolerated"),
        N_("[S16][S22]; margins: local policy"),
        N_("CIWA-B and PRN use after the step are no longer above the margins"),
        judges_every_subject=False,
    ),
    ReviewRule(
        "prn_use",
        N_("PRN use"),
        N_("Local policy (no source sets a number)"),
        N_("PRN use over the last 24 h is below the ward's limits"),
    ),
    ReviewRule(
        "prn_reassessment",
        N_("No score after PRN"),
        N_("Local policy, after [S10]"),
        N_("A withdrawal score has been charted since the PRN dose"),
    ),
    ReviewRule(
        "assessment_overdue",
        N_("CIWA-B overdue"),
        N_("Local policy, after [S10][S56]"),
        N_("A CIWA-B has been charted"),
    ),
    ReviewRule(
        "vitals_overdue",
        N_("Vital signs overdue"),
        N_("Local policy; hourly when NEWS2 urgent [S35]"),
        N_("Vital signs have been charted"),
    ),
    ReviewRule(
        "dose_unconfirmed",
        N_("Dose above label unconfirmed"),
        N_("Label maxima [S61][S62][S63][S64]; confirmation by a physician: local policy"),
        N_("A physician confirmed the admission dose"),
    ),
    ReviewRule(
        "dose_too_high",
        N_("Dose may be too high"),
        N_(
            "Held for sedation [S71][S72]; POSS 3 or more: reduce the sedating dose [S68]; with "
            "RR 8 or less or SpO2 below target: top severity [S34][S69]; RASS threshold and "
            "counts: local policy"
        ),
        N_(
            "No dose held for sedation in the last 24 h and the latest readings are within the "
            "ward's sedation thresholds"
        ),
    ),
    ReviewRule(
        "no_plan",
        N_("No taper plan"),
        N_("Local policy: every admitted patient needs a plan in force"),
        N_("A taper plan is in force"),
    ),
)
REVIEW_RULE_BY_NAME: dict[str, ReviewRule] = {rule.name: rule for rule in REVIEW_RULES}
DISCHARGED = N_("The patient was discharged")  # why the flags of a discharged patient closed


def acknowledge_flag(
    *, session: Session, actor: Actor, flag_id: int, note: str | None, now: datetime
) -> Flag:
    """Mark an open flag as seen and being handled; a cleared flag, seen, ends."""
    actor.require(*FLAG_ROLES)
    flag = _unresolved(session, flag_id)
    if flag.status == "acknowledged":
        raise ConflictError(f"already acknowledged by {_who(session, flag.acknowledged_by)}")
    text = _note(note, required=False)
    seen = {"acknowledged_by": actor.user_id, "acknowledged_at": now, "acknowledge_note": text}
    if flag.status != "cleared":
        return _change(
            session, actor, flag, "flag.acknowledge", status="acknowledged", **seen, updated_at=now
        )
    return _change(
        session,
        actor,
        flag,
        "flag.acknowledge",
        status="resolved",
        **seen,
        resolved_by=actor.user_id,
        resolved_at=now,
        resolve_note=f"Seen after it cleared: {flag.cleared_note or 'condition gone'}",
        updated_at=now,
    )


def resolve_flag(
    *, session: Session, actor: Actor, flag_id: int, note: str | None, now: datetime
) -> Flag:
    """Close a flag as dealt with; the note (required) says how."""
    actor.require(*FLAG_ROLES)
    flag = _unresolved(session, flag_id)
    text = _note(note, required=True)
    return _change(
        session,
        actor,
        flag,
        "flag.resolve",
        status="resolved",
        resolved_by=actor.user_id,
        resolved_at=now,
        resolve_note=text,
        updated_at=now,
    )


def _unresolved(session: Session, flag_id: int) -> Flag:
    flag = session.get(Flag, flag_id)
    if flag is None:
        raise FieldError("flag", f"no flag {flag_id}")
    if flag.status == "resolved":
        by = _who(session, flag.resolved_by) if flag.resolved_by is not None else "the review rule"
        reason = f" ({flag.resolve_note})" if flag.resolve_note else ""
        raise ConflictError(f"already resolved by {by}{reason}; refresh the queue")
    return flag


def _note(note: str | None, *, required: bool) -> str | None:
    text = (note or "").strip()
    if required and not text:
        raise FieldError("note", "say how the flag was dealt with")
    if len(text) > NOTE_MAX:
        raise FieldError(
            "note", N_("keep the note under {most} characters"), values={"most": NOTE_MAX}
        )
    return text or None


def _who(session: Session, user_id: int | None) -> str:
    user = session.get(User, user_id) if user_id is not None else None
    return user.display_name if user is not None else "someone else"


def _change(session: Session, actor: Actor, flag: Flag, action: str, **values: Any) -> Flag:
    """Apply ``values`` only if the flag is still as read (status and version), then audit."""
    before = snapshot(flag)
    assert flag.id is not None
    changed = update_flag_as_read(
        session.connection(),
        flag_id=flag.id,
        status=flag.status,
        updated_at=flag.updated_at,
        values=values,
    )
    if not changed:
        raise ConflictError("the flag changed while you were looking at it; refresh the queue")
    session.refresh(flag)
    update_audited(
        session,
        actor=actor,
        action=action,
        record=flag,
        before=before,
    )
    return flag


def update_flag_as_read(
    connection: Connection,
    *,
    flag_id: int,
    status: str,
    updated_at: datetime,
    values: Mapping[str, Any],
) -> bool:
    """Apply ``values`` to a flag only if it is still in the ``status`` and at the version
    (``updated_at``) it was read in: a person and the scanner never overwrite each other's
    change. False when it changed meanwhile (nothing written)."""
    changed = connection.execute(
        update(Flag)
        .where(
            col(Flag.id) == flag_id,
            col(Flag.status) == status,
            col(Flag.updated_at) == updated_at,
        )
        .values(**values)
        .returning(col(Flag.id))
    ).first()
    return changed is not None
