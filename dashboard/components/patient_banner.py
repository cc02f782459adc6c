"""The patient page's identity banner: name, MRN, age, bed, day of stay, attending, the SpO2
scale when not the usual one, and today's dose (with the admission dose's confirmation)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from dashboard.clinical_words import drug_name
from dashboard.components import spo2_scale
from dashboard.components.charting_common import SEX_WORDS, mg, short_day
from dashboard.i18n import _, language
from dashboard.queries import PatientHeader
from models.admissions import dose_needs_confirmation
from models.i18n.formats import decimal_separator


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _item(label: str, value: Any, item_id: str | None = None, grow: bool = False) -> html.Div:
    value_kwargs: dict[str, Any] = {"id": item_id} if item_id else {}
    return html.Div(
        [
            html.Span(label, className="tw-banner-label"),
            html.Span(value, className="tw-banner-value", **value_kwargs),
        ],
        className="tw-banner-item tw-banner-grow" if grow else "tw-banner-item",
    )


def banner(header: PatientHeader, now: datetime) -> list[Any]:
    adm, patient, ward = header.admission, header.patient, header.ward
    tz = ZoneInfo(ward.timezone)
    today = now.astimezone(tz).date()
    end = adm.discharged_at or now
    day = (end.astimezone(tz).date() - adm.admitted_at.astimezone(tz).date()).days + 1
    code = language()
    dose: Any
    baseline = f"{drug_name(adm.baseline_drug)} {mg(adm.baseline_daily_ug, code)}"
    if header.today is None:
        plan = header.plan
        if plan is not None:
            dose = _(
                "Plan starts {day} (admitted on {dose})",
                day=short_day(plan.start_date, code),
                dose=baseline,
            )
        else:
            dose = _("No active plan (admitted on {dose})", dose=baseline)
    elif not header.today.doses:
        dose = _("Taper complete: {dose}", dose=mg(0, code))
    else:
        drugs = " + ".join(
            f"{drug_name(d.drug)} {mg(d.daily_ug, code)}" for d in header.today.doses
        )
        equivalent = f"{header.today.diazepam_eq_mg:.3g}".replace(".", decimal_separator(code))
        dose = html.Span(
            [
                # TRANSLATORS: today's total dose per day, e.g. "diazepam 10 mg/day".
                _("{doses}/day", doses=drugs),
                html.Span(
                    _("≈ diazepam {mg} mg", mg=equivalent),
                    className="tw-banner-sub",
                ),
            ]
        )
    if dose_needs_confirmation(adm):
        dose = html.Span(
            [
                dose,
                html.Span(
                    _(
                        "⚠ admission dose {dose} is above its label maximum: not confirmed by "
                        "a physician",
                        dose=baseline,
                    ),
                    className="tw-banner-warn",
                    id="banner-dose-unconfirmed",
                ),
            ]
        )
    elif adm.dose_confirm_reason:
        dose = html.Span(
            [
                dose,
                html.Span(
                    _(
                        "Admission dose above its label maximum, confirmed: {reason}",
                        reason=adm.dose_confirm_reason,
                    ),
                    className="tw-banner-sub",
                    id="banner-dose-confirmed",
                ),
            ]
        )
    return [
        html.Div(
            f"{patient.family_name.upper()}, {patient.given_name}",
            className="tw-banner-name",
            id="banner-name",
        ),
        # TRANSLATORS: medical record number (French: IPP).
        _item(_("MRN"), patient.mrn, "banner-mrn"),
        _item(
            _("Age"),
            f"{_age(patient.birth_date, today)} · {_(SEX_WORDS.get(patient.sex, patient.sex))}",
        ),
        _item(_("Bed"), adm.bed, "banner-bed"),
        _item(_("Day of stay"), str(day), "banner-day"),
        # TRANSLATORS: the attending physician (French: médecin référent).
        _item(_("Attending"), header.attending),
        *(
            [_item(_("SpO₂"), _(spo2_scale.BANNER_TEXT[adm.spo2_scale]), "banner-spo2-scale")]
            if adm.spo2_scale != 1
            else []
        ),
        _item(
            _("Dose at discharge") if adm.discharged_at else _("Today's dose"),
            dose,
            "banner-dose",
            grow=True,
        ),
    ]
