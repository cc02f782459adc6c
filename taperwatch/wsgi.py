"""WSGI entry for gunicorn: ``gunicorn 'taperwatch.wsgi:server'``.

The web workers never run the scheduler; run ``taperwatch jobs`` beside them.
"""

from __future__ import annotations

from dashboard.app import create_app, warm_up

app = create_app()
server = app.server
warm_up(app)  # each worker, at import, before gunicorn hands it any traffic
