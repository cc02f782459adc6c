"""The Patient and the Encounter of an imported FHIR R4 Bundle, read into what an admission
needs (MRN, name, birth date, sex; the stay's identifiers, period and bed), each problem added to
the bundle's refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import SQLModel

from models import fhir_codes as codes
from models.fhir_bundle import Entry, Problems, identifier_key, instant
from models.tables import SEXES


@dataclass(frozen=True)
class PatientData:
    mrn: str
    family: str
    given: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class EncounterData:
    keys: tuple[str, ...]  # identifiers as "system|value"
    start: datetime
    end: datetime | None
    bed: str | None


def _column_length(table: str, column: str) -> int:
    length = getattr(SQLModel.metadata.tables[table].columns[column].type, "length", None)
    assert isinstance(length, int)
    return length


def read_patient(entry: Entry, problems: Problems) -> PatientData | None:
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
    return PatientData(
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


def read_encounter(entry: Entry, patient: Entry, problems: Problems) -> EncounterData | None:
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
    start = instant(period.get("start"))
    end = instant(period.get("end")) if period.get("end") else None
    if start is None:
        problems.add(entry.label, "needs period.start with a time and timezone (the admission)")
        ok = False
    if period.get("end") and end is None:
        problems.add(entry.label, "period.end needs a time and timezone")
        ok = False
    if not ok or start is None:
        return None
    return EncounterData(keys=keys, start=start, end=end, bed=_bed(resource))


def _bed(resource: dict[str, Any]) -> str | None:
    for place in resource.get("location") or []:
        kinds = (place.get("physicalType") or {}).get("coding") or []
        if any(c.get("code") == "bd" for c in kinds):
            display = (place.get("location") or {}).get("display")
            if isinstance(display, str) and display.strip():
                return display.strip()
    return None
