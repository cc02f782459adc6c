"""Review rule on taper plans: an admitted patient with no plan in force has no scheduled doses,
so no dose rule can ever notice a gap; after the ward's grace period that is a flag itself."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Executable, case, exists, select
from sqlmodel import Session, col

from jobs.rules.common import ADMITTED, NOW, Finding, before_now, fetch, worded
from models.clinical.dose_limits import above_label
from models.clinical.drugs import DRUGS, get_drug
from models.flag_text import dose, instant, message
from models.statements import built_once
from models.tables import Admission, TaperPlan, Ward


@built_once
def _no_plan_query() -> Executable:
    active = exists().where(
        col(TaperPlan.admission_id) == col(Admission.id), col(TaperPlan.status) == "active"
    )
    return (
        select(
            col(Admission.id).label("admission_id"),
            col(Admission.admitted_at).label("admitted_at"),
            col(Ward.no_plan_grace_hours).label("grace_hours"),
            col(Ward.timezone).label("timezone"),
        )
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .where(
            ADMITTED,
            col(Admission.admitted_at) < before_now(col(Ward.no_plan_grace_hours) * 60),
            ~active,
        )
    )


def no_plan_rule(session: Session, now: datetime) -> list[Finding]:
    """Admitted longer than the ward's grace period (local policy, default 24 h) with no taper
    plan in force: no dose is scheduled, so no missed dose can be noticed."""
    findings = []
    for row in fetch(session, _no_plan_query(), {NOW: now}):
        due = row.admitted_at + timedelta(hours=row.grace_hours)
        text = message(
            "no_plan", when=instant(row.admitted_at, row.timezone), hours=row.grace_hours
        )
        findings.append(
            worded(
                row.admission_id, "admission", "moderate", text, at=row.admitted_at, evidence_at=due
            )
        )
    return findings


@built_once
def _unconfirmed_dose_query() -> Executable:
    label_max = case(
        {drug.name: drug.label_max_ug for drug in DRUGS.values()},
        value=col(Admission.baseline_drug),
        else_=None,
    )
    return select(
        col(Admission.id).label("admission_id"),
        col(Admission.admitted_at).label("admitted_at"),
        col(Admission.baseline_drug).label("drug"),
        col(Admission.baseline_daily_ug).label("daily_ug"),
    ).where(
        ADMITTED,
        col(Admission.dose_confirmed_by).is_(None),
        col(Admission.baseline_daily_ug) > label_max,
    )


def unconfirmed_dose_rule(session: Session, now: datetime) -> list[Finding]:
    """An admission dose above its drug's label maximum (models.clinical.drugs [S61]-[S64]) that
    no physician has confirmed yet: a nurse may record it, a physician confirms it with a reason
    (models.clinical.dose_limits)."""
    findings = []
    for row in fetch(session, _unconfirmed_dose_query()):
        found = above_label([{row.drug: row.daily_ug}])
        if not found:
            continue
        above = found[0]
        drug = get_drug(above.drug)
        maximum = message(
            "label_maximum", dose=dose(drug.label_max_ug), indication=drug.label_max_indication
        )
        text = message(
            "dose_unconfirmed",
            above=message(
                "above_label", drug=above.drug, dose=dose(above.daily_ug), maximum=maximum
            ),
        )
        at = row.admitted_at
        findings.append(
            worded(row.admission_id, "admission", "moderate", text, at=at, evidence_at=at)
        )
    return findings
