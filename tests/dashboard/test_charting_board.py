"""The ward board: what each row says, its acuity order, set-based queries (the number of SQL
statements does not grow with the ward) and the refresh that keeps the grid's state."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
from flask_login import login_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from dashboard.auth import SignedInUser
from dashboard.pages.board import BOARD_REUSE_S, GRID_ID, board_rows, row_transaction
from dashboard.queries import LatestVitals, vitals_due, ward_board
from dashboard.theme import LEVELS
from models.admissions import discharge
from models.charting import record_assessment
from models.db import transaction
from models.tables import Ward
from tests.dashboard.charting_fixtures import actors, admit_patient, call, signed_in

SEVERE = dict.fromkeys(range(1, 21), 2) | {1: 4, 2: 4, 3: 3}  # total 45: severe


@contextmanager
def nurse_request(app: dash.Dash) -> Iterator[None]:
    with app.server.test_request_context("/"):
        staff = actors(app.server.config["TW_ENGINE"])["nurse1"]
        login_user(SignedInUser(staff.user_id or 0, "nurse1", "Nurse1", "nurse"))
        yield


def _by_bed(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["bed"]: r for r in rows}


def test_each_admitted_patient_has_a_row_with_dose_scores_and_times(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    admit_patient(
        sqlite_engine,
        mrn="TW2",
        bed="B2",
        family="Poe",
        ciwa=SEVERE,
        vitals={"heart_rate": 124, "resp_rate": 25},
    )
    with nurse_request(app):
        rows, _ = board_rows()
    one, two = _by_bed(rows)["B1"], _by_bed(rows)["B2"]
    assert one["name"] == "ROE, Jan" and one["day"] == 4
    # Day 4 of a -0.25 mg/week plan started on day 2: 1.75 mg/day, diazepam-eq 35 mg (Ashton)
    assert one["dose_text"] == "1.75 mg clonazepam"
    assert one["dose_sub"] == "≈ diazepam 35 mg"
    assert (one["ciwa_total"], one["ciwa_level"], one["ciwa_text"]) == (20, 1, "20 Mild")
    assert (two["ciwa_total"], two["ciwa_level"]) == (45, 3)
    # NEWS2: HR 124 scores 2, RR 25 scores 3 -> total 5: medium response, theme level 3
    assert (two["news2_total"], two["news2_level"]) == (5, 3)
    marks = {p["label"]: p["mark"] for p in two["vitals_text"]}
    assert marks["HR"] == "high" and marks["RR"] == "high" and marks["BP"] == ""
    assert one["next_dose_at"] is not None and one["next_dose_sub"].endswith("mg clonazepam")
    # CIWA-B an hour ago, mild: next due after the ward's 4 h interval; severe: after 2 h
    assert not one["assessment_overdue"] and not two["assessment_overdue"]
    assert datetime.fromisoformat(two["next_assessment_at"]) < datetime.fromisoformat(
        one["next_assessment_at"]
    )
    assert two["acuity_level"] == 3 and two["acuity_text"] == LEVELS[3].label.capitalize()
    assert [r["bed"] for r in rows] == ["B2", "B1"]  # most acute first
    # Vitals an hour ago: NEWS2 0 -> next set after the ward's 4 h; NEWS2 5 (RR scores 3) ->
    # hourly [S35], so due now: overdue, and counted in the acuity's overdue note.
    due = {bed: datetime.fromisoformat(r["next_vitals_at"]) for bed, r in _by_bed(rows).items()}
    now = datetime.now(UTC)
    assert abs(due["B1"] - (now + timedelta(hours=3))) < timedelta(minutes=1)
    assert abs(due["B2"] - now) < timedelta(minutes=1)
    assert not one["vitals_overdue"] and not one["due_overdue"]
    local = due["B1"].astimezone(ZoneInfo("Europe/London"))  # the test ward's zone
    assert one["due_sub"] == f"Vitals {local:%H:%M}" and one["due_text"].startswith("CIWA-B ")
    assert two["vitals_overdue"] and two["due_overdue"] and two["due_sub"] == "Vitals overdue"
    assert two["due_tooltip"].endswith("; vitals overdue just now")
    assert "overdue" in two["acuity_sub"]


def test_vitals_fall_due_after_the_ward_interval_or_hourly_when_news2_is_urgent() -> None:
    ward = Ward(name="W", timezone="Europe/London", vitals_interval_min=360)
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    admitted = at - timedelta(days=1)

    def vitals(total: int, any_three: bool = False) -> LatestVitals:
        return LatestVitals(at, 80, 120, 80, 36.8, 16, 97, False, "A", total, any_three, 1)

    # None yet: due one interval after admission, as the overdue rule reads it.
    assert vitals_due(None, admitted, ward) == admitted + timedelta(hours=6)
    assert vitals_due(vitals(4), admitted, ward) == at + timedelta(hours=6)  # local policy
    assert vitals_due(vitals(5), admitted, ward) == at + timedelta(hours=1)  # [S35]
    assert vitals_due(vitals(3, any_three=True), admitted, ward) == at + timedelta(hours=1)


def test_overdue_assessment_and_late_dose_are_marked(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    with transaction(sqlite_engine) as session:
        ward = session.get(Ward, stay.ward.id)
        assert ward is not None
        ward.reassess_interval_min = 30  # the CIWA-B an hour ago is now overdue
        session.add(ward)
    with nurse_request(app):
        rows, _ = board_rows()
        later, _ = board_rows(datetime.now(UTC) + timedelta(hours=14))
    assert rows[0]["assessment_overdue"] and rows[0]["due_text"] == "CIWA-B overdue"
    assert rows[0]["due_overdue"] and rows[0]["due_tooltip"].startswith("CIWA-B overdue by 3")
    # 14 h on, some dose is within its window but past its time, or the next one is upcoming
    late = later[0]
    assert late["next_dose_overdue"] == (
        datetime.fromisoformat(late["next_dose_at"]) < datetime.now(UTC) + timedelta(hours=14)
    )


def test_discharged_patients_leave_the_board(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    admit_patient(sqlite_engine, mrn="TW2", bed="B2")
    staff = actors(sqlite_engine)
    with transaction(sqlite_engine) as session:
        now = datetime.now(UTC)
        discharge(
            session=session, actor=staff["nurse1"], admission_id=stay.admission_id, at=now, now=now
        )
    with nurse_request(app):
        rows, _ = board_rows()
    assert [r["bed"] for r in rows] == ["B2"]


def _statements(engine: Engine, ward: Ward) -> int:
    count = 0

    def counter(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        now = datetime.now(UTC)
        with Session(engine) as session:
            ward_board(session, ward, now)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    return count


def test_the_board_query_count_does_not_grow_with_the_ward(
    sqlite_engine: Engine, app: dash.Dash
) -> None:
    stay = admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    one_patient = _statements(sqlite_engine, stay.ward)
    for n in range(2, 7):
        admit_patient(sqlite_engine, mrn=f"TW{n}", bed=f"B{n}")
    assert _statements(sqlite_engine, stay.ward) == one_patient <= 8


def test_row_transaction_sends_only_what_changed() -> None:
    old = [{"row_id": "1", "x": 1}, {"row_id": "2", "x": 2}, {"row_id": "3", "x": 3}]
    new = [{"row_id": "1", "x": 1}, {"row_id": "2", "x": 20}, {"row_id": "4", "x": 4}]
    assert row_transaction(old, new) == {
        "add": [{"row_id": "4", "x": 4}],
        "update": [{"row_id": "2", "x": 20}],
        "remove": [{"row_id": "3"}],
        "async": False,
    }
    assert row_transaction(new, new) is None


def test_refresh_sends_a_transaction_not_new_row_data(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    client = signed_in(app, "nurse1")
    with nurse_request(app):
        shown, _ = board_rows()
    stay = admit_patient(sqlite_engine, mrn="TW2", bed="B2", family="Poe")
    response = call(
        client,
        app,
        f"{GRID_ID}.rowTransaction",
        {"board-refresh.n_intervals": 1, f"{GRID_ID}.rowData": shown},
        changed=["board-refresh.n_intervals"],
    )
    transaction_sent = response[GRID_ID]["rowTransaction"]
    assert [r["admission_id"] for r in transaction_sent["add"]] == [stay.admission_id]
    assert transaction_sent["remove"] == []
    assert "rowData" not in response[GRID_ID]  # the grid is never rebuilt


def test_board_renders_for_every_role_and_admit_is_offered(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine)
    for username in ("nurse1", "doctor1", "admin1"):
        client = signed_in(app, username)
        layout = client.get("/_dash-layout")
        assert layout.status_code == 200
    page = dash.page_registry["dashboard.pages.board"]["layout"]
    with nurse_request(app):
        rendered = str(page())
    assert "board-admit-open" in rendered and "ROE, Jan" in rendered


def test_the_board_is_reused_until_something_is_written_or_the_minute_turns(
    app: dash.Dash, sqlite_engine: Engine, monkeypatch: Any
) -> None:
    """Every open screen polls the board: unchanged rows are not worked out again, but a
    charted entry shows on the very next refresh, and a new minute moves due times."""
    import dashboard.pages.board as board

    stay = admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    computed: list[datetime] = []
    real = board._compute_rows

    def counting(session: Session, now: datetime) -> Any:
        computed.append(now)
        return real(session, now)

    monkeypatch.setattr(board, "_compute_rows", counting)
    clock = [datetime.now(UTC).replace(second=1, microsecond=0)]
    monkeypatch.setattr(board, "utcnow", lambda: clock[0])
    with nurse_request(app):
        first, _ = board_rows()
        clock[0] += timedelta(seconds=3)
        again, _ = board_rows()
        assert again is first and len(computed) == 1
        with transaction(sqlite_engine) as session:  # a colleague charts a severe score
            record_assessment(
                session=session,
                actor=actors(sqlite_engine)["nurse2"],
                admission_id=stay.admission_id,
                taken_at=clock[0] - timedelta(minutes=1),
                now=clock[0],
                items=SEVERE,
            )
        after_write, _ = board_rows()
        assert len(computed) == 2 and after_write[0]["ciwa_total"] == 45
        clock[0] += timedelta(seconds=BOARD_REUSE_S)  # past the reuse limit
        board_rows()
        clock[0] += timedelta(minutes=1)  # and a new minute
        board_rows()
        assert len(computed) == 4
        # An explicit time is always worked out (what a page asks for "at 14:00").
        board_rows(clock[0])
    assert len(computed) == 5
