"""Every table of Taperwatch. Alembic migrations (models/migrations) are the schema's one source;
a test checks these models and the migrations never drift apart.

Doses are integer micrograms (0.125 mg = 125 ug); instants are aware UTC datetimes; dose times
are ward-local wall-clock times. Constraints live in the database, not only here.

Over ~400 lines on purpose: the schema is one subject, read as a whole against the
migrations (the drift test), and every table's constraints sit beside its columns.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, MetaData, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from models.clinical.dose_limits import DEFAULT_HARD_CEILING_DE_MG
from models.clinical.dose_timing import ADMINISTRATION_STATUSES
from models.clinical.levels import FLAG_SEVERITIES
from models.clinical.news2 import SPO2_SCALES
from models.clinical.prn import PRN_FLAG_DE_MG_24H, PRN_FLAG_DOSES_24H, PRN_REASSESS_MIN
from models.clinical.sedation import (
    CNS_DEPRESSANT_CLASSES,
    DEFAULT_POSS_THRESHOLD,
    DEFAULT_RASS_THRESHOLD,
    NALOXONE_STATUSES,
    POSS_CODES,
)
from models.clinical.taper import DEFAULT_INCREASE_MARGIN_PCT
from models.i18n.languages import DEFAULT_LANGUAGE, LANGUAGE_MAX_CHARS
from models.types import UTCDateTime, utcnow

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata: MetaData = SQLModel.metadata

ROLES = ("nurse", "physician", "admin")
SEXES = ("female", "male", "other", "unknown")
PLAN_STATUSES = ("active", "superseded", "completed")
PLAN_CHANGES = ("create", "advance", "hold", "resume", "back", "recipe", "stop")
PRN_STATUSES = ("active", "superseded", "stopped")
# A flag is open until a person acknowledges it; when its condition clears before anyone has
# seen it, it is "cleared" (still shown, still to be seen); it ends (resolved) only when a person
# has seen it, or when its condition clears after they have.
FLAG_STATUSES = ("open", "acknowledged", "cleared", "resolved")
UNRESOLVED_FLAG_STATUSES = tuple(status for status in FLAG_STATUSES if status != "resolved")
SCALES = ("CIWA-B", "CIWA-Ar")
DECISIONS = ("advance", "hold", "back", "adjust", "continue")
ACVPU = ("A", "C", "V", "P", "U")
CNS_CLASSES = tuple(CNS_DEPRESSANT_CLASSES)
NALOXONE_CODES = tuple(NALOXONE_STATUSES)
WRISTBAND_METHODS = ("scan", "override")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _positive(name: str, *columns: str) -> CheckConstraint:
    """``a > 0 AND b > 0 ...``: counts, intervals and thresholds that must be above zero."""
    return CheckConstraint(" AND ".join(f"{column} > 0" for column in columns), name=name)


def _in_numbers(column: str, values: tuple[int, ...]) -> str:
    return f"{column} IN ({', '.join(str(v) for v in values)})"


def _partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of only the rows where ``where`` holds, the same predicate on both databases."""
    return Index(
        name, *columns, unique=unique, sqlite_where=text(where), postgresql_where=text(where)
    )


class EnteredInError(SQLModel):
    """A charted entry is never deleted: a mistake is marked entered-in-error, with the reason,
    who marked it and when (models.charting.mark_in_error), and stays shown struck through.
    The columns come first in each charted table's model (the migrations fix the stored order)."""

    entered_in_error: bool = False
    error_reason: str | None = Field(default=None, max_length=1000)
    error_marked_by: int | None = Field(default=None, foreign_key="app_user.id")
    error_marked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ChartedEntry(EnteredInError):
    """A charted table model's first columns: the entered-in-error mark, then the row's id.
    The table's ``*Base`` (what was charted, the fields it shares with the ``*Create`` a form
    submits: models.schemas) follows, then what the charting operation adds (scores, who
    charted it and when). Each charted table is ``class Table(TableBase, ChartedEntry,
    table=True)``: that order of bases lists the columns as the models always have (the
    migrations, not the models, fix the order stored)."""

    id: int | None = Field(default=None, primary_key=True)


