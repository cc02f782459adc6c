"""Loading an EHR's FHIR R4 Bundle: its Patient, Encounter and vital-sign Observations become a
Taperwatch patient, admission and vital signs.

- Idempotent: the patient is found by MRN, the admission by the Encounter's identifier
  (Admission.external_id), a reading set by its Observations' identifiers (VitalSigns.external_id)
  or, failing that, by its time. Importing the same bundle twice adds nothing.
- All or nothing: the whole bundle is checked first and every resource it cannot take is
  reported (resource and reason) in one BundleRefused; nothing is written unless all is well,
  and the writes share the caller's transaction (models.db.transaction).
- Vitals go through charting's own validation (models.charting.record_vitals): plausible ranges,
  NEWS2, audit.
- Reading sets: HR, RR, temperature, BP and SpO2 usually come as separate Observations; those
  at the same effective time form one VitalSigns row. Taperwatch stores complete NEWS2 sets
  only, so a set missing any reading is refused, naming what is missing. Supplemental oxygen
  and ACVPU have no sourced standard code (Taperwatch exports them with local codes); a set
  without them is refused too, unless the caller passes ``assume_alert_on_air`` (then: room
  air, Alert, and the import says how many sets it assumed this for).
- Other resources (MedicationRequest, QuestionnaireResponse...) and Observations that are not
  vital signs are skipped and counted, not refused: a Taperwatch export imports as its vitals.

This module is the database side (what the import finds, decides and writes); reading the
bundle is models.fhir_bundle (the envelope), models.fhir_encounter (Patient, Encounter) and
models.fhir_vitals (Observations). It stays one module over 400 lines because the plan's checks
against what is charted and its writes share one state (_Plan), decided in full before anything
is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, false, or_
from sqlmodel import Session, col, select

from models.admissions import admit, discharge, find_patient
from models.audit import Actor, audit_event, snapshot, update_audited
from models.charting import BACKDATE_LIMIT, FUTURE_TOLERANCE, record_vitals
from models.clinical.news2 import Vitals
from models.errors import FieldError, ValidationFailed
from models.fhir_bundle import (
    MODELS,
    BundleRefused,
    Entry,
    Problems,
    ResourceProblem,
    bundle_entries,
    bundle_id,
    check_structure,
    the_one,
)
from models.fhir_encounter import EncounterData, PatientData, read_encounter, read_patient
from models.fhir_vitals import (
    READING_NAMES,
    ReadingSet,
    complete_sets,
    reading_sets,
    set_external_id,
    validate_set,
)
from models.schemas import VitalSignsCreate
from models.tables import Admission, Patient, VitalSigns


@dataclass(frozen=True)
class ImportResult:
    patient_id: int
    admission_id: int
    patient_created: bool
    admission_created: bool
    vitals_added: int
    vitals_already_present: int
    skipped: dict[str, int]  # resources not imported, by kind
    notes: tuple[str, ...]


def import_bundle(
    session: Session,
    actor: Actor,
    bundle: object,
    ward_id: int,
    attending_id: int,
    *,
    now: datetime,
    bed: str | None = None,
    drug: str | None = None,
    daily_ug: int | None = None,
    admission_id: int | None = None,
    assume_alert_on_air: bool = False,
) -> ImportResult:
    """Import ``bundle`` (a parsed JSON object). A new admission goes to ``ward_id`` under
    ``attending_id``, in ``bed`` (default: the Encounter's bed location) with the baseline
    ``drug`` and ``daily_ug`` the EHR's Encounter does not carry. ``admission_id`` links the
    Encounter to a patient's admission made in Taperwatch. Raises BundleRefused."""
    actor.require("nurse", "physician")
    problems = Problems()
    entries = bundle_entries(bundle, problems)
    problems.raise_if_any()
    skipped: Counter[str] = Counter()
    patient_entry, encounter_entry = (
        the_one(entries, "Patient", problems),
        the_one(entries, "Encounter", problems),
    )
    for entry in entries:
        if entry.type in MODELS:
            check_structure(entry, problems)
        else:
            skipped[entry.type] += 1
    problems.raise_if_any()
    assert patient_entry is not None and encounter_entry is not None
    patient_data = read_patient(patient_entry, problems)
    encounter_data = read_encounter(encounter_entry, patient_entry, problems)
    sets, untimed = reading_sets(entries, patient_entry, encounter_entry, skipped, problems)
    # A refused Observation with no time leaves some set short: which one is unknowable, so
    # incomplete sets are then not reported (the refusal says what to fix first).
    assumed = complete_sets(sets, assume_alert_on_air, problems, report=not untimed)
    checked = {at: validate_set(reading_set, problems) for at, reading_set in sets.items()}
    problems.raise_if_any()
    assert patient_data is not None and encounter_data is not None

    plan = _Plan.make(
        session,
        problems,
        patient_entry,
        encounter_entry,
        patient_data,
        encounter_data,
        admission_id=admission_id,
        bed=bed,
        drug=drug,
        daily_ug=daily_ug,
        now=now,
    )
    new_sets = plan.sort_sets(session, sets, checked, problems, now)
    problems.raise_if_any()
    return plan.write(
        session,
        actor,
        ward_id=ward_id,
        attending_id=attending_id,
        now=now,
        new_sets=new_sets,
        checked=checked,
        present=len(sets) - len(new_sets),
        skipped=dict(skipped),
        assumed=assumed,
        bundle_id=bundle_id(bundle),
    )


@dataclass
class _Plan:
    """What the import will do, decided (and refused if need be) before anything is written."""

    patient_data: PatientData
    encounter_data: EncounterData
    encounter_label: str
    patient: Patient | None
    admission: Admission | None  # existing admission, or None for a new one
    link: bool  # set the existing admission's external_id
    bed: str | None
    drug: str | None
    daily_ug: int | None

    @classmethod
    def make(
        cls,
        session: Session,
        problems: Problems,
        patient_entry: Entry,
        encounter_entry: Entry,
        patient_data: PatientData,
        encounter_data: EncounterData,
        *,
        admission_id: int | None,
        bed: str | None,
        drug: str | None,
        daily_ug: int | None,
        now: datetime,
    ) -> _Plan:
        patient = find_patient(session, patient_data.mrn)
        if patient is not None and patient.birth_date != patient_data.birth_date:
            problems.add(
                patient_entry.label,
                f"MRN {patient.mrn} is registered with birth date "
                f"{patient.birth_date.isoformat()}, not "
                f"{patient_data.birth_date.isoformat()}; check the MRN",
            )
        label = encounter_entry.label
        admission = session.exec(
            select(Admission).where(col(Admission.external_id).in_(encounter_data.keys))
        ).first()
        link = False
        if admission is not None:
            if patient is None or admission.patient_id != patient.id:
                problems.add(
                    label,
                    f"already imported as admission {admission.id} of another "
                    "patient; check the MRN",
                )
            elif admission_id is not None and admission_id != admission.id:
                problems.add(
                    label, f"already imported as admission {admission.id}, not {admission_id}"
                )
        elif admission_id is not None:
            admission = session.get(Admission, admission_id)
            if admission is None:
                problems.add(label, f"no admission {admission_id} to import into")
            elif patient is None or admission.patient_id != patient.id:
                problems.add(label, f"admission {admission_id} is another patient's")
            elif admission.external_id is not None:
                problems.add(
                    label,
                    f"admission {admission_id} is already linked to EHR "
                    f"encounter {admission.external_id}",
                )
            link = True
        else:
            if drug is None or not daily_ug:
                problems.add(
                    label,
                    "a new admission needs the baseline benzodiazepine and its "
                    "daily dose, which an Encounter does not carry (CLI: --drug and "
                    "--daily-mg)",
                )
            if not (bed or encounter_data.bed):
                problems.add(
                    label,
                    "a new admission needs a bed: none in Encounter.location "
                    "(physicalType bd); give one (CLI: --bed)",
                )
        if encounter_data.end is not None and encounter_data.end > now + FUTURE_TOLERANCE:
            problems.add(label, "period.end is in the future")
        return cls(
            patient_data,
            encounter_data,
            label,
            patient,
            admission,
            link,
            bed or encounter_data.bed,
            drug,
            daily_ug,
        )

    def sort_sets(
        self,
        session: Session,
        sets: dict[datetime, ReadingSet],
        checked: dict[datetime, Vitals | None],
        problems: Problems,
        now: datetime,
    ) -> dict[datetime, str]:
        """The sets to add (time -> external_id); refuses those outside the stay and those
        that clash with a reading already charted."""
        start = self.admission.admitted_at if self.admission else self.encounter_data.start
        end = self.admission.discharged_at if self.admission else self.encounter_data.end
        key = self.encounter_data.keys[0]
        new: dict[datetime, str] = {}
        existing = self._existing(session, sets, key)
        for at, reading_set in sorted(sets.items()):
            external_id = set_external_id(key, reading_set.keys)
            if at < start:
                problems.add(reading_set.label, f"before the admission ({start.isoformat()})")
            elif end is not None and at > end:
                problems.add(reading_set.label, f"after the discharge ({end.isoformat()})")
            elif at > now + FUTURE_TOLERANCE:
                problems.add(reading_set.label, "in the future")
            row = existing.get(external_id) or existing.get(at.isoformat())
            if row is None:
                new[at] = external_id
            elif not _same(row, checked[at]):
                problems.add(
                    reading_set.label,
                    f"differs from the reading already charted at "
                    f"that time (vital signs {row.id}); corrections are not imported: "
                    "mark that entry in error first",
                )
        if new and self.admission is not None and self.admission.discharged_at is not None:
            problems.add(
                self.encounter_label,
                f"admission {self.admission.id} is discharged and "
                f"read-only; {len(new)} new reading sets cannot be added",
            )
        return new

    def _existing(
        self, session: Session, sets: dict[datetime, ReadingSet], key: str
    ) -> dict[str, VitalSigns]:
        """Rows already there, by external_id and by time (the time only among rows that are
        not in error)."""
        if self.admission is None or not sets:
            return {}
        ids = [set_external_id(key, s.keys) for s in sets.values()]
        rows = session.exec(
            select(VitalSigns).where(
                VitalSigns.admission_id == self.admission.id,
                or_(
                    col(VitalSigns.external_id).in_(ids),
                    and_(
                        col(VitalSigns.taken_at).in_(list(sets)),
                        col(VitalSigns.entered_in_error) == false(),
                    ),
                ),
            )
        ).all()
        out: dict[str, VitalSigns] = {}
        for row in rows:
            if row.external_id:
                out[row.external_id] = row
            if not row.entered_in_error:
                out.setdefault(row.taken_at.isoformat(), row)
        return out

    def write(
        self,
        session: Session,
        actor: Actor,
        *,
        ward_id: int,
        attending_id: int,
        now: datetime,
        new_sets: dict[datetime, str],
        checked: dict[datetime, Vitals | None],
        present: int,
        skipped: dict[str, int],
        assumed: int,
        bundle_id: str | None,
    ) -> ImportResult:
        patient_created = self.patient is None
        admission = self.admission
        created = admission is None
        try:
            # A savepoint: whatever the caller does with the session after a refusal, none of
            # this bundle's writes survive it.
            with session.begin_nested():
                if admission is None:
                    admission = self._admit(session, actor, ward_id, attending_id, now)
                elif self.link:
                    self._link(session, actor, admission)
                self._add_vitals(session, actor, admission, new_sets, checked, now)
                if created and self.encounter_data.end is not None:
                    assert admission.id is not None
                    discharge(
                        session=session,
                        actor=actor,
                        admission_id=admission.id,
                        at=self.encounter_data.end,
                        now=now,
                    )
        except ValidationFailed as exc:
            raise BundleRefused(
                [ResourceProblem(self.encounter_label, e.message) for e in exc.errors]
            ) from exc
        except FieldError as exc:
            raise BundleRefused([ResourceProblem(self.encounter_label, str(exc))]) from exc
        notes = []
        if assumed:
            notes.append(
                f"{assumed} reading sets had no supplemental-oxygen or ACVPU reading: "
                "recorded as room air and Alert, as asked"
            )
        if not created and self.encounter_data.end and admission.discharged_at is None:
            notes.append(
                f"the EHR's encounter ended at {self.encounter_data.end.isoformat()}; "
                "discharge the patient in Taperwatch if they have left"
            )
        audit_event(
            session,
            actor=actor,
            action="fhir.import",
            entity="admission",
            entity_id=admission.id,
            after={
                "bundle": bundle_id,
                "encounter": self.encounter_data.keys[0],
                "vitals_added": len(new_sets),
                "vitals_already_present": present,
                "skipped": skipped,
                "assumed_alert_on_air": assumed,
            },
        )
        assert admission.id is not None and admission.patient_id is not None
        return ImportResult(
            patient_id=admission.patient_id,
            admission_id=admission.id,
            patient_created=patient_created,
            admission_created=created,
            vitals_added=len(new_sets),
            vitals_already_present=present,
            skipped=skipped,
            notes=tuple(notes),
        )

    @staticmethod
    def _add_vitals(
        session: Session,
        actor: Actor,
        admission: Admission,
        new_sets: dict[datetime, str],
        checked: dict[datetime, Vitals | None],
        now: datetime,
    ) -> None:
        assert admission.id is not None
        # Readings from the EHR's record of the stay go back to the admission, not 24 hours.
        limit = max(BACKDATE_LIMIT, now - admission.admitted_at)
        for at, external_id in sorted(new_sets.items()):
            vitals = checked[at]
            assert vitals is not None
            record_vitals(
                session=session,
                actor=actor,
                now=now,
                backdate_limit=limit,
                data=VitalSignsCreate(
                    admission_id=admission.id,
                    taken_at=at,
                    external_id=external_id,
                    **{name: getattr(vitals, name) for name in READING_NAMES},
                ),
            )

    def _admit(
        self, session: Session, actor: Actor, ward_id: int, attending_id: int, now: datetime
    ) -> Admission:
        data = self.patient_data
        assert self.drug is not None and self.daily_ug is not None and self.bed is not None
        admission = admit(
            session=session,
            actor=actor,
            ward_id=ward_id,
            mrn=data.mrn,
            family_name=data.family,
            given_name=data.given,
            birth_date=data.birth_date,
            sex=data.sex,
            bed=self.bed,
            attending_id=attending_id,
            drug=self.drug,
            daily_ug=self.daily_ug,
            admitted_at=self.encounter_data.start,
            now=now,
        )
        self._link(session, actor, admission)
        return admission

    def _link(self, session: Session, actor: Actor, admission: Admission) -> None:
        before = snapshot(admission)
        admission.external_id = self.encounter_data.keys[0]
        update_audited(
            session,
            actor=actor,
            action="admission.link_encounter",
            record=admission,
            before=before,
        )


def _same(row: VitalSigns, vitals: Vitals | None) -> bool:
    return vitals is not None and all(
        getattr(row, name) == getattr(vitals, name) for name in READING_NAMES
    )
