"""The idle lock's server side. The page's script (assets/idle_lock.js) reports that someone
used it (``POST /session/activity``), asks how long is left before it locks (``GET``), and
once locked signs in again without leaving the page (``POST /session/unlock``): the same user
carries on with what they had typed; another user gets a fresh page of their own.

The server does not rely on the script: dashboard.auth refuses a session idle for longer than
the ward's ``idle_lock_min`` and ends it (audited ``session.lock``), so a request with the
script bypassed is refused all the same.
"""

from __future__ import annotations

import time

import flask
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user

from dashboard.auth import SIGN_IN_REFUSED, SignedInUser, client_address, record_activity
from dashboard.context import engine
from dashboard.i18n import _, ngettext
from models.audit import Actor
from models.db import transaction
from models.types import utcnow
from models.user_sessions import end_session, record_unlock, session_user_id, start_session
from models.users import SLOW_DOWN_S, sign_in

ACTIVITY_PATH = "/session/activity"
UNLOCK_PATH = "/session/unlock"
# Flask-Login keeps the session's token under this key of the (signed) cookie.
_LOGIN_KEY = "_user_id"


def lock_words(idle_s: int) -> dict[str, str]:
    """What the lock prompt says, in the signed-in user's language: the page's script has no
    catalog, so it is given its words while the session is open and keeps them for the lock."""
    minutes = round(idle_s / 60)
    return {
        "title": _("Taperwatch is locked"),
        "why": ngettext(
            "Nobody used this page for {n} minute (ward policy). Sign in to carry on: anything "
            "typed and not yet saved is kept. Someone else signing in here gets a fresh page.",
            "Nobody used this page for {n} minutes (ward policy). Sign in to carry on: anything "
            "typed and not yet saved is kept. Someone else signing in here gets a fresh page.",
            minutes,
            n=minutes,
        ),
        "username": _("Username"),
        "password": _("Password"),
        "sign_in": _("Sign in"),
        "refused": _(SIGN_IN_REFUSED),
        "not_carried_on": _("Signed in, but this page could not carry on; reload it."),
        "too_many": _(
            "Too many failed sign-ins from this computer. Wait, then try again, or ask an admin."
        ),
        "out_of_date": _("This page is out of date; reload it to sign in (unsaved input is lost)."),
        "not_signed_in": _("Not signed in; try again."),
        "no_answer": _("The server is not answering. Check the network and try again."),
    }


def _state(user: SignedInUser) -> dict[str, object]:
    idle_s = int(user.idle.total_seconds())
    return {
        "username": user.username,
        "display_name": user.display_name,
        "idle_s": idle_s,
        "remaining_s": max(0, int(user.idle_left.total_seconds())),
        "words": lock_words(idle_s),
    }


def activity() -> ResponseReturnValue:
    """GET: how long this session has before it locks. POST: someone used the page."""
    user = current_user._get_current_object()  # the request guard let only the signed-in in
    assert isinstance(user, SignedInUser)
    if flask.request.method == "POST":
        record_activity(user)
    return flask.jsonify(_state(user))


def unlock() -> ResponseReturnValue:
    """Sign in from a locked page. JSON: ``same_user`` (carry on), or 401 with the message (in
    the browser's language: the page's own words, given before it locked, come first)."""
    form = flask.request.form
    username, password = form.get("username", ""), form.get("password", "")
    old_token = flask.session.get(_LOGIN_KEY)
    now = utcnow()
    signed_in: SignedInUser | None = None
    same_user = False
    with transaction(engine()) as session:
        attempt = sign_in(
            session=session,
            username=username,
            password=password,
            address=client_address(),
            now=now,
        )
        user = attempt.user
        if user is not None and user.id is not None:
            if isinstance(old_token, str) and 20 <= len(old_token) <= 100:
                same_user = session_user_id(session, old_token) == user.id
                end_session(session=session, token=old_token, now=now, reason="unlocked")
            token = start_session(session=session, user_id=user.id, now=now)
            actor = Actor(user.id, user.username, user.role)
            record_unlock(session=session, actor=actor, same_user=same_user, now=now)
            signed_in = SignedInUser(user.id, user.username, user.display_name, user.role, token)
    if attempt.slowed:
        time.sleep(SLOW_DOWN_S)
    if signed_in is None:
        return flask.jsonify({"error": _(SIGN_IN_REFUSED)}), 401
    flask.session.clear()
    login_user(signed_in)
    return flask.jsonify({"same_user": same_user})


def init_idle_lock(server: flask.Flask) -> None:
    server.add_url_rule(ACTIVITY_PATH, "tw_session_activity", activity, methods=["GET", "POST"])
    server.add_url_rule(UNLOCK_PATH, "tw_session_unlock", unlock, methods=["POST"])
