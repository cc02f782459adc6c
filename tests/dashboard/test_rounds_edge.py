"""The rounds card's coloured edge means what the board row's acuity means
(theme.acuity_level): a patient in the severe band with no flag is not grey on rounds and
red on the board."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import dash
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.components.board_rows import board_rows
from dashboard.components.rounds_card import patient_card
from dashboard.rounds_queries import rounds_summaries
from dashboard.theme import acuity_level
from models.tables import Ward
from tests.dashboard.charting_fixtures import admit_patient
from tests.dashboard.test_charting_board import SEVERE, nurse_request


def test_acuity_is_the_highest_of_band_news2_and_flags() -> None:
    assert acuity_level(None, None, 0) == 0
    assert acuity_level("severe", (0, False), 0) == 3
    assert acuity_level("mild", (5, False), 1) == 3  # NEWS2 5: level 3
    assert acuity_level("mild", (3, True), 0) == 2  # a single 3: level 2
    assert acuity_level(None, None, 4) == 4


def test_the_rounds_card_edge_is_the_board_rows_acuity(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine, ciwa=SEVERE)  # no flag: the scanner has not run
    now = datetime.now(UTC)
    with nurse_request(app):
        [row], _ward = board_rows()
    assert (row["flags_level"], row["acuity_level"]) == (0, 3)
    with Session(sqlite_engine) as session:
        ward = session.exec(select(Ward)).one()
        [summary] = rounds_summaries(session, ward, now=now)
    assert summary.open_flags == []
    card = patient_card(summary, tz=ZoneInfo(stay.ward.timezone), now=now, can_sign=True)
    assert card.className.split()[-1] == f"tw-level-edge-{row['acuity_level']}"
