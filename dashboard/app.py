"""``create_app()``: the Dash app on a Flask server with sign-in, pages and compression."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import dash
import flask
from sqlalchemy.engine import Engine

from dashboard.auth import init_auth
from dashboard.callback_guard import init_callback_guard
from dashboard.compression import cache_dir, init_compression
from dashboard.csv_export import register_export_routes
from dashboard.idle_lock import init_idle_lock
from dashboard.oidc import init_oidc
from dashboard.page_scripts import init_page_scripts
from dashboard.plain_json import plain
from dashboard.security import init_security
from dashboard.server_timing import ServerTiming
from dashboard.shell import shell_layout
from models.db import get_engine
from models.settings import Settings, get_settings

# Page modules, each with PATH (or PATH_TEMPLATE), TITLE, layout(**kwargs) and
# register_callbacks(app). Later pages add themselves here.
PAGE_MODULES: tuple[str, ...] = (
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


def _page_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in PAGE_MODULES]


def _plain_layout(layout: Callable[..., Any]) -> Callable[..., Any]:
    """The page's layout as plain JSON (dashboard.plain_json): Dash's answer to a navigation
    is then serialised by orjson directly, not walked in Python (a patient page's chart holds
    thousands of numbers: the walk cost as much as building the page)."""

    @functools.wraps(layout)
    def plain_layout(**kwargs: Any) -> Any:
        return plain(layout(**kwargs))

    return plain_layout


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
    for module in _page_modules():
        kwargs = {"path_template": module.PATH_TEMPLATE} if hasattr(module, "PATH_TEMPLATE") else {}
        dash.register_page(  # type: ignore[no-untyped-call]
            module.__name__,
            path=getattr(module, "PATH", None),
            title=module.TITLE,
            name=module.TITLE,
            layout=_plain_layout(module.layout),
            **kwargs,
        )
        module.register_callbacks(app)
    app.layout = shell_layout
    init_callback_guard(app)  # malformed callback requests: 400, no traceback
    # The page's language, for screen readers and the browser's hyphenation (WCAG 3.1.1).
    app.index_string = app.index_string.replace("<html>", '<html lang="en">', 1)
    init_page_scripts(app)  # plotly.js only where a page shows it
    return app


def warm_up(app: dash.Dash) -> None:
    """Serve the app one request before it meets traffic. Dash finishes its set-up on the first
    request and marks it done before its scripts are registered: under a threaded server,
    requests racing that first one got HTTP 500 for scripts."""
    with app.server.test_client() as client:
        client.get("/healthz")
