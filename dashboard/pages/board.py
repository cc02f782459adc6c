"""The ward board: one row per admitted patient, most acute first; a row opens the patient.

The grid is built once per visit; every 30 s (and after each save elsewhere) the rows are
re-read and sent as an AG Grid transaction keyed by admission id, so the user's sort, filter
and scroll stay where they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
import dash_mantine_components as dmc
import flask
from dash import Dash, Input, Output, Patch, State, dcc, html, no_update
from sqlmodel import Session

from dashboard.components import charting_admit
from dashboard.components.charting_common import format_local
from dashboard.context import current_actor, default_ward, engine
from dashboard.plain_json import plain
from dashboard.queries import BoardEntry, FlagSummary, LatestVitals, data_version, ward_board
from dashboard.theme import BAND_LABEL, BAND_LEVEL, LEVELS, news2_level
from models.charting import sedation_reading
from models.clinical.dose_timing import DoseStatus, dose_status
from models.clinical.drugs import format_mg
from models.clinical.observations import is_overdue
from models.clinical.sedation import RASS_LEVELS, sedation_concern
from models.clinical.vitals import reading_abnormal_fields
from models.db import read_session
from models.tables import Ward
from models.types import utcnow
from models.ward_policy import sedation_thresholds, slot_window_min

PATH = "/"
TITLE = "Ward board"
REFRESH_MS = 30_000
GRID_ID = "board-grid"


def _level_styles(level_field: str) -> dict[str, Any]:
    """Cell colour by a 0-4 level in the row, in the theme's tones (one source of colour)."""
    return {
        "styleConditions": [
            {
                "condition": f"params.data.{level_field} === {level}",
                "style": {"backgroundColor": tone.background, "color": tone.text},
            }
            for level, tone in LEVELS.items()
        ]
    }


_OVERDUE = LEVELS[3]


def _overdue_style(flag_field: str) -> dict[str, Any]:
    return {
        "styleConditions": [
            {
                "condition": f"params.data.{flag_field}",
                "style": {
                    "backgroundColor": _OVERDUE.background,
                    "color": _OVERDUE.text,
                    "fontWeight": 600,
                },
            }
        ]
    }


def _stack(main: str, sub: str) -> dict[str, Any]:
    return {"cellRenderer": "TwStack", "cellRendererParams": {"main": main, "sub": sub}}


COLUMNS: list[dict[str, Any]] = [
    {
        "field": "acuity",
        "headerName": "Acuity",
        "width": 100,
        "sort": "desc",
        "filter": False,
        "cellStyle": _level_styles("acuity_level"),
        **_stack("acuity_text", "acuity_sub"),
        "headerTooltip": (
            "Highest of the CIWA-B band, the NEWS2 response and open flags; "
            "ties: number of flags, then what is overdue"
        ),
    },
    {
        "field": "bed",
        "headerName": "Bed",
        "width": 76,
        "filter": False,
        "comparator": {"function": "TwBedOrder"},
    },
    {
        "field": "name",
        "headerName": "Patient",
        "flex": 2,
        "minWidth": 164,
        **_stack("name", "patient_sub"),
        "tooltipField": "name",
    },
    {
        "field": "dose_text",
        "headerName": "Dose today",
        "headerTooltip": "Today's daily dose from the active plan, and its diazepam equivalent",
        "flex": 2,
        "minWidth": 168,
        **_stack("dose_text", "dose_sub"),
        "tooltipField": "dose_text",
    },
    {
        "field": "ciwa_total",
        "headerName": "CIWA-B",
        "width": 140,
        "filter": "agNumberColumnFilter",
        "cellStyle": _level_styles("ciwa_level"),
        **_stack("ciwa_text", "ciwa_sub"),
    },
    {
        "field": "news2_total",
        "headerName": "NEWS2",
        "width": 90,
        "filter": False,
        "cellStyle": _level_styles("news2_level"),
        **_stack("news2_text", "news2_sub"),
    },
    {
        "field": "sedation_text",
        "headerName": "Sedation",
        "headerTooltip": (
            "The latest RASS or POSS; marked when beyond the ward's threshold (RASS: local "
            "policy; POSS 3 or more: Pasero), the top level with RR 8 or less or SpO2 below "
            "target"
        ),
        "width": 112,
        "filter": False,
        "cellStyle": _level_styles("sedation_level"),
        **_stack("sedation_text", "sedation_sub"),
    },
    {
        "field": "vitals_text",
        "headerName": "Last vitals",
        "flex": 3,
        "minWidth": 232,
        "cellRenderer": "TwVitals",
        "sortable": False,
        "filter": False,
        "valueFormatter": {"function": "params.data.vitals_at"},
        "getQuickFilterText": {"function": "''"},
    },
    {
        "field": "next_dose_at",
        "headerName": "Next dose",
        "flex": 2,
        "minWidth": 160,
        "filter": False,
        "cellStyle": _overdue_style("next_dose_overdue"),
        **_stack("next_dose_text", "next_dose_sub"),
        "tooltipField": "next_dose_sub",
    },
    {
        "field": "due_at",
        "headerName": "Due",
        "headerTooltip": (
            "Next CIWA-B and next vitals: the ward's intervals (local policy); vitals hourly "
            "while NEWS2 calls for urgent review (RCP 2017)"
        ),
        "width": 166,
        "filter": False,
        "cellStyle": _overdue_style("due_overdue"),
        **_stack("due_text", "due_sub"),
        "tooltipField": "due_tooltip",
    },
    {
        "field": "flags",
        "headerName": "Flags",
        "width": 76,
        "filter": False,
        "cellStyle": _level_styles("flags_level"),
        **_stack("flags", "flags_sub"),
    },
    {"field": "mrn", "headerName": "MRN", "hide": True},
]

