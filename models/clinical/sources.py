"""The clinical sources Taperwatch cites, as data: every ``[Sn]`` tag in the code, the UI and the
docs is an id in ``SOURCES``. Each entry is written in our own words: who published it, what it
is, the part we use, where to read it, and the one thing we take from it. Sources that are
unverified or of low authority say so (``caution``), and the Sources page shows it.

``ClinicalNumber`` is how a module declares the numbers and codes it takes from these sources:
each clinical module exports ``CLINICAL_NUMBERS``, a tuple of them, built from its own
constants, and a test fails when a module cites a source its tuple does not list. The Sources
page and ``docs/clinical-sources.md`` (``taperwatch sources --markdown``) list, for each
source, what uses it.

What we take from a source, its caution's note and what its link is are our own words, marked
``N_`` so a page shows them in the reader's language; the references stay as published.

Over ~700 lines, one subject: almost all of it is ``SOURCES``, the catalogue itself, one entry
per source in the order of its id. The code around it (the tag pattern, the entry and
declaration types, the look-ups) is short and reads nothing else; splitting the catalogue would
put a source's id and its entry in different files for no gain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from models.i18n.catalogs import N_

# A citation in text: "[S35]". Ids are "S" and a number; several tags sit side by side.
SOURCE_TAG = re.compile(r"\[(S\d+)\]")


class Caution(StrEnum):
    UNVERIFIED = "unverified"
    LOW_AUTHORITY = "low authority"


@dataclass(frozen=True)
class Source:
    id: str  # "S35"
    author: str  # the authors, or the body that published it
    title: str
    year: int | None  # None where the page gives none
    where: str  # the section, table, chart or page we use
    url: str | None  # None where no public address is known
    takeaway: str  # what Taperwatch takes from it, in one line
    link_note: str = ""  # what the link is when it is not the publisher's own page
    caution: Caution | None = None
    caution_note: str = ""  # why, when there is a caution

    def __post_init__(self) -> None:
        if not re.fullmatch(r"S\d+", self.id):
            raise ValueError(f"{self.id!r} is not a source id like S35")
        if (self.caution is None) != (not self.caution_note):
            raise ValueError(f"{self.id}: a caution and its note go together")

    @property
    def citation(self) -> str:
        """Author. Title. Year. Where."""
        parts = [self.author, self.title]
        if self.year is not None:
            parts.append(str(self.year))
        if self.where:
            parts.append(self.where)
        return ". ".join(p.rstrip(".") for p in parts) + "."


@dataclass(frozen=True)
class ClinicalNumber:
    """A number or code a module takes from the sources, or sets as local policy."""

    name: str  # in the ward's words: "NEWS2 respiratory rate bands"
    value_text: str  # the value as used, built from the module's constants
    sources: tuple[str, ...]  # source ids; empty for a local policy
    note: str = ""  # for a local policy: that it is one, and what it is modelled on

    def __post_init__(self) -> None:
        unknown = [s for s in self.sources if s not in SOURCES]
        if unknown:
            raise ValueError(f"{self.name}: unknown source ids {unknown}")
        if not self.sources and not self.note.startswith("Local policy"):
            raise ValueError(f"{self.name}: no source, so the note must say 'Local policy...'")

    @property
    def local_policy(self) -> bool:
        return not self.sources or self.note.startswith("Local policy")


def cited_ids(text: str) -> tuple[str, ...]:
    """The source ids tagged in ``text``, in order of first appearance, each once."""
    return tuple(dict.fromkeys(SOURCE_TAG.findall(text)))


def split_citations(text: str) -> list[str]:
    """``text`` cut at its tags: even positions are plain text, odd positions source ids
    ("a [S1] b" -> ["a ", "S1", " b"])."""
    return SOURCE_TAG.split(text)


def with_references(text: str) -> str:
    """``text`` followed by the full reference of each source it cites, for text that leaves
    Taperwatch (a FHIR export), where a tag alone could not be looked up."""
    references = []
    for source_id in cited_ids(text):
        source = SOURCES[source_id]
        caution = f" ({source.caution.value})" if source.caution else ""
        address = f" {source.url}" if source.url else ""
        references.append(f"[{source_id}] {source.citation}{caution}{address}")
    return f"{text} References: {'; '.join(references)}." if references else text


_ASAM_TAPER = (
    "American Society of Addiction Medicine (ASAM) and co-authoring societies",
    "Joint Clinical Practice Guideline on Benzodiazepine Tapering",
)
_ASAM_PATIENT = (
    "American Society of Addiction Medicine (ASAM)",
    "Benzodiazepine Tapering: a patient guide to the joint guideline",
)
_ASAM_ALCOHOL = (
    "American Society of Addiction Medicine (ASAM)",
    "Clinical Practice Guideline on Alcohol Withdrawal Management",
)
_NEWS2 = (
    "Royal College of Physicians",
    "National Early Warning Score (NEWS) 2: standardising the assessment of acute-illness "
    "severity in the NHS",
)
_GUIDELINE_CENTRAL = N_("the guideline as published on Guideline Central's e-guideline reader")
_SCRIBD_COPY = N_("a copy of the printed chart shared on Scribd, not the RCP's own site")
_BUSTO = (
    "Busto U, Sykora K, Sellers EM",
    "A clinical scale to assess benzodiazepine withdrawal. J Clin Psychopharmacol 9:412-416",
)
_DROR_NOTE = N_(
    "an answer site that generates summaries with AI; it cites no primary source we could "
    "check, so nothing rests on it alone"
)

SOURCES: dict[str, Source] = {
    s.id: s
    for s in (
        Source(
            "S1",
            *_BUSTO,
            1989,
            "Abstract (PubMed 2574193)",
            "https://pubmed.ncbi.nlm.nih.gov/2574193",
            N_(
                "CIWA-B: 104 candidate symptoms narrowed to the 22 that tell withdrawal apart, "
                "built into 20 items, each rated 0-4."
            ),
        ),
        Source(
            "S2",
            *_BUSTO,
            1989,
            "Abstract (publisher's page)",
            "https://journals.lww.com/psychopharmacology/Abstract/1989/12000/"
            "A_Clinical_Scale_to_Assess_Benzodiazepine.5.aspx",
            N_(
                "The same paper at its publisher: the 20 scored items use a 5-point (0-4) scale "
                "(the abstract's '22' counts symptoms, not items)."
            ),
        ),
        Source(
            "S3",
            "Carepatron",
            "CIWA-B scale: template and guide",
            None,
            "How the scale is scored",
            "https://www.carepatron.com/templates/ciwa-b-scale",
            N_("Each CIWA-B item is rated by the patient from 0 to 4."),
            link_note=N_("a clinical-forms vendor's guide"),
        ),
        Source(
            "S4",
            "A hospital's electronic health record form (InterSystems TrakCare)",
            "Benzodiazepine Withdrawal Scale, citing Busto et al. 1989 and Hulse et al.",
            None,
            "The form's items, raters, totals and bands",
            None,
            N_(
                "CIWA-B total 0-80 and its bands (0 no signs, 1-20 mild, 21-40 moderate, 41-60 "
                "severe, 61-80 very severe); the item wording; items 1-17 rated by the patient "
                "('not at all' to 'very much so'), 18-20 by the observer."
            ),
            caution=Caution.UNVERIFIED,
            caution_note=(
                N_(
                    "found as a form definition in public code; its public address could not be "
                    "identified, and its item wording was not checked against the original paper"
                )
            ),
        ),
        Source(
            "S6",
            "CamCOPS project, University of Cambridge",
            "CamCOPS documentation: CIWA-Ar task strings (ciwa.xml)",
            None,
            "The CIWA-Ar items and their maxima",
            "https://camcops.readthedocs.io/en/latest/autodoc/server/camcops_server/"
            "extra_strings/ciwa.xml.html",
            N_(
                "CIWA-Ar (Sullivan 1989): 10 items, nine scored 0-7 and orientation 0-4; maximum "
                "67."
            ),
        ),
        Source(
            "S7",
            "Wikipedia contributors",
            "Clinical Institute Withdrawal Assessment for Alcohol",
            None,
            "Scoring and interpretation",
            "https://en.wikipedia-on-ipfs.org/wiki/"
            "Clinical_Institute_Withdrawal_Assessment_for_Alcohol",
            N_(
                "CIWA-Ar maximum 67, and that services use different cut-offs (one: 10 or less, "
                "11-15, 16 or more)."
            ),
            link_note=N_("a mirror of the encyclopedia article on IPFS"),
        ),
        Source(
            "S9",
            *_ASAM_ALCOHOL,
            2020,
            "Severity assessment (page 2 of the e-guideline)",
            "https://eguideline.guidelinecentral.com/i/1254278/2",
            N_("CIWA-Ar bands: under 10 mild, 10-18 moderate, 19 or more severe."),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S10",
            "A US hospital's draft order set (Cerner PowerPlan)",
            "Adult alcohol withdrawal protocol",
            None,
            "Assessment frequency and when to call the prescriber",
            "https://studylib.net/doc/7817601/powerplan-draft-adult-alcohol-withdrawal-protocol",
            N_(
                "CIWA-Ar with vital signs at baseline and at each reassessment: every 4 h when "
                "under 8, every 2 h at 8-11; call the prescriber at 18 or more for two hours "
                "despite treatment. No benzodiazepine standard was found: this is what the ward's "
                "reassessment intervals are modelled on."
            ),
            link_note=N_("a copy of the draft shared on Studylib"),
        ),
        Source(
            "S11",
            *_ASAM_TAPER,
            2025,
            "Table 7, benzodiazepine dose equivalents (page 18 of the e-guideline)",
            "https://eguideline.guidelinecentral.com/i/1532950/18",
            N_(
                "Oral doses about equal to diazepam 10 mg, VA/DoD | Ashton columns: alprazolam "
                "1 | 0.5, clonazepam 1 | 0.5, lorazepam 2 | 1, oxazepam 30 | 20, temazepam "
                "15 | 20, chlordiazepoxide 25 | 25, triazolam 0.25 | 0.5, clorazepate 15 | 15."
            ),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S12",
            "NHS Scotland, Effective Prescribing and Therapeutics",
            "Benzodiazepines and z-drugs: quality prescribing, a guide for improvement "
            "(switching to diazepam)",
            2024,
            "Switching to diazepam: equivalent doses and half-lives",
            "https://rightdecisions.scot.nhs.uk/benzodiazepines-and-z-drugs-quality-prescribing-"
            "a-guide-for-improvement/reducing-stopping-and-switching/switching-to-diazepam",
            N_(
                "Half-lives in hours (active metabolite): diazepam 20-100 (36-200), clonazepam "
                "18-50, lorazepam 10-20: what makes a drug long- or short-acting when a "
                "substitution is warned."
            ),
        ),
        Source(
            "S13",
            "Benzodiazepine Information Coalition (benzoreform.org)",
            "Comparison of benzodiazepine pharmacology",
            None,
            "Half-life table",
            "https://benzoreform.org/comparison-of-benzodiazepine-pharmacology",
            N_("Alprazolam's half-life of about 6-20 h: a short-acting drug."),
            caution=Caution.LOW_AUTHORITY,
            caution_note=N_("an advocacy group's summary table, not a guideline"),
        ),
        Source(
            "S19",
            *_ASAM_TAPER,
            2025,
            "Withdrawal and its complications (page 9)",
            "https://eguideline.guidelinecentral.com/i/1532950/9",
            N_(
                "Seizures, delirium and psychosis mostly follow abrupt cessation of high doses: "
                "why a first step to zero is refused unless a physician chooses to stop."
            ),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S16",
            *_ASAM_TAPER,
            2025,
            "Recommendations on the pace of a taper and a step not tolerated (page 3)",
            "https://eguideline.guidelinecentral.com/i/1532950/3",
            N_(
                "Cut 5-10 % every 2-4 weeks, typically not more than 25 % in 2 weeks; check for "
                "withdrawal after every cut and slow or pause when it is significant."
            ),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S17",
            *_ASAM_TAPER,
            2025,
            "Tapering pace (page 7)",
            "https://eguideline.guidelinecentral.com/i/1532950/7",
            N_(
                "The same pace in detail: initial cuts of 5-10 % every 2-4 weeks and not more than "
                "25 % per 2 weeks; faster only after short use at a low dose."
            ),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S22",
            *_ASAM_PATIENT,
            2025,
            "After a dose reduction (page 10)",
            "https://eguideline.guidelinecentral.com/i/1539871-benzodiazepine-tapering-patient-guide/10",
            N_("Withdrawal symptoms may take up to a week to appear after a cut."),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S23",
            *_ASAM_PATIENT,
            2025,
            "Taking doses on schedule (page 13)",
            "https://eguideline.guidelinecentral.com/i/1539871-benzodiazepine-tapering-patient-guide/13",
            N_("Skipping doses makes withdrawal worse."),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S26",
            "Scottish Government",
            "Quality prescribing for benzodiazepines and z-drugs: a guide for improvement "
            "2024-2027",
            2024,
            "Switching and reducing (page 9)",
            "https://gov.scot/publications/quality-prescribing-benzodiazepines-z-drugs-guide-"
            "improvement-2024-2027/pages/9",
            N_("Review the patient 5-7 days after a switch to diazepam; then cut every 2-4 weeks."),
        ),
        Source(
            "S30",
            "BenzoBuddies (a patient peer-support forum)",
            "Is this where I ask for a substitution taper plan?",
            None,
            "A member's summary of a clonazepam-to-diazepam crossover",
            "https://benzobuddies.org/topic/11920-is-this-where-i-ask-for-a-substitution-"
            "taper-plan/",
            N_(
                "Clonazepam 1 mg is taken as about diazepam 20 mg and crossed over in at least 4 "
                "steps, about one a week: the model for the default crossover of 4 weekly stages."
            ),
            caution=Caution.LOW_AUTHORITY,
            caution_note=(
                N_(
                    "a forum post, not a guideline; Ashton's own crossover table could not be "
                    "retrieved to check it"
                )
            ),
        ),
        Source(
            "S33",
            "SA Health (Government of South Australia)",
            "Benzodiazepine withdrawal management (emergency departments)",
            None,
            "Risk of severe withdrawal",
            "https://emergencydepartments.sa.gov.au/wps/wcm/connect/public+content/"
            "sa+health+internet/clinical+resources/clinical+programs+and+practice+guidelines/"
            "substance+misuse+and+dependence/substance+withdrawal+management/"
            "benzodiazepine+withdrawal+management",
            N_(
                "Severe withdrawal follows an abrupt stop, short-acting drugs (alprazolam above "
                "all) and high doses; seizures, delirium and psychosis are the major events."
            ),
        ),
        Source(
            "S34",
            *_NEWS2,
            2017,
            "Chart 1: the NEWS scoring system",
            "https://scribd.com/document/584338409/NEWS2-Chart-1-The-NEWS-scoring-system-0-0",
            N_(
                "The score of each parameter band (respiration, SpO2 scale 1, supplemental oxygen, "
                "systolic BP, pulse, consciousness by ACVPU, temperature); total 0-20."
            ),
            link_note=_SCRIBD_COPY,
        ),
        Source(
            "S35",
            *_NEWS2,
            2017,
            "Chart 4: clinical response to NEWS trigger thresholds",
            "https://scribd.com/document/538260233/NEWS2-Chart-4-Clinical-Response-to-NEWS-"
            "Trigger-Thresholds-0",
            N_(
                "Total 0: observations at least 12-hourly; 1-4: at least 4-6-hourly and a nurse "
                "assesses; a single parameter scoring 3: at least hourly, inform the team; 5 or "
                "more: at least hourly, urgent review; 7 or more: continuous, emergency response."
            ),
            link_note=_SCRIBD_COPY,
        ),
        Source(
            "S36",
            "British Journal of Community Nursing",
            "A good idea badly implemented? Revised National Early Warning Score 2 in community "
            "settings",
            None,
            "The NEWS2 scoring table as reproduced in the article",
            "https://britishjournalofcommunitynursing.com/content/professional/a-good-idea-"
            "badly-implemented-revised-national-early-warning-score-2-in-community-settings",
            N_("A second copy of chart 1's bands, to check the scoring against."),
        ),
        Source(
            "S37",
            "Institute for Safe Medication Practices (ISMP)",
            "Acute care guidelines for timely administration of scheduled medications "
            "(a response to the CMS 30-minute rule)",
            2011,
            "The time windows",
            "https://ismp.org/resources/guidelines-timely-medication-administration-response-"
            "cms-30-minute-rule",
            N_(
                "Time-critical medicines within 30 minutes of the scheduled time; others given "
                "more than daily but not more often than every 4 h within 1 h; daily or less "
                "often within 2 h. Each hospital decides which medicines are time-critical."
            ),
        ),
        Source(
            "S38",
            "HCPro",
            "CMS posts changes to medication administration timing requirements",
            2011,
            "News item",
            "https://www.hcpro.com/ACC-273862-851/CMS-posts-changes-to-medication-"
            "administration-timing-requirements.html",
            N_(
                "CMS dropped its universal 'within 30 minutes' rule in November 2011; hospitals "
                "now set their own policy."
            ),
        ),
        Source(
            "S39",
            "Care and Compliance Group",
            "Medication delivery timeframes",
            2014,
            "Blog post for assisted-living services",
            "https://blog.careandcompliance.com/resident-care/medications/medication-delivery-"
            "timeframes_03-25-2014/",
            N_(
                "Restates the ISMP windows (30 minutes time-critical, 1 h for doses up to every "
                "4 h), and 25 % of the interval for doses less often than every 4 h."
            ),
        ),
        Source(
            "S41",
            "NHS hospital staff (the copy names no authors)",
            "An audit of missed doses (slides)",
            None,
            "Definition of a missed dose",
            "https://slideplayer.com./amp/14758859",
            N_(
                "A dose is missed when it has no administration record or was omitted without a "
                "valid reason; for critical medicines one refused dose counts as missed."
            ),
            link_note=N_("the slides as shared on SlidePlayer"),
        ),
        Source(
            "S42",
            "Newcastle upon Tyne Hospitals NHS Foundation Trust, IT training",
            "Electronic medicines administration (eMAR) training material",
            None,
            "Not given, with a reason",
            "https://training.nuth-itt.co.uk/?p=1852",
            N_(
                "An electronic MAR records 'not given' only with a reason (refused, other with a "
                "comment...)."
            ),
        ),
        Source(
            "S43",
            "HL7 International",
            "FHIR R4B value set: Vital Signs Result (observation-vitalsignresult)",
            None,
            "The LOINC codes of the vital-signs profile",
            "https://hl7.org/fhir/R4B/valueset-observation-vitalsignresult.html",
            N_(
                "LOINC: vital signs panel 85353-1, heart rate 8867-4, respiratory rate 9279-1, "
                "temperature 8310-5, blood pressure panel 85354-9 (systolic 8480-6, diastolic "
                "8462-4), oxygen saturation 2708-6."
            ),
        ),
        Source(
            "S44",
            "HL7 International",
            "FHIR R4 profile: Observation oxygen saturation (oxygensat)",
            None,
            "The profile and its units",
            "https://hl7.org/fhir/R4/oxygensat.html",
            N_(
                "SpO2 is LOINC 2708-6 in UCUM '%'; the vital-signs profiles use UCUM units "
                "(/min, mm[Hg], Cel, %)."
            ),
        ),
        Source(
            "S45",
            "HL7 International",
            "US Core STU7 profile: pulse oximetry",
            None,
            "Required codes",
            "https://hl7.org/fhir/us/core/STU7/StructureDefinition-us-core-pulse-oximetry-"
            "definitions.html",
            N_("A pulse oximetry reading carries LOINC 59408-5 beside 2708-6."),
        ),
        Source(
            "S46",
            "Virtually Healthcare",
            "HL7 FHIR implementation guide: vital signs QuestionnaireResponse example",
            None,
            "Units of each vital sign",
            "https://build.fhir.org/ig/Virtually-Healthcare/HL7-FHIR-Implementation-Guide/"
            "QuestionnaireResponse-questionnaireresponse-vital-signs.html",
            N_(
                "UCUM units as used in practice: /min (some guides write {beats}/min), mm[Hg], "
                "Cel, %."
            ),
        ),
        Source(
            "S47",
            "HL7 International",
            "FHIR R4 value set: MedicationAdministration status codes",
            None,
            "The codes",
            "https://hl7.org/fhir/R4/valueset-medication-admin-status.html",
            N_(
                "A MedicationAdministration is in-progress, not-done, on-hold, completed, "
                "entered-in-error, stopped or unknown."
            ),
        ),
        Source(
            "S48",
            "HL7 International",
            "FHIR code system: reason medication not given (reason-medication-not-given)",
            None,
            "The codes (September 2020 build)",
            "https://hl7.org/fhir/2020Sep/codesystem-reason-medication-not-given-codes.xml.html",
            N_(
                "A dose not given is 'not-done' with a statusReason; the example codes are a None, "
                "b Away, c Asleep, d Vomit."
            ),
        ),
        Source(
            "S51",
            "HL7 International",
            "FHIR R4 value set: DetectedIssue severity",
            None,
            "The codes",
            "https://hl7.org/fhir/r4/valueset-detectedissue-severity.html",
            N_("An issue's severity is high, moderate or low."),
        ),
        Source(
            "S52",
            "US Food and Drug Administration, openFDA",
            "Substance records (UNII) for clonazepam, diazepam, lorazepam and alprazolam",
            None,
            "The ATC codes in each record (UNII 5PE9FDE8GB, Q3JTX2Q7TU, O26FZP769L, YU55MQ3IZY)",
            "https://api.fda.gov/other/substance.json?search=unii%3A5PE9FDE8GB",
            N_(
                "ATC codes: clonazepam N03AE01, diazepam N05BA01, lorazepam N05BA06, alprazolam "
                "N05BA12."
            ),
            link_note=N_("the clonazepam record; the others are the same query with their UNII"),
        ),
        Source(
            "S53",
            "Clinical Pharmacogenetics Implementation Consortium (CPIC)",
            "cpic-schema: the drug table (drug.sql)",
            None,
            "RxNorm identifiers of drugs",
            "https://github.com/cpicpgx/cpic-schema",
            N_("RxNorm ingredient RXCUI of diazepam: 3322."),
        ),
        Source(
            "S56",
            "Dr. Oracle",
            "How often should the Clinical Institute Withdrawal Assessment (CIWA) be done?",
            None,
            "Article",
            "https://www.droracle.ai/articles/287366/how-often-should-the-clinical-institute-"
            "withdrawal-assessment-ciwa",
            N_("Reassess every 1-2 h while the score is 8 or more, every 4-8 h below 8."),
            caution=Caution.LOW_AUTHORITY,
            caution_note=_DROR_NOTE,
        ),
        Source(
            "S57",
            "University of Maryland Medical System, nursing",
            "Nursing newsletter, June 2012",
            2012,
            "Timely administration of medicines",
            "https://issuu.com./umms/docs/nursing-newsletter-june-2012",
            N_(
                "A hospital putting the ISMP windows into practice: time-critical 30 minutes, "
                "others 1 h, daily 2 h."
            ),
            link_note=N_("the newsletter as published on Issuu"),
        ),
        Source(
            "S58",
            "US Food and Drug Administration, openFDA",
            "NDC directory: product 0093-9290 (clonazepam orally disintegrating tablets)",
            None,
            "Strengths of the product",
            "https://api.fda.gov/drug/ndc.json?search=product_ndc%3A%220093-9290%22",
            N_(
                "Clonazepam is made as a 0.125 mg (and 0.25 mg) orally disintegrating tablet, so "
                "0.125 mg is a dispensable step."
            ),
        ),
        Source(
            "S85",
            "Regenstrief Institute, LOINC",
            "LOINC 18842-5: Discharge summary",
            None,
            "The document type code",
            "https://loinc.org/18842-5/",
            N_(
                "The LOINC code of a discharge summary document, the type of the summary's FHIR "
                "Composition."
            ),
        ),
        # --- S61-S72: label doses, tablet strengths and sedation (for work in progress) -------
        Source(
            "S61",
            "GeneSight (Myriad Genetics)",
            "Klonopin (clonazepam): medication information",
            None,
            "Dosage and tablets, from the prescribing information",
            "https://genesight.com/product/medications-klonopin-clonazepam",
            N_(
                "Clonazepam label maxima (20 mg/day for seizures, 4 mg/day for panic disorder) and "
                "tablets (0.5 mg scored; 1 and 2 mg; orally disintegrating 0.125-2 mg)."
            ),
            link_note=N_("a company's page quoting the US label"),
        ),
        Source(
            "S62",
            "Drugs.com (as mirrored)",
            "Alprazolam dosage guide: maximum dose and adjustments",
            None,
            "Dosage and strengths",
            "https://dublinauto.net/article/alprazolam-dosage-guide-max-dose-adjustments-drugs-com",
            N_(
                "Alprazolam label maxima (10 mg/day for panic disorder, immediate release; 4 "
                "mg/day for anxiety) and tablets (0.25, 0.5, 1, 2 mg)."
            ),
            link_note=N_("a copy of a drug-reference page on an unrelated site"),
        ),
        Source(
            "S63",
            "Dr. Oracle",
            "What is the maximum daily dose of lorazepam?",
            None,
            "Article",
            "https://www.droracle.ai/articles/771927/what-is-the-maximum-daily-dose-of-"
            "lorazepam-benzodiazepine",
            N_("Lorazepam label range 1-10 mg a day (usually 2-6)."),
            caution=Caution.LOW_AUTHORITY,
            caution_note=_DROR_NOTE,
        ),
        Source(
            "S64",
            "Roche (manufacturer)",
            "Valium (diazepam) prescribing information",
            None,
            "Dosage and administration",
            None,
            N_("Diazepam for anxiety: 2-10 mg two to four times a day (at most 40 mg a day)."),
            caution=Caution.UNVERIFIED,
            caution_note=N_("quoted without a checked copy of the current label (check DailyMed)"),
        ),
        Source(
            "S65",
            "Carepatron",
            "CIWA-B scale: template and guide",
            None,
            "Rating descriptions",
            "https://www.carepatron.com/templates/ciwa-b-scale",
            N_(
                "Published copies of the CIWA-B form give each item its own rating descriptions, "
                "which may vary per item."
            ),
            link_note=N_("a clinical-forms vendor's guide"),
        ),
        Source(
            "S66",
            "Sessler CN et al.",
            "The Richmond Agitation-Sedation Scale: validity and reliability in adult intensive "
            "care unit patients. Am J Respir Crit Care Med 166:1338-1344",
            2002,
            "The scale",
            None,
            N_(
                "RASS from +4 combative to -5 unarousable; -1 drowsy, -2 light sedation (wakes "
                "briefly to voice), -3 moderate sedation."
            ),
        ),
        Source(
            "S67",
            *_ASAM_ALCOHOL,
            2020,
            "Monitoring (page 32 of the e-guideline)",
            "https://eguideline.guidelinecentral.com/i/1254278/32",
            N_("RASS is among the scales for monitoring withdrawal."),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S68",
            "Registered Nurses' Association of Ontario (RNAO), long-term care toolkit",
            "Pasero Opioid-induced Sedation Scale (POSS)",
            2009,
            "The scale",
            "https://ltctoolkit.rnao.ca/node/1256",
            N_(
                "POSS levels S, 1-4: 3 (frequently drowsy, drifts off mid-conversation) and 4 "
                "(somnolent) are unacceptable."
            ),
        ),
        Source(
            "S69",
            "US Food and Drug Administration",
            "Drug safety communication: serious risks with opioids combined with "
            "benzodiazepines (boxed warning)",
            2016,
            "The warning",
            "https://www.fda.gov/Drugs/DrugSafety/ucm518473.htm",
            N_(
                "Opioids with benzodiazepines can cause profound sedation, respiratory depression, "
                "coma and death."
            ),
        ),
        Source(
            "S70",
            *_ASAM_TAPER,
            2025,
            "Recommendations 16-18 (page 10)",
            "https://eguideline.guidelinecentral.com/i/1532950-benzodiazepine-tapering/10",
            N_("Offer naloxone to patients prescribed both opioids and benzodiazepines."),
            link_note=_GUIDELINE_CENTRAL,
        ),
        Source(
            "S71",
            "SA Health (Government of South Australia)",
            "Benzodiazepine withdrawal management",
            None,
            "Monitoring and sedation",
            "https://www.sahealth.sa.gov.au/wps/wcm/connect/public+content/sa+health+internet/"
            "clinical+resources/clinical+programs+and+practice+guidelines/substance+misuse+and+"
            "dependence/substance+withdrawal+management/benzodiazepine+withdrawal+management",
            N_("A 0-3 sedation score is charted, and doses are held for sedation."),
        ),
        Source(
            "S72",
            "Kawasaki et al. (Johns Hopkins University)",
            "Safety and effectiveness of a fixed-dose phenobarbital protocol for inpatient "
            "benzodiazepine detoxification",
            None,
            "Results",
            "https://pure.johnshopkins.edu/en/publications/safety-and-effectiveness-of-a-fixed-"
            "dose-phenobarbital-protocol-f-4",
            N_("Of 310 inpatients, about a quarter had a dose held for sedation."),
            link_note=N_("the university's publication record"),
        ),
        Source(
            "S81",
            "The Joint Commission",
            "Two patient identifiers: understanding the requirements (National Patient Safety "
            "Goal NPSG.01.01.01)",
            None,
            "Standards FAQ: intent, identifiers, armbands",
            "https://jointcommission.org/standards/standard-faqs/home-care/"
            "national-patient-safety-goals-npsg/000001545",
            N_(
                "Identify the patient by at least two person-specific identifiers (name, an "
                "assigned number, date of birth) before care such as giving medicines; a room or "
                "bed number is not one; an armband carries the identifiers and stays on the "
                "patient."
            ),
        ),
        Source(
            "S82",
            "National Patient Safety Agency (NPSA), England and Wales",
            "Standardising wristbands improves patient safety: guidance on implementing the "
            "Safer Practice Notice (SPN 24, July 2007)",
            2009,
            "Patient identifiers; design of wristbands; barcoding",
            "https://id.scribd.com/document/262000696/Standardising-wristbands-eneral-guidance-"
            "2009",
            N_(
                "Bands are printed from the patient record, never handwritten: LAST name in upper "
                "case, then first name, date of birth as DD-Mmm-YYYY and the patient's number, and "
                "may carry a barcode for electronic matching of the patient with their care."
            ),
            link_note=N_("a copy of the NPSA's guidance shared on Scribd, not the NPSA's own site"),
        ),
    )
}
