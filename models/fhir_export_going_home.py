"""What an exported discharged stay adds: the rest of the taper as a MedicationRequest per drug,
what to dispense (a supply request per tablet strength), and the discharge summary as a
Composition whose sections refer to them (docs/going-home.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from typing import Any

from sqlmodel import Session

from models import fhir_codes as codes
from models.clinical.drugs import format_mg
from models.clinical.step_tolerance import StepTolerance
from models.clinical.tablets import Dispense, dispense_words
from models.fhir_export_medication import step_dosages
from models.fhir_refs import ExportContext, identifier, instant, ref
from models.going_home import GoingHome, StayFacts, going_home, stay_facts, stay_tolerance
from models.tables import Flag


def discharge_resources(
    session: Session, ctx: ExportContext, plan_keys: Sequence[str]
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
    home: GoingHome, drug: str, quantity: Dispense | None, ctx: ExportContext
) -> dict[str, Any]:
    choice = home.choices[drug]
    dosages: list[dict[str, Any]] = []
    for position, step in enumerate(home.steps):
        if drug not in step.daily_ug:
            continue
        last_day = None
        if position + 1 < len(home.steps):
            last_day = home.steps[position + 1].start - timedelta(days=1)
        for dosage in step_dosages(step, drug, last_day):
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
        "identifier": identifier(f"discharge/{ctx.admission.id}/{drug}"),
        "groupIdentifier": identifier(f"discharge/{ctx.admission.id}")[0],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": codes.medication_concept(drug),
        **ctx.subject(),
        "authoredOn": instant(home.admission.discharged_at or home.admission.admitted_at),
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
    home: GoingHome, drug: str, strength: int, count: int, taper_key: str, ctx: ExportContext
) -> dict[str, Any]:
    scored = any(t.scored for t in home.choices[drug].tablets if t.strength_ug == strength)
    product = f"{drug} {format_mg(strength)} mg tablet" + (" (scored)" if scored else "")
    return {
        "resourceType": "MedicationRequest",
        "identifier": identifier(f"{taper_key}/{strength}"),
        "groupIdentifier": identifier(f"discharge/{ctx.admission.id}")[0],
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": {**codes.medication_concept(drug), "text": product},
        **ctx.subject(),
        "authoredOn": instant(home.admission.discharged_at or home.admission.admitted_at),
        "requester": ctx.name(home.admission.attending_id),
        "basedOn": [ref(taper_key)],
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
    ctx: ExportContext,
) -> dict[str, Any]:
    plan_keys, taper_keys = keys
    tz = home.tz

    def when(at: datetime) -> str:
        return f"{at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})"

    drug, ug, de = facts.admission_dose
    discharge_doses = ", ".join(
        f"{d} {format_mg(u)} mg a day" for d, u in sorted(facts.discharge_dose.items())
    )
    attending = facts.attending or "unknown"
    stay = [f"Admitted {when(facts.admitted_at)}", f"Attending {attending}"]
    if facts.discharged_at is not None:
        stay.insert(1, f"Discharged {when(facts.discharged_at)}")
    doses = [f"At admission: {drug} {format_mg(ug)} mg a day (diazepam-equivalent {de:g} mg)"]
    if discharge_doses:
        doses.append(
            f"At discharge: {discharge_doses} (diazepam-equivalent {facts.discharge_de_mg:g} mg)"
        )
    versions = [
        f"Version {v.version} ({v.change}, {v.status}) {when(v.created_at)} "
        f"by {v.author or 'unknown'}: "
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
            [f"Not recorded in Taperwatch; the attending was {attending}."],
            [],
        ),
    ]
    return {
        "resourceType": "Composition",
        "identifier": identifier(f"discharge/{ctx.admission.id}/summary")[0],
        "status": "final",
        "type": {
            "coding": [codes.coding(codes.LOINC, codes.DISCHARGE_SUMMARY, "Discharge summary")],
            "text": "Discharge summary",
        },
        **ctx.subject(),
        "date": instant(home.admission.discharged_at or home.admission.admitted_at),
        "author": [ctx.name(home.admission.attending_id)],
        "title": "Discharge summary",
        "section": [
            {
                "title": title,
                "text": _narrative(lines),
                **({"entry": [ref(k) for k in keys]} if keys else {}),
            }
            for title, lines, keys in sections
        ],
    }
