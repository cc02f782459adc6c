"""Malformed callback requests (dashboard.callback_guard): hypothesis throws bodies no page
sends at every server callback the app has, as an admin and as a nurse. Never a server
error: 400 for a malformed request (or the callback's own answer or refusal), no traceback in
the log, and no log line copying a value from the request."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.callback_guard import MAX_CALLBACK_DEPTH
from dashboard.security import CSRF_COOKIE, CSRF_HEADER
from models.db import make_engine
from models.migrate import upgrade
from models.types import utcnow
from tests.dashboard.conftest import app_on, signed_in
from tests.dashboard.dash_client import (
    CALLBACK_PATH,
    ServerCallback,
    callback_body,
    server_callbacks,
    vitals_save_body,
)
from tests.factories import Stay, make_stay

MARKER = "zq-marker-7731"
HUGE = "__HUGE_NUMBER__"  # replaced by the literal 1e309 in the body's text
ANSWERED = {200, 204, 400, 403, 404, 409}

bad_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(["abc", "notadate", "9999-99-99", "", f"{MARKER}<b>", "1e309", "-0", HUGE]),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.just(10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30).map(lambda t: MARKER + t),
)
bad_value = st.recursive(
    bad_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
bad_id = st.one_of(st.just("abc"), st.just(5), st.just(10**20), st.just(-1), st.just(MARKER))

FUZZ = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dash.Dash, Stay]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('guard') / 'guard.db'}")
    upgrade(engine)
    stay = make_stay(engine, utcnow())
    yield app_on(engine, secret_key="guard-test-secret"), stay
    engine.dispose()


def _post(client: FlaskClient, text: str) -> int:
    token = client.get_cookie(CSRF_COOKIE)
    assert token is not None
    response = client.post(
        CALLBACK_PATH,
        data=text,
        content_type="application/json",
        headers={CSRF_HEADER: token.value},
    )
    return int(response.status_code)


def _check_log(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        text = record.getMessage()
        assert record.exc_info is None, f"traceback logged: {text}"
        assert MARKER not in text and "notadate" not in text, f"a request value logged: {text}"
        assert "1e309" not in text and str(10**20) not in text, text
    caplog.clear()


def _malformed_body(cb: ServerCallback, data: st.DataObject) -> str:
    values: dict[str, Any] = {}
    for ident, prop in (*cb.inputs, *cb.state):
        if data.draw(st.booleans(), label="keep"):
            drawn = data.draw(bad_value, label=prop)
            # a pattern input has one value per match (one match here)
            values[f"{cb.name_of(ident)}.{prop}"] = [drawn] if isinstance(ident, dict) else drawn
    expand = {}
    for ident, _ in (*cb.inputs, *cb.state):
        if isinstance(ident, dict):
            concrete = {k: (v if k == "type" else data.draw(bad_id)) for k, v in ident.items()}
            expand[str(ident["type"])] = [concrete]
    trigger = data.draw(st.sampled_from(cb.triggers), label="trigger")
    body = callback_body(cb, values=values, expand=expand, trigger=trigger)
    return json.dumps(body).replace(f'"{HUGE}"', "1e309")


@FUZZ
@given(data=st.data())
def test_no_callback_answers_a_malformed_request_with_a_server_error(
    web: tuple[dash.Dash, Stay], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    app, _ = web
    caplog.set_level(logging.INFO)
    client = signed_in(app, data.draw(st.sampled_from(["admin1", "nurse1", "doctor1"])))
    callbacks = server_callbacks(app)
    cb = data.draw(st.sampled_from(callbacks), label="callback")
    status = _post(client, _malformed_body(cb, data))
    assert status in ANSWERED, (cb.function, status)
    _check_log(caplog)


def test_every_callback_was_reachable(web: tuple[dash.Dash, Stay]) -> None:
    """The fuzz above draws from every server callback the app has (a new page's callbacks
    are included without a change here)."""
    app, _ = web
    signed_in(app, "admin1")
    assert len(server_callbacks(app)) > 30


@pytest.mark.parametrize(
    "text",
    [
        "null",
        "[]",
        '"text"',
        "5",
        "{}",
        '{"output": 5}',
        '{"output": "no-such.children", "inputs": []}',
        "[" * (MAX_CALLBACK_DEPTH + 1) + "]" * (MAX_CALLBACK_DEPTH + 1),
        '{"a":' * 50_000 + "1" + "}" * 50_000,
        "{not json",
        '{"output": "x", "inputs": 1e309}',
    ],
)
def test_a_body_that_is_no_callback_request_gets_400(
    web: tuple[dash.Dash, Stay], caplog: pytest.LogCaptureFixture, text: str
) -> None:
    app, _ = web
    caplog.set_level(logging.INFO)
    assert _post(signed_in(app, "nurse1"), text) == 400
    _check_log(caplog)


def test_well_formed_requests_still_work(web: tuple[dash.Dash, Stay]) -> None:
    app, stay = web
    client = signed_in(app, "nurse1")
    assert _post(client, json.dumps(vitals_save_body(app, stay.admission_id))) == 200


def test_an_export_id_too_long_for_the_database_is_not_found(web: tuple[dash.Dash, Stay]) -> None:
    app, _ = web
    client = signed_in(app, "nurse1")
    for path in ("/patient/{}/export/vitals.csv", "/patient/{}/export/fhir.json"):
        assert client.get(path.format(10**20)).status_code == 404
