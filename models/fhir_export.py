"""One admission as a FHIR R4 Bundle (type "collection"), for the hospital's EHR.

Patient, Encounter, vital-sign Observations (vital-signs profile, LOINC + UCUM), each withdrawal
assessment as a QuestionnaireResponse against the scale's Questionnaire plus its total as an
Observation, a MedicationRequest per taper plan version and drug and per PRN order version (as
needed, with its interval and 24-hour maximum), a MedicationAdministration per charted dose
(a PRN dose refers to its order), the sedation scores charted with the vitals (local codes), a
MedicationStatement per other CNS depressant recorded, and a Flag per open review flag. A
discharged stay adds the rest of the taper, what to dispense and the discharge summary
(docs/going-home.md). Codes and systems: models.fhir_codes.

The resources are made in models.fhir_export_observations (vitals, scales, flags),
models.fhir_export_medication (plans, PRN orders, doses) and models.fhir_export_going_home (the
discharge); models.fhir_refs names them and points them at each other.

Every resource is validated by constructing it with fhir.resources (R4B models: see
models.fhir_codes on why not R4). Entry ids are uuid5 of the table and row id, so exporting the
same database twice gives the same bundle. Reads only; auditing the export is the caller's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from sqlmodel import Session, col, select

from models import fhir_codes as codes
from models.clinical.sedation import CNS_DEPRESSANT_CLASSES
from models.errors import FieldError
from models.fhir_export_going_home import discharge_resources
from models.fhir_export_medication import administration, plan_requests, prn_order_requests
from models.fhir_export_observations import (
    assessment_resources,
    flag_resource,
    questionnaire,
    vital_sign_resources,
)
from models.fhir_refs import (
    ExportContext,
    full_url,
    identifier,
    instant,
    ref,
    resource_id,
    validated,
)
from models.tables import (
    Admission,
    CoMedication,
    DoseAdministration,
    Flag,
    Patient,
    ScheduledDose,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)


def export_admission(
    session: Session, admission_id: int, *, now: datetime | None = None
) -> dict[str, Any]:
    """The admission as a Bundle dict (JSON-ready). ``now`` sets Bundle.timestamp; without it
    the same data always gives the same bundle."""
    admission = session.get(Admission, admission_id)
    if admission is None:
        raise FieldError("admission", f"no admission {admission_id}")
    patient = session.get(Patient, admission.patient_id)
    ward = session.get(Ward, admission.ward_id)
    assert patient is not None and ward is not None
    ctx = ExportContext(session, admission)
    entries: list[tuple[str, dict[str, Any]]] = [
        (ctx.patient_key, _patient(patient)),
        (ctx.encounter_key, _encounter(admission, ward, ctx)),
    ]
    plan_entries = plan_requests(session, ctx)
    entries += plan_entries
    entries += prn_order_requests(session, ctx, now)
    for row in _rows(session, VitalSigns, admission_id, VitalSigns.taken_at):
        entries += vital_sign_resources(row, ctx)
    assessments = _rows(session, WithdrawalAssessment, admission_id, WithdrawalAssessment.taken_at)
    for scale in sorted({a.scale for a in assessments}):
        entries.append((f"questionnaire/{scale.lower()}", questionnaire(scale)))
    for assessment in assessments:
        entries += assessment_resources(assessment, ctx)
    doses = _rows(session, DoseAdministration, admission_id, DoseAdministration.administered_at)
    for dose in doses:
        slot = None
        if dose.scheduled_dose_id is not None:
            slot = session.get(ScheduledDose, dose.scheduled_dose_id)
        entries.append((f"dose_administration/{dose.id}", administration(dose, slot, ctx)))
    for co_medication in session.exec(
        select(CoMedication)
        .where(CoMedication.admission_id == admission_id)
        .order_by(col(CoMedication.id))
    ):
        entries.append((f"co_medication/{co_medication.id}", _statement(co_medication, ctx)))
    flags = session.exec(
        select(Flag)
        .where(Flag.admission_id == admission_id, Flag.status == "open")
        .order_by(col(Flag.raised_at), col(Flag.id))
    ).all()
    entries += [(f"flag/{flag.id}", flag_resource(flag, ctx)) for flag in flags]
    entries += discharge_resources(session, ctx, [key for key, _ in plan_entries])
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": resource_id(f"bundle/admission/{admission_id}"),
        "type": "collection",
    }
    if now is not None:
        bundle["timestamp"] = instant(now)
    bundle["entry"] = [
        {"fullUrl": full_url(key), "resource": validated(_with_id(resource, key))}
        for key, resource in entries
    ]
    Bundle.model_validate({**bundle, "entry": []})  # the envelope; each resource is checked above
    return bundle


def _statement(row: CoMedication, ctx: ExportContext) -> dict[str, Any]:
    """Another CNS depressant as a MedicationStatement: the medicine as named (free text: no
    code is asked of the physician), its class a local code, active or stopped with the
    reason, asserted by the physician who recorded it."""
    key = f"co_medication/{row.id}"
    period: dict[str, str] = {"start": instant(row.recorded_at)}
    if row.stopped_at is not None:
        period["end"] = instant(row.stopped_at)
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "identifier": identifier(key),
        "status": "stopped" if row.stopped_at is not None else "active",
        "category": codes.concept(
            codes.LOCAL_CNS_CLASS, row.drug_class, CNS_DEPRESSANT_CLASSES[row.drug_class]
        ),
        "medicationCodeableConcept": {"text": row.name},
        "subject": ref(ctx.patient_key),
        "context": ref(ctx.encounter_key),
        "effectivePeriod": period,
        "dateAsserted": instant(row.recorded_at),
        "informationSource": ctx.name(row.recorded_by),
    }
    if row.detail:
        resource["dosage"] = [{"text": row.detail}]
    if row.stop_reason:
        resource["statusReason"] = [{"text": row.stop_reason}]
    return resource


# The language of every text an exported resource carries (Dosage.text with the tablets in
# words, notes, the discharge summary's narrative): English, whatever the ward's default or a
# reader's language, for the export goes to another system, not to a reader; its coded data
# (UCUM doses, timing, LOINC, SNOMED CT) is what a receiving system words in its own language
# (docs/i18n.md). Resource.language says so to the receiver.
EXPORT_LANGUAGE = "en"


def _with_id(resource: dict[str, Any], key: str) -> dict[str, Any]:
    return {
        "resourceType": resource["resourceType"],
        "id": resource_id(key),
        "language": EXPORT_LANGUAGE,
        **resource,
    }


def _rows(session: Session, model: Any, admission_id: int, time_column: Any) -> list[Any]:
    return list(
        session.exec(
            select(model)
            .where(model.admission_id == admission_id)
            .order_by(col(time_column), col(model.id))
        ).all()
    )


# --- Patient and Encounter ---------------------------------------------------------------------


def _patient(patient: Patient) -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "identifier": [
            {
                "use": "usual",
                "type": codes.concept(codes.IDENTIFIER_TYPE, "MR", "Medical record number"),
                "system": codes.MRN_SYSTEM,
                "value": patient.mrn,
            }
        ],
        "name": [{"use": "official", "family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,  # the same four codes as FHIR administrative-gender
        "birthDate": patient.birth_date.isoformat(),
    }


def encounter_identifiers(admission: Admission) -> list[dict[str, str]]:
    """The EHR's encounter identifier first (when the admission came in through import), then
    Taperwatch's own."""
    out: list[dict[str, str]] = []
    if admission.external_id:
        system, _, value = admission.external_id.rpartition("|")
        out.append({"system": system, "value": value} if system else {"value": value})
    return out + identifier(f"admission/{admission.id}")


def _encounter(admission: Admission, ward: Ward, ctx: ExportContext) -> dict[str, Any]:
    period = {"start": instant(admission.admitted_at)}
    if admission.discharged_at is not None:
        period["end"] = instant(admission.discharged_at)
    return {
        "resourceType": "Encounter",
        "identifier": encounter_identifiers(admission),
        "status": "finished" if admission.discharged_at else "in-progress",
        "class": codes.coding(codes.ACT_CODE, "IMP", "inpatient encounter"),
        "subject": ref(ctx.patient_key),
        "period": period,
        "participant": [
            {
                "type": [codes.concept(codes.PARTICIPATION_TYPE, "ATND", "attender")],
                "individual": ctx.name(admission.attending_id),
            }
        ],
        "location": [
            {
                "location": {"display": ward.name},
                "physicalType": codes.concept(codes.LOCATION_PHYSICAL_TYPE, "wa", "Ward"),
            },
            {
                "location": {"display": admission.bed},
                "physicalType": codes.concept(codes.LOCATION_PHYSICAL_TYPE, "bd", "Bed"),
            },
        ],
    }
