"""PRN use over 24 h: when it calls for review (local policy limits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.clinical.prn import judge_prn_use, reassessment_due


@pytest.mark.parametrize(
    ("doses", "mg", "severity"),
    [(2, 19.9, None), (3, 5, "moderate"), (1, 20, "moderate"), (3, 20, "high"),
     (6, 10, "high"), (1, 40, "high"), (2, 39, "moderate"), (5, 19, "moderate")],
)  # fmt: skip
def test_prn_use_against_the_wards_limits(doses: int, mg: float, severity: str | None) -> None:
    found = judge_prn_use(doses=doses, diazepam_eq_mg=mg, max_doses=3, max_de_mg=20)
    assert (found.severity if found else None) == severity


def test_the_reasons_name_each_limit_reached() -> None:
    found = judge_prn_use(doses=6, diazepam_eq_mg=60.0, max_doses=3, max_de_mg=20)
    assert found is not None
    assert found.reasons == (
        "6 PRN doses (limit 3)",
        "60 mg diazepam-equivalent (limit 20 mg)",
    )


def test_reassessment_is_due_the_wards_time_after_the_dose() -> None:
    given = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    assert reassessment_due(given, 60) == given + timedelta(hours=1)
