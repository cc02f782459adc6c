from __future__ import annotations

import pytest

from models.clinical.scales import (
    CIWA_AR_BANDS_SOURCE,
    CIWA_AR_ITEMS,
    CIWA_B_ITEMS,
    Band,
    ScaleItem,
    ciwa_ar_band,
    ciwa_b_band,
    own_anchors,
    score_ciwa_ar,
    score_ciwa_b,
)
from models.errors import ValidationFailed


def all_b(score: int) -> dict[int, object]:
    return {item.number: score for item in CIWA_B_ITEMS}


def test_ciwa_b_has_20_items_17_patient_rated_then_3_observer_rated() -> None:
    assert [i.number for i in CIWA_B_ITEMS] == list(range(1, 21))
    assert {i.rater for i in CIWA_B_ITEMS[:17]} == {"patient"}
    assert {i.rater for i in CIWA_B_ITEMS[17:]} == {"observer"}
    assert all((i.min, i.max) == (0, 4) and len(i.anchors) == 5 for i in CIWA_B_ITEMS)
    assert CIWA_B_ITEMS[0].anchors[0] == "not at all"
    assert CIWA_B_ITEMS[0].anchors[4] == "very much so"
    assert CIWA_B_ITEMS[17].text.startswith("Restlessness")
    assert CIWA_B_ITEMS[18].text.startswith("Tremor")
    assert CIWA_B_ITEMS[19].text.startswith("Sweating")


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, Band.NONE),
        (1, Band.MILD),
        (20, Band.MILD),
        (21, Band.MODERATE),
        (40, Band.MODERATE),
        (41, Band.SEVERE),
        (60, Band.SEVERE),
        (61, Band.VERY_SEVERE),
        (80, Band.VERY_SEVERE),
    ],
)
def test_ciwa_b_band_edges(total: int, band: Band) -> None:
    assert ciwa_b_band(total) is band


@pytest.mark.parametrize("total", [-1, 81, True])
def test_ciwa_b_band_refuses_impossible_totals(total: int) -> None:
    with pytest.raises(ValueError):
        ciwa_b_band(total)


def test_band_values_labels_and_order() -> None:
    assert [b.value for b in Band] == ["none", "mild", "moderate", "severe", "very_severe"]
    assert [b.label for b in Band] == ["No signs", "Mild", "Moderate", "Severe", "Very severe"]
    assert [b.order for b in Band] == [0, 1, 2, 3, 4]
    assert Band("moderate").order > Band.MILD.order


def test_score_ciwa_b() -> None:
    assert score_ciwa_b(all_b(0)).band is Band.NONE
    assert score_ciwa_b(all_b(4)).total == 80
    items = all_b(1)
    items[20] = 2
    result = score_ciwa_b(items)
    assert (result.total, result.band) == (21, Band.MODERATE)


@pytest.mark.parametrize("number", range(1, 21))
@pytest.mark.parametrize(("score", "ok"), [(-1, False), (0, True), (4, True), (5, False)])
def test_each_ciwa_b_item_accepts_0_to_4(number: int, score: int, ok: bool) -> None:
    items = all_b(2)
    items[number] = score
    if ok:
        assert score_ciwa_b(items).total == 38 + score
        return
    with pytest.raises(ValidationFailed) as exc:
        score_ciwa_b(items)
    message = exc.value.by_field()[f"item_{number}"]
    assert CIWA_B_ITEMS[number - 1].text in message
    assert "a whole number from 0 to 4" in message
    assert len(exc.value.errors) == 1


def test_missing_and_non_integer_items_are_all_reported() -> None:
    items = all_b(1)
    del items[7]
    del items[19]
    items[3] = 2.5
    items[4] = "3"
    items[5] = True
    items[21] = 0
    with pytest.raises(ValidationFailed) as exc:
        score_ciwa_b(items)
    errors = exc.value.by_field()
    assert set(errors) == {"item_3", "item_4", "item_5", "item_7", "item_19", "item_21"}
    assert errors["item_7"] == (
        "item 7 (Do you feel your heart racing?) is missing; score it a whole number from 0 to 4"
    )
    assert "got 2.5" in errors["item_3"]
    assert "got '3'" in errors["item_4"]
    assert errors["item_21"] == "CIWA-B has no item 21; items are 1-20"


def test_ciwa_ar_items_and_ranges() -> None:
    assert len(CIWA_AR_ITEMS) == 10
    assert [i.max for i in CIWA_AR_ITEMS] == [7] * 9 + [4]
    assert sum(i.max for i in CIWA_AR_ITEMS) == 67
    assert CIWA_AR_ITEMS[9].text.startswith("Orientation")
    assert "ASAM 2020" in CIWA_AR_BANDS_SOURCE


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, Band.MILD),
        (9, Band.MILD),
        (10, Band.MODERATE),
        (18, Band.MODERATE),
        (19, Band.SEVERE),
        (67, Band.SEVERE),
    ],
)
def test_ciwa_ar_band_edges_asam_2020(total: int, band: Band) -> None:
    assert ciwa_ar_band(total) is band


@pytest.mark.parametrize("item", CIWA_AR_ITEMS, ids=lambda i: f"item_{i.number}")
def test_each_ciwa_ar_item_bounds(item: ScaleItem) -> None:
    base = {i.number: 0 for i in CIWA_AR_ITEMS}
    for score, ok in ((-1, False), (0, True), (item.max, True), (item.max + 1, False)):
        items = {**base, item.number: score}
        if ok:
            assert score_ciwa_ar(items).total == score
        else:
            with pytest.raises(ValidationFailed) as exc:
                score_ciwa_ar(items)
            assert f"from 0 to {item.max}" in exc.value.by_field()[f"item_{item.number}"]


def test_score_ciwa_ar_totals_and_missing_items() -> None:
    full = {i.number: i.max for i in CIWA_AR_ITEMS}
    assert score_ciwa_ar(full).total == 67
    with pytest.raises(ValidationFailed) as exc:
        score_ciwa_ar({1: 3})
    assert len(exc.value.errors) == 9


def test_the_sleep_items_carry_anchors_where_higher_means_more_withdrawal() -> None:
    sleep = {item.number: item for item in CIWA_B_ITEMS if item.number in (12, 14)}
    assert "restful" in sleep[12].text and "enough sleep" in sleep[14].text
    assert sleep[12].anchors[0] == "very restful" and sleep[12].anchors[4] == "not at all restful"
    assert sleep[14].anchors[0] == "yes, enough" and sleep[14].anchors[4] == "not at all enough"
    assert sleep[12].anchor_text == "0 very restful … 4 not at all restful"
    own = [item.number for item in CIWA_B_ITEMS if own_anchors(item, CIWA_B_ITEMS)]
    assert own == [12, 14]  # every other patient-rated item: "not at all" … "very much so"


def test_a_well_rested_patient_scores_0_on_the_sleep_items() -> None:
    # Rated by their anchors, restful sleep and enough of it are 0: a calm, well-slept patient
    # scores 0 overall, not 8.
    result = score_ciwa_b(all_b(0))
    assert result.total == 0 and result.band is Band.NONE
    assert CIWA_B_ITEMS[11].anchors[0] == "very restful"


def test_items_without_anchors_have_no_anchor_text() -> None:
    assert CIWA_B_ITEMS[19].anchor_text == ""
    assert CIWA_AR_ITEMS[0].anchor_text == ""
