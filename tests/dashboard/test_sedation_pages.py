"""What the pages show of sedation: the MAR's prompt at a due dose while the latest vitals are
beyond the ward's thresholds (a fresh clear reading ends it), Given asking for a fresh check
instead of charting at once, and Held proposing "held for sedation", linked to the score."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import dash
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.components.board_rows import board_rows
from dashboard.pages.patient import refresh_parts
from dashboard.plain_json import plain
from models.charting import chart_dose, record_vitals
from models.db import transaction
from models.schemas import DoseAdministrationCreate, VitalSignsCreate
from models.tables import DoseAdministration, ScheduledDose, TaperPlan, VitalSigns
from tests.dashboard.charting_fixtures import (
    NORMAL,
    actors,
    admit_patient,
    call,
    signed_in,
    text_of,
)
from tests.dashboard.charting_fixtures import (
    acting_as as _as,
)


def _text(component: Any) -> str:
    return text_of(json.loads(json.dumps(plain(component))))


def _due_slot(engine: Engine, admission_id: int) -> int:
    """A dose due five minutes ago: inside its window whatever the time of day."""
    at = datetime.now(UTC) - timedelta(minutes=5)
    with transaction(engine) as session:
        plan = session.exec(select(TaperPlan).where(TaperPlan.admission_id == admission_id)).one()
        slot = ScheduledDose(
            admission_id=admission_id,
            plan_id=plan.id or 0,
            drug="clonazepam",
            dose_ug=500,
            scheduled_at=at,
            local_date=at.date(),
            local_time=f"{at:%H:%M}",
            doses_per_day=2,
        )
        session.add(slot)
        session.flush()
        return slot.id or 0


def _vitals(engine: Engine, admission_id: int, **values: Any) -> int:
    now = datetime.now(UTC)
    with transaction(engine) as session:
        row = record_vitals(
            session=session,
            actor=actors(engine)["nurse1"],
            now=now,
            data=VitalSignsCreate(
                admission_id=admission_id,
                taken_at=now - timedelta(minutes=2),
                **{**NORMAL, **values},
            ),
        )
        return row.id or 0


def _act(app: dash.Dash, client: Any, slot: int, act: str) -> dict[str, Any]:
    ident = {"type": "mar-act", "slot": slot, "act": act}
    return call(
        client,
        app,
        "mar-pending.data",
        {"mar-act.n_clicks": [1], "mar-time.value": ""},
        changed=[json.dumps(ident, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        patterns={"mar-act": [ident]},
    )


def _entries(engine: Engine, slot: int) -> list[DoseAdministration]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(DoseAdministration).where(DoseAdministration.scheduled_dose_id == slot)
            ).all()
        )


def test_the_mar_prompts_at_the_due_dose_until_a_fresh_clear_check(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    slot = _due_slot(sqlite_engine, stay.admission_id)
    _due_slot(sqlite_engine, stay.admission_id)  # a second due dose, charted below
    now = datetime.now(UTC)
    with _as(app, "nurse1", "nurse"):
        calm = _text(refresh_parts(stay.admission_id, True, now, tab="mar")["mar-table"])
    assert "Sedation:" not in calm
    _vitals(sqlite_engine, stay.admission_id, rass="-3")
    with _as(app, "nurse1", "nurse"):
        before_charting = _text(
            refresh_parts(stay.admission_id, True, datetime.now(UTC), tab="mar")["mar-table"]
        )
    with transaction(sqlite_engine) as session:
        chart_dose(
            session=session,
            actor=actors(sqlite_engine)["nurse1"],
            now=datetime.now(UTC),
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot,
                status="held",
                administered_at=datetime.now(UTC),
                reason_code="too_drowsy",
            ),
        )
    now = datetime.now(UTC)
    with _as(app, "nurse1", "nurse"):
        mar = _text(refresh_parts(stay.admission_id, True, now, tab="mar")["mar-table"])
    # At the due dose (the plan's own 08:00 or 20:00 dose too, when the test runs in its window).
    assert mar.count("Sedation:") >= 1
    assert "RASS -3 moderate sedation" in mar and "Check sedation" in mar
    # A charted dose carries no prompt: one fewer than before it was held.
    assert mar.count("Sedation:") == before_charting.count("Sedation:") - 1
    with transaction(sqlite_engine) as session:
        latest = session.exec(select(VitalSigns).order_by(col(VitalSigns.id).desc())).first()
        assert latest is not None
        latest.taken_at = now - timedelta(minutes=3)  # the fresh check below is newer
        session.add(latest)
    _vitals(sqlite_engine, stay.admission_id, rass="0")
    with _as(app, "nurse1", "nurse"):
        fresh = _text(
            refresh_parts(stay.admission_id, True, datetime.now(UTC), tab="mar")["mar-table"]
        )
    assert "Sedation:" not in fresh


def test_depressed_breathing_alone_prompts_too(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    _due_slot(sqlite_engine, stay.admission_id)
    _vitals(sqlite_engine, stay.admission_id, resp_rate=8)
    with _as(app, "nurse1", "nurse"):
        mar = _text(
            refresh_parts(stay.admission_id, True, datetime.now(UTC), tab="mar")["mar-table"]
        )
    assert "Sedation:" in mar and "RR 8/min" in mar


def test_given_asks_for_a_fresh_check_and_charts_nothing_by_itself(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    slot = _due_slot(sqlite_engine, stay.admission_id)
    _vitals(sqlite_engine, stay.admission_id, rass="-2")
    client = signed_in(app, "nurse1")
    answer = _act(app, client, slot, "given")
    assert answer["mar-modal"]["opened"] is True
    assert answer["mar-modal"]["title"] == "Check sedation before this dose"
    what = text_of(answer["mar-modal-what"]["children"])
    assert "RASS -2 light sedation" in what and "after a fresh check" in what
    assert answer["mar-pending"]["data"] == {"slot_id": slot, "status": "given"}
    assert _entries(sqlite_engine, slot) == []  # nothing held, nothing given by itself


def test_held_proposes_held_for_sedation_and_links_the_score(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    slot = _due_slot(sqlite_engine, stay.admission_id)
    vitals_id = _vitals(sqlite_engine, stay.admission_id, rass="-3")
    client = signed_in(app, "nurse1")
    answer = _act(app, client, slot, "held")
    assert answer["mar-reason"]["value"] == "too_drowsy"
    assert "RASS -3" in text_of(answer["mar-modal-what"]["children"])
    confirmed = call(
        client,
        app,
        "mar-reason-text.error",
        {
            "mar-confirm.n_clicks": 1,
            "mar-pending.data": {"slot_id": slot, "status": "held"},
            "mar-reason.value": "too_drowsy",
            "mar-reason-text.value": "",
            "mar-modal-time.value": "",
        },
        changed=["mar-confirm.n_clicks"],
    )
    assert confirmed["mar-modal"]["opened"] is False
    with _as(app, "nurse1", "nurse"):
        mar = _text(
            refresh_parts(stay.admission_id, True, datetime.now(UTC), tab="mar")["mar-table"]
        )
    assert "Held for sedation (too drowsy) (RASS -3 at" in mar
    [held] = _entries(sqlite_engine, slot)
    assert (held.status, held.reason_code, held.sedation_vitals_id) == (
        "held",
        "too_drowsy",
        vitals_id,
    )


def test_without_sedation_held_proposes_no_reason(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    slot = _due_slot(sqlite_engine, stay.admission_id)
    client = signed_in(app, "nurse1")
    answer = _act(app, client, slot, "held")
    assert answer["mar-reason"]["value"] is None


def test_the_board_shows_the_latest_sedation_score_and_its_level(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    admit_patient(sqlite_engine, mrn="TW2", bed="B2", vitals={"rass": "-1"})
    admit_patient(sqlite_engine, mrn="TW3", bed="B3", vitals={"rass": "-3", "poss": "3"})
    admit_patient(sqlite_engine, mrn="TW4", bed="B4", vitals={"rass": "-2", "resp_rate": 8})
    with _as(app, "nurse1", "nurse"):
        rows = {r["bed"]: r for r in board_rows(datetime.now(UTC))[0]}
    assert (rows["B1"]["sedation_text"], rows["B1"]["sedation_level"]) == ("–", 0)
    assert (rows["B2"]["sedation_text"], rows["B2"]["sedation_sub"]) == ("RASS -1", "Drowsy")
    assert rows["B2"]["sedation_level"] == 0
    assert rows["B3"]["sedation_text"] == "RASS -3 · POSS 3"
    assert (rows["B3"]["sedation_sub"], rows["B3"]["sedation_level"]) == ("beyond threshold", 3)
    assert rows["B4"]["sedation_level"] == 4 and "RR" in rows["B4"]["sedation_sub"]


def _comed_add(app: dash.Dash, client: Any, admission_id: int, **values: Any) -> dict[str, Any]:
    return call(
        client,
        app,
        "comed-add-message.children",
        {
            "comed-add.n_clicks": 1,
            "comed-admission.data": admission_id,
            "comed-class.value": values.get("drug_class"),
            "comed-name.value": values.get("name"),
            "comed-detail.value": values.get("detail"),
        },
        changed=["comed-add.n_clicks"],
        status=values.get("status", 200),
    )


def test_a_physician_records_an_opioid_and_the_patient_page_warns(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    from dashboard.pages.patient import layout

    stay = admit_patient(sqlite_engine)
    with _as(app, "doctor1", "physician"):
        before = _text(layout(str(stay.admission_id)))
    assert "Other CNS depressants" not in before
    doctor = signed_in(app, "doctor1")
    refused = _comed_add(app, doctor, stay.admission_id, drug_class="opioid", name="")
    assert "name the medicine" in refused["comed-add-message"]["children"].lower()
    added = _comed_add(
        app, doctor, stay.admission_id, drug_class="opioid", name="methadone", detail="60 mg"
    )
    assert added["comed-add-message"]["children"] == "" and added["patient-reload"]["data"]
    nurse = signed_in(app, "nurse1")
    _comed_add(app, nurse, stay.admission_id, drug_class="opioid", name="x", status=403)
    with _as(app, "nurse1", "nurse"):
        page = _text(layout(str(stay.admission_id)))
    assert "Other CNS depressants: methadone 60 mg (opioid)." in page
    assert "profound sedation, respiratory depression" in page
    assert "Naloxone not recorded yet" in page
    recorded = call(
        nurse,
        app,
        "comed-naloxone-message.children",
        {
            "comed-naloxone-save.n_clicks": 1,
            "comed-admission.data": stay.admission_id,
            "comed-naloxone.value": "supplied",
        },
        changed=["comed-naloxone-save.n_clicks"],
    )
    assert recorded["comed-naloxone-message"]["children"] == ""
    with _as(app, "nurse1", "nurse"):
        page = _text(layout(str(stay.admission_id)))
    assert "Naloxone supplied." in page and "not recorded yet" not in page


def test_the_rounds_card_and_print_sheets_carry_the_depressant_warning(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    from zoneinfo import ZoneInfo

    from dashboard.components.rounds_card import patient_card
    from dashboard.pages.print_patient import patient_sheets
    from dashboard.pages.print_rounds import rounds_sheet
    from dashboard.rounds_queries import rounds_summaries
    from models.co_medications import add_co_medication
    from models.tables import Ward

    stay = admit_patient(sqlite_engine)
    admit_patient(sqlite_engine, mrn="TW2", bed="B2", family="Poe")
    now = datetime.now(UTC)
    with transaction(sqlite_engine) as session:
        add_co_medication(
            session=session,
            actor=actors(sqlite_engine)["doctor1"],
            admission_id=stay.admission_id,
            drug_class="opioid",
            name="buprenorphine",
            detail="16 mg",
            now=now,
        )
    with Session(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        summaries = {s.admission_id: s for s in rounds_summaries(session, ward, now=now)}
    tz = ZoneInfo(ward.timezone)
    card = _text(patient_card(summaries[stay.admission_id], tz=tz, now=now, can_sign=True))
    assert "Other CNS depressants: buprenorphine 16 mg (opioid)." in card
    assert "Naloxone not recorded yet" in card
    other = [s for k, s in summaries.items() if k != stay.admission_id]
    assert [s.depressants for s in other] == [None]
    with _as(app, "doctor1", "physician"):
        actor = actors(sqlite_engine)["doctor1"]
        sheet = _text(patient_sheets(actor, stay.admission_id))
        rounds = _text(rounds_sheet(actor, "all"))
    assert "buprenorphine 16 mg (opioid)" in sheet and "S69" in sheet
    assert rounds.count("Other CNS depressants") == 1


def test_a_printed_sheet_names_who_printed_it_as_the_header_does(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    from dashboard.pages.print_patient import patient_sheets
    from dashboard.pages.print_rounds import rounds_sheet

    stay = admit_patient(sqlite_engine)
    with _as(app, "doctor1", "physician"):
        actor = actors(sqlite_engine)["doctor1"]
        sheet = _text(patient_sheets(actor, stay.admission_id))
        rounds = _text(rounds_sheet(actor, "mine"))
    # The display name (made "Doctor1" by the fixtures), not the sign-in username.
    assert ") by Doctor1. A snapshot" in sheet and "by doctor1" not in sheet
    assert "Patients of Doctor1: " in rounds and ") by Doctor1. A snapshot" in rounds
