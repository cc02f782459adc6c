"""The admin page's tablet lists: the strengths the ward's pharmacy supplies of each drug and
which may be halved (models.ward_tablets). The discharge calendar and summary make every dose
from them."""

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
    ward_setting,
)
from dashboard.components.citations import cited
from dashboard.components.tablet_lists import shown_tablets, typed_tablets
from dashboard.i18n import _, language
from dashboard.registry import callback
from models.clinical.drugs import DRUGS
from models.clinical.tablets import DEFAULT_TABLETS, Tablet
from models.i18n import DEFAULT_LANGUAGE
from models.ward_tablets import update_ward_tablets, ward_tablets


def tablets_section(db: Engine) -> html.Section:
    ward_name, tablets = ward_setting(db, ward_tablets)
    return drug_form_section(
        name="tablets",
        field_type="ward-tablets",
        title=_("Tablets supplied — {ward}", ward=ward_name),
        save_label=_("Save tablets"),
        explanation=cited(
            _(
                "The strengths the pharmacy supplies, in mg, separated by commas; write "
                '"scored" after a tablet that may be halved. The going-home calendar makes '
                "every dose from these tablets and never halves one that is not scored. "
                "Defaults from the US labels [S61][S62]; the formulary decides."
            )
        ),
        values={drug: shown_tablets(tablets[drug]) for drug in DRUGS},
        defaults={
            drug: _("Default {tablets}", tablets=shown_tablets(DEFAULT_TABLETS[drug]))
            for drug in DRUGS
        },
    )


@callback(**drug_form_io("tablets", "ward-tablets"), prevent_initial_call=True)
def _save_tablets(clicks: Any, values: list[Any]) -> dict[str, Any]:
    typed = [typed_tablets(value) for value in values]  # "0,5 sécable ; 1" in French
    return answer_save(clicks, typed, update_ward_tablets, field_prefix="tablets_", shown=_in_words)


def _in_words(saved: Mapping[str, tuple[Tablet, ...]]) -> str:
    # Drugs apart by "; " in English (as always), by " · " where a list's own parts are apart
    # by semicolons.
    apart = "; " if language() == DEFAULT_LANGUAGE else " \u00b7 "
    return apart.join(f"{drug_name(d)} {shown_tablets(t)} mg" for d, t in saved.items())
