"""The admin page's dispensable units: the smallest dose of each drug the ward's formulary can
give (models.ward_units). New plans, plan previews, admission doses and PRN orders are made in
them; a plan already made keeps its own units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dash import html
from sqlalchemy.engine import Engine

from dashboard.clinical_words import drug_name
from dashboard.components.admin_drug_form import (
    answer_save,
    drug_form_io,
    drug_form_section,
    typed_numbers,
    ward_setting,
)
from dashboard.components.charting_common import mg, mg_number
from dashboard.i18n import _, language
from dashboard.registry import callback
from models.clinical.drugs import DRUGS, format_mg
from models.i18n import DEFAULT_LANGUAGE
from models.i18n.formats import format_mg as i18n_mg
from models.ward_units import MIN_UNIT_UG, update_ward_units, ward_units


def units_section(db: Engine) -> html.Section:
    ward_name, units = ward_setting(db, ward_units)
    return drug_form_section(
        name="units",
        field_type="ward-unit",
        title=_("Dispensable units — {ward}", ward=ward_name),
        save_label=_("Save units"),
        explanation=_(
            "The smallest dose of each drug the ward can give (its tablets, and which may be "
            "halved: a formulary fact). New plans and PRN orders are made in these units; a "
            "plan already made keeps its own. Local policy."
        ),
        values={drug: _unit_text(units[drug]) for drug in DRUGS},
        defaults={
            drug: _(
                "Default {unit}; {smallest} to the largest tablet, {largest}",
                unit=i18n_mg(spec.unit_ug, language()),
                smallest=i18n_mg(MIN_UNIT_UG, language()),
                largest=i18n_mg(spec.largest_tablet_ug, language()),
            )
            for drug, spec in DRUGS.items()
        },
    )


@callback(**drug_form_io("units", "ward-unit"), prevent_initial_call=True)
def _save_units(clicks: Any, values: list[Any]) -> dict[str, Any]:
    return answer_save(clicks, values, _update_units, field_prefix="unit_", shown=_in_words)


def _update_units(*, values: Mapping[str, Any], **write: Any) -> dict[str, int]:
    """The units as typed (a decimal comma in French), stored by ``update_ward_units``."""
    typed = typed_numbers(values, lambda drug: f"unit_{drug}")
    return update_ward_units(values=typed, **write)


def _unit_text(ug: int) -> str:
    """A unit in its field: "0.125" in English as always, "0,125" in French."""
    code = language()
    return format_mg(ug) if code == DEFAULT_LANGUAGE else mg_number(ug, code)


def _in_words(saved: Mapping[str, int]) -> str:
    code = language()
    if code == DEFAULT_LANGUAGE:
        return ", ".join(f"{d} {format_mg(ug)} mg" for d, ug in saved.items())
    return ", ".join(f"{drug_name(d)} {mg(ug, code)}" for d, ug in saved.items())
