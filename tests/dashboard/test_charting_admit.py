"""Admission from the board (MRN look-up or a new patient; every problem shown at its field at
once, nothing half-written) and discharge from the patient page."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.components.charting_admit import ADMIT_FIELDS
from models.tables import Admission, AuditEvent, Patient, ScheduledDose
from tests.dashboard.charting_fixtures import actors, admit_patient, call, signed_in

FORM = {
    "admit-mrn": "tw900",
    "admit-family": "Lind",
    "admit-given": "Maja",
    "admit-birth": "1984-02-29",
    "admit-sex": "female",
    "admit-bed": "b7",
    "admit-attending": None,  # filled with the physician's id
    "admit-drug": "alprazolam",
    "admit-dose": "1.5",
    "admit-history": "Alprazolam 1.5 mg/day for 6 years.",
}


def _save(app: dash.Dash, client: Any, form: dict[str, Any]) -> dict[str, Any]:
    values = {f"{k}.value": v for k, v in form.items()}
    return call(
        client,
        app,
        "admit-done.data",
        {**values, "admit-save.n_clicks": 1},
        changed=["admit-save.n_clicks"],
    )


def _counts(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        return (
            int(session.exec(select(func.count()).select_from(Patient)).one()),
            int(session.exec(select(func.count()).select_from(Admission)).one()),
            int(session.exec(select(func.count()).select_from(AuditEvent)).one()),
        )


def test_every_problem_is_shown_at_its_field_at_once_and_nothing_is_written(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    client = signed_in(app, "nurse1")
    before = _counts(sqlite_engine)
    blank = dict.fromkeys(FORM, "") | {
        "admit-sex": None,
        "admit-attending": None,
        "admit-drug": None,
    }
    answer = _save(app, client, blank)
    refused = {fid for fid in ADMIT_FIELDS if answer[fid]["error"]}
    # MRN, names, birth date, sex, bed, attending, drug, dose (a confirmation is optional)
    assert refused == set(ADMIT_FIELDS) - {"admit-confirm"}
    assert answer["admit-message"]["children"].startswith("Not saved")
    assert "admit-done" not in answer
    assert _counts(sqlite_engine) == before


def test_an_admission_dose_above_the_label_is_confirmed_only_by_a_physician(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    physician = actors(sqlite_engine)["doctor1"]
    high = FORM | {
        "admit-attending": str(physician.user_id),
        "admit-dose": "12",  # alprazolam: above the label maximum of 10 mg a day
        "admit-confirm": "Verified with the GP",
    }
    refused = _save(app, signed_in(app, "nurse1"), high)
    assert "Only a physician can confirm" in refused["admit-confirm"]["error"]
    assert _save(app, signed_in(app, "nurse1"), high | {"admit-dose": "400"})["admit-dose"][
        "error"
    ].startswith("Alprazolam 400 mg a day is 8000 mg diazepam-equivalent")
    saved = _save(app, signed_in(app, "doctor1"), high)
    with Session(sqlite_engine) as session:
        admission = session.get(Admission, int(saved["admit-done"]["data"].rsplit("/", 1)[1]))
        assert admission is not None
        assert admission.dose_confirm_reason == "Verified with the GP"
        assert admission.dose_confirmed_by == physician.user_id


def test_a_new_patient_is_admitted_and_the_page_opens(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    client = signed_in(app, "nurse1")
    physician = actors(sqlite_engine)["doctor1"]
    answer = _save(app, client, FORM | {"admit-attending": str(physician.user_id)})
    path = answer["admit-done"]["data"]
    assert path.startswith("/patient/")
    with Session(sqlite_engine) as session:
        admission = session.get(Admission, int(path.rsplit("/", 1)[1]))
        assert admission is not None
        patient = session.get(Patient, admission.patient_id)
        assert patient is not None and patient.mrn == "TW900"
        assert patient.birth_date == date(1984, 2, 29)
        assert (admission.bed, admission.baseline_drug, admission.baseline_daily_ug) == (
            "B7",
            "alprazolam",
            1500,
        )
        actions = {e.action for e in session.exec(select(AuditEvent)).all()}
    assert {"patient.create", "admission.create"} <= actions


def test_a_bad_dose_alone_is_refused_at_the_dose(app: dash.Dash, sqlite_engine: Engine) -> None:
    client = signed_in(app, "nurse1")
    before = _counts(sqlite_engine)
    physician = actors(sqlite_engine)["doctor1"]
    answer = _save(
        app, client, FORM | {"admit-attending": str(physician.user_id), "admit-dose": "1.3"}
    )  # not whole 0.125 mg units
    assert "0.125 mg" in answer["admit-dose"]["error"]
    assert answer["admit-mrn"]["error"] is None
    assert _counts(sqlite_engine) == before


def test_mrn_look_up_fills_a_known_patient(app: dash.Dash, sqlite_engine: Engine) -> None:
    admit_patient(sqlite_engine, mrn="TW1", bed="B1")
    client = signed_in(app, "nurse1")
    known = call(
        client,
        app,
        "admit-lookup.children",
        {"admit-mrn.value": " tw1 "},
        changed=["admit-mrn.value"],
    )
    assert known["admit-family"]["value"] == "Roe" and known["admit-birth"]["value"] == "1970-05-01"
    assert "already admitted in bed B1" in known["admit-lookup"]["children"]
    unknown = call(
        client,
        app,
        "admit-lookup.children",
        {"admit-mrn.value": "TW404"},
        changed=["admit-mrn.value"],
    )
    assert "new record" in unknown["admit-lookup"]["children"]


def test_discharge_closes_the_mar_and_reloads_the_page_read_only(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")
    bad = call(
        client,
        app,
        "discharge-message.children",
        {
            "discharge-confirm.n_clicks": 1,
            "discharge-admission.data": stay.admission_id,
            "discharge-time.value": "99:99",
        },
        changed=["discharge-confirm.n_clicks"],
    )
    assert bad["discharge-message"]["children"].startswith("Not saved")
    answer = call(
        client,
        app,
        "discharge-message.children",
        {
            "discharge-confirm.n_clicks": 2,
            "discharge-admission.data": stay.admission_id,
            "discharge-time.value": "",
        },
        changed=["discharge-confirm.n_clicks"],
    )
    assert answer["discharge-modal"]["opened"] is False and answer["patient-reload"]["data"]
    with Session(sqlite_engine) as session:
        admission = session.get(Admission, stay.admission_id)
        assert admission is not None and admission.discharged_at is not None
        live_future = session.exec(
            select(func.count())
            .select_from(ScheduledDose)
            .where(
                ScheduledDose.admission_id == stay.admission_id,
                col(ScheduledDose.cancelled_at).is_(None),
                col(ScheduledDose.scheduled_at) > admission.discharged_at,
            )
        ).one()
        assert live_future == 0
        assert (
            session.exec(select(AuditEvent).where(AuditEvent.action == "admission.discharge"))
            .one()
            .actor
            == "nurse1"
        )


def test_the_admit_modal_opens_at_its_button_and_closes_at_cancel(app: dash.Dash) -> None:
    """Its open/cancel toggle (modal_buttons.opened_by): the button appearing without a click
    (the board drawn again) leaves the modal as it is."""
    client = signed_in(app, "nurse1")

    def toggle(changed: str, clicks: int | None, status: int = 200) -> Any:
        answer = call(
            client,
            app,
            "admit-modal.opened",
            {"board-admit-open.n_clicks": clicks, "admit-cancel.n_clicks": 1},
            changed=[changed],
            status=status,
        )
        return answer.get("admit-modal", {}).get("opened")

    assert toggle("board-admit-open.n_clicks", 1) is True
    assert toggle("admit-cancel.n_clicks", 1) is False
    assert toggle("board-admit-open.n_clicks", None, status=204) is None
