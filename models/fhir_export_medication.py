"""The medication of an exported admission as FHIR resources: a MedicationRequest per taper plan
version and drug and per PRN order version, and a MedicationAdministration per charted dose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from models import fhir_codes as codes
from models.charting import REASONS_BY_STATUS
from models.clinical.drugs import format_mg
from models.clinical.taper import PlannedStep
from models.fhir_refs import ExportContext, identifier, instant, ref
from models.plans import stored_steps
from models.tables import (
    DoseAdministration,
    PrnOrder,
    ScheduledDose,
    TaperPlan,
)

_DOSE_STATUS = {
    "given": "completed",
    "held": "not-done",
    "refused": "not-done",
    "not_given": "not-done",
}  # [S47][S48]
_PLAN_STATUS = {"active": "active", "superseded": "stopped", "completed": "completed"}


def plan_requests(session: Session, ctx: ExportContext) -> list[tuple[str, dict[str, Any]]]:
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
    plan: TaperPlan, drug: str, steps: Sequence[PlannedStep], prior: str | None, ctx: ExportContext
) -> dict[str, Any]:
    dosages: list[dict[str, Any]] = []
    for position, step in enumerate(steps):
        if drug not in step.daily_ug:
            continue
        last_day = None
        if position + 1 < len(steps):
            last_day = steps[position + 1].start - timedelta(days=1)
        dosages += step_dosages(step, drug, last_day)
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": identifier(medication_request_key(plan.id or 0, drug)),
        "groupIdentifier": identifier(f"taper_plan/{plan.id}")[0],
        "status": _PLAN_STATUS[plan.status],
        "intent": "order",
        "medicationCodeableConcept": codes.medication_concept(drug),
        **ctx.subject(),
        "authoredOn": instant(plan.created_at),
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
        request["priorPrescription"] = ref(prior)
    return request


def step_dosages(step: PlannedStep, drug: str, last_day: date | None) -> list[dict[str, Any]]:
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


def prn_order_key(order_id: int) -> str:
    return f"prn_order/{order_id}"


def prn_order_requests(
    session: Session, ctx: ExportContext, now: datetime | None
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
    order: PrnOrder, prior: str | None, ctx: ExportContext, now: datetime | None
) -> dict[str, Any]:
    """``now``: an active order past its stop is "completed" (without ``now`` the export does
    not depend on the clock, and its bounds say when it stopped)."""
    status = "active" if order.status == "active" else "stopped"
    expired = order.stop_at is not None and now is not None and order.stop_at <= now
    if order.status == "active" and expired:
        status = "completed"
    bounds = {"start": instant(order.start_at)}
    if order.stop_at is not None:
        bounds["end"] = instant(order.stop_at)
    as_needed = order.indication
    if order.scale is not None:
        as_needed += f" (when {order.scale} is {order.threshold} or more)"
    notes = [f"PRN order version {order.version}: {order.reason}"]
    if order.above_label_reason:
        notes.append(f"Above the label maximum, confirmed: {order.above_label_reason}")
    request: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "identifier": identifier(prn_order_key(order.id or 0)),
        "groupIdentifier": identifier(f"prn_order/{order.order_key}")[0],
        "status": status,
        "intent": "order",
        "medicationCodeableConcept": codes.medication_concept(order.drug),
        **ctx.subject(),
        "authoredOn": instant(order.created_at),
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
        request["priorPrescription"] = ref(prior)
    return request


def administration(
    row: DoseAdministration, slot: ScheduledDose | None, ctx: ExportContext
) -> dict[str, Any]:
    status = "entered-in-error" if row.entered_in_error else _DOSE_STATUS[row.status]
    resource: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "identifier": identifier(f"dose_administration/{row.id}"),
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
        "subject": ref(ctx.patient_key),
        "context": ref(ctx.encounter_key),
        "effectiveDateTime": instant(row.administered_at),
        "performer": [{"actor": ctx.name(row.charted_by)}],
    }
    if slot is not None:
        resource["request"] = ref(medication_request_key(slot.plan_id, slot.drug))
        notes.append(
            f"Scheduled {format_mg(slot.dose_ug)} mg at {slot.local_time} on "
            f"{slot.local_date.isoformat()} (ward time)"
        )
    elif row.prn_order_id is not None:
        resource["request"] = ref(prn_order_key(row.prn_order_id))
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
