"""One admission as a FHIR R4 Bundle (type "collection"), for the hospital's EHR.

Patient, Encounter, vital-sign Observations (vital-signs profile, LOINC + UCUM), each withdrawal
assessment as a QuestionnaireResponse against the scale's Questionnaire plus its total as an
Observation, a MedicationRequest per taper plan version and drug and per PRN order version (as
needed, with its interval and 24-hour maximum), a MedicationAdministration per charted dose
(a PRN dose refers to its order), the sedation scores charted with the vitals (local codes), a
MedicationStatement per other CNS depressant recorded, and a Flag per open review flag. A
discharged stay adds the rest of the taper, what to dispense and the discharge summary
(docs/going-home.md). Codes and systems: models.fhir_codes.

Every resource is validated by constructing it with fhir.resources (R4B models: see
models.fhir_codes on why not R4). Entry ids are uuid5 of the table and row id, so exporting the
same database twice gives the same bundle. Reads only; auditing the export is the caller's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.composition import Composition
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.flag import Flag as FhirFlag
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlmodel import Session, col, select

from models import fhir_codes as codes
from models.charting import REASONS_BY_STATUS
from models.clinical.drugs import format_mg
from models.clinical.scales import CIWA_AR_ITEMS, CIWA_B_ITEMS, ScaleItem, own_anchors
from models.clinical.sedation import (
    CNS_DEPRESSANT_CLASSES,
    POSS_LEVELS,
    RASS_LEVELS,
    SedationLevel,
)
from models.clinical.sources import with_references
from models.clinical.step_tolerance import StepTolerance
from models.clinical.tablets import Dispense, dispense_words
from models.clinical.taper import PlannedStep
from models.errors import FieldError
from models.going_home import GoingHome, StayFacts, going_home, stay_facts, stay_tolerance
from models.plans import stored_steps
from models.tables import (
    Admission,
    CoMedication,
    DoseAdministration,
    Flag,
    Patient,
    PrnOrder,
    ScheduledDose,
    TaperPlan,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)

# The namespace of every exported resource id: uuid5(this, "<table>/<id>[/<part>]").
EXPORT_NAMESPACE = uuid5(NAMESPACE_URL, codes.LOCAL)

_MODELS: dict[str, Any] = {
    "Patient": FhirPatient,
    "Encounter": Encounter,
    "Observation": Observation,
    "Questionnaire": Questionnaire,
    "QuestionnaireResponse": QuestionnaireResponse,
    "MedicationRequest": MedicationRequest,
    "MedicationAdministration": MedicationAdministration,
    "MedicationStatement": MedicationStatement,
    "Flag": FhirFlag,
    "Composition": Composition,
}
SCALE_ITEMS: dict[str, tuple[ScaleItem, ...]] = {"CIWA-B": CIWA_B_ITEMS, "CIWA-Ar": CIWA_AR_ITEMS}
SCALE_TITLES = {
    "CIWA-B": "Clinical Institute Withdrawal Assessment for Benzodiazepines (CIWA-B)",
    "CIWA-Ar": "Clinical Institute Withdrawal Assessment for Alcohol, revised (CIWA-Ar)",
}
SCALE_SOURCES = {
    "CIWA-B": (
        "Busto, Sykora & Sellers 1989: 20 items scored 0-4, total 0-80 [S1][S2][S3]. Item "
        "wording from a hospital form [S4], not verified against the original paper."
    ),
    "CIWA-Ar": "Sullivan 1989: 10 observer-rated items, total 0-67 [S6][S7].",
}
_RATERS = {"patient": "Rated by the patient", "observer": "Rated by the nurse (observed)"}
_DOSE_STATUS = {
    "given": "completed",
    "held": "not-done",
    "refused": "not-done",
    "not_given": "not-done",
}  # [S47][S48]
_PLAN_STATUS = {"active": "active", "superseded": "stopped", "completed": "completed"}
_CATEGORY_VITALS = codes.concept(codes.OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
_CATEGORY_SURVEY = codes.concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")


def resource_id(key: str) -> str:
    """The stable id of the resource made from ``key`` ("vital_signs/12/heart-rate")."""
    return str(uuid5(EXPORT_NAMESPACE, key))


def full_url(key: str) -> str:
    return f"urn:uuid:{resource_id(key)}"


def _ref(key: str) -> dict[str, str]:
    return {"reference": full_url(key)}


def _identifier(key: str) -> list[dict[str, str]]:
    return [{"system": codes.RFC3986, "value": full_url(key)}]


def _instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` unchanged once fhir.resources has constructed it (raises if invalid)."""
    _MODELS[resource["resourceType"]].model_validate(resource)
    return resource


