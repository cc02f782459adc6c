from __future__ import annotations

from decimal import Decimal

import pytest

from models.clinical.recipes import PRESETS, Phase, RecipeError, parse_recipe, preset
from models.errors import FieldError


def test_preset_texts_are_exactly_the_design() -> None:
    assert {k: p.recipe for k, p in PRESETS.items()} == {
        "a": "-0.5mg/14d until 1mg; -0.25mg/7d",
        "b": "-25%/7d once; -10%/7d",
        "c": "-0.25mg/7d",
        "d": "-10%/14d",
    }


def test_presets_say_how_they_compare_with_asam() -> None:
    for key in "abc":
        assert not PRESETS[key].matches_asam
        assert "ASAM 2025" in PRESETS[key].description
        assert "25 % per 2 weeks" in PRESETS[key].description
    assert PRESETS["d"].matches_asam
    assert "matches the ASAM 2025 pace" in PRESETS["d"].description
    assert PRESETS["a"].description.startswith(
        "\u22120.5 mg every 2 weeks until 1 mg, then \u22120.25 mg every week"
    )


def test_every_preset_parses() -> None:
    assert parse_recipe(PRESETS["a"].recipe).phases == (
        Phase(cut_ug=500, cut_percent=None, interval_days=14, until_ug=1000, once=False),
        Phase(cut_ug=250, cut_percent=None, interval_days=7, until_ug=None, once=False),
    )
    assert parse_recipe(PRESETS["b"].recipe).phases == (
        Phase(cut_ug=None, cut_percent=Decimal(25), interval_days=7, until_ug=None, once=True),
        Phase(cut_ug=None, cut_percent=Decimal(10), interval_days=7, until_ug=None, once=False),
    )
    assert parse_recipe("-10%/14d").phases[0].cut_percent == Decimal(10)


def test_whitespace_case_weeks_and_unicode_minus() -> None:
    recipe = parse_recipe("  \u22120.5 MG / 2 W  UNTIL 1 Mg ;  -12.5 % /7D ")
    assert recipe.phases == (
        Phase(cut_ug=500, cut_percent=None, interval_days=14, until_ug=1000, once=False),
        Phase(cut_ug=None, cut_percent=Decimal("12.5"), interval_days=7, until_ug=None, once=False),
    )
    assert parse_recipe("-.25mg/1w until 0mg").phases[0].until_ug == 0


def test_recipe_error_is_a_field_error_on_recipe() -> None:
    with pytest.raises(FieldError) as exc:
        parse_recipe("-0.5mg/14x")
    assert isinstance(exc.value, RecipeError)
    assert exc.value.field == "recipe"
    assert exc.value.message == "unknown interval unit 'x' in '-0.5mg/14x'; use d or w"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the recipe is empty"),
        ("   ", "the recipe is empty"),
        ("0.5mg/7d", "phase '0.5mg/7d' must start with '-' (a reduction)"),
        ("-mg/7d", "missing amount after '-' in '-mg/7d'"),
        ("-0.5g/7d", "unknown amount unit 'g' in '-0.5g/7d'; use mg or %"),
        ("-0.5/7d", "missing amount unit in '-0.5/7d'; use mg or %"),
        ("-0.5mg 7d", "missing '/<interval>' in '-0.5mg 7d'"),
        ("-0.5mg/d", "missing interval after '/' in '-0.5mg/d'"),
        ("-0.5mg/7", "missing interval unit in '-0.5mg/7'; use d or w"),
        ("-0.5mg/0d", "interval 0d in '-0.5mg/0d' must be at least 1"),
        ("-0.5mg/-7d", "interval -7d in '-0.5mg/-7d' must be at least 1"),
        ("-0.5mg/1.5w", "interval in '-0.5mg/1.5w' must be a whole number of days or weeks"),
        ("-0.5mg/53w", "interval in '-0.5mg/53w' is longer than a year"),
        ("-0mg/7d", "a cut of 0 mg in '-0mg/7d' changes nothing"),
        ("-0%/7d", "a cut of 0% in '-0%/7d' changes nothing"),
        ("-100%/7d", "a cut of 100% in '-100%/7d' stops the drug at once; use less than 100%"),
        ("-150%/7d", "use less than 100%"),
        ("-0.0001mg/7d", "not a whole number of micrograms"),
        ("-0.5mg/7d twice", "unexpected 'twice' after the interval in '-0.5mg/7d twice'"),
        ("-0.5mg/7d until 1", "'until' needs a dose in mg in '-0.5mg/7d until 1'"),
        ("-0.5mg/7d until", "'until' needs a dose in mg"),
        ("-0.5mg/7d; -0.25mg/7d", "phase '-0.5mg/7d' has no 'until' or 'once'"),
        ("-25%/7d once", "the last phase '-25%/7d once' is a single cut"),
        ("-0.5mg/7d until 1mg", "the last phase '-0.5mg/7d until 1mg' stops at 1 mg"),
        ("-0.5mg/7d until 1mg;", "phase 2 of '-0.5mg/7d until 1mg;' is empty"),
    ],
)
def test_bad_recipes_say_what_is_wrong(text: str, expected: str) -> None:
    with pytest.raises(RecipeError) as exc:
        parse_recipe(text)
    assert expected in exc.value.message


def test_unknown_preset() -> None:
    assert preset(" A ").key == "a"
    with pytest.raises(FieldError) as exc:
        preset("e")
    assert exc.value.field == "preset"
