"""Web hardening on top of sign-in (dashboard.auth): a CSRF token on every state-changing
request, security headers on every response, a per-address limit on failed sign-ins, and a 503
(not a crash) when the database cannot answer.

CSRF. Dash's renderer (dash-renderer 4.x, ``getCSRFHeader``) reads the cookie named by
``csrf_token_name`` (default ``_csrf_token``) and sends its value back in the ``X-CSRFToken``
header of every callback request. We set that cookie to the session's token (the one the sign-in
form carries) and refuse a state-changing request whose header does not match the session. A
forged cross-site request cannot read our cookie, so it cannot send the header; the same-origin
check in dashboard.auth stays as the first line.

Content-Security-Policy. Scripts only from our own origin, plus the inline scripts Dash writes
into each page (the renderer start-up and the clientside callbacks), allowed by their SHA-256
hashes computed from the page being sent, so a script injected into a page is never run. Styles
allow 'unsafe-inline': Mantine, AG Grid and Plotly set inline styles.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import lru_cache

import flask
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from dashboard.auth import _csrf_token as session_csrf_token
from dashboard.auth import client_address
from models.db import DATABASE_UNAVAILABLE_ERRORS, log_database_fault

# The cookie Dash's renderer reads and the header it echoes it in (dash.Dash defaults).
CSRF_COOKIE = "_csrf_token"
CSRF_HEADER = "X-CSRFToken"
# State-changing paths with a check of their own: the sign-in form carries its token in a form
# field; signing out changes no record (and is still same-origin checked by dashboard.auth).
CSRF_EXEMPT_PATHS = frozenset({"/login", "/logout"})
# Plain HTML forms (no script to set a header): the token comes as the form's "csrf" field.
CSRF_FORM_PATHS = frozenset({"/language"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where a password is checked: failures there count towards the per-address limit. (A locked
# page's sign-in, /session/unlock, carries the CSRF header like any callback.)
SIGN_IN_PATHS = frozenset({"/login", "/session/unlock"})

# Static files keep their own caching; everything else may carry patient data and is not stored.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_favicon.ico")

# Local policy: 50 failed sign-ins from one address within 10 minutes pause sign-in from that
# address for the rest of the window. It stops one computer trying password after password
# across many accounts; it is set well above what a ward's typing errors reach, because a ward
# behind one proxy shares one address. Guessing at one account is held by the database's lock
# of each (account, address) pair and the account's slow-down (models.users), which hold across
# every worker and host. Counted per process (each worker keeps its own count).
SIGN_IN_FAILURES_PER_ADDRESS = 50
SIGN_IN_WINDOW_S = 600.0

# The largest request body accepted. A callback sends the inputs of one form or the board's
# rows (a few kilobytes to a few hundred); anything near this is not a ward's use of the app.
MAX_REQUEST_BYTES = 2_000_000

_INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.S | re.I)
_NOT_JAVASCRIPT = re.compile(r"""type\s*=\s*["']?application/json""", re.I)

