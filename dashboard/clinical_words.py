"""The clinical labels the bedside pages show, marked for translation.

The clinical definitions (models.clinical) keep their English words; a page shows them with
``_(word)``. The words are marked again here so that ``make messages`` finds them;
tests/dashboard/test_i18n_helper.py checks they are the clinical modules' words exactly, so a
changed definition fails a test rather than showing in English unnoticed.
"""

from __future__ import annotations

from dashboard.i18n import _, request_translator
from models.clinical.recipe_words import recipe_said
from models.clinical.recipes import parse_recipe
from models.i18n import N_

# CIWA-B bands (models.clinical.scales.Band.label).
BAND_WORDS: tuple[str, ...] = (
    N_("No signs"),
    N_("Mild"),
    N_("Moderate"),
    N_("Severe"),
    N_("Very severe"),
)
# The theme's five levels (dashboard.theme.LEVELS labels).
LEVEL_WORDS: tuple[str, ...] = (
    N_("normal"),
    N_("low"),
    N_("medium"),
    N_("high"),
    N_("very high"),
)
# RASS and POSS levels' terms (models.clinical.sedation.RASS_LEVELS, POSS_LEVELS).
RASS_TERMS: tuple[str, ...] = (
    N_("Combative"),
    N_("Very agitated"),
    N_("Agitated"),
    N_("Restless"),
    N_("Alert and calm"),
    N_("Drowsy"),
    N_("Light sedation"),
    N_("Moderate sedation"),
    N_("Deep sedation"),
    N_("Unarousable"),
)
POSS_TERMS: tuple[str, ...] = (
    N_("Sleep, easy to arouse"),
    N_("Awake and alert"),
    N_("Slightly drowsy, easily aroused"),
    N_("Frequently drowsy, arousable, drifts off to sleep during conversation"),
    N_("Somnolent, minimal or no response to verbal or physical stimulation"),
)
# NEWS2 clinical responses (models.clinical.news2.RESPONSE_TEXT), RCP 2017 chart 4.
NEWS2_RESPONSES: tuple[str, ...] = (
    N_("Observations at least every 12 hours; continue routine monitoring."),
    N_(
        "Observations at least every 4-6 hours; a registered nurse assesses the patient and "
        "decides whether to increase monitoring or escalate."
    ),
    N_(
        "Observations at least hourly; inform the medical team caring for the patient "
        "(urgent ward-based review)."
    ),
    N_(
        "Observations at least hourly; urgent review by a clinician competent in assessing "
        "acutely ill patients."
    ),
    N_(
        "Continuous monitoring of vital signs; emergency response by a team with "
        "critical-care skills; consider transfer to HDU/ICU."
    ),
)


# The drugs' names (models.clinical.drugs DRUGS and the equivalence tables' keys), stored as
# the English INN in lower case; a page shows the reader's language's name (French DCI:
# clonazépam). Lower case, as in the middle of a sentence.
DRUG_NAMES: dict[str, str] = {
    "alprazolam": N_("alprazolam"),
    "chlordiazepoxide": N_("chlordiazepoxide"),
    "clonazepam": N_("clonazepam"),
    "clorazepate": N_("clorazepate"),
    "diazepam": N_("diazepam"),
    "lorazepam": N_("lorazepam"),
    "oxazepam": N_("oxazepam"),
    "temazepam": N_("temazepam"),
    "triazolam": N_("triazolam"),
}


def drug_name(name: str) -> str:
    """A drug's name in the reader's language ("clonazépam" in French) from its stored key;
    a name that is not a known drug's key (free text, a co-medication) shows as stored.
    Stored values, form values, exports and the CLI keep the key."""
    label = DRUG_NAMES.get(name)
    return _(label) if label is not None else name


# The equivalence tables' names as the plan form offers them (models.clinical.drugs
# EQUIVALENCE_TABLES keys): proper names, the same in every language.
TABLE_NAMES: dict[str, str] = {"ashton": "Ashton", "vadod": "VA/DoD"}


def table_name(key: str) -> str:
    """An equivalence table's name ("Ashton"); a key no longer in the table list shows as stored."""
    return TABLE_NAMES.get(key, key)


def recipe_words(recipe: str) -> str:
    """A stored taper recipe read in the reader's language ("−0,5 mg tous les 14 jours jusqu'à
    1 mg, puis …"); the stored syntax is language-neutral (docs/recipes.md). A recipe that no
    longer parses (stored under older rules) shows as stored rather than failing the page."""
    try:
        parsed = parse_recipe(recipe)
    except ValueError:
        return recipe
    return recipe_said(parsed, request_translator())
