"""A patient's printable sheets (/patient/<admission_id>/print): the taper plan, the MAR for the
next days with blank columns to chart in, and a CIWA-B grid; the downtime pack for one bed.

Dash tries page templates in module-name order and "/patient/<admission_id>" also matches
"/patient/3/print", so this module's name must sort before dashboard.pages.patient ("paper" <
"patient"); a test checks the route.
"""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc

from dashboard.context import current_actor
from dashboard.i18n import _
from dashboard.pages.print_patient import patient_sheets
from dashboard.registry import register_page

register_page(__name__, path_template="/patient/<admission_id>/print", title="Patient sheets")


def layout(admission_id: str = "", **_query: Any) -> Any:
    actor = current_actor()
    if not admission_id.isdigit():
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    return patient_sheets(actor, int(admission_id))
