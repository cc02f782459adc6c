"""What a request needs to know: the database engine, the signed-in actor, the ward."""

from __future__ import annotations

from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import flask
from flask_login import current_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.audit import Actor
from models.i18n import negotiate_language
from models.tables import Ward


def engine() -> Engine:
    value = flask.current_app.config["TW_ENGINE"]
    assert isinstance(value, Engine)
    return value


def current_actor() -> Actor:
    """The signed-in user as a domain Actor; the request guard has already refused anonymous."""
    if not current_user.is_authenticated:
        flask.abort(401)
    return Actor(user_id=current_user.id, username=current_user.username, role=current_user.role)


def current_user_name() -> str:
    """The signed-in user's name as the header shows it ("Dr Tomas Lindqvist"), for a printed
    sheet's "printed by"; the username when the account has no display name."""
    if not current_user.is_authenticated:
        flask.abort(401)
    return str(current_user.display_name or current_user.username)


def current_language() -> str:
    """The language to answer this request in (docs/i18n.md): the signed-in user's own; before
    sign-in, the one the browser prefers (Accept-Language) among ours, else the ward's default
    for new accounts."""
    if current_user.is_authenticated:
        return str(current_user.language)
    with Session(engine()) as session:
        found = session.exec(select(Ward.default_language).order_by(col(Ward.id))).first()
    header = flask.request.headers.get("Accept-Language")
    return negotiate_language(header, default=found) if found else negotiate_language(header)


ADMIN = "admin"  # the role that keeps the ward's settings and the staff accounts


def require_role(*roles: str) -> Actor:
    """The actor, or a 403 answer if their role may not use this callback."""
    actor = current_actor()
    if actor.role not in roles:
        flask.abort(403)
    return actor


def record_id(value: object) -> int:
    """An id a page holds (a store's data, a pattern id's part), checked: a whole number of
    32 bits. Anything else is a malformed request (TypeError: answered 400 by
    dashboard.callback_guard)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
        raise TypeError("not a record id")
    return value


def default_ward(session: Session) -> Ward:
    ward = session.exec(select(Ward).order_by(Ward.id)).first()  # type: ignore[arg-type]
    if ward is None:
        raise RuntimeError("no ward configured: run `taperwatch seed demo` or create one")
    return ward


def ward_tz(ward: Ward) -> tzinfo:
    return ZoneInfo(ward.timezone)


def to_local(instant: datetime, ward: Ward) -> datetime:
    return instant.astimezone(ward_tz(ward))
