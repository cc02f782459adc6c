"""Loading an EHR's FHIR R4 Bundle: its Patient, Encounter and vital-sign Observations become a
Taperwatch patient, admission and vital signs.

- Idempotent: the patient is found by MRN, the admission by the Encounter's identifier
  (Admission.external_id), a reading set by its Observations' identifiers (VitalSigns.external_id)
  or, failing that, by its time. Importing the same bundle twice adds nothing.
- All or nothing: the whole bundle is checked first and every resource it cannot take is
  reported (resource and reason) in one BundleRefused; nothing is written unless all is well,
  and the writes share the caller's transaction (models.db.transaction).
- Vitals go through charting's own validation (models.charting.record_vitals): plausible ranges,
  NEWS2, audit.
- Reading sets: HR, RR, temperature, BP and SpO2 usually come as separate Observations; those
  at the same effective time form one VitalSigns row. Taperwatch stores complete NEWS2 sets
  only, so a set missing any reading is refused, naming what is missing. Supplemental oxygen
  and ACVPU have no sourced standard code (Taperwatch exports them with local codes); a set
  without them is refused too, unless the caller passes ``assume_alert_on_air`` (then: room
  air, Alert, and the import says how many sets it assumed this for).
- Other resources (MedicationRequest, QuestionnaireResponse...) and Observations that are not
  vital signs are skipped and counted, not refused: a Taperwatch export imports as its vitals.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError
from sqlalchemy import and_, false, or_
from sqlmodel import Session, SQLModel, col, select

from models import fhir_codes as codes
from models.admissions import admit, discharge, find_patient
from models.audit import Actor, audit_event, snapshot, update_audited
from models.charting import BACKDATE_LIMIT, FUTURE_TOLERANCE, record_vitals
from models.clinical.news2 import Vitals
from models.clinical.vitals import validate_vitals
from models.errors import FieldError, ValidationFailed
from models.tables import SEXES, Admission, Patient, VitalSigns

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
_MODELS: dict[str, Any] = {
    "Patient": FhirPatient,
    "Encounter": Encounter,
    "Observation": Observation,
}


@dataclass(frozen=True)
class ResourceProblem:
    resource: str  # "Observation/hr-1", "Encounter (entry 2)"
    reason: str

    def __str__(self) -> str:
        return f"{self.resource}: {self.reason}"


class BundleRefused(ValueError):
    """The bundle was not imported (nothing was written); ``problems`` says why, per resource."""

    def __init__(self, problems: list[ResourceProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"the bundle was refused and nothing was imported:\n{lines}")


@dataclass(frozen=True)
class ImportResult:
    patient_id: int
    admission_id: int
    patient_created: bool
    admission_created: bool
    vitals_added: int
    vitals_already_present: int
    skipped: dict[str, int]  # resources not imported, by kind
    notes: tuple[str, ...]


@dataclass
class _Entry:
    index: int
    full_url: str | None
    resource: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.resource.get("resourceType"))

    @property
    def label(self) -> str:
        if isinstance(self.resource.get("id"), str):
            return f"{self.type}/{self.resource['id']}"
        if self.full_url:
            return f"{self.type} {self.full_url}"
        return f"{self.type} (entry {self.index})"

    def is_target_of(self, reference: object) -> bool:
        """Whether a Reference points at this entry (by fullUrl, "Type/id" or an absolute URL
        ending in it)."""
        ref = reference.get("reference") if isinstance(reference, dict) else None
        if not isinstance(ref, str):
            return False
        if self.full_url and ref == self.full_url:
            return True
        rid = self.resource.get("id")
        local = f"{self.type}/{rid}"
        return isinstance(rid, str) and (ref == local or ref.endswith(f"/{local}"))


@dataclass(frozen=True)
class _PatientData:
    mrn: str
    family: str
    given: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class _EncounterData:
    keys: tuple[str, ...]  # identifiers as "system|value"
    start: datetime
    end: datetime | None
    bed: str | None


@dataclass
class _ReadingSet:
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


class _Problems:
    def __init__(self) -> None:
        self.items: list[ResourceProblem] = []

    def add(self, resource: str, reason: str) -> None:
        self.items.append(ResourceProblem(resource, reason))

    def raise_if_any(self) -> None:
        if self.items:
            raise BundleRefused(self.items)


def import_bundle(
    session: Session,
    actor: Actor,
    bundle: object,
    ward_id: int,
    attending_id: int,
    *,
    now: datetime,
    bed: str | None = None,
    drug: str | None = None,
    daily_ug: int | None = None,
    admission_id: int | None = None,
    assume_alert_on_air: bool = False,
) -> ImportResult:
    """Import ``bundle`` (a parsed JSON object). A new admission goes to ``ward_id`` under
    ``attending_id``, in ``bed`` (default: the Encounter's bed location) with the baseline
    ``drug`` and ``daily_ug`` the EHR's Encounter does not carry. ``admission_id`` links the
    Encounter to a patient's admission made in Taperwatch. Raises BundleRefused."""
    actor.require("nurse", "physician")
    problems = _Problems()
    entries = _entries(bundle, problems)
    problems.raise_if_any()
    skipped: Counter[str] = Counter()
    patient_entry, encounter_entry = (
        _the_one(entries, "Patient", problems),
        _the_one(entries, "Encounter", problems),
    )
    for entry in entries:
        if entry.type in _MODELS:
            _check_structure(entry, problems)
        else:
            skipped[entry.type] += 1
    problems.raise_if_any()
    assert patient_entry is not None and encounter_entry is not None
    patient_data = _patient(patient_entry, problems)
    encounter_data = _encounter(encounter_entry, patient_entry, problems)
    sets, untimed = _reading_sets(entries, patient_entry, encounter_entry, skipped, problems)
    # A refused Observation with no time leaves some set short: which one is unknowable, so
    # incomplete sets are then not reported (the refusal says what to fix first).
    assumed = _complete(sets, assume_alert_on_air, problems, report=not untimed)
    checked = {at: _validate(reading_set, problems) for at, reading_set in sets.items()}
    problems.raise_if_any()
    assert patient_data is not None and encounter_data is not None

    plan = _Plan.make(
        session,
        problems,
        patient_entry,
        encounter_entry,
        patient_data,
        encounter_data,
        admission_id=admission_id,
        bed=bed,
        drug=drug,
        daily_ug=daily_ug,
        now=now,
    )
    new_sets = plan.sort_sets(session, sets, checked, problems, now)
    problems.raise_if_any()
    return plan.write(
        session,
        actor,
        ward_id=ward_id,
        attending_id=attending_id,
        now=now,
        new_sets=new_sets,
        checked=checked,
        present=len(sets) - len(new_sets),
        skipped=dict(skipped),
        assumed=assumed,
        bundle_id=_bundle_id(bundle),
    )


# --- the envelope -----------------------------------------------------------------------------

# What one import may be: a stay's bundle is tens of kilobytes and a few hundred entries; FHIR
# resources nest a handful of levels. Larger or deeper input is refused before it is read.
MAX_BUNDLE_BYTES = 5_000_000
MAX_BUNDLE_ENTRIES = 5_000
MAX_BUNDLE_DEPTH = 32


def parse_bundle(data: bytes | str) -> object:
    """The JSON of a bundle file, refused (BundleRefused, nothing read further) when it is too
    large, not JSON, or nested deeper than any FHIR resource is."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if len(raw) > MAX_BUNDLE_BYTES:
        size_mb = len(raw) / 1_000_000
        raise BundleRefused(
            [
                ResourceProblem(
                    "bundle",
                    f"the file is {size_mb:.1f} MB; import at most "
                    f"{MAX_BUNDLE_BYTES // 1_000_000} MB at a time",
                )
            ]
        )
    if nesting_depth(raw, MAX_BUNDLE_DEPTH) > MAX_BUNDLE_DEPTH:
        raise BundleRefused(
            [ResourceProblem("bundle", f"nests deeper than {MAX_BUNDLE_DEPTH} levels")]
        )
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        where = (
            f" (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise BundleRefused([ResourceProblem("bundle", f"is not JSON{where}")]) from None


def nesting_depth(raw: bytes, stop_above: int) -> int:
    """The deepest bracket nesting of a JSON text, strings skipped, counted only up to one
    above ``stop_above`` (before parsing, so that hostile input cannot exhaust a parser's
    recursion)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_above:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _column_length(table: str, column: str) -> int:
    length = getattr(SQLModel.metadata.tables[table].columns[column].type, "length", None)
    assert isinstance(length, int)
    return length


def _entries(bundle: object, problems: _Problems) -> list[_Entry]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        problems.add("bundle", 'not a FHIR Bundle (its resourceType must be "Bundle")')
        return []
    raw = bundle.get("entry")
    if not isinstance(raw, list) or not raw:
        problems.add("bundle", "has no entries")
        return []
    if len(raw) > MAX_BUNDLE_ENTRIES:
        problems.add(
            "bundle", f"has {len(raw)} entries; import at most {MAX_BUNDLE_ENTRIES} at a time"
        )
        return []
    out: list[_Entry] = []
    for index, item in enumerate(raw):
        resource = item.get("resource") if isinstance(item, dict) else None
        if not isinstance(resource, dict):
            problems.add(f"entry {index}", "has no resource")
            continue
        full_url = item.get("fullUrl") if isinstance(item.get("fullUrl"), str) else None
        if not isinstance(resource.get("resourceType"), str):
            where = f"entry {index}" + (f" ({full_url})" if full_url else "")
            problems.add(where, "the resource has no resourceType")
            continue
        out.append(_Entry(index, full_url, resource))
    return out


def _bundle_id(bundle: object) -> str | None:
    value = bundle.get("id") if isinstance(bundle, dict) else None
    return value if isinstance(value, str) else None


def _the_one(entries: list[_Entry], kind: str, problems: _Problems) -> _Entry | None:
    found = [entry for entry in entries if entry.type == kind]
    if len(found) != 1:
        problems.add("bundle", f"has {len(found)} {kind} resources; import one {kind} per bundle")
        return None
    return found[0]


def _check_structure(entry: _Entry, problems: _Problems) -> None:
    """FHIR's own structural rules (types, cardinality, unknown elements), via fhir.resources."""
    try:
        _MODELS[entry.type].model_validate(entry.resource)
    except ValidationError as exc:
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error["loc"]) or "resource"
            problems.add(entry.label, f"not valid FHIR: {where}: {error['msg']}")


