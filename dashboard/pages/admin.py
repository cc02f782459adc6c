"""Admin: the ward's policy (the review rules' thresholds and the dose ceilings, each with its
source or marked local policy), the ward's dispensable units, the last job runs with their
durations and errors, and the staff accounts (add one, reset a password, change a role,
deactivate, unlock, sign out everywhere)."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from dashboard.components import admin_tablets, admin_units, admin_wristband
from dashboard.components.charting_common import format_local
from dashboard.components.citations import cited
from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback, register_page
from models.db import read_session
from models.errors import FieldError
from models.tables import ROLES, JobRun, SignInLock, User, Ward
from models.types import utcnow
from models.users import (
    MIN_PASSWORD_LENGTH,
    create_user,
    set_active,
    set_password,
    set_role,
    sign_out_everywhere,
    unlock,
)
from models.ward_policy import LOCAL_POLICY, POLICY_FIELDS, PolicyField, update_ward_policy

register_page(__name__, path="/admin", title="Admin")
ADMIN = "admin"
RUNS_SHOWN = 20
REFRESH_MS = 30_000
# A run with no end this long after its start was killed or is stuck (scans take seconds).
UNFINISHED_AFTER = timedelta(minutes=15)

POLICY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Dose timing",
        (
            "dose_window_min",
            "daily_dose_window_min",
            "time_critical_window_min",
            "doses_time_critical",
        ),
    ),
    ("CIWA-B reassessment", ("reassess_interval_min", "reassess_interval_moderate_min")),
    ("Vital signs", ("vitals_interval_min",)),
    ("Severe withdrawal", ("standing_ciwa_b_total", "standing_ciwa_ar_total")),
    ("Worsening score", ("worsening_points", "worsening_hours")),
    (
        "Step not tolerated",
        ("step_margin_points", "step_window_days", "step_min_readings", "step_prn_margin"),
    ),
    ("PRN use", ("prn_flag_doses_24h", "prn_flag_de_mg_24h", "prn_reassess_min")),
    ("Taper plan", ("no_plan_grace_hours",)),
    ("Dose ceilings", ("hard_ceiling_de_mg", "increase_margin_pct")),
    ("Sedation", ("sedation_rass_threshold", "sedation_poss_threshold")),
    ("Wristband check", ("scan_before_giving", "scan_valid_min")),
    ("Idle lock", ("idle_lock_min",)),
)
USER_FIELDS = ("username", "display_name", "role", "password")


# --- ward policy -----------------------------------------------------------------------------


def _policy_input(field: PolicyField, ward: Ward) -> dmc.NumberInput | dmc.Select:
    local = field.source.startswith(LOCAL_POLICY)
    if field.choices is not None:
        return dmc.Select(
            id={"type": "policy", "field": field.name},
            label=field.label,
            description=cited(field.source),
            data=[{"value": str(i), "label": text} for i, text in enumerate(field.choices)],
            value=str(int(getattr(ward, field.name))),
            allowDeselect=False,
            size="md",
            w=400,
            className="tw-admin-local" if local else "tw-admin-sourced",
        )
    return dmc.NumberInput(
        id={"type": "policy", "field": field.name},
        label=field.label,
        description=cited(field.source),
        value=getattr(ward, field.name),
        rightSection=html.Span(field.unit, className="tw-admin-unit"),
        rightSectionWidth=64,
        hideControls=True,
        allowNegative=False,
        allowDecimal=False,
        size="md",
        w=400,
        className="tw-admin-local" if local else "tw-admin-sourced",
    )


def policy_form(ward: Ward) -> html.Section:
    by_name = {f.name: f for f in POLICY_FIELDS}
    groups = [
        html.Fieldset(
            [
                html.Legend(title, className="tw-admin-legend"),
                dmc.Group([_policy_input(by_name[n], ward) for n in names], align="flex-start"),
            ],
            className="tw-admin-group",
        )
        for title, names in POLICY_GROUPS
    ]
    return html.Section(
        [
            html.H3(f"Ward policy — {ward.name}", className="tw-section-title"),
            html.P(
                "The review rules use these thresholds. Each says where it comes from; "
                "“Local policy” means no published standard sets it and the ward decides.",
                className="tw-muted",
            ),
            *groups,
            html.Div(id="policy-message", className="tw-form-message", role="status"),
            dmc.Button("Save policy", id="policy-save", size="md"),
        ],
        className="tw-card tw-admin-section",
    )


def save_policy(db: Engine, values: dict[str, Any]) -> Ward | Refusal:
    actor = require_role(ADMIN)

    def write(session: Session) -> Ward:
        ward = default_ward(session)
        assert ward.id is not None
        return update_ward_policy(session=session, actor=actor, ward_id=ward.id, values=values)

    return attempt(db, write)


# --- job runs --------------------------------------------------------------------------------


def _duration(run: JobRun, now: datetime) -> str:
    if run.finished_at is None:
        return "—"
    seconds = (run.finished_at - run.started_at).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _run_outcome(run: JobRun, now: datetime) -> tuple[str, str]:
    """What happened, and its tone (ok, running, problem)."""
    if run.finished_at is None:
        if now - run.started_at > UNFINISHED_AFTER:
            return "Did not finish (the process stopped mid-run)", "problem"
        return "Running…", "running"
    if run.error:
        return run.error, "problem"
    return "OK", "ok"


def job_runs_table(session: Session, tz: tzinfo, now: datetime) -> html.Table | html.P:
    runs = session.exec(
        select(JobRun)
        .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
        .limit(RUNS_SHOWN)
    ).all()
    if not runs:
        return html.P(
            "No job has run yet. The jobs service runs them (`taperwatch jobs`, or inside "
            "`taperwatch serve` with SQLite).",
            className="tw-muted",
        )
    numeric = ("Duration", "Raised", "Resolved")
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, className="tw-num" if h in numeric else None)
                for h in ("Job", "Started", *numeric, "Outcome", "Host")
            ]
        )
    )
    rows = []
    for run in runs:
        outcome, tone = _run_outcome(run, now)
        rows.append(
            html.Tr(
                [
                    html.Td(run.job.replace("_", " ")),
                    html.Td(format_local(run.started_at, tz, now, always_day=True)),
                    html.Td(_duration(run, now), className="tw-num"),
                    html.Td(run.raised if run.finished_at else "—", className="tw-num"),
                    html.Td(run.resolved if run.finished_at else "—", className="tw-num"),
                    html.Td(outcome, className=f"tw-admin-run-{tone}", title=outcome),
                    html.Td(run.host, className="tw-muted"),
                ]
            )
        )
    return html.Table([head, html.Tbody(rows)], className="tw-table tw-admin-runs", id="runs")


def runs_section(db: Engine) -> list[Any]:
    now = utcnow()
    with read_session(db) as session:
        ward = default_ward(session)
        table = job_runs_table(session, ZoneInfo(ward.timezone), now)
    return [html.H3("Job runs", className="tw-section-title"), table]


# --- users -----------------------------------------------------------------------------------


def _status(user: User, now: datetime, tz: tzinfo, locked_pairs: int = 0) -> tuple[str, str]:
    """The status column: its text and class. A lock holds one account at one computer; a
    slow-down holds the account everywhere (models.users)."""
    if not user.active:
        return "deactivated", "tw-muted"
    parts = []
    if locked_pairs:
        computers = "computer" if locked_pairs == 1 else "computers"
        parts.append(f"locked at {locked_pairs} {computers}")
    if user.locked_until is not None and user.locked_until > now:
        parts.append(f"sign-in slowed until {format_local(user.locked_until, tz, now)}")
    if parts:
        return "; ".join(parts), "tw-admin-locked"
    return "active", ""


def _locked_pairs(session: Session, now: datetime) -> dict[int, int]:
    rows = session.exec(
        select(SignInLock.user_id, func.count())
        .where(col(SignInLock.locked_until) > now)
        .group_by(col(SignInLock.user_id))
    ).all()
    return {int(user_id): int(n) for user_id, n in rows}


def _row_button(text: str, kind: str, user: User) -> dmc.Button:
    return dmc.Button(
        text,
        id={"type": kind, "user": user.id},
        size="xs",
        variant="default",
        **{"aria-label": f"{text}: {user.username}"},
    )


def users_table(session: Session, me: int | None, now: datetime, tz: tzinfo) -> html.Table:
    users = session.exec(select(User).order_by(col(User.active).desc(), col(User.username))).all()
    locked = _locked_pairs(session, now)
    rows = []
    for user in users:
        buttons = [
            _row_button("Reset password", "user-passwd-open", user),
            _row_button("Change role", "user-role-open", user),
        ]
        if user.id != me:
            toggle = "Deactivate" if user.active else "Reactivate"
            buttons.append(_row_button(toggle, "user-active", user))
        if user.active:
            buttons.append(_row_button("Sign out everywhere", "user-sign-out", user))
        slowed = user.locked_until is not None and user.locked_until > now
        if locked.get(user.id or 0) or slowed:
            buttons.append(_row_button("Unlock", "user-unlock", user))
        status, status_class = _status(user, now, tz, locked.get(user.id or 0, 0))
        rows.append(
            html.Tr(
                [
                    html.Td(user.username),
                    html.Td(user.display_name),
                    html.Td(user.role),
                    html.Td(status, className=status_class),
                    html.Td(
                        dmc.Group(buttons, gap="xs", wrap="nowrap"), className="tw-admin-actions"
                    ),
                ],
                className="" if user.active else "tw-admin-inactive",
            )
        )
    head = html.Thead(html.Tr([html.Th(h) for h in ("Username", "Name", "Role", "Status", "")]))
    return html.Table([head, html.Tbody(rows)], className="tw-table", id="users-table")


def current_users_table(db: Engine, me: int | None) -> html.Table:
    """The staff table as it stands now, times in the ward's timezone."""
    with read_session(db) as session:
        tz = ZoneInfo(default_ward(session).timezone)
        return users_table(session, me, utcnow(), tz)