class _Context:
    """What every resource of one admission refers to."""

    def __init__(self, session: Session, admission: Admission) -> None:
        assert admission.id is not None
        self.admission = admission
        self.patient_key = f"patient/{admission.patient_id}"
        self.encounter_key = f"admission/{admission.id}"
        self.names = {u.id: u.display_name for u in session.exec(select(User)).all()}

    def subject(self) -> dict[str, Any]:
        return {"subject": _ref(self.patient_key), "encounter": _ref(self.encounter_key)}

    def name(self, user_id: int | None) -> dict[str, str]:
        return {"display": self.names.get(user_id, "unknown user") if user_id else "Taperwatch"}


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
    ctx = _Context(session, admission)
    entries: list[tuple[str, dict[str, Any]]] = [
        (ctx.patient_key, _patient(patient)),
        (ctx.encounter_key, _encounter(admission, ward, ctx)),
    ]
    plan_entries = _plans(session, ctx)
    entries += plan_entries
    entries += _prn_orders(session, ctx, now)
    for row in _rows(session, VitalSigns, admission_id, VitalSigns.taken_at):
        entries += _vitals(row, ctx)
    assessments = _rows(session, WithdrawalAssessment, admission_id, WithdrawalAssessment.taken_at)
    for scale in sorted({a.scale for a in assessments}):
        entries.append((f"questionnaire/{scale.lower()}", _questionnaire(scale)))
    for assessment in assessments:
        entries += _assessment(assessment, ctx)
    doses = _rows(session, DoseAdministration, admission_id, DoseAdministration.administered_at)
    for dose in doses:
        slot = None
        if dose.scheduled_dose_id is not None:
            slot = session.get(ScheduledDose, dose.scheduled_dose_id)
        entries.append((f"dose_administration/{dose.id}", _administration(dose, slot, ctx)))
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
    entries += [(f"flag/{flag.id}", _flag(flag, ctx)) for flag in flags]
    entries += _discharge(session, ctx, [key for key, _ in plan_entries])
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": resource_id(f"bundle/admission/{admission_id}"),
        "type": "collection",
    }
    if now is not None:
        bundle["timestamp"] = _instant(now)
    bundle["entry"] = [
        {"fullUrl": full_url(key), "resource": validated(_with_id(resource, key))}
        for key, resource in entries
    ]
    Bundle.model_validate({**bundle, "entry": []})  # the envelope; each resource is checked above
    return bundle


def _statement(row: CoMedication, ctx: _Context) -> dict[str, Any]:
    """Another CNS depressant as a MedicationStatement: the medicine as named (free text: no
    code is asked of the physician), its class a local code, active or stopped with the
    reason, asserted by the physician who recorded it."""
    key = f"co_medication/{row.id}"
    period: dict[str, str] = {"start": _instant(row.recorded_at)}
    if row.stopped_at is not None:
        period["end"] = _instant(row.stopped_at)
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "identifier": _identifier(key),
        "status": "stopped" if row.stopped_at is not None else "active",
        "category": codes.concept(
            codes.LOCAL_CNS_CLASS, row.drug_class, CNS_DEPRESSANT_CLASSES[row.drug_class]
        ),
        "medicationCodeableConcept": {"text": row.name},
        "subject": _ref(ctx.patient_key),
        "context": _ref(ctx.encounter_key),
        "effectivePeriod": period,
        "dateAsserted": _instant(row.recorded_at),
        "informationSource": ctx.name(row.recorded_by),
    }
    if row.detail:
        resource["dosage"] = [{"text": row.detail}]
    if row.stop_reason:
        resource["statusReason"] = [{"text": row.stop_reason}]
    return resource


def _with_id(resource: dict[str, Any], key: str) -> dict[str, Any]:
    return {"resourceType": resource["resourceType"], "id": resource_id(key), **resource}


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
    return out + _identifier(f"admission/{admission.id}")


