"""Every modal's closing row: Cancel, then the modal's own action, at the right."""

from __future__ import annotations

import dash_mantine_components as dmc

from dashboard.i18n import _


def modal_buttons(cancel_id: str, action: dmc.Button) -> dmc.Group:
    return dmc.Group(
        [dmc.Button(_("Cancel"), id=cancel_id, variant="default", size="md"), action],
        justify="flex-end",
    )
