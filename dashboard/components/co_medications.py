"""Other CNS depressants on the patient page: a standing banner while any is recorded (for an
opioid, the FDA boxed warning [S69] and the naloxone check [S70]), and the dialog where a
physician keeps the list and a nurse or physician records the naloxone check
(models.co_medications)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.components.charting_common import attrs
from dashboard.components.citations import cited
from dashboard.context import engine, require_role
from dashboard.i18n import N_, _
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback
from models.clinical.sedation import CNS_DEPRESSANT_CLASSES, NALOXONE_STATUSES
from models.co_medications import (
    EDIT_ROLES,
    NALOXONE_ROLES,
    DepressantWarning,
    add_co_medication,
    record_naloxone,
    stop_co_medication,
)
from models.tables import CoMedication
from models.types import utcnow

OPEN_ROLES = tuple(dict.fromkeys((*EDIT_ROLES, *NALOXONE_ROLES)))

# models.clinical.sedation's words, marked for translation; tests/dashboard/
# test_co_medication_words.py checks they are the clinical module's words exactly.
# The classes (CNS_DEPRESSANT_CLASSES) in the dialog, and in short in the warning's list.
CLASS_WORDS: dict[str, str] = {
    "opioid": N_("Opioid (incl. methadone, buprenorphine)"),
    "gabapentinoid": N_("Gabapentinoid (gabapentin, pregabalin)"),
    "z_drug": N_("Z-drug (zolpidem, zopiclone)"),
    "alcohol": N_("Alcohol"),
    "other": N_("Other CNS depressant"),
}
CLASS_SHORT_WORDS: dict[str, str] = {
    "opioid": N_("opioid"),
    "gabapentinoid": N_("gabapentinoid"),
    "z_drug": N_("z-drug"),
    "alcohol": N_("alcohol"),
    "other": N_("other cns depressant"),
}
NALOXONE_WORDS: dict[str, str] = {  # NALOXONE_STATUSES
    "supplied": N_("Naloxone supplied"),
    "offered": N_("Naloxone offered"),
    "declined": N_("Naloxone offered, declined"),
}
OPIOID_WORDS = N_(  # OPIOID_WARNING
    "Opioids with benzodiazepines can cause profound sedation, respiratory depression, coma "
    "and death (FDA boxed warning) [S69]"
)
NALOXONE_ADVICE_WORDS = N_(  # NALOXONE_ADVICE
    "Offer naloxone to a patient prescribed an opioid and a benzodiazepine [S70]"
)


def depressant_text(warning: DepressantWarning) -> str:
    """The warning (models.co_medications.DepressantWarning.text) in the reader's language,
    from its plain data: in English word for word the domain's text."""
    items = "; ".join(
        _(
            "{medicine} ({kind})",
            medicine=f"{name} {detail}" if detail else name,
            kind=_(CLASS_SHORT_WORDS[drug_class]),
        )
        for name, detail, drug_class in warning.medicines
    )
    parts = [_("Other CNS depressants: {items}.", items=items)]
    if warning.opioid:
        parts.append(_(OPIOID_WORDS) + ".")
        if warning.naloxone is None:
            parts.append(_("Naloxone not recorded yet: {advice}.", advice=_(NALOXONE_ADVICE_WORDS)))
        else:
            parts.append(_(NALOXONE_WORDS[warning.naloxone]) + ".")
    return " ".join(parts)


def warning_banner(warning: DepressantWarning | None) -> Any:
    """The standing banner under the patient's name; nothing while none is recorded."""
    if warning is None:
        return html.Div(id="patient-depressants")
    return html.Div(
        ["⚠ ", *cited(depressant_text(warning))],
        id="patient-depressants",
        className="tw-mar-warning tw-depressant-banner",
        role="note",
        **attrs(data_opioid="true" if warning.opioid else "false"),
    )


def edit_button() -> dmc.Button:
    return dmc.Button(
        _("CNS depressants…"), id="comed-open", variant="outline", color="grape", size="sm"
    )


def _row(row: CoMedication, can_edit: bool) -> html.Tr:
    label = _(CLASS_WORDS[row.drug_class]).split(" (")[0]
    action: Any = ""
    if can_edit:
        action = dmc.Button(
            _("Stop"), id={"type": "comed-stop", "id": row.id}, variant="subtle", size="xs"
        )
    return html.Tr([html.Td(row.name), html.Td(row.detail), html.Td(label), html.Td(action)])


