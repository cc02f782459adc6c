"""Wards, patients, admissions and discharges: validated, written and audited together."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Executable, bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.audit import Actor, insert_audited, snapshot, update_audited
from models.clinical.dose_limits import CONFIRM_REASON_MAX, above_label, check_hard_ceiling
from models.clinical.drugs import get_drug
from models.clinical.news2 import SPO2_SCALES
from models.errors import FieldError, ValidationFailed
from models.i18n.catalogs import N_
from models.statements import built_once
from models.tables import SEXES, Admission, Patient, User, Ward
from models.ward_units import check_whole_units, ward_units


def ensure_ward(*, session: Session, actor: Actor, name: str, timezone: str) -> Ward:
    """The ward called ``name``, created with default policy if it does not exist. Creating
    a ward is an admin's (or the system's) job."""
    ward = session.exec(select(Ward).where(Ward.name == name)).first()
    if ward is not None:
        return ward
    actor.require("admin", "system")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FieldError("timezone", f"unknown IANA timezone {timezone!r}") from exc
    ward = Ward(name=name, timezone=timezone)
    insert_audited(session, actor=actor, action="ward.create", record=ward)
    return ward


def find_patient(session: Session, mrn: str) -> Patient | None:
    mrn = mrn.strip().upper()
    if "\x00" in mrn:  # no stored MRN has a NUL (models.storable): not a lookup to send
        return None
    return session.exec(select(Patient).where(Patient.mrn == mrn)).first()


def current_admission(session: Session, patient_id: int) -> Admission | None:
    return session.exec(
        select(Admission).where(
            Admission.patient_id == patient_id, col(Admission.discharged_at).is_(None)
        )
    ).first()


def admit(
    *,
    session: Session,
    actor: Actor,
    ward_id: int,
    mrn: str,
    family_name: str,
    given_name: str,
    birth_date: date,
    sex: str,
    bed: str,
    attending_id: int,
    drug: str,
    daily_ug: int,
    admitted_at: datetime,
    now: datetime,
    substance_history: str = "",
    dose_confirm_reason: str | None = None,
) -> Admission:
    """Admit a patient (found by MRN, or created) to a bed. Every field is checked at once.
    A daily dose above its drug's label maximum is recorded as the patient takes it; a
    physician confirms it with ``dose_confirm_reason`` (now, or later on the patient page);
    above the ward's hard ceiling it is refused."""
    actor.require("nurse", "physician", "admin", "system")
    mrn, bed = mrn.strip().upper(), bed.strip().upper()
    errors = _identity_errors(mrn, family_name, given_name, birth_date, sex, bed, now)
    ward = session.get(Ward, ward_id)
    confirmed: str | None = None
    try:
        drug = get_drug(drug).name
        units = ward_units(session, ward_id) if ward is not None else {}
        check_whole_units(daily_ug, drug, units, field="daily_mg")
        if ward is not None:
            check_hard_ceiling([{drug: daily_ug}], ceiling_de_mg=ward.hard_ceiling_de_mg)
        confirmed = _admission_confirmation(drug, daily_ug, dose_confirm_reason, actor)
    except FieldError as exc:
        errors.append(exc)
    if admitted_at > now:
        errors.append(FieldError("admitted_at", N_("admission time is in the future")))
    errors += _place_errors(session, ward, ward_id, bed, attending_id)
    patient = find_patient(session, mrn) if mrn else None
    if patient is not None and patient.id is not None:
        if current_admission(session, patient.id) is not None:
            errors.append(FieldError("mrn", f"{mrn} is already admitted"))
    if errors:
        raise ValidationFailed(errors)
    if patient is None:
        patient = Patient(
            mrn=mrn,
            family_name=family_name.strip(),
            given_name=given_name.strip(),
            birth_date=birth_date,
            sex=sex,
        )
        insert_audited(session, actor=actor, action="patient.create", record=patient)
    assert patient.id is not None
    admission = Admission(
        patient_id=patient.id,
        ward_id=ward_id,
        bed=bed,
        admitted_at=admitted_at,
        attending_id=attending_id,
        substance_history=substance_history.strip(),
        baseline_drug=drug,
        baseline_daily_ug=daily_ug,
        dose_confirmed_by=actor.user_id if confirmed else None,
        dose_confirmed_at=now if confirmed else None,
        dose_confirm_reason=confirmed,
    )
    _insert_admission(session, actor, admission, mrn)
    return admission


