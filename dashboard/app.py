"""``create_app()``: the Dash app on a Flask server with sign-in, pages and compression."""

from __future__ import annotations

import importlib

import dash
import flask
from sqlalchemy.engine import Engine

from dashboard import registry
from dashboard.auth import init_auth
from dashboard.callback_guard import init_callback_guard
from dashboard.compression import cache_dir, init_compression
from dashboard.csv_export import register_export_routes
from dashboard.idle_lock import init_idle_lock
from dashboard.language_menu import init_language_menu
from dashboard.oidc import init_oidc
from dashboard.page_scripts import init_page_scripts
from dashboard.pages.audit import register_csv_route
from dashboard.security import init_security
from dashboard.server_timing import ServerTiming
from dashboard.shell import shell_layout
from models.db import get_engine
from models.settings import Settings, get_settings

# The page modules: each declares its page and callbacks at import (dashboard.registry).
PAGES: tuple[str, ...] = (
    "dashboard.pages.board",
    "dashboard.pages.paper_home",
    "dashboard.pages.paper_patient",
    "dashboard.pages.paper_wristband",
    "dashboard.pages.paper_summary",
    "dashboard.pages.patient",
    "dashboard.pages.queue",
    "dashboard.pages.admin",
    "dashboard.pages.audit",
    "dashboard.pages.rounds",
    "dashboard.pages.paper_rounds",
    "dashboard.pages.sources",
)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> dash.Dash:
    settings = settings or get_settings()
    engine = engine or get_engine(settings.database_url)
    server = flask.Flask("taperwatch")
    server.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        TW_ENGINE=engine,
        TW_SETTINGS=settings,
    )
    server.wsgi_app = ServerTiming(server.wsgi_app)  # type: ignore[method-assign]
    # First, so that it runs after the hooks below have read the page.
    init_compression(server, cache_dir(settings.compressed_cache))
    init_auth(server)
    init_idle_lock(server)  # the idle lock's activity and unlock routes
    init_oidc(server, settings)  # hospital sign-in, when configured
    init_security(server)  # CSRF tokens, security headers, sign-in rate limit
    register_export_routes(server)  # CSV and FHIR downloads of a stay
    register_csv_route(server)  # the audit log's CSV download
    app = dash.Dash(
        __name__,
        server=server,  # type: ignore[arg-type]  # Dash's hints omit Flask instances
        use_pages=True,
        pages_folder="",
        suppress_callback_exceptions=True,
        title="Taperwatch",
        update_title=None,  # type: ignore[arg-type]  # None disables "Updating..." titles
        serve_locally=True,
    )
    for name in PAGES:
        importlib.import_module(name)
    registry.install(app)
    app.layout = shell_layout
    init_callback_guard(app)  # malformed callback requests: 400, no traceback
    # The page's language, for screen readers and the browser's hyphenation (WCAG 3.1.1).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    init_language_menu(app)  # the header's language menu; <html lang> per request
    init_page_scripts(app)  # plotly.js only where a page shows it
    return app


def warm_up(app: dash.Dash) -> None:
    """Serve the app one request before it meets traffic. Dash finishes its set-up on the first
    request and marks it done before its scripts are registered: under a threaded server,
    requests racing that first one got HTTP 500 for scripts."""
    with app.server.test_client() as client:
        client.get("/healthz")
