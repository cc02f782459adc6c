"""The clinical domain's texts (models.clinical) as a French reader sees them: the vitals form's
range errors, the CIWA-B item checks, RASS and POSS, a dose's refusal, an unknown drug, a label
maximum, a PRN dose's refusal, the sedation signs of the MAR's prompt and the CIWA-Ar bands'
source. Each in French with its values the French way, and in English exactly as the domain
has always written it (the CLI, the scan and the logs read that English)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
import pytest

from dashboard.components.charting_ciwa_ar import ciwa_ar_form
from dashboard.components.charting_mar import check_prompt
from dashboard.components.charting_vitals import preview
from dashboard.refusals import field_message
from models.clinical import prn
from models.clinical.drugs import (
    equivalence_table,
    equivalent_ug,
    get_drug,
    label_maximum_text,
    mg_to_ug,
)
from models.clinical.recipes import parse_recipe
from models.clinical.scales import CIWA_AR_BANDS_SOURCE, score_ciwa_b
from models.clinical.sedation import (
    SedationReading,
    SedationThresholds,
    sedation_concern,
    validate_poss,
    validate_rass,
)
from models.clinical.sedation import (
    check_prompt as domain_check_prompt,
)
from models.clinical.vitals import validate_vitals
from models.errors import FieldError, Phrase, ValidationFailed, shown
from models.i18n import translator

NB = "\u00a0"  # French: before ; : ? ! and %, and between a number and its unit
FRENCH = {"Accept-Language": "fr-FR"}
TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 7, 13, 0, tzinfo=UTC)
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
    """``~`` marks a no-break space (the test reads better without escapes)."""
    return text.replace("~", NB)


def _failed(**changed: object) -> dict[str, FieldError]:
    with pytest.raises(ValidationFailed) as caught:
        validate_vitals(**{**VITALS, **changed})  # type: ignore[arg-type]
    return {e.field: e for e in caught.value.errors}


def _raised(call: Callable[[], object]) -> FieldError:
    with pytest.raises(FieldError) as caught:
        call()
    return caught.value


def _both(app: dash.Dash, error: FieldError, english: str) -> str:
    """The English reader's message is the domain's English, unchanged; the French one's is
    returned."""
    assert error.message == english
    assert field_message(error) == english
    with app.server.test_request_context("/", headers=FRENCH):
        return field_message(error)


# --- vitals ---------------------------------------------------------------------------------


def test_a_vitals_range_error_in_french_carries_its_values_the_french_way(
    app: dash.Dash,
) -> None:
    error = _failed(temperature_c=50.5)["temperature_c"]
    english = (
        "temperature 50.5 °C is outside the plausible range 25-45 °C (local limit); "
        "check the reading"
    )
    assert _both(app, error, english) == fr(
        "température 50,5~°C hors de la plage plausible, de 25 à 45~°C (limite locale)~; "
        "vérifiez la mesure"
    )


def test_the_vitals_forms_other_checks_in_french(app: dash.Dash) -> None:
    found = _failed(
        heart_rate=1.5,
        resp_rate="abc",
        spo2=None,
        temperature_c="x",
        systolic=70,
        consciousness="X",
        supplemental_o2="y",
        spo2_scale=3,
    )
    expected = {
        "heart_rate": (
            "the heart rate is charted as a whole number, got 1.5",
            "la fréquence cardiaque se note en nombre entier~; saisi~: 1,5",
        ),
        "resp_rate": (
            "'abc' is not a whole number; enter the respiratory rate in /min",
            "'abc' n'est pas un nombre entier~; saisissez la fréquence respiratoire en /min",
        ),
        "spo2": (
            "enter the SpO2 as a whole number (%)",
            "saisissez la SpO2 en nombre entier (%)",
        ),
        "temperature_c": (
            "'x' is not a number; enter the temperature in °C",
            "'x' n'est pas un nombre~; saisissez la température en °C",
        ),
        "supplemental_o2": (
            "answer yes or no: is the patient on oxygen?",
            "répondez oui ou non~: le patient est-il sous oxygène~?",
        ),
        "consciousness": (
            "'X' is not an ACVPU level; use A, C, V, P or U",
            "'X' n'est pas un niveau ACVPU~; utilisez A, C, V, P ou U",
        ),
        "spo2_scale": ("the SpO2 scale is 1 or 2", "l'échelle SpO2 est 1 ou 2"),
    }
    for field, (english, french) in expected.items():
        assert _both(app, found[field], english) == fr(french), field
    systolic = _failed(systolic=70)["systolic"]
    assert _both(
        app, systolic, "systolic 70 mmHg must be above diastolic 80 mmHg; check the reading"
    ) == fr(
        "la systolique (70~mmHg) doit être supérieure à la diastolique (80~mmHg)~; "
        "vérifiez la mesure"
    )


def test_the_vitals_forms_live_errors_are_in_the_readers_language(app: dash.Dash) -> None:
    values = {**VITALS, "heart_rate": "300", "temperature_c": "37,5"}
    with app.server.test_request_context("/", headers=FRENCH):
        french = preview(values, 1, "fr")
    assert french.errors == {
        "heart_rate": fr(
            "fréquence cardiaque 300~/min hors de la plage plausible, de 20 à 250~/min "
            "(limite locale)~; vérifiez la mesure"
        )
    }
    english = preview({**values, "temperature_c": "37.5"}, 1, "en")
    assert english.errors == {
        "heart_rate": "heart rate 300 /min is outside the plausible range 20-250 /min "
        "(local limit); check the reading"
    }


def test_a_typed_number_is_quoted_back_with_every_decimal() -> None:
    error = _failed(temperature_c=24.9999)["temperature_c"]
    assert "24,9999" in str(field_message_in(error, "fr"))
    assert error.message.startswith("temperature 24.9999 °C is outside")


def field_message_in(error: FieldError, code: str) -> object:
    t = translator(code)
    assert error.template is not None
    return t.gettext(error.template, **{k: shown(v, t) for k, v in error.values.items()})


# --- CIWA-B, RASS, POSS ---------------------------------------------------------------------


def test_the_ciwa_b_item_checks_in_french(app: dash.Dash) -> None:
    with pytest.raises(ValidationFailed) as caught:
        score_ciwa_b({**dict.fromkeys(range(2, 19), 1), 19: "a", 20: 5, 21: 1})
    found = {e.field: e for e in caught.value.errors}
    assert _both(
        app,
        found["item_1"],
        "item 1 (Do you feel irritable?) is missing; score it a whole number from 0 to 4",
    ) == fr("item 1 (Do you feel irritable?) non coté~; cotez-le par un nombre entier de 0 à 4")
    assert _both(
        app,
        found["item_20"],
        "item 20 (Sweating (feel palms)) must be a whole number from 0 to 4, got 5",
    ) == fr("item 20 (Sweating (feel palms))~: un nombre entier de 0 à 4 est attendu, saisi~: 5")
    assert _both(
        app,
        found["item_19"],
        "item 19 (Tremor (arms extended, fingers spread apart)) must be a whole number from 0 "
        "to 4, got 'a'",
    ).endswith(fr("est attendu, saisi~: 'a'"))
    assert _both(app, found["item_21"], "CIWA-B has no item 21; items are 1-20") == fr(
        "CIWA-B n'a pas d'item 21~; les items vont de 1 à 20"
    )


@pytest.mark.parametrize(
    ("call", "english", "french"),
    [
        (lambda: validate_rass(True), "choose a RASS level from -5 to +4",
         "choisissez un niveau RASS de -5 à +4"),
        (lambda: validate_rass("x"), "'x' is not a RASS level; choose -5 to +4",
         "'x' n'est pas un niveau RASS~; choisissez de -5 à +4"),
        (lambda: validate_rass("-7"), "RASS runs from -5 to +4; got -7",
         "le RASS va de -5 à +4~; saisi~: -7"),
        (lambda: validate_poss(1.5), "choose a POSS level: S, 1, 2, 3 or 4",
         "choisissez un niveau POSS~: S, 1, 2, 3 ou 4"),
        (lambda: validate_poss("7"), "'7' is not a POSS level; choose S, 1, 2, 3 or 4",
         "'7' n'est pas un niveau POSS~; choisissez S, 1, 2, 3 ou 4"),
    ],
)  # fmt: skip
def test_rass_and_poss_refusals_in_french(
    app: dash.Dash, call: Callable[[], object], english: str, french: str
) -> None:
    assert _both(app, _raised(call), english) == fr(french)


# --- drugs and doses ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "english", "french"),
    [
        (lambda: get_drug("xanax"),
         "unknown drug 'xanax'; known: alprazolam, clonazepam, diazepam, lorazepam",
         "médicament inconnu 'xanax'~; connus~: alprazolam, clonazepam, diazepam, lorazepam"),
        (lambda: equivalence_table("x"), "unknown equivalence table 'x'; known: ashton, vadod",
         "table d'équivalence inconnue 'x'~; connues~: ashton, vadod"),
        (lambda: equivalent_ug("zz", 1, "diazepam"), "'zz' is not in the ashton equivalence table",
         "'zz' n'est pas dans la table d'équivalence ashton"),
        (lambda: mg_to_ug(None), "is not a dose in mg; write e.g. 0.5",  # type: ignore[arg-type]
         "ce n'est pas une dose en mg~; saisissez par ex. 0,5"),
        (lambda: mg_to_ug("x" * 30), "this is not a dose in mg (too long); write e.g. 0.5",
         "ceci n'est pas une dose en mg (trop long)~; saisissez par ex. 0,5"),
        (lambda: mg_to_ug("abc"), "'abc' is not a dose in mg; write e.g. 0.5",
         "'abc' n'est pas une dose en mg ; saisissez par ex. 0,5"),
        (lambda: mg_to_ug("1e3"), "'1e3' is not a dose in mg; write a plain number, e.g. 0.5",
         "'1e3' n'est pas une dose en mg~; saisissez un nombre simple, par ex. 0,5"),
        (lambda: mg_to_ug("20000"), "more than 10,000 mg is not a dose; check the number",
         "plus de 10\u202f000~mg n'est pas une dose~; vérifiez le nombre"),
        (lambda: mg_to_ug("1.0005"),
         "1.0005 mg is not a whole number of micrograms; use at most 3 decimals",
         "1,0005~mg ne fait pas un nombre entier de microgrammes~; utilisez au plus 3 décimales"),
    ],
)  # fmt: skip
def test_a_drugs_and_a_doses_refusals_in_french(
    app: dash.Dash, call: Callable[[], object], english: str, french: str
) -> None:
    assert _both(app, _raised(call), english) == fr(french)


def test_a_doses_refusal_inside_a_recipe_refusal_is_french_too(app: dash.Dash) -> None:
    error = _raised(lambda: parse_recipe("-1.0005mg/7d"))
    french = _both(
        app,
        error,
        "1.0005 mg is not a whole number of micrograms; use at most 3 decimals (in '-1.0005mg/7d')",
    )
    assert french.startswith(fr("1,0005~mg ne fait pas un nombre entier de microgrammes"))
    assert french.endswith("'-1.0005mg/7d')") and "(in " not in french


def test_a_label_maximum_in_french() -> None:
    text = label_maximum_text("clonazepam")
    assert text == "20 mg/day (seizure disorders; panic disorder 4 mg/day [S61])"
    assert shown(text, translator("en")) == text
    assert shown(text, translator("fr")) == fr(
        "20~mg/jour (épilepsie~; trouble panique 4~mg/jour [S61])"
    )
    assert shown(label_maximum_text("lorazepam"), translator("fr")) == fr(
        "10~mg/jour (habituellement 2 à 6~mg/jour, fourchette de 1 à 10 [S63])"
    )


# --- PRN ------------------------------------------------------------------------------------

LIMITS = prn.PrnLimits(dose_ug=1000, min_interval=timedelta(hours=4), max_doses=3, max_ug=2500)


@pytest.mark.parametrize(
    ("limits", "given", "english", "french"),
    [
        (LIMITS, [(1, 1000)],
         "not yet: at least 4 h between doses of this order; next allowed at 17:00",
         "pas encore~: au moins 4 h entre deux doses de cette prescription~; "
         "prochaine possible à 17:00"),
        (LIMITS, [(20, 500), (10, 500), (2.5, 500)],
         "24-h maximum of 3 doses reached; next allowed at 18:00",
         "maximum de 3 doses sur 24~h atteint~; prochaine possible à 18:00"),
        (LIMITS, [(20, 1000), (6, 1000)],
         "24-h maximum of 2.5 mg reached (2 mg given); next allowed at 18:00",
         "maximum de 2,5~mg sur 24~h atteint (2~mg donnés)~; prochaine possible à 18:00"),
        (prn.PrnLimits(1000, timedelta(hours=1), 1, 2500), [(23, 1000)],
         "24-h maximum of 1 dose reached; next allowed at 15:00",
         "maximum de 1 dose sur 24~h atteint~; prochaine possible à 15:00"),
        (LIMITS, [(-1, 1000)],
         "a later dose of this order is charted, and this one would break its interval or "
         "24-h maximum; check the time",
         "une dose plus tardive de cette prescription est tracée, et celle-ci ne respecterait "
         "pas son intervalle ou son maximum sur 24~h~; vérifiez l'heure"),
    ],
)  # fmt: skip
def test_a_prn_doses_refusal_in_french(
    app: dash.Dash,
    limits: prn.PrnLimits,
    given: list[tuple[float, int]],
    english: str,
    french: str,
) -> None:
    doses = [prn.PrnGiven(NOW - timedelta(hours=h), ug) for h, ug in given]
    refusal = prn.refusal(limits, prn.check(limits, doses, NOW), TZ, NOW)
    assert refusal == english
    assert _both(app, FieldError("at", refusal), english) == fr(french)


def test_a_prn_refusal_the_day_before_says_yesterday_in_french() -> None:
    result = prn.PrnCheck(False, NOW - timedelta(hours=15), "interval", 1, 1000)
    refusal = prn.refusal(LIMITS, result, TZ, NOW)
    assert refusal.endswith("next allowed at yesterday 23:00")
    assert str(shown(refusal, translator("fr"))).endswith("prochaine possible à hier 23:00")


# --- sedation -------------------------------------------------------------------------------

SEDATED = SedationReading(rass=-3, poss="3", resp_rate=7, spo2=88, consciousness="V")


def test_the_sedation_signs_are_phrases_whose_english_is_the_domains() -> None:
    concern = sedation_concern(SEDATED, SedationThresholds())
    assert concern.text == "RASS -3 moderate sedation, POSS 3, ACVPU V, RR 7/min, SpO2 88%"
    signs = (*concern.signs, *concern.breathing)
    assert all(isinstance(sign, Phrase) for sign in signs)
    t = translator("fr")
    assert [shown(sign, t) for sign in signs] == [
        "RASS -3 sédation modérée",
        "POSS 3",
        "ACVPU V",
        "FR 7/min",
        fr("SpO2 88~%"),
    ]


def test_the_mars_sedation_prompt_says_the_signs_in_french(app: dash.Dash) -> None:
    concern = sedation_concern(SEDATED, SedationThresholds())
    assert check_prompt(concern, "13:05") == domain_check_prompt(concern, "13:05")
    with app.server.test_request_context("/", headers=FRENCH):
        french = check_prompt(concern, "13:05")
    assert "RASS -3 sédation modérée, POSS 3, ACVPU V, FR 7/min, " + fr("SpO2 88~%") in french
    assert "moderate sedation" not in french and "RR 7" not in french


# --- CIWA-Ar bands --------------------------------------------------------------------------


def _texts(component: Any) -> list[str]:
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    if not isinstance(children, list | tuple):
        children = [children]
    return [text for child in children for text in _texts(child)]


def test_the_ciwa_ar_bands_source_is_french_on_the_french_form(app: dash.Dash) -> None:
    french_source = fr(
        "recommandation ASAM 2020 sur le sevrage alcoolique~: <~10 léger, 10 à 18 modéré, "
        "≥~19 sévère [S9]"
    )
    with app.server.test_request_context("/", headers=FRENCH):
        french = _texts(ciwa_ar_form(NOW, TZ))
    assert french_source in french
    with app.server.test_request_context("/", headers={"Accept-Language": "en"}):
        english = _texts(ciwa_ar_form(NOW, TZ))
    assert CIWA_AR_BANDS_SOURCE in english
    assert CIWA_AR_BANDS_SOURCE == (
        "ASAM 2020 alcohol withdrawal guideline: <10 mild, 10-18 moderate, >=19 severe [S9]"
    )
