"""Crafted ward data for the review-rule tests, written through the domain operations where
they exist (admit, chart, score) and directly for MAR slots and plan steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from jobs.scan import ScanReport, run_scan
from models.admissions import discharge
from models.audit import Actor
from models.charting import chart_dose, mark_in_error, record_assessment, record_vitals
from models.db import transaction
from models.flags import acknowledge_flag
from models.schemas import DoseAdministrationCreate, VitalSignsCreate, WithdrawalAssessmentCreate
from models.tables import Flag, ScheduledDose, TaperPlan, TaperStep, Ward
from tests.factories import admit_patient

# A Tuesday in March, before the clocks change: Europe/London is on UTC.
T0 = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)

# Vital signs and their NEWS2 totals (RCP 2017 chart 1 [S34]).
NORMAL = {
    "heart_rate": 70,
    "systolic": 120,
    "diastolic": 80,
    "temperature_c": 37.0,
    "resp_rate": 16,
    "spo2": 98,
}  # 0
SINGLE_THREE = {**NORMAL, "resp_rate": 26}  # 3, a single parameter scoring 3
NEWS2_FIVE = {**NORMAL, "heart_rate": 115, "resp_rate": 22, "temperature_c": 38.5}  # 2+2+1
NEWS2_SEVEN = {**NORMAL, "heart_rate": 135, "resp_rate": 22, "systolic": 100}  # 3+2+2
NEWS2_TWO = {**NORMAL, "heart_rate": 95, "temperature_c": 38.5}  # 1+1


def ciwa_items(total: int) -> dict[int, int]:
    items = {}
    for item in range(1, 21):
        items[item] = min(4, max(0, total - 4 * (item - 1)))
    assert sum(items.values()) == total
    return items


@dataclass
class Ward7:
    """A test ward with staff, and shorthand for charting on it."""

    engine: Engine
    ward: Ward
    staff: dict[str, Actor]

    @property
    def nurse(self) -> Actor:
        return self.staff["nurse1"]

    def set_policy(self, **values: object) -> None:
        """Change the ward's policy settings (columns of Ward) by name."""
        with Session(self.engine) as session:
            ward = session.get(Ward, self.ward.id)
            assert ward is not None
            for name, value in values.items():
                setattr(ward, name, value)
            session.add(ward)
            session.commit()

    def admit(self, bed: str = "B1", at: datetime = T0 - timedelta(days=1)) -> int:
        assert self.ward.id is not None
        with transaction(self.engine) as session:
            admission = admit_patient(
                session,
                staff=self.staff,
                ward=self.ward,
                now=at,
                mrn=f"MRN-{bed}",
                family_name=f"Patient{bed}",
                given_name="Test",
                birth_date=date(1980, 5, 1),
                bed=bed,
                daily_ug=1000,
                admitted_at=at,
            )
            assert admission.id is not None
            return admission.id

    def plan(self, admission_id: int, steps: list[tuple[date, str]] | None = None) -> int:
        """An active plan version with steps (start date, kind), stored directly."""
        with transaction(self.engine) as session:
            plan = TaperPlan(
                admission_id=admission_id,
                version=1,
                drug="clonazepam",
                daily_ug=1000,
                recipe="-0.25mg/7d",
                start_date=date(2026, 3, 1),
                effective_from=date(2026, 3, 1),
                change="create",
                status="active",
                author_id=self.staff["doctor1"].user_id or 0,
                reason="test plan",
            )
            session.add(plan)
            session.flush()
            assert plan.id is not None
            for index, (start, kind) in enumerate(steps or []):
                session.add(
                    TaperStep(
                        plan_id=plan.id,
                        step_index=index,
                        start_date=start,
                        drug="clonazepam",
                        daily_ug=1000 - 125 * index,
                        kind=kind,
                    )
                )
            return plan.id

    def dose(self, admission_id: int, at: datetime, ug: int = 500) -> int:
        with transaction(self.engine) as session:
            plan = session.exec(
                select(TaperPlan).where(TaperPlan.admission_id == admission_id)
            ).first()
            plan_id = plan.id if plan is not None else None
        if plan_id is None:
            plan_id = self.plan(admission_id)
        with transaction(self.engine) as session:
            slot = ScheduledDose(
                admission_id=admission_id,
                plan_id=plan_id,
                drug="clonazepam",
                dose_ug=ug,
                scheduled_at=at,
                local_date=at.date(),
                local_time=f"{at:%H:%M}",
            )
            session.add(slot)
            session.flush()
            assert slot.id is not None
            return slot.id

    def chart(self, dose_id: int, status: str, at: datetime, reason: str | None = None) -> int:
        with transaction(self.engine) as session:
            row = chart_dose(
                session=session,
                actor=self.nurse,
                now=at,
                data=DoseAdministrationCreate(
                    scheduled_dose_id=dose_id,
                    status=status,
                    administered_at=at,
                    reason_code=reason,
                ),
            )
            assert row.id is not None
            return row.id

    def ciwa(self, admission_id: int, at: datetime, total: int) -> int:
        with transaction(self.engine) as session:
            row = record_assessment(
                session=session,
                actor=self.nurse,
                now=at,
                data=WithdrawalAssessmentCreate(
                    admission_id=admission_id,
                    taken_at=at,
                    items=ciwa_items(total),
                ),
            )
            assert row.id is not None
            return row.id

    def vitals(self, admission_id: int, at: datetime, values: dict[str, float] = NORMAL) -> int:
        with transaction(self.engine) as session:
            row = record_vitals(
                session=session,
                actor=self.nurse,
                now=at,
                data=VitalSignsCreate(
                    admission_id=admission_id,
                    taken_at=at,
                    supplemental_o2=False,
                    consciousness="A",
                    **values,
                ),
            )
            assert row.id is not None
            return row.id

    def in_error(self, entity: str, record_id: int, at: datetime) -> None:
        with transaction(self.engine) as session:
            mark_in_error(
                session=session,
                actor=self.nurse,
                entity=entity,
                record_id=record_id,
                reason="wrong patient",
                now=at,
            )

    def discharge(self, admission_id: int, at: datetime) -> None:
        with transaction(self.engine) as session:
            discharge(session=session, actor=self.nurse, admission_id=admission_id, at=at, now=at)

    def scan(self, now: datetime) -> ScanReport:
        report = run_scan(self.engine, now=now)
        assert report.errors == []
        return report

    def flags(
        self, rule: str | None = None, *, unresolved: bool = True, status: str | None = None
    ) -> list[Flag]:
        """Flags (of ``rule``), oldest first: the unresolved ones (open, acknowledged or cleared),
        every one, or those in ``status``."""
        with Session(self.engine) as session:
            query = select(Flag).order_by(col(Flag.id))
            if rule is not None:
                query = query.where(Flag.rule == rule)
            if status is not None:
                query = query.where(Flag.status == status)
            elif unresolved:
                query = query.where(Flag.status != "resolved")
            return list(session.exec(query).all())

    def acknowledge(self, flag_id: int, at: datetime, note: str | None = None) -> Flag:
        with transaction(self.engine) as session:
            return acknowledge_flag(
                session=session, actor=self.nurse, flag_id=flag_id, note=note, now=at
            )


@pytest.fixture
def ward7(engine: Engine, ward: Ward, staff: dict[str, Actor]) -> Ward7:
    return Ward7(engine, ward, staff)