def password_modal() -> dmc.Modal:
    return dmc.Modal(
        id="passwd-modal",
        title="Reset password",
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id="passwd-who", className="tw-banner-value"),
                dmc.Text(
                    "The new password works at once, lifts a sign-in lockout and signs the "
                    "person out wherever they are signed in. Give it to them in private.",
                    size="md",
                ),
                dmc.PasswordInput(
                    id="passwd-new",
                    label="New password",
                    description=f"At least {MIN_PASSWORD_LENGTH} characters",
                    size="md",
                    autoComplete="new-password",
                    **{"data-autofocus": True},
                ),
                dmc.PasswordInput(
                    id="passwd-again",
                    label="New password again",
                    size="md",
                    autoComplete="new-password",
                ),
                html.Div(id="passwd-message", className="tw-form-message", role="alert"),
                dmc.Group(
                    [
                        dmc.Button("Cancel", id="passwd-cancel", variant="default", size="md"),
                        dmc.Button("Set password", id="passwd-save", size="md"),
                    ],
                    justify="flex-end",
                ),
                dcc.Store(id="passwd-user"),
            ],
            gap="sm",
        ),
    )


def role_modal() -> dmc.Modal:
    return dmc.Modal(
        id="role-modal",
        title="Change role",
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id="role-who", className="tw-banner-value"),
                dmc.Select(
                    id="role-select",
                    label="Role",
                    description="It applies from the user's next click",
                    data=[{"value": r, "label": r} for r in ROLES],
                    allowDeselect=False,
                    size="md",
                    **{"data-autofocus": True},
                ),
                dmc.Text(
                    "Nurses and physicians chart; physicians also change taper plans and sign "
                    "rounds; admins manage staff accounts and the ward policy.",
                    size="md",
                    className="tw-muted",
                ),
                html.Div(id="role-message", className="tw-form-message", role="alert"),
                dmc.Group(
                    [
                        dmc.Button("Cancel", id="role-cancel", variant="default", size="md"),
                        dmc.Button("Save role", id="role-save", size="md"),
                    ],
                    justify="flex-end",
                ),
                dcc.Store(id="role-user"),
            ],
            gap="sm",
        ),
    )