def _encounter(admission: Admission, ward: Ward, ctx: _Context) -> dict[str, Any]:
    period = {"start": _instant(admission.admitted_at)}
    if admission.discharged_at is not None:
        period["end"] = _instant(admission.discharged_at)
    return {
        "resourceType": "Encounter",
        "identifier": encounter_identifiers(admission),
        "status": "finished" if admission.discharged_at else "in-progress",
        "class": codes.coding(codes.ACT_CODE, "IMP", "inpatient encounter"),
        "subject": _ref(ctx.patient_key),
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


# --- vital signs -------------------------------------------------------------------------------


def _loinc(code: str, display: str) -> dict[str, Any]:
    return codes.coding(codes.LOINC, code, display)


def _quantity(field: str, value: float | int) -> dict[str, Any]:
    vital = codes.VITAL_CODES[field]
    return {"value": value, "unit": vital.unit, "system": codes.UCUM, "code": vital.ucum}


def _vitals(row: VitalSigns, ctx: _Context) -> list[tuple[str, dict[str, Any]]]:
    """One reading set: heart rate, respiratory rate, temperature, blood pressure panel, SpO2
    (vital-signs profile), supplemental oxygen and ACVPU (local codes), and the vital-signs
    panel grouping the five vital signs."""
    base = f"vital_signs/{row.id}"

    def observation(
        part: str, code: dict[str, Any], category: dict[str, Any], profile: str | None, **value: Any
    ) -> tuple[str, dict[str, Any]]:
        key = f"{base}/{part}"
        resource: dict[str, Any] = {"resourceType": "Observation"}
        if profile:
            resource["meta"] = {"profile": [codes.VITALS_PROFILE, profile]}
        resource |= {
            "identifier": _identifier(key),
            "status": "entered-in-error" if row.entered_in_error else "final",
            "category": [category],
            "code": code,
            **ctx.subject(),
            "effectiveDateTime": _instant(row.taken_at),
            "issued": _instant(row.charted_at),
            "performer": [ctx.name(row.charted_by)],
            **value,
        }
        if row.entered_in_error:
            resource["note"] = [{"text": f"Entered in error: {row.error_reason}"}]
        return key, resource

    def single(field: str) -> tuple[str, dict[str, Any]]:
        vital = codes.VITAL_CODES[field]
        code = {"coding": [_loinc(vital.loinc, vital.display)], "text": vital.display}
        return observation(
            field.replace("_", "-"),
            code,
            _CATEGORY_VITALS,
            vital.profile,
            valueQuantity=_quantity(field, getattr(row, field)),
        )

    spo2 = codes.VITAL_CODES["spo2"]
    members = [
        single("heart_rate"),
        single("resp_rate"),
        single("temperature_c"),
        observation(
            "blood-pressure",
            {"coding": [_loinc(codes.BP_PANEL, codes.BP_PANEL_DISPLAY)], "text": "Blood pressure"},
            _CATEGORY_VITALS,
            codes.BP_PROFILE,
            component=[
                {
                    "code": {"coding": [_loinc(vital.loinc, vital.display)], "text": vital.display},
                    "valueQuantity": _quantity(vital.field, getattr(row, vital.field)),
                }
                for vital in (codes.VITAL_CODES["systolic"], codes.VITAL_CODES["diastolic"])
            ],
        ),
        observation(
            "spo2",
            {
                "coding": [
                    _loinc(spo2.loinc, spo2.display),
                    _loinc(codes.PULSE_OXIMETRY, codes.PULSE_OXIMETRY_DISPLAY),
                ],
                "text": "SpO2",
            },
            _CATEGORY_VITALS,
            spo2.profile,
            valueQuantity=_quantity("spo2", row.spo2),
        ),
    ]
    panel = observation(
        "panel",
        {"coding": [_loinc(codes.VITALS_PANEL, codes.VITALS_PANEL_DISPLAY)], "text": "Vital signs"},
        _CATEGORY_VITALS,
        codes.VITALS_PANEL_PROFILE,
        hasMember=[_ref(key) for key, _ in members],
    )
    news2_inputs = [
        observation(
            "supplemental-o2",
            {
                "coding": [
                    codes.coding(
                        codes.LOCAL_OBSERVATION, codes.SUPPLEMENTAL_O2, "Supplemental oxygen"
                    )
                ],
                "text": "Supplemental oxygen",
            },
            codes.concept(codes.OBSERVATION_CATEGORY, "therapy", "Therapy"),
            None,
            valueBoolean=row.supplemental_o2,
        ),
        observation(
            "acvpu",
            {
                "coding": [codes.coding(codes.LOCAL_OBSERVATION, codes.ACVPU, "ACVPU")],
                "text": "Level of consciousness (ACVPU)",
            },
            codes.concept(codes.OBSERVATION_CATEGORY, "exam", "Exam"),
            None,
            valueCodeableConcept=codes.concept(
                codes.LOCAL_ACVPU, row.consciousness, codes.ACVPU_LABELS[row.consciousness]
            ),
        ),
    ]
    sedation = [
        observation(
            scale,
            {
                "coding": [
                    codes.coding(codes.LOCAL_OBSERVATION, scale, codes.SEDATION_DISPLAY[scale])
                ],
                "text": codes.SEDATION_DISPLAY[scale],
            },
            _CATEGORY_SURVEY,
            None,
            valueCodeableConcept=codes.concept(system, level.code, level.term),
        )
        for scale, system, level in _sedation_levels(row)
    ]
    return [panel, *members, *news2_inputs, *sedation]


def _sedation_levels(row: VitalSigns) -> list[tuple[str, str, SedationLevel]]:
    """The sedation scores charted with the set (RASS, POSS), each with its scale's level."""
    found = []
    if row.rass is not None:
        found.append((codes.RASS, codes.LOCAL_RASS, RASS_LEVELS[row.rass]))
    if row.poss is not None:
        found.append((codes.POSS, codes.LOCAL_POSS, POSS_LEVELS[row.poss]))
    return found


# --- withdrawal scales -------------------------------------------------------------------------


def _questionnaire(scale: str) -> dict[str, Any]:
    items = SCALE_ITEMS[scale]
    groups: list[dict[str, Any]] = []
    for rater in ("patient", "observer"):
        rated = [item for item in items if item.rater == rater]
        if not rated:
            continue
        anchors = rated[0].anchors
        text = _RATERS[rater]
        if anchors[0] and anchors[-1]:
            text += f": {rated[0].min} {anchors[0]} to {rated[0].max} {anchors[-1]}"
        groups.append(
            {
                "linkId": f"{rater}-rated",
                "text": text,
                "type": "group",
                "item": [
                    {
                        "linkId": str(item.number),
                        "prefix": f"{item.number}.",
                        "text": (
                            f"{item.text} ({item.anchor_text})"
                            if own_anchors(item, items)
                            else item.text
                        ),
                        "type": "integer",
                        "required": True,
                        "answerOption": [
                            {"valueInteger": score} for score in range(item.min, item.max + 1)
                        ],
                    }
                    for item in rated
                ],
            }
        )
    return {
        "resourceType": "Questionnaire",
        "url": codes.QUESTIONNAIRE_URLS[scale],
        "name": scale.replace("-", "_"),
        "title": SCALE_TITLES[scale],
        "status": "active",
        "subjectType": ["Patient"],
        "description": with_references(SCALE_SOURCES[scale]),
        "item": groups,
    }


def _assessment(row: WithdrawalAssessment, ctx: _Context) -> list[tuple[str, dict[str, Any]]]:
    key = f"withdrawal_assessment/{row.id}"
    items = SCALE_ITEMS[row.scale]
    status_qr = "entered-in-error" if row.entered_in_error else "completed"
    note = [{"text": f"Entered in error: {row.error_reason}"}] if row.entered_in_error else None
    answers: list[dict[str, Any]] = []
    for rater in ("patient", "observer"):
        rated = [item for item in items if item.rater == rater]
        if rated:
            answers.append(
                {
                    "linkId": f"{rater}-rated",
                    "item": [
                        {
                            "linkId": str(item.number),
                            "text": item.text,
                            "answer": [{"valueInteger": int(row.items[str(item.number)])}],
                        }
                        for item in rated
                    ],
                }
            )
    response = {
        "resourceType": "QuestionnaireResponse",
        "identifier": _identifier(key)[0],
        "questionnaire": codes.QUESTIONNAIRE_URLS[row.scale],
        "status": status_qr,
        **ctx.subject(),
        "authored": _instant(row.taken_at),
        "author": ctx.name(row.charted_by),
        "item": answers,
    }
    code, display = codes.SCALE_TOTAL_CODES[row.scale]
    total: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": _identifier(f"{key}/total"),
        "status": "entered-in-error" if row.entered_in_error else "final",
        "category": [codes.concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")],
        # No LOINC code was found for the CIWA-B total: a local code (models.fhir_codes).
        "code": {"coding": [codes.coding(codes.LOCAL_OBSERVATION, code, display)], "text": display},
        **ctx.subject(),
        "effectiveDateTime": _instant(row.taken_at),
        "issued": _instant(row.charted_at),
        "performer": [ctx.name(row.charted_by)],
        "valueInteger": row.total,
        "interpretation": [codes.concept(codes.LOCAL_BAND, row.band, _band_label(row.band))],
        "derivedFrom": [_ref(key)],
    }
    if note:
        total["note"] = note
    return [(key, response), (f"{key}/total", total)]


def _band_label(band: str) -> str:
    return band.replace("_", " ").capitalize()


# --- taper plans -------------------------------------------------------------------------------


def _plans(session: Session, ctx: _Context) -> list[tuple[str, dict[str, Any]]]:
    """A MedicationRequest per plan version and drug (a substitution's crossover has two),
    linked by groupIdentifier; each step of the drug is one dosageInstruction ``sequence``."""
    plans = session.exec(
        select(TaperPlan)
        .where(TaperPlan.admission_id == ctx.admission.id)
        .order_by(col(TaperPlan.version))
    ).all()
    out: list[tuple[str, dict[str, Any]]] = []
    previous: dict[str, str] = {}  # drug -> key of the previous version's request
    for plan in plans:
        steps = stored_steps(session, plan)
        drugs = sorted({drug for step in steps for drug in step.daily_ug})
        for drug in drugs:
            key = medication_request_key(plan.id or 0, drug)
            out.append((key, _medication_request(plan, drug, steps, previous.get(drug), ctx)))
            previous[drug] = key
    return out


def medication_request_key(plan_id: int, drug: str) -> str:
    return f"taper_plan/{plan_id}/{drug}"


def _medication_request(
    plan: TaperPlan, drug: str, steps: Sequence[PlannedStep], prior: str | None, ctx: _Context
) -> dict[str, Any]:
    dosages: list[dict[str, Any]] = []
    for position, step in enumerate(steps):
        if drug not in step.daily_ug:
            continue
        last_day = None
        if position + 1 < len(steps):
            last_day = steps[position + 1].start - timedelta(days=1)
        dosages += _step_dosages(step, drug, last_day)
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": _identifier(medication_request_key(plan.id or 0, drug)),
        "groupIdentifier": _identifier(f"taper_plan/{plan.id}")[0],
        "status": _PLAN_STATUS[plan.status],
        "intent": "order",
        "medicationCodeableConcept": codes.medication_concept(drug),
        **ctx.subject(),
        "authoredOn": _instant(plan.created_at),
        "requester": ctx.name(plan.author_id),
        "note": [
            {
                "text": (
                    f"Taper plan version {plan.version} ({plan.change}), recipe {plan.recipe!r}, "
                    f"{plan.equivalence_table} equivalence table: {plan.reason}"
                )
            }
        ],
        "dosageInstruction": dosages,
    }
    if prior:
        request["priorPrescription"] = _ref(prior)
    return request


