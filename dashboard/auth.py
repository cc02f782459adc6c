"""Sign-in (Flask-Login, argon2), sign-out, and the guard that refuses every anonymous request:
pages redirect to the sign-in page, callbacks and other requests answer 401."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from html import escape
from urllib.parse import urlsplit

import flask
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, UserMixin, login_user, logout_user
from sqlalchemy import bindparam, true
from sqlalchemy import select as sa_select

from dashboard.context import engine
from models.db import read_one, transaction
from models.tables import User
from models.types import utcnow
from models.users import authenticate

# Paths an anonymous visitor may request: the sign-in page, its stylesheet, the health check.
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/assets/login.css", "/favicon.ico"})


@dataclass
class SignedInUser(UserMixin):  # type: ignore[misc]
    id: int
    username: str
    display_name: str
    role: str
    session_key: str = ""  # of the password this session was signed in with (session_key)

    def get_id(self) -> str:
        """What the session cookie holds: the user's id and the key of their password, so a
        session signed in before a password reset is not honoured after it."""
        return f"{self.id}.{self.session_key}"


def session_key(password_hash: str) -> str:
    """A fingerprint of the stored password hash (never the hash itself): it changes when an
    admin resets the password, which ends every session signed in with the old one."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:32]


_USERS = User.__table__  # type: ignore[attr-defined]
# Every request re-reads the signed-in user (a deactivated account, a new role or a reset
# password takes effect at once): one indexed read of five columns, built once, no ORM session.
_ACTIVE_USER = sa_select(
    _USERS.c.id, _USERS.c.username, _USERS.c.display_name, _USERS.c.role, _USERS.c.password_hash
).where(_USERS.c.id == bindparam("user_id"), _USERS.c.active == true())


def _load_user(cookie_id: str) -> SignedInUser | None:
    user_id, _, key = cookie_id.partition(".")
    if not user_id.isdigit() or len(user_id) > 10 or not key:
        return None
    with read_one(engine()) as connection:
        found = connection.execute(_ACTIVE_USER, {"user_id": int(user_id)}).first()
    if found is None:
        return None
    current = session_key(found.password_hash)
    if not secrets.compare_digest(key.encode(), current.encode()):
        return None  # the password was reset since this session signed in
    return SignedInUser(found.id, found.username, found.display_name, found.role, current)


def _csrf_token() -> str:
    token = flask.session.get("csrf")
    if not token:
        token = flask.session["csrf"] = secrets.token_urlsafe(32)
    return str(token)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths; anything else goes to the ward board."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _login_page(error: str = "", username: str = "", next_url: str = "/") -> str:
    alert = f'<p class="tw-login-error" role="alert">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · Taperwatch</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/assets/login.css"></head>
<body><main class="tw-login">
<h1>Taperwatch</h1><p class="tw-login-sub">Detox ward monitoring — sign in</p>
<form method="post" action="/login">{alert}
<input type="hidden" name="csrf" value="{_csrf_token()}">
<input type="hidden" name="next" value="{escape(next_url)}">
<label for="username">Username</label>
<input id="username" name="username" autocomplete="username" required autofocus
 value="{escape(username)}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">Sign in</button>
</form></main></body></html>"""


def init_auth(server: flask.Flask) -> None:
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)

    @server.before_request
    def _guard() -> ResponseReturnValue | None:
        path = flask.request.path
        if flask.request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin():
            return flask.Response("cross-origin request refused", status=403)
        if path in PUBLIC_PATHS:
            return None
        from flask_login import current_user

        if current_user.is_authenticated:
            return None
        if flask.request.method == "GET" and not path.startswith(("/_dash", "/_reload")):
            if "." not in path.rsplit("/", 1)[-1]:
                return flask.redirect(f"/login?next={flask.request.full_path.rstrip('?')}")
        return flask.Response("sign in required", status=401)

    @server.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        if flask.request.method == "GET":
            return _login_page(next_url=_safe_next(flask.request.args.get("next")))
        form = flask.request.form
        if not secrets.compare_digest(form.get("csrf", ""), _csrf_token()):
            return flask.Response(_login_page("Your sign-in form expired; try again."), 400)
        username = form.get("username", "")
        next_url = _safe_next(form.get("next"))
        with transaction(engine()) as session:
            user = authenticate(
                session=session,
                username=username,
                password=form.get("password", ""),
                now=utcnow(),
            )
            signed_in = (
                SignedInUser(
                    user.id,
                    user.username,
                    user.display_name,
                    user.role,
                    session_key(user.password_hash),
                )
                if user is not None and user.id is not None
                else None
            )
        if signed_in is None:
            # One message for unknown user, wrong password and locked account: no enumeration.
            page = _login_page(
                "Username or password not recognised, or the account is locked for 15 "
                "minutes after repeated failures. Ask an admin if you are locked out.",
                username,
                next_url,
            )
            return flask.Response(page, status=401)
        flask.session.clear()
        login_user(signed_in)
        return flask.redirect(next_url)

    @server.route("/logout", methods=["POST"])
    def logout() -> ResponseReturnValue:
        logout_user()
        flask.session.clear()
        return flask.redirect("/login")

    @server.route("/healthz")
    def healthz() -> flask.Response:
        return flask.Response("ok", mimetype="text/plain")


def _same_origin() -> bool:
    """State-changing requests must come from our own pages (CSRF defence for Dash's JSON
    callbacks and the sign-in form): an Origin or Referer naming another host is refused."""
    origin = flask.request.headers.get("Origin") or flask.request.headers.get("Referer")
    if not origin:
        return True
    return urlsplit(origin).netloc == flask.request.host
