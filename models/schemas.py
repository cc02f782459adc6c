"""What a charting form or the FHIR import submits for each charted thing: a set of vital
signs, a CIWA-B/CIWA-Ar score, a scheduled dose charted, a PRN dose given.

The grouping of the full-stack FastAPI template's models, for a ward that charts rather than an
API: each charted table has a ``*Base`` in models.tables (the charted columns the table model
inherits, stored values) and a ``*Create`` here (the values submitted, before the clinical
validation has read them). The charting operations (models.charting) take the Create as
``data=``, check it whole, add what they work out (NEWS2, the CIWA band, the slot's drug and
dose, who charted and when) and insert the row through the one audited insert
(models.audit).

Each Create is a plain frozen dataclass, not a pydantic model, on purpose: its values are raw
(a form's text, a number the nurse may have mistyped) and the clinical validation
(models.clinical.vitals, models.clinical.scales, the dose-reason rules) is their one check,
which names the field at fault in the ward's words. A pydantic model would validate them a
second time, refuse a value with a message the form cannot show, and cost on the ward's
busiest write (``make bench``, T1). Each field is named after the table column it becomes
(tests/models/test_schemas.py holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class VitalSignsCreate:
    """A set of vital signs as charted (models.charting.record_vitals), values as typed.
    ``spo2_scale``: the NEWS2 SpO2 scale the form showed (the admission's, set by a
    physician), which the insert checks is still the admission's; None: read the admission's.
    ``rass`` and ``poss``: the sedation scores charted with the set (blank: not scored).
    ``external_id``: the set's key in the EHR's record (FHIR import). ``submission_id``: the
    charting form's one-time token (models.charting.new_submission_id)."""

    admission_id: int
    taken_at: datetime
    heart_rate: object
    systolic: object
    diastolic: object
    temperature_c: object
    resp_rate: object
    spo2: object
    supplemental_o2: bool
    consciousness: object
    spo2_scale: int | None = None
    rass: object = None
    poss: object = None
    external_id: str | None = None
    submission_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WithdrawalAssessmentCreate:
    """A withdrawal score as charted (models.charting.record_assessment): each item's score
    by item number, as entered; ``scale`` CIWA-B or CIWA-Ar; ``submission_id`` as for
    :class:`VitalSignsCreate`."""

    admission_id: int
    taken_at: datetime
    items: Mapping[int, object]
    scale: str = "CIWA-B"
    submission_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DoseAdministrationCreate:
    """What happened to a scheduled dose (models.charting.chart_dose): given, held, refused or
    not given, with the ward's reason code (and text) unless given. ``wristband_check_id``: the
    nurse's scan (or override) of the patient's band, which a "given" needs when the ward scans
    before giving (models.wristband). The drug, dose and admission come from the slot."""

    scheduled_dose_id: int
    status: str
    administered_at: datetime
    reason_code: str | None = None
    reason_text: str | None = None
    wristband_check_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrnAdministrationCreate:
    """An as-needed dose given against the admission's PRN order (models.charting.chart_prn),
    with why it was given. ``dose_ug``: the dose the nurse saw, checked against the order's
    (None: the order's). ``wristband_check_id``: as for :class:`DoseAdministrationCreate`."""

    admission_id: int
    prn_order_id: int
    administered_at: datetime
    reason_text: str
    dose_ug: int | None = None
    wristband_check_id: int | None = None