def users_section(db: Engine, me: int | None) -> html.Section:
    return html.Section(
        [
            html.H3("Staff accounts", className="tw-section-title"),
            html.Div(current_users_table(db, me), id="users-list"),
            html.Div(id="users-message", className="tw-form-message", role="status"),
            html.H4("Add a user", className="tw-admin-subtitle"),
            dmc.Group(
                [
                    dmc.TextInput(
                        id="user-username", label="Username", size="md", w=200, autoComplete="off"
                    ),
                    dmc.TextInput(id="user-display_name", label="Display name", size="md", w=260),
                    dmc.Select(
                        id="user-role",
                        label="Role",
                        size="md",
                        w=160,
                        data=[{"value": r, "label": r} for r in ROLES],
                    ),
                    dmc.PasswordInput(
                        id="user-password",
                        label="Password",
                        size="md",
                        w=240,
                        description=f"At least {MIN_PASSWORD_LENGTH} characters",
                        autoComplete="new-password",
                    ),
                ],
                align="flex-start",
            ),
            html.Div(id="user-message", className="tw-form-message", role="status"),
            dmc.Button("Add user", id="user-add", size="md"),
            password_modal(),
            role_modal(),
        ],
        className="tw-card tw-admin-section",
    )


def add_user(db: Engine, form: dict[str, Any]) -> User | Refusal:
    actor = require_role(ADMIN)
    return attempt(
        db,
        lambda session: create_user(
            session=session,
            actor=actor,
            username=str(form.get("username") or ""),
            display_name=str(form.get("display_name") or ""),
            role=str(form.get("role") or ""),
            password=str(form.get("password") or ""),
        ),
    )