def _step_dosages(step: PlannedStep, drug: str, last_day: date | None) -> list[dict[str, Any]]:
    """The step's doses of ``drug``. Doses that split unevenly over the times (0.25 mg at 08:00,
    0.5 mg at 20:00) become one Dosage per amount with the same ``sequence``: FHIR's way of
    saying they apply together."""
    daily = step.daily_ug[drug]
    bounds: dict[str, str] = {"start": step.start.isoformat()}
    if last_day is not None:
        bounds["end"] = last_day.isoformat()
    until = f" to {last_day.isoformat()}" if last_day is not None else ""
    per_day = {
        "numerator": codes.mg_quantity(daily),
        "denominator": {"value": 1, "unit": "day", "system": codes.UCUM, "code": "d"},
    }
    if daily == 0:
        return [
            {
                "sequence": step.index + 1,
                "text": f"{drug} stopped (0 mg a day) from {step.start.isoformat()}",
                "timing": {"repeat": {"boundsPeriod": bounds}},
                "maxDosePerPeriod": per_day,
            }
        ]
    by_amount: dict[int, list[str]] = {}
    for dose in step.doses:
        if dose.drug == drug and dose.ug > 0:
            by_amount.setdefault(dose.ug, []).append(dose.time.strftime("%H:%M"))
    out = []
    for ug, times in sorted(by_amount.items(), key=lambda item: item[1]):
        out.append(
            {
                "sequence": step.index + 1,
                "text": (
                    f"{drug} {format_mg(ug)} mg at {', '.join(times)} "
                    f"({format_mg(daily)} mg a day) from {step.start.isoformat()}{until}"
                ),
                "timing": {
                    "repeat": {
                        "boundsPeriod": bounds,
                        "frequency": len(times),
                        "period": 1,
                        "periodUnit": "d",
                        "timeOfDay": [f"{t}:00" for t in times],
                    }
                },
                "doseAndRate": [{"doseQuantity": codes.mg_quantity(ug)}],
                "maxDosePerPeriod": per_day,
            }
        )
    return out


