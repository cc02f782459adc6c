"""A patient's printable wristband label (/patient/<admission_id>/wristband): the core
identifiers in text, LAST name first, date of birth as DD-Mmm-YYYY [S82], and the MRN as text
and as a Code 128 barcode, which the MAR's scan field reads (components.charting_wristband).
Printed from the record, never handwritten [S82].

The module's name sorts before dashboard.pages.patient ("paper" < "patient"), so Dash tries
this page's route before "/patient/<admission_id>" (see paper_patient).
"""

from __future__ import annotations

import base64
import io
from typing import Any

import barcode
import dash_mantine_components as dmc
from barcode.writer import SVGWriter
from dash import html
from sqlmodel import Session

from dashboard.context import current_actor, engine
from dashboard.i18n import _
from dashboard.pages.print_views import print_bar
from dashboard.registry import register_page
from models.tables import Admission, Patient
from models.wristband import band_birth_date, band_name

register_page(__name__, path_template="/patient/<admission_id>/wristband", title="Wristband label")
# Bar geometry for a band label read by a hand-held scanner (python-barcode's SVG writer, mm).
BARCODE_OPTIONS: dict[str, Any] = {
    "module_width": 0.33,
    "module_height": 11.0,
    "quiet_zone": 3.0,
    "write_text": False,
}


def mrn_barcode_svg(mrn: str) -> bytes:
    """The MRN as a Code 128 barcode, an SVG drawing (no text under it: the label prints the
    MRN beside it)."""
    drawing = barcode.get("code128", mrn, writer=SVGWriter())
    out = io.BytesIO()
    drawing.write(out, options=BARCODE_OPTIONS)
    return out.getvalue()


def barcode_image(mrn: str) -> html.Img:
    data = base64.b64encode(mrn_barcode_svg(mrn)).decode("ascii")
    return html.Img(
        src=f"data:image/svg+xml;base64,{data}",
        alt=_("Barcode of MRN {mrn}", mrn=mrn),
        className="tw-band-barcode",
        id="band-barcode",
    )


def wristband_label(patient: Patient) -> html.Div:
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        band_name(patient.family_name, patient.given_name),
                        className="tw-band-name",
                        id="band-label-name",
                    ),
                    html.Div(
                        # TRANSLATORS: date of birth, on the wristband (the date stays DD-Mmm-YYYY).
                        [
                            html.Span(_("DOB") + " "),
                            html.Strong(band_birth_date(patient.birth_date)),
                        ],
                        className="tw-band-line",
                        id="band-label-dob",
                    ),
                    html.Div(
                        [html.Span(_("MRN") + " "), html.Strong(patient.mrn)],
                        className="tw-band-line",
                        id="band-label-mrn",
                    ),
                ],
                className="tw-band-text",
            ),
            barcode_image(patient.mrn),
        ],
        className="tw-band-label",
        id="band-label",
    )


def layout(admission_id: str = "", **_query: Any) -> Any:
    current_actor()
    if not admission_id.isdigit():
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    with Session(engine()) as session:
        admission = session.get(Admission, int(admission_id))
        patient = session.get(Patient, admission.patient_id) if admission else None
    if admission is None or patient is None:
        return dmc.Alert(_("No such admission."), color="red", id="print-missing")
    return html.Div(
        [
            print_bar(_("Wristband label"), f"/patient/{admission_id}"),
            html.Div(
                [
                    wristband_label(patient),
                    html.P(
                        _(
                            "Check the name and date of birth with the patient (ask them to say "
                            "both) before putting the band on; scan it once on the MAR to check "
                            "that it reads."
                        ),
                        className="tw-print-small tw-no-print",
                    ),
                ],
                className="tw-print tw-band-sheet",
                id="print-wristband",
            ),
        ]
    )
