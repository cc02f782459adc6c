"""The patient page's words in French: the sentences the dashboard writes in the reader's
language in place of the domain's English ones say the same in English, French forms take a
decimal comma, the domain's fixed refusals are translated where they are shown, and the
chart gets plotly's locale from Babel's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import dash
import pytest
from sqlalchemy.engine import Engine

from dashboard.components.charting_common import mg, mg_number, number_input_locale, typed_number
from dashboard.components.charting_mar import check_prompt
from dashboard.components.patient_overview import GRAPH_CONFIG, graph_config
from dashboard.components.prn_reads import availability
from dashboard.refusals import Refusal, attempt
from models.clinical import prn
from models.clinical.sedation import SedationConcern
from models.clinical.sedation import check_prompt as domain_check_prompt
from models.errors import FieldError, ValidationFailed
from models.i18n.formats import plotly_locale

TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "concern",
    [
        SedationConcern(("RASS -3 (moderate sedation)",), ()),
        SedationConcern(("POSS 3",), ("RR 7/min",)),
    ],
)
def test_the_sedation_prompt_says_in_english_what_the_domain_says(
    concern: SedationConcern,
) -> None:
    assert check_prompt(concern, "13:05") == domain_check_prompt(concern, "13:05")


def _limits() -> prn.PrnLimits:
    return prn.PrnLimits(dose_ug=1000, min_interval=timedelta(hours=4), max_doses=3, max_ug=2500)


@pytest.mark.parametrize(
    "given",
    [
        [],
        [prn.PrnGiven(NOW - timedelta(hours=1), 1000)],
        [prn.PrnGiven(NOW - timedelta(hours=23, minutes=30), 1500),
         prn.PrnGiven(NOW - timedelta(hours=2), 1000)],
    ],
)  # fmt: skip
def test_a_prn_orders_availability_says_in_english_what_the_domain_says(
    given: list[prn.PrnGiven],
) -> None:
    result = prn.check(_limits(), given, NOW)
    assert availability(_limits(), result, TZ, NOW) == prn.availability(_limits(), result, TZ, NOW)


def test_a_prn_orders_availability_in_french(app: dash.Dash) -> None:
    result = prn.check(_limits(), [prn.PrnGiven(NOW - timedelta(hours=1), 1500)], NOW)
    with app.server.test_request_context("/", headers={"Accept-Language": "fr"}):
        text = availability(_limits(), result, TZ, NOW)
    assert text == "1 prise sur 3, 1,5 mg sur 2,5 en 24 h ; prochaine possible à 17:00"
    two = prn.check(_limits(), [prn.PrnGiven(NOW - timedelta(hours=h), 1000) for h in (1, 6)], NOW)
    with app.server.test_request_context("/", headers={"Accept-Language": "fr"}):
        text = availability(_limits(), two, TZ, NOW)
    assert text.startswith("2 prises sur 3, 2 mg sur 2,5 en 24 h ; ")


def test_doses_read_as_the_app_always_wrote_them_in_english_and_with_a_comma_in_french() -> None:
    assert mg(1500, "en") == "1.5 mg" and mg(2000, "en") == "2 mg" and mg(125, "en") == "0.125 mg"
    assert mg(1500, "fr") == "1,5\u00a0mg" and mg(0, "fr") == "0\u00a0mg"
    assert mg_number(2500, "en") == "2.5" and mg_number(2500, "fr") == "2,5"


def test_a_typed_dose_takes_a_decimal_comma_in_french_only() -> None:
    assert typed_number("1,5", "fr", field="dose_mg") == "1.5"
    assert typed_number(" 0.25 ", "fr", field="dose_mg") == "0.25"
    assert typed_number("", "fr", field="dose_mg") == ""
    assert typed_number(None, "fr", field="dose_mg") is None
    assert typed_number("1,5", "en", field="dose_mg") == "1,5"  # the domain refuses it
    with pytest.raises(FieldError) as refused:
        typed_number("1,5,0", "fr", field="dose_mg")
    assert refused.value.field == "dose_mg" and "1,5" in refused.value.message
    assert number_input_locale("en") == {}
    assert number_input_locale("fr") == {
        "decimalSeparator": ",",
        "allowedDecimalSeparators": [".", ","],
    }


def test_a_domain_refusal_is_shown_in_the_readers_language_when_the_catalog_knows_it(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    def refuse(_session: object) -> None:
        raise ValidationFailed(
            [
                FieldError("reason_text", "say why the dose was not given"),
                FieldError("at", "time has no timezone"),
                FieldError("note", "a sentence no catalog has"),
                FieldError("daily_mg", "'abc' is not a dose in mg; write e.g. 0.5"),
                FieldError("sex", "choose one of female, male, other, unknown"),
                FieldError("taken_at", "time is more than 24 hours ago; ask the nurse in charge"),
            ]
        )

    with app.server.test_request_context("/", headers={"Accept-Language": "fr"}):
        french = attempt(sqlite_engine, refuse, write=False)
    with app.server.test_request_context("/", headers={"Accept-Language": "en"}):
        english = attempt(sqlite_engine, refuse, write=False)
    assert isinstance(french, Refusal) and isinstance(english, Refusal)
    assert french.fields["reason_text"] == "Indiquez pourquoi la dose n'a pas été administrée."
    assert french.fields["at"] == "L'heure n'a pas de fuseau horaire."
    # A sentence the catalog does not know: still the domain's English.
    assert french.fields["note"] == "A sentence no catalog has."
    # With a value, read back into its fields (models.clinical's words are not marked).
    assert french.fields["daily_mg"] == "'abc' n'est pas une dose en mg ; saisissez par ex. 0,5."
    assert french.fields["sex"] == "Choisissez parmi femme, homme, autre, inconnu."
    assert french.fields["taken_at"] == (
        "L'heure remonte à plus de 24 heures ; demandez à l'infirmier responsable."
    )
    assert english.fields["daily_mg"] == "'abc' is not a dose in mg; write e.g. 0.5."
    assert english.fields["sex"] == "Choose one of female, male, other, unknown."
    assert english.fields["taken_at"] == (
        "Time is more than 24 hours ago; ask the nurse in charge."
    )
    assert french.message.startswith("Non enregistré. Indiquez pourquoi")
    assert english.fields["reason_text"] == "Say why the dose was not given."
    assert english.message.startswith("Not saved. Say why the dose was not given.")


def test_the_chart_gets_plotlys_locale_from_babel_outside_english() -> None:
    assert graph_config("en") == GRAPH_CONFIG
    config = graph_config("fr")
    assert config["locale"] == "fr"
    found = config["locales"]["fr"]["format"]
    assert found["shortDays"][:2] == ["dim.", "lun."]  # plotly counts from Sunday
    assert found["shortMonths"][11] == "déc."
    assert found["decimal"] == ","
    assert plotly_locale("en") is None
