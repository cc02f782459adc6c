"""The header's language menu (dashboard.shell.language_menu) posts here: the signed-in user's
language is stored (models.users.set_language, audited) and the page they were on reloads in it.
Same-origin posts only (dashboard.auth's guard); anonymous requests never reach it."""

from __future__ import annotations

from urllib.parse import urlsplit

import dash
import flask
from flask.typing import ResponseReturnValue

from dashboard.auth import safe_next
from dashboard.context import current_actor, engine
from dashboard.i18n import language
from dashboard.shell import LANGUAGE_PATH
from models.db import transaction
from models.errors import FieldError
from models.types import utcnow
from models.users import set_language


def choose_language() -> ResponseReturnValue:
    actor = current_actor()
    code = flask.request.form.get("language", "")
    try:
        with transaction(engine()) as session:
            assert actor.user_id is not None
            set_language(
                session=session, actor=actor, user_id=actor.user_id, language=code, now=utcnow()
            )
    except FieldError:
        return flask.Response("unknown language", status=400, mimetype="text/plain")
    referrer = urlsplit(flask.request.referrer or "/")
    back = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return flask.redirect(safe_next(back), code=303)


def init_language_menu(app: dash.Dash) -> None:
    """The menu's route, and each page's ``<html lang>`` in the language it is written in
    (screen readers, hyphenation: WCAG 3.1.1)."""
    app.server.add_url_rule(LANGUAGE_PATH, "language", choose_language, methods=["POST"])
    plain_index = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        page = str(plain_index(**parts))  # type: ignore[no-untyped-call]
        return page.replace('<html lang="en">', f'<html lang="{language()}">', 1)

    app.interpolate_index = interpolate_index  # type: ignore[method-assign,assignment]