# --- PRN orders --------------------------------------------------------------------------------


def prn_order_key(order_id: int) -> str:
    return f"prn_order/{order_id}"


def _prn_orders(
    session: Session, ctx: _Context, now: datetime | None
) -> list[tuple[str, dict[str, Any]]]:
    """A MedicationRequest per PRN order version, the versions of one order linked by
    groupIdentifier and priorPrescription."""
    orders = session.exec(
        select(PrnOrder)
        .where(PrnOrder.admission_id == ctx.admission.id)
        .order_by(col(PrnOrder.order_key), col(PrnOrder.version))
    ).all()
    out: list[tuple[str, dict[str, Any]]] = []
    previous: dict[str, str] = {}
    for order in orders:
        key = prn_order_key(order.id or 0)
        out.append((key, _prn_request(order, previous.get(order.order_key), ctx, now)))
        previous[order.order_key] = key
    return out


def _prn_request(
    order: PrnOrder, prior: str | None, ctx: _Context, now: datetime | None
) -> dict[str, Any]:
    """``now``: an active order past its stop is "completed" (without ``now`` the export does
    not depend on the clock, and its bounds say when it stopped)."""
    status = "active" if order.status == "active" else "stopped"
    expired = order.stop_at is not None and now is not None and order.stop_at <= now
    if order.status == "active" and expired:
        status = "completed"
    bounds = {"start": _instant(order.start_at)}
    if order.stop_at is not None:
        bounds["end"] = _instant(order.stop_at)
    as_needed = order.indication
    if order.scale is not None:
        as_needed += f" (when {order.scale} is {order.threshold} or more)"
    notes = [f"PRN order version {order.version}: {order.reason}"]
    if order.above_label_reason:
        notes.append(f"Above the label maximum, confirmed: {order.above_label_reason}")
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": _identifier(prn_order_key(order.id or 0)),
        "groupIdentifier": _identifier(f"prn_order/{order.order_key}")[0],
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": codes.medication_concept(order.drug),
        **ctx.subject(),
        "authoredOn": _instant(order.created_at),
        "requester": ctx.name(order.author_id),
        "reasonCode": [{"text": order.indication}],
        "note": [{"text": text} for text in notes],
        "dosageInstruction": [
            {
                "text": (
                    f"{order.drug} {format_mg(order.dose_ug)} mg as needed for {as_needed}; at "
                    f"least {order.min_interval_min / 60:g} h apart; at most "
                    f"{order.max_doses_24h} doses and {format_mg(order.max_ug_24h)} mg in 24 h"
                ),
                "asNeededCodeableConcept": {"text": as_needed},
                "timing": {
                    "repeat": {
                        "boundsPeriod": bounds,
                        "frequency": 1,
                        "period": round(order.min_interval_min / 60, 2),
                        "periodUnit": "h",
                    }
                },
                "doseAndRate": [{"doseQuantity": codes.mg_quantity(order.dose_ug)}],
                "maxDosePerPeriod": {
                    "numerator": codes.mg_quantity(order.max_ug_24h),
                    "denominator": {"value": 1, "unit": "day", "system": codes.UCUM, "code": "d"},
                },
            }
        ],
    }
    if prior:
        request["priorPrescription"] = _ref(prior)
    return request


