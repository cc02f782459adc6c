"""Wristband check before giving: a matching scan is stored and audited and lets the nurse give;
a mismatch is refused at the field and writes nothing; an override needs a reason and is
audited and listed; with the ward's "scan before giving" on, a given dose (scheduled or PRN)
without a fitting check is refused in the domain; off, doses are given as before. SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.audit import Actor
from models.charting import chart_dose, chart_prn
from models.db import transaction
from models.errors import FieldError, PermissionDenied, ValidationFailed
from models.schemas import DoseAdministrationCreate, PrnAdministrationCreate
from models.tables import AuditEvent, DoseAdministration, ScheduledDose, Ward, WristbandCheck
from models.ward_policy import update_ward_policy
from models.wristband import (
    OVERRIDE_REASONS,
    band_birth_date,
    band_name,
    override_wristband,
    recent_overrides,
    scan_wristband,
    scanned_code,
)
from seed_data.factories import start_taper
from tests.factories import admit_patient, prn_order

PLANNED_AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 3, 10, 8, 10, tzinfo=UTC)  # ten minutes after the 08:00 dose
MRN = "TW100"
OTHER_MRN = "TW200"


def _count(engine: Engine, model: type[Any], *where: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def _audits(engine: Engine, action: str) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


@pytest.fixture
def stay(engine: Engine, staff: dict[str, Actor], ward: Ward) -> dict[str, int]:
    """Two patients; the first on clonazepam 2 mg/day at 08:00 and 20:00 with a PRN order."""
    with transaction(engine) as session:
        first = admit_patient(session, staff=staff, ward=ward, now=PLANNED_AT, mrn=MRN)
        second = admit_patient(
            session,
            staff=staff,
            ward=ward,
            now=PLANNED_AT,
            mrn=OTHER_MRN,
            family_name="Doe",
            given_name="Sam",
            bed="B2",
        )
        assert first.id is not None and second.id is not None
        start_taper(
            session,
            actor=staff["doctor1"],
            admission_id=first.id,
            start=date(2026, 3, 2),
            now=PLANNED_AT,
        )
        slot = session.exec(
            select(ScheduledDose).where(
                ScheduledDose.admission_id == first.id,
                ScheduledDose.scheduled_at == datetime(2026, 3, 10, 8, tzinfo=UTC),
            )
        ).one()
        order = prn_order(
            session, doctor=staff["doctor1"], admission_id=first.id, written_at=PLANNED_AT
        )
    return {"admission": first.id, "other": second.id, "slot": slot.id or 0, "prn": order}


def _scan_on(engine: Engine, staff: dict[str, Actor], ward: Ward, on: bool = True) -> None:
    assert ward.id is not None
    with transaction(engine) as session:
        update_ward_policy(
            session=session,
            actor=staff["admin1"],
            ward_id=ward.id,
            values={"scan_before_giving": int(on), "scan_valid_min": 10},
        )


def _scan(engine: Engine, actor: Actor, admission_id: int, code: str, now: datetime = NOW) -> int:
    with transaction(engine) as session:
        check = scan_wristband(
            session=session, actor=actor, admission_id=admission_id, code=code, now=now
        )
        assert check.id is not None
        return check.id


def _give(engine: Engine, actor: Actor, slot: int, check_id: int | None) -> DoseAdministration:
    with transaction(engine) as session:
        return chart_dose(
            session=session,
            actor=actor,
            now=NOW,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot,
                status="given",
                administered_at=NOW,
                wristband_check_id=check_id,
            ),
        )


def test_label_prints_the_last_name_first_in_capitals_and_an_unambiguous_date() -> None:
    assert band_name(" Roe ", "Jan") == "ROE Jan"
    assert band_birth_date(date(1970, 5, 1)) == "01-May-1970"


@pytest.mark.parametrize(
    ("typed", "code"),
    [("TW100\n", "TW100"), ("  TW100 ", "TW100"), ("]C0TW100", "TW100"), ("\tTW100\r", "TW100")],
)
def test_what_a_wedge_scanner_types_is_read_as_the_code(typed: str, code: str) -> None:
    assert scanned_code(typed) == code


def test_a_matching_scan_is_stored_audited_and_lets_the_nurse_give(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: dict[str, int]
) -> None:
    _scan_on(engine, staff, ward)
    check_id = _scan(engine, staff["nurse1"], stay["admission"], " tw100\n")
    given = _give(engine, staff["nurse1"], stay["slot"], check_id)
    assert given.status == "given"
    assert given.wristband_check_id == check_id
    with Session(engine) as session:
        check = session.get(WristbandCheck, check_id)
        assert check is not None
        assert (check.method, check.admission_id, check.checked_by) == (
            "scan",
            stay["admission"],
            staff["nurse1"].user_id,
        )
    scans = _audits(engine, "wristband.scan")
    assert [a.entity_id for a in scans] == [check_id]


def test_a_band_that_does_not_match_is_refused_loudly_and_nothing_is_written(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: dict[str, int]
) -> None:
    _scan_on(engine, staff, ward)
    audits_before = _count(engine, AuditEvent)
    with pytest.raises(FieldError) as refused:
        _scan(engine, staff["nurse1"], stay["admission"], OTHER_MRN)
    assert refused.value.field == "wristband"
    assert "WRONG PATIENT" in refused.value.message
    assert OTHER_MRN in refused.value.message and MRN in refused.value.message
    assert _count(engine, WristbandCheck) == 0
    assert _count(engine, AuditEvent) == audits_before
    # And the dose cannot be given on the strength of it.
    with pytest.raises(FieldError) as no_check:
        _give(engine, staff["nurse1"], stay["slot"], None)
    assert no_check.value.field == "wristband"
    assert _count(engine, DoseAdministration) == 0


@pytest.mark.parametrize("code", ["", "   \n"])
def test_an_empty_scan_asks_for_the_band(
    engine: Engine, staff: dict[str, Actor], stay: dict[str, int], code: str
) -> None:
    with pytest.raises(FieldError) as refused:
        _scan(engine, staff["nurse1"], stay["admission"], code)
    assert refused.value.field == "wristband"
    assert _count(engine, WristbandCheck) == 0


def test_an_override_needs_a_reason_is_audited_and_listed_for_the_admin(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: dict[str, int]
) -> None:
    _scan_on(engine, staff, ward)
    for code, text, field in ((None, "", "override_reason"), ("other", "  ", "override_text")):
        with pytest.raises(FieldError) as refused, transaction(engine) as session:
            override_wristband(
                session=session,
                actor=staff["nurse1"],
                admission_id=stay["admission"],
                reason_code=code,
                reason_text=text,
                now=NOW,
            )
        assert refused.value.field == field
    assert _count(engine, WristbandCheck) == 0
    with transaction(engine) as session:
        check = override_wristband(
            session=session,
            actor=staff["nurse1"],
            admission_id=stay["admission"],
            reason_code="band_unreadable",
            reason_text="ink smudged",
            now=NOW,
        )
        assert check.id is not None
        check_id = check.id
    given = _give(engine, staff["nurse1"], stay["slot"], check_id)
    assert given.wristband_check_id == check_id
    overrides = _audits(engine, "wristband.override")
    assert [a.entity_id for a in overrides] == [check_id]
    assert overrides[0].after is not None
    assert overrides[0].after["reason_code"] == "band_unreadable"
    assert ward.id is not None
    with Session(engine) as session:
        listed = recent_overrides(session, ward.id)
    assert [(e.check.id, e.mrn, e.bed, e.nurse, e.doses_given) for e in listed] == [
        (check_id, MRN, "B1", "Nurse1", 1)
    ]
    assert listed[0].check.reason_code in OVERRIDE_REASONS


def test_with_the_setting_on_a_given_dose_without_a_fitting_check_is_refused(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: dict[str, int]
) -> None:
    _scan_on(engine, staff, ward)
    other_patient = _scan(engine, staff["nurse1"], stay["other"], OTHER_MRN)
    other_nurse = _scan(engine, staff["nurse2"], stay["admission"], MRN)
    stale = _scan(engine, staff["nurse1"], stay["admission"], MRN, now=NOW - timedelta(minutes=11))
    for check_id in (None, other_patient, other_nurse, stale, 10_000):
        with pytest.raises(FieldError) as refused:
            _give(engine, staff["nurse1"], stay["slot"], check_id)
        assert refused.value.field == "wristband", check_id
    assert _count(engine, DoseAdministration) == 0
    # Held, refused and not given need no scan: nothing goes into the patient.
    with transaction(engine) as session:
        held = chart_dose(
            session=session,
            actor=staff["nurse1"],
            now=NOW,
            data=DoseAdministrationCreate(
                scheduled_dose_id=stay["slot"],
                status="held",
                administered_at=NOW,
                reason_code="too_drowsy",
            ),
        )
    assert held.status == "held" and held.wristband_check_id is None


def test_with_the_setting_on_a_prn_dose_needs_the_check_too(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: dict[str, int]
) -> None:
    _scan_on(engine, staff, ward)

    def give_prn(check_id: int | None) -> DoseAdministration:
        with transaction(engine) as session:
            return chart_prn(
                session=session,
                actor=staff["nurse1"],
                now=NOW,
                data=PrnAdministrationCreate(
                    admission_id=stay["admission"],
                    prn_order_id=stay["prn"],
                    administered_at=NOW,
                    reason_text="restless, CIWA-B 22",
                    wristband_check_id=check_id,
                ),
            )

    with pytest.raises(FieldError) as refused:
        give_prn(None)
    assert refused.value.field == "wristband"
    assert _count(engine, DoseAdministration) == 0
    check_id = _scan(engine, staff["nurse1"], stay["admission"], MRN)
    # The form need not name the check: the nurse's latest for this patient counts.
    assert give_prn(None).wristband_check_id == check_id


def test_with_the_setting_off_doses_are_given_without_a_scan(
    engine: Engine, staff: dict[str, Actor], ward: Ward, stay: dict[str, int]
) -> None:
    with Session(engine) as session:
        stored = session.get(Ward, ward.id)
        assert stored is not None and stored.scan_before_giving is False
    given = _give(engine, staff["nurse1"], stay["slot"], None)
    assert given.status == "given" and given.wristband_check_id is None
    # A check that does not fit (another patient's) is not linked, and not refused.
    with transaction(engine) as session:
        slot_2000 = session.exec(
            select(ScheduledDose).where(
                ScheduledDose.admission_id == stay["admission"],
                ScheduledDose.scheduled_at == datetime(2026, 3, 10, 20, tzinfo=UTC),
            )
        ).one()
    other = _scan(engine, staff["nurse1"], stay["other"], OTHER_MRN)
    with transaction(engine) as session:
        evening = chart_dose(
            session=session,
            actor=staff["nurse1"],
            now=NOW,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot_2000.id or 0,
                status="given",
                administered_at=NOW,
                wristband_check_id=other,
            ),
        )
    assert evening.wristband_check_id is None


def test_the_setting_is_audited_and_validated(
    engine: Engine, staff: dict[str, Actor], ward: Ward
) -> None:
    _scan_on(engine, staff, ward)
    changes = _audits(engine, "ward.policy")
    assert changes and changes[-1].after is not None
    assert changes[-1].after["scan_before_giving"] is True
    assert ward.id is not None
    for values in ({"scan_before_giving": 2}, {"scan_valid_min": 0}, {"scan_valid_min": 61}):
        with pytest.raises(ValidationFailed), transaction(engine) as session:
            update_ward_policy(
                session=session, actor=staff["admin1"], ward_id=ward.id, values=values
            )
    with pytest.raises(PermissionDenied), transaction(engine) as session:
        update_ward_policy(
            session=session,
            actor=staff["nurse1"],
            ward_id=ward.id,
            values={"scan_before_giving": 0},
        )


def test_only_charting_staff_identify_patients(
    engine: Engine, staff: dict[str, Actor], stay: dict[str, int]
) -> None:
    with pytest.raises(PermissionDenied):
        _scan(engine, staff["admin1"], stay["admission"], MRN)
    assert _count(engine, WristbandCheck) == 0
