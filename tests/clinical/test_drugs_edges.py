"""Edges of the drug table and mg parsing that mutation testing showed untested: the absurd-dose
ceiling itself, which field a refusal names, and the messages that list what is known."""

from __future__ import annotations

import pytest

from models.clinical.drugs import DRUGS, MAX_DOSE_MG, equivalent_ug, get_drug, mg_to_ug
from models.errors import FieldError


def test_the_absurd_dose_ceiling_itself_is_still_a_dose() -> None:
    # MAX_DOSE_MG is the last accepted amount: refusing "more than" it must not refuse it.
    # Ten grams: the plausibility ceiling the code documents (a typing slip past it).
    assert MAX_DOSE_MG == 10_000
    assert mg_to_ug("10000") == 10_000_000
    assert mg_to_ug(str(MAX_DOSE_MG)) == MAX_DOSE_MG * 1000
    assert mg_to_ug(MAX_DOSE_MG) == MAX_DOSE_MG * 1000
    with pytest.raises(FieldError) as exc:
        mg_to_ug(f"{MAX_DOSE_MG}.001", field="prn_max_mg")
    assert (exc.value.field, exc.value.message) == (
        "prn_max_mg",
        f"more than {MAX_DOSE_MG:,} mg is not a dose; check the number",
    )


def test_a_too_long_dose_text_is_refused_at_the_field_it_came_from() -> None:
    with pytest.raises(FieldError) as exc:
        mg_to_ug("1" * 25, field="daily_mg")
    assert (exc.value.field, exc.value.message) == (
        "daily_mg",
        "this is not a dose in mg (too long); write e.g. 0.5",
    )


@pytest.mark.parametrize("name", [None, 3, ["clonazepam"]])
def test_a_drug_name_that_is_not_text_is_refused_at_the_drug_field(name: object) -> None:
    with pytest.raises(FieldError) as exc:
        get_drug(name)  # type: ignore[arg-type]
    assert exc.value.field == "drug"
    assert exc.value.message.endswith("known: alprazolam, clonazepam, diazepam, lorazepam")


def test_an_unknown_equivalence_table_lists_the_known_ones() -> None:
    with pytest.raises(FieldError) as exc:
        equivalent_ug("clonazepam", 500, "diazepam", "bnf")
    assert (exc.value.field, exc.value.message) == (
        "table",
        "unknown equivalence table 'bnf'; known: ashton, vadod",
    )


def test_a_drug_missing_from_the_table_says_which_table() -> None:
    with pytest.raises(FieldError) as exc:
        equivalent_ug("zolpidem", 10_000, "diazepam", "vadod")
    assert (exc.value.field, exc.value.message) == (
        "drug",
        "'zolpidem' is not in the vadod equivalence table",
    )


def test_the_largest_tablet_strengths_are_the_labels() -> None:
    # [S61][S62]: a ward's dispensable unit is never above its drug's largest tablet.
    assert {d.name: d.largest_tablet_ug for d in DRUGS.values()} == {
        "clonazepam": 2000,
        "alprazolam": 2000,
        "lorazepam": 2000,
        "diazepam": 10_000,
    }
