"""Other CNS depressants the patient takes beside the benzodiazepine (opioids, methadone and
buprenorphine included; gabapentinoids; Z-drugs; alcohol; others), kept on the admission by a
physician, stopped (never deleted) when they end; and, for a patient on an opioid, what was done
about naloxone, recorded before discharge. Every write is audited.

Opioids with benzodiazepines can cause profound sedation, respiratory depression, coma and death
(FDA boxed warning) [S69]; ASAM asks to offer naloxone to patients on both [S70]
(models.clinical.sedation)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.admissions import open_admission
from models.audit import Actor, insert_audited, snapshot, update_audited
from models.clinical.sedation import (
    CNS_DEPRESSANT_CLASSES,
    NALOXONE_ADVICE,
    NALOXONE_STATUSES,
    OPIOID,
    OPIOID_WARNING,
)
from models.clinical.sources import ClinicalNumber
from models.errors import ConflictError, FieldError, ValidationFailed, required_text
from models.i18n.catalogs import N_
from models.tables import Admission, CoMedication

EDIT_ROLES = ("physician",)  # who keeps the list
NALOXONE_ROLES = ("nurse", "physician")  # who records the naloxone check
NAME_MAX = 100
DETAIL_MAX = 200
REASON_MAX = 500


def add_co_medication(
    *,
    session: Session,
    actor: Actor,
    admission_id: int,
    drug_class: object,
    name: object,
    detail: object = "",
    now: datetime,
) -> CoMedication:
    """Record another CNS depressant on an open admission (physicians); every field is checked
    before anything is written."""
    actor.require(*EDIT_ROLES)
    open_admission(session, admission_id)
    errors: list[FieldError] = []
    if drug_class not in CNS_DEPRESSANT_CLASSES:
        errors.append(
            FieldError(
                "drug_class", "choose a class: " + ", ".join(CNS_DEPRESSANT_CLASSES.values())
            )
        )
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        errors.append(FieldError("name", N_("name the medicine (e.g. methadone, pregabalin)")))
    elif len(text) > NAME_MAX:
        errors.append(
            FieldError(
                "name", N_("keep the name under {most} characters"), values={"most": NAME_MAX}
            )
        )
    more = detail.strip() if isinstance(detail, str) else ""
    if len(more) > DETAIL_MAX:
        errors.append(
            FieldError(
                "detail",
                N_("keep the details under {most} characters"),
                values={"most": DETAIL_MAX},
            )
        )
    if errors:
        raise ValidationFailed(errors)
    row = CoMedication(
        admission_id=admission_id,
        drug_class=str(drug_class),
        name=text,
        detail=more,
        recorded_at=now,
        recorded_by=actor.user_id or 0,
    )
    insert_audited(session, actor=actor, action="co_medication.add", record=row)
    return row


def stop_co_medication(
    *, session: Session, actor: Actor, co_medication_id: int, reason: object, now: datetime
) -> CoMedication:
    """Mark a co-medication stopped, with the reason (physicians); it stays on the record."""
    actor.require(*EDIT_ROLES)
    row = session.get(CoMedication, co_medication_id)
    if row is None:
        raise FieldError("co_medication", f"no co-medication {co_medication_id}")
    open_admission(session, row.admission_id)
    if row.stopped_at is not None:
        raise ConflictError(N_("already stopped; refresh the page"))
    text = required_text(
        reason if isinstance(reason, str) else "",
        field="stop_reason",
        missing="say why it stopped (e.g. finished, wrongly recorded)",
        limit=REASON_MAX,
    )
    before = snapshot(row)
    row.stopped_at, row.stopped_by, row.stop_reason = now, actor.user_id, text
    update_audited(
        session,
        actor=actor,
        action="co_medication.stop",
        record=row,
        before=before,
    )
    return row


def record_naloxone(
    *, session: Session, actor: Actor, admission_id: int, status: object, now: datetime
) -> Admission:
    """What was done about naloxone: supplied, offered, or offered and declined [S70]."""
    actor.require(*NALOXONE_ROLES)
    admission = open_admission(session, admission_id)
    if status not in NALOXONE_STATUSES:
        raise FieldError("naloxone", "choose: " + ", ".join(NALOXONE_STATUSES.values()))
    before = snapshot(admission)
    admission.naloxone, admission.naloxone_at = str(status), now
    admission.naloxone_by = actor.user_id
    update_audited(
        session,
        actor=actor,
        action="admission.naloxone",
        record=admission,
        before=before,
    )
    return admission


def co_medications(
    session: Session, admission_id: int, *, include_stopped: bool = False
) -> list[CoMedication]:
    query = select(CoMedication).where(CoMedication.admission_id == admission_id)
    if not include_stopped:
        query = query.where(col(CoMedication.stopped_at).is_(None))
    return list(session.exec(query.order_by(col(CoMedication.id))).all())


@dataclass(frozen=True)
class DepressantWarning:
    """What the pages show while other CNS depressants are recorded: the list, and for an
    opioid the boxed warning and the naloxone check."""

    items: tuple[str, ...]  # "methadone 60 mg daily (opioid)"
    opioid: bool
    naloxone: str | None  # NALOXONE_STATUSES key, or None while not recorded
    # The items as plain data, for a page to say them in the reader's language:
    # (name, details or "", CNS_DEPRESSANT_CLASSES key).
    medicines: tuple[tuple[str, str, str], ...] = ()

    @property
    def text(self) -> str:
        parts = [f"Other CNS depressants: {'; '.join(self.items)}."]
        if self.opioid:
            parts.append(f"{OPIOID_WARNING}.")
            if self.naloxone is None:
                parts.append(f"Naloxone not recorded yet: {NALOXONE_ADVICE}.")
            else:
                parts.append(f"{NALOXONE_STATUSES[self.naloxone]}.")
        return " ".join(parts)

    @property
    def naloxone_missing(self) -> bool:
        return self.opioid and self.naloxone is None


def depressant_warning(
    rows: Sequence[CoMedication], naloxone: str | None
) -> DepressantWarning | None:
    """None while nothing is recorded (or all are stopped)."""
    active = [r for r in rows if r.stopped_at is None]
    if not active:
        return None
    items = tuple(
        f"{r.name}{' ' + r.detail if r.detail else ''} "
        f"({CNS_DEPRESSANT_CLASSES[r.drug_class].split(' (')[0].lower()})"
        for r in active
    )
    medicines = tuple((r.name, r.detail or "", r.drug_class) for r in active)
    return DepressantWarning(
        items, any(r.drug_class == OPIOID for r in active), naloxone, medicines=medicines
    )


def require_naloxone_check(session: Session, admission: Admission) -> None:
    """Discharge asks for the naloxone record when an opioid is on board [S70]."""
    assert admission.id is not None
    found = depressant_warning(co_medications(session, admission.id), admission.naloxone)
    if found is not None and found.naloxone_missing:
        raise FieldError(
            "naloxone",
            "the patient is on an opioid: record whether naloxone was supplied, offered or "
            "declined before discharge",
        )


# --- sources (models.clinical.sources) ------------------------------------------------------

CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Naloxone before discharge with an opioid on board",
        "discharge asks for the record (supplied, offered or declined)",
        ("S70", "S69"),
        "Local policy that discharge waits for the record; the advice itself is ASAM's.",
    ),
)
