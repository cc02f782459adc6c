"""Pages and callbacks declared at import serve every app the factory builds in one process (the
reason dashboard/registry.py exists: Dash's own callback registry serves only the first)."""

from __future__ import annotations

import dash
from sqlalchemy.engine import Engine

from dashboard.app import create_app
from models.settings import Settings
from tests.dashboard.conftest import sign_in


def _served_callbacks(app: dash.Dash) -> set[str]:
    """The callback keys the app has once Dash finished its set-up (on the first request)."""
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    assert client.get("/").status_code == 200
    return set(app.callback_map)


def test_a_second_app_in_the_same_process_has_every_page_and_callback(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    first = _served_callbacks(app)
    settings = Settings(
        database_url=str(sqlite_engine.url), secret_key="test-secret-key-123456", demo=False
    )
    second_app = create_app(settings, sqlite_engine)
    second = _served_callbacks(second_app)
    assert len(first) > 50
    assert second == first
    modules = {page["module"] for page in dash.page_registry.values()}
    assert {"dashboard.pages.board", "dashboard.pages.patient", "dashboard.pages.rounds"} <= modules


def test_the_print_button_is_declared_once_for_every_paper_page(app: dash.Dash) -> None:
    keys = [k for k in _served_callbacks(app) if "print-now.title" in k]
    assert len(keys) == 1