def error_reason_required() -> CheckConstraint:
    """An entry marked in error says why (each charted table's own copy of the constraint)."""
    return CheckConstraint(
        "entered_in_error = false OR error_reason IS NOT NULL", name="error_reason"
    )


class Ward(SQLModel, table=True):
    """A ward and its local policy. Defaults cite their source or say they are local policy."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    timezone: str = Field(max_length=64)  # IANA, e.g. Europe/London
    # Dose windows +/- minutes by frequency (models.clinical.dose_timing): ISMP non-time-critical
    # 2-6 a day +/-1 h, daily +/-2 h, time-critical (more often than q4h) +/-30 min [S37]. No
    # source classes BZD doses as time-critical: classing them all so is local policy.
    dose_window_min: int = 60
    time_critical_window_min: int = 30  # ISMP time-critical +/-30 min [S37]
    daily_dose_window_min: int = 120  # ISMP daily +/-2 h [S37]
    doses_time_critical: bool = False  # local policy
    # Reassessment intervals (minutes). No BZD-specific standard [S10]; local policy defaults
    # modelled on the alcohol order set (q4h when mild, q1-2h when >= moderate) [S10][S56].
    reassess_interval_min: int = 240
    reassess_interval_moderate_min: int = 120
    vitals_interval_min: int = 240  # NEWS2 1-4: obs at least 4-6 hourly [S35]; local policy
    # Worsening rule: no published delta rule was found: local policy.
    worsening_points: int = 10
    worsening_hours: int = 24
    # Step tolerance: CIWA-B mean after a cut vs before it; symptoms may take up to a week [S22].
    step_margin_points: int = 5
    step_window_days: int = 7
    step_min_readings: int = 2  # scores on each side before the means are compared (local)
    step_prn_margin: int = 2  # more PRN doses after a step than before (local policy)
    # Standing severity: flag while the latest score is at or above (local policy; bands [S4][S9]).
    standing_ciwa_b_total: int = 41
    standing_ciwa_ar_total: int = 19
    # PRN review (models.clinical.prn, where the defaults live): all local policy.
    prn_flag_doses_24h: int = PRN_FLAG_DOSES_24H
    prn_flag_de_mg_24h: int = PRN_FLAG_DE_MG_24H
    prn_reassess_min: int = PRN_REASSESS_MIN
    no_plan_grace_hours: int = 24  # admitted with no taper plan this long: a flag (local)
    admin_times: str = Field(default="08:00,20:00", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Dose ceilings (models.clinical.dose_limits): no order above this many mg
    # diazepam-equivalent a day (local policy), and the rise a plan may make unwarned.
    hard_ceiling_de_mg: int = DEFAULT_HARD_CEILING_DE_MG
    increase_margin_pct: int = DEFAULT_INCREASE_MARGIN_PCT
    # Sedation (models.clinical.sedation): a RASS at or below, or a POSS at or above, prompts a
    # fresh check before a dose. RASS -2: local policy; POSS 3: unacceptable per Pasero [S68].
    sedation_rass_threshold: int = DEFAULT_RASS_THRESHOLD
    sedation_poss_threshold: int = DEFAULT_POSS_THRESHOLD
    # Wristband check (models.wristband): "Given" only after the patient's band is scanned (or
    # an override with a reason), the scan counting for this many minutes. Local policy.
    scan_before_giving: bool = False
    scan_valid_min: int = 10
    # Idle lock (dashboard/auth.py, assets/idle_lock.js): a signed-in page with no activity for
    # this many minutes locks behind a sign-in prompt, and the server refuses its session.
    # Local policy (shared ward PCs); no source sets a time.
    idle_lock_min: int = 15
    # The language of a new account (models.i18n; each user then chooses their own). Checked
    # against the supported languages by the domain, not the database, so adding a language
    # needs no migration.
    default_language: str = Field(default=DEFAULT_LANGUAGE, max_length=LANGUAGE_MAX_CHARS)

    __table_args__ = (
        CheckConstraint("dose_window_min > 0 AND dose_window_min <= 240", name="dose_window"),
        _positive("idle_lock", "idle_lock_min"),
        CheckConstraint(
            "time_critical_window_min > 0 AND time_critical_window_min <= 120",
            name="tc_window",
        ),
        _positive("reassess", "reassess_interval_min"),
        _positive("reassess_mod", "reassess_interval_moderate_min"),
        _positive("vitals_interval", "vitals_interval_min"),
        _positive("worsening", "worsening_points", "worsening_hours"),
        _positive("step_rule", "step_margin_points", "step_window_days"),
        CheckConstraint(
            "daily_dose_window_min > 0 AND daily_dose_window_min <= 240", name="daily_window"
        ),
        _positive("step_evidence", "step_min_readings", "step_prn_margin"),
        _positive("standing", "standing_ciwa_b_total", "standing_ciwa_ar_total"),
        _positive("prn_review", "prn_flag_doses_24h", "prn_flag_de_mg_24h", "prn_reassess_min"),
        _positive("no_plan_grace", "no_plan_grace_hours"),
        _positive("hard_ceiling", "hard_ceiling_de_mg"),
        CheckConstraint("increase_margin_pct >= 0", name="increase_margin"),
        CheckConstraint(
            "sedation_rass_threshold >= -5 AND sedation_rass_threshold <= 0 AND "
            "sedation_poss_threshold >= 2 AND sedation_poss_threshold <= 4",
            name="sedation",
        ),
        _positive("scan_valid", "scan_valid_min"),
    )


class WardDrugSetting(SQLModel):
    """A ward's own setting for one drug (its formulary), one row per ward and drug: who last
    changed it and when (the change itself is audited)."""

    id: int | None = Field(default=None, primary_key=True)
    ward_id: int = Field(foreign_key="ward.id")
    drug: str = Field(max_length=32)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")


class WardDrugUnit(WardDrugSetting, table=True):
    """A ward's smallest dispensable dose of a drug (its formulary: which tablets it stocks and
    which may be halved); a drug without a row uses the default (models.clinical.drugs)."""

    __tablename__ = "ward_drug_unit"

    unit_ug: int

    __table_args__ = (
        UniqueConstraint("ward_id", "drug", name="uq_ward_drug_unit"),
        _positive("unit", "unit_ug"),
    )


class WardDrugTablets(WardDrugSetting, table=True):
    """The tablets a ward's pharmacy supplies of a drug and which may be halved (its formulary;
    models.ward_tablets). ``tablets`` is the canonical list, strengths in ug, "s" for scored:
    "500s,1000,2000". A drug without a row uses the defaults (models.clinical.tablets)."""

    __tablename__ = "ward_drug_tablets"

    tablets: str = Field(max_length=200)

    __table_args__ = (
        UniqueConstraint("ward_id", "drug", name="uq_ward_drug_tablets"),
        CheckConstraint("tablets <> ''", name="tablets"),
    )


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=120)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=255)
    active: bool = True
    failed_logins: int = 0
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # An account of the hospital's identity provider (dashboard/oidc.py): its issuer and
    # subject ("sub"), which never change; a local account has neither.
    oidc_issuer: str | None = Field(default=None, max_length=255)
    oidc_subject: str | None = Field(default=None, max_length=255)
    # The language the app speaks to this user (models.i18n): the ward's default when the
    # account is made, then the user's own choice (models.users.set_language).
    language: str = Field(default=DEFAULT_LANGUAGE, max_length=LANGUAGE_MAX_CHARS)

    __table_args__ = (
        CheckConstraint(_in("role", ROLES), name="role"),
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_app_user_oidc"),
    )


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is kept here, so
    a copy of the database cannot sign anyone in. A session ends (``ended_at``) on sign-out, on
    "sign out everywhere", when the account is deactivated or reactivated, or when its password
    is reset; an ended session's cookie is refused from the next request on."""

    __tablename__ = "user_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_reason: str | None = Field(default=None, max_length=32)
    # The last activity seen (a page load, or the page saying someone used it), written at most
    # every ACTIVITY_WRITE_S (models.users); NULL: none since sign-in (created_at counts).
    last_active_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (Index("ix_user_session_user", "user_id", "ended_at"),)


