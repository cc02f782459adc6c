"""Edges of the scales and of dose timing that a wrong number, name or operator would move:
CIWA-Ar's maximum and numbering (like CIWA-B's "81 refused"), the refusals' wording, a 0-minute
dose window, naive times refused by name."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from models.clinical.dose_timing import (
    AdministrationFact,
    DoseStatus,
    dose_status,
    scheduled_datetimes,
)
from models.clinical.drugs import EQUIVALENCE_TABLES, _table_text, mg_to_ug
from models.clinical.scales import (
    CIWA_AR_BANDS,
    CIWA_AR_ITEMS,
    CIWA_AR_MAX,
    CIWA_B_BANDS,
    CIWA_B_ITEMS,
    CIWA_B_MAX,
    Band,
    ciwa_ar_band,
    ciwa_b_band,
    score_ciwa_ar,
)
from models.errors import FieldError, ValidationFailed

# --- CIWA-Ar ------------------------------------------------------------------------------------


def test_ciwa_ar_is_numbered_1_to_10_and_its_maximum_is_67() -> None:
    assert [item.number for item in CIWA_AR_ITEMS] == list(range(1, 11))
    assert CIWA_AR_MAX == 67
    assert ciwa_ar_band(67) is Band.SEVERE
    with pytest.raises(ValueError, match=r"^68 is not a CIWA-Ar total \(0-67\)$"):
        ciwa_ar_band(68)
    with pytest.raises(ValueError, match=r"^-1 is not a CIWA-Ar total \(0-67\)$"):
        ciwa_ar_band(-1)


def test_ciwa_b_refusals_name_the_scale_and_its_range() -> None:
    with pytest.raises(ValueError, match=r"^81 is not a CIWA-B total \(0-80\)$"):
        ciwa_b_band(81)


def test_a_full_ciwa_ar_is_scored_and_banded() -> None:
    result = score_ciwa_ar({item.number: item.max for item in CIWA_AR_ITEMS})
    assert (result.total, result.band) == (67, Band.SEVERE)
    result = score_ciwa_ar({item.number: 1 for item in CIWA_AR_ITEMS})
    assert (result.total, result.band) == (10, Band.MODERATE)


def test_unknown_ciwa_ar_items_are_each_refused_by_number() -> None:
    items: dict[object, object] = {item.number: 0 for item in CIWA_AR_ITEMS}
    items.update({11: 0, 100: 0, "x": 0})
    with pytest.raises(ValidationFailed) as exc:
        score_ciwa_ar(items)  # type: ignore[arg-type]
    assert [(e.field, e.message) for e in exc.value.errors] == [
        ("item_100", "CIWA-Ar has no item 100; items are 1-10"),
        ("item_11", "CIWA-Ar has no item 11; items are 1-10"),
        ("item_x", "CIWA-Ar has no item x; items are 1-10"),
    ]


# --- dose timing --------------------------------------------------------------------------------

AT = datetime(2026, 3, 10, 8, 0, tzinfo=UTC)


def test_a_0_minute_window_is_allowed_and_has_no_slack() -> None:
    def status(now: datetime) -> DoseStatus:
        return dose_status(scheduled_at=AT, now=now, window_min=0, administration=None)

    assert status(AT - timedelta(seconds=1)) is DoseStatus.NOT_YET_DUE
    assert status(AT) is DoseStatus.DUE
    assert status(AT + timedelta(seconds=1)) is DoseStatus.MISSED
    given = AdministrationFact("given", AT + timedelta(seconds=1))
    late = dose_status(scheduled_at=AT, now=AT, window_min=0, administration=given)
    assert late is DoseStatus.GIVEN_LATE


def test_a_negative_window_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match=r"^window_min must be 0 or more$"):
        dose_status(scheduled_at=AT, now=AT, window_min=-1, administration=None)


@pytest.mark.parametrize("name", ["scheduled_at", "now"])
def test_naive_times_are_refused_by_name(name: str) -> None:
    times = {"scheduled_at": AT, "now": AT, name: AT.replace(tzinfo=None)}
    with pytest.raises(ValueError, match=rf"^{name} must be timezone-aware, got datetime"):
        dose_status(**times, administration=None)


def test_an_administration_needs_a_known_status_and_an_aware_time() -> None:
    with pytest.raises(ValueError, match=r"^unknown administration status 'lost'$"):
        AdministrationFact("lost", AT)
    with pytest.raises(ValueError, match=r"^at must be timezone-aware, got datetime"):
        AdministrationFact("given", AT.replace(tzinfo=None))


def test_times_are_read_as_ward_wall_clock_times() -> None:
    london = ZoneInfo("Europe/London")
    summer = scheduled_datetimes(date(2026, 7, 1), [time(8, 0), time(20, 0)], london)
    assert summer == [
        datetime(2026, 7, 1, 7, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 19, 0, tzinfo=UTC),
    ]


# --- equivalence tables in words (the sources page) ----------------------------------------------


def test_each_equivalence_table_is_told_against_diazepam_10_mg() -> None:
    assert _table_text("ashton") == (
        "diazepam 10 mg ≈ alprazolam 0.5, chlordiazepoxide 25, clonazepam 0.5, lorazepam 1, "
        "oxazepam 20, temazepam 20, triazolam 0.5, clorazepate 15"
    )
    assert _table_text("vadod").startswith("diazepam 10 mg ≈ alprazolam 1, chlordiazepoxide 25")
    assert set(EQUIVALENCE_TABLES) == {"ashton", "vadod"}


class _NoOffset(tzinfo):
    """A time zone that does not know its offset: as unusable as none."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_time_whose_zone_has_no_offset_is_refused() -> None:
    vague = datetime(2026, 3, 10, 8, 0, tzinfo=_NoOffset())
    with pytest.raises(ValueError, match=r"^now must be timezone-aware"):
        dose_status(scheduled_at=AT, now=vague, administration=None)


def test_each_scales_maximum_is_the_sum_of_its_items_and_the_top_of_its_bands() -> None:
    assert CIWA_B_MAX == sum(item.max for item in CIWA_B_ITEMS) == CIWA_B_BANDS[-1][0]
    assert CIWA_AR_MAX == sum(item.max for item in CIWA_AR_ITEMS) == CIWA_AR_BANDS[-1][0]
    assert all(item.min == 0 for item in (*CIWA_B_ITEMS, *CIWA_AR_ITEMS))


def test_every_item_has_one_anchor_per_score() -> None:
    for item in (*CIWA_B_ITEMS, *CIWA_AR_ITEMS):
        assert len(item.anchors) == item.max - item.min + 1, item.text


# --- doses typed in mg --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, [1], True])
def test_a_dose_that_is_no_number_is_refused_at_the_dose_field(value: object) -> None:
    with pytest.raises(FieldError) as exc:
        mg_to_ug(value)  # type: ignore[arg-type]
    assert (exc.value.field, exc.value.message) == (
        "dose_mg",
        "is not a dose in mg; write e.g. 0.5",
    )


def test_a_refused_dose_text_is_quoted_up_to_24_characters() -> None:
    with pytest.raises(FieldError) as exc:
        mg_to_ug("x" * 24)
    assert exc.value.message == f"{'x' * 24!r} is not a dose in mg; write e.g. 0.5"
    with pytest.raises(FieldError) as long:
        mg_to_ug("x" * 25)
    assert long.value.message == "this is not a dose in mg (too long); write e.g. 0.5"
