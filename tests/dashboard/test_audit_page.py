"""The access log and the admin's audit page: opening a chart, printing its sheets and
downloading it are recorded (who, which admission, what, when; no patient data), and an admin
lists audit events filtered by user, patient, action and dates, and downloads them as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.access_log import AuditFilter, audit_events, audit_filter, record_read
from models.db import make_engine, transaction
from models.errors import FieldError
from models.migrate import upgrade
from models.tables import Admission, AuditEvent, Patient
from models.types import utcnow
from tests.conftest import NOW
from tests.dashboard.conftest import app_on, signed_in
from tests.dashboard.dash_client import (
    callback_body,
    post_callback,
    render_page,
    server_callbacks,
)
from tests.factories import Stay, make_stay

LONDON = ZoneInfo("Europe/London")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dash.Dash, Stay]]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('audit') / 'audit.db'}")
    upgrade(engine)
    stay = make_stay(engine, utcnow())
    yield app_on(engine, secret_key="audit-test-secret"), stay
    engine.dispose()


def _router(app: dash.Dash) -> object:
    return next(c for c in server_callbacks(app) if c.output.startswith(".._pages_content"))


def _events(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(AuditEvent.action == action).order_by(col(AuditEvent.id))
            ).all()
        )


def _patient_texts(engine: Engine, admission_id: int) -> list[str]:
    with Session(engine) as session:
        admission = session.get(Admission, admission_id)
        assert admission is not None
        patient = session.get(Patient, admission.patient_id)
        assert patient is not None
        return [patient.mrn, patient.family_name, patient.given_name]


def test_opening_printing_and_downloading_a_chart_are_recorded(
    web: tuple[dash.Dash, Stay],
) -> None:
    app, stay = web
    client = signed_in(app, "nurse2")
    router = _router(app)
    before = {a: len(_events(stay.engine, a)) for a in ("read.chart", "read.print", "export.csv")}
    render_page(client, router, f"/patient/{stay.admission_id}")  # type: ignore[arg-type]
    render_page(client, router, f"/patient/{stay.admission_id}/print")  # type: ignore[arg-type]
    assert client.get(f"/patient/{stay.admission_id}/export/vitals.csv").status_code == 200
    for action in before:
        events = _events(stay.engine, action)
        assert len(events) == before[action] + 1, action
        event = events[-1]
        assert (event.actor, event.entity, event.entity_id) == (
            "nurse2",
            "admission",
            stay.admission_id,
        )
        trail = json.dumps([event.before, event.after])
        for text in _patient_texts(stay.engine, stay.admission_id):
            assert text not in trail, (action, text)


def test_a_missing_chart_records_nothing(web: tuple[dash.Dash, Stay]) -> None:
    app, stay = web
    before = len(_events(stay.engine, "read.chart"))
    render_page(signed_in(app, "nurse1"), _router(app), "/patient/987654")  # type: ignore[arg-type]
    assert len(_events(stay.engine, "read.chart")) == before


def _show(app: dash.Dash, client: FlaskClient, **values: str) -> dict[str, object]:
    cb = next(c for c in server_callbacks(app) if "pages.audit" in c.function)
    body = callback_body(
        cb,
        values={"audit-show.n_clicks": 1} | {f"audit-{k}.value": v for k, v in values.items()},
        trigger="audit-show.n_clicks",
    )
    answer = post_callback(client, body)
    assert answer.status_code == 200
    return answer.response


def test_the_admin_filters_the_audit_log(web: tuple[dash.Dash, Stay]) -> None:
    app, stay = web
    signed_in(app, "nurse2").get(f"/patient/{stay.admission_id}/export/scores.csv")
    admin = signed_in(app, "admin1")
    mrn = _patient_texts(stay.engine, stay.admission_id)[0]
    found = json.dumps(_show(app, admin, user="nurse2", action="export", patient=mrn))
    assert "export.csv" in found and "nurse2" in found
    assert "read.chart" not in found and "admin1" not in found
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    assert "No events match" in json.dumps(_show(app, admin, since=tomorrow))
    refused = _show(app, admin, since="notadate")
    assert refused["audit-since"]["error"]
    assert "Correct the field" in json.dumps(refused)


def test_the_audit_csv_is_for_admins_and_is_itself_audited(web: tuple[dash.Dash, Stay]) -> None:
    app, stay = web
    assert signed_in(app, "nurse1").get("/admin/audit.csv").status_code == 403
    before = len(_events(stay.engine, "export.audit"))
    response = signed_in(app, "admin1").get("/admin/audit.csv?action=user")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["When (ward time)", "User", "Action", "Record"]
    assert rows[1:] and all(row[2].startswith("user.") for row in rows[1:])
    assert len(_events(stay.engine, "export.audit")) == before + 1
    assert signed_in(app, "admin1").get("/admin/audit.csv?since=bad").status_code == 400


def test_a_nurse_is_shown_no_audit_log(web: tuple[dash.Dash, Stay]) -> None:
    app, _ = web
    shown = json.dumps(
        render_page(signed_in(app, "nurse1"), _router(app), "/admin/audit")  # type: ignore[arg-type]
    )
    assert "audit-show" not in shown and "This page is for admins" in shown


# --- the query, on SQLite and PostgreSQL -----------------------------------------------------


def test_audit_events_filter_by_user_patient_action_and_day(engine: Engine) -> None:
    stay = make_stay(engine, NOW)
    other = stay.new_admission()
    with transaction(engine) as session:
        record_read(session, actor=stay.staff["nurse1"], action="read.chart",
                    admission_id=stay.admission_id)  # fmt: skip
        record_read(session, actor=stay.staff["doctor1"], action="read.print",
                    admission_id=other)  # fmt: skip
    with Session(engine) as session:
        reads = audit_events(session, AuditFilter(action="read"), LONDON)
        assert {(e.actor, e.action) for e in reads} == {
            ("nurse1", "read.chart"),
            ("doctor1", "read.print"),
        }
        mine = audit_events(session, AuditFilter(username="doctor1", action="read"), LONDON)
        assert [(e.action, e.entity_id) for e in mine] == [("read.print", other)]
        by_id = audit_events(session, AuditFilter(patient=str(other), action="read"), LONDON)
        assert [e.entity_id for e in by_id] == [other]
        today = utcnow().astimezone(LONDON).date()
        assert len(audit_events(session, AuditFilter(since=today, until=today), LONDON)) >= 2
        later = AuditFilter(since=today + timedelta(days=1))
        assert audit_events(session, later, LONDON) == []
    with pytest.raises(FieldError) as refused:
        audit_filter(username=None, patient=None, action=None, since="2026-03-02",
                     until="2026-03-01")  # fmt: skip
    assert refused.value.field == "until"


def test_the_admin_sees_the_audit_log(web: tuple[dash.Dash, Stay]) -> None:
    app, _ = web
    shown = json.dumps(
        render_page(signed_in(app, "admin1"), _router(app), "/admin/audit")  # type: ignore[arg-type]
    )
    assert "audit-show" in shown and "audit-csv" in shown


def test_an_admissions_record_names_its_bed_and_patient_in_one_query(
    web: tuple[dash.Dash, Stay],
) -> None:
    from sqlalchemy import event

    from dashboard.pages.audit import _admission_patients

    app, stay = web
    signed_in(app, "nurse2").get(f"/patient/{stay.admission_id}/export/vitals.csv")
    with Session(stay.engine) as session:
        admission = session.get(Admission, stay.admission_id)
        assert admission is not None
        patient = session.get(Patient, admission.patient_id)
        assert patient is not None
        expected = f"{admission.bed} {patient.family_name.upper()}, {patient.given_name}"
    found = json.dumps(
        _show(app, signed_in(app, "admin1"), action="export.csv"), ensure_ascii=False
    )
    assert f"admission {stay.admission_id} · {expected}" in found
    with Session(stay.engine) as session:
        events = audit_events(session, AuditFilter(), LONDON)
        assert sum(e.entity == "admission" for e in events) > 1
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(stay.engine, "before_cursor_execute", listen)
        try:
            names = _admission_patients(session, events)
        finally:
            event.remove(stay.engine, "before_cursor_execute", listen)
    assert names[stay.admission_id] == expected and len(statements) == 1
