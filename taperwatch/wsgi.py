"""WSGI entry for gunicorn: ``gunicorn 'taperwatch.wsgi:server'``.

The web workers never run the scheduler; run ``taperwatch jobs`` beside them.
"""

from __future__ import annotations

from dashboard.app import create_app

app = create_app()
server = app.server

# Dash finishes its set-up on a worker's first request and marks it done before its scripts are
# registered: under threaded gunicorn, requests racing that first one got HTTP 500 for scripts.
# Each worker serves itself one request at import, before gunicorn hands it any traffic.
with server.test_client() as _warm_up:
    _warm_up.get("/healthz")