def toggle_user(db: Engine, user_id: int) -> User | Refusal:
    actor = require_role(ADMIN)

    def write(session: Session) -> User:
        if user_id == actor.user_id:
            raise FieldError("user", "you cannot deactivate your own account")
        user = session.get(User, user_id)
        if user is None:
            raise FieldError("user", f"no user {user_id}")
        return set_active(
            session=session, actor=actor, user_id=user_id, active=not user.active, now=utcnow()
        )

    return attempt(db, write)


def unlock_user(db: Engine, user_id: int) -> User | Refusal:
    actor = require_role(ADMIN)
    now = utcnow()
    return attempt(
        db, lambda session: unlock(session=session, actor=actor, user_id=user_id, now=now)
    )


def sign_out_user(db: Engine, user_id: int) -> int | Refusal:
    actor = require_role(ADMIN)
    now = utcnow()
    return attempt(
        db,
        lambda session: sign_out_everywhere(session=session, actor=actor, user_id=user_id, now=now),
    )


def reset_password(
    db: Engine, user_id: int, password: str | None, again: str | None
) -> User | Refusal:
    """Set ``user_id``'s password from the modal (typed twice); a mismatch writes nothing."""
    actor = require_role(ADMIN)
    if (password or "") != (again or ""):
        return Refusal(
            "Not saved. The two passwords differ.",
            {"again": "The two passwords differ; type the same one twice."},
        )
    now = utcnow()
    return attempt(
        db,
        lambda session: set_password(
            session=session, actor=actor, user_id=user_id, password=password or "", now=now
        ),
    )


def change_role(db: Engine, user_id: int, role: str | None) -> User | Refusal:
    actor = require_role(ADMIN)
    now = utcnow()
    return attempt(
        db,
        lambda session: set_role(
            session=session, actor=actor, user_id=user_id, role=role or "", now=now
        ),
    )


