"""What the plan change form's new-plan fields start from (plan_change_form.py): the dose in
force today, every drug of it, in words; mid-crossover, the crossover to continue.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.clinical_words import table_name
from dashboard.components.charting_common import mg_number
from dashboard.components.plan_words import mg_value, regimen_words
from dashboard.i18n import _, language
from dashboard.plan_panel_queries import PlanPanelData
from models.clinical.drugs import DRUGS
from models.clinical.taper import in_force_step
from models.plan_changes import regimen_in_force


@dataclass(frozen=True)
class FormStart:
    """The new-plan form's defaults: the dose in force, the whole regimen. Mid-crossover the
    form offers to continue the crossover (a direct taper of one drug converts the whole
    regimen; the preview shows it)."""

    drug: str
    daily_mg: str
    mode: str = "direct"  # direct | substitution
    to_drug: str = "diazepam"
    stages: int = 4
    regimen: str = ""  # "Dose in force: ... = 40 mg diazepam-equivalent (ashton)"


def form_start(data: PlanPanelData, units: dict[str, int] | None = None) -> FormStart:
    """What a new plan starts from by default: the dose in force today (every drug of it)."""
    admission = data.view.admission
    regimen = regimen_in_force(data.steps, data.today, admission)
    table = data.plan.equivalence_table if data.plan else "ashton"
    de = in_force_step(regimen, before=data.today, table=table).diazepam_eq_mg
    code = language()
    if regimen:
        text = _(
            "Dose in force: {regimen} = {de} mg diazepam-equivalent ({table} table).",
            regimen=regimen_words(regimen),
            de=mg_value(de),
            table=table_name(table),
        )
    else:
        text = _("Dose in force: {regimen}.", regimen=regimen_words(regimen))
    if not regimen:
        return FormStart(admission.baseline_drug, "", regimen=text)
    if len(regimen) == 1:
        [(drug, ug)] = regimen.items()
        return FormStart(drug, mg_number(ug, code), regimen=text)
    plan = data.plan
    old = plan.drug if plan is not None and plan.drug in regimen else sorted(regimen)[0]
    new = next(d for d in regimen if d != old)
    unit = (units or {}).get(old) or DRUGS[old].unit_ug
    stages = max(1, min(plan.stages if plan else 4, regimen[old] // unit))
    more = _(
        "A new plan starts from the whole regimen: a substitution continues the crossover; "
        "a direct taper of one drug converts all of it to that drug."
    )
    return FormStart(
        old,
        mg_number(regimen[old], code),
        mode="substitution",
        to_drug=new,
        stages=stages,
        regimen=f"{text} {more}",
    )
