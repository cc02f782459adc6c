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
from dashboard.board_queries import LatestVitals, vitals_due, ward_board
from dashboard.components.board_rows import (
    BOARD_REUSE_S,
    DEFAULT_SORT,
    SORTABLE,
    board_rows,
    filter_rows,
    sort_rows,
)
from dashboard.components.taper_chart_style import news2_band_label, news2_bands
from dashboard.pages.board import BODY_ID
from dashboard.theme import LEVELS, news2_word
from models.admissions import discharge
from models.charting import record_assessment
from models.db import transaction
from models.schemas import WithdrawalAssessmentCreate
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
    # ...named in NEWS2's own word, as the chart's band says it, not the theme's "high"
    assert two["news2_sub"] == "medium" and one["news2_sub"] == "normal"
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
    # Only the vitals overdue: they take the cell's large line, the CIWA-B time goes below.
    assert two["vitals_overdue"] and two["due_overdue"] and two["due_text"] == "Vitals overdue"
    assert two["due_sub"].startswith("CIWA-B ") and "overdue" not in two["due_sub"]
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


def _rows(tree: Any) -> list[dict[str, Any]]:
    """The props of each patient row in a JSON answer (or layout), in order."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "tw-board-row" in str(props.get("className", "")):
                found.append(props)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(tree)
    return found


def _texts(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return _texts(node.get("props", {}).get("children"))
    if isinstance(node, list):
        return [t for child in node for t in _texts(child)]
    return []


def _refresh(
    client: Any,
    app: dash.Dash,
    *,
    changed: str = "board-refresh.n_intervals",
    text: str | None = None,
    sort: Any = None,
    shown: Any = None,
    presses: dict[str, int] | None = None,
) -> dict[str, dict[str, Any]]:
    values: dict[str, Any] = {
        "board-refresh.n_intervals": 1,
        "board-filter.value": text,
        "board-sort.data": sort,
        "board-shown.data": shown,
    }
    for key in SORTABLE:
        values[f"board-sort-{key}.n_clicks"] = (presses or {}).get(key)
    return call(client, app, f"{BODY_ID}.children", values, changed=[changed])


def test_refresh_sends_the_rows_only_when_what_is_shown_changed(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    client = signed_in(app, "nurse1")
    first = _refresh(client, app)
    shown = first["board-shown"]["data"]
    assert [r["data-href"] for r in _rows(first[BODY_ID]["children"])] == [
        f"/patient/{r}" for r in _admission_ids(sqlite_engine)
    ]
    again = _refresh(client, app, shown=shown)
    assert BODY_ID not in again and "board-shown" not in again  # nothing new: nothing sent
    assert "board-summary" in again  # the "Updated" time moves on
    stay = admit_patient(sqlite_engine, mrn="TW2", bed="B2", family="Poe")
    after = _refresh(client, app, shown=shown)
    rows = _rows(after[BODY_ID]["children"])
    assert f"/patient/{stay.admission_id}" in [r["data-href"] for r in rows]
    assert len(rows) == 2 and after["board-shown"]["data"] != shown


def _admission_ids(engine: Engine) -> list[int]:
    from sqlmodel import select

    from models.tables import Admission

    with Session(engine) as session:
        return [a.id or 0 for a in session.exec(select(Admission)).all()]


def test_a_header_sorts_the_rows_and_says_so_and_a_second_press_turns_them_round(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    for n, (bed, family) in enumerate([("B10", "Abel"), ("B2", "Cole"), ("B9", "Bird")]):
        admit_patient(sqlite_engine, mrn=f"TW{n}", bed=bed, family=family)
    client = signed_in(app, "nurse1")

    def beds(answer: dict[str, dict[str, Any]]) -> list[str]:
        return [_texts(r["children"][1])[0] for r in _rows(answer[BODY_ID]["children"])]

    by_bed = _refresh(client, app, changed="board-sort-bed.n_clicks", presses={"bed": 1})
    assert beds(by_bed) == ["B2", "B9", "B10"]  # natural order, not "B10" < "B2"
    sort = by_bed["board-sort"]["data"]
    assert sort == {"column": "bed", "descending": False}
    assert by_bed["board-th-bed"]["aria-sort"] == "ascending"
    assert by_bed["board-th-acuity"]["aria-sort"] is None
    back = _refresh(client, app, changed="board-sort-bed.n_clicks", presses={"bed": 2}, sort=sort)
    assert beds(back) == ["B10", "B9", "B2"]
    assert back["board-th-bed"]["aria-sort"] == "descending"
    by_name = _refresh(
        client, app, changed="board-sort-name.n_clicks", presses={"name": 1}, sort=sort
    )
    assert beds(by_name) == ["B10", "B9", "B2"]  # ABEL, BIRD, COLE
    # A tick keeps the sort the user chose; a sort that is not one of ours falls back.
    tick = _refresh(client, app, sort=by_name["board-sort"]["data"])
    assert tick["board-sort"]["data"] == {"column": "name", "descending": False}
    odd = _refresh(client, app, sort={"column": "__proto__", "descending": "yes"})
    assert odd["board-sort"]["data"] == DEFAULT_SORT


def test_sorting_puts_rows_without_a_value_last_either_way() -> None:
    rows = [  # most acute first, as board_rows gives them
        {"bed": "B3", "ciwa_total": 20, "next_dose_at": None},
        {"bed": "B1", "ciwa_total": None, "next_dose_at": "2026-03-10T08:00:00+00:00"},
        {"bed": "B2", "ciwa_total": 45, "next_dose_at": "2026-03-10T07:00:00+00:00"},
        {"bed": "B4", "ciwa_total": 20, "next_dose_at": "2026-03-10T09:00:00+00:00"},
    ]

    def beds(column: str, descending: bool) -> list[str]:
        return [r["bed"] for r in sort_rows(rows, {"column": column, "descending": descending})]

    assert beds("ciwa", True) == ["B2", "B3", "B4", "B1"]  # ties keep the acuity order
    assert beds("ciwa", False) == ["B3", "B4", "B2", "B1"]
    assert beds("next_dose", False) == ["B2", "B1", "B4", "B3"]
    assert beds("next_dose", True) == ["B4", "B1", "B2", "B3"]


def test_the_filter_keeps_rows_with_every_word_and_says_when_none_match(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1", family="Roe")
    admit_patient(sqlite_engine, mrn="TW2", bed="B2", family="Poe")
    with nurse_request(app):
        rows, _ = board_rows()
    assert [r["bed"] for r in filter_rows(rows, "  poe ")] == ["B2"]
    assert [r["bed"] for r in filter_rows(rows, "tw1 CLONAZEPAM")] == ["B1"]
    assert filter_rows(rows, "poe tw1") == []
    assert filter_rows(rows, "") == rows
    client = signed_in(app, "nurse1")
    answer = _refresh(client, app, changed="board-filter.value", text="zebra")
    assert _rows(answer[BODY_ID]["children"]) == []
    assert "No patient matches “zebra”." in _texts(answer[BODY_ID]["children"])
    summary = " ".join(_texts(answer["board-summary"]["children"]))
    assert "2 patients" in summary and "0 shown" in summary
    mrn = _refresh(client, app, changed="board-filter.value", text="TW2")
    assert [r["data-href"] for r in _rows(mrn[BODY_ID]["children"])] == [
        f"/patient/{_admission_ids(sqlite_engine)[1]}"
    ]
    # Not text (a forged request): treated as no filter, not an error.
    assert len(_rows(_refresh(client, app, text=12)[BODY_ID]["children"])) == 2  # type: ignore[arg-type]


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
    import dashboard.components.board_rows as board

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
                now=clock[0],
                data=WithdrawalAssessmentCreate(
                    admission_id=stay.admission_id,
                    taken_at=clock[0] - timedelta(minutes=1),
                    items=SEVERE,
                ),
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


def test_rows_built_as_json_are_what_dash_makes_of_the_same_components() -> None:
    from dash import html

    from dashboard.components.board_markup import _el
    from dashboard.plain_json import plain

    made = _el(
        "Td",
        ["45 Severe", _el("Span", "rising", className="tw-cell-sub")],
        {"data-label": "CIWA-B"},
        className="tw-col-ciwa",
        style={"color": "#7D1111"},
        title=None,
    )
    expected = html.Td(
        ["45 Severe", html.Span("rising", className="tw-cell-sub")],
        className="tw-col-ciwa",
        style={"color": "#7D1111"},
        **{"data-label": "CIWA-B"},
    )
    assert made == plain(expected)


def test_every_page_names_a_news2_total_by_the_rcp_risk_it_carries() -> None:
    """RCP 2017 [S35]: 1-4 low, a single 3 low-medium, 5-6 medium, 7+ high; the chart's
    shading bands carry the same words as the board's NEWS2 cell."""
    assert [news2_word(t, False) for t in (0, 1, 4, 5, 6, 7, 20)] == [
        "normal", "low", "low", "medium", "medium", "high", "high",
    ]  # fmt: skip
    assert news2_word(3, True) == "low–medium" and news2_word(5, True) == "medium"
    for low, high, level in news2_bands():
        label = news2_band_label(low, high, level)
        assert (label == "0") if high == 0 else label.startswith(news2_word(low, False) + " ")
