"""A dose charted twice (models.charting's ConflictError with its values: what it was charted
as, who, when) as the second nurse's form shows it: the domain's English sentence for an English
reader, unchanged; French for a French one, the time as near now it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.refusals import Refusal, attempt
from models.audit import Actor
from models.charting import chart_dose
from models.db import transaction
from models.errors import ConflictError
from models.schemas import DoseAdministrationCreate
from models.tables import ScheduledDose
from tests.dashboard.conftest import app_on
from tests.factories import make_stay

FRENCH = {"Accept-Language": "fr-FR"}
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)  # London is on UTC in December


def _chart(engine: Engine, actor: Actor, slot: int, status: str, now: datetime) -> object:
    def write(session: Session) -> object:
        return chart_dose(
            session=session,
            actor=actor,
            now=now,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot,
                status=status,
                administered_at=now - timedelta(minutes=2),
                reason_code=None if status == "given" else "declined",
            ),
        )

    return attempt(engine, write)


def _first_slot(engine: Engine) -> tuple[int, datetime]:
    with Session(engine) as session:
        slot = session.exec(select(ScheduledDose).order_by(col(ScheduledDose.scheduled_at))).first()
        assert slot is not None and slot.id is not None
        return slot.id, slot.scheduled_at.replace(tzinfo=UTC)


def test_a_dose_charted_twice_is_told_in_the_readers_language(sqlite_engine: Engine) -> None:
    stay = make_stay(sqlite_engine, NOW)
    app = app_on(sqlite_engine)
    slot, due = _first_slot(sqlite_engine)
    charted_at = due + timedelta(minutes=10)
    assert charted_at.date() == NOW.date() - timedelta(days=1)
    clock = f"{charted_at:%H:%M}"
    with app.server.test_request_context("/login"):
        assert _chart(sqlite_engine, stay.staff["nurse1"], slot, "refused", charted_at) is not None
    with transaction(sqlite_engine) as session, app.server.test_request_context("/login"):
        try:
            chart_dose(
                session=session,
                actor=stay.staff["nurse2"],
                now=NOW,
                data=DoseAdministrationCreate(
                    scheduled_dose_id=slot, status="given", administered_at=NOW
                ),
            )
        except ConflictError as exc:
            english = str(exc)
        else:
            raise AssertionError("charted twice")
    assert english == (
        f"already charted as refused by Nurse1 at {clock}; mark that entry in error first to "
        "correct it"
    )
    with app.server.test_request_context("/login"):
        refused = _chart(sqlite_engine, stay.staff["nurse2"], slot, "given", NOW)
        assert isinstance(refused, Refusal) and refused.conflict
        assert refused.message == f"Not saved. {english[0].upper()}{english[1:]}."
        assert refused.detail == english
    with app.server.test_request_context("/login", headers=FRENCH):
        refused = _chart(sqlite_engine, stay.staff["nurse2"], slot, "given", NOW)
        assert isinstance(refused, Refusal) and refused.conflict
        assert refused.message == (
            f"Non enregistré. Déjà tracée comme refusée par Nurse1 (hier {clock})\u00a0; marquez "
            "d'abord cette saisie comme erronée pour la corriger."
        )
        assert refused.detail == english  # the domain's words, unadorned
