from __future__ import annotations

from decimal import Decimal

import pytest

from models.clinical.drugs import (
    DEFAULT_TABLE,
    DRUGS,
    EQUIVALENCE_TABLES,
    diazepam_equivalent_mg,
    format_mg,
    get_drug,
    mg_to_ug,
    ug_to_mg,
)
from models.errors import FieldError


def test_the_four_drugs_have_their_units_and_codes() -> None:
    assert {(d.name, d.unit_ug, d.rxnorm, d.atc) for d in DRUGS.values()} == {
        ("clonazepam", 125, "2598", "N03AE01"),
        ("alprazolam", 125, "596", "N05BA12"),
        ("lorazepam", 250, "6470", "N05BA06"),
        ("diazepam", 1000, "3322", "N05BA01"),
    }


def test_equivalence_tables_are_asam_table_7() -> None:
    assert DEFAULT_TABLE == "ashton"
    ashton, vadod = EQUIVALENCE_TABLES["ashton"], EQUIVALENCE_TABLES["vadod"]
    # Every row of ASAM 2025 Table 7 [S11] as (Ashton, VA/DoD), and no other drug.
    table_7 = {
        "diazepam": (10, 10),
        "alprazolam": (0.5, 1),
        "chlordiazepoxide": (25, 25),
        "clonazepam": (0.5, 1),
        "lorazepam": (1, 2),
        "oxazepam": (20, 30),
        "temazepam": (20, 15),
        "triazolam": (0.5, 0.25),
        "clorazepate": (15, 15),
    }
    assert set(EQUIVALENCE_TABLES) == {"ashton", "vadod"}
    assert {drug: (ashton[drug], vadod[drug]) for drug in ashton} == table_7
    assert set(vadod) == set(table_7)


@pytest.mark.parametrize(
    ("drug", "ug", "table", "expected"),
    [
        ("clonazepam", 2000, "ashton", 40.0),  # 0.5 mg ~ 10 mg
        ("clonazepam", 2000, "vadod", 20.0),  # 1 mg ~ 10 mg
        ("lorazepam", 2000, "ashton", 20.0),
        ("lorazepam", 2000, "vadod", 10.0),
        ("alprazolam", 125, "ashton", 2.5),
        ("diazepam", 7000, "vadod", 7.0),
    ],
)
def test_diazepam_equivalent(drug: str, ug: int, table: str, expected: float) -> None:
    assert diazepam_equivalent_mg(drug, ug, table) == expected


def test_unknown_table_and_drug_are_refused() -> None:
    with pytest.raises(FieldError) as exc:
        diazepam_equivalent_mg("clonazepam", 125, "bnf")
    assert exc.value.field == "table"
    with pytest.raises(FieldError) as exc:
        diazepam_equivalent_mg("zolpidem", 125)
    assert exc.value.field == "drug"


def test_get_drug_is_case_insensitive_and_lists_known_drugs() -> None:
    assert get_drug(" Clonazepam ").name == "clonazepam"
    with pytest.raises(FieldError) as exc:
        get_drug("xanax")
    assert exc.value.field == "drug"
    assert exc.value.message == (
        "unknown drug 'xanax'; known: alprazolam, clonazepam, diazepam, lorazepam"
    )


@pytest.mark.parametrize(
    ("mg", "ug"),
    [("0.125", 125), (0.1, 100), ("2", 2000), (2, 2000), (Decimal("1.5"), 1500), (" 0.25 ", 250)],
)
def test_mg_to_ug_is_exact(mg: float | str | Decimal, ug: int) -> None:
    assert mg_to_ug(mg) == ug


@pytest.mark.parametrize("mg", ["0.0001", "1.2345", "abc", "", "nan", "inf", True, None])
def test_mg_to_ug_refuses_fractions_of_a_microgram_and_non_numbers(mg: object) -> None:
    with pytest.raises(FieldError) as exc:
        mg_to_ug(mg, field="daily_mg")  # type: ignore[arg-type]
    assert exc.value.field == "daily_mg"


def test_ug_to_mg_and_format_mg() -> None:
    assert ug_to_mg(125) == 0.125
    assert [format_mg(u) for u in (0, 125, 1500, 2000, 10000)] == ["0", "0.125", "1.5", "2", "10"]
