"""The admin page's staff accounts section: adding an account, deactivating, unlocking and
signing out everywhere (the password and role modals: admin_user_modals)."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.components.admin_user_modals import password_modal, role_modal
from dashboard.components.admin_user_table import (
    FORM_OK,
    USERS_ANSWER,
    account,
    clicked_user,
    current_users_table,
)
from dashboard.context import ADMIN, engine, require_role
from dashboard.i18n import _, ngettext
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from dashboard.shell import role_label
from models.errors import FieldError
from models.tables import ROLES, User
from models.types import utcnow
from models.users import (
    MIN_PASSWORD_LENGTH,
    create_user,
    set_active,
    sign_out_everywhere,
    unlock,
)

USER_FIELDS = ("username", "display_name", "role", "password")


def users_section(db: Engine, me: int | None) -> html.Section:
    return html.Section(
        [
            html.H3(_("Staff accounts"), className="tw-section-title"),
            html.Div(current_users_table(db, me), id="users-list"),
            html.Div(id="users-message", className="tw-form-message", role="status"),
            html.H4(_("Add a user"), className="tw-admin-subtitle"),
            dmc.Group(
                [
                    dmc.TextInput(
                        id="user-username",
                        label=_("Username"),
                        size="md",
                        w=200,
                        autoComplete="off",
                    ),
                    dmc.TextInput(
                        id="user-display_name", label=_("Display name"), size="md", w=260
                    ),
                    dmc.Select(
                        id="user-role",
                        label=_("Role"),
                        size="md",
                        w=160,
                        data=[{"value": r, "label": role_label(r)} for r in ROLES],
                    ),
                    dmc.PasswordInput(
                        id="user-password",
                        label=_("Password"),
                        size="md",
                        w=240,
                        description=_("At least {n} characters", n=MIN_PASSWORD_LENGTH),
                        autoComplete="new-password",
                    ),
                ],
                align="flex-start",
                className="tw-admin-new-user",
            ),
            html.Div(id="user-message", className="tw-form-message", role="status"),
            dmc.Button(_("Add user"), id="user-add", size="md"),
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
        message = (
            _("Not added: correct the fields marked in red.") if at_fields else outcome.message
        )
        return {"table": no_update, "message": message, "style": "tw-form-message",
                "errors": errors, "password": no_update}  # fmt: skip
    return {
        "table": current_users_table(engine(), actor.user_id),
        "message": _(
            "Added {role} {username}.", role=role_label(outcome.role), username=outcome.username
        ),
        "style": FORM_OK,
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
    user_id = clicked_user()
    if user_id is None:
        raise PreventUpdate
    outcome = toggle_user(engine(), user_id)
    table = current_users_table(engine(), actor.user_id)
    if isinstance(outcome, Refusal):
        return {"table": table, "message": outcome.message, "style": "tw-form-message"}
    message = (
        _("{name} reactivated.", name=outcome.display_name)
        if outcome.active
        else _("{name} deactivated.", name=outcome.display_name)
    )
    return {"table": table, "message": message, "style": FORM_OK}


@callback(
    output=USERS_ANSWER,
    inputs={
        "unlock": Input({"type": "user-unlock", "user": ALL}, "n_clicks"),
        "sign_out": Input({"type": "user-sign-out", "user": ALL}, "n_clicks"),
    },
    prevent_initial_call=True,
)
def _unlock_or_sign_out(unlock: Any, sign_out: Any) -> dict[str, Any]:
    actor = require_role(ADMIN)
    user_id = clicked_user()
    kind = ctx.triggered_id.get("type") if isinstance(ctx.triggered_id, dict) else None
    if user_id is None or kind not in ("user-unlock", "user-sign-out"):
        raise PreventUpdate
    user = account(engine(), user_id)
    outcome: Any = (
        unlock_user(engine(), user_id)
        if kind == "user-unlock"
        else sign_out_user(engine(), user_id)
    )
    table = current_users_table(engine(), actor.user_id)
    if isinstance(outcome, Refusal) or user is None:
        message = outcome.message if isinstance(outcome, Refusal) else _("No such user.")
        return {"table": table, "message": message, "style": "tw-form-message"}
    if kind == "user-unlock":
        message = _("{name} may sign in again from every computer.", name=user.display_name)
    else:
        message = ngettext(
            "{name} signed out everywhere ({n} session ended).",
            "{name} signed out everywhere ({n} sessions ended).",
            int(outcome),
            name=user.display_name,
            n=outcome,
        )
    return {"table": table, "message": message, "style": FORM_OK}
