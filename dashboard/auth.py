"""Sign-in (Flask-Login, argon2), sign-out, and the guard that refuses every anonymous request:
pages redirect to the sign-in page, callbacks and other requests answer 401."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import escape
from urllib.parse import quote, urlsplit

import flask
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, login_user, logout_user
from sqlalchemy import bindparam, func, true
from sqlalchemy import select as sa_select
from sqlmodel import Session

from dashboard.context import engine
from dashboard.i18n import _, language
from models.audit import Actor
from models.db import read_one, transaction
from models.i18n import DEFAULT_LANGUAGE, N_
from models.tables import User, UserSession, Ward
from models.types import utcnow
from models.user_sessions import (
    DEFAULT_IDLE_LOCK_MIN,
    activity_write_every,
    end_session,
    idle_remaining,
    lock_idle_session,
    note_activity,
    start_session,
    token_hash,
)
from models.users import SLOW_DOWN_S, sign_in

# One message for unknown user, wrong password and locked account: no enumeration.
SIGN_IN_REFUSED = N_(
    "Username or password not recognised, or sign-in from this computer is paused for 15 "
    "minutes after repeated failures. Ask an admin if you are locked out."
)
SIGN_IN_EXPIRED = N_("Your sign-in form expired; try again.")
# Paths an anonymous visitor may request: the sign-in page, its stylesheet, the health check.
# A locked page signs in again at /session/unlock (dashboard/idle_lock.py).
# The hospital sign-in (dashboard/oidc.py, when configured) starts and returns at /login/oidc.
PUBLIC_PATHS = frozenset(
    {
        "/login",
        "/healthz",
        "/assets/login.css",
        "/favicon.ico",
        "/session/unlock",
        "/login/oidc",
        "/login/oidc/callback",
    }
)
# On a 401 for a session the idle lock ended: the page's script (assets/idle_lock.js) then shows
# its sign-in prompt; any other 401 (signed out, deactivated) it leaves to assets/connection.js.
IDLE_HEADER = "X-Taperwatch-Idle"
# Answered 401, never redirected to the sign-in page: data, not pages.
NOT_PAGES = ("/_dash", "/_reload", "/session/")


@dataclass
class SignedInUser(UserMixin):  # type: ignore[misc]
    id: int
    username: str
    display_name: str
    role: str
    session_token: str = ""  # of this browser's session (models.user_sessions.start_session)
    language: str = DEFAULT_LANGUAGE  # the user's own (models.users.set_language; docs/i18n.md)
    idle: timedelta = timedelta(minutes=DEFAULT_IDLE_LOCK_MIN)  # the ward's idle lock time
    idle_left: timedelta = idle  # until this session locks, as of this request

    def get_id(self) -> str:
        """What the session cookie holds: the token of a session kept on the server, so that
        signing out, deactivation or a password reset ends it for good (a replayed cookie is
        refused)."""
        return self.session_token

    @classmethod
    def start(cls, session: Session, user: User | None, now: datetime) -> SignedInUser | None:
        """A new server-side session for ``user`` who has just signed in (None: nobody did)."""
        if user is None or user.id is None:
            return None
        token = start_session(session=session, user_id=user.id, now=now)
        return cls(user.id, user.username, user.display_name, user.role, token)


_USERS = User.__table__  # type: ignore[attr-defined]
_SESSIONS = UserSession.__table__  # type: ignore[attr-defined]
_WARDS = Ward.__table__  # type: ignore[attr-defined]
# The idle lock time of the ward (the first, as dashboard.context.default_ward).
_IDLE_LOCK_MIN = func.coalesce(
    sa_select(_WARDS.c.idle_lock_min).order_by(_WARDS.c.id).limit(1).scalar_subquery(),
    DEFAULT_IDLE_LOCK_MIN,
)
# Every request re-reads the signed-in user (an ended session, a deactivated account or a new
# role takes effect at once): one indexed read by the token's hash, built once, no ORM session.
_ACTIVE_SESSION = (
    sa_select(
        _USERS.c.id,
        _USERS.c.username,
        _USERS.c.display_name,
        _USERS.c.role,
        _USERS.c.language,
        _SESSIONS.c.created_at,
        _SESSIONS.c.last_active_at,
        _IDLE_LOCK_MIN.label("idle_lock_min"),
    )
    .select_from(_SESSIONS.join(_USERS, _SESSIONS.c.user_id == _USERS.c.id))
    .where(
        _SESSIONS.c.token_hash == bindparam("token_hash"),
        _SESSIONS.c.ended_at.is_(None),
        _USERS.c.active == true(),
    )
)


def _load_user(cookie_id: str) -> SignedInUser | None:
    if not isinstance(cookie_id, str) or not 20 <= len(cookie_id) <= 100:
        return None  # not a token we issue (an old cookie, or a forged one)
    with read_one(engine()) as connection:
        found = connection.execute(_ACTIVE_SESSION, {"token_hash": token_hash(cookie_id)}).first()
    if found is None:
        return None
    now = utcnow()
    idle = timedelta(minutes=found.idle_lock_min)
    left = idle_remaining(
        created_at=found.created_at, last_active_at=found.last_active_at, idle=idle, now=now
    )
    if left <= timedelta(0):
        # Idle longer than the ward allows: the session ends here (whatever the page's script
        # did), and the request is anonymous.
        actor = Actor(found.id, found.username, found.role)
        with transaction(engine()) as session:
            lock_idle_session(session=session, actor=actor, token=cookie_id, now=now)
        flask.g.tw_idle_locked = True
        return None
    user = SignedInUser(
        found.id, found.username, found.display_name, found.role, cookie_id, found.language
    )
    user.idle, user.idle_left = idle, left
    return user


def _ended_for_idle() -> bool:
    """Whether this anonymous request's cookie names a session the idle lock ended (one read,
    on refused requests only)."""
    if flask.g.get("tw_idle_locked"):
        return True
    token = flask.session.get("_user_id")
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return False
    with read_one(engine()) as connection:
        reason = connection.execute(
            sa_select(_SESSIONS.c.ended_reason).where(_SESSIONS.c.token_hash == token_hash(token))
        ).scalar()
    return bool(reason == "idle")


def record_activity(user: SignedInUser) -> None:
    """Someone used the page: keep the session from locking (written at most every
    models.user_sessions.activity_write_every)."""
    since = user.idle - user.idle_left
    if since < activity_write_every(user.idle):
        return
    with transaction(engine()) as session:
        note_activity(session=session, token=user.session_token, idle=user.idle, now=utcnow())
    user.idle_left = user.idle


def _csrf_token() -> str:
    token = flask.session.get("csrf")
    if not token:
        token = flask.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the ward board."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_page(error: str = "", username: str = "", next_url: str = "/") -> str:
    """The sign-in page in the request's language (the browser's, before sign-in); ``error``
    is an English source string (SIGN_IN_REFUSED...), translated here."""
    # Worked out before the page's f-string: `make messages` does not look inside one.
    words = {
        "sign_in": _("Sign in"),
        "sub": _("Detox ward monitoring — sign in"),
        "username": _("Username"),
        "password": _("Password"),
        "or": _("or with a Taperwatch account:"),
    }
    words = {key: escape(text) for key, text in words.items()}
    alert = f'<p class="tw-login-error" role="alert">{escape(_(error))}</p>' if error else ""
    hospital = flask.current_app.extensions.get("tw_oidc")  # dashboard.oidc.HospitalSignIn
    if hospital is not None:
        target = escape(f"/login/oidc?next={quote(next_url)}")
        with_hospital = _("Sign in with {hospital}", hospital=hospital.name)
        alert += (
            f'<p class="tw-login-hospital"><a id="sign-in-hospital" href="{target}">'
            f"{escape(with_hospital)}</a></p>"
            f'<p class="tw-login-or">{words["or"]}</p>'
        )
    return f"""<!doctype html>
