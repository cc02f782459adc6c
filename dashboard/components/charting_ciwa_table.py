"""The patient's CIWA-B and CIWA-Ar scores of the last 72 hours: each total with its band, the
three highest items, who charted it, and "Mark in error…" for those who may correct it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from dashboard.components.charting_common import format_local, level_chip
from dashboard.components.static_markup import in_error_button, static_block
from dashboard.i18n import N_, _, request_translator
from dashboard.theme import BAND_LABEL, BAND_LEVEL
from models.clinical.scales import CIWA_AR_ITEMS, CIWA_B_ITEMS
from models.tables import WithdrawalAssessment

# The withdrawal scales' names, marked as the board marks them (a translation may adapt them).
SCALE_NAMES = {"CIWA-B": N_("CIWA-B"), "CIWA-Ar": N_("CIWA-Ar")}


def scale_name(scale: str) -> str:
    name = SCALE_NAMES.get(scale)
    return _(name) if name is not None else scale


def _top_items(items: Mapping[str, int], scale: str = "CIWA-B") -> str:
    listed = CIWA_AR_ITEMS if scale == "CIWA-Ar" else CIWA_B_ITEMS
    by_number = {str(i.number): i for i in listed}
    ranked = sorted(
        ((score, int(n)) for n, score in items.items() if score > 0 and n in by_number),
        reverse=True,
    )[:3]
    return ", ".join(f"{by_number[str(n)].text.rstrip('?')} {score}" for score, n in ranked)


def ciwa_table(
    rows: list[WithdrawalAssessment],
    names: Mapping[int, str],
    *,
    tz: ZoneInfo,
    now: datetime,
    can_correct: bool,
) -> html.Div:
    if not rows:
        return html.Div(_("No CIWA-B charted in the last 72 hours."), className="tw-empty")
    headings = (
        _("Taken"),
        _("Scale"),
        _("Total"),
        _("Band"),
        _("Highest items"),
        _("Charted by"),
        "",
    )
    head = html.Tr([html.Th(h) for h in headings])
    body = []
    for row in rows:
        level = BAND_LEVEL.get(row.band, 0)
        action: Any = ""
        if row.entered_in_error:
            action = html.Span(
                _("In error: {reason}", reason=row.error_reason), className="tw-mar-error-note"
            )
        elif can_correct:
            action = in_error_button(_("Mark in error…"), entity="assessment", record_id=row.id)
        body.append(
            html.Tr(
                [
                    html.Td(
                        format_local(row.taken_at, tz, now, always_day=True, t=request_translator())
                    ),
                    html.Td(scale_name(row.scale), className="tw-nowrap"),  # not "CIWA-/B"
                    html.Td(level_chip(str(row.total), level)),
                    html.Td(_(BAND_LABEL.get(row.band, row.band))),
                    html.Td(
                        _top_items(row.items, row.scale),
                        className="tw-mar-detail tw-scale-wording",
                        lang="en",
                    ),
                    html.Td(names.get(row.charted_by, ""), className="tw-who"),
                    html.Td(action, className="tw-keep"),
                ],
                className="tw-in-error" if row.entered_in_error else "",
            )
        )
    return static_block(
        html.Table([html.Thead(head), html.Tbody(body)], className="tw-table tw-ciwa-scores"),
        className="tw-table-scroll",
    )
