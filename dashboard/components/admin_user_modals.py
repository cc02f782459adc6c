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


def _user_modal(name: str, title: str, fields: list[Any], save_label: str) -> dmc.Modal:
    """An account modal: who it is about, ``fields``, the message, Cancel and Save. Ids:
    ``<name>-modal``, ``-who``, ``-message``, ``-cancel``, ``-save`` and ``-user`` (the store
    of the account's id)."""
    return dmc.Modal(
        id=f"{name}-modal",
        title=title,
        opened=False,
        size="md",
        children=dmc.Stack(
            [
                html.Div(id=f"{name}-who", className="tw-banner-value"),
                *fields,
                html.Div(id=f"{name}-message", className="tw-form-message", role="alert"),
                modal_buttons(
                    f"{name}-cancel", dmc.Button(save_label, id=f"{name}-save", size="md")
                ),
                dcc.Store(id=f"{name}-user"),
            ],
            gap="sm",
        ),
    )


def password_modal() -> dmc.Modal:
    explanation = _(
        "The new password works at once, lifts a sign-in lockout and signs the person out "
        "wherever they are signed in. Give it to them in private."
    )
    fields = [
        dmc.Text(explanation, size="md"),
        dmc.PasswordInput(
            id="passwd-new",
            label=_("New password"),
            description=_("At least {n} characters", n=MIN_PASSWORD_LENGTH),
            size="md",
            autoComplete="new-password",
            **{"data-autofocus": True},
        ),
        dmc.PasswordInput(
            id="passwd-again", label=_("New password again"), size="md", autoComplete="new-password"
        ),
    ]
    return _user_modal("passwd", _("Reset password"), fields, _("Set password"))


def role_modal() -> dmc.Modal:
    explanation = _(
        "Nurses and physicians chart; physicians also change taper plans and sign rounds; "
        "admins manage staff accounts and the ward policy."
    )
    fields = [
        dmc.Select(
            id="role-select",
            label=_("Role"),
            description=_("It applies from the user's next click"),
            data=[{"value": r, "label": role_label(r)} for r in ROLES],
            allowDeselect=False,
            size="md",
            **{"data-autofocus": True},
        ),
        dmc.Text(explanation, size="md", className="tw-muted"),
    ]
    return _user_modal("role", _("Change role"), fields, _("Save role"))


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


def _open_io(name: str, fields: dict[str, Output]) -> dict[str, Any]:
    """An account modal's opening callback, from its row buttons ``user-<name>-open``: the
    modal, the account's id and who it is, ``fields`` (emptied or set), the message cleared."""
    return {
        "output": {
            "opened": Output(f"{name}-modal", "opened"),
            "user": Output(f"{name}-user", "data"),
            "who": Output(f"{name}-who", "children"),
            **fields,
            "message": Output(f"{name}-message", "children"),
        },
        "inputs": {"clicks": Input({"type": f"user-{name}-open", "user": ALL}, "n_clicks")},
        "prevent_initial_call": True,
    }


def _opened(user: User, fields: dict[str, Any]) -> dict[str, Any]:
    """The opening callback's answer for ``user`` (see :func:`_open_io`)."""
    return {"opened": True, "user": user.id, "who": _who(user), **fields, "message": ""}


_PASSWORD_FIELDS = {
    "password": Output("passwd-new", "value"),
    "again": Output("passwd-again", "value"),
    "password_error": Output("passwd-new", "error"),
    "again_error": Output("passwd-again", "error"),
}


@callback(**_open_io("passwd", _PASSWORD_FIELDS))
def _open_password(clicks: list[Any]) -> dict[str, Any]:
    user = _clicked_account()
    return _opened(user, {"password": "", "again": "", "password_error": None, "again_error": None})


def _save_io(name: str, fields: dict[str, Output], values: dict[str, State]) -> dict[str, Any]:
    """An account modal's Save (and Cancel) callback: it closes the modal or keeps it open,
    sets ``fields`` and the message, and answers the users table; it reads the account's id
    and ``values``."""
    fields_again = {
        key: Output(o.component_id, o.component_property, allow_duplicate=True)
        for key, o in fields.items()
    }
    return {
        "output": {
            "opened": Output(f"{name}-modal", "opened", allow_duplicate=True),
            **fields_again,
            "message": Output(f"{name}-message", "children", allow_duplicate=True),
            "users": USERS_ANSWER,
        },
        "inputs": {
            "save": Input(f"{name}-save", "n_clicks"),
            "cancel": Input(f"{name}-cancel", "n_clicks"),
            "user_id": State(f"{name}-user", "data"),
            **values,
        },
        "prevent_initial_call": True,
    }


_PASSWORD_VALUES = {
    "password": State("passwd-new", "value"),
    "again": State("passwd-again", "value"),
}


@callback(**_save_io("passwd", _PASSWORD_FIELDS, _PASSWORD_VALUES))
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


_ROLE_FIELDS = {
    "role": Output("role-select", "value"),
    "error": Output("role-select", "error"),
}


@callback(**_open_io("role", _ROLE_FIELDS))
def _open_role(clicks: list[Any]) -> dict[str, Any]:
    user = _clicked_account()
    return _opened(user, {"role": user.role, "error": None})


@callback(
    **_save_io("role", {"error": _ROLE_FIELDS["error"]}, {"role": State("role-select", "value")})
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
