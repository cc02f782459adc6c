"""The patient overview: taper and symptoms on one time axis, and the taper plan panel.

Owned by the rounds work (issue 5); the patient page (dashboard/pages/patient.py) shows
``overview()`` in its first tab and calls ``register_callbacks(app)`` once.
"""

from __future__ import annotations

from dash import Dash, html


def overview(admission_id: int, at: str | None = None) -> html.Div:
    return html.Div(id="patient-overview", **{"data-admission": str(admission_id)})


def register_callbacks(app: Dash) -> None:
    return None
