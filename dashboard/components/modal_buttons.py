"""Every modal's closing row: Cancel, then the modal's own action, at the right; and the
answer of a modal opened by one button and closed by its Cancel."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import ctx
from dash.exceptions import PreventUpdate

from dashboard.i18n import _


def modal_buttons(cancel_id: str, action: dmc.Button) -> dmc.Group:
    return dmc.Group(
        [dmc.Button(_("Cancel"), id=cancel_id, variant="default", size="md"), action],
        justify="flex-end",
    )


def opened_by(open_id: str, open_clicks: int | None) -> bool:
    """Whether the modal is open after a press of its open button (``open_id``) or its Cancel:
    open after the first, closed after the second. The open button appearing (no click yet)
    changes nothing."""
    opening = bool(ctx.triggered_id == open_id)
    if opening and not open_clicks:
        raise PreventUpdate
    return opening
