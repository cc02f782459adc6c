"""The date picker's language: the dayjs locales served from dashboard/assets (never
downloaded) name the months and weekdays as Babel's CLDR data does, for every language but
English (dayjs's own), and the picker's week starts where the language's does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from dashboard.components.plan_change_form import calendar_settings
from models.i18n import DEFAULT_LANGUAGE, LANGUAGES
from models.i18n.languages import babel_locale

ASSET = Path(__file__).parents[2] / "dashboard" / "assets" / "dayjs_locales.js"
FROM_SUNDAY = (6, 0, 1, 2, 3, 4, 5)  # dayjs counts weekdays from Sunday, CLDR from Monday
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]


def _served(code: str) -> dict[str, object]:
    """The locale object the asset defines for ``code``, its lists and numbers read as JSON."""
    text = ASSET.read_text(encoding="utf-8")
    body = re.search(rf"window\.dayjs_locale_{code} = \{{(.*?)\n\}};", text, re.S)
    assert body, f"no dayjs locale for {code} in {ASSET.name}"
    found: dict[str, object] = {}
    for key, value in re.findall(r"(\w+): (\[.*?\]|\d+|\"[^\"]*\")", body.group(1), re.S):
        found.setdefault(key, json.loads(value))
    return found


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_the_served_names_are_cldrs(code: str) -> None:
    locale = babel_locale(code)
    days, months = locale.days["format"], locale.months["format"]
    served = _served(code)
    assert served["name"] == code
    assert served["weekdays"] == [days["wide"][d] for d in FROM_SUNDAY]
    assert served["weekdaysShort"] == [days["abbreviated"][d] for d in FROM_SUNDAY]
    assert served["weekdaysMin"] == [days["short"][d] for d in FROM_SUNDAY]
    assert served["months"] == [months["wide"][m] for m in range(1, 13)]
    assert served["monthsShort"] == [months["abbreviated"][m] for m in range(1, 13)]
    assert served["weekStart"] == (locale.first_week_day + 1) % 7
    assert served["yearStart"] == locale.min_week_days


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_picker_speaks_the_language_and_starts_the_week_on_monday(code: str) -> None:
    assert calendar_settings(code) == {"locale": code, "firstDayOfWeek": 1}
