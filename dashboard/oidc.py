"""Hospital sign-in: OpenID Connect's authorization-code flow with Authlib, on when
TAPERWATCH_OIDC_ISSUER is set (models/settings.py). Local accounts keep working beside it.

``GET /login/oidc`` sends the browser to the provider with a fresh state and nonce (kept in the
signed session cookie); ``GET /login/oidc/callback`` takes the code back, checks the state,
fetches the tokens from the provider, verifies the ID token (signature by the provider's
published keys, issuer, audience, expiry, nonce), maps its groups to a role and starts the same
server-side session as a password sign-in (models.oidc_accounts).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import flask
import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask.typing import ResponseReturnValue
from flask_login import login_user
from joserfc.errors import JoseError

from dashboard.auth import SignedInUser, login_page, safe_next
from dashboard.context import engine
from dashboard.i18n import N_
from models.db import transaction
from models.oidc_accounts import provider_sign_in, role_for_groups
from models.settings import Settings
from models.types import utcnow

log = logging.getLogger(__name__)

START_PATH = "/login/oidc"
CALLBACK_PATH = "/login/oidc/callback"
PROVIDER = "hospital"
_NEXT_KEY = "oidc_next"
# Anything the exchange with the provider can fail with: a state or nonce that does not match,
# an error sent back, a token that does not verify, a provider that does not answer.
_REFUSED = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError)


@dataclass(frozen=True)
class HospitalSignIn:
    name: str  # "Sign in with <name>"
    groups_claim: str
    role_map: tuple[tuple[str, str], ...]


def hospital_sign_in(server: flask.Flask) -> HospitalSignIn | None:
    found = server.extensions.get("tw_oidc")
    return found if isinstance(found, HospitalSignIn) else None


# What the sign-in page says when the exchange with the provider fails (English source strings,
# translated by the sign-in page into the browser's language).
NOT_ANSWERING = N_("The hospital sign-in is not answering; try again, or sign in here.")
NOT_COMPLETED = N_("The hospital sign-in did not complete; start again.")


def _refused(message: str, status: int) -> flask.Response:
    """The sign-in page with ``message`` (an English source string, marked ``N_``) in the
    browser's language."""
    return flask.Response(login_page(message), status=status, mimetype="text/html")


def start() -> ResponseReturnValue:
    flask.session[_NEXT_KEY] = safe_next(flask.request.args.get("next"))
    client = flask.current_app.extensions["authlib.integrations.flask_client"].create_client(
        PROVIDER
    )
    try:
        answer: flask.Response = client.authorize_redirect(
            flask.url_for("tw_oidc_callback", _external=True)
        )
    except _REFUSED as exc:
        log.warning("hospital sign-in: the provider did not answer (%s)", type(exc).__name__)
        return _refused(NOT_ANSWERING, 503)
    return answer


def callback() -> ResponseReturnValue:
    config = hospital_sign_in(flask.current_app)
    assert config is not None
    client = flask.current_app.extensions["authlib.integrations.flask_client"].create_client(
        PROVIDER
    )
    try:
        token = client.authorize_access_token()
    except _REFUSED as exc:  # the log names the kind of fault, never a value sent
        log.warning("hospital sign-in refused: %s", type(exc).__name__)
        return _refused(NOT_COMPLETED, 400)
    claims = token.get("userinfo")
    if not claims:
        log.warning("hospital sign-in refused: no ID token")
        return _refused(NOT_COMPLETED, 400)
    now = utcnow()
    with transaction(engine()) as session:
        outcome = provider_sign_in(
            session=session,
            issuer=str(claims.get("iss", "")),
            subject=str(claims.get("sub", "")),
            username_hint=str(claims.get("preferred_username") or claims.get("email") or ""),
            display_name=str(claims.get("name") or ""),
            role=role_for_groups(claims.get(config.groups_claim), config.role_map),
            now=now,
        )
        signed_in = SignedInUser.start(session, outcome.user, now)
    if signed_in is None:
        return _refused(outcome.refusal, 403)
    next_url = safe_next(flask.session.get(_NEXT_KEY))
    flask.session.clear()
    login_user(signed_in)
    return flask.redirect(next_url)


def init_oidc(server: flask.Flask, settings: Settings) -> None:
    """Add the hospital sign-in to ``server`` when the settings name a provider."""
    if not settings.oidc_issuer:
        return
    oauth = OAuth(server)
    oauth.register(
        PROVIDER,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": settings.oidc_scope},
    )
    server.extensions["tw_oidc"] = HospitalSignIn(
        settings.oidc_name, settings.oidc_groups_claim, settings.oidc_roles
    )
    server.add_url_rule(START_PATH, "tw_oidc_start", start)
    server.add_url_rule(CALLBACK_PATH, "tw_oidc_callback", callback)