# --- Patient and Encounter ---------------------------------------------------------------------


def _patient(entry: _Entry, problems: _Problems) -> _PatientData | None:
    resource = entry.resource
    mrn = _mrn(resource.get("identifier") or [])
    if not mrn:
        problems.add(
            entry.label,
            "no medical record number: give an identifier of type MR "
            f"({codes.IDENTIFIER_TYPE}) or system {codes.MRN_SYSTEM}",
        )
    names = [n for n in resource.get("name") or [] if n.get("family") and n.get("given")]
    if not names:
        problems.add(entry.label, "needs a name with family and given parts")
    birth = resource.get("birthDate")
    birth_date = _full_date(birth)
    if birth_date is None:
        problems.add(entry.label, "needs a full birthDate (YYYY-MM-DD)")
    gender = resource.get("gender")
    if not (mrn and names and birth_date):
        return None
    name = names[0]
    too_long = [
        f"{what} is longer than {limit} characters"
        for what, value, limit in (
            ("the medical record number", mrn.strip(), _column_length("patient", "mrn")),
            ("the family name", str(name["family"]), _column_length("patient", "family_name")),
            ("the given name", str(name["given"][0]), _column_length("patient", "given_name")),
        )
        if len(value) > limit
    ]
    for problem in too_long:
        problems.add(entry.label, problem)
    if too_long:
        return None
    return _PatientData(
        mrn=mrn.strip().upper(),
        family=str(name["family"]),
        given=str(name["given"][0]),
        birth_date=birth_date,
        sex=gender if gender in SEXES else "unknown",
    )


