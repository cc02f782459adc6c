"""Every text column's length holds for every way a row reaches the database: SQLModel's
AutoString is a TypeDecorator over String, and a check that looked only for String let any
length through (SQLite keeps it; PostgreSQL VARCHAR(n) errors). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Table
from sqlmodel import SQLModel

from models.admissions import admit
from models.charting import chart_prn
from models.db import make_engine, transaction
from models.errors import FieldError
from models.migrate import upgrade
from models.schemas import PrnAdministrationCreate
from models.storable import _check_value, check_row
from tests.conftest import NOW
from tests.dashboard.dash_client import row_counts
from tests.factories import SYSTEM, Stay, make_stay


def _text_columns() -> list[tuple[str, str, int, object]]:
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            length = getattr(column.type, "length", None)
            if isinstance(length, int):
                found.append((table.name, column.name, length, column.type))
    return found


def test_every_text_column_with_a_length_is_checked() -> None:
    columns = _text_columns()
    assert len(columns) > 40  # the schema's text columns are found through their TypeDecorator
    for table, name, length, column_type in columns:
        _check_value(name, "x" * length, column_type)  # at the limit: stored
        with pytest.raises(FieldError) as refused:
            _check_value(name, "x" * (length + 1), column_type)
        assert refused.value.field == name, table
        assert str(length) in refused.value.message


def test_a_core_insert_is_checked_too() -> None:
    table: Table = SQLModel.metadata.tables["patient"]
    with pytest.raises(FieldError) as refused:
        check_row(table, {"family_name": "x" * 5000})
    assert refused.value.field == "family_name"


@pytest.fixture
def stay(db_url: str) -> Stay:
    engine = make_engine(db_url)
    upgrade(engine)
    return make_stay(engine, NOW)


def test_an_overlong_family_name_is_refused_and_nothing_written(stay: Stay) -> None:
    before = row_counts(stay.engine)
    with pytest.raises(FieldError) as refused, transaction(stay.engine) as session:
        admit(
            session=session,
            actor=SYSTEM,
            ward_id=stay.ward_id,
            mrn="LONG1",
            family_name="F" * 5000,
            given_name="Pat",
            birth_date=date(1975, 6, 1),
            sex="male",
            bed="L1",
            attending_id=stay.staff["doctor1"].user_id or 0,
            drug="clonazepam",
            daily_ug=2000,
            admitted_at=NOW - timedelta(hours=2),
            now=NOW,
        )
    assert refused.value.field == "family_name"
    assert row_counts(stay.engine) == before
    stay.engine.dispose()


def test_an_overlong_prn_reason_is_refused_and_nothing_written(stay: Stay) -> None:
    order_id = stay.new_prn_order()
    before = row_counts(stay.engine)
    with pytest.raises(FieldError) as refused, transaction(stay.engine) as session:
        chart_prn(
            session=session,
            actor=stay.staff["nurse1"],
            now=NOW,
            data=PrnAdministrationCreate(
                admission_id=stay.admission_id,
                prn_order_id=order_id,
                administered_at=NOW - timedelta(minutes=5),
                reason_text="anxious " * 3000,
            ),
        )
    assert refused.value.field == "reason_text"
    assert row_counts(stay.engine) == before
    stay.engine.dispose()