def _clicked_user() -> int | None:
    """The user whose row button was clicked, or None when a callback fired without a click
    (the table was redrawn with new buttons)."""
    trigger = ctx.triggered_id
    clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
    if not clicked or not isinstance(trigger, dict):
        return None
    return int(trigger["user"])


def _refusal_message(refusal: Refusal, at_a_field: bool) -> str:
    return "Not saved: correct the field marked in red." if at_a_field else refusal.message


def _account(db: Engine, user_id: int) -> User | None:
    with read_session(db) as session:
        return session.get(User, user_id)


# --- page ------------------------------------------------------------------------------------


def layout(**_: Any) -> html.Div:
    actor = current_actor()
    if actor.role != ADMIN:
        return html.Div(
            [
                dmc.Title("Admin", order=2, className="tw-page-title"),
                html.Div("This page is for admins.", className="tw-readonly-note"),
            ]
        )
    db = engine()
    with read_session(db) as session:
        ward = default_ward(session)
    return html.Div(
        [
            dmc.Title("Admin", order=2, className="tw-page-title"),
            policy_form(ward),
            admin_units.units_section(db),
            admin_wristband.overrides_section(db),
            admin_tablets.tablets_section(db),
            html.Section(runs_section(db), id="runs-section", className="tw-card tw-admin-section"),
            users_section(db, actor.user_id),
            dcc.Interval(id="admin-refresh", interval=REFRESH_MS),
        ],
        className="tw-admin",
    )


_USERS_ANSWER = {
    "table": Output("users-list", "children", allow_duplicate=True),
    "message": Output("users-message", "children", allow_duplicate=True),
    "style": Output("users-message", "className", allow_duplicate=True),
}
_UNCHANGED_USERS = dict.fromkeys(_USERS_ANSWER, no_update)
_OK = "tw-form-message tw-form-ok"


@callback(
    output={
        "errors": Output({"type": "policy", "field": ALL}, "error"),
        "message": Output("policy-message", "children"),
        "style": Output("policy-message", "className"),
    },
    inputs={
        "clicks": Input("policy-save", "n_clicks"),
        "values": State({"type": "policy", "field": ALL}, "value"),
    },
    prevent_initial_call=True,
)
def _save_policy(clicks: Any, values: list[Any]) -> dict[str, Any]:
    require_role(ADMIN)
    if not clicks:
        raise PreventUpdate
    ids = [item["id"]["field"] for item in ctx.states_list[0]]
    outcome = save_policy(engine(), dict(zip(ids, values, strict=True)))
    if isinstance(outcome, Refusal):
        errors = [outcome.fields.get(name) for name in ids]
        message = "Not saved: correct the fields marked in red." if any(errors) else outcome.message
        return {"errors": errors, "message": message, "style": "tw-form-message"}
    message = "Saved. The next scan uses the new policy."
    return {"errors": [None] * len(ids), "message": message, "style": _OK}


@callback(
    output=Output("runs-section", "children"),
    inputs={"tick": Input("admin-refresh", "n_intervals")},
    prevent_initial_call=True,
)
def _refresh_runs(tick: Any) -> list[Any]:
    require_role(ADMIN)
    return runs_section(engine())


