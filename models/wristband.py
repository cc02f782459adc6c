"""Positive patient identification at the bedside: the nurse scans the barcode of the MRN on
the patient's wristband before giving a dose. A band that does not match the chart is refused
and nothing is stored; a band that cannot be scanned is overridden with a reason, audited. When
the ward's "scan before giving" policy is on, a dose is charted given only with a scan or an
override by the same nurse for the same patient, made within the ward's minutes
(:func:`identified_for_giving`, called by models.charting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import false
from sqlmodel import Session, col, select

from models.admissions import require_open_admission
from models.audit import Actor, insert_audited
from models.clinical.sources import ClinicalNumber
from models.errors import FieldError
from models.i18n.catalogs import N_
from models.tables import Admission, DoseAdministration, Patient, User, Ward, WristbandCheck

# Who identifies a patient before giving: whoever charts doses (models.charting.CHARTING_ROLES).
IDENTIFYING_ROLES = ("nurse", "physician")
# Why a band could not be scanned; "other" needs a comment.
OVERRIDE_REASONS: dict[str, str] = {
    "band_unreadable": N_("Band unreadable (damaged, smudged, will not scan)"),
    "band_missing": N_("No band on the patient (a new one is being printed)"),
    "scanner_fault": N_("Scanner not working"),
    "other": N_("Other (say why)"),
}
# A wedge scanner types the code and Enter; some add spaces or a symbology prefix like "]C0".
_SYMBOLOGY_PREFIX = "]C"
MAX_CODE_LENGTH = 64
# Clock skew tolerated between a ward PC and the server (as for charting times).
_FUTURE_TOLERANCE = timedelta(minutes=2)


def band_name(family_name: str, given_name: str) -> str:
    """The name as the band prints it: LAST name in upper case, then the first name [S82]."""
    return f"{family_name.strip().upper()} {given_name.strip()}"


def band_birth_date(birth_date: date) -> str:
    """Date of birth as the band prints it, DD-Mmm-YYYY [S82]: no day/month ambiguity."""
    return f"{birth_date:%d-%b-%Y}"


def scanned_code(raw: object) -> str:
    """What the scanner typed, without the spaces, Enter or symbology prefix it may add."""
    if not isinstance(raw, str):
        return ""
    code = "".join(ch for ch in raw if ch.isprintable()).strip()
    if code.startswith(_SYMBOLOGY_PREFIX) and len(code) > 3:
        code = code[3:]
    return code.strip()


def band_matches(code: str, mrn: str) -> bool:
    return bool(code) and code.casefold() == mrn.strip().casefold()


def _patient_of(session: Session, admission_id: int) -> Patient:
    admission = session.get(Admission, admission_id)
    patient = session.get(Patient, admission.patient_id) if admission is not None else None
    if patient is None:
        raise FieldError("admission", f"no admission {admission_id}")
    return patient


def scan_wristband(
    *, session: Session, actor: Actor, admission_id: int, code: object, now: datetime
) -> WristbandCheck:
    """Check the scanned band against the patient whose chart is open. A mismatch is refused
    at the field with what the band and the chart say; nothing is written."""
    actor.require(*IDENTIFYING_ROLES)
    require_open_admission(session, admission_id)
    scanned = scanned_code(code)
    if not scanned:
        raise FieldError("wristband", N_("scan the barcode on the patient's wristband"))
    if len(scanned) > MAX_CODE_LENGTH:
        raise FieldError(
            "wristband", N_("this is not a wristband barcode; scan the patient's band")
        )
    patient = _patient_of(session, admission_id)
    if not band_matches(scanned, patient.mrn):
        raise FieldError(
            "wristband",
            f"WRONG PATIENT: the band scanned reads {scanned}, but this chart is for "
            f"{band_name(patient.family_name, patient.given_name)}, MRN {patient.mrn}. Do not "
            "give. Check who the patient is and that you have the right chart; nothing was "
            "charted.",
        )
    check = WristbandCheck(
        admission_id=admission_id,
        method="scan",
        checked_at=now,
        checked_by=actor.user_id or 0,
    )
    insert_audited(session, actor=actor, action="wristband.scan", record=check)
    return check


def override_wristband(
    *,
    session: Session,
    actor: Actor,
    admission_id: int,
    reason_code: object,
    reason_text: object,
    now: datetime,
) -> WristbandCheck:
    """Identify the patient without a scan (the band cannot be read), for a reason the ward
    reviews on the admin page."""
    actor.require(*IDENTIFYING_ROLES)
    require_open_admission(session, admission_id)
    if not isinstance(reason_code, str) or reason_code not in OVERRIDE_REASONS:
        raise FieldError(
            "override_reason", f"choose why the band cannot be scanned: {_reason_list()}"
        )
    text = reason_text.strip() if isinstance(reason_text, str) else ""
    if reason_code == "other" and not text:
        raise FieldError("override_text", N_("say why the band cannot be scanned"))
    if len(text) > 1000:
        raise FieldError("override_text", N_("keep it under 1000 characters"))
    check = WristbandCheck(
        admission_id=admission_id,
        method="override",
        reason_code=reason_code,
        reason_text=text or None,
        checked_at=now,
        checked_by=actor.user_id or 0,
    )
    insert_audited(session, actor=actor, action="wristband.override", record=check)
    return check


def _reason_list() -> str:
    named = [text for code, text in OVERRIDE_REASONS.items() if code != "other"]
    return ", ".join(named) + " or other"


def identified_for_giving(
    session: Session,
    *,
    user_id: int,
    admission_id: int,
    wristband_check_id: int | None,
    now: datetime,
) -> int | None:
    """The check that identified the patient for a dose this user is charting as given (the
    one named, or else their latest for this patient), or None. With the ward's "scan before
    giving" on, a missing, stale or someone else's check is refused; off, a check that does
    not fit is simply not linked."""
    admission = session.get(Admission, admission_id)
    ward = session.get(Ward, admission.ward_id) if admission is not None else None
    if ward is None:
        raise FieldError("admission", f"no admission {admission_id}")
    if wristband_check_id is None:
        check = latest_check(session, user_id=user_id, admission_id=admission_id, now=now)
    else:
        check = session.get(WristbandCheck, wristband_check_id)
    problem = _unfit(check, user_id=user_id, admission_id=admission_id, ward=ward, now=now)
    if problem is None:
        assert check is not None
        return check.id
    if ward.scan_before_giving:
        raise FieldError("wristband", problem)
    return None


def latest_check(
    session: Session, *, user_id: int, admission_id: int, now: datetime
) -> WristbandCheck | None:
    """This user's latest scan or override of this patient's band, up to ``now``."""
    return session.exec(
        select(WristbandCheck)
        .where(
            WristbandCheck.admission_id == admission_id,
            WristbandCheck.checked_by == user_id,
            col(WristbandCheck.checked_at) <= now + _FUTURE_TOLERANCE,
        )
        .order_by(col(WristbandCheck.checked_at).desc(), col(WristbandCheck.id).desc())
        .limit(1)
    ).first()


def check_expires(check: WristbandCheck, ward: Ward) -> datetime:
    """When a check stops counting for giving (the ward's minutes after it)."""
    return check.checked_at + timedelta(minutes=ward.scan_valid_min)


def _unfit(
    check: WristbandCheck | None, *, user_id: int, admission_id: int, ward: Ward, now: datetime
) -> str | None:
    if check is None:
        return (
            "scan the patient's wristband first (or override with a reason): this ward gives "
            "doses only after the band is scanned"
        )
    if check.admission_id != admission_id or check.checked_by != user_id:
        return "the wristband was checked for another patient or by someone else; scan it again"
    if check.checked_at > now + _FUTURE_TOLERANCE:
        return "the wristband check has a time in the future; scan the band again"
    if check_expires(check, ward) < now:
        return (
            f"the wristband was scanned more than {ward.scan_valid_min} min ago; scan it again "
            "at the bedside"
        )
    return None


@dataclass(frozen=True)
class OverrideEntry:
    check: WristbandCheck
    patient_name: str
    mrn: str
    bed: str
    nurse: str
    doses_given: int  # doses charted given on the strength of this override


def recent_overrides(session: Session, ward_id: int, limit: int = 50) -> list[OverrideEntry]:
    """The ward's latest wristband overrides, newest first, for review on the admin page."""
    rows = session.exec(
        select(WristbandCheck, Admission, Patient, User)
        .join(Admission, col(Admission.id) == WristbandCheck.admission_id)
        .join(Patient, col(Patient.id) == Admission.patient_id)
        .join(User, col(User.id) == WristbandCheck.checked_by)
        .where(WristbandCheck.method == "override", Admission.ward_id == ward_id)
        .order_by(col(WristbandCheck.checked_at).desc(), col(WristbandCheck.id).desc())
        .limit(limit)
    ).all()
    ids = [check.id for check, *_ in rows]
    given: dict[int, int] = {}
    if ids:
        for check_id in session.exec(
            select(DoseAdministration.wristband_check_id).where(
                col(DoseAdministration.wristband_check_id).in_(ids),
                col(DoseAdministration.entered_in_error) == false(),
            )
        ).all():
            if check_id is not None:
                given[check_id] = given.get(check_id, 0) + 1
    return [
        OverrideEntry(
            check=check,
            patient_name=band_name(patient.family_name, patient.given_name),
            mrn=patient.mrn,
            bed=admission.bed,
            nurse=user.display_name,
            doses_given=given.get(check.id or 0, 0),
        )
        for check, admission, patient, user in rows
    ]


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Wristband label",
        "LAST name, first name, date of birth as DD-Mmm-YYYY, and the MRN as text and as a "
        "Code 128 barcode",
        ("S81", "S82"),
    ),
    ClinicalNumber(
        "Why a wristband scan may be overridden",
        ", ".join(OVERRIDE_REASONS.values()) + "; each override audited and listed for review",
        (),
        "Local policy: the identifiers are still checked by eye against the chart.",
    ),
)
