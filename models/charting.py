"""Nurse charting: vitals, withdrawal scores and doses. Each operation validates the whole
entry, writes it and audits it in one transaction; mistakes are marked entered-in-error with a
reason and re-charted, never deleted.

Over ~400 lines: what a nurse charts (vitals, scores, scheduled and PRN doses, in-error
marks) shares the submission-id, insert-once and entered-in-error helpers here; the pages import
these writes from this one module.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, false, insert, or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import Session, col, select

from models.admissions import require_open_admission
from models.audit import Actor, insert_values_audited, snapshot, update_audited
from models.clinical.news2 import news2
from models.clinical.scales import score_ciwa_ar, score_ciwa_b
from models.clinical.sedation import (
    HELD_FOR_SEDATION,
    SedationConcern,
    SedationReading,
    SedationThresholds,
    sedation_concern,
    validate_poss,
    validate_rass,
)
from models.clinical.sources import ClinicalNumber
from models.clinical.vitals import validate_vitals
from models.errors import ConflictError, FieldError, Number, ValidationFailed, When, Words
from models.i18n.catalogs import N_
from models.prn_orders import lock_for_dose, refuse_unless_allowed
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.statements import built_once
from models.storable import new_row_values, stored_row
from models.tables import (
    Admission,
    DoseAdministration,
    ScheduledDose,
    User,
    VitalSigns,
    Ward,
    WithdrawalAssessment,
)
from models.wristband import identified_for_giving

CHARTING_ROLES = ("nurse", "physician")
# How far back an observation may be charted (a day: a late entry after a busy shift); local
# policy.
BACKDATE_LIMIT = timedelta(hours=24)
# Clock skew tolerated between a ward PC and the server before a time counts as "future".
FUTURE_TOLERANCE = timedelta(minutes=2)
# A charting form's one-time token (new_submission_id makes 22 characters): URL-safe base64,
# long enough to be unguessable, short enough for the column (vital_signs.submission_id).
SUBMISSION_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")

# Reasons a dose is held, refused or not given: eMARs require a reason [S42]; the codes map to
# FHIR reason-medication-not-given [S48] in the export.
HOLD_REASONS: dict[str, str] = {
    HELD_FOR_SEDATION: N_("Held for sedation (too drowsy)"),
    "clinical_decision": N_("Held on prescriber's instruction"),
    "nil_by_mouth": N_("Nil by mouth"),
    "off_ward": N_("Patient off the ward"),
    "unavailable": N_("Medicine unavailable"),
    "other": N_("Other (say why)"),
}
REFUSAL_REASONS: dict[str, str] = {
    "declined": N_("Patient declined"),
    "nausea_vomiting": N_("Nausea or vomiting"),
    "other": N_("Other (say why)"),
}
NOT_GIVEN_REASONS: dict[str, str] = {
    "unavailable": N_("Medicine unavailable"),
    "off_ward": N_("Patient off the ward"),
    "other": N_("Other (say why)"),
}
REASONS_BY_STATUS: dict[str, dict[str, str]] = {
    "held": HOLD_REASONS,
    "refused": REFUSAL_REASONS,
    "not_given": NOT_GIVEN_REASONS,
}


def check_charting_time(
    field: str, at: datetime, now: datetime, backdate_limit: timedelta = BACKDATE_LIMIT
) -> None:
    if at.tzinfo is None:
        raise FieldError(field, N_("time has no timezone"))
    if at > now + FUTURE_TOLERANCE:
        raise FieldError(field, N_("time is in the future; chart what has happened"))
    if at < now - backdate_limit:
        hours = backdate_limit / timedelta(hours=1)
        raise FieldError(
            field,
            N_("time is more than {hours} hours ago; ask the nurse in charge"),
            values={"hours": Number(hours, text=f"{hours:g}")},
        )


def new_submission_id() -> str:
    """A token for one opening of a charting form (128 random bits): the form sends it with
    its save, so a save retried after a lost answer is recognised and stored once."""
    return secrets.token_urlsafe(16)


def _check_submission_id(submission_id: str | None) -> None:
    if submission_id is None:
        return
    if not isinstance(submission_id, str) or not SUBMISSION_ID_PATTERN.fullmatch(submission_id):
        raise FieldError(
            "submission_id",
            N_("this form's save token is not valid; reload the page and try again"),
        )


def record_vitals(
    *,
    session: Session,
    actor: Actor,
    data: VitalSignsCreate,
    now: datetime,
    backdate_limit: timedelta = BACKDATE_LIMIT,
) -> VitalSigns:
    """Chart ``data`` (models.schemas.VitalSignsCreate): checked whole, scored (NEWS2) and
    inserted once. ``backdate_limit`` and ``data.external_id`` serve FHIR import
    (models.fhir_import): readings from the EHR's record of the stay, each set keyed by its
    identifiers. ``data.submission_id`` is the charting form's token: a save retried with it
    returns the reading already stored. ``data.spo2_scale``: the insert checks it is still the
    admission's, so a reading is never scored on a scale that changed meanwhile. ``data.rass``
    and ``data.poss``: models.clinical.sedation."""
    actor.require(*CHARTING_ROLES, "system")
    _check_submission_id(data.submission_id)
    if actor.role != "system":
        check_charting_time("taken_at", data.taken_at, now, backdate_limit)
    spo2_scale = data.spo2_scale
    if spo2_scale is None:
        spo2_scale = admission_spo2_scale(session, data.admission_id)
    sedation_errors: list[FieldError] = []
    sedation: dict[str, object] = {}
    for field, raw, check in (
        ("rass", data.rass, validate_rass),
        ("poss", data.poss, validate_poss),
    ):
        try:
            sedation[field] = check(raw)
        except FieldError as exc:
            sedation_errors.append(exc)
    try:
        vitals = validate_vitals(
            heart_rate=data.heart_rate,
            systolic=data.systolic,
            diastolic=data.diastolic,
            temperature_c=data.temperature_c,
            resp_rate=data.resp_rate,
            spo2=data.spo2,
            supplemental_o2=data.supplemental_o2,
            consciousness=data.consciousness,
            spo2_scale=spo2_scale,
        )
    except ValidationFailed as exc:
        raise ValidationFailed([*exc.errors, *sedation_errors]) from None
    if sedation_errors:
        raise ValidationFailed(sedation_errors)
    score = news2(vitals)
    values = {
        "admission_id": data.admission_id,
        "taken_at": data.taken_at,
        "heart_rate": vitals.heart_rate,
        "systolic": vitals.systolic,
        "diastolic": vitals.diastolic,
        "temperature_c": vitals.temperature_c,
        "resp_rate": vitals.resp_rate,
        "spo2": vitals.spo2,
        "supplemental_o2": vitals.supplemental_o2,
        "consciousness": vitals.consciousness,
        "news2_total": score.total,
        "news2_any_three": score.any_single_three,
        "spo2_scale": vitals.spo2_scale,
        "rass": sedation["rass"],
        "poss": sedation["poss"],
        "charted_at": now,
        "charted_by": actor.user_id or 0,
        "external_id": data.external_id,
        "submission_id": data.submission_id,
    }
    try:
        return _insert_submitted(
            session, actor=actor, action="vitals.record", model=VitalSigns, given=values
        )
    except IntegrityError as exc:
        raise _refused_by_database(exc) from None


# The database's own limits on a reading (CHECK constraints of vital_signs) -> the form field.
_VITALS_CHECKS: dict[str, str] = {
    "ck_vital_signs_hr": "heart_rate",
    "ck_vital_signs_bp": "systolic",
    "ck_vital_signs_temp": "temperature_c",
    "ck_vital_signs_rr": "resp_rate",
    "ck_vital_signs_spo2": "spo2",
    "ck_vital_signs_acvpu": "consciousness",
}


def _refused_by_database(exc: IntegrityError) -> FieldError:
    """A reading the plausibility check let through but the table's CHECK constraint refuses
    (its edge values): reported at the field, like any other refused value."""
    text = str(exc.orig)
    for constraint, field in _VITALS_CHECKS.items():
        if constraint in text:
            return FieldError(field, N_("this value is outside what the record accepts; check it"))
    raise exc


def record_assessment(
    *, session: Session, actor: Actor, data: WithdrawalAssessmentCreate, now: datetime
) -> WithdrawalAssessment:
    """Chart ``data`` (models.schemas.WithdrawalAssessmentCreate): every item scored, the
    total and band worked out, inserted once. ``data.submission_id``: as for
    :func:`record_vitals`."""
    actor.require(*CHARTING_ROLES, "system")
    _check_submission_id(data.submission_id)
    if actor.role != "system":
        check_charting_time("taken_at", data.taken_at, now)
    scale, items = data.scale, data.items
    if scale == "CIWA-B":
        result = score_ciwa_b(items)
    elif scale == "CIWA-Ar":
        result = score_ciwa_ar(items)
    else:
        raise FieldError(
            "scale",
            N_("unknown scale {scale}; use CIWA-B or CIWA-Ar"),
            values={"scale": repr(scale)},
        )
    values = {
        "admission_id": data.admission_id,
        "scale": scale,
        "taken_at": data.taken_at,
        "items": {str(k): int(v) for k, v in sorted(items.items())},  # type: ignore[call-overload]
        "total": result.total,
        "band": str(result.band.value),
        "charted_at": now,
        "charted_by": actor.user_id or 0,
        "submission_id": data.submission_id,
    }
    return _insert_submitted(
        session, actor=actor, action="assessment.record", model=WithdrawalAssessment, given=values
    )


Charted = TypeVar("Charted", VitalSigns, WithdrawalAssessment, DoseAdministration)
Submitted = TypeVar("Submitted", VitalSigns, WithdrawalAssessment)  # a form's save token
# What a charted row refused by a unique index means (see _insert_once): the row to answer in
# its place, an exception it raises, or None when the index was not its own.
ConflictRule = Callable[[Session, Mapping[str, Any]], Charted | None]


def _insert_once(
    session: Session,
    *,
    actor: Actor,
    action: str,
    model: type[Charted],
    given: Mapping[str, object],
    conflict: ConflictRule[Charted] | None,
) -> Charted:
    """The one write of a charted row (vitals, a score, a dose): insert and audit a new row
    of ``model`` for an open admission. The admission is checked by the insert itself (one
    statement; the reads that say why come only when it inserts nothing).

    ``conflict`` is what a refusal by one of the table's unique indexes means: the insert
    runs in a savepoint (the caller's transaction stays usable after the refused insert) and
    the rule answers the row already stored in its place (a form's save that came again:
    :func:`_insert_submitted`), raises (a dose someone else charted first:
    :func:`_charted_dose`), or answers None (not its index: the refusal is raised). Without a
    rule (no token, a PRN dose), no savepoint either, and any refusal is raised."""
    table = model.__table__  # type: ignore[attr-defined]
    values = new_row_values(model, given)
    admission_id = int(values["admission_id"])
    insert = _insert_if_open(table, _MATCHED.get(table.name, ()))
    savepoint = nullcontext() if conflict is None else session.begin_nested()
    refused: IntegrityError | None = None
    try:
        with savepoint:
            new_id = insert_values_audited(
                session, actor=actor, action=action, table=table, values=values, statement=insert
            )
    except IntegrityError as exc:
        if conflict is None:
            raise
        refused = exc
    if refused is not None and conflict is not None:
        stored = conflict(session, values)
        if stored is None:
            raise refused  # another constraint refused the row: the caller reports it
        return stored
    if new_id is None:
        require_open_admission(session, admission_id)  # raises: no such admission, discharged
        if "spo2_scale" in values and values["spo2_scale"] != admission_spo2_scale(
            session, admission_id
        ):
            raise FieldError(
                "spo2",
                N_(
                    "a physician changed this patient's SpO2 scale since the form opened: reload "
                    "the page so NEWS2 is scored on the new scale, and save again"
                ),
            )
        raise ConflictError(N_("the admission changed while saving; reload the page"))
    return stored_row(model, new_id, values)


def _insert_submitted(
    session: Session,
    *,
    actor: Actor,
    action: str,
    model: type[Submitted],
    given: Mapping[str, object],
) -> Submitted:
    """:func:`_insert_once` of a charting form's row (vitals, a score). A save that came again
    with the form's token (the answer to the first was lost, or two arrived at once) is
    refused by the unique index on ``submission_id``, and the row the first save stored is the
    answer: nothing more is written. Without a token (import, seed, jobs), no conflict rule."""
    submission_id = given.get("submission_id")

    def stored(session: Session, values: Mapping[str, Any]) -> Submitted | None:
        row = _submitted(session, model, str(submission_id))
        if row is not None and row.admission_id != values["admission_id"]:
            raise FieldError(
                "submission_id",
                N_(
                    "this form was already saved for another patient; reload the page and chart "
                    "again"
                ),
            )
        return row

    conflict = None if submission_id is None else stored
    return _insert_once(
        session, actor=actor, action=action, model=model, given=given, conflict=conflict
    )


def _charted_dose(session: Session, values: Mapping[str, Any]) -> DoseAdministration | None:
    """A scheduled dose charted by someone else first: the unique index on the slot's valid
    administration let only one in, and the other is told who charted it (and when, as seen
    from this charting's time)."""
    existing = _valid_administration(session, values["scheduled_dose_id"])
    if existing is None:
        return None
    raise _already_charted(session, existing, values["charted_at"])


# Columns a charted row shares with its admission and must match when written: a set of vitals
# is scored on the admission's SpO2 scale.
_MATCHED: dict[str, tuple[str, ...]] = {"vital_signs": ("spo2_scale",)}


@built_once
def _insert_if_open(table: Table, matched: tuple[str, ...] = ()) -> ReturningInsert[Any]:
    """``INSERT INTO table (...) SELECT :values FROM admission WHERE admission.id =
    :admission_id AND admission.discharged_at IS NULL RETURNING id``: the row is written only
    while its admission is open (and its ``matched`` columns equal the admission's), checked in
    the same statement (one round trip fewer)."""
    columns = [column for column in table.columns if not column.primary_key]
    admission = Admission.__table__  # type: ignore[attr-defined]
    rows = sa_select(*(bindparam(column.name, type_=column.type) for column in columns)).where(
        admission.c.id == bindparam("admission_id"),
        admission.c.discharged_at.is_(None),
        *(admission.c[name] == bindparam(name) for name in matched),
    )
    statement = insert(table).from_select([column.name for column in columns], rows)
    return statement.returning(table.c.id)


def admission_spo2_scale(session: Session, admission_id: int) -> int:
    """The NEWS2 SpO2 scale a physician set for the admission (1 if it does not exist)."""
    admission = Admission.__table__  # type: ignore[attr-defined]
    found = (
        session.connection()
        .execute(sa_select(admission.c.spo2_scale).where(admission.c.id == admission_id))
        .scalar()
    )
    return int(found) if found is not None else 1


def _submitted(session: Session, model: type[Submitted], submission_id: str) -> Submitted | None:
    return session.exec(select(model).where(col(model.submission_id) == submission_id)).first()


def _reason(status: str, reason_code: str | None, reason_text: str | None) -> None:
    if status == "given":
        return
    allowed = REASONS_BY_STATUS.get(status)
    if allowed is None:
        raise FieldError("status", N_("choose given, held, refused or not given"))
    if not reason_code or reason_code not in allowed:
        raise FieldError(
            "reason_code",
            N_("choose a reason: {reasons}"),
            values={"reasons": Words(allowed.values())},
        )
    if reason_code == "other" and not (reason_text or "").strip():
        raise FieldError("reason_text", N_("say why the dose was not given"))


def chart_dose(
    *, session: Session, actor: Actor, data: DoseAdministrationCreate, now: datetime
) -> DoseAdministration:
    """Chart what happened to a scheduled dose (models.schemas.DoseAdministrationCreate). If
    someone else charted it first, the database's unique index lets only one win and the other
    is told who charted it."""
    actor.require(*CHARTING_ROLES, "system")
    scheduled_dose_id, status, at = data.scheduled_dose_id, data.status, data.administered_at
    reason_code, reason_text = data.reason_code, data.reason_text
    slot = session.get(ScheduledDose, scheduled_dose_id)
    if slot is None:
        raise FieldError("dose", N_("no scheduled dose {dose}"), values={"dose": scheduled_dose_id})
    require_open_admission(session, slot.admission_id)
    if slot.cancelled_at is not None:
        raise FieldError("dose", N_("this dose was cancelled by a plan change; refresh the MAR"))
    _reason(status, reason_code, reason_text)
    if actor.role != "system":
        check_charting_time("at", at, now)
    existing = _valid_administration(session, scheduled_dose_id)
    if existing is not None:
        raise _already_charted(session, existing, now)
    sedation_vitals = (
        latest_sedation_score(session, slot.admission_id, at)
        if status == "held" and reason_code == HELD_FOR_SEDATION
        else None
    )
    check_id = None
    if status == "given" and actor.role != "system":
        check_id = identified_for_giving(
            session,
            user_id=actor.user_id or 0,
            admission_id=slot.admission_id,
            wristband_check_id=data.wristband_check_id,
            now=now,
        )
    values = {
        "admission_id": slot.admission_id,
        "scheduled_dose_id": scheduled_dose_id,
        "drug": slot.drug,
        "dose_ug": slot.dose_ug if status == "given" else 0,
        "status": status,
        "reason_code": reason_code if status != "given" else None,
        "reason_text": (reason_text or "").strip() or None,
        "sedation_vitals_id": sedation_vitals.id if sedation_vitals is not None else None,
    }
    return _insert_dose(
        session,
        actor=actor,
        action=f"dose.{status}",
        given=values,
        at=at,
        now=now,
        wristband_check_id=check_id,
        conflict=_charted_dose,
    )


def latest_sedation_score(
    session: Session, admission_id: int, at: datetime | None = None
) -> VitalSigns | None:
    """The admission's latest valid set of vitals with a sedation score (RASS or POSS), taken
    at or before ``at`` (any time when None): what a dose held for sedation rests on."""
    query = select(VitalSigns).where(
        VitalSigns.admission_id == admission_id,
        col(VitalSigns.entered_in_error) == false(),
        or_(col(VitalSigns.rass).is_not(None), col(VitalSigns.poss).is_not(None)),
    )
    if at is not None:
        query = query.where(VitalSigns.taken_at <= at)
    return session.exec(
        query.order_by(col(VitalSigns.taken_at).desc(), col(VitalSigns.id).desc()).limit(1)
    ).first()


def sedation_reading(v: Any) -> SedationReading:
    """What a stored set of vitals (a VitalSigns row, or the board's columns of one) says of
    sedation (models.clinical.sedation)."""
    return SedationReading(
        rass=v.rass,
        poss=v.poss,
        resp_rate=v.resp_rate,
        spo2=v.spo2,
        spo2_scale=v.spo2_scale,
        supplemental_o2=v.supplemental_o2,
        consciousness=v.consciousness,
    )


@dataclass(frozen=True)
class SedationCheck:
    """The latest valid set of vitals and what it shows beyond the ward's thresholds: the MAR
    asks a fresh check before each due dose while it stands."""

    vitals_id: int
    taken_at: datetime
    concern: SedationConcern


def sedation_check(
    session: Session, admission_id: int, thresholds: SedationThresholds
) -> SedationCheck | None:
    """None while the latest valid vitals show no sedation nor depressed breathing (or none
    were charted); a fresh reading that is clear ends the prompt."""
    latest = session.exec(
        select(VitalSigns)
        .where(
            VitalSigns.admission_id == admission_id,
            col(VitalSigns.entered_in_error) == false(),
        )
        .order_by(col(VitalSigns.taken_at).desc(), col(VitalSigns.id).desc())
        .limit(1)
    ).first()
    if latest is None or latest.id is None:
        return None
    concern = sedation_concern(sedation_reading(latest), thresholds)
    return SedationCheck(latest.id, latest.taken_at, concern) if concern.any else None


def linked_scores(session: Session, doses: Sequence[DoseAdministration]) -> dict[int, VitalSigns]:
    """The sets of vitals that ``doses`` held for sedation rest on, by id."""
    ids = {d.sedation_vitals_id for d in doses if d.sedation_vitals_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(VitalSigns).where(col(VitalSigns.id).in_(ids))).all()
    return {v.id: v for v in rows if v.id is not None}


def chart_prn(
    *, session: Session, actor: Actor, data: PrnAdministrationCreate, now: datetime
) -> DoseAdministration:
    """An as-needed dose (models.schemas.PrnAdministrationCreate), given against the
    admission's active PRN order: the order's dose, within its start and stop, its interval
    and its 24-h maxima (models.prn_orders), checked with the order locked so that two nurses
    cannot both give the last allowed dose."""
    actor.require(*CHARTING_ROLES)
    admission_id, at, reason_text = data.admission_id, data.administered_at, data.reason_text
    require_open_admission(session, admission_id)
    order = lock_for_dose(session, data.prn_order_id, admission_id)
    if data.dose_ug is not None and data.dose_ug != order.dose_ug:
        raise FieldError(
            "dose_mg",
            N_(
                "the order is for {dose} mg a dose; give that, or ask the physician to change"
                " the order"
            ),
            values={"dose": Number.mg(order.dose_ug)},
        )
    if not reason_text.strip():
        raise FieldError("reason_text", N_("say why the PRN dose was given"))
    check_charting_time("at", at, now)
    admission = session.get(Admission, admission_id)
    ward = session.get(Ward, admission.ward_id) if admission is not None else None
    assert ward is not None
    refuse_unless_allowed(session, order, at, now, ZoneInfo(ward.timezone))
    check_id = identified_for_giving(
        session,
        user_id=actor.user_id or 0,
        admission_id=admission_id,
        wristband_check_id=data.wristband_check_id,
        now=now,
    )
    values = {
        "admission_id": admission_id,
        "drug": order.drug,
        "dose_ug": order.dose_ug,
        "status": "given",
        "prn": True,
        "prn_order_id": order.id,
        "reason_text": reason_text.strip(),
    }
    return _insert_dose(
        session,
        actor=actor,
        action="dose.prn",
        given=values,
        at=at,
        now=now,
        wristband_check_id=check_id,
        conflict=None,
    )


def _insert_dose(
    session: Session,
    *,
    actor: Actor,
    action: str,
    given: Mapping[str, object],
    at: datetime,
    now: datetime,
    wristband_check_id: int | None,
    conflict: ConflictRule[DoseAdministration] | None,
) -> DoseAdministration:
    """A dose's row (scheduled or PRN: ``given``), given or decided ``at``, charted ``now``
    by ``actor`` after the wristband check, through the one charted-row write."""
    charted = {"administered_at": at, "charted_at": now, "charted_by": actor.user_id or 0}
    return _insert_once(
        session,
        actor=actor,
        action=action,
        model=DoseAdministration,
        given={**given, **charted, "wristband_check_id": wristband_check_id},
        conflict=conflict,
    )


def _valid_administration(session: Session, scheduled_dose_id: int) -> DoseAdministration | None:
    return session.exec(
        select(DoseAdministration).where(
            DoseAdministration.scheduled_dose_id == scheduled_dose_id,
            col(DoseAdministration.entered_in_error) == false(),
        )
    ).first()


# What a dose was charted as, in a refusal ("already charted as not given by ...").
_CHARTED_AS = {
    "given": N_("given"),
    "held": N_("held"),
    "refused": N_("refused"),
    "not_given": N_("not given"),
}


def _already_charted(
    session: Session, existing: DoseAdministration, now: datetime
) -> ConflictError:
    """Who charted the dose and when, in the ward's time (what the other nurse's screen shows);
    its values let the reader's language say it (dashboard.refusals)."""
    user = session.get(User, existing.charted_by)
    who: object = user.display_name if user else Words([N_("another user")])
    admission = session.get(Admission, existing.admission_id)
    ward = session.get(Ward, admission.ward_id) if admission is not None else None
    tz = ZoneInfo(ward.timezone) if ward else UTC
    zone = "" if ward else " UTC"
    when = When(existing.charted_at, tz, now, f"{existing.charted_at.astimezone(tz):%H:%M}{zone}")
    status = _CHARTED_AS.get(existing.status)
    return ConflictError(
        N_(
            "already charted as {status} by {who} at {when}; mark that entry in error first to "
            "correct it"
        ),
        values={
            "status": Words([status]) if status else existing.status.replace("_", " "),
            "who": who,
            "when": when,
        },
    )


_ENTITIES: dict[str, type[VitalSigns] | type[WithdrawalAssessment] | type[DoseAdministration]] = {
    "vitals": VitalSigns,
    "assessment": WithdrawalAssessment,
    "dose": DoseAdministration,
}


def _charted_entry(
    session: Session, entity: str, record_id: int
) -> VitalSigns | WithdrawalAssessment | DoseAdministration | None:
    if entity == "vitals":
        return session.get(VitalSigns, record_id)
    if entity == "assessment":
        return session.get(WithdrawalAssessment, record_id)
    return session.get(DoseAdministration, record_id)


def mark_in_error(
    *, session: Session, actor: Actor, entity: str, record_id: int, reason: str, now: datetime
) -> VitalSigns | WithdrawalAssessment | DoseAdministration:
    """Mark a charted entry entered-in-error (kept, shown struck through); it may then be
    charted again. Nothing is deleted."""
    actor.require(*CHARTING_ROLES)
    model = _ENTITIES.get(entity)
    if model is None:
        raise FieldError(
            "entity", N_("unknown entry type {entity}"), values={"entity": repr(entity)}
        )
    row = _charted_entry(session, entity, record_id)
    if row is None:
        raise FieldError(
            "entry", N_("no {entity} entry {entry}"), values={"entity": entity, "entry": record_id}
        )
    require_open_admission(session, row.admission_id)
    if row.entered_in_error:
        raise ConflictError(N_("this entry is already marked in error"))
    if not reason.strip():
        raise FieldError("error_reason", N_("say what was wrong with the entry"))
    before = snapshot(row)
    row.entered_in_error = True
    row.error_reason = reason.strip()
    row.error_marked_by = actor.user_id
    row.error_marked_at = now
    update_audited(
        session, actor=actor, action=f"{entity}.entered_in_error", record=row, before=before
    )
    return row


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "A dose held, refused or not given needs a reason",
        "one of the ward's reasons for "
        + ", ".join(status.replace("_", " ") for status in REASONS_BY_STATUS)
        + "; 'other' needs a comment",
        ("S42", "S48"),
    ),
    ClinicalNumber(
        "How far back an observation may be charted",
        f"{BACKDATE_LIMIT.total_seconds() / 3600:g} h",
        (),
        "Local policy: a late entry after a busy shift, not a rewrite of yesterday.",
    ),
)
