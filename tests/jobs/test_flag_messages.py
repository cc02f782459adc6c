"""Flag messages stored language-neutral (models.flag_text): every rule writes a code and its
values beside the English text, on SQLite and PostgreSQL; a French reader sees the same row in
French; rows without a code keep their English and get a code from the next scan; audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.flag_text import flag_message
from models.tables import AuditEvent, Flag
from tests.jobs.conftest import NEWS2_FIVE, T0, Ward7

H = timedelta(hours=1)
M = timedelta(minutes=1)


def _busy(ward7: Ward7) -> int:
    """A missed dose, a refusal, an urgent NEWS2, no CIWA-B and vitals overdue."""
    patient = ward7.admit("B1", at=T0)
    ward7.dose(patient, T0 + H)
    ward7.chart(ward7.dose(patient, T0 + 2 * H), "refused", T0 + 2 * H, "declined")
    ward7.vitals(patient, T0 + 2 * H, NEWS2_FIVE)
    ward7.scan(T0 + 5 * H)
    return patient


def _by_rule(ward7: Ward7) -> dict[str, Flag]:
    return {f.rule: f for f in ward7.flags()}


def test_every_flag_stores_a_code_whose_english_is_its_message(ward7: Ward7) -> None:
    _busy(ward7)
    flags = ward7.flags()
    assert {f.rule for f in flags} == {
        "missed_dose",
        "dose_skipped",
        "news2",
        "assessment_overdue",
        "vitals_overdue",
    }
    for flag in flags:
        assert flag.message_code is not None and isinstance(flag.message_values, dict)
        english = flag_message(flag.message_code, flag.message_values, "-", "en")
        assert english == flag.message
        french = flag_message(flag.message_code, flag.message_values, "-", "fr")
        assert french not in ("-", flag.message)


def test_a_french_reader_and_an_english_reader_read_the_same_row(ward7: Ward7) -> None:
    _busy(ward7)
    flags = _by_rule(ward7)

    def both(rule: str) -> tuple[str, str]:
        f = flags[rule]
        return tuple(  # type: ignore[return-value]
            flag_message(f.message_code, f.message_values, f.message, code) for code in ("en", "fr")
        )

    # Europe/London is on UTC on Tuesday 10 March 2026.
    assert both("news2") == (
        "NEWS2 5 at 10 Mar 10:00: urgent review",
        "NEWS2 5 à mar. 10 mars 10:00 : évaluation urgente",
    )
    english, french = both("dose_skipped")
    assert english == "Clonazepam 0.5 mg due 10 Mar 10:00 refused: Patient declined"
    assert french == "Clonazepam 0,5\u00a0mg prévue mar. 10 mars 10:00 refusée : Refus du patient"
    english, french = both("vitals_overdue")
    assert english.startswith("No vital signs since 10 Mar 10:00; due ")
    assert french.startswith("Pas de constantes depuis mar. 10 mars 10:00 ; prévues ")
    assert both("assessment_overdue")[1].startswith("Pas de CIWA-B depuis l'admission ; prévue ")


def test_raising_a_flag_audits_its_code_and_values(ward7: Ward7) -> None:
    _busy(ward7)
    news2 = _by_rule(ward7)["news2"]
    with Session(ward7.engine) as session:
        [raised] = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "flag.raise", AuditEvent.entity_id == news2.id
            )
        ).all()
    assert raised.after is not None
    assert raised.after["message"] == news2.message
    assert raised.after["message_code"] == "news2"
    assert raised.after["message_values"] == news2.message_values
    assert news2.message_values is not None and news2.message_values["total"] == 5


def test_a_flag_without_a_code_shows_its_english_until_a_scan_gives_it_one(ward7: Ward7) -> None:
    _busy(ward7)
    news2 = _by_rule(ward7)["news2"]
    with Session(ward7.engine) as session:  # a row written before the codes existed
        session.exec(
            update(Flag)
            .where(col(Flag.id) == news2.id)
            .values(message_code=None, message_values=None)
        )
        session.commit()
    old = _by_rule(ward7)["news2"]
    assert old.message_code is None
    assert flag_message(old.message_code, old.message_values, old.message, "fr") == old.message
    report = ward7.scan(T0 + 5 * H + M)
    assert [(c.action, c.flag_id) for c in report.changes] == [("update", news2.id)]
    coded = _by_rule(ward7)["news2"]
    assert coded.message_code == "news2" and coded.message == old.message
    assert flag_message(coded.message_code, coded.message_values, "-", "fr").startswith("NEWS2 5 à")
    with Session(ward7.engine) as session:
        [updated] = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "flag.update", AuditEvent.entity_id == news2.id
            )
        ).all()
    assert updated.before is not None and updated.before["message_code"] is None
    assert updated.after is not None and updated.after["message_code"] == "news2"
    assert ward7.scan(T0 + 5 * H + 2 * M).changes == []
