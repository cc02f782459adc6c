"""The Sources page's names and values of what uses each source, in the reader's language
(English: as models.source_uses gives them, word for word).

A review rule's label and a ward setting's label, unit and group are marked where they are
defined (models.flags, models.ward_policy, admin_policy.POLICY_GROUPS). A clinical number's
name and value are built by its module from its own constants (``CLINICAL_NUMBERS``), which
``models.clinical`` does not mark: they are marked here, as the modules write them, and a test
fails when a module's name or value is not in ``CLINICAL_NUMBER_WORDS`` (mark the new words
here and translate them)."""

from __future__ import annotations

import re
from functools import cache

from dashboard.components.admin_policy import POLICY_GROUPS
from dashboard.i18n import N_, _, language
from models.i18n import DEFAULT_LANGUAGE, format_number
from models.source_uses import REVIEW_RULE, WARD_POLICY, SourceUse
from models.tables import Ward
from models.ward_policy import POLICY_FIELDS, PolicyField

CLINICAL_NUMBER_WORDS: tuple[str, ...] = (
    # models.charting
    N_("A dose held, refused or not given needs a reason"),
    N_("one of the ward's reasons for held, refused, not given; 'other' needs a comment"),
    N_("How far back an observation may be charted"),
    N_("24 h"),
    # models.clinical.dose_limits
    N_("Hard ceiling (default)"),
    N_("300 mg diazepam-equivalent a day"),
    # models.clinical.dose_timing
    N_("On-time window for a taper dose (default)"),
    N_("±60 min"),
    N_("Time-critical dose window (default)"),
    N_("±30 min"),
    N_("Once-daily dose window (default)"),
    N_("±120 min"),
    N_("Time-critical by frequency"),
    N_("due more than 6 times a day (more often than every 4 h)"),
    N_("Missed dose"),
    N_("no administration charted once the dose's window has passed"),
    # models.clinical.drugs
    N_("Smallest dispensable dose"),
    N_("clonazepam 0.125 mg, alprazolam 0.125 mg, lorazepam 0.25 mg, diazepam 1 mg"),
    N_("Label maximum daily dose (adult, oral)"),
    N_("clonazepam 20 mg; alprazolam 10 mg; lorazepam 10 mg; diazepam 40 mg"),
    N_("Long- or short-acting, by half-life"),
    N_(
        "clonazepam 18-50 h (long); alprazolam 6-20 h (short); lorazepam 10-20 h (short); "
        "diazepam 20-100 h (metabolite 36-200 h) (long)"
    ),
    N_("Largest tablet strength"),
    N_("clonazepam 2 mg, alprazolam 2 mg, lorazepam 2 mg, diazepam 10 mg"),
    N_("Diazepam equivalents, Ashton column"),
    N_(
        "diazepam 10 mg ≈ alprazolam 0.5, chlordiazepoxide 25, clonazepam 0.5, lorazepam 1, "
        "oxazepam 20, temazepam 20, triazolam 0.5, clorazepate 15"
    ),
    N_("Diazepam equivalents, VA/DoD column"),
    N_(
        "diazepam 10 mg ≈ alprazolam 1, chlordiazepoxide 25, clonazepam 1, lorazepam 2, oxazepam "
        "30, temazepam 15, triazolam 0.25, clorazepate 15"
    ),
    N_("ATC codes"),
    N_("clonazepam N03AE01, alprazolam N05BA12, lorazepam N05BA06, diazepam N05BA01"),
    N_("RxNorm ingredient codes"),
    N_("clonazepam 2598, alprazolam 596, lorazepam 6470, diazepam 3322"),
    # models.clinical.levels
    N_("Review flag severities"),
    N_("low, moderate, high, emergency"),
    # models.clinical.news2
    N_("NEWS2 respiratory rate bands (/min)"),
    N_("≤8: 3; 9-11: 1; 12-20: 0; 21-24: 2; ≥25: 3"),
    N_("NEWS2 SpO2 scale 1 bands (%)"),
    N_("≤91: 3; 92-93: 2; 94-95: 1; ≥96: 0"),
    N_("NEWS2 SpO2 scale 2 bands (%), on air"),
    N_("≤83: 3; 84-85: 2; 86-87: 1; ≥88: 0"),
    N_("NEWS2 SpO2 scale 2 bands (%), on oxygen"),
    N_("≤83: 3; 84-85: 2; 86-87: 1; 88-92: 0; 93-94: 1; 95-96: 2; ≥97: 3"),
    N_("NEWS2 supplemental oxygen"),
    N_("NEWS2 systolic BP bands (mmHg)"),
    N_("≤90: 3; 91-100: 2; 101-110: 1; 111-219: 0; ≥220: 3"),
    N_("NEWS2 pulse bands (/min)"),
    N_("≤40: 3; 41-50: 1; 51-90: 0; 91-110: 1; 111-130: 2; ≥131: 3"),
    N_("NEWS2 consciousness (ACVPU)"),
    N_("A: 0; C, V, P or U: 3"),
    N_("NEWS2 temperature bands (°C)"),
    N_("≤35.0: 3; 35.1-36.0: 1; 36.1-38.0: 0; 38.1-39.0: 1; ≥39.1: 2"),
    N_("NEWS2 urgent review"),
    N_("total 5 or more, or a single parameter scoring 3"),
    N_("NEWS2 emergency response"),
    N_("total 7 or more"),
    N_("Observations once NEWS2 calls for urgent review"),
    N_("at least every 60 min"),
    # models.clinical.observations
    N_("CIWA-B reassessment: the shorter interval applies from"),
    N_("the moderate band"),
    N_("Vital signs while NEWS2 is urgent"),
    N_("at least hourly, or the ward's interval if shorter"),
    # models.clinical.prn
    N_("Withdrawal score after a PRN dose (default)"),
    N_("within 60 min"),
    # models.clinical.recipes
    N_("Founding-article presets against the ASAM pace"),
    N_(
        "(a) -0.5mg/14d until 1mg; -0.25mg/7d: faster than the pace; (b) -25%/7d once; -10%/7d: "
        "faster than the pace; (c) -0.25mg/7d: faster than the pace; (d) -10%/14d: within the "
        "pace"
    ),
    N_("Longest interval in a recipe"),
    N_("366 days"),
    # models.clinical.scales
    N_("CIWA-B items"),
    N_("20 items, each scored 0-4"),
    N_("CIWA-B item wording and raters"),
    N_("items 1-17 rated by the patient ('not at all' to 'very much so'), 18-20 by the nurse"),
    N_("CIWA-B sleep items' own anchors"),
    N_(
        "item 12: 0 'very restful' … 4 'not at all restful'; item 14: 0 'yes, enough' … 4 'not "
        "at all enough'"
    ),
    N_("CIWA-B total"),
    N_("CIWA-B bands"),
    N_("0 no signs; 1-20 mild; 21-40 moderate; 41-60 severe; 61-80 very severe"),
    N_("CIWA-Ar items"),
    N_("10 observer-rated items: 9 scored 0-7, orientation and clouding of sensorium 0-4"),
    N_("CIWA-Ar total"),
    N_("CIWA-Ar bands"),
    N_("0-9 mild; 10-18 moderate; 19-67 severe"),
    # models.clinical.sedation
    N_("RASS levels"),
    N_(
        "+4 Combative; +3 Very agitated; +2 Agitated; +1 Restless; 0 Alert and calm; -1 Drowsy; "
        "-2 Light sedation; -3 Moderate sedation; -4 Deep sedation; -5 Unarousable"
    ),
    N_("POSS levels"),
    N_(
        "S Sleep, easy to arouse; 1 Awake and alert; 2 Slightly drowsy, easily aroused; 3 "
        "Frequently drowsy, arousable, drifts off to sleep during conversation; 4 Somnolent, "
        "minimal or no response to verbal or physical stimulation"
    ),
    N_("Respiratory depression with sedation"),
    N_("RR ≤8/min, or SpO2 below the 0-scoring band of the patient's NEWS2 scale"),
    N_("Opioid with a benzodiazepine"),
    N_(
        "Opioids with benzodiazepines can cause profound sedation, respiratory depression, coma "
        "and death (FDA boxed warning)"
    ),
    N_("Naloxone with an opioid"),
    N_(
        "Offer naloxone to a patient prescribed an opioid and a benzodiazepine; recorded before "
        "discharge as naloxone supplied, naloxone offered, naloxone offered, declined"
    ),
    N_("Dose may be too high"),
    N_(
        "2 or more doses held for sedation in 24 h, or sedation beyond the ward's threshold in 2 "
        "readings in a row"
    ),
    # models.clinical.tablets
    N_("Tablet strengths (defaults)"),
    N_(
        "clonazepam 0.5 mg (scored), 1 mg (not scored), 2 mg (not scored); alprazolam 0.25 mg "
        "(not scored), 0.5 mg (not scored), 1 mg (not scored), 2 mg (not scored); lorazepam 0.5 "
        "mg (not scored), 1 mg (not scored), 2 mg (not scored); diazepam 2 mg (not scored), 5 mg "
        "(not scored), 10 mg (not scored)"
    ),
    N_("Tablet choice search limit"),
    N_("4000 of the smallest tablet piece per dose"),
    # models.clinical.taper
    N_("Pace check (a warning, not a refusal)"),
    N_("a step below 3/4 of the dose in force 14 days before it (more than 25% per 2 weeks)"),
    N_("Crossover stages (default)"),
    N_("4 stages, one every 7 days"),
    N_("Abrupt stop refused"),
    N_(
        "a first change to 0 from more than 2 dispensable units, unless a physician chooses to "
        "stop now"
    ),
    N_("Rise warned before saving (default)"),
    N_("more than 10 % in diazepam-equivalent"),
    N_("Substitution from a long-acting to a short-acting drug"),
    N_("warned before saving"),
    N_("Dose times (default)"),
    # models.clinical.tolerance
    N_("Step tolerance: days compared before and after a step (default)"),
    N_("7 days"),
    N_("Step not tolerated (defaults)"),
    N_("CIWA-B mean up 5 points with 2 scores each side, or 2 more PRN doses"),
    # models.clinical.vitals
    N_("Plausible values when charting vital signs"),
    N_(
        "heart rate 20-250 /min; systolic BP 40-300 mmHg; diastolic BP 20-200 mmHg; temperature "
        "25-45 °C; respiratory rate 3-80 /min; SpO2 50-100 %"
    ),
    # models.clinical.withdrawal
    N_("Severe withdrawal flag, CIWA-B (default)"),
    N_("latest score 41 or more (severe band)"),
    N_("Severe withdrawal flag, CIWA-Ar (default)"),
    N_("latest score 19 or more (severe)"),
    # models.co_medications
    N_("Naloxone before discharge with an opioid on board"),
    N_("discharge asks for the record (supplied, offered or declined)"),
    # models.fhir_codes
    N_("LOINC type of the discharge summary"),
    N_("LOINC codes of vital signs"),
    N_(
        "panel 85353-1, blood pressure panel 85354-9, heart rate 8867-4, respiratory rate "
        "9279-1, body temperature 8310-5, systolic blood pressure 8480-6, diastolic blood "
        "pressure 8462-4, oxygen saturation in arterial blood 2708-6"
    ),
    N_("Pulse oximetry"),
    N_("2708-6 with 59408-5 beside it, in %"),
    N_("UCUM units of vital signs"),
    N_(
        "heart rate /min, respiratory rate /min, body temperature Cel, systolic blood pressure "
        "mm[Hg], diastolic blood pressure mm[Hg], oxygen saturation in arterial blood %"
    ),
    N_("Sedation scores in FHIR"),
    N_(
        "Observations with local codes urn:taperwatch:fhir:observation|rass and |poss (no LOINC "
        "code found); the level as a code of its scale"
    ),
    N_("ACVPU levels"),
    N_("A alert, C new confusion, V responds to voice, P responds to pain, U unresponsive"),
    N_("A charted dose in FHIR"),
    N_(
        "given: MedicationAdministration completed; held, refused or not given: not-done with a "
        "statusReason"
    ),
    N_("Reasons a dose was not given, in FHIR's code system"),
    N_("off ward as b (Away); every reason also in the ward's own code system"),
    N_("Flag severities"),
    N_("Drug codes in exports"),
    N_("RxNorm and ATC, from the drug list"),
    # models.wristband
    N_("Wristband label"),
    N_(
        "LAST name, first name, date of birth as DD-Mmm-YYYY, and the MRN as text and as a Code "
        "128 barcode"
    ),
    N_("Why a wristband scan may be overridden"),
    N_(
        "Band unreadable (damaged, smudged, will not scan), No band on the patient (a new one is "
        "being printed), Scanner not working, Other (say why); each override audited and listed "
        "for review"
    ),
)


