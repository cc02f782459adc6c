"""How the resources of an exported FHIR Bundle are named and point at each other: stable ids
(uuid5 of the table and row id), references, identifiers, instants, the validation of each
resource with fhir.resources, and the context every resource of one admission refers to.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

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
from sqlmodel import Session, select

from models import fhir_codes as codes
from models.tables import (
    Admission,
    User,
)

# The namespace of every exported resource id: uuid5(this, "<table>/<id>[/<part>]").
EXPORT_NAMESPACE = uuid5(NAMESPACE_URL, codes.LOCAL)

MODELS: dict[str, Any] = {
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


def resource_id(key: str) -> str:
    """The stable id of the resource made from ``key`` ("vital_signs/12/heart-rate")."""
    return str(uuid5(EXPORT_NAMESPACE, key))


def full_url(key: str) -> str:
    return f"urn:uuid:{resource_id(key)}"


def ref(key: str) -> dict[str, str]:
    return {"reference": full_url(key)}


def identifier(key: str) -> list[dict[str, str]]:
    return [{"system": codes.RFC3986, "value": full_url(key)}]


def instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def validated(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` unchanged once fhir.resources has constructed it (raises if invalid)."""
    MODELS[resource["resourceType"]].model_validate(resource)
    return resource


class ExportContext:
    """What every resource of one admission refers to."""

    def __init__(self, session: Session, admission: Admission) -> None:
        assert admission.id is not None
        self.admission = admission
        self.patient_key = f"patient/{admission.patient_id}"
        self.encounter_key = f"admission/{admission.id}"
        self.names = {u.id: u.display_name for u in session.exec(select(User)).all()}

    def subject(self) -> dict[str, Any]:
        return {"subject": ref(self.patient_key), "encounter": ref(self.encounter_key)}

    def name(self, user_id: int | None) -> dict[str, str]:
        return {"display": self.names.get(user_id, "unknown user") if user_id else "Taperwatch"}
