"""The review rules. Each is a few set-based SQL queries over every ward at once (never a loop
over the patients' rows), with its thresholds read from each ward's policy row in the same
query and its judgement made by the definitions in models.clinical that the pages use too. A
rule returns Findings: what a human should look at. Rules never act on a patient; jobs.flags
turns Findings into flags.

Everywhere: entered-in-error rows and discharged admissions are ignored. Instants are UTC in
the database; messages show the ward's local time. "The latest reading" is found per admission
through the (admission_id, taken_at) indexes, so a scan costs about the same per patient
however long the stays grow.

A finding's ``subject`` says what the flag is about. Doses and administrations are their own
subjects; the continuing conditions (overdue, worsening, NEWS2) have one subject per admission,
so a patient carries at most one flag of each kind and a new reading updates it.
"""

from __future__ import annotations

from jobs.rules.common import Finding, Rule
from jobs.rules.doses import SKIPPED_REVIEW_SPAN, dose_skipped_rule, missed_dose_rule
from jobs.rules.plans import no_plan_rule, unconfirmed_dose_rule
from jobs.rules.prn import prn_reassessment_rule, prn_use_rule
from jobs.rules.scores import assessment_overdue_rule, standing_severity_rule, worsening_rule
from jobs.rules.sedation import dose_too_high_rule
from jobs.rules.steps import step_not_tolerated_rule
from jobs.rules.vitals import news2_rule, vitals_overdue_rule
from models.flags import REVIEW_RULE_BY_NAME

RULES: tuple[Rule, ...] = tuple(
    Rule(REVIEW_RULE_BY_NAME[name], find)
    for name, find in (
        ("news2", news2_rule),
        ("severe_withdrawal", standing_severity_rule),
        ("missed_dose", missed_dose_rule),
        ("dose_skipped", dose_skipped_rule),
        ("worsening", worsening_rule),
        ("step_not_tolerated", step_not_tolerated_rule),
        ("prn_use", prn_use_rule),
        ("prn_reassessment", prn_reassessment_rule),
        ("assessment_overdue", assessment_overdue_rule),
        ("vitals_overdue", vitals_overdue_rule),
        ("no_plan", no_plan_rule),
        ("dose_unconfirmed", unconfirmed_dose_rule),
        ("dose_too_high", dose_too_high_rule),
    )
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}

__all__ = ["RULES", "RULES_BY_NAME", "SKIPPED_REVIEW_SPAN", "Finding", "Rule"]
