"""Every refusal of the recipe language in full: the part that says what to write instead is
what the physician acts on, so it is checked word for word, not only the part that quotes the
mistake. Refusals are on the ``recipe`` field, whatever the mistake."""

from __future__ import annotations

import pytest

from models.clinical.recipes import PHASE_FORM, RecipeError, parse_recipe

REFUSALS = [
    ("", f"the recipe is empty; write one or more phases like {PHASE_FORM}"),
    (
        "x" * 201,
        "the recipe is 201 characters long; keep it under 200, e.g. -0.5mg/14d until 1mg; "
        "-0.25mg/7d",
    ),
    (
        "-1mg/7d until 1mg;;-1mg/7d",
        "phase 2 of '-1mg/7d until 1mg;;-1mg/7d' is empty; separate phases with a single ';' "
        "and do not end with one",
    ),
    ("1mg/7d", f"phase '1mg/7d' must start with '-' (a reduction); use {PHASE_FORM}"),
    ("-mg/7d", "missing amount after '-' in '-mg/7d'; write e.g. -0.25mg or -10%"),
    ("-1/7d", "missing amount unit in '-1/7d'; use mg or %"),
    ("-1kg/7d", "unknown amount unit 'kg' in '-1kg/7d'; use mg or %"),
    ("-1mg 7d", "missing '/<interval>' in '-1mg 7d'; write e.g. -0.25mg/7d"),
    ("-1mg/", "missing interval after '/' in '-1mg/'; write e.g. /7d or /2w"),
    ("-1mg/7", "missing interval unit in '-1mg/7'; use d or w"),
    ("-1mg/7x", "unknown interval unit 'x' in '-1mg/7x'; use d or w"),
    ("-1mg/1.5w", "interval in '-1mg/1.5w' must be a whole number of days or weeks"),
    ("-1mg/0d", "interval 0d in '-1mg/0d' must be at least 1"),
    ("-1mg/53w", "interval in '-1mg/53w' is longer than a year; use at most 52w"),
    (
        "-12345678901mg/7d",
        "a cut is at most 10 characters long (that one has 11); write e.g. -0.25mg or -10%",
    ),
    ("-0%/7d", "a cut of 0% in '-0%/7d' changes nothing; use a positive percent"),
    ("-100%/7d", "a cut of 100% in '-100%/7d' stops the drug at once; use less than 100%"),
    (
        "-0.0001mg/7d",
        "0.0001 mg is not a whole number of micrograms; use at most 3 decimals (in '-0.0001mg/7d')",
    ),
    ("-0mg/7d", "a cut of 0 mg in '-0mg/7d' changes nothing; use a positive amount"),
    (
        "-1mg/7d twice",
        "unexpected 'twice' after the interval in '-1mg/7d twice'; "
        "allowed: 'until <dose>mg' or 'once'",
    ),
    ("-1mg/7d until", "'until' needs a dose in mg in '-1mg/7d until'; write e.g. until 1mg"),
    ("-1mg/7d until 1", "'until' needs a dose in mg in '-1mg/7d until 1'; write e.g. until 1mg"),
    ("-1mg/7d until 12345678901mg; -1mg/7d", "the 'until' dose is too long; write e.g. until 1mg"),
    (
        "-1mg/7d until 0.0001mg; -1mg/7d",
        "0.0001 mg is not a whole number of micrograms; use at most 3 decimals "
        "(in '-1mg/7d until 0.0001mg')",
    ),
    (
        "-1mg/7d; -1mg/7d",
        "phase '-1mg/7d' has no 'until' or 'once', so it runs to 0 and the phases after it "
        "would never run; bound it or move it last",
    ),
    (
        "-1mg/7d once",
        "the last phase '-1mg/7d once' is a single cut, so the taper would stop above 0; end "
        "the recipe with a phase that runs to 0, e.g. '-10%/14d'",
    ),
    (
        "-1mg/7d until 1mg",
        "the last phase '-1mg/7d until 1mg' stops at 1 mg, so the taper would stop above 0; "
        "add a phase that runs to 0, e.g. '; -0.25mg/7d'",
    ),
]


@pytest.mark.parametrize(("text", "message"), REFUSALS)
def test_a_refused_recipe_says_exactly_what_is_wrong_and_what_to_write(
    text: str, message: str
) -> None:
    with pytest.raises(RecipeError) as exc:
        parse_recipe(text)
    assert (exc.value.field, exc.value.message) == ("recipe", message)


def test_the_longest_until_dose_is_accepted_and_one_more_character_is_not() -> None:
    # AMOUNT_MAX_CHARS (10) characters, as for a cut: a trailing zero is still a dose.
    (first, _) = parse_recipe("-0.5mg/7d until 0.12500000mg; -0.125mg/7d").phases
    assert first.until_ug == 125
    with pytest.raises(RecipeError) as exc:
        parse_recipe("-0.5mg/7d until 0.125000000mg; -0.125mg/7d")
    assert exc.value.message == "the 'until' dose is too long; write e.g. until 1mg"


def test_the_smallest_cut_is_one_microgram_and_the_recipe_keeps_its_text_trimmed() -> None:
    recipe = parse_recipe("  -0.001mg/7d ")
    assert recipe.text == "-0.001mg/7d"  # what a plan version stores and shows
    assert recipe.phases[0].cut_ug == 1
