"""Rounds: the attending's patients, each with what happened since the last signed rounds note,
and the decision (continue, advance, hold, go back, adjust) signed with its reason.

Physicians and admins see the page; only a physician signs a decision (the callbacks answer 403
to anyone else, and models.rounds refuses the write). A decision other than "continue" carries
out the plan change in the same transaction as the note. The page's pieces have their own
modules: the suggestions (rounds_suggestions), each patient's card (rounds_card, rounds_tiles)
and the review drawer (rounds_review).
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components import plan_change_form, plan_form_preview, plan_write
from dashboard.components.plan_change_form import form_states
from dashboard.components.plan_preview import refusal_message
from dashboard.components.rounds_card import decision_label, patient_card
from dashboard.components.rounds_review import (
    DECISION_KIND,
    patient_notes,
    plan_table,
    review_content,
)
from dashboard.components.rounds_tiles import day_time
from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.i18n import _, language
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback, register_page
from dashboard.rounds_queries import rounds_summaries
from models.audit import Actor
from models.errors import FieldError
from models.i18n.formats import format_full_date
from models.plan_changes import MAX_HOLD_DAYS
from models.rounds import preview_decision, sign_rounds_note
from models.tables import RoundsNote
from models.types import utcnow

register_page(__name__, path="/rounds", title="Rounds")


ROLES = ("physician", "admin")


def cards(scope: str, actor: Actor) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        attending = actor.user_id if scope == "mine" else None
        summaries = rounds_summaries(session, ward, now=now, attending_id=attending)
    tz = ZoneInfo(ward.timezone)
    if not summaries:
        text = (
            _("No admitted patients under your care. Choose 'All ward' to see everyone.")
            if scope == "mine"
            else _("No admitted patients.")
        )
        return dmc.Text(text, id="rounds-empty")
    can_sign = actor.role == "physician"
    return dmc.Stack(
        [patient_card(s, tz=tz, now=now, can_sign=can_sign) for s in summaries], gap="md"
    )


# --- page ----------------------------------------------------------------------------------


def layout(**_query: Any) -> Any:
    actor = current_actor()
    if actor.role not in ROLES:
        return dmc.Alert(
            _("Rounds are for physicians and admins."), color="red", id="rounds-denied"
        )
    scope = "mine" if actor.role == "physician" else "all"
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
    today = now.astimezone(ZoneInfo(ward.timezone))
    return html.Div(
        [
            dmc.Group(
                [
                    dmc.Group(
                        [
                            dmc.Title(_("Rounds"), order=2, className="tw-page-title"),
                            dmc.Text(format_full_date(today.date(), language()), size="lg"),
                        ],
                        gap="md",
                        align="baseline",
                    ),
                    dmc.Group(
                        [
                            dmc.SegmentedControl(
                                id="rounds-scope",
                                **{"aria-label": _("Whose patients")},
                                value=scope,
                                size="md",
                                data=[
                                    {"value": "mine", "label": _("My patients")},
                                    {"value": "all", "label": _("All ward")},
                                ],
                            ),
                            dmc.Anchor(
                                _("Print rounds sheet"),
                                href=f"/rounds/print?scope={scope}",
                                id="rounds-print-link",
                                target="_blank",
                                size="md",
                            ),
                        ],
                        gap="md",
                    ),
                ],
                justify="space-between",
                className="tw-no-print",
            ),
            html.Div(cards(scope, actor), id="rounds-list"),
            dmc.Drawer(
                html.Div(id="rounds-review"),
                id="rounds-drawer",
                opened=False,
                position="right",
                size="88%",
                title="",
                padding="md",
                closeOnClickOutside=False,
            ),
            dcc.Store(id="rounds-admission", data=None),
        ],
        className="tw-rounds",
    )


plan_change_form.form_callbacks("rd")


def _scoped(scope: str | None) -> str:
    return scope if scope in ("mine", "all") else "all"


@callback(
    output={
        "cards": Output("rounds-list", "children", allow_duplicate=True),
        "print_link": Output("rounds-print-link", "href"),
    },
    inputs={"scope": Input("rounds-scope", "value")},
    prevent_initial_call=True,
)
def _scope(scope: str | None) -> dict[str, Any]:
    actor = require_role(*ROLES)
    scope = _scoped(scope)
    return {"cards": cards(scope, actor), "print_link": f"/rounds/print?scope={scope}"}


@callback(
    output={
        "opened": Output("rounds-drawer", "opened"),
        "title": Output("rounds-drawer", "title"),
        "review": Output("rounds-review", "children"),
        "admission": Output("rounds-admission", "data"),
    },
    inputs={"clicks": Input({"type": "rounds-review-open", "admission": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open(clicks: list[int | None]) -> dict[str, Any]:
    actor = require_role(*ROLES)
    if not any(clicks) or not isinstance(ctx.triggered_id, dict):
        raise PreventUpdate
    admission_id = int(ctx.triggered_id["admission"])
    with Session(engine()) as session:
        ward = default_ward(session)
        found = rounds_summaries(session, ward, now=utcnow(), admission_id=admission_id)
    title = (
        _("{bed} · {name} · MRN {mrn}", bed=found[0].bed, name=found[0].name, mrn=found[0].mrn)
        if found
        else ""
    )
    return {
        "opened": True,
        "title": html.Span(title, className="tw-drawer-title"),
        "review": review_content(admission_id, actor),
        "admission": admission_id,
    }


@callback(
    output={
        "styles": [Output(f"rd-{part}-fields", "style") for part in ("new", "hold", "recipe")],
        "preview": Output("rd-preview", "children", allow_duplicate=True),
        "save_disabled": Output("rd-save-btn", "disabled", allow_duplicate=True),
    },
    inputs={"decision": Input("rd-decision", "value")},
    prevent_initial_call="initial_duplicate",
)
def _decision(decision: str | None) -> dict[str, Any]:
    styles = plan_change_form.field_styles(DECISION_KIND.get(decision or "", "none"))
    return {"styles": styles, "preview": None, "save_disabled": True}


def _preview_decision(admission_id: int, decision: str, form: dict[str, Any]) -> Any:
    """The plan a decision would make (None: the plan stays as it is), or a Refusal."""
    values = plan_change_form.form_values("change", form)
    now = utcnow()

    def run(session: Session) -> Any:
        change = _change_values(decision, values)
        return preview_decision(
            session=session, admission_id=admission_id, decision=decision, now=now, **change
        )

    return attempt(engine(), run, write=False)


# What Preview and Sign both send: the admission, the decision and the change's form.
_DECISION = {
    "admission_id": State("rounds-admission", "data"),
    "decision": State("rd-decision", "value"),
    "form": form_states("rd"),
}


@callback(
    output=plan_form_preview.preview_outputs("rd"),
    inputs={"clicks": Input("rd-preview-btn", "n_clicks"), **_DECISION},
    prevent_initial_call=True,
)
def _preview(
    clicks: int | None, admission_id: int | None, decision: str | None, form: dict[str, Any]
) -> dict[str, Any]:
    require_role("physician")
    if not clicks or admission_id is None or decision is None:
        return plan_form_preview.NOT_PREVIEWED
    result = _preview_decision(admission_id, decision, form)
    if result is None:
        unchanged = _("No change to the plan: the note is signed with the plan as it is.")
        return {"preview": dmc.Text(unchanged, fw=600, id="rd-no-change"), "message": None,
                "save_disabled": False, "label_box": {"display": "none"}}  # fmt: skip
    return plan_form_preview.preview_answer(result)


def _signed_alert(decision: str, note: RoundsNote, tz: ZoneInfo) -> Any:
    return dmc.Alert(
        _(
            "Signed: {decision} at {when}.",
            decision=decision_label(decision).lower(),
            when=day_time(note.signed_at, tz),
        )
        + (" " + _("The new plan version is on the chart.") if decision != "continue" else ""),
        color="green",
        variant="light",
        id="rd-signed",
    )


@callback(
    output={
        "message": Output("rd-message", "children", allow_duplicate=True),
        "preview": Output("rd-preview", "children", allow_duplicate=True),
        "save_disabled": Output("rd-save-btn", "disabled", allow_duplicate=True),
        "plan": Output("rd-plan", "children"),
        "notes": Output("rd-notes", "children"),
        "refresh": Output("ov-refresh", "data", allow_duplicate=True),
        "cards": Output("rounds-list", "children", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("rd-save-btn", "n_clicks"),
        **_DECISION,
        "scope": State("rounds-scope", "value"),
    },
    prevent_initial_call=True,
)
def _sign(
    clicks: int | None,
    admission_id: int | None,
    decision: str | None,
    scope: str | None,
    form: dict[str, Any],
) -> dict[str, Any]:
    actor = require_role("physician")
    if not clicks or admission_id is None or decision is None:
        raise PreventUpdate
    values = plan_change_form.form_values("change", form)
    now = utcnow()

    def run(session: Session) -> RoundsNote:
        return sign_rounds_note(
            session=session,
            actor=actor,
            admission_id=admission_id,
            decision=decision,
            reason=values.get("reason") or "",
            now=now,
            **_change_values(decision, values),
        )

    result = attempt(engine(), run)
    if isinstance(result, Refusal):
        unchanged = ("preview", "save_disabled", "plan", "notes", "refresh", "cards")
        return {"message": refusal_message(result, saved=True),
                **dict.fromkeys(unchanged, no_update)}  # fmt: skip
    with Session(engine()) as session:
        tz = ZoneInfo(default_ward(session).timezone)
        notes = patient_notes(session, admission_id, tz)
    return {
        "message": _signed_alert(decision, result, tz),
        "preview": None,
        "save_disabled": True,
        "plan": plan_table(admission_id, now),
        "notes": notes,
        "refresh": {"note_id": result.id, "at": now.isoformat()},
        "cards": cards(_scoped(scope), actor),
    }


def _change_values(decision: str, values: dict[str, Any]) -> dict[str, Any]:
    """The plan-change parameters of a rounds decision, read from the form."""
    confirm = {"above_label_reason": values.get("above_label_reason") or None}
    return _decision_values(decision, values) | confirm


def _decision_values(decision: str, values: dict[str, Any]) -> dict[str, Any]:
    if decision == "hold":
        if values.get("until_resumed"):
            return {"hold_days": None}
        days = values.get("hold_days")
        if days in (None, ""):
            raise FieldError(
                "hold_days", f"enter 1 to {MAX_HOLD_DAYS} days, or tick 'until resumed'"
            )
        return {"hold_days": int(days)}
    if decision == "adjust":
        return {"recipe": plan_write.recipe_text(values.get("preset"), values.get("custom_recipe"))}
    return {}
