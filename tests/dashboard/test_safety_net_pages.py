"""What the pages show of the safety net: a step not tolerated is said again at the next cut's
doses (MAR) and on the rounds card; the plan panel says when a step has no baseline; a
physician sets the SpO2 scale and the vitals form scores on it; the board counts flags cleared
before anyone saw them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.components.board_rows import board_rows
from dashboard.components.charting_vitals import preview
from dashboard.components.rounds_card import patient_card
from dashboard.pages.patient import refresh_parts
from dashboard.plain_json import plain
from dashboard.plan_panel_queries import plan_panel_data
from dashboard.rounds_queries import rounds_summaries
from models.clinical.tolerance import StepVerdict
from models.db import transaction
from models.plans import active_plan, stored_steps
from models.tables import Admission, AuditEvent, Flag, Ward
from tests.dashboard.charting_fixtures import acting_as as _as
from tests.dashboard.charting_fixtures import admit_patient, call, signed_in, text_of


def _text(component: Any) -> str:
    return text_of(json.loads(json.dumps(plain(component))))


def _flag(engine: Engine, admission_id: int, rule: str, subject: str, status: str) -> None:
    now = datetime.now(UTC)
    with transaction(engine) as session:
        session.add(
            Flag(
                admission_id=admission_id,
                rule=rule,
                subject=subject,
                severity="high",
                message="test flag",
                status=status,
                raised_at=now,
                updated_at=now,
                cleared_at=now if status == "cleared" else None,
                cleared_note="The condition is gone" if status == "cleared" else None,
            )
        )


def test_the_next_cut_after_a_step_not_tolerated_is_marked_on_the_mar_and_at_rounds(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine, days_in=8)  # cuts a week ago and today
    with Session(sqlite_engine) as session:
        plan = active_plan(session, stay.admission_id)
        assert plan is not None
        cuts = [s.start for s in stored_steps(session, plan) if s.kind == "cut"]
    tz = ZoneInfo(stay.ward.timezone)
    today = datetime.now(UTC).astimezone(tz).date()
    assert today - timedelta(days=7) in cuts and today in cuts
    now = datetime.now(UTC)
    with _as(app, "nurse1", "nurse"):
        before = _text(refresh_parts(stay.admission_id, True, now, tab="mar")["mar-table"])
    assert "was not tolerated" not in before
    _flag(
        sqlite_engine,
        stay.admission_id,
        "step_not_tolerated",
        f"step:{today - timedelta(days=7)}",
        "open",
    )
    with _as(app, "nurse1", "nurse"):
        mar = _text(refresh_parts(stay.admission_id, True, now, tab="mar")["mar-table"])
    assert f"The previous step ({today - timedelta(days=7):%d %b}) was not tolerated" in mar
    with Session(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        [summary] = rounds_summaries(session, ward, now=now)
    card = _text(patient_card(summary, tz=tz, now=now, can_sign=True))
    assert f"The step of {today - timedelta(days=7):%d %b} was not tolerated (flag open)" in card


def test_a_step_without_scores_before_it_says_it_has_no_baseline(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine, days_in=3)  # one CIWA-B, an hour ago, after the cut
    with Session(sqlite_engine) as session:
        data = plan_panel_data(session, stay.admission_id, now=datetime.now(UTC))
    assert data is not None
    [judged] = list(data.tolerance.values())
    assert judged.judgement.verdict is StepVerdict.NO_BASELINE
    assert judged.judgement.verdict.label == "No baseline"


def test_a_physician_sets_spo2_scale_2_and_the_vitals_form_scores_on_it(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    assert preview({"spo2": 88}, 1).scores["spo2"] == 3
    assert preview({"spo2": 88}, 2).scores["spo2"] == 0
    with signed_in(app, "nurse1") as nurse:
        call(
            nurse,
            app,
            "spo2-scale-message.children",
            {
                "spo2-scale-confirm.n_clicks": 1,
                "spo2-scale-admission.data": stay.admission_id,
                "spo2-scale-choice.value": "2",
                "spo2-scale-reason.value": "COPD",
            },
            changed=["spo2-scale-confirm.n_clicks"],
            status=403,
        )
    with signed_in(app, "doctor1") as doctor:
        refused = call(
            doctor,
            app,
            "spo2-scale-message.children",
            {
                "spo2-scale-confirm.n_clicks": 1,
                "spo2-scale-admission.data": stay.admission_id,
                "spo2-scale-choice.value": "2",
                "spo2-scale-reason.value": "  ",
            },
            changed=["spo2-scale-confirm.n_clicks"],
        )
        message = text_of(refused["spo2-scale-message"]["children"])
        assert message.startswith("Not saved") and "say why" in message.lower()
        call(
            doctor,
            app,
            "spo2-scale-message.children",
            {
                "spo2-scale-confirm.n_clicks": 1,
                "spo2-scale-admission.data": stay.admission_id,
                "spo2-scale-choice.value": "2",
                "spo2-scale-reason.value": "Hypercapnic COPD: target 88-92 %",
            },
            changed=["spo2-scale-confirm.n_clicks"],
        )
    with Session(sqlite_engine) as session:
        admission = session.get(Admission, stay.admission_id)
        assert admission is not None and admission.spo2_scale == 2
        [event] = session.exec(
            select(AuditEvent).where(AuditEvent.action == "admission.spo2_scale")
        ).all()
        assert event.after is not None and event.after["reason"].startswith("Hypercapnic")


def test_the_board_counts_cleared_flags_as_still_to_be_seen(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    _flag(sqlite_engine, stay.admission_id, "news2", "admission", "cleared")
    _flag(sqlite_engine, stay.admission_id, "missed_dose", "dose:1", "acknowledged")
    with _as(app, "nurse1", "nurse"):
        rows, _ = board_rows(datetime.now(UTC))
    [row] = rows
    assert row["flags"] == 1 and row["flags_sub"] == "1 cleared · +1 ack."
    assert row["flags_level"] == 0  # a cleared flag's condition is gone: no colour of its own


def test_only_the_open_tab_is_read_and_sent(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    now = datetime.now(UTC)
    with _as(app, "nurse1", "nurse"):
        overview = refresh_parts(stay.admission_id, True, now, tab="overview")
        mar = refresh_parts(stay.admission_id, True, now, tab="mar")
        history = refresh_parts(stay.admission_id, True, now, tab="history")
    assert set(overview) == {"patient-banner"}
    assert set(mar) == {"patient-banner", "mar-table", "prn-orders", "prn-table"}
    assert set(history) == {"patient-banner", "history-table"}
    assert "Given" in _text(mar["mar-table"]) and "CIWA-B" in _text(history["history-table"])
