"""Rounds: the physician's signed decision for a patient, and the plan change it carries out.

A decision (advance, hold, go back, adjust the recipe, or continue unchanged) is signed as a
RoundsNote with its reason. Every decision but "continue" makes the plan change of
models.plan_changes in the same transaction, so a note never exists without its plan version
nor a rounds change without its note. Physicians only, checked here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from models.admissions import open_admission
from models.audit import Actor, insert_audited
from models.errors import FieldError
from models.i18n import N_
from models.plan_changes import (
    PlanChange,
    Preview,
    apply_change,
    check_reason,
    on_open_hold,
    preview_change,
)
from models.plans import active_plan, stored_steps
from models.tables import DECISIONS, RoundsNote, Ward

DECISION_LABELS: dict[str, str] = {
    "continue": N_("Continue as planned"),
    "advance": N_("Advance"),
    "hold": N_("Hold"),
    "back": N_("Go back a step"),
    "adjust": N_("Adjust the recipe"),
}


def decision_change(
    session: Session,
    admission_id: int,
    decision: str,
    *,
    now: datetime,
    reason: str = "",
    hold_days: int | None = None,
    recipe: str | None = None,
    above_label_reason: str | None = None,
) -> PlanChange | None:
    """The plan change a decision makes (None for "continue"). Advancing a plan that is on a
    hold until resumed resumes it."""
    if decision not in DECISIONS:
        raise FieldError("decision", f"choose one of: {', '.join(DECISION_LABELS.values())}")
    if decision == "continue":
        return None
    kind = {"advance": "advance", "hold": "hold", "back": "back", "adjust": "recipe"}[decision]
    if decision == "advance":
        plan = active_plan(session, admission_id)
        admission = open_admission(session, admission_id)
        ward = session.get(Ward, admission.ward_id)
        assert ward is not None
        today = now.astimezone(ZoneInfo(ward.timezone)).date()
        if plan is not None and on_open_hold(stored_steps(session, plan), today):
            kind = "resume"
    return PlanChange(
        kind=kind,
        reason=reason,
        hold_days=hold_days,
        recipe=recipe,
        above_label_reason=above_label_reason,
    )


def preview_decision(
    *,
    session: Session,
    admission_id: int,
    decision: str,
    now: datetime,
    hold_days: int | None = None,
    recipe: str | None = None,
    above_label_reason: str | None = None,
) -> Preview | None:
    """The schedule the decision would give (None for "continue"); nothing is stored."""
    change = decision_change(
        session,
        admission_id,
        decision,
        now=now,
        hold_days=hold_days,
        recipe=recipe,
        above_label_reason=above_label_reason,
    )
    if change is None:
        return None
    return preview_change(session=session, admission_id=admission_id, change=change, now=now)


def sign_rounds_note(
    *,
    session: Session,
    actor: Actor,
    admission_id: int,
    decision: str,
    reason: str,
    now: datetime,
    hold_days: int | None = None,
    recipe: str | None = None,
    above_label_reason: str | None = None,
) -> RoundsNote:
    """Sign the decision and carry out its plan change. Physicians only."""
    actor.require("physician")
    text = check_reason(reason)
    open_admission(session, admission_id)
    change = decision_change(
        session,
        admission_id,
        decision,
        now=now,
        reason=f"Rounds: {text}",
        hold_days=hold_days,
        recipe=recipe,
        above_label_reason=above_label_reason,
    )
    if change is None:
        plan = active_plan(session, admission_id)
    else:
        plan = apply_change(
            session=session, actor=actor, admission_id=admission_id, change=change, now=now
        )
    note = RoundsNote(
        admission_id=admission_id,
        author_id=actor.user_id or 0,
        decision=decision,
        reason=text,
        signed_at=now,
        plan_id=plan.id if plan is not None else None,
    )
    insert_audited(session, actor=actor, action=f"rounds.{decision}", record=note)
    return note


def rounds_notes(session: Session, admission_id: int) -> list[RoundsNote]:
    """The admission's signed notes, newest first."""
    return list(
        session.exec(
            select(RoundsNote)
            .where(col(RoundsNote.admission_id) == admission_id)
            .order_by(col(RoundsNote.signed_at).desc(), col(RoundsNote.id).desc())
        )
    )
