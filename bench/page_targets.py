"""T2 ward board and T3 patient chart: the pages, in process (Flask's test client: the same
request path as a browser's, without the network). T6, the pages in a browser: browser_targets."""

from __future__ import annotations

import gzip
import io
import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import dash
from flask.testing import FlaskClient
from plotly.io.json import to_json_plotly
from sqlalchemy.engine import Engine
from sqlmodel import Session
from werkzeug.test import EnvironBuilder

from bench import sql
from bench.data import STAFF_PASSWORD, LoadedWard
from bench.db_targets import vitals_writer
from bench.load import CALLBACK_PATH, CSRF_COOKIE, CSRF_HEADER, DashCallbacks
from bench.stats import Result, Timing, time_calls, time_interleaved
from dashboard.app import create_app
from dashboard.chart_queries import patient_chart
from dashboard.components.taper_chart import chart_figure
from dashboard.components.taper_chart_data import ChartAppend, ChartInput, VitalsPoint
from dashboard.components.taper_chart_layout import y_axes
from dashboard.components.taper_chart_patch import append_patch, now_shape_index, trace_index
from models.settings import Settings

T2 = "T2 ward board"
T3 = "T3 patient chart"
T2_P95_MS = 150.0
T2_PAYLOAD_KB = 300.0
T2_RATIO = 4.0
T2_STEADY_RUNS = 4  # steady-state refreshes (and SQL baselines) per timed write
T2_ROUNDS = 10
T3_P95_MS = 100.0
T3_RATIO = 3.0
T3_PATCH_KB = 5.0


