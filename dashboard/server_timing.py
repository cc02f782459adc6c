"""A ``Server-Timing`` header on every answer: how long the app took to make it.

Measured around the whole WSGI app (sign-in check, CSRF, the view or callback and its SQL,
compression), up to the moment the status and headers are sent; browsers show it beside the
request in their developer tools, and ``make bench`` (T6d) reads it next to the time the
browser saw.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class ServerTiming:
    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()

        def timed(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            ms = (time.perf_counter() - started) * 1000
            headers.append(("Server-Timing", f"app;dur={ms:.1f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, timed)