@callback(
    output={
        "table": Output("users-list", "children"),
        "message": Output("user-message", "children"),
        "style": Output("user-message", "className"),
        "errors": {name: Output(f"user-{name}", "error") for name in USER_FIELDS},
        "password": Output("user-password", "value"),
    },
    inputs={
        "clicks": Input("user-add", "n_clicks"),
        "form": {name: State(f"user-{name}", "value") for name in USER_FIELDS},
    },
    prevent_initial_call=True,
)
def _add_user(clicks: Any, form: dict[str, Any]) -> dict[str, Any]:
    actor = require_role(ADMIN)
    if not clicks:
        raise PreventUpdate
    outcome = add_user(engine(), form)
    if isinstance(outcome, Refusal):
        errors = {name: outcome.fields.get(name) for name in USER_FIELDS}
        at_fields = any(errors.values())
        message = "Not added: correct the fields marked in red." if at_fields else outcome.message
        return {"table": no_update, "message": message, "style": "tw-form-message",
                "errors": errors, "password": no_update}  # fmt: skip
    return {
        "table": current_users_table(engine(), actor.user_id),
        "message": f"Added {outcome.role} {outcome.username}.",
        "style": _OK,
        "errors": dict.fromkeys(USER_FIELDS),
        "password": "",
    }


