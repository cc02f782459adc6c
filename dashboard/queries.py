"""Read-side queries for the pages: one SQL query per question, never a per-patient loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.tables import Admission, Patient, Ward


@dataclass(frozen=True)
class AdmittedPatient:
    admission_id: int
    bed: str
    name: str
    mrn: str
    admitted_at: datetime
    drug: str
    baseline_daily_ug: int


def admitted_patients(session: Session, ward: Ward) -> list[AdmittedPatient]:
    rows = session.exec(
        select(Admission, Patient)
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .where(col(Admission.ward_id) == ward.id, col(Admission.discharged_at).is_(None))
        .order_by(col(Admission.bed))
    ).all()
    return [
        AdmittedPatient(
            admission_id=adm.id or 0,
            bed=adm.bed,
            name=f"{pat.family_name.upper()}, {pat.given_name}",
            mrn=pat.mrn,
            admitted_at=adm.admitted_at,
            drug=adm.baseline_drug,
            baseline_daily_ug=adm.baseline_daily_ug,
        )
        for adm, pat in rows
    ]
