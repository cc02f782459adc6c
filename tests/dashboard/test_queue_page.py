"""The review queue's read side and actions, called directly (the browser test walks it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import dash
import pytest
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from werkzeug.exceptions import Forbidden

from dashboard.auth import SignedInUser
from dashboard.components.queue_actions import BADGE_INTERVAL_ID, act_on_flag, badge_text
from dashboard.flag_queries import QueueFlag, open_flags_by_admission, review_queue
from dashboard.pages.queue import chart_href, queue_content
from dashboard.refusals import Refusal
from models.tables import Admission, Flag, JobRun, Patient, User, Ward

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _ward(session: Session) -> Ward:
    return session.exec(select(Ward)).one()


def _admission(session: Session, bed: str, name: str) -> int:
    ward = _ward(session)
    doctor = session.exec(select(User).where(User.role == "physician")).one()
    patient = Patient(
        mrn=f"M{bed}",
        family_name=name,
        given_name="Test",
        birth_date=date(1970, 1, 1),
        sex="female",
    )
    session.add(patient)
    session.flush()
    admission = Admission(
        patient_id=patient.id or 0,
        ward_id=ward.id or 0,
        bed=bed,
        admitted_at=NOW - timedelta(days=2),
        attending_id=doctor.id or 0,
        baseline_drug="clonazepam",
        baseline_daily_ug=1000,
    )
    session.add(admission)
    session.flush()
    assert admission.id is not None
    return admission.id


def _flag(
    session: Session,
    admission_id: int,
    rule: str,
    severity: str,
    hours_ago: int,
    status: str = "open",
    subject: str = "admission",
) -> int:
    at = NOW - timedelta(hours=hours_ago)
    flag = Flag(
        admission_id=admission_id,
        rule=rule,
        subject=subject,
        severity=severity,
        message=f"{rule} {severity}",
        status=status,
        raised_at=at,
        updated_at=at,
        subject_at=at,
    )
    session.add(flag)
    session.flush()
    assert flag.id is not None
    return flag.id


@pytest.fixture
def ward_flags(app: dash.Dash, sqlite_engine: Engine) -> dict[str, int]:
    with Session(sqlite_engine) as session:
        calm = _admission(session, "B1", "Calm")
        busy = _admission(session, "B2", "Busy")
        ids = {
            "calm_low": _flag(session, calm, "dose_skipped", "low", 1, subject="administration:1"),
            "busy_moderate": _flag(session, busy, "missed_dose", "moderate", 1, subject="dose:1"),
            "busy_high_old": _flag(session, busy, "news2", "high", 5),
            "busy_high_new": _flag(session, busy, "worsening", "high", 2),
            "busy_acknowledged": _flag(
                session, busy, "vitals_overdue", "low", 3, status="acknowledged"
            ),
            "calm_resolved": _flag(session, calm, "news2", "emergency", 1, status="resolved"),
        }
        session.add(
            JobRun(
                job="scan",
                host="test",
                started_at=NOW - timedelta(minutes=2),
                finished_at=NOW - timedelta(minutes=2),
            )
        )
        session.commit()
        ids.update(calm=calm, busy=busy)
        return ids


def test_a_queue_flag_carries_every_field_of_its_flag_and_the_acknowledger_s_name(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    at = NOW - timedelta(hours=3)
    with Session(sqlite_engine) as session:
        admission = _admission(session, "B4", "Martin")
        nurse = session.exec(select(User).where(User.username == "nurse1")).one()
        flag = Flag(
            admission_id=admission,
            rule="news2",
            subject="admission",
            severity="high",
            message="NEWS2 6",
            message_code="news2",
            message_values={"total": 6},
            status="acknowledged",
            raised_at=at,
            updated_at=at + timedelta(hours=2),
            subject_at=at - timedelta(minutes=5),
            acknowledged_by=nurse.id,
            acknowledged_at=at + timedelta(hours=1),
            acknowledge_note="Seen, obs hourly",
            cleared_at=at + timedelta(hours=2),
            cleared_note="NEWS2 back to 2",
        )
        session.add(flag)
        session.commit()
        session.refresh(flag)
        (patient,) = review_queue(session, _ward(session).id or 0)
        stored = flag.model_dump()
        name = nurse.display_name
    (shown,) = patient.flags
    for field in fields(QueueFlag):
        expected = name if field.name == "acknowledged_by" else stored[field.name]
        assert getattr(shown, field.name) == expected, field.name


def test_flags_are_grouped_by_patient_most_severe_then_newest_first(
    sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with Session(sqlite_engine) as session:
        patients = review_queue(session, _ward(session).id or 0)
    assert [p.admission_id for p in patients] == [ward_flags["busy"], ward_flags["calm"]]
    busy = [f.id for f in patients[0].flags]
    assert busy == [
        ward_flags[k]
        for k in ("busy_high_new", "busy_high_old", "busy_moderate", "busy_acknowledged")
    ]
    assert [f.id for f in patients[1].flags] == [ward_flags["calm_low"]]  # resolved left out


def test_filters_by_severity_rule_and_acknowledgement(
    sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with Session(sqlite_engine) as session:
        ward_id = _ward(session).id or 0
        high = review_queue(session, ward_id, severities=["high"])
        missed = review_queue(session, ward_id, rules=["missed_dose"])
        unacknowledged = review_queue(session, ward_id, include_acknowledged=False)
    assert {f.id for p in high for f in p.flags} == {
        ward_flags["busy_high_new"],
        ward_flags["busy_high_old"],
    }
    assert {f.id for p in missed for f in p.flags} == {ward_flags["busy_moderate"]}
    assert ward_flags["busy_acknowledged"] not in {f.id for p in unacknowledged for f in p.flags}


def test_queue_content_ignores_unknown_filter_values_and_shows_an_empty_state(
    app: dash.Dash, sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with app.server.test_request_context():
        body, _ = queue_content(
            sqlite_engine,
            severities=["high", "<script>"],
            rules="not-a-list",
            can_act=True,
            now=NOW,
        )
        assert len(body) == 1  # only the busy patient has high flags
        body, _ = queue_content(sqlite_engine, severities=[], can_act=True, now=NOW)
        assert body[0].id == "queue-empty"
        assert "No flags match" in body[0].children


def test_a_stale_scan_is_shown_as_a_warning(
    app: dash.Dash, sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with app.server.test_request_context():
        _, fresh = queue_content(sqlite_engine, can_act=True, now=NOW)
        _, stale = queue_content(sqlite_engine, can_act=True, now=NOW + timedelta(hours=1))
    assert not any(getattr(part, "role", None) == "alert" for part in fresh)
    assert any("jobs service may be stopped" in str(part.children) for part in stale)


def test_the_badge_counts_flags_nobody_has_acknowledged(
    app: dash.Dash, sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with app.server.test_request_context():
        assert badge_text(sqlite_engine) == "4"


def test_the_board_gets_each_patients_unresolved_flags(
    sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with Session(sqlite_engine) as session:
        by_admission = open_flags_by_admission(session, _ward(session).id or 0)
    assert {k: len(v) for k, v in by_admission.items()} == {
        ward_flags["busy"]: 4,
        ward_flags["calm"]: 1,
    }
    assert by_admission[ward_flags["busy"]][0].level == 3  # high, in the theme's levels


def test_the_chart_link_points_at_the_moment_in_utc(
    sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with Session(sqlite_engine) as session:
        [flag] = [
            f
            for p in review_queue(session, _ward(session).id or 0)
            for f in p.flags
            if f.id == ward_flags["busy_high_new"]
        ]
    assert chart_href(flag) == f"/patient/{ward_flags['busy']}?at=2026-03-10T10:00:00Z"


@contextmanager
def _signed_in(app: dash.Dash, engine: Engine, username: str) -> Iterator[None]:
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        signed = SignedInUser(user.id or 0, user.username, user.display_name, user.role)
    with app.server.test_request_context():
        login_user(signed)
        yield


def test_resolving_without_a_note_is_refused_at_the_note(
    app: dash.Dash, sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with _signed_in(app, sqlite_engine, "nurse1"):
        refused = act_on_flag(
            sqlite_engine, action="resolve", flag_id=ward_flags["calm_low"], note="   ", now=NOW
        )
        assert isinstance(refused, Refusal) and "note" in refused.fields
        done = act_on_flag(
            sqlite_engine,
            action="resolve",
            flag_id=ward_flags["calm_low"],
            note="Reviewed with the patient",
            now=NOW,
        )
        assert isinstance(done, Flag) and done.status == "resolved"
        again = act_on_flag(
            sqlite_engine, action="acknowledge", flag_id=ward_flags["calm_low"], note=None, now=NOW
        )
        assert isinstance(again, Refusal) and again.conflict


def test_admins_see_the_queue_but_cannot_act(
    app: dash.Dash, sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with _signed_in(app, sqlite_engine, "admin1"), pytest.raises(Forbidden):
        act_on_flag(
            sqlite_engine, action="acknowledge", flag_id=ward_flags["calm_low"], note=None, now=NOW
        )


def test_every_page_carries_the_badge_interval(
    app: dash.Dash, sqlite_engine: Engine, ward_flags: dict[str, int]
) -> None:
    with _signed_in(app, sqlite_engine, "nurse1"):
        layout = app.get_layout()
    assert BADGE_INTERVAL_ID in str(layout)


def _texts(component: object) -> list[str]:
    """Every string a component tree shows (children and titles)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str):
            found.append(node)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)
        elif hasattr(node, "to_plotly_json"):
            for key in ("children", "title", "label"):
                walk(getattr(node, key, None))

    walk(component)
    return found


