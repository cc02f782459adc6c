"""The vital-sign Observations of an imported FHIR R4 Bundle, gathered into reading sets (the
Observations of one effective time make one VitalSigns row) and checked with charting's own
validation, each problem added to the bundle's refusal.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from models import fhir_codes as codes
from models.clinical.news2 import Vitals
from models.clinical.vitals import validate_vitals
from models.errors import ValidationFailed
from models.fhir_bundle import Entry, Problems, identifier_key, instant

READING_NAMES = {
    "heart_rate": "heart rate (LOINC 8867-4)",
    "resp_rate": "respiratory rate (LOINC 9279-1)",
    "temperature_c": "body temperature (LOINC 8310-5)",
    "systolic": "systolic blood pressure (LOINC 8480-6, or panel 85354-9)",
    "diastolic": "diastolic blood pressure (LOINC 8462-4, or panel 85354-9)",
    "spo2": "SpO2 (LOINC 2708-6 or 59408-5)",
    "supplemental_o2": "supplemental oxygen",
    "consciousness": "ACVPU",
}
MEASURED = ("heart_rate", "resp_rate", "temperature_c", "systolic", "diastolic", "spo2")
_LOINC_FIELDS = {v.loinc: f for f, v in codes.VITAL_CODES.items()} | {codes.PULSE_OXIMETRY: "spo2"}
_USABLE_STATUSES = ("final", "amended", "corrected")
_IGNORED_STATUSES = ("entered-in-error", "cancelled")


@dataclass
class ReadingSet:
    """The Observations of one effective time: one VitalSigns row."""

    at: datetime
    values: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # field -> Observation label
    keys: list[str] = field(default_factory=list)
    damaged: bool = False  # one of its Observations was refused: the refusal says why

    @property
    def label(self) -> str:
        sources = ", ".join(sorted(set(self.sources.values())))
        return f"Observations at {self.at.isoformat()} ({sources})"


def reading_sets(
    entries: list[Entry],
    patient: Entry,
    encounter: Entry,
    skipped: Counter[str],
    problems: Problems,
) -> tuple[dict[datetime, ReadingSet], bool]:
    """The reading sets by time, and whether a refused Observation had no time."""
    sets: dict[datetime, ReadingSet] = {}
    untimed = False
    for entry in entries:
        if entry.type != "Observation":
            continue
        refused_before = len(problems.items)
        reading = _reading(entry, patient, encounter, skipped, problems)
        if reading is None:
            if len(problems.items) > refused_before:
                at = _effective(entry.resource)
                if at is None:
                    untimed = True
                else:
                    sets.setdefault(at, ReadingSet(at)).damaged = True
            continue
        at, key, values = reading
        reading_set = sets.setdefault(at, ReadingSet(at))
        for name, value in values.items():
            if name in reading_set.values:
                problems.add(
                    entry.label,
                    f"a second {READING_NAMES[name]} at {at.isoformat()} "
                    f"(the first is {reading_set.sources[name]})",
                )
                continue
            reading_set.values[name] = value
            reading_set.sources[name] = entry.label
        reading_set.keys.append(key)
    return sets, untimed


def _effective(resource: dict[str, Any]) -> datetime | None:
    return instant(resource.get("effectiveDateTime") or resource.get("effectiveInstant"))


def _reading(
    entry: Entry, patient: Entry, encounter: Entry, skipped: Counter[str], problems: Problems
) -> tuple[datetime, str, dict[str, object]] | None:
    """(time, identity key, readings) of a vital-sign Observation; None if it is skipped or
    refused (the refusal is in ``problems``)."""
    resource = entry.resource
    coding = (resource.get("code") or {}).get("coding") or []
    loinc = [c.get("code") for c in coding if c.get("system") == codes.LOINC]
    local = [c.get("code") for c in coding if c.get("system") == codes.LOCAL_OBSERVATION]
    categories = {
        c.get("code")
        for category in resource.get("category") or []
        for c in category.get("coding") or []
        if c.get("system") == codes.OBSERVATION_CATEGORY
    }
    kind = _kind(loinc, local)
    if kind is None:
        if "vital-signs" not in categories:
            skipped["Observation (not a vital sign)"] += 1
        elif loinc:
            problems.add(
                entry.label,
                f"LOINC {', '.join(map(str, loinc))} is not a vital sign "
                "Taperwatch charts (it takes "
                + ", ".join(READING_NAMES[f] for f in MEASURED)
                + "); leave it out of the bundle",
            )
        else:
            problems.add(entry.label, "a vital sign without a LOINC code")
        return None
    if kind == "panel":
        skipped["Observation (vital-signs panel)"] += 1  # its members carry the readings
        return None
    status = resource.get("status")
    if status in _IGNORED_STATUSES:
        skipped[f"Observation ({status})"] += 1
        return None
    ok = True
    if status not in _USABLE_STATUSES:
        problems.add(
            entry.label,
            f"status {status!r}: only final, amended or corrected readings are imported",
        )
        ok = False
    at = _effective(resource)
    if at is None:
        problems.add(entry.label, "no time: give effectiveDateTime with a time and timezone")
        ok = False
    if not patient.is_target_of(resource.get("subject")):
        problems.add(entry.label, f"its subject must be the bundle's Patient ({patient.label})")
        ok = False
    if "encounter" in resource and not encounter.is_target_of(resource["encounter"]):
        problems.add(
            entry.label, f"its encounter must be the bundle's Encounter ({encounter.label})"
        )
        ok = False
    key = _observation_key(entry)
    if key is None:
        problems.add(
            entry.label,
            "has no identifier, id or fullUrl, so a second import could not recognise it",
        )
        ok = False
    values = _values(entry, kind, problems)
    if not ok or values is None or at is None or key is None:
        return None
    return at, key, values


def _kind(loinc: list[Any], local: list[Any]) -> str | None:
    if codes.VITALS_PANEL in loinc:
        return "panel"
    if codes.BP_PANEL in loinc:
        return "blood_pressure"
    for code in loinc:
        if code in _LOINC_FIELDS:
            return _LOINC_FIELDS[code]
    if codes.SUPPLEMENTAL_O2 in local:
        return "supplemental_o2"
    if codes.ACVPU in local:
        return "consciousness"
    return None


def _observation_key(entry: Entry) -> str | None:
    for identifier in entry.resource.get("identifier") or []:
        key = identifier_key(identifier)
        if key:
            return key
    if isinstance(entry.resource.get("id"), str):
        return f"Observation/{entry.resource['id']}"
    return entry.full_url


def _values(entry: Entry, kind: str, problems: Problems) -> dict[str, object] | None:
    resource = entry.resource
    if kind == "blood_pressure":
        out: dict[str, object] = {}
        for component in resource.get("component") or []:
            for c in (component.get("code") or {}).get("coding") or []:
                name = _LOINC_FIELDS.get(c.get("code")) if c.get("system") == codes.LOINC else None
                if name in ("systolic", "diastolic"):
                    value = _quantity(entry, name, component.get("valueQuantity"), problems)
                    if value is None:
                        return None
                    out[name] = value
        return out  # a missing half is reported with the whole set
    if kind == "supplemental_o2":
        if not isinstance(resource.get("valueBoolean"), bool):
            problems.add(entry.label, "supplemental oxygen needs valueBoolean (true or false)")
            return None
        return {kind: resource["valueBoolean"]}
    if kind == "consciousness":
        concept = resource.get("valueCodeableConcept") or {}
        level = next(
            (
                c.get("code")
                for c in concept.get("coding") or []
                if c.get("system") == codes.LOCAL_ACVPU
            ),
            None,
        )
        if level not in codes.ACVPU_LABELS:
            problems.add(
                entry.label,
                f"ACVPU needs valueCodeableConcept from {codes.LOCAL_ACVPU} (A, C, V, P or U)",
            )
            return None
        return {kind: level}
    value = _quantity(entry, kind, resource.get("valueQuantity"), problems)
    return None if value is None else {kind: value}


def _quantity(entry: Entry, name: str, quantity: object, problems: Problems) -> object | None:
    vital = codes.VITAL_CODES[name]
    if not isinstance(quantity, dict) or quantity.get("value") is None:
        problems.add(entry.label, f"{READING_NAMES[name]} has no valueQuantity")
        return None
    system = quantity.get("system")
    unit = quantity.get("code") or quantity.get("unit")
    if (system is not None and system != codes.UCUM) or unit not in vital.accepted_units:
        problems.add(
            entry.label,
            f"{READING_NAMES[name]} in {unit!r}; send it in UCUM "
            f"{' or '.join(vital.accepted_units)}",
        )
        return None
    value: object = quantity["value"]
    if unit == "[degF]":
        try:
            celsius = (Decimal(str(value)) - 32) * 5 / 9
        except InvalidOperation:
            return value  # validation reports it
        return celsius.quantize(Decimal("0.1"))
    return value


def complete_sets(
    sets: dict[datetime, ReadingSet],
    assume_alert_on_air: bool,
    problems: Problems,
    *,
    report: bool,
) -> int:
    """Refuse incomplete sets (naming what is missing); returns how many sets were assumed to
    be on room air and Alert."""
    assumed = 0
    for reading_set in sets.values():
        if reading_set.damaged:
            continue
        missing = [name for name in MEASURED if name not in reading_set.values]
        news2_inputs = [
            n for n in ("supplemental_o2", "consciousness") if n not in reading_set.values
        ]
        if news2_inputs and assume_alert_on_air:
            reading_set.values.setdefault("supplemental_o2", False)
            reading_set.values.setdefault("consciousness", "A")
            assumed += 1
            news2_inputs = []
        if report and (missing or news2_inputs):
            hint = (
                " (or import with the room-air-and-Alert assumption)"
                if news2_inputs and not missing
                else ""
            )
            problems.add(
                reading_set.label,
                "incomplete set: no "
                + ", ".join(READING_NAMES[n] for n in missing + news2_inputs)
                + "; Taperwatch stores complete NEWS2 sets only"
                + hint,
            )
    return assumed


# Stand-ins for the readings a set lacks, so that the readings it has are still checked: each
# inside the plausible ranges, and systolic 300 / diastolic 20 can never fail the systolic-above-
# diastolic check against a real reading.
_STAND_INS: dict[str, object] = {
    "heart_rate": 60,
    "systolic": 300,
    "diastolic": 20,
    "temperature_c": 37,
    "resp_rate": 16,
    "spo2": 98,
    "supplemental_o2": False,
    "consciousness": "A",
}


def validate_set(reading_set: ReadingSet, problems: Problems) -> Vitals | None:
    """Charting's own checks (plausible ranges, systolic above diastolic) on every reading the
    set has; the Vitals only for a complete set."""
    present = reading_set.values
    try:
        vitals = validate_vitals(**(_STAND_INS | present))
    except ValidationFailed as exc:
        for error in exc.errors:
            if error.field in present:
                problems.add(reading_set.sources.get(error.field, reading_set.label), error.message)
        return None
    if reading_set.damaged or any(name not in present for name in READING_NAMES):
        return None
    return vitals


def set_external_id(encounter_key: str, observation_keys: list[str]) -> str:
    """VitalSigns.external_id of a set: a digest of its Observations' identifiers within the
    encounter (fits the column whatever the identifiers' length)."""
    text = "\n".join([encounter_key, *sorted(observation_keys)])
    return "fhir-obs:" + hashlib.sha256(text.encode()).hexdigest()
