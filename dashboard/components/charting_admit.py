"""Admission, from the ward board: look the patient up by MRN or enter a new one, then bed,
attending, drug and baseline dose; every field is checked at once by ``models.admissions.admit``
and refusals are shown at their fields. Discharge: charting_discharge; a physician's
confirmation of an admission dose above the label maximum: charting_dose_confirm.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html, no_update
from sqlalchemy import true
from sqlmodel import Session, col, select

from dashboard.components.charting_common import SEX_WORDS, typed_number
from dashboard.components.modal_buttons import modal_buttons, opened_by
from dashboard.components.text_box import text_box
from dashboard.context import default_ward, engine, require_role
from dashboard.i18n import _, language
from dashboard.refusals import Refusal, attempt
from dashboard.registry import callback, clientside_callback
from models.admissions import (
    admit,
    current_admission,
    find_patient,
)
from models.audit import Actor
from models.clinical.drugs import DRUGS, mg_to_ug
from models.db import read_session
from models.errors import FieldError, ValidationFailed
from models.tables import SEXES, Admission, User
from models.types import utcnow

ADMIT_ROLES = ("nurse", "physician", "admin")


# Form field -> the domain's field name (FieldError.field).
ADMIT_FIELDS: dict[str, str] = {
    "admit-mrn": "mrn",
    "admit-family": "family_name",
    "admit-given": "given_name",
    "admit-birth": "birth_date",
    "admit-sex": "sex",
    "admit-bed": "bed",
    "admit-attending": "attending_id",
    "admit-drug": "drug",
    "admit-dose": "daily_mg",
    "admit-confirm": "dose_confirm_reason",
}


def physicians(session: Session) -> list[dict[str, str]]:
    users = session.exec(
        select(User)
        .where(User.role == "physician", col(User.active) == true())
        .order_by(col(User.display_name))
    ).all()
    return [{"value": str(u.id), "label": u.display_name} for u in users]


def admit_modal() -> dmc.Modal:
    with read_session(engine()) as session:
        attending = physicians(session)
    drugs = [{"value": name, "label": name} for name in DRUGS]
    sexes = [{"value": s, "label": _(SEX_WORDS.get(s, s))} for s in SEXES]
    return dmc.Modal(
        id="admit-modal",
        title=_("Admit a patient"),
        size="lg",
        opened=False,
        children=[
            dmc.Stack(
                [
                    dmc.TextInput(
                        id="admit-mrn",
                        label=_("MRN"),
                        description=_("Type the MRN and press Enter to look the patient up"),
                        size="md",
                        debounce=True,
                        **{"data-autofocus": True},
                    ),
                    html.Div(id="admit-lookup", className="tw-form-note"),
                    dmc.Group(
                        [
                            dmc.TextInput(
                                id="admit-family", label=_("Family name"), size="md", flex=1
                            ),
                            dmc.TextInput(
                                id="admit-given", label=_("Given name"), size="md", flex=1
                            ),
                        ],
                        grow=True,
                        align="flex-start",
                    ),
                    dmc.Group(
                        [
                            dmc.TextInput(
                                id="admit-birth",
                                label=_("Date of birth"),
                                # TRANSLATORS: the date format typed (French: AAAA-MM-JJ).
                                placeholder=_("YYYY-MM-DD"),
                                size="md",
                                flex=1,
                            ),
                            dmc.Select(
                                id="admit-sex", label=_("Sex"), data=sexes, size="md", flex=1
                            ),
                            dmc.TextInput(id="admit-bed", label=_("Bed"), size="md", flex=1),
                        ],
                        grow=True,
                        align="flex-start",
                    ),
                    dmc.Select(
                        id="admit-attending",
                        label=_("Attending physician"),
                        data=attending,
                        size="md",
                        searchable=True,
                    ),
                    dmc.Group(
                        [
                            dmc.Select(
                                id="admit-drug",
                                label=_("Benzodiazepine"),
                                data=drugs,
                                size="md",
                                flex=1,
                            ),
                            dmc.TextInput(
                                id="admit-dose",
                                label=_("Baseline daily dose (mg)"),
                                placeholder=_("e.g. {example}", example=2),
                                size="md",
                                flex=1,
                            ),
                        ],
                        grow=True,
                        align="flex-start",
                    ),
                    text_box(
                        "admit-confirm",
                        _("Above the label maximum? A physician's confirmation (reason)"),
                        rows=1,
                        description=_(
                            "Physicians only. A dose above its label maximum is recorded as "
                            "the patient takes it; a physician confirms it here or later on "
                            "the patient page. Above the ward's hard ceiling it is refused."
                        ),
                    ),
                    text_box("admit-history", _("Substance history")),
                    html.Div(id="admit-message", className="tw-form-message", role="alert"),
                    modal_buttons(
                        "admit-cancel", dmc.Button(_("Admit"), id="admit-save", size="md")
                    ),
                ],
                gap="sm",
            ),
            dcc.Store(id="admit-done"),
            dcc.Store(id="admit-nav"),
        ],
    )


def parse_birth_date(text: str | None) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise FieldError("birth_date", _("write the date of birth as YYYY-MM-DD")) from None


def admit_from_form(*, actor: Actor, values: dict[str, Any], now: datetime) -> Admission | Refusal:
    """Admit from the form's raw values; every field problem is reported at once."""
    errors: list[FieldError] = []
    birth: date = date(1900, 1, 1)
    daily_ug = 0
    attending_id = 0
    try:
        birth = parse_birth_date(values.get("birth_date"))
    except FieldError as exc:
        errors.append(exc)
    try:
        typed = typed_number(values.get("daily_mg"), language(), field="daily_mg")
        daily_ug = mg_to_ug(typed or "", field="daily_mg")
    except FieldError as exc:
        errors.append(exc)
    if str(values.get("attending_id") or "").isdigit():
        attending_id = int(values["attending_id"])
    else:
        errors.append(FieldError("attending_id", _("choose the attending physician")))
    if not values.get("drug"):
        errors.append(FieldError("drug", _("choose the benzodiazepine the patient takes")))

    def write(session: Session) -> Admission:
        ward = default_ward(session)
        assert ward.id is not None
        try:
            admission = admit(
                session=session,
                actor=actor,
                ward_id=ward.id,
                mrn=values.get("mrn") or "",
                family_name=values.get("family_name") or "",
                given_name=values.get("given_name") or "",
                birth_date=birth,
                sex=values.get("sex") or "",
                bed=values.get("bed") or "",
                attending_id=attending_id,
                drug=values.get("drug") or "",
                daily_ug=daily_ug,
                admitted_at=now,
                now=now,
                substance_history=values.get("substance_history") or "",
                dose_confirm_reason=values.get("dose_confirm_reason") or None,
            )
        except ValidationFailed as exc:
            # The form's own problems first; the domain's on the other fields after.
            known = {e.field for e in errors}
            raise ValidationFailed(
                errors + [e for e in exc.errors if e.field not in known]
            ) from None
        if errors:  # the domain accepted the stand-in values: roll the admission back
            raise ValidationFailed(errors)
        return admission

    return attempt(engine(), write)


