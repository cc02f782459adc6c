"""Rounds, plan panel and print pages: layouts for each role, and the plan-changing callbacks
refused server-side (HTTP 403) for a nurse, carried out for a physician."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import dash
import pytest
from dash._pages import _path_to_page
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.auth import SignedInUser
from models.admissions import admit
from models.audit import Actor
from models.db import transaction
from models.tables import AuditEvent, RoundsNote, TaperPlan, User, Ward
from models.types import utcnow
from seed_data.factories import start_taper
from tests.dashboard.conftest import signed_in


@pytest.fixture
def admission_id(app: dash.Dash, sqlite_engine: Engine) -> int:
    """An admitted patient on clonazepam 2 mg/day with a plan made yesterday."""
    with transaction(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        users = {u.username: u for u in session.exec(select(User))}
        doctor = Actor(users["doctor1"].id, "doctor1", "physician")
        nurse = Actor(users["nurse1"].id, "nurse1", "nurse")
        now = utcnow()
        admission = admit(
            session=session,
            actor=nurse,
            ward_id=ward.id or 0,
            mrn="TW9",
            family_name="Roe",
            given_name="Ann",
            birth_date=date(1980, 5, 1),
            sex="female",
            bed="B1",
            attending_id=doctor.user_id or 0,
            drug="clonazepam",
            daily_ug=2000,
            admitted_at=now - timedelta(days=1),
            now=now,
        )
        assert admission.id is not None
        start_taper(
            session,
            actor=doctor,
            admission_id=admission.id,
            start=now.date() + timedelta(days=1),
            now=now,
            recipe="-10%/14d",
        )
        return admission.id


def _callback_body(app: dash.Dash, output_part: str, values: dict[str, Any]) -> dict[str, Any]:
    key = next(k for k in app.callback_map if output_part in k)
    spec = app.callback_map[key]
    outputs = []
    for part in key.strip(".").split("..."):
        component, prop = part.split(".", 1)
        outputs.append({"id": component, "property": prop})
    trigger = spec["inputs"][0]
    return {
        "output": key,
        "outputs": outputs,
        "inputs": [dict(trigger, value=1)],
        "state": [dict(s, value=values.get(s["id"])) for s in spec["state"]],
        "changedPropIds": [f"{trigger['id']}.{trigger['property']}"],
    }


def _post(client: FlaskClient, body: dict[str, Any]) -> Any:
    # Echo the CSRF cookie in the header as Dash's renderer does (where the app sets one).
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


HOLD_FORM = {"reason": "CIWA-B up since the cut", "hold-days": 3, "hold-open": False, "preset": "d"}


def _form(prefix: str, admission_id: int, **extra: Any) -> dict[str, Any]:
    values = {f"{prefix}-{k}": v for k, v in HOLD_FORM.items()}
    return (
        values
        | extra
        | {
            "pp-kind": "hold",
            "pp-admission": admission_id,
            "rounds-admission": admission_id,
            "rd-decision": "hold",
            "rounds-scope": "all",
        }
    )


def _plans(engine: Engine) -> list[tuple[int, str, str]]:
    with Session(engine) as session:
        return [(p.version, p.status, p.change) for p in session.exec(select(TaperPlan))]


def test_a_nurse_is_refused_by_every_plan_changing_callback(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    client = signed_in(app, "nurse1")
    # The nurse's callbacks work (so a 403 below is the role, not the request) ...
    preset = _callback_body(app, "pp-preset-text.children", {})
    preset["inputs"][0]["value"] = "a"
    assert _post(client, preset).status_code == 200
    # ... but every plan change is refused.
    for output_part, prefix in (
        ("pp-body.children", "pp"),  # plan panel: save a plan version
        ("pp-preview.children", "pp"),  # plan panel: preview
        ("rd-plan.children", "rd"),  # rounds: sign a decision
        ("rd-preview.children...rd-message", "rd"),  # rounds: preview
    ):
        body = _callback_body(app, output_part, _form(prefix, admission_id))
        assert _post(client, body).status_code == 403, output_part
    assert _plans(sqlite_engine) == [(1, "active", "create")]
    with Session(sqlite_engine) as session:
        assert session.exec(select(RoundsNote)).all() == []
        assert not [e for e in session.exec(select(AuditEvent)) if e.action.startswith("rounds.")]


def test_a_physician_signs_a_hold_at_rounds_through_the_callback(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    client = signed_in(app, "doctor1")
    preview = _post(
        client, _callback_body(app, "rd-preview.children...rd-message", _form("rd", admission_id))
    )
    assert preview.status_code == 200
    assert "replaces version 1" in preview.get_data(as_text=True)
    assert _plans(sqlite_engine) == [(1, "active", "create")]  # a preview saves nothing
    signed = _post(client, _callback_body(app, "rd-plan.children", _form("rd", admission_id)))
    assert signed.status_code == 200
    assert "Signed: hold" in signed.get_data(as_text=True)
    assert _plans(sqlite_engine) == [(1, "superseded", "create"), (2, "active", "hold")]
    with Session(sqlite_engine) as session:
        note = session.exec(select(RoundsNote)).one()
        assert (note.decision, note.reason) == ("hold", "CIWA-B up since the cut")


def test_a_refused_change_says_why_and_saves_nothing(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    client = signed_in(app, "doctor1")
    body = _callback_body(app, "pp-body.children", _form("pp", admission_id, **{"pp-reason": ""}))
    answer = _post(client, body)
    assert answer.status_code == 200
    assert "Not saved. Say why" in answer.get_data(as_text=True)
    assert _plans(sqlite_engine) == [(1, "active", "create")]


def _ids(component: Any) -> Iterator[str]:
    if isinstance(component, list | tuple):
        for child in component:
            yield from _ids(child)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    component_id = getattr(component, "id", None)
    if isinstance(component_id, str):
        yield component_id
    for attribute in ("children", "opened"):
        yield from _ids(getattr(component, attribute, None))


def _as(app: dash.Dash, engine: Engine, username: str) -> Any:
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
    context = app.server.test_request_context("/")
    context.push()
    login_user(SignedInUser(user.id or 0, user.username, user.display_name, user.role))
    return context


def test_rounds_page_for_a_physician_and_refused_for_a_nurse(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    from dashboard.pages import rounds

    context = _as(app, sqlite_engine, "doctor1")
    try:
        ids = set(_ids(rounds.layout()))
    finally:
        context.pop()
    assert {"rounds-scope", "rounds-print-link", f"rounds-card-{admission_id}"} <= ids
    context = _as(app, sqlite_engine, "nurse1")
    try:
        assert set(_ids(rounds.layout())) == {"rounds-denied"}
    finally:
        context.pop()


def test_the_plan_panel_offers_changes_to_a_physician_only(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    from dashboard.components import patient_overview, plan_panel

    def shown(username: str) -> tuple[set[str], set[str]]:
        """The overview's ids, and the ids of the panel its placeholder asks for."""
        context = _as(app, sqlite_engine, username)
        try:
            overview = set(_ids(patient_overview.overview(admission_id)))
            filled = plan_panel._fill(admission_id)
        finally:
            context.pop()
        assert filled["style"] is None  # the reserved height is given back
        return overview, set(_ids(filled["children"]))

    physician_page, physician = shown("doctor1")
    nurse_page, nurse = shown("nurse1")
    # The chart comes first, with the panel's placeholder only: none of the panel's components.
    for page in (physician_page, nurse_page):
        assert {"ov-graph", "ov-range", "plan-panel", "pp-load"} <= page
        assert not page & (physician | nurse)
    assert {"plan-steps", "plan-versions", "pp-modal", "pp-body"} <= physician
    assert {"plan-steps", "plan-read-only", "pp-body"} <= nurse
    assert "pp-modal" not in nurse and "plan-read-only" not in physician


