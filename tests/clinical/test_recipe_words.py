"""A recipe in words, in English and French; the stored recipe text never changes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.clinical.recipe_words import recipe_in_words
from models.clinical.recipes import PRESETS, Phase, Recipe, parse_recipe

NBSP = "\u00a0"


def _words(text: str, language: str) -> str:
    return recipe_in_words(parse_recipe(text), language).replace(NBSP, " ")


@pytest.mark.parametrize(
    ("key", "en", "fr"),
    [
        (
            "a",
            "−0.5 mg every 14 days until 1 mg, then −0.25 mg every 7 days until stopped",
            "−0,5 mg tous les 14 jours jusqu'à 1 mg, puis −0,25 mg tous les 7 jours "
            "jusqu'à l'arrêt",
        ),
        (
            "b",
            "−25% once, held for 7 days, then −10% every 7 days until stopped",
            "−25 % une seule fois, palier de 7 jours, puis −10 % tous les 7 jours jusqu'à l'arrêt",
        ),
        ("c", "−0.25 mg every 7 days until stopped", "−0,25 mg tous les 7 jours jusqu'à l'arrêt"),
        ("d", "−10% every 14 days until stopped", "−10 % tous les 14 jours jusqu'à l'arrêt"),
    ],
)
def test_the_founding_articles_presets_in_words(key: str, en: str, fr: str) -> None:
    recipe = parse_recipe(PRESETS[key].recipe)
    assert _words(PRESETS[key].recipe, "en") == en
    assert _words(PRESETS[key].recipe, "fr") == fr
    assert recipe.text == PRESETS[key].recipe  # the stored syntax is untouched


def test_an_interval_reads_as_it_was_written() -> None:
    assert _words("-0.125mg/1w", "fr") == "−0,125 mg chaque semaine jusqu'à l'arrêt"
    assert _words("-0.125mg/1w", "en") == "−0.125 mg every week until stopped"
    assert _words("-5%/3w", "fr") == "−5 % toutes les 3 semaines jusqu'à l'arrêt"
    assert _words("-5%/3w", "en") == "−5% every 3 weeks until stopped"
    assert _words("-5%/21d", "en") == "−5% every 21 days until stopped"
    assert _words("-1mg/1d", "fr") == "−1 mg tous les jours jusqu'à l'arrêt"
    assert parse_recipe("-5%/3w").phases == parse_recipe("-5%/21d").phases  # one schedule


def test_single_cuts_say_how_long_the_step_is_held() -> None:
    assert _words("-12.5%/1d once; -1mg/1w once; -0.5mg/2w", "fr") == (
        "−12,5 % une seule fois, palier d'un jour, puis −1 mg une seule fois, palier d'une "
        "semaine, puis −0,5 mg toutes les 2 semaines jusqu'à l'arrêt"
    )
    assert _words("-12.5%/1d once; -1mg/1w once; -0.5mg/2w until 1mg; -0.25mg/7d", "en") == (
        "−12.5% once, held for a day, then −1 mg once, held for a week, then −0.5 mg every "
        "2 weeks until 1 mg, then −0.25 mg every 7 days until stopped"
    )
    assert _words("-25%/2w once; -10%/3d", "fr").startswith(
        "−25 % une seule fois, palier de 2 semaines, puis"
    )
    assert _words("-25%/2w once; -10%/3d", "en").startswith("−25% once, held for 2 weeks, then")


def test_until_zero_reads_as_stopping() -> None:
    assert _words("-0.5mg/7d until 0mg", "en") == "−0.5 mg every 7 days until stopped"


def test_numbers_are_non_breaking_and_minus_is_a_minus_sign() -> None:
    words = recipe_in_words(parse_recipe("-0.25mg/7d until 1mg; -0.125mg/7d"), "fr")
    assert words.startswith("\u22120,25\u00a0mg tous les 7 jours jusqu'à 1\u00a0mg, puis")


def test_a_phase_with_no_cut_is_a_programming_error() -> None:
    nothing = Phase(cut_ug=None, cut_percent=None, interval_days=7, until_ug=None, once=False)
    with pytest.raises(ValueError, match="cuts mg or a percentage"):
        recipe_in_words(Recipe(text="?", phases=(nothing,)), "en")


def test_a_percentage_phase_keeps_its_decimals() -> None:
    half = Phase(
        cut_ug=None, cut_percent=Decimal("2.5"), interval_days=28, until_ug=None, once=False
    )
    assert recipe_in_words(Recipe(text="", phases=(half,)), "fr") == (
        "−2,5\u00a0% tous les 28 jours jusqu'à l'arrêt"
    )