class SignInLock(SQLModel, table=True):
    """Failed sign-ins of one account from one address (models.users): the pair is locked, not
    the account, so nobody can lock a colleague out from another computer."""

    __tablename__ = "sign_in_lock"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    address: str = Field(max_length=64)
    failures: int = 0
    last_failure_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "address", name="uq_sign_in_lock_pair"),)


class Patient(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    mrn: str = Field(max_length=32, unique=True)  # medical record number
    family_name: str = Field(max_length=100)
    given_name: str = Field(max_length=100)
    birth_date: date
    sex: str = Field(max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint("length(mrn) > 0", name="mrn_not_empty"),
    )


class Admission(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    patient_id: int = Field(foreign_key="patient.id", index=True)
    ward_id: int = Field(foreign_key="ward.id", index=True)
    bed: str = Field(max_length=16)
    admitted_at: datetime = Field(sa_type=UTCDateTime)
    discharged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    attending_id: int = Field(foreign_key="app_user.id")
    substance_history: str = Field(default="", max_length=4000)
    baseline_drug: str = Field(max_length=32)
    baseline_daily_ug: int
    # The EHR's encounter identifier when the admission came in through FHIR import.
    external_id: str | None = Field(default=None, max_length=128, unique=True)
    # NEWS2 SpO2 scale: 2 only for a prescribed 88-92 % target, set by a physician [S34].
    spo2_scale: int = 1
    # The physician charts CIWA-Ar too (the patient also withdraws from alcohol).
    ciwa_ar: bool = False
    # An admission dose above a label maximum, confirmed by a physician with a reason.
    dose_confirmed_by: int | None = Field(default=None, foreign_key="app_user.id")
    dose_confirmed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    dose_confirm_reason: str | None = Field(default=None, max_length=2000)
    # Naloxone for a patient on an opioid too (models.co_medications) [S70].
    naloxone: str | None = Field(default=None, max_length=16)
    naloxone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    naloxone_by: int | None = Field(default=None, foreign_key="app_user.id")

    __table_args__ = (
        CheckConstraint("baseline_daily_ug >= 0", name="baseline_dose"),
        CheckConstraint(f"naloxone IS NULL OR {_in('naloxone', NALOXONE_CODES)}", name="naloxone"),
        CheckConstraint(_in_numbers("spo2_scale", SPO2_SCALES), name="spo2_scale"),
        CheckConstraint(
            "(dose_confirmed_by IS NULL) = (dose_confirm_reason IS NULL)", name="dose_confirmed"
        ),
        CheckConstraint(
            "discharged_at IS NULL OR discharged_at >= admitted_at", name="discharge_after"
        ),
        # A patient is in at most one bed at a time, and a bed holds one patient.
        _partial_index(
            "uq_admission_current_patient", "patient_id", where="discharged_at IS NULL", unique=True
        ),
        _partial_index(
            "uq_admission_current_bed", "ward_id", "bed", where="discharged_at IS NULL", unique=True
        ),
    )


class TaperPlan(SQLModel, table=True):
    """One version of an admission's taper. Every change is a new version; none is overwritten."""

    __tablename__ = "taper_plan"

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id", index=True)
    version: int
    drug: str = Field(max_length=32)  # the drug tapered (the original drug of a substitution)
    to_drug: str | None = Field(default=None, max_length=32)  # substitution target
    daily_ug: int  # the daily dose the plan starts from
    recipe: str = Field(max_length=200)
    start_date: date
    effective_from: date  # the day this version takes over from the previous one
    times: str = Field(default="08:00,20:00", max_length=100)
    equivalence_table: str = Field(default="ashton", max_length=16)
    stages: int = 4
    change: str = Field(max_length=16)
    hold_until: date | None = None
    status: str = Field(max_length=16)
    author_id: int = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Dispensable units the steps were made in (drug -> ug); None: the defaults of the time.
    units: dict[str, int] | None = Field(default=None, sa_column=Column(JSON))
    # A physician's confirmation of doses above a label maximum (None: none is above one).
    above_label_reason: str | None = Field(default=None, max_length=2000)

    __table_args__ = (
        UniqueConstraint("admission_id", "version", name="uq_taper_plan_version"),
        CheckConstraint(_in("status", PLAN_STATUSES), name="status"),
        CheckConstraint(_in("change", PLAN_CHANGES), name="change"),
        CheckConstraint("daily_ug >= 0", name="daily_dose"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("stages >= 1", name="stages"),
        _partial_index(
            "uq_taper_plan_one_active", "admission_id", where="status = 'active'", unique=True
        ),
    )


class TaperStep(SQLModel, table=True):
    """A step of a plan version: from ``start_date`` the daily dose of ``drug`` is ``daily_ug``.
    A crossover step has one row per drug."""

    __tablename__ = "taper_step"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="taper_plan.id")
    step_index: int
    start_date: date
    drug: str = Field(max_length=32)
    daily_ug: int
    kind: str = Field(default="cut", max_length=16)

    __table_args__ = (
        UniqueConstraint("plan_id", "step_index", "drug", name="uq_taper_step_drug"),
        # A plan's steps in order: its latest step started is one index probe, no sort (the
        # review scan asks it of every admitted patient).
        Index("ix_taper_step_plan_order", "plan_id", "start_date", "step_index"),
        CheckConstraint("daily_ug >= 0", name="daily_dose"),
        CheckConstraint("step_index >= 0", name="step_index"),
    )


class ScheduledDose(SQLModel, table=True):
    """A MAR slot made from the active plan. Plan changes cancel future uncharted slots
    (``cancelled_at``) and make new ones; slots are never deleted."""

    __tablename__ = "scheduled_dose"

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id")
    plan_id: int = Field(foreign_key="taper_plan.id", index=True)
    drug: str = Field(max_length=32)
    dose_ug: int
    scheduled_at: datetime = Field(sa_type=UTCDateTime)
    local_date: date  # ward-local date and wall-clock time the dose is due
    local_time: str = Field(max_length=5)
    # How many times a day this drug is due in the step: its ISMP dose window [S37].
    doses_per_day: int = 2
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)

    __table_args__ = (
        _positive("dose", "dose_ug"),
        _positive("doses_per_day", "doses_per_day"),
        Index("ix_scheduled_dose_admission_time", "admission_id", "scheduled_at"),
        _partial_index(
            "uq_scheduled_dose_live_slot",
            "admission_id",
            "drug",
            "scheduled_at",
            where="cancelled_at IS NULL",
            unique=True,
        ),
    )


class PrnOrder(SQLModel, table=True):
    """One version of an as-needed (PRN) order. A change or a stop is a new version of the same
    ``order_key``; the version it replaces is superseded; nothing is overwritten."""

    __tablename__ = "prn_order"

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id")
    order_key: str = Field(max_length=32)  # the order across its versions
    version: int
    drug: str = Field(max_length=32)
    dose_ug: int  # per administration
    min_interval_min: int  # at least this long between two doses
    max_doses_24h: int  # in any 24 hours
    max_ug_24h: int  # in any 24 hours
    indication: str = Field(max_length=200)
    scale: str | None = Field(default=None, max_length=8)  # may be given at scale >= threshold
    threshold: int | None = None
    start_at: datetime = Field(sa_type=UTCDateTime)
    stop_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(max_length=16)
    author_id: int = Field(foreign_key="app_user.id")
    reason: str = Field(max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    above_label_reason: str | None = Field(default=None, max_length=2000)

    __table_args__ = (
        UniqueConstraint("order_key", "version", name="uq_prn_order_version"),
        CheckConstraint(_in("status", PRN_STATUSES), name="status"),
        CheckConstraint("version >= 1", name="version"),
        _positive("dose", "dose_ug"),
        _positive("interval", "min_interval_min"),
        CheckConstraint("max_doses_24h >= 1", name="max_doses"),
        CheckConstraint("max_ug_24h >= dose_ug", name="max_dose"),
        CheckConstraint(
            "(scale IS NULL AND threshold IS NULL) OR (scale IN ('CIWA-B', 'CIWA-Ar') "
            "AND threshold IS NOT NULL AND threshold >= 0)",
            name="trigger",
        ),
        CheckConstraint("stop_at IS NULL OR stop_at > start_at", name="stop_after_start"),
        Index("ix_prn_order_admission", "admission_id", "status"),
        _partial_index(
            "uq_prn_order_one_active", "order_key", where="status = 'active'", unique=True
        ),
    )


class CoMedication(SQLModel, table=True):
    """Another CNS depressant the patient takes (an opioid, a gabapentinoid, a Z-drug, alcohol),
    recorded by a physician; stopped, never deleted."""

    __tablename__ = "co_medication"

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id", index=True)
    drug_class: str = Field(max_length=16)
    name: str = Field(max_length=100)
    detail: str = Field(default="", max_length=200)  # dose, route, prescriber: as told
    recorded_at: datetime = Field(sa_type=UTCDateTime)
    recorded_by: int = Field(foreign_key="app_user.id")
    stopped_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    stopped_by: int | None = Field(default=None, foreign_key="app_user.id")
    stop_reason: str | None = Field(default=None, max_length=500)

    __table_args__ = (
        CheckConstraint(_in("drug_class", CNS_CLASSES), name="drug_class"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("(stopped_at IS NULL) = (stop_reason IS NULL)", name="stop_reason"),
    )


class DoseAdministrationBase(SQLModel):
    """What happened to which dose: the charted fields of a dose (scheduled or PRN) that
    models.schemas' DoseAdministrationCreate and PrnAdministrationCreate submit or the
    charting operation takes from the slot or the order (drug, dose)."""

    admission_id: int = Field(foreign_key="admission.id")
    scheduled_dose_id: int | None = Field(default=None, foreign_key="scheduled_dose.id")
    drug: str = Field(max_length=32)
    dose_ug: int
    status: str = Field(max_length=16)
    prn: bool = False
    prn_order_id: int | None = Field(default=None, foreign_key="prn_order.id")
    reason_code: str | None = Field(default=None, max_length=32)
    reason_text: str | None = Field(default=None, max_length=1000)


class DoseAdministration(DoseAdministrationBase, ChartedEntry, table=True):
    """What happened to a dose: given, held, refused or not given (with a reason), or a PRN
    dose. A mistake is marked entered-in-error and re-charted; nothing is deleted."""

    __tablename__ = "dose_administration"

    # A dose held for sedation: the set of vitals (with its RASS/POSS) the decision rested on.
    sedation_vitals_id: int | None = Field(default=None, foreign_key="vital_signs.id")
    administered_at: datetime = Field(sa_type=UTCDateTime)  # when given / decided
    charted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    charted_by: int = Field(foreign_key="app_user.id")
    # The wristband scan (or override) that identified the patient before a dose was given.
    wristband_check_id: int | None = Field(default=None, foreign_key="wristband_check.id")

    __table_args__ = (
        CheckConstraint(_in("status", ADMINISTRATION_STATUSES), name="status"),
        CheckConstraint("dose_ug >= 0", name="dose"),
        CheckConstraint("status = 'given' OR reason_code IS NOT NULL", name="reason_needed"),
        CheckConstraint("prn = false OR status = 'given'", name="prn_given"),
        CheckConstraint("prn_order_id IS NULL OR prn = true", name="prn_order"),
        error_reason_required(),
        Index("ix_dose_administration_admission_time", "admission_id", "administered_at"),
        # The few PRN doses, found without reading every scheduled dose (the PRN rules).
        Index(
            "ix_dose_administration_prn",
            "admission_id",
            "administered_at",
            sqlite_where=text("prn = 1"),
            postgresql_where=text("prn = true"),
        ),
        # Two nurses charting the same dose: the database lets exactly one win.
        Index(
            "uq_dose_administration_one_valid",
            "scheduled_dose_id",
            unique=True,
            sqlite_where=text("entered_in_error = 0 AND scheduled_dose_id IS NOT NULL"),
            postgresql_where=text("entered_in_error = false AND scheduled_dose_id IS NOT NULL"),
        ),
    )


class WristbandCheck(SQLModel, table=True):
    """A nurse identified a patient at the bedside: the band's barcode scanned and matched, or
    an override with a reason (the band unreadable, missing...). A mismatch is refused and not
    stored."""

    __tablename__ = "wristband_check"

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id")
    method: str = Field(max_length=16)  # scan | override
    reason_code: str | None = Field(default=None, max_length=32)
    reason_text: str | None = Field(default=None, max_length=1000)
    checked_at: datetime = Field(sa_type=UTCDateTime)
    checked_by: int = Field(foreign_key="app_user.id")

    __table_args__ = (
        CheckConstraint(_in("method", WRISTBAND_METHODS), name="method"),
        CheckConstraint(
            "(method = 'scan' AND reason_code IS NULL) OR "
            "(method = 'override' AND reason_code IS NOT NULL)",
            name="override_reason",
        ),
        Index("ix_wristband_check_admission", "admission_id", "checked_at"),
        Index("ix_wristband_check_method", "method", "checked_at"),
    )


class VitalSignsBase(SQLModel):
    """A set of vital signs as charted and checked: NEWS2's parameters, when, for whom
    (models.schemas.VitalSignsCreate submits them raw)."""

    admission_id: int = Field(foreign_key="admission.id")
    taken_at: datetime = Field(sa_type=UTCDateTime)
    heart_rate: int
    systolic: int
    diastolic: int
    temperature_c: float
    resp_rate: int
    spo2: int
    supplemental_o2: bool = False
    consciousness: str = Field(default="A", max_length=1)  # ACVPU


class VitalSigns(VitalSignsBase, ChartedEntry, table=True):
    __tablename__ = "vital_signs"

    news2_total: int
    news2_any_three: bool = False
    spo2_scale: int = 1  # the NEWS2 SpO2 scale the reading was scored on [S34]
    # Sedation, charted with the vitals (models.clinical.sedation); None: not scored.
    rass: int | None = None  # -5..+4 [S66]
    poss: str | None = Field(default=None, max_length=1)  # S, 1-4 [S68]
    charted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    charted_by: int = Field(foreign_key="app_user.id")
    external_id: str | None = Field(default=None, max_length=128, unique=True)
    # The charting form's one-time token: a retried save finds the row it already wrote.
    submission_id: str | None = Field(default=None, max_length=64)

    __table_args__ = (
        CheckConstraint(_in("consciousness", ACVPU), name="acvpu"),
        # Outer limits of what can be stored (local policy, no clinical source): the charting
        # form refuses implausible values first, with its own limits (models.clinical.vitals).
        CheckConstraint("heart_rate > 0 AND heart_rate < 300", name="hr"),
        CheckConstraint("systolic > diastolic AND diastolic > 0 AND systolic < 300", name="bp"),
        CheckConstraint("temperature_c > 25 AND temperature_c < 45", name="temp"),
        CheckConstraint("resp_rate > 0 AND resp_rate < 80", name="rr"),
        CheckConstraint("spo2 > 0 AND spo2 <= 100", name="spo2"),
        CheckConstraint("news2_total >= 0 AND news2_total <= 20", name="news2"),
        CheckConstraint(_in_numbers("spo2_scale", SPO2_SCALES), name="spo2_scale"),
        CheckConstraint("rass IS NULL OR (rass >= -5 AND rass <= 4)", name="rass"),
        CheckConstraint(f"poss IS NULL OR {_in('poss', POSS_CODES)}", name="poss"),
        error_reason_required(),
        Index("ix_vital_signs_admission_time", "admission_id", "taken_at"),
        # One reading per form submission; NULL (imported, seeded) rows are never equal.
        Index("uq_vital_signs_submission_id", "submission_id", unique=True),
    )


class WithdrawalAssessmentBase(SQLModel):
    """A withdrawal score as charted: the scale, when, for whom and each item's score
    (models.schemas.WithdrawalAssessmentCreate submits them raw)."""

    admission_id: int = Field(foreign_key="admission.id")
    scale: str = Field(default="CIWA-B", max_length=8)
    taken_at: datetime = Field(sa_type=UTCDateTime)
    items: dict[str, int] = Field(sa_column=Column(JSON, nullable=False))  # "1".."20" -> score


class WithdrawalAssessment(WithdrawalAssessmentBase, ChartedEntry, table=True):
    __tablename__ = "withdrawal_assessment"

    total: int
    band: str = Field(max_length=16)
    charted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    charted_by: int = Field(foreign_key="app_user.id")
    # The charting form's one-time token: a retried save finds the row it already wrote.
    submission_id: str | None = Field(default=None, max_length=64)

    __table_args__ = (
        CheckConstraint(_in("scale", SCALES), name="scale"),
        # CIWA-B total 0-80 [S4]; CIWA-Ar 0-67 [S6]
        CheckConstraint("total >= 0 AND total <= 80", name="total"),
        error_reason_required(),
        Index("ix_withdrawal_assessment_admission_time", "admission_id", "taken_at"),
        # The rounds page counts each patient's CIWA-B scores since the last rounds note and
        # takes the highest: every column it reads is in this index, so the count walks the
        # index alone, never the rows (a month of hourly scores per patient). The id after the
        # time keeps the (time, id) order the other score queries sort by, as the index above.
        Index(
            "ix_withdrawal_assessment_totals",
            "admission_id",
            "taken_at",
            "id",
            "scale",
            "entered_in_error",
            "total",
        ),
        # The few CIWA-Ar scores (patients who also withdraw from alcohol), found without
        # walking every patient's CIWA-B history (the severe-withdrawal rule).
        _partial_index(
            "ix_withdrawal_assessment_ciwa_ar",
            "admission_id",
            "taken_at",
            where="scale = 'CIWA-Ar'",
        ),
        # One score per form submission; NULL (imported, seeded) rows are never equal.
        Index("uq_withdrawal_assessment_submission_id", "submission_id", unique=True),
    )


class Flag(SQLModel, table=True):
    """A review flag raised by a job rule. At most one unresolved flag per
    (admission, rule, subject), enforced by a partial unique index."""

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id")
    rule: str = Field(max_length=32)
    subject: str = Field(max_length=64)  # e.g. "dose:123", "assessment:45", "admission"
    severity: str = Field(max_length=16)
    message: str = Field(max_length=500)  # in English (the text flags have always stored)
    # The message language-neutral (models.flag_text): a code and its values, rendered in each
    # reader's language; None on flags raised before the codes (their English is shown).
    message_code: str | None = Field(default=None, max_length=48)
    message_values: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default="open", max_length=16)
    raised_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    # The moment the flag is about (the dose time, the reading): the review queue links there.
    subject_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledged_by: int | None = Field(default=None, foreign_key="app_user.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    acknowledge_note: str | None = Field(default=None, max_length=1000)
    # When the rule found its condition gone before anyone had seen the flag, and why.
    cleared_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cleared_note: str | None = Field(default=None, max_length=500)
    resolved_by: int | None = Field(default=None, foreign_key="app_user.id")  # None: the rule
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolve_note: str | None = Field(default=None, max_length=1000)

    __table_args__ = (
        CheckConstraint(_in("status", FLAG_STATUSES), name="status"),
        CheckConstraint(_in("severity", FLAG_SEVERITIES), name="severity"),
        _partial_index(
            "uq_flag_one_unresolved",
            "admission_id",
            "rule",
            "subject",
            where="status <> 'resolved'",
            unique=True,
        ),
        Index("ix_flag_status", "status", "admission_id"),
    )


class RoundsNote(SQLModel, table=True):
    __tablename__ = "rounds_note"

    id: int | None = Field(default=None, primary_key=True)
    admission_id: int = Field(foreign_key="admission.id", index=True)
    author_id: int = Field(foreign_key="app_user.id")
    decision: str = Field(max_length=16)
    reason: str = Field(max_length=4000)
    signed_at: datetime = Field(sa_type=UTCDateTime)
    plan_id: int | None = Field(default=None, foreign_key="taper_plan.id")

    __table_args__ = (
        CheckConstraint(_in("decision", DECISIONS), name="decision"),
        CheckConstraint("length(reason) > 0", name="reason"),
    )


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    actor: str = Field(max_length=64)  # username, or "system:jobs" for the review rules
    action: str = Field(max_length=48)
    entity: str = Field(max_length=48)
    entity_id: int | None = None
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))

    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)


class JobRun(SQLModel, table=True):
    __tablename__ = "job_run"

    id: int | None = Field(default=None, primary_key=True)
    job: str = Field(max_length=48)
    host: str = Field(max_length=128)
    started_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    raised: int = 0
    resolved: int = 0
    error: str | None = Field(default=None, max_length=4000)

    __table_args__ = (Index("ix_job_run_started", "started_at"),)
