"""The ward board: one row per admitted patient, most acute first; a row opens the patient.

The board is plain HTML made on the server: a table on a wide screen, sortable by its column
headers, and the same rows laid out as cards on a narrow one (assets/board.css; one markup, so
nothing jumps when a tablet turns). Every 30 s, after the filter changes or a header is
pressed, the rows are read again (reused while nothing was written: ``board_rows``) and sent
only when what is shown changed.

The rows and their caching are components/board_rows.py, their markup components/board_markup.py;
this module is the page's layout and its one callback.
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard.components import charting_admit
from dashboard.components.board_markup import (
    board_summary,
    column_header,
    rendered,
    shown_digest,
    table_body,
    updated_note,
)
from dashboard.components.board_rows import (
    COLUMNS,
    DEFAULT_SORT,
    SORTABLE,
    aria_sort,
    board_rows,
    pressed_sort,
    sort_rows,
    valid_sort,
)
from dashboard.context import current_actor
from dashboard.i18n import _
from dashboard.plain_json import plain
from dashboard.registry import callback, register_page
from models.types import utcnow

register_page(__name__, path="/", title="Ward board")
REFRESH_MS = 30_000
TABLE_ID = "board-table"
BODY_ID = "board-body"


def layout(**_query: Any) -> html.Div:
    actor = current_actor()
    now = utcnow()
    rows, ward = board_rows()
    sort = dict(DEFAULT_SORT)
    shown = sort_rows(rows, sort)
    admit_button = (
        dmc.Button(_("Admit patient"), id="board-admit-open", size="md", variant="filled")
        if actor.role in charting_admit.ADMIT_ROLES
        else html.Span()
    )
    return html.Div(
        [
            html.Div(
                [
                    dmc.Title(_("Ward board"), order=2, className="tw-page-title"),
                    html.Div(
                        board_summary(rows, ward, now),
                        id="board-summary",
                        className="tw-board-summary",
                    ),
                    dmc.TextInput(
                        id="board-filter",
                        placeholder=_("Filter: bed, name, MRN, drug…"),
                        size="md",
                        className="tw-board-filter",
                        debounce=150,
                        **{"aria-label": _("Filter the board")},
                    ),
                    admit_button,
                ],
                className="tw-board-head",
            ),
            html.Table(
                [
                    html.Caption(
                        _("Patients on the ward; a row opens the patient"), className="tw-sr-only"
                    ),
                    html.Thead(html.Tr([column_header(c, sort) for c in COLUMNS])),
                    html.Tbody(table_body(shown, ""), id=BODY_ID),
                ],
                id=TABLE_ID,
                className="tw-board-table",
            ),
            dcc.Interval(id="board-refresh", interval=REFRESH_MS),
            dcc.Store(id="board-sort", data=sort),
            dcc.Store(id="board-shown", data=shown_digest(shown, "", sort)),
            charting_admit.admit_modal(),
        ],
        className="tw-board",
    )


@callback(
    output={
        "body": Output(BODY_ID, "children"),
        "summary": Output("board-summary", "children"),
        "sort": Output("board-sort", "data"),
        "shown": Output("board-shown", "data"),
        "aria": {k: Output(f"board-th-{k}", "aria-sort") for k in SORTABLE},
    },
    inputs={
        "tick": Input("board-refresh", "n_intervals"),
        "text": Input("board-filter", "value"),
        "presses": {k: Input(f"board-sort-{k}", "n_clicks") for k in SORTABLE},
        "sort": State("board-sort", "data"),
        "was_shown": State("board-shown", "data"),
    },
    prevent_initial_call=True,
)
def refresh_board(
    tick: Any, text: Any, presses: dict[str, Any], sort: Any, was_shown: Any
) -> dict[str, Any]:
    current_actor()
    now = utcnow()
    text = text if isinstance(text, str) else ""
    sort = valid_sort(sort)
    pressed = ctx.triggered_id
    if isinstance(pressed, str) and pressed.startswith("board-sort-"):
        key = pressed.removeprefix("board-sort-")
        if key in SORTABLE and presses.get(key):
            sort = pressed_sort(sort, key)
    rows, ward = board_rows()
    shown = rendered(rows, text, sort)
    changed = shown.digest != was_shown
    return {
        "body": shown.body if changed else no_update,
        "summary": [*shown.counts, plain(updated_note(ward, now))],
        "sort": sort,
        "shown": shown.digest if changed else no_update,
        "aria": aria_sort(sort),
    }
