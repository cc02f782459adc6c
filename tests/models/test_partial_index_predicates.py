"""The queries' "valid entry" and "PRN dose" filters compile to the very predicates of the
partial indexes declared on them: a planner uses a partial index only when the query's condition
implies the index's (PostgreSQL proves "= false" from "= false", not from "IS false")."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Index, false, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from models.tables import DoseAdministration, VitalSigns, WithdrawalAssessment

DIALECTS = {"sqlite": sqlite.dialect(), "postgresql": postgresql.dialect()}


def _compiled(expression: Any, dialect: str) -> str:
    compiled = expression.compile(dialect=DIALECTS[dialect], compile_kwargs={"literal_binds": True})
    return str(compiled).replace("dose_administration.", "")


def _predicate(index_name: str, dialect: str) -> str:
    table = DoseAdministration.__table__  # type: ignore[attr-defined]
    (index,) = [i for i in table.indexes if isinstance(i, Index) and i.name == index_name]
    return str(index.dialect_options[dialect]["where"])


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_the_valid_dose_filter_is_the_one_valid_index_predicate(dialect: str) -> None:
    valid = _compiled(col(DoseAdministration.entered_in_error) == false(), dialect)
    assert _predicate("uq_dose_administration_one_valid", dialect).startswith(valid + " AND ")


@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_the_prn_filter_is_the_prn_index_predicate(dialect: str) -> None:
    prn = _compiled(col(DoseAdministration.prn) == true(), dialect)
    assert _predicate("ix_dose_administration_prn", dialect) == prn


def test_no_query_in_the_app_or_the_bench_spells_a_boolean_with_is() -> None:
    """``IS false`` compiles to another predicate than the indexes': no planner proof."""
    root = Path(__file__).resolve().parents[2]
    spelled = [
        f"{path.relative_to(root)}:{number}"
        for folder in ("models", "jobs", "dashboard", "bench")
        for path in sorted((root / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.is_\((True|False)\)", line)
    ]
    assert spelled == []
    assert str(col(VitalSigns.entered_in_error).is_(False).compile()).endswith("IS false")
    assert _compiled(col(WithdrawalAssessment.entered_in_error) == false(), "sqlite").endswith(
        "= 0"
    )
