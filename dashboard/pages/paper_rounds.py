"""The printable rounds sheet (/rounds/print): the rounds list on paper, with boxes to decide."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc

from dashboard.context import current_actor
from dashboard.i18n import _
from dashboard.pages.print_rounds import rounds_sheet
from dashboard.registry import register_page

register_page(__name__, path="/rounds/print", title="Rounds sheet")
ROLES = ("physician", "admin")


def layout(scope: str = "mine", **_query: Any) -> Any:
    actor = current_actor()
    if actor.role not in ROLES:
        return dmc.Alert(_("The rounds sheet is for physicians and admins."), color="red")
    return rounds_sheet(actor, scope if scope in ("mine", "all") else "mine")
