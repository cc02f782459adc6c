"""The envelope of an imported FHIR R4 Bundle: the size and nesting limits checked before it is
read, its entries, FHIR's own structural rules per resource, and the refusal that names every
resource the import cannot take (models.fhir_import writes nothing unless this finds no problem).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient as FhirPatient
from pydantic import ValidationError

MODELS: dict[str, Any] = {
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


@dataclass
class Entry:
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


class Problems:
    def __init__(self) -> None:
        self.items: list[ResourceProblem] = []

    def add(self, resource: str, reason: str) -> None:
        self.items.append(ResourceProblem(resource, reason))

    def raise_if_any(self) -> None:
        if self.items:
            raise BundleRefused(self.items)


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


def bundle_entries(bundle: object, problems: Problems) -> list[Entry]:
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
    out: list[Entry] = []
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
        out.append(Entry(index, full_url, resource))
    return out


def bundle_id(bundle: object) -> str | None:
    value = bundle.get("id") if isinstance(bundle, dict) else None
    return value if isinstance(value, str) else None


def the_one(entries: list[Entry], kind: str, problems: Problems) -> Entry | None:
    found = [entry for entry in entries if entry.type == kind]
    if len(found) != 1:
        problems.add("bundle", f"has {len(found)} {kind} resources; import one {kind} per bundle")
        return None
    return found[0]


def check_structure(entry: Entry, problems: Problems) -> None:
    """FHIR's own structural rules (types, cardinality, unknown elements), via fhir.resources."""
    try:
        MODELS[entry.type].model_validate(entry.resource)
    except ValidationError as exc:
        for error in exc.errors()[:3]:
            where = ".".join(str(part) for part in error["loc"]) or "resource"
            problems.add(entry.label, f"not valid FHIR: {where}: {error['msg']}")


def identifier_key(identifier: dict[str, Any]) -> str | None:
    value = identifier.get("value")
    if not isinstance(value, str) or not value:
        return None
    system = identifier.get("system")
    return f"{system}|{value}" if isinstance(system, str) and system else value


def instant(text: object) -> datetime | None:
    """A FHIR dateTime/instant with a time and a timezone, as aware UTC; else None."""
    if not isinstance(text, str) or "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo is not None else None
