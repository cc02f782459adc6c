"""New rows built for a Core insert (models.storable.new_row_values, stored_row): the same
values and defaults as the model's constructor, and a refusal for a column that is not there."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from models.storable import new_row_values, stored_row
from models.tables import VitalSigns, WithdrawalAssessment

AT = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)
GIVEN: dict[str, Any] = {
    "admission_id": 3,
    "taken_at": AT,
    "heart_rate": 82,
    "systolic": 124,
    "diastolic": 78,
    "temperature_c": 36.8,
    "resp_rate": 16,
    "spo2": 97,
    "news2_total": 0,
    "charted_at": AT,
    "charted_by": 1,
}


def test_new_row_values_are_what_the_constructor_sets() -> None:
    values = new_row_values(VitalSigns, GIVEN)
    built = VitalSigns(**GIVEN).model_dump()
    built.pop("id")
    assert values == built
    assert values["consciousness"] == "A" and values["entered_in_error"] is False
    assert values["submission_id"] is None


def test_a_default_factory_is_called_for_each_row() -> None:
    given = {k: v for k, v in GIVEN.items() if k != "charted_at"}
    before = datetime.now(UTC)
    first = new_row_values(VitalSigns, given)["charted_at"]
    second = new_row_values(VitalSigns, given)["charted_at"]
    assert before <= first <= second <= datetime.now(UTC)


def test_an_unknown_or_missing_column_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="no column heart_rat"):
        new_row_values(VitalSigns, {**GIVEN, "heart_rat": 80})
    with pytest.raises(TypeError, match="no value for heart_rate"):
        new_row_values(VitalSigns, {k: v for k, v in GIVEN.items() if k != "heart_rate"})
    with pytest.raises(TypeError, match="no column id"):
        new_row_values(VitalSigns, {**GIVEN, "id": 5})


def test_a_stored_row_reads_like_a_loaded_one() -> None:
    values = new_row_values(VitalSigns, GIVEN)
    row = stored_row(VitalSigns, 41, values)
    assert isinstance(row, VitalSigns)
    assert row.model_dump() == {"id": 41, **values}
    score = stored_row(
        WithdrawalAssessment,
        7,
        new_row_values(
            WithdrawalAssessment,
            {
                "admission_id": 3,
                "scale": "CIWA-B",
                "taken_at": AT,
                "items": {"1": 2},
                "total": 2,
                "band": "none",
                "charted_at": AT,
                "charted_by": 1,
            },
        ),
    )
    assert (score.id, score.items, score.entered_in_error) == (7, {"1": 2}, False)
