"""User text in the patient chart's figure is shown as typed, never as markup: plotly.js
renders links and styles in hover labels and annotations, so a reason, a name or a message
holding HTML must reach the figure escaped. Every free-text field that reaches the chart
carries an HTML payload here: a held dose's and a PRN dose's reason, a plan's reason, the
charting nurse's and the prescriber's display names, and a flag's message. SQLite and
PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.chart_queries import patient_chart
from dashboard.components.taper_chart import chart_figure
from models.admissions import admit
from models.audit import Actor
from models.charting import chart_dose, chart_prn
from models.db import transaction
from models.plan_changes import PlanSpec, create_plan
from models.schemas import DoseAdministrationCreate, PrnAdministrationCreate
from models.tables import Flag, ScheduledDose, Ward
from models.users import create_user
from tests.factories import SYSTEM, prn_order

LINK = '<a href="http://evil.example/">phish</a>'
PAYLOADS = (LINK, "<b>bold</b>", '<span style="color:red">x</span>', "<img src=x onerror=1>")
PLANNED_AT = datetime(2026, 2, 28, 12, 0, tzinfo=UTC)
DRAWN_AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _staff_with_markup(session: Session, n: int) -> tuple[Actor, Actor]:
    made = []
    for role in ("nurse", "physician"):
        user = create_user(
            session=session,
            actor=SYSTEM,
            username=f"{role}-markup-{n}",
            display_name=f"{PAYLOADS[n]} {role}",
            role=role,
            password="correct horse battery",
        )
        made.append(Actor(user.id, user.username, user.role))
    return made[0], made[1]


def test_html_in_user_text_reaches_the_figure_escaped(engine: Engine, ward: Ward) -> None:
    drawn: list[str] = []
    for n, payload in enumerate(PAYLOADS):
        with transaction(engine) as session:
            nurse, doctor = _staff_with_markup(session, n)
            admission = admit(
                session=session, actor=nurse, ward_id=ward.id or 0, mrn=f"HTML{n}",
                family_name="Lee", given_name="Sam", birth_date=date(1975, 2, 2), sex="male",
                bed=f"H{n}", attending_id=doctor.user_id or 0, drug="clonazepam",
                daily_ug=2000, admitted_at=PLANNED_AT - timedelta(hours=2), now=PLANNED_AT,
            )  # fmt: skip
            assert admission.id is not None
            create_plan(
                session=session, actor=doctor, admission_id=admission.id, now=PLANNED_AT,
                new_plan=PlanSpec(drug="clonazepam", daily_ug=2000, recipe="-0.25mg/7d",
                                 start=date(2026, 3, 1), reason=f"Plan {payload}"),
            )  # fmt: skip
            held_at = datetime(2026, 3, 10, 8, 5, tzinfo=UTC)
            slot = session.exec(
                select(ScheduledDose).where(
                    ScheduledDose.admission_id == admission.id,
                    ScheduledDose.scheduled_at == datetime(2026, 3, 10, 8, tzinfo=UTC),
                )
            ).one()
            chart_dose(
                session=session,
                actor=nurse,
                now=held_at,
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot.id or 0,
                    status="held",
                    administered_at=held_at,
                    reason_code="too_drowsy",
                    reason_text=f"Held {payload}",
                ),
            )
            prn_at = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
            order = prn_order(session, doctor=doctor, admission_id=admission.id, written_at=prn_at)
            chart_prn(
                session=session,
                actor=nurse,
                now=prn_at,
                data=PrnAdministrationCreate(
                    admission_id=admission.id,
                    prn_order_id=order,
                    administered_at=prn_at,
                    reason_text=f"PRN {payload}",
                ),
            )
            session.add(
                Flag(
                    admission_id=admission.id, rule="news2", subject="test:1", severity="high",
                    message=f"Flag {payload}", raised_at=DRAWN_AT, updated_at=DRAWN_AT,
                )
            )  # fmt: skip
        with Session(engine) as session:
            chart = patient_chart(session, admission.id, now=DRAWN_AT)
        assert chart is not None
        figure = chart_figure(chart.chart)
        text = _strings(json.loads(json.dumps(figure, default=str)))
        drawn += text
        shown = payload.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        for field in ("Plan", "Held", "PRN", "Flag"):
            assert any(f"{field} {shown}" in s for s in text), (field, payload)
        for who in ("nurse", "physician"):
            assert any(f"by {shown} {who}" in s for s in text), (who, payload)
    for payload in PAYLOADS:
        assert not any(payload in s for s in drawn), payload
    assert not any("<a " in s or "<img" in s or "<span" in s for s in drawn)