# --- doses and flags ---------------------------------------------------------------------------


def _administration(
    row: DoseAdministration, slot: ScheduledDose | None, ctx: _Context
) -> dict[str, Any]:
    status = "entered-in-error" if row.entered_in_error else _DOSE_STATUS[row.status]
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "identifier": _identifier(f"dose_administration/{row.id}"),
        "status": status,
    }
    notes: list[str] = []
    if row.status != "given":
        resource["statusReason"] = _not_given_reasons(row)
    resource |= {
        "category": codes.concept(
            "http://terminology.hl7.org/CodeSystem/medication-admin-category",
            "inpatient",
            "Inpatient",
        ),
        "medicationCodeableConcept": codes.medication_concept(row.drug),
        "subject": _ref(ctx.patient_key),
        "context": _ref(ctx.encounter_key),
        "effectiveDateTime": _instant(row.administered_at),
        "performer": [{"actor": ctx.name(row.charted_by)}],
    }
    if slot is not None:
        resource["request"] = _ref(medication_request_key(slot.plan_id, slot.drug))
        notes.append(
            f"Scheduled {format_mg(slot.dose_ug)} mg at {slot.local_time} on "
            f"{slot.local_date.isoformat()} (ward time)"
        )
    elif row.prn_order_id is not None:
        resource["request"] = _ref(prn_order_key(row.prn_order_id))
    if row.prn:
        notes.append(f"As needed (PRN): {row.reason_text}")
    elif row.reason_text:
        notes.append(row.reason_text)
    if row.entered_in_error:
        notes.append(f"Entered in error: {row.error_reason}")
    if row.dose_ug > 0:
        resource["dosage"] = {"dose": codes.mg_quantity(row.dose_ug)}
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


def _not_given_reasons(row: DoseAdministration) -> list[dict[str, Any]]:
    """What happened (held, refused, not given) and why: the ward's codes, plus FHIR's example
    code where one means the same [S48]."""
    outcome = codes.concept(
        codes.LOCAL_DOSE_OUTCOME, row.status, row.status.replace("_", " ").capitalize()
    )
    label = REASONS_BY_STATUS.get(row.status, {}).get(row.reason_code or "", row.reason_code)
    reason: dict[str, Any] = {
        "coding": [codes.coding(codes.LOCAL_DOSE_REASON, row.reason_code or "other", label)],
        "text": row.reason_text or label or row.status,
    }
    standard = codes.REASON_NOT_GIVEN_CODES.get(row.reason_code or "")
    if standard:
        reason["coding"].append(codes.coding(codes.REASON_NOT_GIVEN, *standard))
    return [outcome, reason]


def _flag(flag: Flag, ctx: _Context) -> dict[str, Any]:
    priority, priority_label = codes.FLAG_PRIORITY_CODES[flag.severity]
    return {
        "resourceType": "Flag",
        "extension": [
            {
                "url": codes.FLAG_PRIORITY_EXTENSION,
                "valueCodeableConcept": {
                    "coding": [
                        codes.coding(codes.FLAG_PRIORITY, priority, priority_label),
                        codes.coding(codes.LOCAL_FLAG_SEVERITY, flag.severity),
                    ],
                    "text": flag.severity,
                },
            }
        ],
        "identifier": _identifier(f"flag/{flag.id}"),
        "status": "active",
        "category": [codes.concept(codes.FLAG_CATEGORY, "clinical", "Clinical")],
        "code": {
            "coding": [codes.coding(codes.LOCAL_FLAG_RULE, flag.rule)],
            "text": flag.message,
        },
        "subject": _ref(ctx.patient_key),
        "encounter": _ref(ctx.encounter_key),
        "period": {"start": _instant(flag.raised_at)},
        "author": {"display": "Taperwatch review rules"},
    }