def edit_modal(
    admission_id: int,
    rows: Sequence[CoMedication],
    *,
    role: str,
    opioid: bool,
    naloxone: str | None,
) -> dmc.Modal:
    can_edit = role in EDIT_ROLES
    listed: Any = (
        html.Table(
            [
                html.Thead(
                    html.Tr([html.Th(h) for h in (_("Medicine"), _("Details"), _("Class"), "")])
                ),
                html.Tbody([_row(r, can_edit) for r in rows]),
            ],
            className="tw-table",
        )
        if rows
        else html.Div(_("None recorded."), className="tw-muted")
    )
    parts: list[Any] = [listed]
    if can_edit:
        parts += [
            dmc.TextInput(
                id="comed-stop-reason",
                label=_("Reason, when stopping one"),
                placeholder=_("e.g. finished, recorded in error"),
                size="md",
            ),
            html.Div(id="comed-stop-message", className="tw-form-message", role="alert"),
            html.Div(_("Add one"), className="tw-section-title"),
            dmc.Select(
                id="comed-class",
                label=_("Class"),
                data=[{"value": k, "label": _(CLASS_WORDS[k])} for k in CNS_DEPRESSANT_CLASSES],
                size="md",
            ),
            dmc.TextInput(id="comed-name", label=_("Medicine"), size="md", autoComplete="off"),
            dmc.TextInput(
                id="comed-detail",
                label=_("Details (dose, prescriber)"),
                size="md",
                autoComplete="off",
            ),
            dmc.Button(_("Add"), id="comed-add", size="md"),
            html.Div(id="comed-add-message", className="tw-form-message", role="alert"),
        ]
    if opioid:
        parts += [
            html.Div(_("Naloxone (an opioid is on board)"), className="tw-section-title"),
            dmc.Text(cited(_("ASAM: offer naloxone to a patient on both [S70].")), size="sm"),
            dmc.Select(
                id="comed-naloxone",
                label=_("Naloxone"),
                data=[{"value": k, "label": _(NALOXONE_WORDS[k])} for k in NALOXONE_STATUSES],
                value=naloxone,
                size="md",
            ),
            dmc.Button(_("Record naloxone"), id="comed-naloxone-save", size="md"),
            html.Div(id="comed-naloxone-message", className="tw-form-message", role="alert"),
        ]
    parts += [
        dcc.Store(id="comed-admission", data=admission_id),
    ]
    return dmc.Modal(
        id="comed-modal",
        title=_("Other CNS depressants"),
        opened=False,
        size="lg",
        children=dmc.Stack(parts, gap="sm"),
    )


def _answer(message_id: str) -> dict[str, Output]:
    """A write's outputs: its message line, and the patient page's reload once it is saved."""
    return {
        "message": Output(message_id, "children"),
        "reload": Output("patient-reload", "data", allow_duplicate=True),
    }


def _done(outcome: object) -> dict[str, Any]:
    if isinstance(outcome, Refusal):
        return {"message": outcome.message, "reload": no_update}
    return {"message": "", "reload": utcnow().isoformat()}


@callback(
    output={"opened": Output("comed-modal", "opened")},
    inputs={"clicks": Input("comed-open", "n_clicks")},
    prevent_initial_call=True,
)
def open_modal(clicks: int | None) -> dict[str, bool]:
    require_role(*OPEN_ROLES)
    if not clicks:
        raise PreventUpdate
    return {"opened": True}


@callback(
    output=_answer("comed-add-message"),
    inputs={
        "clicks": Input("comed-add", "n_clicks"),
        "admission_id": State("comed-admission", "data"),
        "drug_class": State("comed-class", "value"),
        "name": State("comed-name", "value"),
        "detail": State("comed-detail", "value"),
    },
    prevent_initial_call=True,
)
def add(
    clicks: int | None, admission_id: Any, drug_class: Any, name: Any, detail: Any
) -> dict[str, Any]:
    actor = require_role(*EDIT_ROLES)
    if not clicks or not isinstance(admission_id, int):
        raise PreventUpdate

    def write(session: Session) -> CoMedication:
        return add_co_medication(
            session=session,
            actor=actor,
            admission_id=admission_id,
            drug_class=drug_class,
            name=name,
            detail=detail or "",
            now=utcnow(),
        )

    return _done(attempt(engine(), write))


@callback(
    output=_answer("comed-stop-message"),
    inputs={
        "clicks": Input({"type": "comed-stop", "id": ALL}, "n_clicks"),
        "reason": State("comed-stop-reason", "value"),
    },
    prevent_initial_call=True,
)
def stop(clicks: list[int | None], reason: Any) -> dict[str, Any]:
    actor = require_role(*EDIT_ROLES)
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    row_id = int(ctx.triggered_id["id"])

    def write(session: Session) -> CoMedication:
        return stop_co_medication(
            session=session, actor=actor, co_medication_id=row_id, reason=reason, now=utcnow()
        )

    return _done(attempt(engine(), write))


@callback(
    output=_answer("comed-naloxone-message"),
    inputs={
        "clicks": Input("comed-naloxone-save", "n_clicks"),
        "admission_id": State("comed-admission", "data"),
        "status": State("comed-naloxone", "value"),
    },
    prevent_initial_call=True,
)
def naloxone(clicks: int | None, admission_id: Any, status: Any) -> dict[str, Any]:
    actor = require_role(*NALOXONE_ROLES)
    if not clicks or not isinstance(admission_id, int):
        raise PreventUpdate

    def write(session: Session) -> object:
        return record_naloxone(
            session=session,
            actor=actor,
            admission_id=admission_id,
            status=status,
            now=utcnow(),
        )

    return _done(attempt(engine(), write))