@dataclass
class SignedIn:
    app: dash.Dash
    client: FlaskClient
    callbacks: DashCallbacks

    def post_callback(self, body: dict[str, Any]) -> bytes:
        cookie = self.client.get_cookie(CSRF_COOKIE)
        headers = {CSRF_HEADER: cookie.value} if cookie is not None else {}
        answer = self.client.post(CALLBACK_PATH, json=body, headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"callback answered HTTP {answer.status_code}: {answer.text[:200]}")
        return bytes(answer.data)

    def prepared_callback(self, body: dict[str, Any]) -> Callable[[], bytes]:
        """The same request as :meth:`post_callback`, built once and handed straight to the
        WSGI app on each call: what is timed is the server's side of the callback (the
        sign-in and CSRF checks, Dash, the callback, JSON), not the test client building a
        request (the SQL baseline has no client either)."""
        cookies = {
            name: cookie.value
            for name in (self.app.server.config["SESSION_COOKIE_NAME"], CSRF_COOKIE)
            if (cookie := self.client.get_cookie(name)) is not None
        }
        data = json.dumps(body).encode()
        environ = EnvironBuilder(
            path=CALLBACK_PATH,
            method="POST",
            data=data,
            content_type="application/json",
            headers=[
                (CSRF_HEADER, cookies.get(CSRF_COOKIE, "")),
                ("Cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())),
            ],
        ).get_environ()
        server = self.app.server

        def call() -> bytes:
            status: list[str] = []

            def start_response(line: str, _headers: Any, _exc: Any = None) -> Any:
                status.append(line)

            answer = server(dict(environ, **{"wsgi.input": io.BytesIO(data)}), start_response)
            try:
                payload = b"".join(answer)
            finally:
                getattr(answer, "close", lambda: None)()
            if not status or not status[0].startswith("200"):
                raise RuntimeError(f"callback answered {status}: {payload[:200]!r}")
            return payload

        return call


@contextmanager
def signed_in_app(url: str, engine: Engine, username: str) -> Iterator[SignedIn]:
    settings = Settings(database_url=url, secret_key=secrets.token_hex(32), demo=False)
    app = create_app(settings, engine)
    client = app.server.test_client()
    page = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    answer = client.post(
        "/login",
        data={"csrf": token.group(1), "username": username, "password": STAFF_PASSWORD},
    )
    if answer.status_code != 302:
        raise RuntimeError(f"bench user could not sign in: HTTP {answer.status_code}")
    deps = client.get("/_dash-dependencies").get_json()
    yield SignedIn(app, client, DashCallbacks(deps))


def board_rows_sent(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The patient rows in a board refresh's answer (the table body's rows, in order)."""
    children = response.get("board-body", {}).get("children") or []
    return [
        child
        for child in children
        if "tw-board-row" in str(child.get("props", {}).get("className", ""))
    ]


# --- T2 --------------------------------------------------------------------------------------


def ward_board(
    url: str, engine: Engine, loaded: LoadedWard, backend: str, runs: int
) -> list[Result]:
    """The board's refresh callback for a browser showing nothing yet (every row sent), over
    the real callback endpoint; against the same data read by one hand-written statement."""
    with signed_in_app(url, engine, loaded.staff_usernames[0]) as page:
        cb = page.callbacks.triggered_by("board-refresh", "n_intervals")
        body = page.callbacks.body(
            cb,
            trigger=("board-refresh", "n_intervals"),
            values={"board-refresh.n_intervals": 1, "board-shown.data": None},
        )
        payload = page.post_callback(body)
        rows = board_rows_sent(json.loads(payload)["response"])
        refresh = page.prepared_callback(body)
        if board_rows_sent(json.loads(refresh())["response"]) != rows:
            raise RuntimeError("the prepared request answered differently from the client's")
        if len(rows) != loaded.shape.beds:
            raise RuntimeError(f"board shows {len(rows)} rows, expected {loaded.shape.beds}")
        raw = sql.Raw(engine)
        now = loaded.now
        values = {"ward": 1, "today": now.date(), "since": now - timedelta(minutes=60)}
        write = vitals_writer(engine, loaded)
        try:
            # Steady state: the board unchanged since the last refresh (every open screen
            # polls it; the rows are reused), taking turns with the SQL in rounds. After a
            # write: every row worked out again.
            app, base = time_interleaved(
                [refresh, lambda: raw.fetch(sql.BOARD, values)],
                runs=runs * T2_STEADY_RUNS,
                rounds=T2_ROUNDS,
            )
            written = time_calls(refresh, runs=runs, setup=write)
            if len(raw.fetch(sql.BOARD, values)) != loaded.shape.beds:
                raise RuntimeError("the board's baseline query read the wrong rows")
        finally:
            raw.close()
    kb = len(payload) / 1000
    gz_kb = len(gzip.compress(payload)) / 1000
    ratio = app.median / base.median
    shape = f"{loaded.shape.beds} patients, {loaded.observation_rows:,} vitals+CIWA-B rows"
    after = written.median / base.median
    return [
        Result(T2, "callback p95", backend, app.p95, T2_P95_MS, "ms", app.median, app.p95,
               note=f"{shape}; the board unchanged since the last refresh (rows reused)"),
        Result(T2, "callback p95 after a write", backend, written.p95, T2_P95_MS, "ms",
               written.median, written.p95, base.median, after,
               note=f"a set of vitals charted before each refresh: every row worked out "
               f"again; median {after:.1f}x the SQL"),
        Result(T2, "payload", backend, kb, T2_PAYLOAD_KB, "kB",
               note=f"{gz_kb:.1f} kB gzipped"),
        Result(T2, "median callback/SQL", backend, ratio, T2_RATIO, "x", app.median, app.p95,
               base.median, ratio),
    ]  # fmt: skip


# --- T3 --------------------------------------------------------------------------------------


def _raw_arrays(chart: ChartInput) -> dict[str, list[Any]]:
    """Every drawn number and time as plain lists, as a hand-made chart would send them."""
    iso = [v.at.isoformat() for v in chart.vitals]
    return {
        "vitals_x": iso,
        "hr": [v.heart_rate for v in chart.vitals],
        "sys": [v.systolic for v in chart.vitals],
        "dia": [v.diastolic for v in chart.vitals],
        "temp": [v.temperature_c for v in chart.vitals],
        "news2": [v.news2_total for v in chart.vitals],
        "ciwa_x": [a.at.isoformat() for a in chart.assessments],
        "ciwa": [a.total for a in chart.assessments],
        "dose_x": [d.at.isoformat() for d in chart.doses],
        "dose": [d.mg for d in chart.doses],
        "step_x": [s.start.isoformat() for s in chart.steps],
        "step": [s.diazepam_eq_mg for s in chart.steps],
    }


def patient_chart_target(
    engine: Engine, loaded: LoadedWard, backend: str, runs: int
) -> list[Result]:
    now = loaded.now
    admission_id = loaded.admission_ids[0]
    with Session(engine) as session:
        query = time_calls(
            lambda: patient_chart(session, admission_id, now=now, range_key="stay"), runs=10
        )
        found = patient_chart(session, admission_id, now=now, range_key="stay")
    assert found is not None
    chart = found.chart
    arrays = _raw_arrays(chart)
    app_a = time_calls(lambda: to_json_plotly(chart_figure(chart)), runs=runs // 2)
    base_a = time_calls(lambda: json.dumps(arrays), runs=runs // 2)
    app_b = time_calls(lambda: to_json_plotly(chart_figure(chart)), runs=runs // 2)
    base_b = time_calls(lambda: json.dumps(arrays), runs=runs // 2)
    app = Timing(app_a.samples_ms + app_b.samples_ms)
    base = Timing(base_a.samples_ms + base_b.samples_ms)
    figure = chart_figure(chart)
    figure_kb = len(to_json_plotly(figure)) / 1000
    last = chart.vitals[-1]
    reading = VitalsPoint(
        at=now,
        heart_rate=last.heart_rate + 4,
        systolic=last.systolic,
        diastolic=last.diastolic,
        temperature_c=last.temperature_c,
        news2_total=last.news2_total,
        news2_any_three=False,
    )
    patch = append_patch(
        ChartAppend(timezone=chart.timezone, now=now, vitals=[reading]),
        traces=trace_index(figure),
        y_axes=y_axes(figure),
        ciwa_top_now=80.5,
        news2_top_now=20.0,
        now_shape=now_shape_index(figure),
    )
    patch_kb = len(to_json_plotly(patch.to_plotly_json())) / 1000
    ratio = app.median / base.median
    points = len(chart.vitals) + len(chart.assessments) + len(chart.doses)
    return [
        Result(T3, "build+JSON p95", backend, app.p95, T3_P95_MS, "ms", app.median, app.p95,
               note=f"90 days, {points:,} points, figure {figure_kb:.0f} kB; "
               f"query {query.median:.0f} ms median"),
        Result(T3, "median build/json.dumps", backend, ratio, T3_RATIO, "x", app.median,
               app.p95, base.median, ratio),
        Result(T3, "one-reading Patch", backend, patch_kb, T3_PATCH_KB, "kB"),
    ]  # fmt: skip