def _full_date(text: object) -> date | None:
    if not isinstance(text, str) or len(text) != 10:
        return None  # FHIR allows "1970" or "1970-05"; a patient needs the whole date
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _mrn(identifiers: list[dict[str, Any]]) -> str | None:
    def is_mrn(ident: dict[str, Any]) -> bool:
        typed = ident.get("type") or {}
        return ident.get("system") == codes.MRN_SYSTEM or any(
            c.get("system") == codes.IDENTIFIER_TYPE and c.get("code") == "MR"
            for c in typed.get("coding") or []
        )

    chosen = [i for i in identifiers if is_mrn(i)] or (identifiers if len(identifiers) == 1 else [])
    value = chosen[0].get("value") if chosen else None
    return value if isinstance(value, str) and value.strip() else None


def identifier_key(identifier: dict[str, Any]) -> str | None:
    value = identifier.get("value")
    if not isinstance(value, str) or not value:
        return None
    system = identifier.get("system")
    return f"{system}|{value}" if isinstance(system, str) and system else value


def _encounter(entry: _Entry, patient: _Entry, problems: _Problems) -> _EncounterData | None:
    resource = entry.resource
    keys = tuple(k for k in (identifier_key(i) for i in resource.get("identifier") or []) if k)
    ok = True
    if not keys:
        problems.add(
            entry.label, "has no identifier; it is how a second import finds the admission again"
        )
        ok = False
    elif any(len(key) > 128 for key in keys):
        problems.add(entry.label, "an identifier is longer than 128 characters")
        ok = False
    if resource.get("status") in ("planned", "cancelled", "entered-in-error"):
        problems.add(entry.label, f"status {resource['status']!r}: only a real stay is imported")
        ok = False
    if not patient.is_target_of(resource.get("subject")):
        problems.add(entry.label, f"its subject must be the bundle's Patient ({patient.label})")
        ok = False
    period = resource.get("period") or {}
    start = _instant(period.get("start"))
    end = _instant(period.get("end")) if period.get("end") else None
    if start is None:
        problems.add(entry.label, "needs period.start with a time and timezone (the admission)")
        ok = False
    if period.get("end") and end is None:
        problems.add(entry.label, "period.end needs a time and timezone")
        ok = False
    if not ok or start is None:
        return None
    return _EncounterData(keys=keys, start=start, end=end, bed=_bed(resource))


