"""The patient page's read-only tables as one block of escaped markup: what is typed is shown
as text, only plain HTML components become markup, and the page's Dash components do not grow
with the number of readings (dash-renderer visits every one on each store update)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import dash
import dash_mantine_components as dmc
import pytest
from dash import html
from dash.development.base_component import Component
from sqlalchemy.engine import Engine

from dashboard.components.charting_vitals_table import vitals_table
from dashboard.components.static_markup import ATTRIBUTE, in_error_button, markup, static_block
from dashboard.pages import patient
from models.charting import mark_in_error, record_assessment
from models.db import transaction
from models.schemas import WithdrawalAssessmentCreate
from models.tables import VitalSigns
from tests.dashboard.charting_fixtures import (
    ALL_ONES,
    actors,
    admit_patient,
    call,
    markup_text,
    signed_in,
)
from tests.dashboard.charting_fixtures import (
    acting_as as _as,
)
from tests.factories import chart_vitals

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>{{7*7}}'


def components(tree: Any) -> int:
    """How many Dash components ``tree`` holds, in any property (a label, a section)."""
    if isinstance(tree, list | tuple):
        return sum(components(item) for item in tree)
    if not isinstance(tree, Component):
        return 0
    props = cast(Any, tree).to_plotly_json()["props"]
    return 1 + sum(components(value) for value in props.values())


def _reading(**changes: Any) -> VitalSigns:
    at = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
    return VitalSigns(
        **{"id": 7, "admission_id": 1, "taken_at": at, "heart_rate": 80, "systolic": 120,
           "diastolic": 80, "temperature_c": 36.8, "resp_rate": 16, "spo2": 97,
           "supplemental_o2": False, "consciousness": "A", "news2_total": 0,
           "news2_any_three": False, "charted_by": 3, "charted_at": at, **changes}
    )  # fmt: skip


def _markup_of(block: Any) -> str:
    return str(block.to_plotly_json()["props"][ATTRIBUTE])


def test_a_name_or_reason_with_markup_is_shown_as_the_text_typed() -> None:
    london = ZoneInfo("Europe/London")
    now = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    rows = [
        _reading(id=1, entered_in_error=True, error_reason=HOSTILE),
        _reading(id=2, charted_by=4),
    ]
    table = vitals_table(rows, {3: "Nurse", 4: HOSTILE}, tz=london, now=now, can_correct=True)
    shown = _markup_of(table)
    assert "<script" not in shown and "<img" not in shown and "&lt;script&gt;" in shown
    text = markup_text(shown)
    assert f"In error: {HOSTILE}" in text  # the reason, as typed
    assert HOSTILE in text.replace(f"In error: {HOSTILE}", "")  # and the name
    # The one reading not in error has its button, naming the reading the dialog marks.
    assert shown.count("data-in-error-entity") == 1 and 'data-in-error-id="2"' in shown


def test_attributes_and_styles_are_escaped_and_written_as_react_writes_them() -> None:
    cell = html.Td(
        html.Span('a "quoted" <b>', style={"marginTop": 16}, title='" onmouseover="x'),
        className="tw-who",
        colSpan=2,
        **{"data-kind": "<vitals>"},
    )
    assert markup(cell) == (
        '<td class="tw-who" colspan="2" data-kind="&lt;vitals&gt;">'
        '<span style="margin-top: 16px" title="&quot; onmouseover=&quot;x">'
        "a &quot;quoted&quot; &lt;b&gt;</span></td>"
    )
    # Adjacent texts stay apart (one text node each, as React draws them: same pixels).
    assert (
        markup(html.Span([" (", "policy", ")", 3]))
        == "<span> (<!-- -->policy<!-- -->)<!-- -->3</span>"
    )
    assert markup(in_error_button("<x>", entity='"v', record_id=3)).count("<button") == 1
    assert "&lt;x&gt;" in in_error_button("<x>", entity="vitals", record_id=3)


@pytest.mark.parametrize(
    "component",
    [
        html.Button("x", id={"type": "in-error-open", "entity": "vitals", "id": 1}),
        dmc.Button("x"),
        html.Div(object()),
        html.Div(True),
    ],
)
def test_only_plain_html_becomes_markup(component: Any) -> None:
    with pytest.raises(ValueError):
        markup(component)


def test_a_block_is_one_component() -> None:
    block = static_block([html.P("a"), html.P("b")], className="tw-table-scroll")
    assert components(block) == 1 and _markup_of(block) == "<p>a</p><p>b</p>"


def _chart(engine: Engine, admission_id: int, readings: int) -> None:
    """``readings`` more vitals and CIWA-B, hourly back from 2 hours ago, one in error."""
    staff = actors(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        for hour in range(2, readings + 2):
            taken = now - timedelta(hours=hour)
            vitals = chart_vitals(
                session, actor=staff["nurse1"], admission_id=admission_id, taken_at=taken
            )
            record_assessment(
                session=session,
                actor=staff["nurse1"],
                now=taken,
                data=WithdrawalAssessmentCreate(
                    admission_id=admission_id,
                    taken_at=taken,
                    items=dict(ALL_ONES),
                ),
            )
        session.flush()
        assert vitals.id is not None
        mark_in_error(session=session, actor=staff["nurse1"], entity="vitals",
                      record_id=vitals.id, reason="wrong patient", now=now)  # fmt: skip


def _count(app: dash.Dash, admission_id: int, tab: str) -> int:
    with _as(app, "nurse1", "nurse"):
        return components(patient.layout(str(admission_id), tab=tab))


# Before the tables were markup, each reading's row was 13 components or more (the row, its
# twelve cells, a chip, a button...): 60 more readings added over 780 to the Vitals tab.
ROW_COMPONENTS_BEFORE = 13


@pytest.mark.parametrize("tab", ["vitals", "ciwa", "history"])
def test_the_page_components_do_not_grow_with_the_readings(
    app: dash.Dash, sqlite_engine: Engine, tab: str
) -> None:
    stay = admit_patient(sqlite_engine)
    one_reading = _count(app, stay.admission_id, tab)
    _chart(sqlite_engine, stay.admission_id, 60)
    sixty_one = _count(app, stay.admission_id, tab)
    # The rows are markup: a reading adds no component (a row's worth of slack for the page).
    assert sixty_one - one_reading < ROW_COMPONENTS_BEFORE
    # The whole page, every tab's panel and dialog included, stays under a limit measured at
    # this change (582 for a nurse: every tab and dialog, mounted or not) with room for new
    # controls, below the ~1,150 components a
    # Vitals tab of 72 readings had before.
    assert sixty_one < 700


def test_a_refresh_sends_only_the_parts_that_changed(app: dash.Dash, sqlite_engine: Engine) -> None:
    """Every part set is a store update dash-renderer takes to every component, and a table
    set again is drawn again: the 30-second tick with nothing new sends nothing."""
    stay = admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")
    values = {"patient-changed.data": None, "patient-refresh.n_intervals": 1,
              "patient-tabs.value": "vitals", "patient-admission.data": stay.admission_id,
              "patient-can-chart.data": True, "patient-can-order.data": False,
              "patient-shown.data": None}  # fmt: skip
    tick = ["patient-refresh.n_intervals"]
    first = call(client, app, "patient-shown.data", values, changed=tick)
    assert {"patient-banner", "vitals-table", "patient-shown"} <= set(first)
    shown = first["patient-shown"]["data"]
    assert call(client, app, "patient-shown.data", values | {"patient-shown.data": shown},
                changed=tick) == {}  # fmt: skip
    _chart(sqlite_engine, stay.admission_id, 1)
    after = call(client, app, "patient-shown.data", values | {"patient-shown.data": shown},
                 changed=tick)  # fmt: skip
    assert set(after) == {"vitals-table", "patient-shown"}  # the banner is as it was
    assert "wrong patient" in markup_text(after["vitals-table"]["children"]["props"][ATTRIBUTE])
    # A tab opened afresh is always sent its tables.
    opened = call(client, app, "patient-shown.data",
                  values | {"patient-shown.data": after["patient-shown"]["data"]},
                  changed=["patient-tabs.value"])  # fmt: skip
    assert {"patient-banner", "vitals-table"} <= set(opened)