<html lang="{language()}"><head><meta charset="utf-8">
<title>{words["sign_in"]} · Taperwatch</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/login.css"></head>
<body><main class="tw-login">
<h1>Taperwatch</h1><p class="tw-login-sub">{words["sub"]}</p>
<form method="post" action="/login">{alert}
<input type="hidden" name="csrf" value="{_csrf_token()}">
<input type="hidden" name="next" value="{escape(next_url)}">
<label for="username">{words["username"]}</label>
<input id="username" name="username" autocomplete="username" required autofocus
 value="{escape(username)}">
<label for="password">{words["password"]}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">{words["sign_in"]}</button>
</form></main></body></html>"""


def init_auth(server: flask.Flask) -> None:
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)
    server.before_request(_guard)
    server.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", _logout, methods=["POST"])
    server.add_url_rule("/healthz", "healthz", _healthz)


def _guard() -> ResponseReturnValue | None:
    """Before every request: same-origin writes only; public paths pass; a signed-in user's page
    load counts as use; otherwise a page redirects to sign-in and anything else gets 401."""
    path = flask.request.path
    if flask.request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin():
        return flask.Response("cross-origin request refused", status=403)
    if path in PUBLIC_PATHS:
        return None
    from flask_login import current_user

    if current_user.is_authenticated:
        if _is_page_load(path):
            record_activity(current_user)  # opening a page is using it
        return None
    if flask.request.method == "GET" and not path.startswith(NOT_PAGES):
        if "." not in path.rsplit("/", 1)[-1]:
            return flask.redirect(f"/login?next={flask.request.full_path.rstrip('?')}")
    refused = flask.Response("sign in required", status=401)
    if _ended_for_idle():
        refused.headers[IDLE_HEADER] = "locked"  # the page shows its sign-in prompt
    return refused


def _login() -> ResponseReturnValue:
    if flask.request.method == "GET":
        return login_page(next_url=safe_next(flask.request.args.get("next")))
    form = flask.request.form
    if not secrets.compare_digest(form.get("csrf", ""), _csrf_token()):
        return flask.Response(login_page(SIGN_IN_EXPIRED), 400)
    username = form.get("username", "")
    next_url = safe_next(form.get("next"))
    now = utcnow()
    with transaction(engine()) as session:
        attempt = sign_in(
            session=session,
            username=username,
            password=form.get("password", ""),
            address=client_address(),
            now=now,
        )
        signed_in = SignedInUser.start(session, attempt.user, now)
    if attempt.slowed:
        time.sleep(SLOW_DOWN_S)  # many recent failures for this account: slow guessing
    if signed_in is None:
        page = login_page(SIGN_IN_REFUSED, username, next_url)
        return flask.Response(page, status=401)
    flask.session.clear()
    login_user(signed_in)
    return flask.redirect(next_url)


def _logout() -> ResponseReturnValue:
    from flask_login import current_user

    if current_user.is_authenticated:
        with transaction(engine()) as session:
            end_session(session=session, token=current_user.session_token, now=utcnow())
    logout_user()
    flask.session.clear()
    return flask.redirect("/login")


def _healthz() -> flask.Response:
    return flask.Response("ok", mimetype="text/plain")


def _is_page_load(path: str) -> bool:
    return (
        flask.request.method == "GET"
        and not path.startswith((*NOT_PAGES, "/assets/"))
        and "." not in path.rsplit("/", 1)[-1]
    )


def client_address() -> str:
    """The client's address. Behind a reverse proxy configure werkzeug's ProxyFix, so that this
    is the client and not the proxy."""
    return (flask.request.remote_addr or "unknown")[:64]


def _same_origin() -> bool:
    """State-changing requests must come from our own pages (CSRF defence for Dash's JSON
    callbacks and the sign-in form): an Origin or Referer naming another host is refused."""
    origin = flask.request.headers.get("Origin") or flask.request.headers.get("Referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == flask.request.host