# What each clinical number rests on (its ``note``: ClinicalNumber in its module), shown on the
# Sources page; marked here as the modules write them (a test fails when a module's note is
# not here).
CLINICAL_NUMBER_NOTES: tuple[str, ...] = (
    # models.charting
    N_("Local policy: a late entry after a busy shift, not a rewrite of yesterday."),
    # models.clinical.dose_limits
    N_("Local policy, configurable per ward: Busto 1989's high-dose group took 40-500 mg a day."),
    # models.clinical.dose_timing
    N_(
        "Local policy, configurable per ward: ISMP's window for non-time-critical doses given "
        "more than daily; no source classes benzodiazepine taper doses as time-critical, and "
        "since CMS dropped its universal 30-minute rule each hospital sets its own."
    ),
    # models.clinical.drugs
    N_(
        "Local policy: the smallest step the ward dispenses; clonazepam 0.125 mg exists as an "
        "orally disintegrating tablet."
    ),
    N_(
        "The highest adult figure each label gives, its indication named where shown; detox "
        "patients can need more, so above it a physician confirms with a reason."
    ),
    N_("A ward's dispensable unit is never above it (US labels; check the formulary)."),
    N_(
        "The source gives diazepam's; the others agree across public code mappings but were not"
        " checked on RxNav."
    ),
    # models.clinical.levels
    N_(
        "FHIR DetectedIssue's low, moderate and high, and emergency for NEWS2's emergency response."
    ),
    # models.clinical.news2
    N_("Only for a prescribed target of 88-92 %, set by a physician per patient."),
    # models.clinical.observations
    N_(
        "Local policy modelled on the alcohol order set (every 4 h when mild, 1-2 h when "
        "raised); the intervals are the ward's settings."
    ),
    # models.clinical.prn
    N_("Local policy modelled on the alcohol order set, which reassesses after each treatment."),
    # models.clinical.recipes
    N_("Local policy: a sanity limit on typing, so a step lasts at most a year."),
    # models.clinical.scales
    N_(
        "Higher always means more withdrawal: the positively worded sleep items are rated on "
        "their own anchors."
    ),
    # models.clinical.sedation
    N_("Charted when an opioid is on board; 3 and 4 are unacceptable."),
    N_("NEWS2's own bands; opioids with benzodiazepines can cause respiratory depression."),
    N_(
        "Local policy: no source sets the counts; doses are held for sedation [S71][S72] and "
        "POSS 3 calls for a smaller sedating dose [S68]."
    ),
    # models.clinical.tablets
    N_(
        "US labels; a ward sets the tablets its pharmacy supplies. Only clonazepam 0.5 mg is "
        "scored by default; the other drugs' scoring is not in the sources."
    ),
    N_("Local policy: a sanity limit far above any label maximum."),
    # models.clinical.taper
    N_(
        "Local policy, configurable per plan: modelled on a forum summary of crossing over in "
        "at least 4 weekly steps, and on reviewing 5-7 days after a switch."
    ),
    N_("Local policy (the number of units): seizures and delirium mostly follow abrupt cessation."),
    N_("Local policy, configurable per ward: no source sets a margin."),
    N_("Local policy, configurable per ward and per plan: twice a day, ward-local time."),
    # models.clinical.tolerance
    N_(
        "Local policy: ASAM says to slow or pause when withdrawal after a cut is significant; "
        "no source gives a number."
    ),
    # models.clinical.vitals
    N_(
        "Local policy: catches typing and device errors, not clinical abnormality (NEWS2 marks "
        "what is abnormal)."
    ),
    # models.clinical.withdrawal
    N_("Local policy: the band is the source's; flagging at it is the ward's choice."),
    # models.co_medications
    N_("Local policy that discharge waits for the record; the advice itself is ASAM's."),
    # models.fhir_codes
    N_("FHIR DetectedIssue's three, and emergency for a NEWS2 emergency response."),
    # models.wristband
    N_("Local policy: the identifiers are still checked by eye against the chart."),
)


