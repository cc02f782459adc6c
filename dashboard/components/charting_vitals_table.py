"""The patient's vital signs of the last 72 hours, newest first: each value marked when
abnormal, NEWS2 in its response band's colour, the sedation scores, who charted it, and
"Mark in error…" for those who may correct it. Sent as one block of markup (static_markup)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from dashboard.components.charting_common import attrs, format_local, level_chip
from dashboard.components.static_markup import in_error_button, static_block
from dashboard.i18n import N_, _, language, request_translator
from dashboard.theme import news2_level
from models.clinical.sedation import RASS_LEVELS, SedationThresholds, poss_beyond, rass_beyond
from models.clinical.vitals import reading_abnormal_fields
from models.i18n.formats import decimal_separator
from models.tables import VitalSigns

TABLE_HEADERS: tuple[str, ...] = (
    N_("Taken"),
    N_("RR"),
    N_("SpO₂"),
    N_("O₂"),
    N_("BP"),
    N_("Pulse"),
    N_("ACVPU"),
    N_("Temp"),
    N_("NEWS2"),
    N_("Sedation"),
    N_("Charted by"),
    "",
)


def vitals_table(
    rows: list[VitalSigns],
    names: Mapping[int, str],
    *,
    tz: ZoneInfo,
    now: datetime,
    can_correct: bool,
    thresholds: SedationThresholds | None = None,
) -> html.Div:
    thresholds = thresholds or SedationThresholds()
    if not rows:
        return html.Div(_("No vitals charted in the last 72 hours."), className="tw-empty")
    head = html.Tr([html.Th(_(h) if h else h) for h in TABLE_HEADERS])
    body = [
        _vitals_row(v, names, tz=tz, now=now, can_correct=can_correct, thresholds=thresholds)
        for v in rows
    ]
    return static_block(
        html.Table([html.Thead(head), html.Tbody(body)], className="tw-table"),
        className="tw-table-scroll",
    )


def _sedation_cell(v: VitalSigns, thresholds: SedationThresholds) -> Any:
    parts = []
    if v.rass is not None:
        parts.append(("RASS " + RASS_LEVELS[v.rass].code, rass_beyond(v.rass, thresholds)))
    if v.poss is not None:
        parts.append((f"POSS {v.poss}", poss_beyond(v.poss, thresholds)))
    return [
        html.Span(
            text,
            className="tw-abn" if beyond else "",
            title=_("beyond the ward's sedation threshold") if beyond else None,
            **attrs(data_sedation_beyond="true" if beyond else "false"),
        )
        for text, beyond in parts
    ] or "–"


def _vitals_row(
    v: VitalSigns,
    names: Mapping[int, str],
    *,
    tz: ZoneInfo,
    now: datetime,
    can_correct: bool,
    thresholds: SedationThresholds,
) -> html.Tr:
    marks = reading_abnormal_fields(v)
    code = language()

    def cell(field: str, text: str) -> html.Td:
        mark = marks.get(field)
        if not mark:
            return html.Td(text)
        arrow = {"high": "↑", "low": "↓"}.get(mark, "!")
        title = _("abnormal ({mark})", mark=_(mark))
        return html.Td(html.Span(f"{text}{arrow}", className="tw-abn", title=title))

    level = news2_level(v.news2_total, v.news2_any_three)
    action: Any = ""
    if v.entered_in_error:
        action = html.Span(
            _("In error: {reason}", reason=v.error_reason),
            className="tw-mar-error-note",
            title=_("entered in error"),
        )
    elif can_correct:
        action = in_error_button(_("Mark in error…"), entity="vitals", record_id=v.id)
    return html.Tr(
        [
            html.Td(format_local(v.taken_at, tz, now, always_day=True, t=request_translator())),
            cell("resp_rate", str(v.resp_rate)),
            cell("spo2", f"{v.spo2}%" + (_(" (scale 2)") if v.spo2_scale == 2 else "")),
            html.Td(_("on") if v.supplemental_o2 else _("air")),
            cell("systolic", f"{v.systolic}/{v.diastolic}"),
            cell("heart_rate", str(v.heart_rate)),
            cell("consciousness", v.consciousness),
            cell("temperature_c", f"{v.temperature_c:.1f}".replace(".", decimal_separator(code))),
            html.Td(level_chip(str(v.news2_total), level)),
            html.Td(_sedation_cell(v, thresholds)),
            html.Td(names.get(v.charted_by, ""), className="tw-who"),
            html.Td(action, className="tw-keep"),
        ],
        className="tw-in-error" if v.entered_in_error else "",
    )