# --- going home: the rest of the taper and the discharge summary -------------------------------


def _discharge(
    session: Session, ctx: _Context, plan_keys: Sequence[str]
) -> list[tuple[str, dict[str, Any]]]:
    """For a discharged stay: a MedicationRequest per drug with the rest of the taper (one
    dosage per step and dose, ``timing.repeat.boundsPeriod``, as in FHIR's tapering example)
    and what to dispense until the last step, one supply request per tablet strength, and the
    discharge summary as a Composition [S85] whose sections refer to them."""
    admission = ctx.admission
    if admission.discharged_at is None or admission.id is None:
        return []
    home = going_home(session, admission.id, now=admission.discharged_at)
    facts = stay_facts(session, home)
    out: list[tuple[str, dict[str, Any]]] = []
    taper_keys: list[str] = []
    quantities = home.dispense(home.last_day) if home.steps else {}
    for drug in home.drugs:
        key = f"discharge/{admission.id}/{drug}"
        out.append((key, _remaining_request(home, drug, quantities.get(drug), ctx)))
        taper_keys.append(key)
        quantity = quantities.get(drug)
        for strength, count in (quantity.tablets if quantity else {}).items():
            supply_key = f"{key}/{strength}"
            out.append((supply_key, _supply_request(home, drug, strength, count, key, ctx)))
            taper_keys.append(supply_key)
    tolerance = _tolerance_lines(home, stay_tolerance(session, home))
    summary = _composition(home, facts, (plan_keys, taper_keys), tolerance, ctx)
    out.append((f"discharge/{admission.id}/summary", summary))
    return out


def _remaining_request(
    home: GoingHome, drug: str, quantity: Dispense | None, ctx: _Context
) -> dict[str, Any]:
    choice = home.choices[drug]
    dosages: list[dict[str, Any]] = []
    for position, step in enumerate(home.steps):
        if drug not in step.daily_ug:
            continue
        last_day = None
        if position + 1 < len(home.steps):
            last_day = home.steps[position + 1].start - timedelta(days=1)
        for dosage in _step_dosages(step, drug, last_day):
            for rate in dosage.get("doseAndRate", []):
                ug = round(float(rate["doseQuantity"]["value"]) * 1000)
                dosage["text"] += f": {choice.words(ug)}"
            dosages.append(dosage)
    note = f"The rest of the taper from the day of discharge, {home.first_day.isoformat()}."
    if quantity is not None:
        note += f" Dispense until {home.last_day.isoformat()}: {dispense_words(quantity)}."
    unmakeable = [format_mg(ug) for ug in choice.unmakeable]
    if unmakeable:
        note += f" Doses the ward's tablets cannot make: {', '.join(unmakeable)} mg."
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": _identifier(f"discharge/{ctx.admission.id}/{drug}"),
        "groupIdentifier": _identifier(f"discharge/{ctx.admission.id}")[0],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": codes.medication_concept(drug),
        **ctx.subject(),
        "authoredOn": _instant(home.admission.discharged_at or home.admission.admitted_at),
        "requester": ctx.name(home.admission.attending_id),
        "note": [{"text": note}],
        "dosageInstruction": dosages,
        "dispenseRequest": {
            "validityPeriod": {
                "start": home.first_day.isoformat(),
                "end": home.last_day.isoformat(),
            },
            "expectedSupplyDuration": {
                "value": (home.last_day - home.first_day).days + 1,
                "unit": "days",
                "system": codes.UCUM,
                "code": "d",
            },
        },
    }
    if quantity is not None and len(quantity.tablets) == 1:
        count = next(iter(quantity.tablets.values()))
        request["dispenseRequest"]["quantity"] = {"value": count, **codes.TABLET}
    return request


def _supply_request(
    home: GoingHome, drug: str, strength: int, count: int, taper_key: str, ctx: _Context
) -> dict[str, Any]:
    scored = any(t.scored for t in home.choices[drug].tablets if t.strength_ug == strength)
    product = f"{drug} {format_mg(strength)} mg tablet" + (" (scored)" if scored else "")
    return {
        "resourceType": "MedicationRequest",
        "identifier": _identifier(f"{taper_key}/{strength}"),
        "groupIdentifier": _identifier(f"discharge/{ctx.admission.id}")[0],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {**codes.medication_concept(drug), "text": product},
        **ctx.subject(),
        "authoredOn": _instant(home.admission.discharged_at or home.admission.admitted_at),
        "requester": ctx.name(home.admission.attending_id),
        "basedOn": [_ref(taper_key)],
        "dosageInstruction": [{"text": "As the taper calendar says (see the taper request)."}],
        "dispenseRequest": {
            "quantity": {"value": count, **codes.TABLET},
            "validityPeriod": {
                "start": home.first_day.isoformat(),
                "end": home.last_day.isoformat(),
            },
        },
    }


