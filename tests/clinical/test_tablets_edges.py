"""Tablet choice edges a wrong number or operator would move: impossible strengths, the search
limit, a zero dose, ties between equally few tablets, the doses of each day, and the words on
the dispensing list."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.clinical.recipes import PRESETS
from models.clinical.tablets import (
    MAX_PIECES,
    DayDoses,
    Dispense,
    Portion,
    Tablet,
    choose_tablets,
    daily_doses,
    dispense,
    dispense_words,
    tablet_label,
)
from models.clinical.taper import build_schedule, plan_parameters

START = date(2026, 1, 5)


def test_a_tablet_strength_is_at_least_one_microgram() -> None:
    with pytest.raises(ValueError, match=r"^a tablet strength is positive, not 0 ug$"):
        Tablet(0, False)
    with pytest.raises(ValueError, match=r"^a tablet strength is positive, not -500 ug$"):
        Tablet(-500, False)
    assert Tablet(1, False).strength_ug == 1


def test_a_scored_tablet_must_halve_into_whole_micrograms() -> None:
    with pytest.raises(ValueError, match=r"^125 ug cannot be halved into whole micrograms$"):
        Tablet(125, True)
    assert Tablet(125, False).strength_ug == 125
    assert Tablet(250, True).scored


def test_the_search_stops_at_max_pieces_of_the_smallest_piece() -> None:
    # Local sanity limit: MAX_PIECES pieces are still searched, one piece more is refused.
    assert MAX_PIECES == 4000
    tablets = (Tablet(1000, False),)
    choice = choose_tablets("diazepam", [MAX_PIECES * 1000, (MAX_PIECES + 1) * 1000], tablets)
    assert choice.portions == {MAX_PIECES * 1000: (Portion(1000, 2 * MAX_PIECES),)}
    assert choice.unmakeable == ((MAX_PIECES + 1) * 1000,)


def test_large_tablets_are_counted_in_their_own_pieces_not_in_micrograms() -> None:
    # 40 mg from 10 mg tablets is 4 tablets, far inside the limit however many ug it is.
    choice = choose_tablets("diazepam", [40_000], (Tablet(10_000, False),))
    assert choice.portions == {40_000: (Portion(10_000, 8),)}


def test_a_zero_dose_takes_no_tablets_and_one_microgram_is_not_made() -> None:
    choice = choose_tablets("clonazepam", [0, 1], (Tablet(500, True),))
    assert choice.portions == {0: ()}
    assert choice.unmakeable == (1,)
    # Even with no tablets at all, a zero dose needs none.
    assert choose_tablets("clonazepam", [0], ()).portions == {0: ()}


def test_the_choice_keeps_the_drug_and_the_wards_tablets_smallest_first() -> None:
    stock = (Tablet(2000, False), Tablet(500, True), Tablet(2000, False))
    choice = choose_tablets("clonazepam", [1000], stock)
    assert choice.drug == "clonazepam"
    assert choice.tablets == (Tablet(500, True), Tablet(2000, False))


def test_one_product_scored_and_another_not_at_the_same_strength() -> None:
    # 0.75 mg: the scored 0.5 mg tablet is the one halved; the patient reads one strength.
    choice = choose_tablets("lorazepam", [750], (Tablet(500, False), Tablet(500, True)))
    assert choice.portions == {750: (Portion(500, 3),)}
    assert choice.words(750) == "1½ tablets of 0.5 mg"


def test_a_whole_tablet_rather_than_two_halves_of_other_strengths() -> None:
    # 3 mg is one 3 mg tablet or ½ x 5 mg + ½ x 1 mg: as few tablets, but two to cut.
    tablets = (Tablet(1000, True), Tablet(3000, False), Tablet(5000, True))
    assert choose_tablets("diazepam", [3000], tablets).portions == {3000: (Portion(3000, 2),)}


def test_equal_tablets_and_cuts_take_the_larger_tablet_first() -> None:
    # 3.5 mg needs the 5 mg and 2 mg tablets, so all three strengths are kept; 3.25 mg is then
    # ½ x 5 mg + 1½ x 0.5 mg or 1½ x 2 mg + ½ x 0.5 mg (2 tablets, 2 cuts either way).
    tablets = (Tablet(500, True), Tablet(2000, True), Tablet(5000, True))
    choice = choose_tablets("diazepam", [3250, 3500], tablets)
    assert choice.portions[3500] == (Portion(5000, 1), Portion(2000, 1))
    assert choice.portions[3250] == (Portion(5000, 1), Portion(500, 3))
    assert choice.words(3250) == "½ tablet of 5 mg and 1½ tablets of 0.5 mg"


def test_tablet_labels_say_whether_the_tablet_may_be_halved() -> None:
    assert tablet_label(Tablet(500, True)) == "0.5 mg (scored)"
    assert tablet_label(Tablet(2000, False)) == "2 mg (not scored)"


def test_daily_doses_are_the_step_in_force_each_day_and_none_before_the_plan() -> None:
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam", recipe=PRESETS["a"].recipe, units_ug={"clonazepam": 250}
        ),
        daily_ug=2000,
        start=START,
    )
    # The baseline step starts the day before START; the first cut (to 1.5 mg) on START.
    days = daily_doses(schedule.steps, "clonazepam", START - timedelta(2), START)
    assert days == (
        DayDoses(START - timedelta(2), ()),
        DayDoses(START - timedelta(1), (("08:00", 1000), ("20:00", 1000))),
        DayDoses(START, (("08:00", 750), ("20:00", 750))),
    )
    assert daily_doses(schedule.steps, "diazepam", START, START) == (DayDoses(START, ()),)


def test_a_dose_the_choice_was_not_made_for_is_a_missing_day_not_a_crash() -> None:
    choice = choose_tablets("clonazepam", [1000], (Tablet(500, True),))
    days = (
        DayDoses(START, (("08:00", 1000),)),
        DayDoses(START + timedelta(1), (("08:00", 750),)),
    )
    quantity = dispense(days, choice)
    assert quantity.halves == {500: 4}
    assert quantity.unmakeable_days == (START + timedelta(1),)


def test_dispense_words_count_each_strength() -> None:
    assert dispense_words(Dispense({500: 2}, ())) == "1 tablet of 0.5 mg"
    assert dispense_words(Dispense({500: 1}, ())) == "1 tablet of 0.5 mg"
    assert dispense_words(Dispense({500: 4, 2000: 3}, ())) == (
        "2 tablets of 0.5 mg, 2 tablets of 2 mg"
    )
    assert dispense_words(Dispense({500: 0}, ())) == "no tablets"
    assert dispense_words(Dispense({}, ())) == "no tablets"
