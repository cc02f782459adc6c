"""The new-plan form starts from the whole dose in force (medication safety): mid-crossover it
offers to continue the crossover from both drugs, with their diazepam equivalent, instead of a
silent cut to the new drug's dose alone."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import dash
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.components.plan_form_start import FormStart, form_start
from dashboard.plan_panel_queries import plan_panel_data
from models.admissions import admit
from models.db import transaction
from models.plan_changes import PlanChange, PlanSpec, apply_change, create_plan
from models.tables import Ward
from models.types import utcnow
from tests.dashboard.charting_fixtures import actors


def _admitted(engine: Engine, *, crossover: bool) -> int:
    staff = actors(engine)
    now = utcnow()
    with transaction(engine) as session:
        ward = session.exec(select(Ward)).one()
        today = now.astimezone(ZoneInfo(ward.timezone)).date()
        admission = admit(
            session=session,
            actor=staff["nurse1"],
            ward_id=ward.id or 0,
            mrn="TW-X1",
            family_name="Cross",
            given_name="Over",
            birth_date=date(1970, 1, 1),
            sex="male",
            bed="B9",
            attending_id=staff["doctor1"].user_id or 0,
            drug="alprazolam",
            daily_ug=2000,
            admitted_at=now - timedelta(days=11),
            now=now - timedelta(days=11),
        )
        assert admission.id is not None
        if crossover:
            create_plan(
                session=session,
                actor=staff["doctor1"],
                admission_id=admission.id,
                new_plan=PlanSpec(
                    "alprazolam",
                    2000,
                    "-10%/14d",
                    today - timedelta(days=9),
                    "Switch",
                    to_drug="diazepam",
                    stages=2,
                ),
                now=now - timedelta(days=10),
            )
            apply_change(
                session=session,
                actor=staff["doctor1"],
                admission_id=admission.id,
                change=PlanChange("hold", "Settling on the first stage", hold_days=None),
                now=now - timedelta(days=3),
            )
        return admission.id


def test_mid_crossover_the_form_continues_the_crossover_from_both_drugs(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admission_id = _admitted(sqlite_engine, crossover=True)
    with Session(sqlite_engine) as session:
        data = plan_panel_data(session, admission_id, now=utcnow())
    assert data is not None
    start = form_start(data, data.units)
    assert (start.drug, start.daily_mg, start.mode, start.to_drug) == (
        "alprazolam",
        "1",
        "substitution",
        "diazepam",
    )
    assert start.regimen.startswith(
        "Dose in force: alprazolam 1 mg + diazepam 20 mg a day = 40 mg diazepam-equivalent"
    )


def test_without_a_plan_the_form_starts_from_the_admission_dose(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admission_id = _admitted(sqlite_engine, crossover=False)
    with Session(sqlite_engine) as session:
        data = plan_panel_data(session, admission_id, now=utcnow())
    assert data is not None
    start = form_start(data, data.units)
    assert start == FormStart(
        "alprazolam",
        "2",
        regimen="Dose in force: alprazolam 2 mg a day = 40 mg diazepam-equivalent (Ashton table).",
    )