def _identity_errors(
    mrn: str, family_name: str, given_name: str, birth_date: date, sex: str, bed: str, now: datetime
) -> list[FieldError]:
    """What is wrong with the patient's identity and bed as typed (``mrn`` and ``bed`` trimmed)."""
    errors: list[FieldError] = []
    if not mrn:
        errors.append(FieldError("mrn", N_("enter the medical record number")))
    if not family_name.strip():
        errors.append(FieldError("family_name", N_("enter the family name")))
    if not given_name.strip():
        errors.append(FieldError("given_name", N_("enter the given name")))
    if birth_date > now.date():
        errors.append(FieldError("birth_date", N_("date of birth is in the future")))
    if sex not in SEXES:
        errors.append(FieldError("sex", f"choose one of {', '.join(SEXES)}"))
    if not bed:
        errors.append(FieldError("bed", N_("enter the bed")))
    return errors


def _place_errors(
    session: Session, ward: Ward | None, ward_id: int, bed: str, attending_id: int
) -> list[FieldError]:
    """The attending, the ward and the bed: what stands in the way of this admission."""
    errors: list[FieldError] = []
    attending = session.get(User, attending_id)
    if attending is None or attending.role != "physician" or not attending.active:
        errors.append(FieldError("attending_id", N_("choose an active physician")))
    if ward is None:
        errors.append(FieldError("ward", f"no ward {ward_id}"))
    if (
        bed
        and session.exec(
            select(Admission).where(
                Admission.ward_id == ward_id,
                Admission.bed == bed,
                col(Admission.discharged_at).is_(None),
            )
        ).first()
    ):
        errors.append(FieldError("bed", f"bed {bed} is occupied"))
    return errors


def _insert_admission(session: Session, actor: Actor, admission: Admission, mrn: str) -> None:
    try:  # no savepoint needed: the refusal rolls the whole unit of work back
        insert_audited(session, actor=actor, action="admission.create", record=admission)
    except IntegrityError as exc:
        # Another admission took the bed (or admitted the patient) since the checks above.
        text = str(exc.orig)
        if "uq_admission_current_bed" in text or "admission.bed" in text:
            raise ValidationFailed(
                [FieldError("bed", f"bed {admission.bed} was taken a moment ago")]
            ) from None
        if "uq_admission_current_patient" in text or "admission.patient_id" in text:
            raise ValidationFailed(
                [FieldError("mrn", f"{mrn} was admitted a moment ago")]
            ) from None
        raise


def _admission_confirmation(
    drug: str, daily_ug: int, reason: str | None, actor: Actor
) -> str | None:
    """The confirmation to store with an admission dose: a physician's reason when the dose is
    above its label maximum; anyone else who gives one is told who must."""
    text = (reason or "").strip()
    found = above_label([{drug: daily_ug}])
    if not found or not text:
        return None
    if actor.role != "physician":
        raise FieldError(
            "dose_confirm_reason",
            f"{found[0].message}. Only a physician can confirm it: leave this empty; the dose "
            "is recorded as not yet confirmed and the physician confirms it on the patient page",
        )
    if len(text) > CONFIRM_REASON_MAX:
        raise FieldError("dose_confirm_reason", f"keep it under {CONFIRM_REASON_MAX} characters")
    return text


def dose_needs_confirmation(admission: Admission) -> bool:
    """The admission dose is above its label maximum and no physician has confirmed it."""
    above = above_label([{admission.baseline_drug: admission.baseline_daily_ug}])
    return bool(above) and admission.dose_confirmed_by is None


def confirm_admission_dose(
    *, session: Session, actor: Actor, admission_id: int, reason: str, now: datetime
) -> Admission:
    """A physician confirms an admission dose above its drug's label maximum, with a reason."""
    actor.require("physician")
    admission = open_admission(session, admission_id)
    found = above_label([{admission.baseline_drug: admission.baseline_daily_ug}])
    if not found:
        raise FieldError(
            "dose_confirm_reason", N_("the admission dose is within its label maximum")
        )
    if admission.dose_confirmed_by is not None:
        raise FieldError("dose_confirm_reason", N_("the admission dose is already confirmed"))
    text = reason.strip()
    if not text:
        raise FieldError("dose_confirm_reason", f"{found[0].message}. Say why you confirm it")
    if len(text) > CONFIRM_REASON_MAX:
        raise FieldError("dose_confirm_reason", f"keep it under {CONFIRM_REASON_MAX} characters")
    before = snapshot(admission)
    admission.dose_confirmed_by = actor.user_id
    admission.dose_confirmed_at = now
    admission.dose_confirm_reason = text
    update_audited(
        session,
        actor=actor,
        action="admission.confirm_dose",
        record=admission,
        before=before,
    )
    return admission


