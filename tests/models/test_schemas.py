"""Each charted thing's Base, Create and table (models.schemas, models.tables): a Create names
only its table's columns and keeps what was typed for the clinical validation to read; the
table inherits its Base after the entered-in-error columns and the id."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from models.charting import record_vitals
from models.db import transaction
from models.errors import ValidationFailed
from models.schemas import (
    DoseAdministrationCreate,
    PrnAdministrationCreate,
    VitalSignsCreate,
    WithdrawalAssessmentCreate,
)
from models.tables import (
    ChartedEntry,
    DoseAdministration,
    DoseAdministrationBase,
    VitalSigns,
    VitalSignsBase,
    WithdrawalAssessment,
    WithdrawalAssessmentBase,
)
from tests.conftest import NOW
from tests.factories import NORMAL_VITALS, make_stay

CHARTED: list[tuple[type[SQLModel], type[SQLModel], tuple[type[object], ...]]] = [
    (VitalSigns, VitalSignsBase, (VitalSignsCreate,)),
    (WithdrawalAssessment, WithdrawalAssessmentBase, (WithdrawalAssessmentCreate,)),
    (
        DoseAdministration,
        DoseAdministrationBase,
        (DoseAdministrationCreate, PrnAdministrationCreate),
    ),
]


def _columns(model: type[SQLModel]) -> list[str]:
    return [column.name for column in model.__table__.columns]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("table", "base", "creates"), CHARTED)
def test_a_create_names_only_its_table_s_columns_and_the_table_inherits_its_base(
    table: type[SQLModel], base: type[SQLModel], creates: tuple[type[object], ...]
) -> None:
    columns = _columns(table)
    assert issubclass(table, base) and issubclass(table, ChartedEntry)
    assert set(base.model_fields) <= set(columns)
    assert "id" not in base.model_fields
    for create in creates:
        fields = [field.name for field in dataclasses.fields(create)]  # type: ignore[arg-type]
        assert set(fields) <= set(columns), create.__name__
        assert not set(fields) & {"id", "charted_at", "charted_by", "entered_in_error"}


@pytest.mark.parametrize(("table", "base", "creates"), CHARTED)
def test_the_table_lists_the_in_error_columns_the_id_then_its_base(
    table: type[SQLModel], base: type[SQLModel], creates: object
) -> None:
    columns = _columns(table)
    first = list(ChartedEntry.model_fields)
    assert first[-1] == "id"
    assert columns[: len(first)] == first
    assert columns[len(first) : len(first) + len(base.model_fields)] == list(base.model_fields)


def test_a_create_is_frozen_and_keeps_what_was_typed() -> None:
    data = VitalSignsCreate(admission_id=1, taken_at=NOW, **{**NORMAL_VITALS, "heart_rate": " 80 "})
    assert data.heart_rate == " 80 "  # no second check: the charting operation reads it
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.heart_rate = 90  # type: ignore[misc]


def test_a_create_s_raw_value_is_refused_by_the_clinical_validation_at_its_field(
    engine: Engine,
) -> None:
    stay = make_stay(engine, NOW)
    with pytest.raises(ValidationFailed) as refused:
        with transaction(engine) as session:
            record_vitals(
                session=session,
                actor=stay.staff["nurse1"],
                now=NOW,
                data=VitalSignsCreate(
                    admission_id=stay.admission_id,
                    taken_at=NOW - timedelta(minutes=5),
                    **{**NORMAL_VITALS, "heart_rate": "eighty"},
                ),
            )
    assert set(refused.value.by_field()) == {"heart_rate"}
