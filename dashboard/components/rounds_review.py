"""The rounds page's review drawer: the patient's notes, the plan's steps, and the decision form
(with the plan change form the decision needs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html
from sqlmodel import Session

from dashboard.components import (
    patient_overview,
    plan_change_form,
    plan_form_start,
    plan_header,
    plan_views,
)
from dashboard.components.rounds_card import decision_label, prn_line, since_line
from dashboard.components.rounds_suggestions import suggestion_line, suggestions
from dashboard.components.rounds_tiles import day_time, tiles
from dashboard.context import default_ward, engine
from dashboard.i18n import _
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.rounds_queries import RoundsSummary, rounds_summaries
from models.audit import Actor
from models.rounds import rounds_notes
from models.tables import RoundsNote, User, Ward
from models.types import utcnow

DECISION_ORDER = ("continue", "advance", "hold", "back", "adjust")


DECISION_KIND = {"hold": "hold", "adjust": "recipe"}  # the change-form fields each needs


def notes_list(notes: list[RoundsNote], authors: dict[int, str], tz: ZoneInfo) -> Any:
    if not notes:
        return dmc.Text(_("No rounds notes yet."), size="sm", c="dimmed")
    return html.Ul(
        [
            html.Li(
                f"{day_time(n.signed_at, tz)} — {authors.get(n.author_id, '?')}: "
                f"{decision_label(n.decision)}. {n.reason}"
            )
            for n in notes[:6]
        ],
        className="tw-notes",
    )


def patient_notes(session: Session, admission_id: int, tz: ZoneInfo) -> Any:
    notes = rounds_notes(session, admission_id)
    authors = {
        u.id: u.display_name for u in (session.get(User, n.author_id) for n in notes) if u and u.id
    }
    return notes_list(notes, authors, tz)


def plan_table(admission_id: int, now: datetime) -> Any:
    with Session(engine()) as session:
        data = plan_panel_data(session, admission_id, now=now)
    if data is None or data.plan is None:
        return dmc.Text(_("No taper plan."), id="rd-no-plan")
    plan = data.plan
    return dmc.Stack(
        [
            plan_header.plan_header(plan, plan_header.plan_author(data, plan), data.view.tz),
            plan_views.active_plan_steps(data, plan, table_id="rd-steps", height=320),
        ],
        gap="xs",
    )


def decision_form(summary: RoundsSummary, *, ward: Ward, today: Any) -> Any:
    suggested = next((s.decision for s in suggestions(summary) if s.decision), None)
    hint = (
        _("The review rules point to: {decision}.", decision=decision_label(suggested).lower())
        if suggested
        else _("No review rule points to a change.")
    )
    drug = summary.plan.drug if summary.plan else "clonazepam"
    form = plan_change_form.change_form(
        "rd",
        start=plan_form_start.FormStart(drug, ""),
        times=ward.admin_times,
        today=today,
        initial_kind=None,
        save_label=_("Sign decision"),
        reason_label=_("Reason (signed with the decision)"),
    )
    return dmc.Stack(
        [
            dmc.Title(_("Decision"), order=3),
            dmc.Text(
                hint + " " + _("Taperwatch never changes a dose by itself: you decide."),
                size="sm",
                c="dimmed",
            ),
            dmc.SegmentedControl(
                id="rd-decision",
                **{"aria-label": _("Decision")},
                value="continue",
                size="md",
                fullWidth=True,
                data=[{"value": d, "label": decision_label(d)} for d in DECISION_ORDER],
            ),
            form,
        ],
        gap="sm",
        className="tw-decision",
    )


def review_content(admission_id: int, actor: Actor) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        found = rounds_summaries(session, ward, now=now, admission_id=admission_id)
        tz = ZoneInfo(ward.timezone)
        notes = patient_notes(session, admission_id, tz)
    if not found:
        return dmc.Alert(_("This patient is not admitted any more."), color="red")
    summary = found[0]
    today = now.astimezone(tz).date()
    parts: list[Any] = [
        html.Div(
            [
                tiles(summary, tz, today),
                suggestion_line(summary),
                prn_line(summary),
                dmc.Text(since_line(summary, tz), size="sm", c="dimmed"),
            ]
        ),
        patient_overview.chart_block(admission_id),
        html.Section(plan_table(admission_id, now), id="rd-plan", className="tw-section-card"),
    ]
    if actor.role == "physician":
        parts.append(
            html.Section(
                decision_form(summary, ward=ward, today=today), className="tw-section-card"
            )
        )
    else:
        parts.append(dmc.Text(_("Decisions are signed by a physician."), c="dimmed"))
    parts.append(
        html.Section(
            [dmc.Title(_("Rounds notes"), order=4), html.Div(notes, id="rd-notes")],
            className="tw-section-card",
        )
    )
    return dmc.Stack(parts, gap="md")
