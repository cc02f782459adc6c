"""Edges of the recipe language a ±1 would move: the smallest percent, the longest interval,
the longest recipe and amount, weeks of 7 days, presets named in a refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.clinical.recipes import (
    AMOUNT_MAX_CHARS,
    MAX_INTERVAL_DAYS,
    PRESETS,
    RECIPE_MAX_CHARS,
    RecipeError,
    parse_recipe,
    preset,
)
from models.errors import FieldError


def test_a_one_percent_cut_once_a_year_is_the_slowest_accepted() -> None:
    assert MAX_INTERVAL_DAYS == 366
    (phase,) = parse_recipe("-1%/366d").phases
    assert (phase.cut_percent, phase.cut_ug, phase.interval_days) == (Decimal(1), None, 366)
    with pytest.raises(RecipeError, match="is longer than a year; use at most 52w"):
        parse_recipe("-1%/367d")
    assert parse_recipe("-1%/52w").phases[0].interval_days == 364


def test_the_shortest_interval_is_one_day_and_a_week_is_seven() -> None:
    assert parse_recipe("-1%/1d").phases[0].interval_days == 1
    assert parse_recipe("-1%/1w").phases[0].interval_days == 7
    assert parse_recipe("-1%/3w").phases[0].interval_days == 21


@pytest.mark.parametrize(("text", "percent"), [("-0.5%/7d", "0.5"), ("-99.5%/7d", "99.5")])
def test_percent_cuts_between_0_and_100_are_kept_exactly(text: str, percent: str) -> None:
    assert parse_recipe(text).phases[0].cut_percent == Decimal(percent)


def test_the_longest_recipe_is_accepted_and_one_more_character_is_not() -> None:
    # Leading zeros pad the interval without changing it: "-0.25mg/000...07d".
    def padded(length: int) -> str:
        return "-0.25mg/" + "0" * (length - len("-0.25mg/7d")) + "7d"

    assert len(padded(RECIPE_MAX_CHARS)) == RECIPE_MAX_CHARS == 200
    assert parse_recipe(padded(RECIPE_MAX_CHARS)).phases[0].interval_days == 7
    with pytest.raises(RecipeError, match="the recipe is 201 characters long; keep it under 200"):
        parse_recipe(padded(RECIPE_MAX_CHARS + 1))


def test_the_longest_amount_is_accepted_and_one_more_character_is_not() -> None:
    assert AMOUNT_MAX_CHARS == 10
    amount = "1." + "0" * (AMOUNT_MAX_CHARS - 2)
    assert parse_recipe(f"-{amount}%/7d").phases[0].cut_percent == Decimal(1)
    with pytest.raises(
        RecipeError, match=r"a cut is at most 10 characters long \(that one has 11\)"
    ):
        parse_recipe(f"-{amount}0%/7d")


def test_an_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(FieldError) as exc:
        preset("z")
    assert (exc.value.field, exc.value.message) == (
        "preset",
        f"unknown preset 'z'; use one of {', '.join(PRESETS)}",
    )
    assert ", " in exc.value.message and len(PRESETS) > 1
