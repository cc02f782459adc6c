"""The ward board: one row per admitted patient."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Dash, html
from sqlmodel import Session

from dashboard.context import current_actor, default_ward, engine
from models.types import utcnow

PATH = "/"
TITLE = "Ward board"

COLUMNS: list[dict[str, Any]] = [
    {"field": "bed", "headerName": "Bed", "width": 90},
    {"field": "name", "headerName": "Patient", "flex": 2},
    {"field": "mrn", "headerName": "MRN", "width": 120},
    {"field": "day", "headerName": "Day", "width": 80, "type": "numericColumn"},
    {"field": "drug", "headerName": "Drug", "flex": 1},
    {"field": "baseline_mg", "headerName": "Admission dose (mg/day)", "flex": 1},
]


def board_rows() -> list[dict[str, Any]]:
    from dashboard.queries import admitted_patients

    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        patients = admitted_patients(session, ward)
    return [
        {
            "admission_id": p.admission_id,
            "bed": p.bed,
            "name": p.name,
            "mrn": p.mrn,
            "day": (now - p.admitted_at).days + 1,
            "drug": p.drug,
            "baseline_mg": p.baseline_daily_ug / 1000,
        }
        for p in patients
    ]


def layout(**_: Any) -> html.Div:
    current_actor()
    return html.Div(
        [
            dmc.Title("Ward board", order=2, className="tw-page-title"),
            dag.AgGrid(
                id="board-grid",
                columnDefs=COLUMNS,
                rowData=board_rows(),
                getRowId="params.data.admission_id",
                defaultColDef={"sortable": True, "filter": True, "resizable": True},
                dashGridOptions={"domLayout": "autoHeight", "rowHeight": 44},
                className="ag-theme-quartz",
            ),
        ]
    )


def register_callbacks(app: Dash) -> None:
    """The full board (charting issue) adds refresh and row-open callbacks here."""
