"""Pages and callbacks declared by their own modules at import, installed on each app.

A page module says what it is where Dash's pages idiom says it: ``register_page(__name__,
path=..., title=...)`` at its top and ``@callback(...)`` (the signature of ``dash.callback``) on
each callback. ``create_app`` imports the page modules and calls ``install(app)``, which hands
every declaration to Dash for that app: ``dash.register_page`` and ``app.callback``.

Why not ``dash.register_page`` and ``dash.callback`` themselves (Dash 4): the app factory builds
several apps in one process (the tests build one per test), and Dash's own registries serve
only one.
- ``dash.callback`` records into a process-global list that the first app to serve a request
  moves into itself and empties (``Dash._setup_server``): a second app would have no callbacks.
- ``dash.register_page`` must run after a ``dash.Dash`` exists (it reads that app's config and
  raises ``PageError`` before), so a page module imported on its own, as the tests do, could not
  call it at import. Its registry, ``dash.page_registry``, is global but the same for every app,
  so ``install`` calling it again for a second app only writes the same entries again.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import dash

from dashboard.plain_json import plain

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class _Page:
    module: str
    path: str | None
    path_template: str | None
    title: str
    layout: Callable[..., Any] | None


@dataclass(frozen=True)
class _Callback:
    function: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _ClientsideCallback:
    script: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


# Written once, at import of the modules that declare (then only read): not per-request state.
_PAGES: dict[str, _Page] = {}
_CALLBACKS: list[_Callback] = []
_CLIENTSIDE: list[_ClientsideCallback] = []


def register_page(
    module: str,
    *,
    title: str,
    path: str | None = None,
    path_template: str | None = None,
    layout: Callable[..., Any] | None = None,
) -> None:
    """Declare a page; ``layout`` defaults to the module's ``layout`` function (read when the
    page is installed, so the call can stand at the module's top as in Dash's idiom)."""
    _PAGES[module] = _Page(module, path, path_template, title, layout)


def callback(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``dash.callback``'s signature, recorded; the function is returned unchanged (it stays a
    plain function that a test can call)."""

    def declare(function: F) -> F:
        _CALLBACKS.append(_Callback(function, args, kwargs))
        return function

    return declare


def clientside_callback(script: str, *args: Any, **kwargs: Any) -> None:
    """``dash.clientside_callback``'s signature, recorded."""
    _CLIENTSIDE.append(_ClientsideCallback(script, args, kwargs))


def _plain_layout(layout: Callable[..., Any]) -> Callable[..., Any]:
    """The page's layout as plain JSON (dashboard.plain_json): Dash's answer to a navigation
    is then serialised by orjson directly, not walked in Python (a patient page's chart holds
    thousands of numbers: the walk cost as much as building the page)."""

    @functools.wraps(layout)
    def plain_layout(**kwargs: Any) -> Any:
        return plain(layout(**kwargs))

    return plain_layout


def install(app: dash.Dash) -> None:
    """Register every declared page and callback on ``app`` (a Dash app with ``use_pages``)."""
    for page in _PAGES.values():
        layout = page.layout or sys.modules[page.module].layout
        extra = {"path_template": page.path_template} if page.path_template else {}
        dash.register_page(  # type: ignore[no-untyped-call]
            page.module,
            path=page.path,
            title=page.title,
            name=page.title,
            layout=_plain_layout(layout),
            **extra,
        )
    for declared in _CALLBACKS:
        app.callback(*declared.args, **declared.kwargs)(declared.function)
    for script in _CLIENTSIDE:
        app.clientside_callback(script.script, *script.args, **script.kwargs)  # type: ignore[no-untyped-call]
