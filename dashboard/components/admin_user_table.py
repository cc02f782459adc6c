"""The admin page's table of staff accounts, each with its state and its row's buttons, and what
the account callbacks share (the clicked row, the table's answer)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Output, ctx, html, no_update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from dashboard.components.charting_common import format_local
from dashboard.context import default_ward
from dashboard.i18n import _, ngettext, request_translator
from dashboard.shell import role_label
from models.db import read_session
from models.tables import SignInLock, User
from models.types import utcnow


def _status(user: User, now: datetime, tz: tzinfo, locked_pairs: int = 0) -> tuple[str, str]:
    """The status column: its text and class. A lock holds one account at one computer; a
    slow-down holds the account everywhere (models.users)."""
    if not user.active:
        return _("deactivated"), "tw-muted"
    parts = []
    if locked_pairs:
        parts.append(
            ngettext(
                "locked at {n} computer", "locked at {n} computers", locked_pairs, n=locked_pairs
            )
        )
    if user.locked_until is not None and user.locked_until > now:
        until = format_local(user.locked_until, tz, now, t=request_translator())
        parts.append(_("sign-in slowed until {when}", when=until))
    if parts:
        return "; ".join(parts), "tw-admin-locked"
    return _("active"), ""


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
        **{"aria-label": _("{action}: {username}", action=text, username=user.username)},
    )


def users_table(session: Session, me: int | None, now: datetime, tz: tzinfo) -> html.Table:
    users = session.exec(select(User).order_by(col(User.active).desc(), col(User.username))).all()
    locked = _locked_pairs(session, now)
    rows = []
    for user in users:
        buttons = [
            _row_button(_("Reset password"), "user-passwd-open", user),
            _row_button(_("Change role"), "user-role-open", user),
        ]
        if user.id != me:
            toggle = _("Deactivate") if user.active else _("Reactivate")
            buttons.append(_row_button(toggle, "user-active", user))
        if user.active:
            buttons.append(_row_button(_("Sign out everywhere"), "user-sign-out", user))
        slowed = user.locked_until is not None and user.locked_until > now
        if locked.get(user.id or 0) or slowed:
            buttons.append(_row_button(_("Unlock"), "user-unlock", user))
        status, status_class = _status(user, now, tz, locked.get(user.id or 0, 0))
        rows.append(
            html.Tr(
                [
                    html.Td(user.username),
                    html.Td(user.display_name),
                    html.Td(role_label(user.role)),
                    html.Td(status, className=status_class),
                    html.Td(
                        dmc.Group(buttons, gap="xs", wrap="nowrap"), className="tw-admin-actions"
                    ),
                ],
                className="" if user.active else "tw-admin-inactive",
            )
        )
    head = html.Thead(
        html.Tr([html.Th(h) for h in (_("Username"), _("Name"), _("Role"), _("Status"), "")])
    )
    return html.Table([head, html.Tbody(rows)], className="tw-table", id="users-table")


def current_users_table(db: Engine, me: int | None) -> html.Table:
    """The staff table as it stands now, times in the ward's timezone."""
    with read_session(db) as session:
        tz = ZoneInfo(default_ward(session).timezone)
        return users_table(session, me, utcnow(), tz)


def clicked_user() -> int | None:
    """The user whose row button was clicked, or None when a callback fired without a click
    (the table was redrawn with new buttons)."""
    trigger = ctx.triggered_id
    clicked = bool(ctx.triggered and ctx.triggered[0].get("value"))
    if not clicked or not isinstance(trigger, dict):
        return None
    return int(trigger["user"])


def account(db: Engine, user_id: int) -> User | None:
    with read_session(db) as session:
        return session.get(User, user_id)


USERS_ANSWER = {
    "table": Output("users-list", "children", allow_duplicate=True),
    "message": Output("users-message", "children", allow_duplicate=True),
    "style": Output("users-message", "className", allow_duplicate=True),
}


UNCHANGED_USERS = dict.fromkeys(USERS_ANSWER, no_update)


FORM_OK = "tw-form-message tw-form-ok"
