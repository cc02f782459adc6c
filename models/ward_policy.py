"""A ward's local policy: the thresholds the review rules use, each with its source or marked
local policy, changed only by an admin, validated as a whole form and audited; and the ward's
default language for new accounts (docs/i18n.md).

Over ~400 lines because of POLICY_FIELDS: a table of every threshold with its bounds and
source, which must stay in one place; the code around it is short.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models.audit import Actor, snapshot, update_audited
from models.clinical.dose_timing import DoseWindows, dose_window_min
from models.clinical.sedation import SedationThresholds
from models.clinical.tolerance import StepPolicy
from models.errors import FieldError, ValidationFailed, Words
from models.i18n import DEFAULT_LANGUAGE, N_, check_language
from models.tables import Ward

LOCAL_POLICY = "Local policy"


@dataclass(frozen=True)
class PolicyField:
    name: str  # the Ward column
    label: str  # shown under its group's title on the admin page
    unit: str
    low: int
    high: int
    source: str  # [Sn] tags (models.clinical.sources), or LOCAL_POLICY and what it is modelled on
    # A yes/no setting (stored as a bool): the label of "no" (0) and of "yes" (1).
    choices: tuple[str, str] | None = None


POLICY_FIELDS: tuple[PolicyField, ...] = (
    PolicyField(
        "dose_window_min",
        N_("On-time window (±)"),
        N_("min"),
        5,
        240,
        N_(
            "Local policy: ISMP ±60 min for non-time-critical doses given more than daily "
            "[S37]; no source classes taper doses as time-critical"
        ),
    ),
    PolicyField(
        "time_critical_window_min",
        N_("Time-critical window (±)"),
        N_("min"),
        5,
        120,
        N_("ISMP ±30 min for time-critical medicines (due more often than every 4 h) [S37]"),
    ),
    PolicyField(
        "daily_dose_window_min",
        N_("Once-daily window (±)"),
        N_("min"),
        5,
        240,
        N_("ISMP ±2 h for non-time-critical medicines due once a day [S37]"),
    ),
    PolicyField(
        "doses_time_critical",
        N_("Class every taper dose as time-critical"),
        "",
        0,
        1,
        N_(
            "Local policy: no source classes benzodiazepine taper doses as time-critical; "
            "by default each dose's window follows how often it is due (ISMP) [S37]"
        ),
        choices=(N_("No: window by frequency"), N_("Yes: the time-critical window for all")),
    ),
    PolicyField(
        "reassess_interval_min",
        N_("Interval"),
        N_("min"),
        30,
        720,
        N_(
            "Local policy: no benzodiazepine standard; alcohol order set reassesses every 4 h "
            "when mild [S10]"
        ),
    ),
    PolicyField(
        "reassess_interval_moderate_min",
        N_("Interval while moderate or worse"),
        N_("min"),
        15,
        480,
        N_("Local policy: alcohol order set every 1-2 h when scores are raised [S10][S56]"),
    ),
    PolicyField(
        "vitals_interval_min",
        N_("Interval"),
        N_("min"),
        30,
        720,
        N_(
            "Local policy within NEWS2: at least 12-hourly at 0, 4-6-hourly at 1-4; hourly "
            "when urgent is applied automatically [S35]"
        ),
    ),
    PolicyField(
        "worsening_points",
        N_("CIWA-B rise of at least"),
        N_("points"),
        1,
        80,
        N_("Local policy: no published rule for a rise in N hours was found"),
    ),
    PolicyField(
        "worsening_hours",
        N_("Within"),
        N_("hours"),
        1,
        168,
        N_("Local policy: no published rule for a rise in N hours was found"),
    ),
    PolicyField(
        "step_margin_points",
        N_("CIWA-B mean rise of at least"),
        N_("points"),
        1,
        80,
        N_("Local policy; ASAM: slow or pause when withdrawal after a cut is significant [S16]"),
    ),
    PolicyField(
        "step_window_days",
        N_("Days compared before and after"),
        N_("days"),
        1,
        28,
        N_("Symptoms may take up to a week after a cut [S22]"),
    ),
    PolicyField(
        "step_min_readings",
        N_("CIWA-B scores needed on each side"),
        N_("scores"),
        1,
        10,
        N_("Local policy: a trend, not one reading"),
    ),
    PolicyField(
        "step_prn_margin",
        N_("Or PRN doses after exceeding those before by"),
        N_("doses"),
        1,
        20,
        N_("Local policy; ASAM: slow or pause when withdrawal after a cut is significant [S16]"),
    ),
    PolicyField(
        "standing_ciwa_b_total",
        N_("Flag while the latest CIWA-B is at least"),
        N_("points"),
        1,
        80,
        N_("Local policy: default 41, where the severe band starts [S4]"),
    ),
    PolicyField(
        "standing_ciwa_ar_total",
        N_("Flag while the latest CIWA-Ar is at least"),
        N_("points"),
        1,
        67,
        N_("Local policy: default 19, ASAM 2020's severe band [S9]"),
    ),
    PolicyField(
        "prn_flag_doses_24h",
        N_("PRN doses in 24 h that raise a flag"),
        N_("doses"),
        1,
        24,
        N_("Local policy: no source sets a number"),
    ),
    PolicyField(
        "prn_flag_de_mg_24h",
        N_("Or PRN diazepam-equivalent in 24 h of at least"),
        N_("mg"),
        1,
        500,
        N_("Local policy: no source sets a number"),
    ),
    PolicyField(
        "prn_reassess_min",
        N_("Reassess CIWA-B after a PRN dose within"),
        N_("min"),
        15,
        240,
        N_("Local policy: the alcohol order set reassesses after each treatment [S10]"),
    ),
    PolicyField(
        "no_plan_grace_hours",
        N_("Flag an admission with no taper plan after"),
        N_("hours"),
        1,
        168,
        N_("Local policy: every admitted patient needs a plan in force"),
    ),
    PolicyField(
        "hard_ceiling_de_mg",
        N_("Hard ceiling (refused above)"),
        N_("mg DE/day"),
        40,
        1000,
        N_(
            "Local policy: no plan, admission dose or PRN order above this diazepam-equivalent "
            "a day; Busto 1989's high-dose group took 40-500 mg [S4]. Above a drug's label maximum "
            "a physician confirms with a reason"
        ),
    ),
    PolicyField(
        "scan_before_giving",
        N_("Scan the wristband before giving"),
        "",
        0,
        1,
        N_(
            "Local policy: two identifiers before giving a medicine [S81]; a barcode on the band "
            "matches the patient electronically [S82]. No source makes the scan compulsory"
        ),
        choices=(
            N_("No: the scan is optional"),
            N_("Yes: “Given” only after a scan or an override"),
        ),
    ),
    PolicyField(
        "scan_valid_min",
        N_("A scan counts for"),
        N_("min"),
        1,
        60,
        N_("Local policy: the scan identifies the patient for this visit to the bedside"),
    ),
    PolicyField(
        "increase_margin_pct",
        N_("Warn when a plan raises the dose by more than"),
        N_("%"),
        1,
        100,
        N_(
            "Local policy: diazepam-equivalent rise (crossover rounding, a new plan above the "
            "dose in force) warned before saving; no source sets a margin"
        ),
    ),
    PolicyField(
        "sedation_rass_threshold",
        N_("Prompt a fresh check before a dose at RASS at or below"),
        N_("RASS"),
        -5,
        0,
        N_(
            "Local policy: default -2, light sedation, the first level at which the patient no "
            "longer stays awake to voice [S66]; no source sets a RASS threshold for holding a dose"
        ),
    ),
    PolicyField(
        "sedation_poss_threshold",
        N_("Or at POSS at or above"),
        N_("POSS"),
        2,
        4,
        N_("Pasero: POSS 3 and 4 are unacceptable, reduce the sedating dose [S68]"),
    ),
    PolicyField(
        "idle_lock_min",
        N_("Lock a page nobody has used for"),
        N_("min"),
        1,
        480,
        N_(
            "Local policy: ward computers are shared; the page locks behind a sign-in prompt "
            "that keeps what was typed, and the server refuses the idle session"
        ),
    ),
)
POLICY_BY_NAME: dict[str, PolicyField] = {f.name: f for f in POLICY_FIELDS}


def update_ward_policy(
    *, session: Session, actor: Actor, ward_id: int, values: Mapping[str, object]
) -> Ward:
    """Set the given policy fields (form text or numbers). Every field is checked before any
    is written; nothing changes unless all are valid. Admins only."""
    actor.require("admin")
    ward = session.get(Ward, ward_id)
    if ward is None:
        raise FieldError("ward", N_("no ward {ward}"), values={"ward": ward_id})
    parsed, errors = _parse(values)
    merged = {f.name: parsed.get(f.name, getattr(ward, f.name)) for f in POLICY_FIELDS}
    errors += _cross_checks(merged, parsed)
    if errors:
        raise ValidationFailed(errors)
    before = snapshot(ward)
    changed = {k: v for k, v in parsed.items() if getattr(ward, k) != v}
    if not changed:
        return ward
    for name, value in changed.items():
        setattr(ward, name, value)
    update_audited(
        session,
        actor=actor,
        action="ward.policy",
        record=ward,
        before=before,
    )
    return ward


def set_default_language(
    *, session: Session, actor: Actor, ward_id: int, language: str, now: datetime
) -> Ward:
    """The language new accounts get on this ward (each user may then choose their own; the
    accounts already made keep theirs). Admins only; the same language again writes nothing."""
    actor.require("admin")
    language = check_language(language, field="default_language")
    ward = session.get(Ward, ward_id)
    if ward is None:
        raise FieldError("ward", N_("no ward {ward}"), values={"ward": ward_id})
    if ward.default_language == language:
        return ward
    before = snapshot(ward)
    ward.default_language = language
    update_audited(session, actor=actor, action="ward.language", record=ward, before=before, at=now)
    return ward


def new_account_language(session: Session) -> str:
    """The language of an account made now: the ward's default (the first ward's, the one the
    app serves), English before any ward exists."""
    found = session.exec(select(Ward.default_language).order_by(col(Ward.id))).first()
    return found if found is not None else DEFAULT_LANGUAGE


def _parse(values: Mapping[str, object]) -> tuple[dict[str, int | bool], list[FieldError]]:
    parsed: dict[str, int | bool] = {}
    errors: list[FieldError] = []
    for name, raw in values.items():
        field = POLICY_BY_NAME.get(name)
        if field is None:
            errors.append(FieldError(name, N_("is not a ward policy setting")))
            continue
        number = _whole_number(raw)
        if number is None:
            errors.append(
                FieldError(
                    name, N_("enter a whole number of {unit}"), values={"unit": Words([field.unit])}
                )
            )
        elif not field.low <= number <= field.high:
            if field.choices is not None:
                errors.append(FieldError(name, N_("choose yes or no")))
            else:
                errors.append(
                    FieldError(
                        name,
                        N_("enter {low} to {high} {unit}"),
                        values={"low": field.low, "high": field.high, "unit": Words([field.unit])},
                    )
                )
        else:
            parsed[name] = bool(number) if field.choices is not None else number
    return parsed, errors


def _whole_number(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


# (the field that must not be above the other, the other, the message): the error goes to the
# first field if the form changed it, else to the second.
_NOT_ABOVE = (
    (
        "reassess_interval_moderate_min",
        "reassess_interval_min",
        N_("the interval while moderate or worse must not be longer"),
    ),
    (
        "time_critical_window_min",
        "dose_window_min",
        N_("the time-critical window must not be wider"),
    ),
    (
        "dose_window_min",
        "daily_dose_window_min",
        N_("the window of a dose due several times a day must not be wider"),
    ),
)


def _cross_checks(merged: dict[str, int | bool], parsed: dict[str, int | bool]) -> list[FieldError]:
    return [
        FieldError(lower if lower in parsed else upper, message)
        for lower, upper, message in _NOT_ABOVE
        if merged[lower] > merged[upper]
    ]


def dose_windows(ward: Ward) -> DoseWindows:
    """The ward's dose windows, as models.clinical.dose_timing reads them."""
    return DoseWindows(
        time_critical_min=ward.time_critical_window_min,
        frequent_min=ward.dose_window_min,
        daily_min=ward.daily_dose_window_min,
        all_time_critical=ward.doses_time_critical,
    )


def slot_window_min(ward: Ward, doses_per_day: int) -> int:
    """The window of a scheduled dose due ``doses_per_day`` times a day on this ward."""
    return dose_window_min(doses_per_day, dose_windows(ward))


def widest_window_min(ward: Ward) -> int:
    """The widest of the ward's dose windows: no uncharted dose older than this is still due."""
    windows = dose_windows(ward)
    return max(windows.time_critical_min, windows.frequent_min, windows.daily_min)


def step_policy(ward: Ward) -> StepPolicy:
    """The ward's step-tolerance settings, as models.clinical.tolerance reads them."""
    return StepPolicy(
        window_days=ward.step_window_days,
        margin_points=ward.step_margin_points,
        min_readings=ward.step_min_readings,
        prn_margin=ward.step_prn_margin,
    )


def sedation_thresholds(ward: Ward) -> SedationThresholds:
    """The ward's sedation thresholds, as models.clinical.sedation reads them."""
    return SedationThresholds(rass=ward.sedation_rass_threshold, poss=ward.sedation_poss_threshold)