@callback(
    output=Output("admit-modal", "opened"),
    inputs={
        "opened": Input("board-admit-open", "n_clicks"),
        "cancel": Input("admit-cancel", "n_clicks"),
    },
    prevent_initial_call=True,
)
def toggle_admit(opened: int | None, cancel: int | None) -> bool:
    require_role(*ADMIT_ROLES)
    return opened_by("board-admit-open", opened)


_KNOWN_PATIENT = ("family", "given", "birth", "sex")


@callback(
    output={
        "note": Output("admit-lookup", "children"),
        "known": {name: Output(f"admit-{name}", "value") for name in _KNOWN_PATIENT},
    },
    inputs={"mrn": Input("admit-mrn", "value")},
    prevent_initial_call=True,
)
def look_up(mrn: str | None) -> dict[str, Any]:
    """The MRN typed: a known patient's name, birth date and sex filled in."""
    require_role(*ADMIT_ROLES)
    unknown = dict.fromkeys(_KNOWN_PATIENT, no_update)
    if not mrn or not mrn.strip():
        return {"note": "", "known": unknown}
    with read_session(engine()) as session:
        patient = find_patient(session, mrn)
        if patient is None or patient.id is None:
            note = _(
                "No patient with MRN {mrn}: a new record will be made.", mrn=mrn.strip().upper()
            )
            return {"note": note, "known": unknown}
        current = current_admission(session, patient.id)
    name = f"{patient.family_name.upper()}, {patient.given_name}"
    if current is not None:
        note = _(
            "Known patient: {name} — already admitted in bed {bed}", name=name, bed=current.bed
        )
    else:
        note = _("Known patient: {name}", name=name)
    known = (patient.family_name, patient.given_name, patient.birth_date.isoformat(), patient.sex)
    return {"note": note, "known": dict(zip(_KNOWN_PATIENT, known, strict=True))}


@callback(
    output={
        "errors": {name: Output(fid, "error") for fid, name in ADMIT_FIELDS.items()},
        "message": Output("admit-message", "children"),
        "done": Output("admit-done", "data"),
    },
    inputs={
        "clicks": Input("admit-save", "n_clicks"),
        "form": {name: State(fid, "value") for fid, name in ADMIT_FIELDS.items()},
        "history": State("admit-history", "value"),
    },
    prevent_initial_call=True,
)
def save_admission(clicks: int | None, form: dict[str, Any], history: Any) -> dict[str, Any]:
    actor = require_role(*ADMIT_ROLES)
    outcome = admit_from_form(
        actor=actor, values={**form, "substance_history": history}, now=utcnow()
    )
    if isinstance(outcome, Refusal):
        shown = {n for n in ADMIT_FIELDS.values() if outcome.fields.get(n)}
        rest = [m for f, m in outcome.fields.items() if f not in shown]
        message = (
            outcome.message
            if rest or not outcome.fields
            else _("Not saved. Correct the fields marked in red.")
        )
        errors = {name: outcome.fields.get(name) for name in ADMIT_FIELDS.values()}
        return {"errors": errors, "message": message, "done": no_update}
    return {
        "errors": dict.fromkeys(ADMIT_FIELDS.values()),
        "message": "",
        "done": f"/patient/{outcome.id}",
    }


clientside_callback(
    """function (path) {
        if (path) { window.TwNavigate(path); }
        return window.dash_clientside.no_update;
    }""",
    Output("admit-nav", "data"),
    Input("admit-done", "data"),
    prevent_initial_call=True,
)