def set_ciwa_ar(
    *, session: Session, actor: Actor, admission_id: int, charted: bool, now: datetime
) -> Admission:
    """The physician's choice that CIWA-Ar is charted too (the patient also withdraws from
    alcohol), or no longer. CIWA-Ar scores already charted stay."""
    actor.require("physician")
    admission = open_admission(session, admission_id)
    if admission.ciwa_ar == charted:
        return admission
    before = snapshot(admission)
    admission.ciwa_ar = charted
    update_audited(
        session,
        actor=actor,
        action="admission.ciwa_ar_on" if charted else "admission.ciwa_ar_off",
        record=admission,
        before=before,
        noted={"changed_at": now.isoformat()},
    )
    return admission


def open_admission(session: Session, admission_id: int) -> Admission:
    """The admission, refusing a discharged one: its record is read-only."""
    admission = session.get(Admission, admission_id)
    if admission is None:
        raise FieldError("admission", f"no admission {admission_id}")
    if admission.discharged_at is not None:
        raise FieldError("admission", N_("the patient is discharged; the record is read-only"))
    return admission


@built_once
def _discharged_at() -> Executable:
    admissions = Admission.__table__  # type: ignore[attr-defined]
    return sa_select(admissions.c.discharged_at).where(admissions.c.id == bindparam("admission_id"))


def require_open_admission(session: Session, admission_id: int) -> None:
    """:func:`open_admission` without loading the admission: one indexed read of two columns,
    for the charting writes that need only the check."""
    found = session.connection().execute(_discharged_at(), {"admission_id": admission_id}).first()
    if found is None:
        raise FieldError("admission", f"no admission {admission_id}")
    if found[0] is not None:
        raise FieldError("admission", N_("the patient is discharged; the record is read-only"))


def discharge(
    *, session: Session, actor: Actor, admission_id: int, at: datetime, now: datetime
) -> Admission:
    """Discharge: closes the MAR (future slots cancelled) and makes the record read-only."""
    from models.tables import ScheduledDose

    actor.require("nurse", "physician", "admin")
    admission = open_admission(session, admission_id)
    if at > now:
        raise FieldError("discharged_at", N_("discharge time is in the future"))
    if at < admission.admitted_at:
        raise FieldError("discharged_at", N_("discharge is before admission"))
    from models.co_medications import require_naloxone_check

    require_naloxone_check(session, admission)
    before = snapshot(admission)
    admission.discharged_at = at
    session.add(admission)
    future = session.exec(
        select(ScheduledDose).where(
            ScheduledDose.admission_id == admission_id,
            col(ScheduledDose.cancelled_at).is_(None),
            col(ScheduledDose.scheduled_at) > at,
        )
    ).all()
    for slot in future:
        slot.cancelled_at = now
        session.add(slot)
    update_audited(
        session,
        actor=actor,
        action="admission.discharge",
        record=admission,
        before=before,
        noted={"cancelled_slots": len(future)},
    )
    return admission


SCALE_REASON_MAX = 1000


def set_spo2_scale(
    *, session: Session, actor: Actor, admission_id: int, scale: object, reason: str
) -> Admission:
    """Set the patient's NEWS2 SpO2 scale: 2 only for a prescribed target of 88-92 % (in
    hypercapnic respiratory failure), a clinician's decision [S34]. Physicians only; audited
    with the reason. Readings already charted keep the scale they were scored on."""
    actor.require("physician")
    admission = open_admission(session, admission_id)
    if isinstance(scale, bool) or scale not in SPO2_SCALES:
        raise FieldError("spo2_scale", "choose scale 1 (usual) or scale 2 (target 88–92 %)")
    assert isinstance(scale, int)
    text = reason.strip()
    if not text:
        raise FieldError(
            "reason", N_("say why (scale 2 is for a prescribed SpO2 target of 88–92 %)")
        )
    if len(text) > SCALE_REASON_MAX:
        raise FieldError("reason", f"keep the reason under {SCALE_REASON_MAX} characters")
    if admission.spo2_scale == scale:
        raise FieldError("spo2_scale", f"the patient is already on SpO2 scale {scale}")
    before = snapshot(admission)
    admission.spo2_scale = scale
    update_audited(
        session,
        actor=actor,
        action="admission.spo2_scale",
        record=admission,
        before=before,
        noted={"reason": text},
    )
    return admission
