"""Each page loads only the scripts it uses.

Dash puts every component library's bundle in every page. Two are large and used by one page
each: AG Grid (the ward board) and plotly.js (the patient chart).

- AG Grid's bundle is taken out of the page's scripts and loaded by the board when it first
  shows a grid (assets/lazy_libraries.js, from the fingerprinted URL given here).
- dcc.Graph already loads plotly.js only when a graph is shown; we serve it the "basic"
  build of the same plotly.js version (scatter, bar and pie: all our charts draw is
  scatter traces and shapes), a quarter of the full build. If the plotly package is
  upgraded past the vendored build, Dash's full build is served until vendor/ is updated.

Both would load only once the page's layout has arrived and rendered; the page that needs a
bundle names it in a ``<link rel="preload">`` of its HTML, so it downloads from the start,
beside Dash's own scripts.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import dash
import flask
from dash.fingerprint import build_fingerprint

from dashboard.pages import board, patient

log = logging.getLogger(__name__)

# Library namespace -> the components a page may show; each loads when first shown.
LAZY_LIBRARIES: dict[str, tuple[str, ...]] = {"dash_ag_grid": ("AgGrid",)}
SUITES = "/_dash-component-suites/"
# The page (its path, or path template) -> what it loads once its layout is shown: a library
# named by namespace (its fingerprinted bundle) or a path under SUITES.
PAGE_PRELOADS: dict[str, tuple[str, ...]] = {
    board.PATH: ("dash_ag_grid", "dash_ag_grid/async-community.js"),
    patient.PATH_TEMPLATE: ("dash/dcc/async-graph.js", "plotly/package_data/plotly.min.js"),
}

VENDOR = Path(__file__).with_name("vendor")
PLOTLY_BASIC = VENDOR / "plotly-basic.min.js"  # npm plotly.js-basic-dist-min, MIT licence
# The URL dcc.Graph loads plotly.js from when the app serves its own files.
PLOTLY_URL = SUITES + "plotly/package_data/plotly.min.js"
_TAKEN_OUT: dict[str, str] = {}  # namespace -> its bundle, out of every page
_VERSION = re.compile(rb"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)")


def _main_bundle(module: ModuleType) -> dict[str, Any]:
    """The library's own bundle: the script Dash would put in every page."""
    for resource in getattr(module, "_js_dist", []):
        path = resource.get("relative_package_path", "")
        if path.endswith(".js") and "async" not in resource and "dynamic" not in resource:
            return dict(resource)
    raise LookupError(f"{module.__name__} has no main bundle to load lazily")


def _lazy_bundle_url(app: dash.Dash, namespace: str) -> str:
    """Take ``namespace``'s bundle out of every page, keep it served, return its URL."""
    module: Any = importlib.import_module(namespace)
    if namespace not in _TAKEN_OUT:  # once per process: every app shares the library module
        _TAKEN_OUT[namespace] = str(_main_bundle(module)["relative_package_path"])
    path = _TAKEN_OUT[namespace]
    module._js_dist = [
        {**r, "dynamic": True} if r.get("relative_package_path") == path else r
        for r in module._js_dist
    ]
    app.registered_paths[namespace].add(path)  # served before any page has listed it
    modified = int(os.stat(Path(str(module.__file__)).parent / path).st_mtime)
    fingerprint = build_fingerprint(path, module.__version__, modified)  # type: ignore[no-untyped-call]
    return f"{SUITES}{namespace}/{fingerprint}"


def _lazy_libraries_block(urls: dict[str, str]) -> str:
    libraries = {
        namespace: {"url": urls[namespace], "components": list(components)}
        for namespace, components in LAZY_LIBRARIES.items()
    }
    data = json.dumps(libraries).replace("</", "<\\/")
    return f'<script id="tw-lazy-libraries" type="application/json">{data}</script>'


def _page_pattern(template: str) -> re.Pattern[str]:
    """``/patient/<admission_id>`` -> a pattern matching ``/patient/12`` only."""
    parts = re.split(r"<[^>]+>", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _preload_links(urls: dict[str, str]) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for page, wanted in PAGE_PRELOADS.items():
        hrefs = [urls.get(item, SUITES + item) for item in wanted]
        links = "".join(f'<link rel="preload" as="script" href="{href}">' for href in hrefs)
        out.append((_page_pattern(page), links))
    return out


def vendored_plotly_version() -> str | None:
    with PLOTLY_BASIC.open("rb") as bundle:
        found = _VERSION.search(bundle.read(400))
    return found.group(1).decode() if found else None


@lru_cache(maxsize=1)
def _plotly_basic() -> tuple[bytes, str]:
    data = PLOTLY_BASIC.read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:32]


def _serve_plotly_basic() -> flask.Response:
    data, etag = _plotly_basic()
    response = flask.Response(data, mimetype="text/javascript")
    response.set_etag(etag)
    response.cache_control.no_cache = True  # same URL for every plotly version: revalidate
    response.make_conditional(flask.request)
    return response


def _serve_basic_plotly(app: dash.Dash) -> None:
    from importlib.metadata import version

    from plotly.offline import get_plotlyjs_version

    expected, vendored = get_plotlyjs_version(), vendored_plotly_version()
    if vendored != expected:
        log.warning(
            "plotly %s makes figures for plotly.js %s but dashboard/vendor has %s: serving the "
            "full build until vendor/plotly-basic.min.js is updated (npm plotly.js-basic-dist-min)",
            version("plotly"),
            expected,
            vendored,
        )
        return
    app.server.add_url_rule(PLOTLY_URL, "tw_plotly_basic", _serve_plotly_basic)


def init_page_scripts(app: dash.Dash) -> None:
    """Call after the app is made, before it serves a page."""
    urls = {namespace: _lazy_bundle_url(app, namespace) for namespace in LAZY_LIBRARIES}
    block = _lazy_libraries_block(urls)
    preloads = _preload_links(urls)
    page_html = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        path = flask.request.path if flask.has_request_context() else ""
        links = "".join(html for pattern, html in preloads if pattern.fullmatch(path))
        parts["css"] = links + parts["css"]
        parts["config"] = parts["config"] + block
        return str(page_html(**parts))  # type: ignore[no-untyped-call]

    app.interpolate_index = interpolate_index  # type: ignore[method-assign,assignment]
    _serve_basic_plotly(app)
