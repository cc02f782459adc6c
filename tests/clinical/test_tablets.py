"""The tablet choice (models/clinical/tablets.py): exact doses, no unscored tablet halved, fewest
tablets, fewest strengths, and dispense quantities, checked against a brute-force search; and the
founding article's four schedules from 2 mg clonazepam with 0.5 mg and 2 mg scored tablets."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import combinations, product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.clinical.recipes import PRESETS
from models.clinical.tablets import (
    DEFAULT_TABLETS,
    Portion,
    Tablet,
    choose_tablets,
    daily_doses,
    dispense,
    dispense_words,
    dose_words,
)
from models.clinical.taper import build_schedule, plan_parameters

START = date(2026, 1, 5)
FAST = settings(max_examples=80, deadline=None)
SCORED_05_2 = (Tablet(500, True), Tablet(2000, True))


def brute_force(dose: int, tablets: tuple[Tablet, ...]) -> list[tuple[int, tuple[Portion, ...]]]:
    """Every exact way (halves in all, portions) to make ``dose``, at most one half a strength."""
    ways = []
    ranges = []
    for tablet in tablets:
        halves = range(0, 2 * (dose // tablet.strength_ug) + 2, 1 if tablet.scored else 2)
        ranges.append([h for h in halves if h * tablet.strength_ug <= 2 * dose])
    for counts in product(*ranges):
        if sum(h * t.strength_ug for h, t in zip(counts, tablets, strict=True)) != 2 * dose:
            continue
        portions = tuple(
            Portion(t.strength_ug, h) for h, t in zip(counts, tablets, strict=True) if h
        )
        ways.append((sum(counts), portions))
    return ways


def tablet_sets() -> st.SearchStrategy[tuple[Tablet, ...]]:
    tablet = st.builds(
        Tablet, strength_ug=st.sampled_from([250, 500, 1000, 2000, 5000]), scored=st.booleans()
    )
    return st.lists(tablet, min_size=1, max_size=3, unique_by=lambda t: t.strength_ug).map(tuple)


doses = st.lists(
    st.integers(min_value=0, max_value=32).map(lambda n: n * 125), min_size=1, max_size=6
)


@FAST
@given(tablets=tablet_sets(), wanted=doses)
def test_every_dose_is_exact_and_no_unscored_tablet_is_halved(
    tablets: tuple[Tablet, ...], wanted: list[int]
) -> None:
    choice = choose_tablets("clonazepam", wanted, tablets)
    scored = {t.strength_ug: t.scored for t in tablets}
    assert set(choice.portions) | set(choice.unmakeable) == set(wanted)
    for dose, portions in choice.portions.items():
        assert sum(p.strength_ug * p.halves for p in portions) == 2 * dose
        for portion in portions:
            assert portion.halves > 0
            assert portion.halves % 2 == 0 or scored[portion.strength_ug]


@FAST
@given(tablets=tablet_sets(), wanted=doses)
def test_unmakeable_doses_are_exactly_those_no_combination_makes(
    tablets: tuple[Tablet, ...], wanted: list[int]
) -> None:
    choice = choose_tablets("clonazepam", wanted, tablets)
    for dose in set(wanted):
        assert (dose in choice.unmakeable) == (not brute_force(dose, tablets))


@FAST
@given(tablets=tablet_sets(), wanted=doses)
def test_each_dose_takes_the_fewest_tablets(tablets: tuple[Tablet, ...], wanted: list[int]) -> None:
    choice = choose_tablets("clonazepam", wanted, tablets)
    for dose, portions in choice.portions.items():
        fewest = min(halves for halves, _ in brute_force(dose, tablets))
        assert sum(p.halves for p in portions) == fewest


@FAST
@given(tablets=tablet_sets(), wanted=doses)
def test_no_fewer_strengths_could_give_every_dose_its_fewest_tablets(
    tablets: tuple[Tablet, ...], wanted: list[int]
) -> None:
    choice = choose_tablets("clonazepam", wanted, tablets)
    makeable = [d for d in set(wanted) if d not in choice.unmakeable]
    fewest = {d: min(h for h, _ in brute_force(d, tablets)) for d in makeable}
    strengths = [t.strength_ug for t in tablets]
    ways = {d: [ps for h, ps in brute_force(d, tablets) if h == fewest[d]] for d in makeable}
    for size in range(len(choice.strengths)):
        for subset in combinations(strengths, size):
            assert any(
                not any(all(p.strength_ug in subset for p in ps) for ps in ways[d])
                for d in makeable
            ), f"{subset} would have done"


@FAST
@given(
    recipe=st.sampled_from([p.recipe for p in PRESETS.values()]),
    daily=st.integers(min_value=2, max_value=24).map(lambda n: n * 250),
    tablets=tablet_sets(),
    first=st.integers(min_value=0, max_value=60),
    length=st.integers(min_value=0, max_value=90),
)
def test_dispense_totals_equal_the_sum_over_the_days(
    recipe: str, daily: int, tablets: tuple[Tablet, ...], first: int, length: int
) -> None:
    schedule = build_schedule(
        plan_parameters(drug="clonazepam", recipe=recipe, units_ug={"clonazepam": 250}),
        daily_ug=daily,
        start=START,
    )
    choice = choose_tablets("clonazepam", [d.ug for s in schedule.steps for d in s.doses], tablets)
    days = daily_doses(
        schedule.steps, "clonazepam", START + timedelta(first), START + timedelta(first + length)
    )
    quantity = dispense(days, choice)
    halves: dict[int, int] = {}
    taken_ug = 0
    for day in days:
        for _, dose in day.doses:
            if dose in choice.unmakeable:
                assert day.day in quantity.unmakeable_days
                continue
            taken_ug += dose
            for p in choice.portions[dose]:
                halves[p.strength_ug] = halves.get(p.strength_ug, 0) + p.halves
    assert {s: h for s, h in quantity.halves.items() if h} == {s: h for s, h in halves.items() if h}
    assert sum(s * h for s, h in quantity.halves.items()) == 2 * taken_ug
    for strength, count in quantity.tablets.items():
        assert 2 * count - 1 <= quantity.halves[strength] <= 2 * count


def _founding(key: str, unit_ug: int = 250) -> tuple[list[tuple[date, list[str]]], object]:
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam", recipe=PRESETS[key].recipe, units_ug={"clonazepam": unit_ug}
        ),
        daily_ug=2000,
        start=START,
    )
    choice = choose_tablets(
        "clonazepam", [d.ug for s in schedule.steps for d in s.doses], SCORED_05_2
    )
    rows = [(s.start, [choice.words(d.ug) for d in s.doses]) for s in schedule.steps]
    return rows, choice


@pytest.mark.parametrize("key", ["a", "b", "c", "d"])
def test_founding_schedules_are_made_from_half_and_whole_tablets(key: str) -> None:
    rows, choice = _founding(key)
    assert choice.unmakeable == ()  # type: ignore[attr-defined]
    for _, words in rows[1:]:
        for text in words:
            assert "cannot" not in text
            assert "of 0.5 mg" in text or "of 2 mg" in text


def test_founding_schedule_a_in_words() -> None:
    rows, _ = _founding("a")
    by_day = dict(rows)
    assert by_day[START] == ["1½ tablets of 0.5 mg", "1½ tablets of 0.5 mg"]  # 1.5 mg a day
    assert by_day[START + timedelta(14)] == ["1 tablet of 0.5 mg", "1 tablet of 0.5 mg"]  # 1 mg
    assert by_day[START + timedelta(28)] == ["½ tablet of 0.5 mg", "1 tablet of 0.5 mg"]  # 0.75
    assert by_day[START + timedelta(35)] == ["½ tablet of 0.5 mg", "½ tablet of 0.5 mg"]  # 0.5
    assert by_day[START + timedelta(42)] == ["½ tablet of 0.5 mg"]  # 0.25 mg, evening only
    assert rows[-1][1] == []  # stopped


def test_founding_schedule_a_dispenses_whole_tablets_for_its_first_four_weeks() -> None:
    schedule = build_schedule(
        plan_parameters(
            drug="clonazepam", recipe=PRESETS["a"].recipe, units_ug={"clonazepam": 250}
        ),
        daily_ug=2000,
        start=START,
    )
    choice = choose_tablets(
        "clonazepam", [d.ug for s in schedule.steps for d in s.doses], SCORED_05_2
    )
    days = daily_doses(schedule.steps, "clonazepam", START, START + timedelta(27))
    # 14 days of 2 x 1½ tablets, then 14 days of 2 x 1 tablet: 42 + 28 tablets of 0.5 mg.
    assert dispense(days, choice).tablets == {500: 70}
    assert dispense_words(dispense(days, choice)) == "70 tablets of 0.5 mg"


def test_schedule_c_in_clonazepam_eighths_flags_the_doses_half_tablets_cannot_make() -> None:
    _, choice = _founding("c", unit_ug=125)
    # 1.75 mg a day splits 0.875 + 0.875: neither is a multiple of a quarter milligram.
    assert 875 in choice.unmakeable  # type: ignore[attr-defined]
    assert all(d % 250 for d in choice.unmakeable)  # type: ignore[attr-defined]


def test_an_unscored_tablet_is_never_halved_even_when_that_is_the_only_way() -> None:
    choice = choose_tablets("clonazepam", [1000, 500], (Tablet(2000, False), Tablet(500, True)))
    assert choice.portions[1000] == (Portion(500, 4),)
    assert choice.portions[500] == (Portion(500, 2),)
    unscored = choose_tablets("clonazepam", [1000], (Tablet(2000, False),))
    assert unscored.unmakeable == (1000,)


def test_a_half_tablet_is_fewer_tablets_than_two_whole_ones() -> None:
    # 3 mg = 1 x 2 mg + 1 x 1 mg (2 tablets) or 1½ x 2 mg (1½ tablets).
    choice = choose_tablets("clonazepam", [3000, 2000], (Tablet(1000, False), Tablet(2000, True)))
    assert choice.portions[3000] == (Portion(2000, 3),)
    assert choice.strengths == (2000,)


def test_fewest_strengths_over_the_plan_when_tablet_counts_tie() -> None:
    # 4 mg is 2 x 2 mg or 3 mg + 1 mg (2 tablets either way); the plan needs 1 mg and 3 mg
    # tablets anyway, so 4 mg is made from them and the 2 mg tablet is not dispensed.
    tablets = (Tablet(1000, False), Tablet(2000, False), Tablet(3000, False))
    choice = choose_tablets("diazepam", [4000, 1000, 3000], tablets)
    assert choice.strengths == (1000, 3000)
    assert choice.portions[4000] == (Portion(3000, 2), Portion(1000, 2))


def test_words_read_as_a_patient_would_say_them() -> None:
    assert dose_words((Portion(500, 3),)) == "1½ tablets of 0.5 mg"
    assert dose_words((Portion(2000, 1),)) == "½ tablet of 2 mg"
    assert (
        dose_words((Portion(2000, 2), Portion(500, 1))) == "1 tablet of 2 mg and ½ tablet of 0.5 mg"
    )
    assert dose_words(()) == "none"


def test_default_tablets_halve_only_what_the_label_scores() -> None:
    assert [t for ts in DEFAULT_TABLETS.values() for t in ts if t.scored] == [Tablet(500, True)]


def test_the_default_tablet_strengths_are_the_labelled_ones() -> None:
    # [S61] clonazepam 0.5, 1 and 2 mg; [S62] alprazolam 0.25-2 mg, lorazepam 0.5-2 mg,
    # diazepam 2, 5 and 10 mg (the constants pass found a 0.999 mg clonazepam tablet unnoticed).
    strengths = {
        drug: [t.strength_ug for t in tablets] for drug, tablets in DEFAULT_TABLETS.items()
    }
    assert strengths == {
        "clonazepam": [500, 1000, 2000],
        "alprazolam": [250, 500, 1000, 2000],
        "lorazepam": [500, 1000, 2000],
        "diazepam": [2000, 5000, 10_000],
    }
