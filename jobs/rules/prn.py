"""Review rules on as-needed (PRN) doses: heavy PRN use over 24 h, and a PRN dose with no
withdrawal score charted after it (models.clinical.prn: every threshold is local policy)."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Executable,
    String,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlmodel import Session, col

from jobs.rules.common import (
    ADMITTED,
    NOW,
    Finding,
    ReasonPattern,
    fetch,
    is_prn,
    labelled,
    now_param,
    reason_part,
    valid,
    wards_with_deadlines,
    worded,
)
from models.clinical.drugs import DEFAULT_TABLE, diazepam_equivalent_mg
from models.clinical.prn import judge_prn_use, reassessment_due
from models.flag_text import dose, instant, joined, message, minutes, number
from models.statements import built_once
from models.tables import (
    Admission,
    DoseAdministration,
    Flag,
    TaperPlan,
    Ward,
    WithdrawalAssessment,
)
from models.types import UTCDateTime

# How models.clinical.prn words the limits reached, read back as messages (models.flag_text).
_PRN_REASONS: tuple[ReasonPattern, ...] = (
    (
        re.compile(r"(\d+) PRN doses \(limit (\d+)\)"),
        lambda m: message("prn_doses", doses=int(m[1]), limit=int(m[2])),
    ),
    (
        re.compile(r"(\S+) mg diazepam-equivalent \(limit (\d+) mg\)"),
        lambda m: message("prn_de", mg=number(float(m[1]), ".3g"), limit=int(m[2])),
    ),
)
PRN_USE_SPAN = timedelta(hours=24)  # the ward's limits are per 24 h (local policy)
# A PRN dose is raised for a missing reassessment when given within this span; an older one
# stays listed only while its flag is open (local policy, as for skipped doses).
PRN_REVIEW_SPAN = timedelta(hours=48)


@built_once
def _prn_use_query() -> Executable:
    da = DoseAdministration
    since = bindparam("since", type_=UTCDateTime())
    return (
        select(
            col(da.admission_id).label("admission_id"),
            col(da.drug).label("drug"),
            func.count().label("doses"),
            func.sum(col(da.dose_ug)).label("ug"),
            func.max(col(da.administered_at)).label("last_at"),
            func.max(col(da.charted_at)).label("charted_at"),
            func.coalesce(col(TaperPlan.equivalence_table), DEFAULT_TABLE).label("table"),
            col(Ward.prn_flag_doses_24h).label("max_doses"),
            col(Ward.prn_flag_de_mg_24h).label("max_de_mg"),
            col(Ward.timezone).label("timezone"),
        )
        .select_from(Admission)
        .join(Ward, col(Ward.id) == col(Admission.ward_id))
        .join(da, col(da.admission_id) == col(Admission.id))
        .outerjoin(
            TaperPlan,
            and_(
                col(TaperPlan.admission_id) == col(Admission.id), col(TaperPlan.status) == "active"
            ),
        )
        .where(
            ADMITTED,
            is_prn(da),
            valid(da.entered_in_error),
            col(da.administered_at) > since,
            col(da.administered_at) <= now_param(),
        )
        .group_by(
            col(da.admission_id),
            col(da.drug),
            col(TaperPlan.equivalence_table),
            col(Ward.prn_flag_doses_24h),
            col(Ward.prn_flag_de_mg_24h),
            col(Ward.timezone),
        )
    )


def prn_use_rule(session: Session, now: datetime) -> list[Finding]:
    """PRN doses given in the last 24 h at or above the ward's count or diazepam-equivalent
    limit (local policy): the taper may not be holding (models.clinical.prn)."""
    rows = fetch(session, _prn_use_query(), {NOW: now, "since": now - PRN_USE_SPAN})
    by_patient: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        by_patient[row.admission_id].append(row)
    findings = []
    for admission_id, drugs in by_patient.items():
        first = drugs[0]
        doses = sum(r.doses for r in drugs)
        de_mg = sum(diazepam_equivalent_mg(r.drug, int(r.ug), r.table) for r in drugs)
        use = judge_prn_use(
            doses=doses,
            diazepam_eq_mg=de_mg,
            max_doses=first.max_doses,
            max_de_mg=first.max_de_mg,
        )
        if use is None:
            continue
        last_at = max(r.last_at for r in drugs)
        text = message(
            "prn_use",
            now=instant(now, first.timezone),
            reasons=joined("and", [reason_part(r, _PRN_REASONS) for r in use.reasons]),
            last=instant(last_at, first.timezone),
        )
        evidence_at = max(r.charted_at for r in drugs)
        findings.append(
            worded(
                admission_id, "admission", use.severity, text, at=last_at, evidence_at=evidence_at
            )
        )
    return findings


@built_once
def _prn_reassessment_query() -> Executable:
    da = DoseAdministration
    score = WithdrawalAssessment
    reassessed = exists().where(
        col(score.admission_id) == col(da.admission_id),
        valid(score.entered_in_error),
        col(score.taken_at) > col(da.administered_at),
    )
    flagged = exists().where(
        col(Flag.admission_id) == col(da.admission_id),
        col(Flag.rule) == "prn_reassessment",
        col(Flag.status) != "resolved",
        col(Flag.subject) == literal("administration:") + cast(col(da.id), String),
    )
    wards = wards_with_deadlines(given_before=col(Ward.prn_reassess_min))
    return (
        select(
            *labelled(da, "id", "admission_id", "drug", "dose_ug"),
            col(da.administered_at).label("given_at"),
            wards.c.prn_reassess_min.label("within"),
            wards.c.timezone,
        )
        .select_from(wards)
        .join(Admission, col(Admission.ward_id) == wards.c.id)
        .join(da, col(da.admission_id) == col(Admission.id))
        .where(
            ADMITTED,
            is_prn(da),
            valid(da.entered_in_error),
            col(da.administered_at) < wards.c.given_before,
            or_(col(da.administered_at) >= bindparam("given_since", type_=UTCDateTime()), flagged),
            ~reassessed,
        )
    )


def prn_reassessment_rule(session: Session, now: datetime) -> list[Finding]:
    """A PRN dose with no CIWA-B or CIWA-Ar charted after it once the ward's time has passed
    (local policy, default 60 min, after [S10]); clears when a score is charted."""
    params = {NOW: now, "given_since": now - PRN_REVIEW_SPAN}
    findings = []
    for row in fetch(session, _prn_reassessment_query(), params):
        due = reassessment_due(row.given_at, row.within)
        text = message(
            "prn_reassessment",
            drug=row.drug,
            dose=dose(row.dose_ug),
            when=instant(row.given_at, row.timezone),
            within=minutes(row.within),
        )
        subject = f"administration:{row.id}"
        findings.append(
            worded(row.admission_id, subject, "moderate", text, at=row.given_at, evidence_at=due)
        )
    return findings
