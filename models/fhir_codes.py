"""The code systems, codes and units Taperwatch speaks in FHIR, each once, with its source.

Standard codes come from the sources in models.clinical.sources: LOINC and UCUM for vital
signs [S43][S44][S45][S46], RxNorm and ATC for the drugs (kept with the drugs themselves in
models.clinical.drugs [S52][S53]), MedicationAdministration statuses [S47] and reasons [S48].
What no standard code covers (CIWA-B has no LOINC code; ACVPU, supplemental oxygen, the
ward's review rules) gets a code in a local code system under ``LOCAL``.

FHIR version: R4 (4.0.1). fhir.resources 8.x ships R5 as its default package and R4B (4.3.0)
as a subpackage, with no R4 subpackage; the resources used here (Patient, Encounter,
Observation, Questionnaire, QuestionnaireResponse, MedicationRequest, MedicationAdministration,
Flag, Bundle) have the same structure in R4 and R4B, so they are validated with the R4B
models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from models.clinical.drugs import get_drug
from models.clinical.sources import ClinicalNumber

# --- external code systems -------------------------------------------------------------------
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ATC = "http://www.whocc.no/atc"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"  # MR = medical record number
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"  # IMP = inpatient encounter
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"  # ATND
LOCATION_PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
# FHIR's example code system for MedicationAdministration.statusReason [S48]: a None, b Away,
# c Asleep, d Vomit. Only "b Away" means the same as one of the ward's reasons ("off the ward");
# every reason also carries the ward's own code.
REASON_NOT_GIVEN = "http://hl7.org/fhir/reason-medication-not-given"
REASON_NOT_GIVEN_CODES: dict[str, tuple[str, str]] = {"off_ward": ("b", "Away")}
# R4 core extension for a Flag's priority, codes PN/PL/PM/PH (hl7.org/fhir/R4
# extension-flag-priority; value set flag-priority).
FLAG_PRIORITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/flag-priority"
FLAG_PRIORITY = "http://hl7.org/fhir/flag-priority-code"
# Keyed by the flag severities: FHIR DetectedIssue's low, moderate, high [S51], and emergency.
FLAG_PRIORITY_CODES: dict[str, tuple[str, str]] = {
    "low": ("PL", "Low priority"),
    "moderate": ("PM", "Medium priority"),
    "high": ("PH", "High priority"),
    "emergency": ("PH", "High priority"),  # the code system has nothing above "high"
}
RFC3986 = "urn:ietf:rfc:3986"  # identifier system for urn:uuid values

# --- the ward's own code systems -------------------------------------------------------------
# A site connecting Taperwatch to its EHR may replace this namespace with its own (an OID or a
# URL it controls); every local system below derives from it.
LOCAL = "urn:taperwatch:fhir"
MRN_SYSTEM = f"{LOCAL}:mrn"
LOCAL_OBSERVATION = f"{LOCAL}:observation"  # codes below
LOCAL_ACVPU = f"{LOCAL}:acvpu"
LOCAL_BAND = f"{LOCAL}:withdrawal-band"
LOCAL_DOSE_OUTCOME = f"{LOCAL}:dose-outcome"  # held | refused | not_given
LOCAL_DOSE_REASON = f"{LOCAL}:dose-reason"  # models.charting.REASONS_BY_STATUS keys
LOCAL_FLAG_RULE = f"{LOCAL}:review-rule"
LOCAL_FLAG_SEVERITY = f"{LOCAL}:flag-severity"
SUPPLEMENTAL_O2 = "supplemental-o2"
ACVPU = "acvpu"
ACVPU_LABELS = {
    "A": "Alert",
    "C": "New confusion",
    "V": "Responds to voice",
    "P": "Responds to pain",
    "U": "Unresponsive",
}  # ACVPU as charted for NEWS2 [S34]

# Sedation scores (models.clinical.sedation): no LOINC code for RASS or POSS was found (LOINC
# has one for the Ramsay scale, not these), so both are local codes; the value is the level as
# charted, in a local code system per scale, displayed with the scale's own term [S66][S68].
RASS = "rass"
POSS = "poss"
LOCAL_RASS = f"{LOCAL}:rass"
LOCAL_POSS = f"{LOCAL}:poss"
# Other CNS depressants (models.co_medications): MedicationStatement.category, a local code.
LOCAL_CNS_CLASS = f"{LOCAL}:cns-depressant-class"
SEDATION_DISPLAY = {
    RASS: "Richmond Agitation-Sedation Scale (RASS)",
    POSS: "Pasero Opioid-induced Sedation Scale (POSS)",
}

# --- vital signs: LOINC [S43], UCUM [S44][S46], FHIR R4 vital-signs profiles [S44] --------------
VITALS_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalsigns"
VITALS_PANEL = "85353-1"  # vital signs panel [S43]
VITALS_PANEL_DISPLAY = (
    "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel"
)
BP_PANEL = "85354-9"  # blood pressure panel [S43]
BP_PANEL_DISPLAY = "Blood pressure panel with all children optional"
SYSTOLIC = "8480-6"  # [S43]
DIASTOLIC = "8462-4"  # [S43]
SPO2 = "2708-6"  # oxygen saturation in arterial blood [S43][S44]
PULSE_OXIMETRY = "59408-5"  # required beside 2708-6 by US Core [S45]


@dataclass(frozen=True)
class VitalCode:
    field: str  # VitalSigns column
    loinc: str
    display: str
    ucum: str  # the unit exported
    unit: str  # its human-readable form
    profile: str  # the R4 vital-signs profile for this measurement
    accepted_units: tuple[str, ...]  # UCUM codes accepted on import


VITAL_CODES: dict[str, VitalCode] = {
    "heart_rate": VitalCode(
        "heart_rate",
        "8867-4",
        "Heart rate",
        "/min",
        "beats/minute",
        "http://hl7.org/fhir/StructureDefinition/heartrate",
        ("/min", "{beats}/min"),
    ),
    "resp_rate": VitalCode(
        "resp_rate",
        "9279-1",
        "Respiratory rate",
        "/min",
        "breaths/minute",
        "http://hl7.org/fhir/StructureDefinition/resprate",
        ("/min", "{breaths}/min"),
    ),
    "temperature_c": VitalCode(
        "temperature_c",
        "8310-5",
        "Body temperature",
        "Cel",
        "C",
        "http://hl7.org/fhir/StructureDefinition/bodytemp",
        ("Cel", "[degF]"),
    ),
    "systolic": VitalCode(
        "systolic",
        SYSTOLIC,
        "Systolic blood pressure",
        "mm[Hg]",
        "mmHg",
        "http://hl7.org/fhir/StructureDefinition/bp",
        ("mm[Hg]",),
    ),
    "diastolic": VitalCode(
        "diastolic",
        DIASTOLIC,
        "Diastolic blood pressure",
        "mm[Hg]",
        "mmHg",
        "http://hl7.org/fhir/StructureDefinition/bp",
        ("mm[Hg]",),
    ),
    "spo2": VitalCode(
        "spo2",
        SPO2,
        "Oxygen saturation in Arterial blood",
        "%",
        "%",
        "http://hl7.org/fhir/StructureDefinition/oxygensat",
        ("%",),
    ),
}
BP_PROFILE = "http://hl7.org/fhir/StructureDefinition/bp"
VITALS_PANEL_PROFILE = "http://hl7.org/fhir/StructureDefinition/vitalspanel"
PULSE_OXIMETRY_DISPLAY = "Oxygen saturation in Arterial blood by Pulse oximetry"

# --- withdrawal scales -------------------------------------------------------------------------
# No LOINC code was found for CIWA-B, and the CIWA-Ar total code 72109-3 seen in one code base
# could not be verified: both totals use local codes, each scale a local Questionnaire.
SCALE_TOTAL_CODES: dict[str, tuple[str, str]] = {
    "CIWA-B": ("ciwa-b-total", "CIWA-B total score"),
    "CIWA-Ar": ("ciwa-ar-total", "CIWA-Ar total score"),
}
QUESTIONNAIRE_URLS: dict[str, str] = {
    "CIWA-B": f"{LOCAL}:questionnaire:ciwa-b",
    "CIWA-Ar": f"{LOCAL}:questionnaire:ciwa-ar",
}

# --- medicines ---------------------------------------------------------------------------------
MG = {"unit": "mg", "system": UCUM, "code": "mg"}
TABLET = {"unit": "tablet", "system": UCUM, "code": "{tbl}"}  # UCUM's annotation form
DISCHARGE_SUMMARY = "18842-5"  # LOINC document type [S85]


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [coding(system, code, display)]}
    if display:
        out["text"] = display
    return out


def medication_concept(drug: str) -> dict[str, Any]:
    """A drug as RxNorm ingredient and ATC codes [S52][S53] (from models.clinical.drugs)."""
    known = get_drug(drug)
    return {
        "coding": [coding(RXNORM, known.rxnorm, known.name), coding(ATC, known.atc, known.name)],
        "text": known.name,
    }


def mg_quantity(ug: int) -> dict[str, Any]:
    """A dose in mg (UCUM "mg"); exact, since doses are whole micrograms."""
    value: float | int = ug // 1000 if ug % 1000 == 0 else ug / 1000
    return {"value": value, **MG}


# --- sources (models.clinical.sources) ---------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber("LOINC type of the discharge summary", DISCHARGE_SUMMARY, ("S85",)),
    ClinicalNumber(
        "LOINC codes of vital signs",
        f"panel {VITALS_PANEL}, blood pressure panel {BP_PANEL}, "
        + ", ".join(f"{v.display.lower()} {v.loinc}" for v in VITAL_CODES.values()),
        ("S43",),
    ),
    ClinicalNumber(
        "Pulse oximetry",
        f"{SPO2} with {PULSE_OXIMETRY} beside it, in %",
        ("S43", "S44", "S45"),
    ),
    ClinicalNumber(
        "UCUM units of vital signs",
        ", ".join(f"{v.display.lower()} {v.ucum}" for v in VITAL_CODES.values()),
        ("S44", "S46"),
    ),
    ClinicalNumber(
        "Sedation scores in FHIR",
        f"Observations with local codes {LOCAL_OBSERVATION}|{RASS} and |{POSS} (no LOINC code "
        "found); the level as a code of its scale",
        ("S66", "S68"),
    ),
    ClinicalNumber(
        "ACVPU levels", ", ".join(f"{k} {v.lower()}" for k, v in ACVPU_LABELS.items()), ("S34",)
    ),
    ClinicalNumber(
        "A charted dose in FHIR",
        "given: MedicationAdministration completed; held, refused or not given: not-done with "
        "a statusReason",
        ("S47", "S48"),
    ),
    ClinicalNumber(
        "Reasons a dose was not given, in FHIR's code system",
        ", ".join(
            f"{ward.replace('_', ' ')} as {code} ({text})"
            for ward, (code, text) in REASON_NOT_GIVEN_CODES.items()
        )
        + "; every reason also in the ward's own code system",
        ("S48",),
    ),
    ClinicalNumber(
        "Flag severities",
        ", ".join(FLAG_PRIORITY_CODES),
        ("S51", "S35"),
        "FHIR DetectedIssue's three, and emergency for a NEWS2 emergency response.",
    ),
    ClinicalNumber("Drug codes in exports", "RxNorm and ATC, from the drug list", ("S52", "S53")),
)
