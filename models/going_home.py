"""Going home: what a discharge hands on. The rest of the taper from the first day at home (the
steps in force, made into the ward's tablets), the calendar the patient ticks, the quantities to
dispense, and the facts of the stay the discharge summary gives the next prescriber.

Reads only (the discharge itself is models.admissions.discharge). While the patient is still on
the ward the same read previews the handout from today.

No words in any language: what is read is data (days, micrograms, tablet choices, names, the
stored codes of changes, statuses and verdicts); a name not found is None, and the pages
(dashboard/pages/paper_home.py, paper_summary.py) and the FHIR export word it all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import false, true
from sqlmodel import Session, col, select

from models.clinical.drugs import diazepam_equivalent_mg
from models.clinical.home_calendar import CalendarWeek, calendar_end, taper_calendar
from models.clinical.news2 import news2_response
from models.clinical.step_tolerance import StepTolerance, step_tolerance
from models.clinical.tablets import (
    Dispense,
    Tablet,
    TabletChoice,
    choose_tablets,
    daily_doses,
    dispense,
)
from models.clinical.taper import PlannedStep, step_on
from models.errors import FieldError
from models.i18n import N_
from models.plans import stored_steps
from models.tables import (
    Admission,
    DoseAdministration,
    Flag,
    Patient,
    ScheduledDose,
    TaperPlan,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from models.ward_policy import step_policy
from models.ward_tablets import ward_tablets


@dataclass(frozen=True)
class PlanVersionLine:
    version: int
    change: str
    recipe: str
    reason: str
    author: str | None  # the author's display name; None if the account is not found
    created_at: datetime
    status: str


@dataclass(frozen=True)
class GoingHome:
    admission: Admission
    patient: Patient
    ward: Ward
    tz: ZoneInfo
    first_day: date  # the day of discharge (ward's date), or today while still on the ward
    discharged: bool
    plan: TaperPlan | None
    all_steps: tuple[PlannedStep, ...]  # the active plan's steps
    steps: tuple[PlannedStep, ...]  # from first_day: the step in force (re-dated), then later
    tablets: dict[str, tuple[Tablet, ...]]  # the ward's tablets
    choices: dict[str, TabletChoice]  # per drug of the remaining steps

    @property
    def drugs(self) -> tuple[str, ...]:
        return tuple(sorted({d for s in self.steps for d in s.daily_ug}))

    @property
    def last_day(self) -> date:
        """The day the last tablet stops (the final step's start)."""
        return calendar_end(self.steps, self.first_day)

    @property
    def unmakeable(self) -> list[tuple[str, int]]:
        """(drug, dose ug) of every remaining dose the ward's tablets cannot make."""
        return [(drug, ug) for drug, c in sorted(self.choices.items()) for ug in c.unmakeable]

    def weeks(self) -> tuple[CalendarWeek, ...]:
        return taper_calendar(self.all_steps, self.choices, self.first_day)

    def dispense(self, until: date) -> dict[str, Dispense]:
        """Tablets of each strength, per drug, from the first day at home to ``until``."""
        return {
            drug: dispense(daily_doses(self.steps, drug, self.first_day, until), choice)
            for drug, choice in self.choices.items()
        }


def remaining_steps(steps: list[PlannedStep], first_day: date) -> tuple[PlannedStep, ...]:
    """The step in force on ``first_day`` (dated from it) and every later step."""
    current = step_on(steps, first_day)
    later = [s for s in steps if s.start > first_day]
    if current is None:
        return tuple(later)
    return (replace(current, start=first_day), *later)


def going_home(session: Session, admission_id: int, *, now: datetime) -> GoingHome:
    admission = session.get(Admission, admission_id)
    if admission is None:
        raise FieldError(
            "admission", N_("no admission {admission_id}"), values={"admission_id": admission_id}
        )
    patient = session.get(Patient, admission.patient_id)
    ward = session.get(Ward, admission.ward_id)
    assert patient is not None and ward is not None and ward.id is not None
    tz = ZoneInfo(ward.timezone)
    first_day = (admission.discharged_at or now).astimezone(tz).date()
    plan = session.exec(
        select(TaperPlan).where(
            TaperPlan.admission_id == admission_id, TaperPlan.status == "active"
        )
    ).first()
    all_steps = stored_steps(session, plan) if plan is not None else []
    steps = remaining_steps(all_steps, first_day)
    tablets = ward_tablets(session, ward.id)
    drugs = sorted({d for s in steps for d in s.daily_ug})
    choices = {
        drug: choose_tablets(
            drug, [d.ug for s in steps for d in s.doses if d.drug == drug], tablets[drug]
        )
        for drug in drugs
    }
    return GoingHome(
        admission=admission,
        patient=patient,
        ward=ward,
        tz=tz,
        first_day=first_day,
        discharged=admission.discharged_at is not None,
        plan=plan,
        all_steps=tuple(all_steps),
        steps=steps,
        tablets=tablets,
        choices=choices,
    )


# --- the discharge summary's facts -----------------------------------------------------------


@dataclass(frozen=True)
class StayFacts:
    admitted_at: datetime
    discharged_at: datetime | None
    admission_dose: tuple[str, int, float]  # drug, ug a day, diazepam-equivalent mg
    discharge_dose: dict[str, int]  # drug -> ug a day in force on the first day at home
    discharge_de_mg: float | None
    versions: tuple[PlanVersionLine, ...]
    last_ciwa_b: WithdrawalAssessment | None
    last_vitals: VitalSigns | None
    flags: tuple[Flag, ...]
    attending: str | None  # the attending's display name; None if the account is not found


def stay_facts(session: Session, home: GoingHome) -> StayFacts:
    admission = home.admission
    names = {u.id: u.display_name for u in session.exec(select(User)).all()}
    plans = session.exec(
        select(TaperPlan)
        .where(TaperPlan.admission_id == admission.id)
        .order_by(col(TaperPlan.version))
    ).all()
    versions = tuple(
        PlanVersionLine(
            p.version,
            p.change,
            p.recipe,
            p.reason,
            names.get(p.author_id),
            p.created_at,
            p.status,
        )
        for p in plans
    )
    last_ciwa = session.exec(
        select(WithdrawalAssessment)
        .where(
            WithdrawalAssessment.admission_id == admission.id,
            WithdrawalAssessment.scale == "CIWA-B",
            col(WithdrawalAssessment.entered_in_error) == false(),
        )
        .order_by(col(WithdrawalAssessment.taken_at).desc())
    ).first()
    last_vitals = session.exec(
        select(VitalSigns)
        .where(
            VitalSigns.admission_id == admission.id,
            col(VitalSigns.entered_in_error) == false(),
        )
        .order_by(col(VitalSigns.taken_at).desc())
    ).first()
    flags = session.exec(
        select(Flag)
        .where(Flag.admission_id == admission.id)
        .order_by(col(Flag.raised_at), col(Flag.id))
    ).all()
    current = home.steps[0] if home.steps else None
    table = home.plan.equivalence_table if home.plan else "ashton"
    drug, ug = admission.baseline_drug, admission.baseline_daily_ug
    return StayFacts(
        admitted_at=admission.admitted_at,
        discharged_at=admission.discharged_at,
        admission_dose=(drug, ug, diazepam_equivalent_mg(drug, ug, table)),
        discharge_dose=dict(current.daily_ug) if current else {},
        discharge_de_mg=current.diazepam_eq_mg if current else None,
        versions=versions,
        last_ciwa_b=last_ciwa,
        last_vitals=last_vitals,
        flags=tuple(flags),
        attending=names.get(admission.attending_id),
    )


def stay_tolerance(session: Session, home: GoingHome) -> dict[int, StepTolerance]:
    """How each step on the ward was tolerated, by the step rule, from what was charted: the
    CIWA-B scores and PRN doses (missed doses are not counted here: the patient page has them)."""
    admission = home.admission
    end = admission.discharged_at
    if not home.all_steps or end is None:
        return {}
    scores = session.exec(
        select(WithdrawalAssessment.taken_at, WithdrawalAssessment.total).where(
            WithdrawalAssessment.admission_id == admission.id,
            WithdrawalAssessment.scale == "CIWA-B",
            col(WithdrawalAssessment.entered_in_error) == false(),
        )
    ).all()
    prn_at = session.exec(
        select(DoseAdministration.administered_at).where(
            DoseAdministration.admission_id == admission.id,
            col(DoseAdministration.prn) == true(),
            col(DoseAdministration.entered_in_error) == false(),
        )
    ).all()
    vitals = session.exec(
        select(VitalSigns).where(
            VitalSigns.admission_id == admission.id, col(VitalSigns.entered_in_error) == false()
        )
    ).all()
    dose_times = session.exec(
        select(ScheduledDose.scheduled_at).where(
            ScheduledDose.admission_id == admission.id,
            col(ScheduledDose.cancelled_at).is_(None),
        )
    ).all()
    return step_tolerance(
        home.all_steps,
        scores=[(at, total) for at, total in scores],
        prn_at=[at for at in prn_at if at is not None],
        abnormal_at=[
            v.taken_at for v in vitals if news2_response(v.news2_total, v.news2_any_three).urgent
        ],
        missed_at=[],
        dose_times=list(dose_times),
        admitted_at=admission.admitted_at,
        policy=step_policy(home.ward),
        tz=home.tz,
        now=end,
    )