def _tolerance_lines(home: GoingHome, tolerance: dict[int, StepTolerance]) -> list[str]:
    def mean(value: float | None) -> str:
        return f"{value:.0f}" if value is not None else "none"

    lines = []
    for step in home.all_steps:
        tol = tolerance.get(step.index)
        if tol is None:
            continue
        doses = ", ".join(f"{d} {format_mg(u)} mg a day" for d, u in sorted(step.daily_ug.items()))
        lines.append(
            f"Step from {step.start.isoformat()} ({doses}): CIWA-B mean {mean(tol.before_mean)} "
            f"before, {mean(tol.after_mean)} after; PRN doses {tol.prn_before} before, "
            f"{tol.prn_after} after; {tol.judgement.verdict.label.lower()}"
        )
    return lines


def _flag_note(flag: Flag) -> str:
    return flag.resolve_note or flag.acknowledge_note or flag.cleared_note or ""


def _narrative(lines: Sequence[str]) -> dict[str, str]:
    items = "".join(f"<li>{escape(line)}</li>" for line in lines) or "<li>none</li>"
    div = f'<div xmlns="http://www.w3.org/1999/xhtml"><ul>{items}</ul></div>'
    return {"status": "generated", "div": div}


def _composition(
    home: GoingHome,
    facts: StayFacts,
    keys: tuple[Sequence[str], Sequence[str]],
    tolerance: Sequence[str],
    ctx: _Context,
) -> dict[str, Any]:
    plan_keys, taper_keys = keys
    tz = home.tz

    def when(at: datetime) -> str:
        return f"{at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"

    drug, ug, de = facts.admission_dose
    discharge_doses = ", ".join(
        f"{d} {format_mg(u)} mg a day" for d, u in sorted(facts.discharge_dose.items())
    )
    stay = [f"Admitted {when(facts.admitted_at)}", f"Attending {facts.attending}"]
    if facts.discharged_at is not None:
        stay.insert(1, f"Discharged {when(facts.discharged_at)}")
    doses = [f"At admission: {drug} {format_mg(ug)} mg a day (diazepam-equivalent {de:g} mg)"]
    if discharge_doses:
        doses.append(
            f"At discharge: {discharge_doses} (diazepam-equivalent {facts.discharge_de_mg:g} mg)"
        )
    versions = [
        f"Version {v.version} ({v.change}, {v.status}) {when(v.created_at)} by {v.author}: "
        f"{v.recipe} - {v.reason}"
        for v in facts.versions
    ]
    last = []
    if facts.last_ciwa_b is not None:
        a = facts.last_ciwa_b
        last.append(f"CIWA-B {a.total} ({a.band}) at {when(a.taken_at)}")
    if facts.last_vitals is not None:
        v = facts.last_vitals
        last.append(f"NEWS2 {v.news2_total} at {when(v.taken_at)}")
    flags = [
        f"{when(f.raised_at)} {f.severity}: {f.message} - {f.status}"
        + (f" ({_flag_note(f)})" if _flag_note(f) else "")
        for f in facts.flags
    ]
    remaining = [
        f"From {s.start.isoformat()}: "
        + (
            "; ".join(
                f"{d.time:%H:%M} {d.drug} {format_mg(d.ug)} mg = {home.choices[d.drug].words(d.ug)}"
                for d in s.doses
                if d.ug > 0
            )
            or "stop"
        )
        for s in home.steps
    ]
    sections = [
        ("Stay", stay, []),
        ("Doses at admission and discharge", doses, []),
        (
            "Taper plan versions",
            versions,
            list(plan_keys),
        ),
        ("How each step was tolerated", tolerance or ["no step on the ward to judge"], []),
        ("Last CIWA-B and NEWS2", last or ["none charted"], []),
        ("Flags raised and how they ended", flags or ["none raised"], []),
        ("The rest of the taper and what to dispense", remaining, list(taper_keys)),
        (
            "Who continues the taper",
            [f"Not recorded in Taperwatch; the attending was {facts.attending}."],
            [],
        ),
    ]
    return {
        "resourceType": "Composition",
        "identifier": _identifier(f"discharge/{ctx.admission.id}/summary")[0],
        "status": "final",
        "type": {
            "coding": [codes.coding(codes.LOINC, codes.DISCHARGE_SUMMARY, "Discharge summary")],
            "text": "Discharge summary",
        },
        **ctx.subject(),
        "date": _instant(home.admission.discharged_at or home.admission.admitted_at),
        "author": [ctx.name(home.admission.attending_id)],
        "title": "Discharge summary",
        "section": [
            {
                "title": title,
                "text": _narrative(lines),
                **({"entry": [_ref(k) for k in keys]} if keys else {}),
            }
            for title, lines, keys in sections
        ],
    }
