"""The clinical rules' texts carry what another language needs: a refusal's template and values,
a phrase's (models.errors.Phrase), so a French reader reads them in French with the values the
French way, while their English stays the rules' own (the other tests read that English). The
dashboard shows them through dashboard.refusals (tests/dashboard/test_clinical_texts_french.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from models.clinical import prn
from models.clinical.drugs import label_maximum_text, mg_to_ug
from models.clinical.recipes import parse_recipe
from models.clinical.scales import CIWA_AR_BANDS_SOURCE, score_ciwa_b
from models.clinical.sedation import SedationReading, SedationThresholds, sedation_concern
from models.clinical.vitals import validate_vitals
from models.errors import FieldError, Phrase, ValidationFailed, shown
from models.i18n import translator

NB = "\u00a0"
FR = translator("fr")
EN = translator("en")
VITALS: dict[str, object] = {
    "heart_rate": 80,
    "systolic": 120,
    "diastolic": 80,
    "temperature_c": 37,
    "resp_rate": 16,
    "spo2": 97,
    "supplemental_o2": False,
    "consciousness": "A",
}


def fr(text: str) -> str:
    return text.replace("~", NB)


def said(error: FieldError, t: object = FR) -> str:
    """The refusal from its template and values, as a page says it."""
    assert error.template is not None, error.message
    assert isinstance(t, type(FR))
    return t.gettext(error.template, **{k: shown(v, t) for k, v in error.values.items()})


def vitals_errors(**changed: object) -> dict[str, FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        validate_vitals(**{**VITALS, **changed})  # type: ignore[arg-type]
    return {e.field: e for e in caught.value.errors}


def refused(call: Callable[[], object]) -> FieldError:
    with pytest.raises(FieldError) as caught:
        call()
    return caught.value


def test_a_range_error_says_the_reading_and_the_range_the_french_way() -> None:
    error = vitals_errors(temperature_c=24.9999)["temperature_c"]
    assert said(error, EN) == error.message
    assert said(error) == fr(
        "température 24,9999~°C hors de la plage plausible, de 25 à 45~°C (limite locale)~; "
        "vérifiez la mesure"
    )


def test_a_reading_is_quoted_back_with_every_decimal_in_french() -> None:
    found = vitals_errors(heart_rate=80.0005, systolic=70)
    assert said(found["heart_rate"]).endswith("saisi" + NB + ": 80,0005")
    assert said(found["systolic"]).startswith(fr("la systolique (70~mmHg)"))


def test_a_reading_is_quoted_as_it_was_typed_in_english() -> None:
    found = vitals_errors(heart_rate="80.50", temperature_c="50.50", systolic="70.0")
    assert found["heart_rate"].message == "the heart rate is charted as a whole number, got 80.50"
    assert found["temperature_c"].message == (
        "temperature 50.50 °C is outside the plausible range 25-45 °C (local limit); "
        "check the reading"
    )
    assert found["systolic"].message == (
        "systolic 70.0 mmHg must be above diastolic 80 mmHg; check the reading"
    )
    found = vitals_errors(heart_rate="abc", temperature_c="abc")
    assert found["heart_rate"].message == (
        "'abc' is not a whole number; enter the heart rate in /min"
    )
    assert found["temperature_c"].message == "'abc' is not a number; enter the temperature in °C"
    assert said(found["heart_rate"]) == fr(
        "'abc' n'est pas un nombre entier~; saisissez la fréquence cardiaque en /min"
    )
    assert said(found["temperature_c"]) == fr(
        "'abc' n'est pas un nombre~; saisissez la température en °C"
    )


def test_each_vital_signs_label_is_translated() -> None:
    labels = {
        "heart_rate": "fréquence cardiaque",
        "systolic": "PA systolique",
        "diastolic": "PA diastolique",
        "temperature_c": "température",
        "resp_rate": "fréquence respiratoire",
        "spo2": "SpO2",
    }
    for field, label in labels.items():
        error = vitals_errors(**{field: 999})[field]
        assert said(error).startswith(label + " 999"), field


def test_a_ciwa_b_items_check_in_french_keeps_the_items_wording() -> None:
    with pytest.raises(ValidationFailed) as caught:
        score_ciwa_b({**dict.fromkeys(range(2, 20), 1), 20: 5})
    found = {e.field: e for e in caught.value.errors}
    assert said(found["item_1"]) == fr(
        "item 1 (Do you feel irritable?) non coté~; cotez-le par un nombre entier de 0 à 4"
    )
    assert said(found["item_20"]).endswith(fr("saisi~: 5"))


def test_a_doses_refusal_quotes_the_typed_dose_with_every_decimal() -> None:
    error = refused(lambda: mg_to_ug("1.0005"))
    assert said(error) == fr(
        "1,0005~mg ne fait pas un nombre entier de microgrammes~; utilisez au plus 3 décimales"
    )
    inside = refused(lambda: parse_recipe("-0.5mg/7d until 1.0005mg"))
    assert isinstance(inside.values["error"], Phrase)
    assert said(inside).startswith(fr("1,0005~mg ne fait pas"))
    assert said(inside).endswith("'-0.5mg/7d until 1.0005mg')")


def test_a_doses_refusal_quotes_the_dose_as_typed_in_english() -> None:
    error = refused(lambda: mg_to_ug("0.00050"))
    assert error.message == (
        "0.00050 mg is not a whole number of micrograms; use at most 3 decimals"
    )
    assert said(error).startswith(fr("0,0005~mg"))
    assert "'" + "9" * 30 + "'" not in refused(lambda: mg_to_ug(10**30)).message


def test_a_label_maximum_is_a_phrase_in_french() -> None:
    text = label_maximum_text("alprazolam")
    assert isinstance(text, Phrase) and shown(text, EN) == text
    assert shown(text, FR) == fr(
        "10~mg/jour (trouble panique, libération immédiate~; anxiété 4~mg/jour [S62])"
    )


def test_a_prn_refusal_is_a_phrase_with_its_time_the_readers_way() -> None:
    now = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
    limits = prn.PrnLimits(1000, timedelta(hours=4), 3, 2500)
    result = prn.PrnCheck(False, now - timedelta(hours=15), "amount", 2, 2000)
    refusal = prn.refusal(limits, result, ZoneInfo("Europe/Paris"), now)
    assert isinstance(refusal, Phrase) and shown(refusal, EN) == refusal
    assert shown(refusal, FR) == fr(
        "maximum de 2,5~mg sur 24~h atteint (2~mg donnés)~; prochaine possible à hier 23:00"
    )
    assert FieldError("at", refusal).template == refusal.template


def test_the_sedation_signs_in_french() -> None:
    reading = SedationReading(rass=-4, poss="4", resp_rate=8, spo2=90, consciousness="P")
    concern = sedation_concern(reading, SedationThresholds())
    signs = [shown(sign, FR) for sign in (*concern.signs, *concern.breathing)]
    assert signs == ["RASS -4 sédation profonde", "POSS 4", "ACVPU P", "FR 8/min", fr("SpO2 90~%")]
    assert [shown(sign, EN) for sign in (*concern.signs, *concern.breathing)] == [
        "RASS -4 deep sedation",
        "POSS 4",
        "ACVPU P",
        "RR 8/min",
        "SpO2 90%",
    ]


def test_the_ciwa_ar_bands_source_is_marked() -> None:
    assert FR.gettext(CIWA_AR_BANDS_SOURCE).startswith("recommandation ASAM 2020")
    assert FR.gettext(CIWA_AR_BANDS_SOURCE).endswith("[S9]")


def test_a_phrase_is_its_english_and_keeps_its_template_through_a_copy() -> None:
    import pickle

    phrase = Phrase("RR {rate}/min", {"rate": 7})
    assert phrase == "RR 7/min" and shown(phrase, FR) == "FR 7/min"
    copied = pickle.loads(pickle.dumps(phrase))
    assert copied == phrase and copied.template == phrase.template and copied.values == {"rate": 7}
    fixed = Phrase("choose a RASS level from -5 to +4")
    assert fixed == fixed.template and shown(fixed, FR) == "choisissez un niveau RASS de -5 à +4"
    error = FieldError("rass", fixed)
    assert error.template is None and error.message == fixed  # a fixed sentence, as before
    assert FieldError("rr", phrase).values == {"rate": 7}
    assert shown(FieldError("rass", "choose a RASS level from -5 to +4").phrase, FR) == (
        "choisissez un niveau RASS de -5 à +4"
    )
