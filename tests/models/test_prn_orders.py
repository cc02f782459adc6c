"""PRN orders: a PRN dose only against an active order, its dose, interval
and 24-h maxima enforced on the server with the next allowed time in ward time; orders versioned
and audited; two nurses at once cannot both give the last allowed dose. SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.admissions import admit, ensure_ward, set_ciwa_ar
from models.audit import Actor
from models.charting import chart_prn, mark_in_error
from models.db import make_engine, transaction
from models.errors import ConflictError, FieldError, PermissionDenied, ValidationFailed
from models.prn_orders import (
    PrnOrderForm,
    change_prn_order,
    current_orders,
    indicated_orders,
    stop_prn_order,
    write_prn_order,
)
from models.schemas import PrnAdministrationCreate
from models.tables import AuditEvent, DoseAdministration, PrnOrder
from tests.factories import SYSTEM, make_staff

# Europe/London is on GMT in March before the 29th: ward time equals UTC.
T0 = datetime(2026, 3, 10, 10, 20, tzinfo=UTC)
H = timedelta(hours=1)
LORAZEPAM = PrnOrderForm(
    drug="lorazepam",
    dose_ug=1000,
    min_interval_min=240,
    max_doses_24h=2,
    max_ug_24h=2000,
    indication="withdrawal symptoms",
)


def _ward(engine: Engine) -> tuple[int, dict[str, Actor]]:
    with transaction(engine) as session:
        ward = ensure_ward(session=session, actor=SYSTEM, name="PRN Ward", timezone="Europe/London")
        staff = make_staff(session)
        admission = admit(
            session=session,
            actor=SYSTEM,
            ward_id=ward.id or 0,
            mrn="PRN1",
            family_name="Poe",
            given_name="Ada",
            birth_date=date(1980, 1, 1),
            sex="female",
            bed="P1",
            attending_id=staff["doctor1"].user_id or 0,
            drug="clonazepam",
            daily_ug=2000,
            admitted_at=T0 - 2 * H,
            now=T0,
        )
        assert admission.id is not None
        return admission.id, staff


def _order(engine: Engine, admission_id: int, doctor: Actor, form: PrnOrderForm = LORAZEPAM) -> int:
    with transaction(engine) as session:
        order = write_prn_order(
            session=session,
            actor=doctor,
            admission_id=admission_id,
            form=form,
            reason="Breakthrough symptoms expected",
            now=T0 - H,
        )
        assert order.id is not None
        return order.id


def _give(engine: Engine, admission_id: int, order_id: int, nurse: Actor, at: datetime) -> int:
    with transaction(engine) as session:
        row = chart_prn(
            session=session,
            actor=nurse,
            now=at,
            data=PrnAdministrationCreate(
                admission_id=admission_id,
                prn_order_id=order_id,
                administered_at=at,
                reason_text="Anxious, tremor",
            ),
        )
        assert row.id is not None
        return row.id


def _refusal(
    engine: Engine, admission_id: int, order_id: int, nurse: Actor, at: datetime
) -> FieldError:
    with pytest.raises(FieldError) as exc:
        _give(engine, admission_id, order_id, nurse, at)
    return exc.value


def _prn_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return len(
            session.exec(select(DoseAdministration).where(col(DoseAdministration.prn))).all()
        )


def test_a_prn_dose_needs_an_active_order_of_this_patient(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    with pytest.raises(FieldError) as none:
        _give(engine, admission_id, 999, staff["nurse1"], T0)
    assert none.value.field == "prn_order"
    order_id = _order(engine, admission_id, staff["doctor1"])
    with pytest.raises(FieldError) as other:
        _give(engine, admission_id + 1, order_id, staff["nurse1"], T0)
    assert other.value.field == "admission"
    with transaction(engine) as session, pytest.raises(FieldError) as dose:
        chart_prn(
            session=session,
            actor=staff["nurse1"],
            now=T0,
            data=PrnAdministrationCreate(
                admission_id=admission_id,
                prn_order_id=order_id,
                administered_at=T0,
                reason_text="Anxious",
                dose_ug=500_000,  # the "alprazolam 500 mg": never the order's dose
            ),
        )
    assert dose.value.field == "dose_mg" and "the order is for 1 mg a dose" in dose.value.message
    assert _prn_rows(engine) == 0
    row_id = _give(engine, admission_id, order_id, staff["nurse1"], T0)
    with Session(engine) as session:
        row = session.get(DoseAdministration, row_id)
        assert row is not None
        assert (row.prn, row.prn_order_id, row.drug, row.dose_ug) == (
            True,
            order_id,
            "lorazepam",
            1000,
        )


def test_the_interval_and_both_24_hour_maxima_are_enforced_with_the_next_time(
    engine: Engine,
) -> None:
    admission_id, staff = _ward(engine)
    order_id = _order(engine, admission_id, staff["doctor1"])
    _give(engine, admission_id, order_id, staff["nurse1"], T0)  # 10:20
    early = _refusal(engine, admission_id, order_id, staff["nurse2"], T0 + 2 * H)
    assert early.field == "at"
    assert early.message == (
        "not yet: at least 4 h between doses of this order; next allowed at 14:20"
    )
    _give(engine, admission_id, order_id, staff["nurse2"], T0 + 4 * H)  # 14:20
    third = _refusal(engine, admission_id, order_id, staff["nurse1"], T0 + 9 * H)
    assert third.message == "24-h maximum of 2 doses reached; next allowed at 10:20 tomorrow"
    _give(engine, admission_id, order_id, staff["nurse1"], T0 + 24 * H)  # the first left
    assert _prn_rows(engine) == 3


def test_the_amount_maximum_counts_every_version_of_the_order(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    order_id = _order(engine, admission_id, staff["doctor1"])
    _give(engine, admission_id, order_id, staff["nurse1"], T0)
    _give(engine, admission_id, order_id, staff["nurse1"], T0 + 4 * H)
    with transaction(engine) as session:
        v2 = change_prn_order(
            session=session,
            actor=staff["doctor1"],
            order_id=order_id,
            form=PrnOrderForm(
                drug="lorazepam",
                dose_ug=500,
                min_interval_min=60,
                max_doses_24h=6,
                max_ug_24h=2500,
                indication="withdrawal symptoms",
            ),
            reason="Smaller doses, more often",
            now=T0 + 5 * H,
        )
        assert v2.id is not None and v2.version == 2
    with pytest.raises(ConflictError):  # the old version cannot be given any more
        _give(engine, admission_id, order_id, staff["nurse1"], T0 + 6 * H)
    _give(engine, admission_id, v2.id, staff["nurse1"], T0 + 6 * H)  # 2.5 mg in 24 h
    refused = _refusal(engine, admission_id, v2.id, staff["nurse1"], T0 + 8 * H)
    assert refused.message == (
        "24-h maximum of 2.5 mg reached (2.5 mg given); next allowed at 10:20 tomorrow"
    )
    with Session(engine) as session:
        versions = session.exec(select(PrnOrder).order_by(col(PrnOrder.version))).all()
        assert [(o.version, o.status) for o in versions] == [(1, "superseded"), (2, "active")]
        actions = {e.action for e in session.exec(select(AuditEvent))}
        assert {"prn_order.write", "prn_order.change", "prn_order.supersede"} <= actions


def test_a_dose_marked_in_error_no_longer_counts(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    order_id = _order(engine, admission_id, staff["doctor1"])
    row = _give(engine, admission_id, order_id, staff["nurse1"], T0)
    with transaction(engine) as session:
        mark_in_error(
            session=session,
            actor=staff["nurse1"],
            entity="dose",
            record_id=row,
            reason="Charted on the wrong order",
            now=T0 + H,
        )
    _give(engine, admission_id, order_id, staff["nurse1"], T0 + H)


def test_a_late_entry_cannot_break_the_interval_of_a_later_dose(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    order_id = _order(engine, admission_id, staff["doctor1"])
    _give(engine, admission_id, order_id, staff["nurse1"], T0 + 3 * H)
    with transaction(engine) as session, pytest.raises(FieldError) as exc:
        chart_prn(
            session=session,
            actor=staff["nurse2"],
            now=T0 + 4 * H,
            data=PrnAdministrationCreate(
                admission_id=admission_id,
                prn_order_id=order_id,
                administered_at=T0 + H,
                reason_text="Charting late",
            ),
        )
    assert "a later dose of this order is charted" in exc.value.message


def test_a_stopped_or_expired_order_gives_no_dose(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    order_id = _order(engine, admission_id, staff["doctor1"])
    week = _order(
        engine,
        admission_id,
        staff["doctor1"],
        PrnOrderForm(
            **{
                **LORAZEPAM.__dict__,
                "days": 1,
                "drug": "diazepam",
                "dose_ug": 5000,
                "max_ug_24h": 10000,
            }
        ),
    )
    with transaction(engine) as session:
        stopped = stop_prn_order(
            session=session, actor=staff["doctor1"], order_id=order_id, reason="Settled", now=T0
        )
        assert stopped.status == "stopped" and stopped.version == 2
    with pytest.raises(ConflictError):
        _give(engine, admission_id, order_id, staff["nurse1"], T0 + H)
    late = _refusal(engine, admission_id, week, staff["nurse1"], T0 + 24 * H)
    assert "outside it" in late.message
    with Session(engine) as session:
        assert [o.id for o in current_orders(session, admission_id, T0 + H)] == [week]
        assert current_orders(session, admission_id, T0 + 24 * H) == []


def test_only_a_physician_writes_changes_or_stops_an_order(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    for role in ("nurse1", "admin1"):
        with transaction(engine) as session, pytest.raises(PermissionDenied):
            write_prn_order(
                session=session,
                actor=staff[role],
                admission_id=admission_id,
                form=LORAZEPAM,
                reason="r",
                now=T0,
            )
    order_id = _order(engine, admission_id, staff["doctor1"])
    with transaction(engine) as session, pytest.raises(PermissionDenied):
        stop_prn_order(
            session=session, actor=staff["nurse1"], order_id=order_id, reason="x", now=T0
        )


def test_a_bad_order_is_refused_whole_with_every_field_named(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    bad = PrnOrderForm(
        drug="lorazepam",
        dose_ug=300,  # not whole 0.25 mg units
        min_interval_min=5,
        max_doses_24h=0,
        max_ug_24h=100,
        indication=" ",
        scale="CIWA-Ar",  # not charted for this patient
        threshold=10,
        days=400,
    )
    with transaction(engine) as session, pytest.raises(ValidationFailed) as exc:
        write_prn_order(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            form=bad,
            reason="r",
            now=T0,
        )
    assert set(exc.value.by_field()) == {
        "dose_mg",
        "min_interval",
        "max_mg_24h",
        "indication",
        "scale",
        "days",
    }
    with Session(engine) as session:
        assert session.exec(select(PrnOrder)).all() == []


def test_above_the_label_a_physician_confirms_and_above_the_ceiling_it_is_refused(
    engine: Engine,
) -> None:
    admission_id, staff = _ward(engine)
    high = PrnOrderForm(
        drug="alprazolam",
        dose_ug=2000,
        min_interval_min=120,
        max_doses_24h=6,
        max_ug_24h=12000,  # above alprazolam's label maximum of 10 mg a day
        indication="panic",
    )
    with transaction(engine) as session, pytest.raises(ValidationFailed) as unconfirmed:
        write_prn_order(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            form=high,
            reason="r",
            now=T0,
        )
    assert "label maximum of 10 mg/day" in unconfirmed.value.by_field()["above_label_reason"]
    confirmed = PrnOrderForm(**{**high.__dict__, "above_label_reason": "Known high tolerance"})
    with transaction(engine) as session:
        order = write_prn_order(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            form=confirmed,
            reason="r",
            now=T0,
        )
        assert order.above_label_reason == "Known high tolerance"
    absurd = PrnOrderForm(**{**confirmed.__dict__, "max_ug_24h": 24000, "max_doses_24h": 12})
    with transaction(engine) as session, pytest.raises(ValidationFailed) as ceiling:
        write_prn_order(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            form=absurd,
            reason="r",
            now=T0,
        )
    assert "hard ceiling of 300 mg" in ceiling.value.by_field()["max_mg_24h"]


def test_a_score_at_the_threshold_names_the_orders_that_may_be_given(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    with transaction(engine) as session:
        set_ciwa_ar(
            session=session,
            actor=staff["doctor1"],
            admission_id=admission_id,
            charted=True,
            now=T0,
        )
    triggered = PrnOrderForm(**{**LORAZEPAM.__dict__, "scale": "CIWA-Ar", "threshold": 10})
    order_id = _order(engine, admission_id, staff["doctor1"], triggered)
    with Session(engine) as session:
        assert indicated_orders(session, admission_id, scale="CIWA-Ar", total=9, now=T0) == []
        assert indicated_orders(session, admission_id, scale="CIWA-B", total=40, now=T0) == []
        [found] = indicated_orders(session, admission_id, scale="CIWA-Ar", total=12, now=T0)
        assert found.order.id == order_id and found.check.allowed
    _give(engine, admission_id, order_id, staff["nurse1"], T0)
    with Session(engine) as session:
        [later] = indicated_orders(session, admission_id, scale="CIWA-Ar", total=12, now=T0 + H)
        assert not later.check.allowed and later.check.next_at == T0 + 4 * H


def test_two_nurses_at_once_cannot_both_give_the_last_allowed_dose(engine: Engine) -> None:
    admission_id, staff = _ward(engine)
    order_id = _order(
        engine,
        admission_id,
        staff["doctor1"],
        PrnOrderForm(**{**LORAZEPAM.__dict__, "max_doses_24h": 1}),
    )
    engines = [make_engine(engine.url.render_as_string(hide_password=False)) for _ in range(2)]
    start = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def give(db: Engine, nurse: Actor) -> None:
        start.wait()
        try:
            _give(db, admission_id, order_id, nurse, T0)
            outcomes.append("given")
        except FieldError as exc:
            outcomes.append(exc.message)

    threads = [
        threading.Thread(target=give, args=(db, staff[name]))
        for db, name in zip(engines, ("nurse1", "nurse2"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for db in engines:
        db.dispose()
    assert sorted(outcomes) == [
        "24-h maximum of 1 dose reached; next allowed at 10:20 tomorrow",
        "given",
    ]
    assert _prn_rows(engine) == 1