# Fields a refresh compares to decide whether a row changed.
_ROW_KEY = "row_id"


def _bed_key(bed: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", bed))


def _trend(entry: BoardEntry) -> tuple[str, str]:
    last, previous = entry.last_ciwa, entry.previous_ciwa
    if last is None or previous is None:
        return "", ""
    if last.total > previous.total:
        return "↑", "rising"
    if last.total < previous.total:
        return "↓", "falling"
    return "→", "unchanged"


def _dose_text(entry: BoardEntry) -> tuple[str, str]:
    if entry.today is None:
        baseline = f"{entry.baseline_drug} {format_mg(entry.baseline_daily_ug)} mg"
        return "No plan in force", f"admitted on {baseline}"
    if not entry.today.doses:
        return "Taper complete (0 mg)", f"≈ diazepam {entry.today.diazepam_eq_mg:g} mg"
    text = " + ".join(f"{format_mg(d.daily_ug)} mg {d.drug}" for d in entry.today.doses)
    return text, f"≈ diazepam {entry.today.diazepam_eq_mg:.3g} mg"


def _vitals_parts(entry: BoardEntry) -> list[dict[str, Any]]:
    v = entry.last_vitals
    if v is None:
        return []
    marks = reading_abnormal_fields(v)
    parts = [
        (1, "HR", str(v.heart_rate), marks.get("heart_rate")),
        (1, "BP", f"{v.systolic}/{v.diastolic}", marks.get("systolic")),
        (1, "T", f"{v.temperature_c:.1f}", marks.get("temperature_c")),
        (2, "RR", str(v.resp_rate), marks.get("resp_rate")),
        (2, "SpO₂", f"{v.spo2}%", marks.get("spo2")),
    ]
    if v.supplemental_o2:
        parts.append((2, "O₂", "on", "on"))
    parts.append((2, "", v.consciousness, marks.get("consciousness")))
    return [
        {"line": line, "label": label, "value": value, "mark": mark or ""}
        for line, label, value, mark in parts
    ]


# The board's level for sedation: beyond the threshold is high (3), with depressed breathing
# the top level (4), as the "dose may be too high" rule raises them.
SEDATION_LEVEL, DANGEROUS_SEDATION_LEVEL = 3, 4


def _sedation(v: LatestVitals, ward: Ward) -> dict[str, Any]:
    parts = []
    if v.rass is not None:
        parts.append(f"RASS {RASS_LEVELS[v.rass].code}")
    if v.poss is not None:
        parts.append(f"POSS {v.poss}")
    concern = sedation_concern(sedation_reading(v), sedation_thresholds(ward))
    if concern.dangerous:
        level, sub = DANGEROUS_SEDATION_LEVEL, "with low RR/SpO₂"
    elif concern.signs:
        level, sub = SEDATION_LEVEL, "beyond threshold"
    else:
        level, sub = 0, (RASS_LEVELS[v.rass].term if v.rass is not None else "")
    return {
        "sedation_text": " · ".join(parts) or "–",
        "sedation_sub": sub,
        "sedation_level": level,
    }


def board_row(entry: BoardEntry, ward: Ward, now: datetime) -> dict[str, Any]:
    """One grid row: display text, sort values and 0-4 levels (coloured by the theme)."""
    tz: tzinfo = ZoneInfo(ward.timezone)
    local_today = now.astimezone(tz).date()
    day = (local_today - entry.admitted_at.astimezone(tz).date()).days + 1
    dose_text, dose_sub = _dose_text(entry)
    arrow, trend = _trend(entry)
    row: dict[str, Any] = {
        "row_id": str(entry.admission_id),
        "admission_id": entry.admission_id,
        "bed": entry.bed,
        "name": f"{entry.family_name.upper()}, {entry.given_name}",
        "mrn": entry.mrn,
        "day": day,
        "patient_sub": f"Day {day} · {entry.mrn}",
        "dose_text": dose_text,
        "dose_sub": dose_sub,
    }
    ciwa_level = news_level = 0
    if entry.last_ciwa is not None:
        last = entry.last_ciwa
        ciwa_level = BAND_LEVEL.get(last.band, 0)
        row |= {
            "ciwa_level": ciwa_level,
            "ciwa_total": last.total,
            "ciwa_text": f"{last.total} {BAND_LABEL.get(last.band, last.band)} {arrow}".strip(),
            "ciwa_sub": f"{format_local(last.taken_at, tz, now)}"
            + (f" · {trend}" if trend else ""),
        }
    else:
        row |= {"ciwa_total": None, "ciwa_text": "None yet", "ciwa_sub": "", "ciwa_level": 0}
    v = entry.last_vitals
    if v is not None:
        news_level = news2_level(v.news2_total, v.news2_any_three)
        row |= {
            "news2_level": news_level,
            "news2_total": v.news2_total,
            "news2_text": str(v.news2_total),
            "news2_sub": LEVELS[news_level].label,
            "vitals_text": _vitals_parts(entry),
            "vitals_at": format_local(v.taken_at, tz, now),
            **_sedation(v, ward),
        }
    else:
        row |= {
            "news2_level": 0,
            "news2_total": None,
            "news2_text": "–",
            "news2_sub": "",
            "vitals_text": [],
            "vitals_at": "no vitals yet",
            "sedation_text": "–",
            "sedation_sub": "",
            "sedation_level": 0,
        }
    if entry.next_doses:
        first = entry.next_doses[0]
        # Past its time but inside its window (models.clinical.dose_timing): "late".
        status = dose_status(
            scheduled_at=first.scheduled_at,
            now=now,
            window_min=slot_window_min(ward, first.doses_per_day),
            administration=None,
        )
        overdue = status is DoseStatus.LATE
        drugs = " + ".join(f"{format_mg(d.dose_ug)} mg {d.drug}" for d in entry.next_doses)
        row |= {
            "next_dose_at": first.scheduled_at.isoformat(),
            "next_dose_text": format_local(first.scheduled_at, tz, now)
            + (" · late" if overdue else ""),
            "next_dose_sub": drugs,
            "next_dose_overdue": overdue,
        }
    else:
        row |= {
            "next_dose_at": None,
            "next_dose_text": "None scheduled",
            "next_dose_sub": "",
            "next_dose_overdue": False,
        }
    due = entry.next_assessment_due
    assessment_overdue = is_overdue(due, now)
    vitals_at = entry.next_vitals_due
    vitals_overdue = is_overdue(vitals_at, now)
    ciwa_due = _due_text("CIWA-B", due, tz, now)
    vitals_due_text = _due_text("Vitals", vitals_at, tz, now)
    row |= {
        "next_vitals_at": vitals_at.isoformat(),
        "vitals_overdue": vitals_overdue,
        "next_assessment_at": due.isoformat(),
        "assessment_overdue": assessment_overdue,
        # One column for both: CIWA-B (the ward's scale) on top, vitals below.
        "due_at": min(due, vitals_at).isoformat(),
        "due_text": ciwa_due,
        "due_sub": vitals_due_text,
        "due_overdue": assessment_overdue or vitals_overdue,
        "due_tooltip": f"{_due_detail('CIWA-B', due, tz, now)}; "
        f"{_due_detail('vitals', vitals_at, tz, now)}",
        # Flags nobody has seen: open ones, and those cleared before anyone looked.
        "flags": entry.flags.unseen,
        "flags_sub": _flags_sub(entry.flags),
        "flags_level": entry.flags.level,
    }
    level = max(ciwa_level, news_level, entry.flags.level)
    overdue_count = int(row["next_dose_overdue"]) + int(assessment_overdue) + int(vitals_overdue)
    row |= {
        "acuity_level": level,
        # Sort value: the level first, then unseen flags, then what is overdue.
        "acuity": level * 100 + min(entry.flags.unseen, 9) * 10 + overdue_count,
        "acuity_text": LEVELS[level].label.capitalize(),
        "acuity_sub": _acuity_sub(entry.flags.unseen, overdue_count),
    }
    return row


def _flags_sub(flags: FlagSummary) -> str:
    parts = []
    if flags.cleared:
        parts.append(f"{flags.cleared} cleared")
    if flags.acknowledged:
        parts.append(f"+{flags.acknowledged} ack.")
    return " · ".join(parts)


def _due_text(what: str, at: datetime, tz: tzinfo, now: datetime) -> str:
    """A due line short enough for the board: "CIWA-B 22:06", "Vitals overdue"; a time more
    than a day ahead carries its day."""
    if is_overdue(at, now):
        return f"{what} overdue"
    local = at.astimezone(tz)
    when = f"{local:%H:%M}" if at - now < timedelta(days=1) else format_local(at, tz, now)
    return f"{what} {when}"


def _due_detail(what: str, at: datetime, tz: tzinfo, now: datetime) -> str:
    if is_overdue(at, now):
        return f"{what} overdue {_overdue_for(int((now - at).total_seconds() // 60))}"
    return f"{what} due {format_local(at, tz, now)}"


def _overdue_for(minutes: int) -> str:
    if minutes < 1:
        return "just now"
    if minutes < 60:
        return f"by {minutes} min"
    return f"by {minutes // 60} h {minutes % 60:02d} min"


def _acuity_sub(flags: int, overdue: int) -> str:
    parts = []
    if flags:
        parts.append(f"{flags} flag{'s' if flags > 1 else ''}")
    if overdue:
        parts.append(f"{overdue} overdue")
    return " · ".join(parts)


# The board is the same for everyone on the ward, and every open screen polls it. Rows are
# worked out again when the record changed (data_version: every write is audited), when the
# minute turns (due and overdue move with the clock), and at least every BOARD_REUSE_S seconds
# (on PostgreSQL a write can commit after one with a later audit id). Per worker process.
BOARD_REUSE_S = 10


@dataclass(frozen=True)
class _Snapshot:
    version: int
    minute: int
    computed_at: datetime
    rows: list[dict[str, Any]]
    ward: Ward


def _compute_rows(session: Session, now: datetime) -> tuple[list[dict[str, Any]], Ward]:
    ward = default_ward(session)
    entries = ward_board(session, ward, now)
    rows = [board_row(entry, ward, now) for entry in entries]
    return sorted(rows, key=lambda r: (-r["acuity"], _bed_key(r["bed"]))), ward


def board_rows(now: datetime | None = None) -> tuple[list[dict[str, Any]], Ward]:
    """The board's rows, most acute first. At the clock's ``now`` (the default) the rows are
    reused while nothing was written, within the minute and BOARD_REUSE_S; an explicit
    ``now`` always works them out."""
    if now is not None:
        with read_session(engine()) as session:
            return _compute_rows(session, now)
    now = utcnow()
    cache: dict[str, _Snapshot] = flask.current_app.extensions.setdefault("tw_board", {})
    # Read before the rows: a write landing in between makes the next refresh work them out
    # again, never the reverse.
    version, minute = data_version(engine()), int(now.timestamp() // 60)
    kept = cache.get("board")
    if (
        kept is not None
        and kept.version == version
        and kept.minute == minute
        and timedelta(0) <= now - kept.computed_at < timedelta(seconds=BOARD_REUSE_S)
    ):
        return kept.rows, kept.ward
    with read_session(engine()) as session:
        rows, ward = _compute_rows(session, now)
    cache["board"] = _Snapshot(version, minute, now, rows, ward)
    return rows, ward


def row_transaction(
    old_rows: list[dict[str, Any]] | None, new_rows: list[dict[str, Any]]
) -> dict[str, Any] | None:
    """The AG Grid transaction turning ``old_rows`` into ``new_rows`` (rows keyed by admission
    id), or None when nothing changed."""
    old = {r[_ROW_KEY]: r for r in old_rows or []}
    new = {r[_ROW_KEY]: r for r in new_rows}
    add = [r for k, r in new.items() if k not in old]
    update = [r for k, r in new.items() if k in old and old[k] != r]
    remove = [{_ROW_KEY: k} for k in old if k not in new]
    if not (add or update or remove):
        return None
    return {"add": add, "update": update, "remove": remove, "async": False}


def _summary(rows: list[dict[str, Any]], ward: Ward, now: datetime) -> list[Any]:
    tz = ZoneInfo(ward.timezone)
    flagged = sum(1 for r in rows if r["flags"])
    overdue = sum(
        1 for r in rows if r["next_dose_overdue"] or r["assessment_overdue"] or r["vitals_overdue"]
    )
    return [
        html.Span(f"{len(rows)} patients", className="tw-board-count"),
        html.Span(f"{overdue} with something overdue", className="tw-board-count"),
        html.Span(f"{flagged} with flags to see", className="tw-board-count"),
        html.Span(f"Updated {now.astimezone(tz):%H:%M:%S}", className="tw-board-updated"),
    ]


def layout(**_: Any) -> html.Div:
    actor = current_actor()
    now = utcnow()
    rows, ward = board_rows()
    admit_button = (
        dmc.Button("Admit patient", id="board-admit-open", size="md", variant="filled")
        if actor.role in charting_admit.ADMIT_ROLES
        else html.Span()
    )
    return html.Div(
        [
            html.Div(
                [
                    dmc.Title("Ward board", order=2, className="tw-page-title"),
                    html.Div(
                        _summary(rows, ward, now), id="board-summary", className="tw-board-summary"
                    ),
                    dmc.TextInput(
                        id="board-filter",
                        placeholder="Filter: bed, name, MRN, drug…",
                        size="md",
                        w=320,
                        debounce=150,
                        **{"aria-label": "Filter the board"},
                    ),
                    admit_button,
                ],
                className="tw-board-head",
            ),
            dag.AgGrid(
                id=GRID_ID,
                columnDefs=COLUMNS,
                rowData=rows,
                getRowId=f"params.data.{_ROW_KEY}",
                defaultColDef={
                    "sortable": True,
                    "filter": True,
                    "resizable": True,
                    "suppressHeaderMenuButton": False,
                },
                dashGridOptions={
                    "rowHeight": 58,
                    "headerHeight": 44,
                    "animateRows": False,
                    "suppressCellFocus": False,
                    "tooltipShowDelay": 300,
                    "includeHiddenColumnsInQuickFilter": True,
                },
                eventListeners={"cellKeyDown": ["TwOpenPatientOnEnter(params)"]},
                className="ag-theme-quartz tw-board-grid",
                style={"height": "calc(100vh - 150px)", "minHeight": "420px"},
            ),
            dcc.Interval(id="board-refresh", interval=REFRESH_MS),
            dcc.Store(id="board-nav"),
            charting_admit.admit_modal(),
        ],
        className="tw-board",
    )


def register_callbacks(app: Dash) -> None:
    @app.callback(
        Output(GRID_ID, "rowTransaction"),
        Output("board-summary", "children"),
        Input("board-refresh", "n_intervals"),
        State(GRID_ID, "rowData"),
        prevent_initial_call=True,
    )
    def refresh_board(_: int | None, shown: list[dict[str, Any]] | None) -> tuple[Any, Any]:
        current_actor()
        now = utcnow()
        rows, ward = board_rows()
        transaction = row_transaction(shown, rows)
        # Plain JSON throughout: the answer stays on orjson's fast path (dashboard.plain_json).
        return (transaction if transaction else no_update), plain(_summary(rows, ward, now))

    @app.callback(
        Output(GRID_ID, "dashGridOptions"),
        Input("board-filter", "value"),
        prevent_initial_call=True,
    )
    def filter_board(text: str | None) -> Patch:
        current_actor()
        options = Patch()
        options["quickFilterText"] = text or ""
        return options

    app.clientside_callback(  # type: ignore[no-untyped-call]
        """function (cell) {
            if (!cell || cell.rowId === undefined || cell.rowId === null) {
                return window.dash_clientside.no_update;
            }
            window.TwNavigate('/patient/' + cell.rowId);
            return window.dash_clientside.no_update;
        }""",
        Output("board-nav", "data"),
        Input(GRID_ID, "cellClicked"),
        prevent_initial_call=True,
    )
    charting_admit.register_callbacks(app)
