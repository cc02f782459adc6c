"""The observations of an exported admission as FHIR resources: each vital-sign set (vital-signs
profile, LOINC + UCUM, with the sedation scores charted with it), each withdrawal assessment as a
QuestionnaireResponse against its scale's Questionnaire plus its total, and each open flag.
"""

from __future__ import annotations

from typing import Any

from models import fhir_codes as codes
from models.clinical.scales import CIWA_AR_ITEMS, CIWA_B_ITEMS, ScaleItem, own_anchors
from models.clinical.sedation import (
    POSS_LEVELS,
    RASS_LEVELS,
    SedationLevel,
)
from models.clinical.sources import with_references
from models.fhir_refs import ExportContext, identifier, instant, ref
from models.tables import (
    Flag,
    VitalSigns,
    WithdrawalAssessment,
)

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
_CATEGORY_VITALS = codes.concept(codes.OBSERVATION_CATEGORY, "vital-signs", "Vital Signs")
_CATEGORY_SURVEY = codes.concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")


def _loinc(code: str, display: str) -> dict[str, Any]:
    return codes.coding(codes.LOINC, code, display)


def _quantity(field: str, value: float | int) -> dict[str, Any]:
    vital = codes.VITAL_CODES[field]
    return {"value": value, "unit": vital.unit, "system": codes.UCUM, "code": vital.ucum}


def vital_sign_resources(row: VitalSigns, ctx: ExportContext) -> list[tuple[str, dict[str, Any]]]:
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
            "identifier": identifier(key),
            "status": "entered-in-error" if row.entered_in_error else "final",
            "category": [category],
            "code": code,
            **ctx.subject(),
            "effectiveDateTime": instant(row.taken_at),
            "issued": instant(row.charted_at),
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
        hasMember=[ref(key) for key, _ in members],
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


def questionnaire(scale: str) -> dict[str, Any]:
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


def assessment_resources(
    row: WithdrawalAssessment, ctx: ExportContext
) -> list[tuple[str, dict[str, Any]]]:
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
        "identifier": identifier(key)[0],
        "questionnaire": codes.QUESTIONNAIRE_URLS[row.scale],
        "status": status_qr,
        **ctx.subject(),
        "authored": instant(row.taken_at),
        "author": ctx.name(row.charted_by),
        "item": answers,
    }
    code, display = codes.SCALE_TOTAL_CODES[row.scale]
    total: dict[str, Any] = {
        "resourceType": "Observation",
        "identifier": identifier(f"{key}/total"),
        "status": "entered-in-error" if row.entered_in_error else "final",
        "category": [codes.concept(codes.OBSERVATION_CATEGORY, "survey", "Survey")],
        # No LOINC code was found for the CIWA-B total: a local code (models.fhir_codes).
        "code": {"coding": [codes.coding(codes.LOCAL_OBSERVATION, code, display)], "text": display},
        **ctx.subject(),
        "effectiveDateTime": instant(row.taken_at),
        "issued": instant(row.charted_at),
        "performer": [ctx.name(row.charted_by)],
        "valueInteger": row.total,
        "interpretation": [codes.concept(codes.LOCAL_BAND, row.band, _band_label(row.band))],
        "derivedFrom": [ref(key)],
    }
    if note:
        total["note"] = note
    return [(key, response), (f"{key}/total", total)]


def _band_label(band: str) -> str:
    return band.replace("_", " ").capitalize()


def flag_resource(flag: Flag, ctx: ExportContext) -> dict[str, Any]:
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
        "identifier": identifier(f"flag/{flag.id}"),
        "status": "active",
        "category": [codes.concept(codes.FLAG_CATEGORY, "clinical", "Clinical")],
        "code": {
            "coding": [codes.coding(codes.LOCAL_FLAG_RULE, flag.rule)],
            "text": flag.message,
        },
        "subject": ref(ctx.patient_key),
        "encounter": ref(ctx.encounter_key),
        "period": {"start": instant(flag.raised_at)},
        "author": {"display": "Taperwatch review rules"},
    }
