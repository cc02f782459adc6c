"""Web hardening (dashboard.security): the CSRF token Dash's callbacks must carry, security
headers and a CSP on every response, the per-address sign-in limit, and no patient data in the
server's logs."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator

import dash
import pytest
import requests
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.serving import make_server

from dashboard.security import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SIGN_IN_FAILURES_PER_ADDRESS,
    SignInLimiter,
    inline_script_hashes,
)
from models.audit import Actor
from models.db import make_engine, transaction
from models.migrate import upgrade
from models.tables import User
from models.types import utcnow
from tests.dashboard.conftest import (
    PASSWORD,
    admitted_an_hour_ago,
    app_on,
    csrf_token,
    sign_in,
    signed_in,
    with_ward_and_staff,
)
from tests.dashboard.dash_client import (
    callback_body,
    post_callback,
    row_counts,
    server_callbacks,
    vitals_save_body,
)
from tests.factories import prn_order


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('security') / 'security.db'}")
    upgrade(engine)
    yield with_ward_and_staff(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def app(db: Engine) -> dash.Dash:
    """One app for the module (each test signs in clients of its own)."""
    return app_on(db, secret_key="security-test-secret")


def _token(client: FlaskClient) -> str:
    cookie = client.get_cookie(CSRF_COOKIE)
    assert cookie is not None
    return cookie.value


# --- CSRF ------------------------------------------------------------------------------------


def test_the_csrf_cookie_is_set_on_page_load_for_dash_to_read(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    response = client.get("/")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(CSRF_COOKIE))
    assert "HttpOnly" not in cookie  # the renderer reads it from document.cookie
    assert "SameSite=Strict" in cookie
    stored = client.get_cookie(CSRF_COOKIE)
    assert stored is not None and len(stored.value) >= 32


def test_a_callback_without_the_csrf_header_is_refused_and_writes_nothing(
    app: dash.Dash, db: Engine
) -> None:
    sqlite_engine = db
    client = signed_in(app, "nurse1")
    body = vitals_save_body(app, admitted_an_hour_ago(sqlite_engine, mrn="SEC0001", bed="S1"))
    before = row_counts(sqlite_engine)
    assert post_callback(client, body, csrf=False).status_code == 403
    forged = client.post(
        "/_dash-update-component", json=body, headers={CSRF_HEADER: "forged-token"}
    )
    assert forged.status_code == 403
    assert row_counts(sqlite_engine) == before
    answer = post_callback(client, body)
    assert answer.status_code == 200
    assert str(answer.prop("vitals-message", "children")).startswith("Saved")
    assert row_counts(sqlite_engine)["vital_signs"] == before["vital_signs"] + 1


def test_the_csrf_token_of_another_session_is_refused(app: dash.Dash) -> None:
    mine, theirs = signed_in(app, "nurse1"), signed_in(app, "nurse2")
    their_token = _token(theirs)
    response = mine.post("/_dash-update-component", json={}, headers={CSRF_HEADER: their_token})
    assert response.status_code == 403


def test_signing_in_again_issues_a_new_token_and_signing_out_drops_it(app: dash.Dash) -> None:
    client = signed_in(app, "nurse1")
    first = _token(client)
    assert client.post("/logout").status_code == 302
    client.get("/login")
    assert client.get_cookie(CSRF_COOKIE) is None
    assert sign_in(client, "nurse1") == 302
    client.get("/")
    assert _token(client) != first


# --- headers ---------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(app: dash.Dash) -> None:
    anonymous = app.server.test_client()
    client = signed_in(app, "nurse1")
    responses = {
        "sign-in page": anonymous.get("/login"),
        "redirect to sign-in": anonymous.get("/"),
        "refused callback": anonymous.post("/_dash-update-component", json={}),
        "page": client.get("/"),
        "layout": client.get("/_dash-layout"),
        "asset": client.get("/assets/taperwatch.css"),
        "health": anonymous.get("/healthz"),
    }
    for what, response in responses.items():
        headers = response.headers
        csp = headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in csp, what
        assert "object-src 'none'" in csp, what
        assert headers.get("X-Content-Type-Options") == "nosniff", what
        assert headers.get("X-Frame-Options") == "DENY", what
        assert headers.get("Referrer-Policy") == "same-origin", what


def test_pages_and_data_are_not_cached_but_static_files_may_be(app: dash.Dash) -> None:
    client = signed_in(app, "nurse1")
    for path in ("/", "/_dash-layout", "/_dash-dependencies", "/login"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    asset = client.get("/assets/taperwatch.css")
    assert asset.headers.get("Cache-Control") != "no-store"


def test_the_csp_allows_exactly_the_pages_own_inline_scripts(app: dash.Dash) -> None:
    client = signed_in(app, "nurse1")
    response = client.get("/")
    page = response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", csp)
    assert script_src is not None
    sources = script_src.group(1).split()
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    hashes = inline_script_hashes(page)
    assert len(hashes) >= 2  # the renderer's start-up and the clientside callbacks
    assert sorted(sources) == sorted(["'self'", *hashes])
    assert app.csp_hashes()[0] in sources  # agrees with Dash's own computation
    injected = inline_script_hashes("<script>alert(1)</script>")
    assert injected[0] not in sources


def test_inline_script_hashes_skip_external_and_data_scripts() -> None:
    page = (
        '<script src="/x.js"></script><script id="_dash-config" type="application/json">'
        '{"a": 1}</script><script>var a = 1;</script>'
    )
    # printf "var a = 1;" | openssl dgst -sha256 -binary | base64
    assert inline_script_hashes(page) == ["'sha256-+dZ6udsWxNVoGfScAq7t5IIF5UJb4F6RhjbN6oe1p4w='"]


# --- sign-in rate limit ----------------------------------------------------------------------


def _attempt(client: FlaskClient, username: str, password: str, address: str) -> int:
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"csrf": token, "username": username, "password": password, "next": "/"},
        environ_base={"REMOTE_ADDR": address},
    )
    return int(response.status_code)


def test_failed_sign_ins_from_one_address_are_limited(app: dash.Dash) -> None:
    client = app.server.test_client()
    limiter = app.server.extensions["tw_sign_in_limiter"]
    clock = [limiter.clock()]
    limiter.clock = lambda: clock[0]
    # Spraying one guess over many accounts never trips a per-account lockout...
    for n in range(SIGN_IN_FAILURES_PER_ADDRESS):
        assert _attempt(client, f"user{n}", "Summer2026!", "10.0.0.9") == 401
    # ...but the address is paused, even with a right password.
    refused = client.post(
        "/login",
        data={"csrf": csrf_token(client), "username": "nurse1", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    # Another computer signs in as usual; the paused one may again after the window.
    assert _attempt(client, "nurse1", PASSWORD, "10.0.0.10") == 302
    clock[0] += limiter.window_s + 1
    assert _attempt(app.server.test_client(), "nurse1", PASSWORD, "10.0.0.9") == 302


def test_a_username_no_account_can_have_is_refused_as_unknown(app: dash.Dash) -> None:
    """A NUL or an over-long name is just not recognised (401), not a server error."""
    for username in ("nurse1\x00", "\x00", "n" * 5000):
        assert _attempt(app.server.test_client(), username, PASSWORD, "10.0.0.12") == 401


def test_successful_sign_ins_are_not_counted(app: dash.Dash) -> None:
    limiter = app.server.extensions["tw_sign_in_limiter"]
    limiter.limit = 2
    try:
        for _ in range(3):
            assert _attempt(app.server.test_client(), "nurse1", PASSWORD, "10.0.0.11") == 302
        for _ in range(2):
            assert _attempt(app.server.test_client(), "nobody", PASSWORD, "10.0.0.11") == 401
        assert _attempt(app.server.test_client(), "nurse1", PASSWORD, "10.0.0.11") == 429
    finally:
        limiter.limit = SIGN_IN_FAILURES_PER_ADDRESS


def test_the_limiter_forgets_old_failures_and_bounds_its_memory() -> None:
    now = [0.0]
    limiter = SignInLimiter(limit=3, window_s=60, clock=lambda: now[0])
    for _ in range(3):
        limiter.record_failure("a")
    assert limiter.retry_after_s("a") == 60
    now[0] = 30
    assert limiter.retry_after_s("a") == 30
    now[0] = 61
    assert limiter.retry_after_s("a") == 0
    for n in range(10_050):
        limiter.record_failure(f"spray-{n}")
    now[0] = 500
    limiter.record_failure("last")
    assert len(limiter._failures) <= 2


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def live_app(app: dash.Dash) -> Iterator[str]:
    """The app on a loopback werkzeug server, whose access log is what we inspect."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_charting_session_logs_no_patient_data(
    app: dash.Dash, live_app: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Admit a patient, open their page, chart vitals and a PRN dose with a reason, look them
    up: the access log shows ids, never the MRN, name or reason."""
    caplog.set_level(logging.DEBUG)
    http = requests.Session()
    page = http.get(f"{live_app}/login", timeout=30).text
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    http.post(
        f"{live_app}/login",
        data={"csrf": token.group(1), "username": "nurse1", "password": PASSWORD, "next": "/"},
        timeout=30,
    )
    http.get(f"{live_app}/", timeout=30)
    callbacks = {c.function.rsplit(":", 1)[-1].rsplit(".", 1)[-1]: c for c in server_callbacks(app)}
    headers = {CSRF_HEADER: http.cookies[CSRF_COOKIE]}

    def post(name: str, values: dict[str, object], trigger: str | None = None) -> dict[str, object]:
        body = callback_body(callbacks[name], values=values, trigger=trigger)
        answer = http.post(f"{live_app}/_dash-update-component", json=body, headers=headers)
        assert answer.status_code == 200, answer.text
        result: dict[str, object] = answer.json()["response"]
        return result

    doctor = next(u for u in _users(app) if u[1] == "doctor1")
    admitted = post(
        "save_admission",
        {
            "admit-save.n_clicks": 1,
            "admit-mrn.value": "ZQ77123",
            "admit-family.value": "Quillfeather",
            "admit-given.value": "Oriel",
            "admit-birth.value": "1971-04-05",
            "admit-sex.value": "female",
            "admit-bed.value": "B9",
            "admit-attending.value": str(doctor[0]),
            "admit-drug.value": "clonazepam",
            "admit-dose.value": 1,
            "admit-history.value": "Alprazolam since 2019",
        },
    )
    target = admitted["admit-done"]["data"]  # type: ignore[index]
    admission_id = int(re.findall(r"\d+", str(target))[-1])
    post("look_up", {"admit-mrn.value": "ZQ77123"})
    http.get(f"{live_app}/patient/{admission_id}", timeout=30)
    post(
        "vitals_form_changed",
        {
            "vitals-resp_rate.value": 18,
            "vitals-spo2.value": 96,
            "vitals-systolic.value": 130,
            "vitals-diastolic.value": 80,
            "vitals-heart_rate.value": 88,
            "vitals-temperature_c.value": 37.1,
            "vitals-supplemental_o2.checked": False,
            "vitals-consciousness.value": "A",
            "vitals-taken_at.value": "",
            "vitals-save.n_clicks": 1,
            "patient-admission.data": admission_id,
        },
        trigger="vitals-save.n_clicks",
    )
    with transaction(app.server.config["TW_ENGINE"]) as session:
        doctor_actor = Actor(doctor[0], "doctor1", "physician")
        order = prn_order(
            session, doctor=doctor_actor, admission_id=admission_id, written_at=utcnow()
        )
    post(
        "prn_save",
        {
            "prn-save.n_clicks": 1,
            "prn-pending.data": {"order": order},
            "prn-reason.value": "Tremulous after phoning Quillfeather family",
            "prn-time.value": "",
            "patient-admission.data": admission_id,
        },
    )
    post("refresh_board", {"board-filter.value": "Quillfeather"}, trigger="board-filter.value")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"/patient/{admission_id}" in logged  # the access log was captured
    assert "/_dash-update-component" in logged
    for secret in ("ZQ77123", "Quillfeather", "Oriel", "1971-04-05", "Alprazolam", "Tremulous"):
        assert secret.lower() not in logged.lower(), secret


def _users(app: dash.Dash) -> list[tuple[int, str]]:
    with Session(app.server.config["TW_ENGINE"]) as session:
        return [(u.id or 0, u.username) for u in session.exec(select(User)).all()]