BASE_POLICY = (
    ("default-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("worker-src", "'self' blob:"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def inline_script_hashes(page: str) -> list[str]:
    """CSP source expressions for the inline scripts of ``page`` (JSON data blocks excluded)."""
    hashes: list[str] = []
    for match in _INLINE_SCRIPT.finditer(page):
        if "src=" in match.group("attrs").lower() or _NOT_JAVASCRIPT.search(match["attrs"]):
            continue
        digest = hashlib.sha256(match.group("body").encode()).digest()
        source = f"'sha256-{base64.b64encode(digest).decode()}'"
        if source not in hashes:
            hashes.append(source)
    return hashes


def content_security_policy(script_hashes: list[str]) -> str:
    return _policy(tuple(script_hashes))


@lru_cache(maxsize=64)  # a few distinct pages; every data answer has no inline script
def _policy(script_hashes: tuple[str, ...]) -> str:
    scripts = " ".join(["'self'", *script_hashes])
    return "; ".join(f"{name} {value}" for name, value in (("script-src", scripts), *BASE_POLICY))


class SignInLimiter:
    """Failed sign-ins per client address in a sliding window, kept in this process."""

    def __init__(
        self,
        limit: int = SIGN_IN_FAILURES_PER_ADDRESS,
        window_s: float = SIGN_IN_WINDOW_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str, now: float) -> deque[float]:
        failures = self._failures.setdefault(address, deque())
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def retry_after_s(self, address: str) -> int:
        """Seconds until ``address`` may try again; 0 if it may now."""
        with self._lock:
            now = self.clock()
            failures = self._recent(address, now)
            if len(failures) < self.limit:
                if not failures:
                    del self._failures[address]
                return 0
            return max(1, int(failures[-self.limit] + self.window_s - now + 0.999))

    def record_failure(self, address: str) -> None:
        with self._lock:
            now = self.clock()
            self._recent(address, now).append(now)
            if len(self._failures) > 10_000:  # bounded memory under a spray of addresses
                for stale in [a for a, f in self._failures.items() if f[-1] <= now - 60]:
                    del self._failures[stale]


def _too_many_sign_ins(retry_after: int) -> flask.Response:
    minutes = max(1, round(retry_after / 60))
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>Sign in · Taperwatch</title>"
        '<link rel="stylesheet" href="/assets/login.css"></head><body><main class="tw-login">'
        '<h1>Taperwatch</h1><p class="tw-login-error" role="alert">Too many failed sign-ins '
        f"from this computer. Wait {minutes} minute{'s' if minutes != 1 else ''} and try again, "
        'or ask an admin.</p><p><a href="/login">Back to sign-in</a></p></main></body></html>'
    )
    response = flask.Response(page, status=429, mimetype="text/html")
    response.headers["Retry-After"] = str(retry_after)
    return response


def _database_unavailable(exc: Exception) -> flask.Response:
    """A request the database could not answer: 503, not a crash, and one log line without
    the statement or its values (assets/connection.js shows the message on the page; a
    charting form says "not saved" itself when only its write fails)."""
    log_database_fault(exc)
    response = flask.Response(
        "The database is not answering (busy, full or restarting): nothing was saved. "
        "Try again in a moment.",
        status=503,
        mimetype="text/plain",
    )
    response.headers["Retry-After"] = "5"
    return response


def _too_large(_exc: object = None) -> flask.Response:
    return flask.Response(
        f"The request is larger than {MAX_REQUEST_BYTES // 1_000_000} MB and was refused; "
        "nothing was saved.",
        status=413,
        mimetype="text/plain",
    )


def _csrf_refused() -> flask.Response:
    return flask.Response(
        "This page is out of date or the request did not come from Taperwatch; reload the page.",
        status=403,
        mimetype="text/plain",
    )


def init_security(server: flask.Flask) -> None:
    """Install the CSRF check, the sign-in limit and the security headers on ``server``.
    Call after dashboard.auth.init_auth, so anonymous requests are refused (401) first."""
    limiter = SignInLimiter()
    server.extensions["tw_sign_in_limiter"] = limiter
    # Flask refuses a longer body as it reads it (also one sent chunked, with no length).
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    server.register_error_handler(RequestEntityTooLarge, _too_large)

    @server.before_request
    def _refuse_large_requests() -> flask.Response | None:
        length = flask.request.content_length
        return _too_large() if length is not None and length > MAX_REQUEST_BYTES else None

    @server.before_request
    def _refuse_unsafe_requests() -> flask.Response | None:
        request = flask.request
        if request.method in SAFE_METHODS:
            return None
        if request.path in SIGN_IN_PATHS:
            retry_after = limiter.retry_after_s(client_address())
            if retry_after:
                return _too_many_sign_ins(retry_after)
        if request.path in CSRF_EXEMPT_PATHS:
            return None
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent and request.path in CSRF_FORM_PATHS:
            sent = request.form.get("csrf", "")
        if not sent or not secrets.compare_digest(sent, session_csrf_token()):
            return _csrf_refused()
        return None

    for error in DATABASE_UNAVAILABLE_ERRORS:
        server.register_error_handler(error, _database_unavailable)

    @server.after_request
    def _harden_response(response: flask.Response) -> flask.Response:
        request = flask.request
        refused = response.status_code == 401 and request.method == "POST"
        if refused and request.path in SIGN_IN_PATHS:
            limiter.record_failure(client_address())
        _set_csrf_cookie(server, response)
        _set_security_headers(server, response)
        return response


def _set_csrf_cookie(server: flask.Flask, response: flask.Response) -> None:
    """On page and data loads (GET), so it is in place before Dash's first callback; a
    sign-in answer carries only the session cookie."""
    if flask.request.method not in SAFE_METHODS or response.status_code >= 500:
        return  # (an error answer must not touch the database again to find the user)
    present = flask.request.cookies.get(CSRF_COOKIE)
    if current_user.is_authenticated:
        token = session_csrf_token()
        if present != token:
            response.set_cookie(
                CSRF_COOKIE,
                token,
                path="/",
                samesite="Strict",
                secure=bool(server.config.get("SESSION_COOKIE_SECURE")),
                httponly=False,  # Dash's renderer reads it to send it back as a header
            )
    elif present:
        response.delete_cookie(CSRF_COOKIE, path="/")


def _set_security_headers(server: flask.Flask, response: flask.Response) -> None:
    hashes: list[str] = []
    if response.mimetype == "text/html" and not response.direct_passthrough:
        hashes = inline_script_hashes(response.get_data(as_text=True))
    response.headers["Content-Security-Policy"] = content_security_policy(hashes)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if server.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if not flask.request.path.startswith(STATIC_PREFIXES):
        response.headers["Cache-Control"] = "no-store"
