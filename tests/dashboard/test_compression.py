"""What the server sends: every text file compressed as the browser asks, fingerprinted files
cached for a year, each page's HTML naming only the bundles that page uses."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from pathlib import Path

import brotli
import dash
import pytest
from flask.testing import FlaskClient

from dashboard.compression import StaticCompression, chosen_encoding, decompress
from dashboard.page_scripts import (
    KEEP_NATIVES,
    PLOTLY_URL,
    RESTORE_NATIVES,
    plotly_url,
    vendored_plotly_version,
)
from tests.dashboard.conftest import sign_in

SCRIPT_OR_STYLE = re.compile(r'<(?:script[^>]+src|link[^>]+href)="(/[^"]+)"')


@pytest.fixture
def client(app: dash.Dash) -> FlaskClient:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    return client


def page_files(client: FlaskClient, path: str) -> list[str]:
    page = client.get(path, headers={"Accept-Encoding": "identity"})
    assert page.status_code == 200
    return SCRIPT_OR_STYLE.findall(page.get_data(as_text=True))


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_every_script_and_style_of_the_board_is_sent_compressed(
    client: FlaskClient, encoding: str
) -> None:
    files = page_files(client, "/")
    assert any("dash_mantine_components" in f for f in files)
    assert any(f.startswith("/assets/") and f.split("?")[0].endswith(".css") for f in files)
    for path in files:
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        sent = client.get(path, headers={"Accept-Encoding": f"{encoding}, deflate"})
        assert sent.status_code == 200, path
        assert "Content-Encoding" not in plain.headers, path
        assert "accept-encoding" in sent.headers["Vary"].lower(), path
        if len(plain.data) < 500:
            continue  # too small to gain
        assert sent.headers.get("Content-Encoding") == encoding, path
        assert decompress(sent.data, encoding) == plain.data, path
        assert len(sent.data) < len(plain.data) * 0.6, path


def test_pages_and_callback_data_are_compressed(client: FlaskClient) -> None:
    page = client.get("/", headers={"Accept-Encoding": "gzip, deflate, br"})
    layout = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "br"
    assert b"<html" in brotli.decompress(page.data)
    assert layout.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(layout.data).startswith(b"{")


def test_fingerprinted_files_are_kept_a_year_and_others_revalidated(client: FlaskClient) -> None:
    files = page_files(client, "/")
    bundle = next(f for f in files if "dash_mantine_components.v" in f)
    asset = next(f for f in files if f.startswith("/assets/") and "?m=" in f)
    for path in (bundle, asset):
        cache = client.get(path, headers={"Accept-Encoding": "br"}).headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache, (path, cache)
    plotly = client.get(PLOTLY_URL, headers={"Accept-Encoding": "br"})
    assert "no-cache" in plotly.headers["Cache-Control"]
    again = client.get(
        PLOTLY_URL, headers={"Accept-Encoding": "br", "If-None-Match": plotly.headers["ETag"]}
    )
    assert again.status_code == 304
    gzipped = client.get(PLOTLY_URL, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["ETag"] != plotly.headers["ETag"]  # one validator per encoding
    # The same build at the URL naming its digest: kept a year, compressed; another digest is
    # not served.
    url = plotly_url()
    assert url is not None
    fingerprinted = client.get(url, headers={"Accept-Encoding": "br"})
    cache = fingerprinted.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache, cache
    assert fingerprinted.headers["Content-Encoding"] == "br"
    assert (
        brotli.decompress(fingerprinted.data)
        == client.get(PLOTLY_URL, headers={"Accept-Encoding": "identity"}).data
    )
    digest = url.rsplit(".", 3)[-3]
    assert client.get(url.replace(digest, "0" * len(digest))).status_code == 404


def test_plotly_is_preloaded_by_the_patient_page_only_and_no_grid_is_sent(
    client: FlaskClient,
) -> None:
    board = client.get("/", headers={"Accept-Encoding": "identity"}).get_data(as_text=True)
    patient = client.get("/patient/1", headers={"Accept-Encoding": "identity"})
    patient_page = patient.get_data(as_text=True)
    for page in (board, patient_page):
        assert "ag_grid" not in page and "ag-grid" not in page  # the board is plain HTML
        assert "tw-lazy-libraries" not in page
    fingerprinted = plotly_url()
    assert fingerprinted is not None
    assert f'rel="preload" as="script" href="{fingerprinted}"' in patient_page
    assert PLOTLY_URL not in board and PLOTLY_URL not in patient_page
    # Every page names the build's URL for assets/charting.js (no download of its own).
    for page in (board, patient_page):
        assert f'<meta name="tw-plotly" content="{fingerprinted}">' in page
    assert 'rel="preload" as="script"' not in board


def test_graphs_get_the_basic_plotly_build_of_the_plotly_js_the_figures_are_made_for(
    client: FlaskClient,
) -> None:
    from plotly.offline import get_plotlyjs_version

    assert vendored_plotly_version() == get_plotlyjs_version(), (
        "update dashboard/vendor/plotly-basic.min.js to plotly.js-basic-dist-min "
        f"{get_plotlyjs_version()} (npm)"
    )
    served = client.get(PLOTLY_URL, headers={"Accept-Encoding": "identity"})
    assert served.status_code == 200
    assert b"plotly.js (basic - minified) v" in served.data[:200]


def test_the_browser_functions_are_kept_around_the_polyfill_and_allowed_by_the_csp(
    client: FlaskClient,
) -> None:
    page = client.get("/", headers={"Accept-Encoding": "identity"})
    html = page.get_data(as_text=True)
    polyfill = re.search(r'<script src="[^"]*/deps/polyfill@[^"]*"></script>', html)
    assert polyfill is not None
    assert html[: polyfill.start()].endswith(KEEP_NATIVES)
    assert html[polyfill.end() :].startswith(RESTORE_NATIVES)
    policy = page.headers["Content-Security-Policy"]
    for script in (KEEP_NATIVES, RESTORE_NATIVES):
        body = script.removeprefix("<script>").removesuffix("</script>")
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy


def test_every_answer_says_how_long_the_server_took(client: FlaskClient) -> None:
    for path in ("/", "/_dash-layout", "/healthz"):
        timing = client.get(path).headers["Server-Timing"]
        assert re.fullmatch(r"app;dur=\d+\.\d", timing), timing


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("identity", None),
        ("", None),
        ("*", "br"),
        ("*;q=0", None),
        ("gzip;q=0.5, br;q=0", "gzip"),
    ],
)
def test_the_encoding_follows_accept_encoding(header: str, chosen: str | None) -> None:
    assert chosen_encoding(header) == chosen


def test_a_large_file_is_sent_quickly_compressed_until_its_best_compression_is_made(
    tmp_path: Path,
) -> None:
    data = (
        Path(dash.__file__)
        .with_name("dash-renderer")
        .joinpath("build", "dash_renderer.min.js")
        .read_bytes()
    )
    static = StaticCompression(tmp_path)
    first = static.compressed(data, "br")
    static.wait_idle()
    best = static.compressed(data, "br")
    assert brotli.decompress(first) == brotli.decompress(best) == data
    assert len(best) < len(first)
    kept = list(tmp_path.glob("*.br"))
    assert len(kept) == 1
    # Another process (or the next start) finds it on disk; a damaged copy is not sent.
    assert StaticCompression(tmp_path).compressed(data, "br") == best
    kept[0].write_bytes(best[:-10] + b"0123456789")
    assert brotli.decompress(StaticCompression(tmp_path).compressed(data, "br")) == data


def test_a_small_file_gets_its_best_compression_at_once(tmp_path: Path) -> None:
    data = b"body { color: #222; } " * 200
    assert StaticCompression(None).compressed(data, "gzip") == gzip.compress(
        data, compresslevel=9, mtime=0
    )
