"""The admin page's account modals: a new password (typed twice) and a new role, each saved as
one audited change."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlalchemy.engine import Engine

from dashboard.components.admin_user_table import (
    FORM_OK,
    UNCHANGED_USERS,
    USERS_ANSWER,
    account,
    clicked_user,
    current_users_table,
)
from dashboard.components.modal_buttons import modal_buttons
from dashboard.context import ADMIN, engine, require_role
from dashboard.i18n import _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from dashboard.shell import role_label
from models.tables import ROLES, User
from models.types import utcnow
from models.users import (
    MIN_PASSWORD_LENGTH,
    set_password,
    set_role,
)


def password_modal() -> dmc.Modal:
    return dmc.Modal(
        id="passwd-modal",
        title=_("Reset password"),
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id="passwd-who", className="tw-banner-value"),
                dmc.Text(
                    _(
                        "The new password works at once, lifts a sign-in lockout and signs the "
                        "person out wherever they are signed in. Give it to them in private."
                    ),
                    size="md",
                ),
                dmc.PasswordInput(
                    id="passwd-new",
                    label=_("New password"),
                    description=_("At least {n} characters", n=MIN_PASSWORD_LENGTH),
                    size="md",
                    autoComplete="new-password",
                    **{"data-autofocus": True},
                ),
                dmc.PasswordInput(
                    id="passwd-again",
                    label=_("New password again"),
                    size="md",
                    autoComplete="new-password",
                ),
                html.Div(id="passwd-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    "passwd-cancel", dmc.Button(_("Set password"), id="passwd-save", size="md")
                ),
                dcc.Store(id="passwd-user"),
            ],
            gap="sm",
        ),
    )


def role_modal() -> dmc.Modal:
    return dmc.Modal(
        id="role-modal",
        title=_("Change role"),
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id="role-who", className="tw-banner-value"),
                dmc.Select(
                    id="role-select",
                    label=_("Role"),
                    description=_("It applies from the user's next click"),
                    data=[{"value": r, "label": role_label(r)} for r in ROLES],
                    allowDeselect=False,
                    size="md",
                    **{"data-autofocus": True},
                ),
                dmc.Text(
                    _(
                        "Nurses and physicians chart; physicians also change taper plans and "
                        "sign rounds; admins manage staff accounts and the ward policy."
                    ),
                    size="md",
                    className="tw-muted",
                ),
                html.Div(id="role-message", className="tw-form-message", role="alert"),
                modal_buttons("role-cancel", dmc.Button(_("Save role"), id="role-save", size="md")),
                dcc.Store(id="role-user"),
            ],
            gap="sm",
        ),
    )


def reset_password(
    db: Engine, user_id: int, password: str | None, again: str | None
) -> User | Refusal:
    """Set ``user_id``'s password from the modal (typed twice); a mismatch writes nothing."""
    actor = require_role(ADMIN)
    if (password or "") != (again or ""):
        return Refusal(
            _("Not saved. The two passwords differ."),
            {"again": _("The two passwords differ; type the same one twice.")},
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


def _refusal_message(refusal: Refusal, at_a_field: bool) -> str:
    return _("Not saved: correct the field marked in red.") if at_a_field else refusal.message


def _clicked_account() -> User:
    """The account whose row button opened a modal, for an admin; no update without a click or
    when the account is gone."""
    require_role(ADMIN)
    user_id = clicked_user()
    user = None if user_id is None else account(engine(), user_id)
    if user is None:
        raise PreventUpdate
    return user


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
    user = _clicked_account()
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
        "users": USERS_ANSWER,
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
        return {**closed, "users": UNCHANGED_USERS}
    outcome = reset_password(engine(), int(user_id), password, again)
    if isinstance(outcome, Refusal):
        errors = outcome.fields.get("password"), outcome.fields.get("again")
        return {"opened": True, "password": no_update, "again": no_update,
                "password_error": errors[0], "again_error": errors[1],
                "message": _refusal_message(outcome, any(errors)),
                "users": UNCHANGED_USERS}  # fmt: skip
    message = _("New password set for {name}.", name=outcome.display_name)
    table = current_users_table(engine(), actor.user_id)
    return {**closed, "users": {"table": table, "message": message, "style": FORM_OK}}


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
    user = _clicked_account()
    return {"opened": True, "user": user.id, "who": _who(user), "role": user.role,
            "error": None, "message": ""}  # fmt: skip


@callback(
    output={
        "opened": Output("role-modal", "opened", allow_duplicate=True),
        "error": Output("role-select", "error", allow_duplicate=True),
        "message": Output("role-message", "children", allow_duplicate=True),
        "users": USERS_ANSWER,
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
        return {"opened": False, "error": None, "message": "", "users": UNCHANGED_USERS}
    outcome = change_role(engine(), int(user_id), role)
    if isinstance(outcome, Refusal):
        error = outcome.fields.get("role")
        return {"opened": True, "error": error, "message": _refusal_message(outcome, bool(error)),
                "users": UNCHANGED_USERS}  # fmt: skip
    message = _(
        "{name}’s role is now {role}.", name=outcome.display_name, role=role_label(outcome.role)
    )
    table = current_users_table(engine(), actor.user_id)
    return {"opened": False, "error": None, "message": "",
            "users": {"table": table, "message": message, "style": FORM_OK}}  # fmt: skip