def test_the_same_flag_reads_in_french_for_a_french_reader_and_in_english_for_another(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    at = NOW - timedelta(hours=1)
    with Session(sqlite_engine) as session:
        admission = _admission(session, "B3", "Durand")
        values = {
            "total": 6,
            "when": {"instant": at.isoformat(), "tz": "Europe/London"},
            "why": {"word": "urgent review"},
        }
        flag = Flag(
            admission_id=admission,
            rule="news2",
            subject="admission",
            severity="high",
            message="NEWS2 6 at 10 Mar 11:00: urgent review",
            message_code="news2",
            message_values=values,
            status="open",
            raised_at=at,
            updated_at=at,
            subject_at=at,
        )
        old = Flag(  # raised before the codes: English for every reader
            admission_id=admission,
            rule="missed_dose",
            subject="dose:9",
            severity="moderate",
            message="Clonazepam 0.5 mg due 10 Mar 08:00 not charted (window ±1 h)",
            status="open",
            raised_at=at,
            updated_at=at,
        )
        session.add_all([flag, old])
        session.commit()

    def shown(language: str) -> list[str]:
        with Session(sqlite_engine) as session:
            user = session.exec(select(User).where(User.username == "nurse1")).one()
            signed = SignedInUser(
                user.id or 0, user.username, user.display_name, user.role, language=language
            )
        with app.server.test_request_context():
            login_user(signed)
            body, summary = queue_content(sqlite_engine, can_act=True, now=NOW)
            return _texts(body) + _texts(summary)

    french, english = shown("fr"), shown("en")
    assert "NEWS2 6 à mar. 10 mars 11:00 : évaluation urgente" in french
    assert "NEWS2 6 at 10 Mar 11:00: urgent review" not in french
    assert "NEWS2 6 at 10 Mar 11:00: urgent review" in english
    old_text = "Clonazepam 0.5 mg due 10 Mar 08:00 not charted (window ±1 h)"
    assert old_text in french and old_text in english
    assert {"Élevé", "Prise manquée", "Prendre en compte", "Clore", "2 ouvertes"} <= set(french)
    assert {"High", "Missed dose", "Acknowledge", "Resolve", "2 open"} <= set(english)
