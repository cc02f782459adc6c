"""The MAR: statuses, Given in one action, Held/Refused with a reason, the conflict message
when a colleague charted first, corrections kept beside the re-charted entry, PRN doses; and
a discharged or admin view that offers no charting."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.auth import SignedInUser
from dashboard.components.charting_mar import (
    STATUS_LEVEL,
    STATUS_TEXT,
    mar_window,
    slot_status,
)
from dashboard.queries import MarSlot
from dashboard.theme import FLAG_LEVEL
from models.admissions import discharge
from models.charting import chart_dose
from models.clinical.dose_timing import DoseStatus
from models.db import transaction
from models.flags import MISSED_DOSE_SEVERITY
from models.schemas import DoseAdministrationCreate
from models.tables import AuditEvent, DoseAdministration, ScheduledDose, Ward
from tests.dashboard.charting_fixtures import (
    actors,
    admit_patient,
    call,
    signed_in,
    text_of,
)

LONDON = ZoneInfo("Europe/London")


def _act_id(slot: int, act: str) -> dict[str, Any]:
    return {"type": "mar-act", "slot": slot, "act": act}


def _act(app: dash.Dash, client: Any, slot: int, act: str, status: int = 200) -> dict[str, Any]:
    ident = _act_id(slot, act)
    return call(
        client,
        app,
        "mar-pending.data",
        {"mar-act.n_clicks": [1], "mar-time.value": ""},
        changed=[json.dumps(ident, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        patterns={"mar-act": [ident]},
        status=status,
    )


def _confirm(
    app: dash.Dash, client: Any, slot: int, status_: str, reason: str | None, text: str = ""
) -> dict[str, Any]:
    return call(
        client,
        app,
        "mar-reason-text.error",
        {
            "mar-confirm.n_clicks": 1,
            "mar-pending.data": {"slot_id": slot, "status": status_},
            "mar-reason.value": reason,
            "mar-reason-text.value": text,
            "mar-modal-time.value": "",
        },
        changed=["mar-confirm.n_clicks"],
    )


def _entries(engine: Engine, slot: int) -> list[DoseAdministration]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(DoseAdministration)
                .where(DoseAdministration.scheduled_dose_id == slot)
                .order_by(col(DoseAdministration.id))
            ).all()
        )


def test_the_mar_window_is_the_last_24_hours_and_the_rest_of_today() -> None:
    now = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    start, end = mar_window(now, LONDON)
    assert start == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    early = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
    assert mar_window(early, LONDON)[0] == early - timedelta(hours=24)


def test_each_status_reads_and_is_coloured_by_the_ward_window() -> None:
    ward = Ward(name="W", timezone="Europe/London", dose_window_min=60)
    due = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    slot = ScheduledDose(
        id=1,
        admission_id=1,
        plan_id=1,
        drug="clonazepam",
        dose_ug=500,
        scheduled_at=due,
        local_date=due.date(),
        local_time="08:00",
    )
    bare = MarSlot(slot, ())
    assert slot_status(bare, due - timedelta(minutes=61), ward) == DoseStatus.NOT_YET_DUE
    assert slot_status(bare, due - timedelta(minutes=30), ward) == DoseStatus.DUE
    assert slot_status(bare, due + timedelta(minutes=30), ward) == DoseStatus.LATE
    assert slot_status(bare, due + timedelta(minutes=61), ward) == DoseStatus.MISSED
    refused = DoseAdministration(
        id=1,
        admission_id=1,
        scheduled_dose_id=1,
        drug="clonazepam",
        dose_ug=0,
        status="refused",
        reason_code="declined",
        administered_at=due,
        charted_by=1,
    )
    in_error = DoseAdministration(
        id=2,
        admission_id=1,
        scheduled_dose_id=1,
        drug="clonazepam",
        dose_ug=500,
        status="given",
        administered_at=due,
        charted_by=1,
        entered_in_error=True,
        error_reason="wrong",
    )
    assert slot_status(MarSlot(slot, (in_error, refused)), due, ward) == DoseStatus.REFUSED
    assert STATUS_TEXT[DoseStatus.LATE] == "Late" and STATUS_LEVEL[DoseStatus.LATE] == 3
    assert STATUS_LEVEL[DoseStatus.GIVEN] == 0
    # "Missed" wears the missed-dose flag's colour (a single miss is a moderate flag: orange,
    # level 2), not the deepest red, so the MAR and the review queue agree
    assert MISSED_DOSE_SEVERITY == "moderate"
    assert STATUS_LEVEL[DoseStatus.MISSED] == FLAG_LEVEL[MISSED_DOSE_SEVERITY] == 2


def test_given_is_one_action(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    slot = stay.latest_due_slot()
    client = signed_in(app, "nurse1")
    answer = _act(app, client, slot, "given")
    assert answer["mar-alert"]["children"].startswith("Given: clonazepam")
    assert answer["patient-changed"]["data"] and "mar-modal" not in answer
    [given] = _entries(sqlite_engine, slot)
    assert given.status == "given" and given.charted_by == actors(sqlite_engine)["nurse1"].user_id


def test_a_dose_not_yet_due_asks_before_it_is_given(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    slot = stay.slot_at(1, time(20, 0))  # tomorrow evening
    client = signed_in(app, "nurse1")
    answer = _act(app, client, slot, "given")
    assert answer["mar-modal"]["opened"] is True
    assert "window opens" in answer["mar-modal-what"]["children"]
    assert _entries(sqlite_engine, slot) == []


def test_refused_needs_a_reason_from_the_list(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    slot = stay.latest_due_slot()
    client = signed_in(app, "nurse1")
    opened = _act(app, client, slot, "refused")
    assert opened["mar-modal"]["opened"] is True
    assert [o["label"] for o in opened["mar-reason"]["data"]] == [
        "Patient declined",
        "Nausea or vomiting",
        "Other (say why)",
    ]
    no_reason = _confirm(app, client, slot, "refused", None)
    assert no_reason["mar-reason"]["error"].startswith("Choose a reason")
    assert no_reason["mar-modal"]["opened"] is True and _entries(sqlite_engine, slot) == []
    saved = _confirm(app, client, slot, "refused", "declined", "Wants to see the doctor")
    assert saved["mar-modal"]["opened"] is False
    assert saved["mar-alert"]["children"].startswith("Refused: clonazepam")
    [refused] = _entries(sqlite_engine, slot)
    assert (refused.status, refused.reason_code, refused.reason_text) == (
        "refused",
        "declined",
        "Wants to see the doctor",
    )


def test_a_colleague_charting_first_is_named_in_the_message(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    slot = stay.latest_due_slot()
    staff = actors(sqlite_engine)
    client = signed_in(app, "nurse1")
    _act(app, client, slot, "held")  # nurse1 opens the dialog...
    now = datetime.now(UTC)
    with transaction(sqlite_engine) as session:  # ...while nurse2 gives the dose
        chart_dose(
            session=session,
            actor=staff["nurse2"],
            now=now,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot,
                status="given",
                administered_at=now,
            ),
        )
    answer = _confirm(app, client, slot, "held", "too_drowsy")
    local = now.astimezone(LONDON)
    assert answer["mar-alert"]["children"] == (
        f"Not saved. Already charted as given by Nurse2 at {local:%H:%M}; mark that entry in "
        "error first to correct it."
    )
    assert answer["mar-modal"]["opened"] is False and answer["patient-changed"]["data"]
    assert [e.status for e in _entries(sqlite_engine, slot)] == ["given"]


def test_a_correction_keeps_both_entries_and_the_dose_can_be_charted_again(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    slot = stay.latest_due_slot()
    client = signed_in(app, "nurse1")
    _act(app, client, slot, "given")
    [wrong] = _entries(sqlite_engine, slot)
    target = {"type": "in-error-open", "entity": "dose", "id": wrong.id}
    opened = call(
        client,
        app,
        "in-error-target.data",
        {"in-error-open.n_clicks": [1]},
        changed=[json.dumps(target, sort_keys=True, separators=(",", ":")) + ".n_clicks"],
        patterns={"in-error-open": [target]},
    )
    assert opened["in-error-modal"]["opened"] is True
    no_reason = call(
        client,
        app,
        "in-error-message.children@",
        {
            "in-error-confirm.n_clicks": 1,
            "in-error-target.data": opened["in-error-target"]["data"],
            "in-error-reason.value": "",
        },
        changed=["in-error-confirm.n_clicks"],
    )
    assert no_reason["in-error-reason"]["error"].startswith("Say what was wrong")
    marked = call(
        client,
        app,
        "in-error-message.children@",
        {
            "in-error-confirm.n_clicks": 2,
            "in-error-target.data": opened["in-error-target"]["data"],
            "in-error-reason.value": "Given to the wrong patient",
        },
        changed=["in-error-confirm.n_clicks"],
    )
    assert marked["in-error-modal"]["opened"] is False
    _act(app, client, slot, "refused")
    _confirm(app, client, slot, "refused", "declined")
    entries = _entries(sqlite_engine, slot)
    assert [(e.status, e.entered_in_error) for e in entries] == [
        ("given", True),
        ("refused", False),
    ]
    # The MAR shows both: the corrected entry struck through with its reason.
    refreshed = call(
        client,
        app,
        "mar-table.children",
        {
            "patient-changed.data": "x",
            "patient-tabs.value": "mar",  # the tab open: only its tables are read and sent
            "patient-refresh.n_intervals": None,
            "patient-admission.data": stay.admission_id,
            "patient-can-chart.data": True,
        },
        changed=["patient-changed.data"],
    )
    mar = json.dumps(refreshed["mar-table"]["children"])
    assert '"type": "S"' in mar and "Given to the wrong patient" in mar
    mar_text = text_of(refreshed["mar-table"]["children"])
    assert "Refused" in mar_text
    # The valid entry is corrected by the same action name as the CIWA-B, vitals and History
    assert "Mark in error…" in mar_text and "Correct…" not in mar_text
    with Session(sqlite_engine) as session:
        actions = [
            e.action
            for e in session.exec(
                select(AuditEvent).where(col(AuditEvent.action).startswith("dose."))
            ).all()
        ]
    assert actions == ["dose.given", "dose.entered_in_error", "dose.refused"]


def _layout(app: dash.Dash, username: str, admission_id: int) -> str:
    staff = actors(app.server.config["TW_ENGINE"])[username]
    page = dash.page_registry["dashboard.pages.patient"]["layout"]
    with app.server.test_request_context("/"):
        login_user(SignedInUser(staff.user_id or 0, username, username.title(), staff.role))
        drawn = page(admission_id=str(admission_id))  # plain JSON (dashboard.plain_json)
        return json.dumps(drawn, default=lambda c: c.to_plotly_json())


def test_after_discharge_the_record_is_read_only(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    slot = stay.latest_due_slot()
    assert '"vitals-save"' in _layout(app, "nurse1", stay.admission_id)
    now = datetime.now(UTC)
    with transaction(sqlite_engine) as session:
        discharge(
            session=session,
            actor=actors(sqlite_engine)["nurse1"],
            admission_id=stay.admission_id,
            at=now,
            now=now,
        )
    page = _layout(app, "nurse1", stay.admission_id)
    assert "read-only" in page
    for form_part in ("vitals-save", "ciwa-save", "mar-act", "prn-save", "discharge-open"):
        assert f'"{form_part}"' not in page
    client = signed_in(app, "nurse1")
    answer = _act(app, client, slot, "given")  # a stale page still cannot chart
    assert "read-only" in answer["mar-alert"]["children"]
    assert _entries(sqlite_engine, slot) == []


def test_admins_see_the_patient_but_no_charting_forms(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    page = _layout(app, "admin1", stay.admission_id)
    assert "ROE, Jan" in page and "read-only" in page
    assert '"vitals-save"' not in page and '"mar-act"' not in page
    _act(app, signed_in(app, "admin1"), stay.latest_due_slot(), "given", status=403)
    assert _entries(sqlite_engine, stay.latest_due_slot()) == []