def _bed(resource: dict[str, Any]) -> str | None:
    for place in resource.get("location") or []:
        kinds = (place.get("physicalType") or {}).get("coding") or []
        if any(c.get("code") == "bd" for c in kinds):
            display = (place.get("location") or {}).get("display")
            if isinstance(display, str) and display.strip():
                return display.strip()
    return None


def _instant(text: object) -> datetime | None:
    """A FHIR dateTime/instant with a time and a timezone, as aware UTC; else None."""
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None


# --- Observations -----------------------------------------------------------------------------


def _reading_sets(
    entries: list[_Entry],
    patient: _Entry,
    encounter: _Entry,
    skipped: Counter[str],
    problems: _Problems,
) -> tuple[dict[datetime, _ReadingSet], bool]:
    """The reading sets by time, and whether a refused Observation had no time."""
    sets: dict[datetime, _ReadingSet] = {}
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
                    sets.setdefault(at, _ReadingSet(at)).damaged = True
            continue
        at, key, values = reading
        reading_set = sets.setdefault(at, _ReadingSet(at))
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
    return _instant(resource.get("effectiveDateTime") or resource.get("effectiveInstant"))


def _reading(
    entry: _Entry, patient: _Entry, encounter: _Entry, skipped: Counter[str], problems: _Problems
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


def _observation_key(entry: _Entry) -> str | None:
    for identifier in entry.resource.get("identifier") or []:
        key = identifier_key(identifier)
        if key:
            return key
    if isinstance(entry.resource.get("id"), str):
        return f"Observation/{entry.resource['id']}"
    return entry.full_url


def _values(entry: _Entry, kind: str, problems: _Problems) -> dict[str, object] | None:
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


def _quantity(entry: _Entry, name: str, quantity: object, problems: _Problems) -> object | None:
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


def _complete(
    sets: dict[datetime, _ReadingSet],
    assume_alert_on_air: bool,
    problems: _Problems,
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


def _validate(reading_set: _ReadingSet, problems: _Problems) -> Vitals | None:
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


# --- the database side ------------------------------------------------------------------------


@dataclass
class _Plan:
    """What the import will do, decided (and refused if need be) before anything is written."""

    patient_data: _PatientData
    encounter_data: _EncounterData
    encounter_label: str
    patient: Patient | None
    admission: Admission | None  # existing admission, or None for a new one
    link: bool  # set the existing admission's external_id
    bed: str | None
    drug: str | None
    daily_ug: int | None

    @classmethod
    def make(
        cls,
        session: Session,
        problems: _Problems,
        patient_entry: _Entry,
        encounter_entry: _Entry,
        patient_data: _PatientData,
        encounter_data: _EncounterData,
        *,
        admission_id: int | None,
        bed: str | None,
        drug: str | None,
        daily_ug: int | None,
        now: datetime,
    ) -> _Plan:
        patient = find_patient(session, patient_data.mrn)
        if patient is not None and patient.birth_date != patient_data.birth_date:
            problems.add(
                patient_entry.label,
                f"MRN {patient.mrn} is registered with birth date "
                f"{patient.birth_date.isoformat()}, not "
                f"{patient_data.birth_date.isoformat()}; check the MRN",
            )
        label = encounter_entry.label
        admission = session.exec(
            select(Admission).where(col(Admission.external_id).in_(encounter_data.keys))
        ).first()
        link = False
        if admission is not None:
            if patient is None or admission.patient_id != patient.id:
                problems.add(
                    label,
                    f"already imported as admission {admission.id} of another "
                    "patient; check the MRN",
                )
            elif admission_id is not None and admission_id != admission.id:
                problems.add(
                    label, f"already imported as admission {admission.id}, not {admission_id}"
                )
        elif admission_id is not None:
            admission = session.get(Admission, admission_id)
            if admission is None:
                problems.add(label, f"no admission {admission_id} to import into")
            elif patient is None or admission.patient_id != patient.id:
                problems.add(label, f"admission {admission_id} is another patient's")
            elif admission.external_id is not None:
                problems.add(
                    label,
                    f"admission {admission_id} is already linked to EHR "
                    f"encounter {admission.external_id}",
                )
            link = True
        else:
            if drug is None or not daily_ug:
                problems.add(
                    label,
                    "a new admission needs the baseline benzodiazepine and its "
                    "daily dose, which an Encounter does not carry (CLI: --drug and "
                    "--daily-mg)",
                )
            if not (bed or encounter_data.bed):
                problems.add(
                    label,
                    "a new admission needs a bed: none in Encounter.location "
                    "(physicalType bd); give one (CLI: --bed)",
                )
        if encounter_data.end is not None and encounter_data.end > now + FUTURE_TOLERANCE:
            problems.add(label, "period.end is in the future")
        return cls(
            patient_data,
            encounter_data,
            label,
            patient,
            admission,
            link,
            bed or encounter_data.bed,
            drug,
            daily_ug,
        )

    def sort_sets(
        self,
        session: Session,
        sets: dict[datetime, _ReadingSet],
        checked: dict[datetime, Vitals | None],
        problems: _Problems,
        now: datetime,
    ) -> dict[datetime, str]:
        """The sets to add (time -> external_id); refuses those outside the stay and those
        that clash with a reading already charted."""
        start = self.admission.admitted_at if self.admission else self.encounter_data.start
        end = self.admission.discharged_at if self.admission else self.encounter_data.end
        key = self.encounter_data.keys[0]
        new: dict[datetime, str] = {}
        existing = self._existing(session, sets, key)
        for at, reading_set in sorted(sets.items()):
            external_id = set_external_id(key, reading_set.keys)
            if at < start:
                problems.add(reading_set.label, f"before the admission ({start.isoformat()})")
            elif end is not None and at > end:
                problems.add(reading_set.label, f"after the discharge ({end.isoformat()})")
            elif at > now + FUTURE_TOLERANCE:
                problems.add(reading_set.label, "in the future")
            row = existing.get(external_id) or existing.get(at.isoformat())
            if row is None:
                new[at] = external_id
            elif not _same(row, checked[at]):
                problems.add(
                    reading_set.label,
                    f"differs from the reading already charted at "
                    f"that time (vital signs {row.id}); corrections are not imported: "
                    "mark that entry in error first",
                )
        if new and self.admission is not None and self.admission.discharged_at is not None:
            problems.add(
                self.encounter_label,
                f"admission {self.admission.id} is discharged and "
                f"read-only; {len(new)} new reading sets cannot be added",
            )
        return new

    def _existing(
        self, session: Session, sets: dict[datetime, _ReadingSet], key: str
    ) -> dict[str, VitalSigns]:
        """Rows already there, by external_id and by time (the time only among rows that are
        not in error)."""
        if self.admission is None or not sets:
            return {}
        ids = [set_external_id(key, s.keys) for s in sets.values()]
        rows = session.exec(
            select(VitalSigns).where(
                VitalSigns.admission_id == self.admission.id,
                or_(
                    col(VitalSigns.external_id).in_(ids),
                    and_(
                        col(VitalSigns.taken_at).in_(list(sets)),
                        col(VitalSigns.entered_in_error) == false(),
                    ),
                ),
            )
        ).all()
        out: dict[str, VitalSigns] = {}
        for row in rows:
            if row.external_id:
                out[row.external_id] = row
            if not row.entered_in_error:
                out.setdefault(row.taken_at.isoformat(), row)
        return out

    def write(
        self,
        session: Session,
        actor: Actor,
        *,
        ward_id: int,
        attending_id: int,
        now: datetime,
        new_sets: dict[datetime, str],
        checked: dict[datetime, Vitals | None],
        present: int,
        skipped: dict[str, int],
        assumed: int,
        bundle_id: str | None,
    ) -> ImportResult:
        patient_created = self.patient is None
        admission = self.admission
        created = admission is None
        try:
            # A savepoint: whatever the caller does with the session after a refusal, none of
            # this bundle's writes survive it.
            with session.begin_nested():
                if admission is None:
                    admission = self._admit(session, actor, ward_id, attending_id, now)
                elif self.link:
                    self._link(session, actor, admission)
                self._add_vitals(session, actor, admission, new_sets, checked, now)
                if created and self.encounter_data.end is not None:
                    assert admission.id is not None
                    discharge(
                        session=session,
                        actor=actor,
                        admission_id=admission.id,
                        at=self.encounter_data.end,
                        now=now,
                    )
        except ValidationFailed as exc:
            raise BundleRefused(
                [ResourceProblem(self.encounter_label, e.message) for e in exc.errors]
            ) from exc
        except FieldError as exc:
            raise BundleRefused([ResourceProblem(self.encounter_label, str(exc))]) from exc
        notes = []
        if assumed:
            notes.append(
                f"{assumed} reading sets had no supplemental-oxygen or ACVPU reading: "
                "recorded as room air and Alert, as asked"
            )
        if not created and self.encounter_data.end and admission.discharged_at is None:
            notes.append(
                f"the EHR's encounter ended at {self.encounter_data.end.isoformat()}; "
                "discharge the patient in Taperwatch if they have left"
            )
        audit_event(
            session,
            actor=actor,
            action="fhir.import",
            entity="admission",
            entity_id=admission.id,
            after={
                "bundle": bundle_id,
                "encounter": self.encounter_data.keys[0],
                "vitals_added": len(new_sets),
                "vitals_already_present": present,
                "skipped": skipped,
                "assumed_alert_on_air": assumed,
            },
        )
        assert admission.id is not None and admission.patient_id is not None
        return ImportResult(
            patient_id=admission.patient_id,
            admission_id=admission.id,
            patient_created=patient_created,
            admission_created=created,
            vitals_added=len(new_sets),
            vitals_already_present=present,
            skipped=skipped,
            notes=tuple(notes),
        )

    @staticmethod
    def _add_vitals(
        session: Session,
        actor: Actor,
        admission: Admission,
        new_sets: dict[datetime, str],
        checked: dict[datetime, Vitals | None],
        now: datetime,
    ) -> None:
        assert admission.id is not None
        # Readings from the EHR's record of the stay go back to the admission, not 24 hours.
        limit = max(BACKDATE_LIMIT, now - admission.admitted_at)
        for at, external_id in sorted(new_sets.items()):
            vitals = checked[at]
            assert vitals is not None
            record_vitals(
                session=session,
                actor=actor,
                admission_id=admission.id,
                taken_at=at,
                now=now,
                heart_rate=vitals.heart_rate,
                systolic=vitals.systolic,
                diastolic=vitals.diastolic,
                temperature_c=vitals.temperature_c,
                resp_rate=vitals.resp_rate,
                spo2=vitals.spo2,
                supplemental_o2=vitals.supplemental_o2,
                consciousness=vitals.consciousness,
                backdate_limit=limit,
                external_id=external_id,
            )

    def _admit(
        self, session: Session, actor: Actor, ward_id: int, attending_id: int, now: datetime
    ) -> Admission:
        data = self.patient_data
        assert self.drug is not None and self.daily_ug is not None and self.bed is not None
        admission = admit(
            session=session,
            actor=actor,
            ward_id=ward_id,
            mrn=data.mrn,
            family_name=data.family,
            given_name=data.given,
            birth_date=data.birth_date,
            sex=data.sex,
            bed=self.bed,
            attending_id=attending_id,
            drug=self.drug,
            daily_ug=self.daily_ug,
            admitted_at=self.encounter_data.start,
            now=now,
        )
        self._link(session, actor, admission)
        return admission

    def _link(self, session: Session, actor: Actor, admission: Admission) -> None:
        before = snapshot(admission)
        admission.external_id = self.encounter_data.keys[0]
        update_audited(
            session,
            actor=actor,
            action="admission.link_encounter",
            record=admission,
            before=before,
        )


def _same(row: VitalSigns, vitals: Vitals | None) -> bool:
    return vitals is not None and all(
        getattr(row, name) == getattr(vitals, name) for name in READING_NAMES
    )
