"""The review queue: unresolved flags grouped by patient, most severe and newest first, one line
each saying why, with a link to the chart at that moment. Nurses and physicians acknowledge (a
note is optional) or resolve (a note is required). The nav badge counts flags nobody has
acknowledged yet. Alert fatigue is the enemy: one line per flag, one card per patient.

The acknowledge/resolve modal and the nav badge are components/queue_actions.py; this module reads
the queue and draws its cards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Input, Output, dcc, html
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.components.charting_common import format_local, level_chip
from dashboard.components.citations import source_marks
from dashboard.components.queue_actions import (
    ACTIONS,
    REFRESH_MS,
    SEVERITY_LABEL,
    action_modal,
    severity_label,
)
from dashboard.context import current_actor, default_ward, engine
from dashboard.flag_queries import QueueFlag, QueuePatient, flag_text, review_queue, status_counts
from dashboard.i18n import _, ngettext, request_translator
from dashboard.registry import callback, register_page
from models.clinical.levels import FLAG_SEVERITIES
from models.db import read_session
from models.flags import FLAG_ROLES, REVIEW_RULES
from models.tables import JobRun
from models.types import utcnow

register_page(__name__, path="/queue", title="Review queue")
# The scheduler scans every minute; a scan older than this means the jobs service is down.
STALE_SCAN = timedelta(minutes=10)
SEVERITIES_WORST_FIRST = tuple(reversed(FLAG_SEVERITIES))


def rule_label(flag: QueueFlag) -> str:
    return _(flag.rule_label)


def cleared_note(note: str | None) -> str:
    """Why a flag cleared, in the reader's language: the rules' reasons are catalog strings."""
    return _(note) if note else _("the condition is gone")


def chart_href(flag: QueueFlag) -> str:
    """The patient chart at the moment the flag is about."""
    href = f"/patient/{flag.admission_id}"
    if flag.subject_at is not None:
        href += f"?at={flag.subject_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"
    return href


def last_scan(session: Session) -> datetime | None:
    return session.exec(
        select(JobRun.finished_at)
        .where(JobRun.job == "scan", col(JobRun.finished_at).is_not(None))
        .order_by(col(JobRun.finished_at).desc())
        .limit(1)
    ).first()


def _clean(values: Any, allowed: tuple[str, ...]) -> list[str]:
    """Filter values from the browser, keeping only known ones (anything else is ignored)."""
    if not isinstance(values, list):
        return []
    return [v for v in values if isinstance(v, str) and v in allowed]


def queue_content(
    db: Engine,
    *,
    severities: Any = None,
    rules: Any = None,
    show_acknowledged: Any = True,
    can_act: bool,
    now: datetime,
) -> tuple[list[Any], Any]:
    """The grouped list and the summary line, for the filters given."""
    chosen = _clean(severities, FLAG_SEVERITIES)
    rule_names = tuple(r.name for r in REVIEW_RULES)
    with read_session(db) as session:
        ward = default_ward(session)
        assert ward.id is not None
        patients = review_queue(
            session,
            ward.id,
            severities=chosen if severities is not None else None,
            rules=_clean(rules, rule_names) or None,
            include_acknowledged=show_acknowledged is not False,
        )
        counts = status_counts(session, ward.id)
        scanned = last_scan(session)
    tz = ZoneInfo(ward.timezone)
    if severities is not None and not chosen:
        patients = []  # every severity unticked: show nothing rather than everything
    body = [patient_card(p, tz, now, can_act) for p in patients] or [_empty(counts)]
    return body, summary_line(counts, scanned, tz, now)


def summary_line(
    counts: dict[str, int], scanned: datetime | None, tz: tzinfo, now: datetime
) -> Any:
    parts = [
        html.Span(_("{n} open", n=counts.get("open", 0)), className="tw-queue-count"),
        html.Span(
            _("{n} cleared, not yet seen", n=counts.get("cleared", 0)),
            className="tw-queue-count",
            id="queue-count-cleared",
        ),
        html.Span(
            _("{n} acknowledged", n=counts.get("acknowledged", 0)), className="tw-queue-count"
        ),
    ]
    t = request_translator()
    if scanned is None:
        parts.append(
            html.Span(
                _("The review rules have not run yet."), className="tw-queue-stale", role="alert"
            )
        )
    elif now - scanned > STALE_SCAN:
        parts.append(
            html.Span(
                _(
                    "The review rules last ran {when}: the jobs service may be stopped. "
                    "Ask IT to check it.",
                    when=format_local(scanned, tz, now, t=t),
                ),
                className="tw-queue-stale",
                role="alert",
            )
        )
    else:
        parts.append(
            html.Span(
                _("Rules checked {when}", when=format_local(scanned, tz, now, t=t)),
                className="tw-muted",
            )
        )
    return parts


def _empty(counts: dict[str, int]) -> html.Div:
    if sum(counts.values()):
        text = _("No flags match these filters.")
    else:
        text = _("No open flags. Nothing is waiting for review.")
    return html.Div(text, className="tw-queue-empty", id="queue-empty")


# --- drawing ---------------------------------------------------------------------------------


def patient_card(patient: QueuePatient, tz: tzinfo, now: datetime, can_act: bool) -> html.Div:
    count = len(patient.flags)
    return html.Div(
        [
            html.Div(
                [
                    html.Span(patient.bed, className="tw-queue-bed"),
                    dcc.Link(
                        patient.name,
                        href=f"/patient/{patient.admission_id}",
                        className="tw-queue-name",
                    ),
                    html.Span(_("MRN {mrn}", mrn=patient.mrn), className="tw-muted tw-queue-mrn"),
                    html.Span(
                        ngettext("{n} flag", "{n} flags", count, n=count), className="tw-queue-n"
                    ),
                ],
                className="tw-queue-patient-head",
            ),
            html.Div([flag_line(f, tz, now, can_act) for f in patient.flags]),
        ],
        className="tw-queue-patient",
        id={"type": "queue-patient", "admission": patient.admission_id},
    )


def flag_line(flag: QueueFlag, tz: tzinfo, now: datetime, can_act: bool) -> html.Div:
    t = request_translator()
    when = format_local(flag.subject_at or flag.raised_at, tz, now, t=t)
    text = flag_text(flag)
    state: list[Any] = []
    if flag.status == "cleared":
        at = format_local(flag.cleared_at, tz, now, t=t) if flag.cleared_at else ""
        state = [
            _(
                "Cleared {when}: {why}. Not yet seen.",
                when=at,
                why=cleared_note(flag.cleared_note),
            )
        ]
    elif flag.status == "acknowledged":
        who = flag.acknowledged_by or _("someone")
        at = format_local(flag.acknowledged_at, tz, now, t=t) if flag.acknowledged_at else ""
        state = [_("Acknowledged by {who} {when}", who=who, when=at).strip()]
        if flag.acknowledge_note:
            state.append(f": {flag.acknowledge_note}")
    actions: list[Any] = []
    if can_act:
        if flag.status == "cleared":
            actions.append(_action_button(flag, "acknowledge", text, label=_("Mark seen")))
        else:
            if flag.status == "open":
                actions.append(_action_button(flag, "acknowledge", text))
            actions.append(_action_button(flag, "resolve", text))
    return html.Div(
        [
            level_chip(severity_label(flag.severity), flag.level),
            html.Span(
                [
                    rule_label(flag),
                    html.Span(source_marks(flag.rule_source), className="tw-queue-source"),
                ],
                className="tw-queue-rule",
            ),
            html.Div(
                [
                    html.Span(text, className="tw-queue-message", title=text),
                    html.Span(state, className="tw-queue-state") if state else None,
                ],
                className="tw-queue-why",
            ),
            dcc.Link(
                _("Chart at {when}", when=when), href=chart_href(flag), className="tw-queue-link"
            ),
            html.Div(actions, className="tw-queue-actions"),
        ],
        className=f"tw-queue-flag tw-queue-{flag.status}",
        id={"type": "queue-flag", "flag": flag.id},
    )


def _action_button(
    flag: QueueFlag, action: str, message: str, label: str | None = None
) -> dmc.Button:
    text = label or _(ACTIONS[action])
    return dmc.Button(
        text,
        id={"type": "queue-act", "flag": flag.id, "action": action},
        size="sm",
        variant="filled" if action == "resolve" or label else "default",
        **{"aria-label": _("{action}: {message}", action=text, message=message)},
    )


def filters() -> dmc.Group:
    rule_data = [{"value": r.name, "label": _(r.label)} for r in REVIEW_RULES]
    return dmc.Group(
        [
            dmc.ChipGroup(
                [
                    dmc.Chip(
                        _(SEVERITY_LABEL[s]),
                        value=s,
                        size="md",
                        id={"type": "queue-severity-chip", "severity": s},
                    )
                    for s in SEVERITIES_WORST_FIRST
                ],
                id="queue-severity",
                multiple=True,
                value=list(SEVERITIES_WORST_FIRST),
            ),
            dmc.MultiSelect(
                id="queue-rules",
                data=rule_data,
                value=[],
                placeholder=_("All rules"),
                clearable=True,
                size="md",
                w=340,
                **{"aria-label": _("Rules")},
            ),
            dmc.Switch(
                id="queue-acknowledged",
                label=_("Show acknowledged"),
                checked=True,
                size="md",
            ),
        ],
        gap="lg",
        className="tw-queue-filters",
    )


def layout(**_query: Any) -> html.Div:
    actor = current_actor()
    can_act = actor.role in FLAG_ROLES
    now = utcnow()
    body, summary = queue_content(engine(), can_act=can_act, now=now)
    return html.Div(
        [
            html.Div(
                [
                    dmc.Title(_("Review queue"), order=2, className="tw-page-title"),
                    html.Div(summary, id="queue-summary", className="tw-queue-summary"),
                ],
                className="tw-queue-head",
            ),
            filters(),
            None
            if can_act
            else html.Div(
                _("Nurses and physicians acknowledge and resolve flags; you can view them."),
                className="tw-readonly-note",
            ),
            html.Div(body, id="queue-list"),
            action_modal(),
            dcc.Store(id="queue-pending"),
            dcc.Store(id="queue-changed"),
            dcc.Interval(id="queue-refresh", interval=REFRESH_MS),
        ],
        className="tw-queue",
    )


@callback(
    output={
        "flags": Output("queue-list", "children"),
        "summary": Output("queue-summary", "children"),
    },
    inputs={
        "severities": Input("queue-severity", "value"),
        "rules": Input("queue-rules", "value"),
        "acknowledged": Input("queue-acknowledged", "checked"),
        "changed": Input("queue-changed", "data"),
        "tick": Input("queue-refresh", "n_intervals"),
    },
    prevent_initial_call=True,
)
def _refresh(
    severities: Any, rules: Any, acknowledged: Any, changed: Any, tick: Any
) -> dict[str, Any]:
    actor = current_actor()
    flags, summary = queue_content(
        engine(),
        severities=severities,
        rules=rules,
        show_acknowledged=acknowledged,
        can_act=actor.role in FLAG_ROLES,
        now=utcnow(),
    )
    return {"flags": flags, "summary": summary}