def needs_words(text: str) -> bool:
    """A name or value a language writes its own way: it has a letter, a decimal point or a
    colon or semicolon the language may space (not "08:00, 20:00" or "18842-5")."""
    return bool(re.search(r"[^\W\d_]|\d\.\d|[:;] ", text))


@cache
def _policy_by_name() -> dict[str, tuple[str, PolicyField]]:
    """A ward setting's name as models.source_uses writes it -> its group title and field."""
    group_of = {name: title for title, names in POLICY_GROUPS for name in names}
    found: dict[str, tuple[str, PolicyField]] = {}
    for field in POLICY_FIELDS:
        group = group_of.get(field.name, "")
        found[f"{group}: {field.label}" if group else field.label] = (group, field)
    return found


def _number(value: int, code: str) -> str:
    return format_number(value, code)


def _policy_words(use: SourceUse, code: str) -> tuple[str, str]:
    found = _policy_by_name().get(use.name)
    if found is None:
        return use.name, use.value
    group, field = found
    # TRANSLATORS: a ward setting on the Sources page: its group on the admin page, then its
    # label ("Dose timing: On-time window (±)").
    name = (
        _("{group}: {setting}", group=_(group), setting=_(field.label)) if group else _(field.label)
    )
    default = Ward.model_fields[field.name].default
    if field.choices is not None:
        value = _("by default: {choice}", choice=_(field.choices[int(default)]))
    else:
        value = _(
            "{default} {unit} by default, {low} to {high} allowed",
            default=_number(int(default), code),
            unit=_(field.unit) if field.unit else "",
            low=_number(field.low, code),
            high=_number(field.high, code),
        )
    return name, value


def use_words(use: SourceUse) -> tuple[str, str]:
    """A use's name and value in the reader's language; in English as models.source_uses
    writes them. Words not marked (a module's new number) stay as written."""
    code = language()
    if code == DEFAULT_LANGUAGE:
        return use.name, use.value
    if use.kind == WARD_POLICY:
        return _policy_words(use, code)
    name = _(use.name)
    if use.kind == REVIEW_RULE or not needs_words(use.value):
        return name, use.value
    return name, _(use.value)


def basis_words(basis: str) -> str:
    """What a use rests on, in the reader's language: a review rule's and a ward setting's
    sources are marked where they are defined, a clinical number's note in
    ``CLINICAL_NUMBER_NOTES``."""
    return _(basis) if basis else basis
