"""Every page and every callback refuses an anonymous request; enumerated from the app, not
listed by hand, so a new page or callback is covered the day it is added."""

from __future__ import annotations

import json
import re

import dash
import pytest
from flask.testing import FlaskClient
from sqlmodel import select

from models.audit import SYSTEM
from models.db import transaction
from models.tables import User
from models.types import utcnow
from models.users import set_password, set_role
from tests.dashboard.conftest import csrf_token, sign_in

NEW = "a new password 2026"


def _page_paths() -> list[str]:
    paths = []
    for page in dash.page_registry.values():
        template = page.get("path_template")
        path = re.sub(r"<[^>]+>", "1", template) if template else page["path"]
        paths.append(path)
    return paths


def _callback_bodies(app: dash.Dash) -> list[dict[str, object]]:
    # One signed-in request runs Dash's first-request setup (page router, global callbacks).
    staff_client = app.server.test_client()
    assert sign_in(staff_client, "nurse1") == 302
    assert staff_client.get("/").status_code == 200
    bodies = []
    for key, spec in app.callback_map.items():
        inputs = [
            {"id": i["id"], "property": i["property"], "value": None}
            for i in spec.get("inputs", [])
        ]
        bodies.append({"output": key, "outputs": [], "inputs": inputs, "changedPropIds": []})
    return bodies


def test_the_app_has_pages_and_callbacks(app: dash.Dash) -> None:
    assert "/" in _page_paths()
    assert len(_callback_bodies(app)) >= 1


def test_anonymous_pages_redirect_to_sign_in(app: dash.Dash) -> None:
    client = app.server.test_client()
    for path in _page_paths():
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next="), path


def test_anonymous_dash_endpoints_answer_401(app: dash.Dash) -> None:
    client = app.server.test_client()
    for path in ("/_dash-layout", "/_dash-dependencies", "/_dash-update-component"):
        method = client.post if path.endswith("component") else client.get
        assert method(path).status_code == 401, path


def test_anonymous_callbacks_answer_401(app: dash.Dash) -> None:
    client = app.server.test_client()
    bodies = _callback_bodies(app)
    assert bodies
    for body in bodies:
        response = client.post(
            "/_dash-update-component", data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 401, body["output"]


@pytest.mark.parametrize("username", ["nurse1", "doctor1", "admin1"])
def test_signed_in_staff_see_the_shell(app: dash.Dash, username: str) -> None:
    client = app.server.test_client()
    assert sign_in(client, username) == 302
    assert client.get("/").status_code == 200
    assert client.get("/_dash-layout").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1", "wrong password!") == 401
    assert sign_in(client, "nobody", "wrong password!") == 401
    assert client.get("/").status_code == 302


def test_lockout_after_five_failures(app: dash.Dash) -> None:
    client = app.server.test_client()
    for _ in range(5):
        assert sign_in(client, "nurse2", "wrong password!") == 401
    assert sign_in(client, "nurse2") == 401  # locked even with the right password


def test_sign_in_form_needs_its_csrf_token(app: dash.Dash) -> None:
    client: FlaskClient = app.server.test_client()
    csrf_token(client)
    response = client.post(
        "/login", data={"csrf": "forged", "username": "nurse1", "password": "correct horse battery"}
    )
    assert response.status_code == 400


def test_cross_origin_posts_are_refused(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    response = client.post(
        "/_dash-update-component",
        data="{}",
        content_type="application/json",
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_session_cookie_is_httponly_and_lax(app: dash.Dash) -> None:
    client = app.server.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"csrf": token, "username": "nurse1", "password": "correct horse battery"}
    )
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_out_ends_the_session(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert client.get("/").status_code == 302


def test_next_cannot_send_users_off_site(app: dash.Dash) -> None:
    client = app.server.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "csrf": token,
            "username": "nurse1",
            "password": "correct horse battery",
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"] == "/"


def test_a_password_reset_ends_open_sessions_and_a_role_change_does_not(app: dash.Dash) -> None:
    engine = app.server.config["TW_ENGINE"]
    nurse_client, doctor_client = app.server.test_client(), app.server.test_client()
    assert sign_in(nurse_client, "nurse1") == 302 and sign_in(doctor_client, "doctor1") == 302
    assert nurse_client.get("/").status_code == 200 and doctor_client.get("/").status_code == 200
    with transaction(engine) as session:
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        doctor = session.exec(select(User).where(User.username == "doctor1")).one()
        set_password(
            session=session, actor=SYSTEM, user_id=nurse.id or 0, password=NEW, now=utcnow()
        )
        set_role(session=session, actor=SYSTEM, user_id=doctor.id or 0, role="nurse", now=utcnow())
    page = nurse_client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert nurse_client.get("/_dash-layout").status_code == 401
    assert doctor_client.get("/").status_code == 200  # the role applies; the session stays
    assert sign_in(nurse_client, "nurse1") == 401  # the old password no longer signs in
    assert sign_in(nurse_client, "nurse1", NEW) == 302
    assert nurse_client.get("/").status_code == 200


def test_a_session_cookie_without_a_session_token_is_not_honoured(app: dash.Dash) -> None:
    client = app.server.test_client()
    assert sign_in(client, "nurse1") == 302
    with client.session_transaction() as cookie:
        token = str(cookie["_user_id"])
        assert len(token) >= 40  # a random session token, not the user's id
        cookie["_user_id"] = "1"  # a user id alone, as cookies once held
    assert client.get("/").status_code == 302
