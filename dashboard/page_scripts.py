"""Each page loads only the scripts it uses.

Dash puts every component library's bundle in every page. The large one, plotly.js, is used
by the patient chart alone: dcc.Graph already loads it only when a graph is shown, and we serve
it the "basic" build of the same plotly.js version (scatter, bar and pie: all our charts draw
is scatter traces and shapes), a quarter of the full build. If the plotly package is upgraded
past the vendored build, Dash's full build is served until vendor/ is updated.

It would load only once the page's layout has arrived and rendered; the page that needs it
names it in a ``<link rel="preload">`` of its HTML, so it downloads from the start, beside
Dash's own scripts. (The ward board is plain HTML: it needs no library of its own.) The build is
also served at a URL naming its content's digest (``plotly_url``), kept a year like Dash's own
fingerprinted bundles, so a browser that has it never asks again; every page names that URL
in a ``<meta name="tw-plotly">`` for assets/charting.js, which loads it at a click that opens a
chart, and, in a page's idle time, evaluates it ahead when the browser already holds it (no
byte is fetched for it).

The browser's own string and number parsing functions are kept from the polyfill Dash loads
(``keep_native_functions``).
"""

from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path

import dash
import flask

from dashboard.pages import patient

log = logging.getLogger(__name__)

SUITES = "/_dash-component-suites/"
# The page (its path template) -> files under SUITES it loads once its layout is shown.
PAGE_PRELOADS: dict[str, tuple[str, ...]] = {
    patient.PATH_TEMPLATE: ("dash/dcc/async-graph.js", "plotly/package_data/plotly.min.js"),
}

VENDOR = Path(__file__).with_name("vendor")
PLOTLY_BASIC = VENDOR / "plotly-basic.min.js"  # npm plotly.js-basic-dist-min, MIT licence
# The URL dcc.Graph loads plotly.js from when the app serves its own files.
PLOTLY_URL = SUITES + "plotly/package_data/plotly.min.js"
_VERSION = re.compile(rb"plotly\.js \(basic - minified\) v(\d+\.\d+\.\d+)")


ONE_YEAR_S = 365 * 24 * 3600
_FINGERPRINTED = SUITES + "plotly/package_data/plotly-basic.<digest>.min.js"


def plotly_url() -> str | None:
    """The basic build's URL that names its digest, or None when the full build is served."""
    if vendored_plotly_version() != _plotlyjs_version():
        return None
    return _FINGERPRINTED.replace("<digest>", _plotly_basic()[1])


def _plotlyjs_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return str(get_plotlyjs_version())


def _serve_fingerprinted_plotly(digest: str) -> flask.Response:
    data, etag = _plotly_basic()
    if digest != etag:
        flask.abort(404)
    response = flask.Response(data, mimetype="text/javascript")
    response.set_etag(etag)
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR_S  # its URL changes with its content
    response.cache_control.immutable = True
    return response


def _page_pattern(template: str) -> re.Pattern[str]:
    """``/patient/<admission_id>`` -> a pattern matching ``/patient/12`` only."""
    parts = re.split(r"<[^>]+>", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _preload_links(plotly: str | None) -> list[tuple[re.Pattern[str], str]]:
    out = []
    for page, wanted in PAGE_PRELOADS.items():
        urls = [f"{SUITES}{i}" for i in wanted]
        if plotly is not None:
            urls = [plotly if url == PLOTLY_URL else url for url in urls]
        links = "".join(f'<link rel="preload" as="script" href="{url}">' for url in urls)
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


def _serve_basic_plotly(app: dash.Dash) -> str | None:
    """Serve the basic build (at dcc.Graph's URL, and at its digest's); its digest's URL, or
    None when the vendored build is not the plotly.js the figures are made for."""
    from importlib.metadata import version

    expected, vendored = _plotlyjs_version(), vendored_plotly_version()
    if vendored != expected:
        log.warning(
            "plotly %s makes figures for plotly.js %s but dashboard/vendor has %s: serving the "
            "full build until vendor/plotly-basic.min.js is updated (npm plotly.js-basic-dist-min)",
            version("plotly"),
            expected,
            vendored,
        )
        return None
    app.server.add_url_rule(PLOTLY_URL, "tw_plotly_basic", _serve_plotly_basic)
    app.server.add_url_rule(
        _FINGERPRINTED,
        "tw_plotly_basic_fingerprinted",
        _serve_fingerprinted_plotly,
    )
    return plotly_url()


# Dash loads babel-polyfill 7 (core-js 2) before React, for the regenerator runtime its bundles
# use. core-js 2 counts U+180E as white space, which browsers stopped doing (Unicode 6.3), so in
# every current browser it replaces String.prototype.trim, parseInt and parseFloat with its own
# regular-expression versions: plotly.js and d3 call them for every attribute and style they set
# (a fifth of the script time of drawing the patient chart, in a Chromium profile). The browser's
# own functions are kept before the polyfill runs and put back after it.
KEEP_NATIVES = (
    "<script>window.__twNatives={trim:String.prototype.trim,trimStart:String.prototype.trimStart,"
    "trimEnd:String.prototype.trimEnd,parseInt:parseInt,parseFloat:parseFloat};</script>"
)
RESTORE_NATIVES = """<script>(function (n) {
  if (!n) return;
  var put = function (o, k, f) {
    if (typeof f === "function" && o[k] !== f) {
      Object.defineProperty(o, k, {value: f, writable: true, configurable: true});
    }
  };
  var s = String.prototype;
  put(s, "trim", n.trim); put(s, "trimStart", n.trimStart); put(s, "trimEnd", n.trimEnd);
  put(s, "trimLeft", n.trimStart); put(s, "trimRight", n.trimEnd);
  put(window, "parseInt", n.parseInt); put(window, "parseFloat", n.parseFloat);
  put(Number, "parseInt", n.parseInt); put(Number, "parseFloat", n.parseFloat);
  delete window.__twNatives;
})(window.__twNatives);</script>"""
_POLYFILL_TAG = re.compile(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>')


def keep_native_functions(scripts: str) -> str:
    """``scripts`` (the page's script tags) with the polyfill's tag between the two above."""
    return _POLYFILL_TAG.sub(
        lambda tag: KEEP_NATIVES + tag.group(0) + RESTORE_NATIVES, scripts, count=1
    )


def init_page_scripts(app: dash.Dash) -> None:
    """Call after the app is made, before it serves a page."""
    plotly = _serve_basic_plotly(app)
    preloads = _preload_links(plotly)
    meta = f'<meta name="tw-plotly" content="{plotly}">' if plotly else ""
    page_html = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        path = flask.request.path if flask.has_request_context() else ""
        links = "".join(html for pattern, html in preloads if pattern.fullmatch(path))
        parts["css"] = meta + links + parts["css"]
        parts["scripts"] = keep_native_functions(parts["scripts"])
        return str(page_html(**parts))  # type: ignore[no-untyped-call]

    app.interpolate_index = interpolate_index  # type: ignore[method-assign,assignment]
