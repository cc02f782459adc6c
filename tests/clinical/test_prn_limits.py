"""A PRN order's limits: when the next dose may be given, and what the nurse is told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.clinical.prn import (
    PRN_FLAG_DE_MG_24H,
    PRN_FLAG_DOSES_24H,
    PRN_REASSESS_MIN,
    WINDOW,
    PrnCheck,
    PrnGiven,
    PrnLimits,
    availability,
    check,
    earliest,
    judge_prn_use,
    local_time,
    refusal,
)

LONDON = ZoneInfo("Europe/London")
DAY = datetime(2026, 3, 10, tzinfo=UTC)  # GMT: London time is UTC that day


def at(hours: float, minutes: int = 0) -> datetime:
    return DAY + timedelta(hours=hours, minutes=minutes)


def limits(
    *, dose_mg: float = 5, interval_h: float = 4, max_doses: int = 3, max_mg: float = 30
) -> PrnLimits:
    return PrnLimits(
        dose_ug=round(dose_mg * 1000),
        min_interval=timedelta(hours=interval_h),
        max_doses=max_doses,
        max_ug=round(max_mg * 1000),
    )


def given(*hours: float, mg: float = 5) -> list[PrnGiven]:
    return [PrnGiven(at(h), round(mg * 1000)) for h in hours]


def test_the_window_is_24_hours() -> None:
    assert timedelta(hours=24) == WINDOW


def test_a_first_dose_is_allowed_now() -> None:
    assert check(limits(), [], at(9)) == PrnCheck(True, at(9), None, 0, 0)
    assert earliest(limits(), [], at(9)) == (at(9), "")


def test_the_interval_holds_the_next_dose_back_until_it_has_passed() -> None:
    order = limits(interval_h=4)
    doses = given(10)
    assert check(order, doses, at(13, 59)) == PrnCheck(False, at(14), "interval", 1, 5000)
    assert check(order, doses, at(14)) == PrnCheck(True, at(14), None, 1, 5000)
    assert earliest(order, doses, at(11)) == (at(14), "interval")


def test_the_dose_count_counts_the_rolling_24_hours() -> None:
    order = limits(interval_h=1, max_doses=3, max_mg=100)
    doses = given(0, 2, 4)
    assert check(order, doses, at(6)) == PrnCheck(False, at(24), "doses", 3, 15000)
    # Exactly 24 h after the first dose, that dose has left the window.
    assert check(order, doses, at(24)) == PrnCheck(True, at(24), None, 2, 10000)
    assert check(order, doses, at(23, 59)).allowed is False


def test_the_oldest_doses_that_must_leave_the_window_set_the_time() -> None:
    order = limits(interval_h=0, max_doses=2, max_mg=100)
    doses = given(1, 3, 5)
    # Two of three must leave: the second one's 24 h end decides.
    assert earliest(order, doses, at(6)) == (at(27), "doses")


def test_the_amount_counts_the_rolling_24_hours() -> None:
    order = limits(dose_mg=5, interval_h=1, max_doses=10, max_mg=10)
    doses = given(0, 2)
    assert check(order, doses, at(3)) == PrnCheck(False, at(24), "amount", 2, 10000)
    # At the maximum, not over it: allowed.
    assert check(order, given(0), at(3)) == PrnCheck(True, at(3), None, 1, 5000)


def test_the_amount_frees_as_many_doses_as_it_must() -> None:
    order = limits(dose_mg=10, interval_h=0, max_doses=10, max_mg=12)
    doses = [PrnGiven(at(1), 2000), PrnGiven(at(2), 2000), PrnGiven(at(3), 2000)]
    # 6 mg given + 10 mg > 12 mg; dropping the 01:00 dose leaves 14 mg, dropping 02:00 leaves 12.
    assert earliest(order, doses, at(4)) == (at(26), "amount")


def test_the_amount_alone_larger_than_the_maximum_waits_for_every_dose_to_leave() -> None:
    order = limits(dose_mg=10, interval_h=0, max_doses=10, max_mg=5)
    assert earliest(order, given(1, 2, mg=1), at(3)) == (at(26), "amount")


def test_the_limit_that_holds_the_dose_back_longest_is_named() -> None:
    order = limits(interval_h=4, max_doses=1, max_mg=100)
    assert check(order, given(10), at(11)) == PrnCheck(False, at(34), "doses", 1, 5000)
    order = limits(interval_h=30, max_doses=1, max_mg=100)
    assert check(order, given(10), at(11)) == PrnCheck(False, at(40), "interval", 1, 5000)


def test_the_latest_limit_decides() -> None:
    order = limits(interval_h=4, max_doses=2, max_mg=100)
    doses = given(-21, 1)
    assert earliest(order, doses, at(2)) == (at(5), "interval")
    doses = given(-18, 1)
    assert earliest(order, doses, at(2)) == (at(6), "doses")


def test_doses_charted_after_the_time_checked_are_not_counted_before_it() -> None:
    order = limits(interval_h=4, max_doses=3, max_mg=100)
    # The 12:00 dose is later than 09:00: it does not hold 09:00 back by its interval...
    result = check(order, given(12), at(9))
    assert result == PrnCheck(False, at(9), "later", 0, 0)  # ...but 09:00 breaks its interval
    assert check(order, given(13), at(9)) == PrnCheck(True, at(9), None, 0, 0)


def test_a_later_dose_whose_24_hours_would_hold_too_many_refuses() -> None:
    order = limits(interval_h=0, max_doses=2, max_mg=100)
    assert check(order, given(10, 12), at(9)).why == "later"
    assert check(order, given(10), at(9)).allowed is True


def test_a_later_dose_whose_24_hours_would_hold_too_much_refuses() -> None:
    order = limits(dose_mg=5, interval_h=0, max_doses=10, max_mg=10)
    assert check(order, given(10, mg=6), at(9)).why == "later"
    assert check(order, given(10, mg=5), at(9)).allowed is True


@pytest.mark.parametrize(("later_h", "allowed"), [(23, False), (24, True), (25, True)])
def test_a_later_dose_only_counts_the_24_hours_before_it(later_h: int, allowed: bool) -> None:
    order = limits(interval_h=0, max_doses=1, max_mg=100)
    assert check(order, given(later_h), at(0)).allowed is allowed


def test_doses_given_before_the_window_are_not_counted() -> None:
    order = limits(interval_h=0, max_doses=1, max_mg=5)
    result = check(order, given(-24, -30), at(0))
    assert result == PrnCheck(True, at(0), None, 0, 0)


@pytest.mark.parametrize(
    ("instant", "text"),
    [
        (at(14, 20), "14:20"),
        (at(33, 5), "09:05 tomorrow"),
        (at(-1, 40), "yesterday 23:40"),
        (at(-24 * 7 + 9, 5), "Tue 3 Mar 09:05"),
        (at(24 * 3 + 9), "Fri 13 Mar 09:00"),
    ],
)
def test_times_are_told_in_ward_time_relative_to_today(instant: datetime, text: str) -> None:
    assert local_time(instant, LONDON, at(12)) == text


def test_ward_time_is_the_wards_zone_not_utc() -> None:
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 23:30 in London (BST)
    assert local_time(summer, LONDON, summer) == "23:30"
    assert local_time(summer + timedelta(hours=1), LONDON, summer) == "00:30 tomorrow"


@pytest.mark.parametrize(
    ("interval", "text"),
    [(timedelta(hours=4), "4 h"), (timedelta(minutes=90), "1 h 30 min")]
    + [(timedelta(minutes=30), "30 min"), (timedelta(hours=1, seconds=59), "1 h")],
)
def test_the_interval_refusal_names_the_interval(interval: timedelta, text: str) -> None:
    order = PrnLimits(5000, interval, 3, 30000)
    result = PrnCheck(False, at(14), "interval", 1, 5000)
    assert refusal(order, result, LONDON, at(12)) == (
        f"not yet: at least {text} between doses of this order; next allowed at 14:00"
    )


def test_the_count_refusal_names_the_maximum() -> None:
    result = PrnCheck(False, at(33), "doses", 3, 15000)
    assert refusal(limits(max_doses=3), result, LONDON, at(12)) == (
        "24-h maximum of 3 doses reached; next allowed at 09:00 tomorrow"
    )
    assert refusal(limits(max_doses=1), result, LONDON, at(12)) == (
        "24-h maximum of 1 dose reached; next allowed at 09:00 tomorrow"
    )


def test_the_amount_refusal_names_the_maximum_and_what_was_given() -> None:
    result = PrnCheck(False, at(20), "amount", 2, 7500)
    assert refusal(limits(max_mg=10), result, LONDON, at(12)) == (
        "24-h maximum of 10 mg reached (7.5 mg given); next allowed at 20:00"
    )


def test_the_later_refusal_asks_to_check_the_time() -> None:
    result = PrnCheck(False, at(9), "later", 0, 0)
    assert refusal(limits(), result, LONDON, at(12)) == (
        "a later dose of this order is charted, and this one would break its interval or "
        "24-h maximum; check the time"
    )


def test_availability_says_what_was_given_and_when_the_next_dose_may_be() -> None:
    order = limits(max_doses=4, max_mg=20)
    now = PrnCheck(True, at(12), None, 1, 2500)
    assert availability(order, now, LONDON, at(12)) == (
        "1 of 4 doses, 2.5 of 20 mg in 24 h; may be given now"
    )
    later = PrnCheck(False, at(15, 30), "interval", 2, 10000)
    assert availability(order, later, LONDON, at(12)) == (
        "2 of 4 doses, 10 of 20 mg in 24 h; next allowed at 15:30"
    )


AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+13 in March: its date is a day ahead at 23:30 UTC


def test_today_is_the_wards_day_not_the_servers() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 12:30 on the 11th in Auckland
    assert local_time(late, AUCKLAND, late) == "12:30"
    assert local_time(late + timedelta(hours=12), AUCKLAND, late) == "00:30 tomorrow"


def test_refusals_and_availability_tell_ward_time() -> None:
    late = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    result = PrnCheck(False, late + timedelta(hours=2), "interval", 1, 5000)
    assert refusal(limits(), result, AUCKLAND, late).endswith("next allowed at 14:30")
    assert availability(limits(), result, AUCKLAND, late).endswith("next allowed at 14:30")


def test_a_dose_charted_at_the_very_time_checked_counts_as_given() -> None:
    assert check(limits(interval_h=4), given(9), at(9)) == PrnCheck(
        False, at(13), "interval", 1, 5000
    )


def test_prn_use_keeps_its_numbers() -> None:
    found = judge_prn_use(doses=4, diazepam_eq_mg=12.5, max_doses=3, max_de_mg=20)
    assert found is not None and (found.doses, found.diazepam_eq_mg) == (4, 12.5)


def test_the_prn_review_defaults_are_the_documented_local_policy() -> None:
    # docs/clinical-sources.md, ward policy "PRN use": 3 PRN doses, or 20 mg
    # diazepam-equivalent, in 24 h raise a flag by default (local policy: no source sets a
    # number), and a withdrawal score is due within 60 min of a PRN dose (local policy after
    # [S10]). The ward's own defaults (models.tables.Ward) repeat these numbers.
    assert (PRN_FLAG_DOSES_24H, PRN_FLAG_DE_MG_24H, PRN_REASSESS_MIN) == (3, 20, 60)
