"""The plan change form's write adapter: the form's values read into the domain's change (or
new plan), previewed or saved through the one refusal adapter (dashboard.refusals).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TypeVar

from sqlmodel import Session

from dashboard.components.charting_common import typed_number
from dashboard.components.plan_change_form import CUSTOM_RECIPE
from dashboard.context import engine, require_role
from dashboard.i18n import N_, language
from dashboard.refusals import Refusal, attempt
from models.clinical.drugs import mg_to_ug
from models.clinical.recipes import PRESETS
from models.errors import FieldError
from models.plan_changes import (
    PlanChange,
    PlanSpec,
    Preview,
    apply_change,
    create_plan,
    preview_change,
    preview_new_plan,
)
from models.tables import TaperPlan

T = TypeVar("T")


def recipe_text(preset: str | None, custom: str | None) -> str:
    if preset and preset != CUSTOM_RECIPE:
        return PRESETS[preset].recipe
    text = (custom or "").strip()
    if not text:
        raise FieldError("recipe", N_("choose a preset or write a recipe, e.g. -10%/14d"))
    return text


def read_change(
    kind: str,
    *,
    reason: str | None,
    hold_days: Any,
    until_resumed: bool | None,
    preset: str | None,
    custom_recipe: str | None,
    above_label_reason: str | None = None,
) -> PlanChange:
    confirm = above_label_reason or None
    if kind == "hold":
        days = None
        if not until_resumed:
            if hold_days in (None, ""):
                raise FieldError(
                    "hold_days", N_("enter the number of days, or tick 'until resumed'")
                )
            days = int(hold_days)
        return PlanChange("hold", reason or "", hold_days=days, above_label_reason=confirm)
    if kind == "recipe":
        return PlanChange(
            "recipe",
            reason or "",
            recipe=recipe_text(preset, custom_recipe),
            above_label_reason=confirm,
        )
    return PlanChange(kind=kind, reason=reason or "", above_label_reason=confirm)


def read_new_plan(
    *,
    drug: str | None,
    daily_mg: str | None,
    substitution: bool,
    to_drug: str | None,
    table: str | None,
    stages: Any,
    start: str | None,
    times: str | None,
    preset: str | None,
    custom_recipe: str | None,
    reason: str | None,
    above_label_reason: str | None = None,
) -> PlanSpec:
    if not drug:
        raise FieldError("drug", N_("choose the drug the patient takes"))
    if not start:
        raise FieldError("start", N_("choose the day of the first change"))
    if substitution and not to_drug:
        raise FieldError("to_drug", N_("choose the drug to cross over to"))
    return PlanSpec(
        drug=drug,
        daily_ug=mg_to_ug(
            typed_number(daily_mg or "", language(), field="daily_mg"), field="daily_mg"
        ),
        recipe=recipe_text(preset, custom_recipe),
        start=date.fromisoformat(str(start)[:10]),
        reason=reason or "",
        to_drug=to_drug if substitution else None,
        table=table or "ashton",
        stages=int(stages or 4),
        times=(times or "").strip() or None,
        above_label_reason=above_label_reason or None,
    )


def change_from_form(kind: str, values: dict[str, Any]) -> PlanChange:
    """The form's values (by field name) read into a change of ``kind``."""
    return read_change(
        kind,
        reason=values.get("reason"),
        hold_days=values.get("hold_days"),
        until_resumed=values.get("until_resumed"),
        preset=values.get("preset"),
        custom_recipe=values.get("custom_recipe"),
        above_label_reason=values.get("above_label_reason"),
    )


def preview_for(
    admission_id: int, kind: str, values: dict[str, Any], now: datetime
) -> Preview | Refusal:
    def run(session: Session) -> Preview:
        if kind == "create":
            return preview_new_plan(
                session=session,
                admission_id=admission_id,
                new_plan=read_new_plan(**values),
                now=now,
            )
        change = change_from_form(kind, values)
        return preview_change(session=session, admission_id=admission_id, change=change, now=now)

    return attempt(engine(), run, write=False)


def save_for(
    admission_id: int, kind: str, values: dict[str, Any], now: datetime
) -> TaperPlan | Refusal:
    actor = require_role("physician")

    def run(session: Session) -> TaperPlan:
        if kind == "create":
            return create_plan(
                session=session,
                actor=actor,
                admission_id=admission_id,
                new_plan=read_new_plan(**values),
                now=now,
            )
        change = change_from_form(kind, values)
        return apply_change(
            session=session, actor=actor, admission_id=admission_id, change=change, now=now
        )

    return attempt(engine(), run)