@callback(
    output={
        "table": Output("users-list", "children", allow_duplicate=True),
        "message": Output("users-message", "children"),
        "style": Output("users-message", "className"),
    },
    inputs={"clicks": Input({"type": "user-active", "user": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _toggle_user(clicks: list[Any]) -> dict[str, Any]:
    actor = require_role(ADMIN)
    user_id = _clicked_user()
    if user_id is None:
        raise PreventUpdate
    outcome = toggle_user(engine(), user_id)
    table = current_users_table(engine(), actor.user_id)
    if isinstance(outcome, Refusal):
        return {"table": table, "message": outcome.message, "style": "tw-form-message"}
    state = "reactivated" if outcome.active else "deactivated"
    return {"table": table, "message": f"{outcome.display_name} {state}.", "style": _OK}


@callback(
    output=_USERS_ANSWER,
    inputs={
        "unlock": Input({"type": "user-unlock", "user": ALL}, "n_clicks"),
        "sign_out": Input({"type": "user-sign-out", "user": ALL}, "n_clicks"),
    },
    prevent_initial_call=True,
)
def _unlock_or_sign_out(unlock: Any, sign_out: Any) -> dict[str, Any]:
    actor = require_role(ADMIN)
    user_id = _clicked_user()
    kind = ctx.triggered_id.get("type") if isinstance(ctx.triggered_id, dict) else None
    if user_id is None or kind not in ("user-unlock", "user-sign-out"):
        raise PreventUpdate
    user = _account(engine(), user_id)
    outcome: Any = (
        unlock_user(engine(), user_id)
        if kind == "user-unlock"
        else sign_out_user(engine(), user_id)
    )
    table = current_users_table(engine(), actor.user_id)
    if isinstance(outcome, Refusal) or user is None:
        message = outcome.message if isinstance(outcome, Refusal) else "No such user."
        return {"table": table, "message": message, "style": "tw-form-message"}
    if kind == "user-unlock":
        message = f"{user.display_name} may sign in again from every computer."
    else:
        sessions = "session" if outcome == 1 else "sessions"
        message = f"{user.display_name} signed out everywhere ({outcome} {sessions} ended)."
    return {"table": table, "message": message, "style": _OK}


def _who(user: User) -> str:
    return f"{user.display_name} ({user.username})"


@callback(
    output={
        "opened": Output("passwd-modal", "opened"),
        "user": Output("passwd-user", "data"),
        "who": Output("passwd-who", "children"),
        "password": Output("passwd-new", "value"),
        "again": Output("passwd-again", "value"),
        "password_error": Output("passwd-new", "error"),
        "again_error": Output("passwd-again", "error"),
        "message": Output("passwd-message", "children"),
    },
    inputs={"clicks": Input({"type": "user-passwd-open", "user": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open_password(clicks: list[Any]) -> dict[str, Any]:
    require_role(ADMIN)
    user_id = _clicked_user()
    user = None if user_id is None else _account(engine(), user_id)
    if user is None:
        raise PreventUpdate
    return {"opened": True, "user": user.id, "who": _who(user), "password": "", "again": "",
            "password_error": None, "again_error": None, "message": ""}  # fmt: skip


@callback(
    output={
        "opened": Output("passwd-modal", "opened", allow_duplicate=True),
        "password": Output("passwd-new", "value", allow_duplicate=True),
        "again": Output("passwd-again", "value", allow_duplicate=True),
        "password_error": Output("passwd-new", "error", allow_duplicate=True),
        "again_error": Output("passwd-again", "error", allow_duplicate=True),
        "message": Output("passwd-message", "children", allow_duplicate=True),
        "users": _USERS_ANSWER,
    },
    inputs={
        "save": Input("passwd-save", "n_clicks"),
        "cancel": Input("passwd-cancel", "n_clicks"),
        "user_id": State("passwd-user", "data"),
        "password": State("passwd-new", "value"),
        "again": State("passwd-again", "value"),
    },
    prevent_initial_call=True,
)
def _save_password(
    save: Any, cancel: Any, user_id: Any, password: Any, again: Any
) -> dict[str, Any]:
    actor = require_role(ADMIN)
    closed = {"opened": False, "password": "", "again": "", "password_error": None,
              "again_error": None, "message": ""}  # fmt: skip
    if ctx.triggered_id != "passwd-save" or user_id is None:
        return {**closed, "users": _UNCHANGED_USERS}
    outcome = reset_password(engine(), int(user_id), password, again)
    if isinstance(outcome, Refusal):
        errors = outcome.fields.get("password"), outcome.fields.get("again")
        return {"opened": True, "password": no_update, "again": no_update,
                "password_error": errors[0], "again_error": errors[1],
                "message": _refusal_message(outcome, any(errors)),
                "users": _UNCHANGED_USERS}  # fmt: skip
    message = f"New password set for {outcome.display_name}."
    table = current_users_table(engine(), actor.user_id)
    return {**closed, "users": {"table": table, "message": message, "style": _OK}}


@callback(
    output={
        "opened": Output("role-modal", "opened"),
        "user": Output("role-user", "data"),
        "who": Output("role-who", "children"),
        "role": Output("role-select", "value"),
        "error": Output("role-select", "error"),
        "message": Output("role-message", "children"),
    },
    inputs={"clicks": Input({"type": "user-role-open", "user": ALL}, "n_clicks")},
    prevent_initial_call=True,
)
def _open_role(clicks: list[Any]) -> dict[str, Any]:
    require_role(ADMIN)
    user_id = _clicked_user()
    user = None if user_id is None else _account(engine(), user_id)
    if user is None:
        raise PreventUpdate
    return {"opened": True, "user": user.id, "who": _who(user), "role": user.role,
            "error": None, "message": ""}  # fmt: skip


@callback(
    output={
        "opened": Output("role-modal", "opened", allow_duplicate=True),
        "error": Output("role-select", "error", allow_duplicate=True),
        "message": Output("role-message", "children", allow_duplicate=True),
        "users": _USERS_ANSWER,
    },
    inputs={
        "save": Input("role-save", "n_clicks"),
        "cancel": Input("role-cancel", "n_clicks"),
        "user_id": State("role-user", "data"),
        "role": State("role-select", "value"),
    },
    prevent_initial_call=True,
)
def _save_role(save: Any, cancel: Any, user_id: Any, role: Any) -> dict[str, Any]:
    actor = require_role(ADMIN)
    if ctx.triggered_id != "role-save" or user_id is None:
        return {"opened": False, "error": None, "message": "", "users": _UNCHANGED_USERS}
    outcome = change_role(engine(), int(user_id), role)
    if isinstance(outcome, Refusal):
        error = outcome.fields.get("role")
        return {"opened": True, "error": error, "message": _refusal_message(outcome, bool(error)),
                "users": _UNCHANGED_USERS}  # fmt: skip
    message = f"{outcome.display_name}’s role is now {outcome.role}."
    table = current_users_table(engine(), actor.user_id)
    return {"opened": False, "error": None, "message": "",
            "users": {"table": table, "message": message, "style": _OK}}  # fmt: skip