def test_the_plan_panel_placeholder_asks_for_a_checked_admission_only(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    from dashboard.components import plan_panel

    context = _as(app, sqlite_engine, "doctor1")
    try:
        with pytest.raises(TypeError):  # a malformed id: answered 400
            plan_panel._fill(str(admission_id))
        missing = plan_panel._fill(admission_id + 1000)
    finally:
        context.pop()
    assert missing["children"].children == "No such admission."
    assert missing["style"] is None


def test_the_plan_tables_are_markup_with_the_typed_reason_shown_as_text(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    from dashboard.components import plan_panel
    from dashboard.components.static_markup import ATTRIBUTE
    from dashboard.plan_panel_queries import plan_panel_data

    typed = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    with Session(sqlite_engine) as session:
        plan = session.exec(select(TaperPlan)).one()
        plan.reason = typed
        session.add(plan)
        session.commit()
    context = _as(app, sqlite_engine, "doctor1")
    try:
        children = plan_panel._fill(admission_id)["children"]
    finally:
        context.pop()

    def blocks(component: Any) -> Iterator[Any]:
        if isinstance(component, list | tuple):
            for child in component:
                yield from blocks(child)
        elif hasattr(component, "to_plotly_json"):
            if getattr(component, "id", None) in ("plan-steps", "plan-versions"):
                yield component
            yield from blocks(getattr(component, "children", None))

    found = {block.id: getattr(block, ATTRIBUTE) for block in blocks(children)}
    assert set(found) == {"plan-steps", "plan-versions"}
    versions = found["plan-versions"]
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;"
        in (versions)
    )
    assert "<script" not in versions and "<img" not in versions
    # Mantine's table as dmc.Table draws it, one row per step.
    steps = found["plan-steps"]
    assert steps.startswith('<table class="tw-steps m_b23fa0ef mantine-Table-table"')
    with Session(sqlite_engine) as session:
        data = plan_panel_data(session, admission_id, now=utcnow())
    assert data is not None and len(data.steps) > 1
    assert steps.count('<tr class="m_4e7aa4fd mantine-Table-tr') == 1 + len(data.steps)


def test_print_sheets_render_and_their_route_wins_over_the_patient_page(
    app: dash.Dash, sqlite_engine: Engine, admission_id: int
) -> None:
    from dashboard.pages import paper_patient, paper_rounds

    page, variables = _path_to_page(f"patient/{admission_id}/print")  # type: ignore[no-untyped-call]
    assert page["module"] == "dashboard.pages.paper_patient"
    assert variables == {"admission_id": str(admission_id)}
    context = _as(app, sqlite_engine, "doctor1")
    try:
        sheets = set(_ids(paper_patient.layout(admission_id=str(admission_id))))
        sheet = set(_ids(paper_rounds.layout(scope="all")))
    finally:
        context.pop()
    assert {"print-mar", "print-ciwa", "print-now"} <= sheets
    assert {"print-rounds", "print-now"} <= sheet
