"""A patient's card on the rounds page: tiles for CIWA, NEWS2, doses, the step and the load,
the flags (rounds_tiles.py), co-medications and PRN, and what happened since the last rounds
note.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import html

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import attrs
from dashboard.components.citations import cited
from dashboard.components.co_medications import depressant_text
from dashboard.components.prn_reads import order_text
from dashboard.components.rounds_suggestions import suggestion_line
from dashboard.components.rounds_tiles import day_time, group_row, small_text, tiles
from dashboard.components.static_markup import static_block
from dashboard.i18n import _
from dashboard.rounds_queries import RoundsSummary
from dashboard.theme import FLAG_LEVEL, acuity_level
from models.rounds import DECISION_LABELS


def depressant_line(summary: RoundsSummary) -> Any:
    """Other CNS depressants on board, with the boxed warning and the naloxone check."""
    if summary.depressants is None:
        return None
    return html.Div(
        ["⚠ ", *cited(depressant_text(summary.depressants))],
        className="tw-mar-warning tw-depressant-line",
        role="note",
    )


def prn_line(summary: RoundsSummary) -> Any:
    """The PRN orders in force, one line each."""
    if not summary.prn_orders:
        return None
    return html.Div(
        [html.Span(_("PRN orders: "), className="tw-suggest-lead")]
        + [
            html.Span(order_text(order) + ". ", className="tw-suggest-item")
            for order in summary.prn_orders
        ],
        className="tw-suggestion tw-prn-line",
    )


def since_line(summary: RoundsSummary, tz: ZoneInfo) -> str:
    note = summary.last_note
    if note is None:
        return _(
            "No rounds note yet: since admission {when}", when=day_time(summary.admitted_at, tz)
        )
    return _(
        "Since the rounds note of {when} by {author}: {decision} — {reason}",
        when=day_time(note.signed_at, tz),
        author=summary.last_note_author,
        decision=decision_label(note.decision).lower(),
        reason=note.reason,
    )


def decision_label(decision: str) -> str:
    label = DECISION_LABELS.get(decision)
    return _(label) if label is not None else decision


def patient_card(summary: RoundsSummary, *, tz: ZoneInfo, now: datetime, can_sign: bool) -> Any:
    today = now.astimezone(tz).date()
    day = (today - summary.admitted_at.astimezone(tz).date()).days + 1
    drug = ""
    if summary.plan is not None:
        to_drug = summary.plan.to_drug
        drug = drug_name(summary.plan.drug) + (f" → {drug_name(to_drug)}" if to_drug else "")
    flags_level = max((FLAG_LEVEL.get(f.severity, 1) for f in summary.open_flags), default=0)
    top = summary.highest_news2
    # The board's acuity (theme.acuity_level) on what the card shows: the last CIWA-B band and
    # the highest NEWS2 since the last note, and the open flags.
    worst = acuity_level(
        summary.scores.band if summary.scores is not None else None,
        (top.news2_total, top.news2_any_three) if top is not None else None,
        flags_level,
    )
    # What is read-only is sent as markup (static_markup): a ward's rounds were some 40 cards
    # of 40 components, each visited by dash-renderer on every store update.
    return html.Div(
        [
            group_row(
                [
                    static_block(
                        [
                            html.Span(summary.bed, className="tw-bed"),
                            html.Span(summary.name, className="tw-name"),
                            small_text(
                                _(
                                    "MRN {mrn} · day {day} · {drug}",
                                    mrn=summary.mrn,
                                    day=day,
                                    drug=drug,
                                ),
                                dimmed=True,
                            ),
                        ],
                        className="tw-row tw-gap-sm",
                    ),
                    dmc.Button(
                        _("Review and decide") if can_sign else _("Review"),
                        id={"type": "rounds-review-open", "admission": summary.admission_id},
                        color="indigo",
                        size="md",
                        className="tw-no-print",
                    ),
                ],
                gap="md",
                className="tw-row-between",
            ),
            static_block(
                [
                    small_text(since_line(summary, tz), dimmed=True, className="tw-since"),
                    tiles(summary, tz, today),
                    depressant_line(summary),
                    suggestion_line(summary),
                    prn_line(summary),
                ]
            ),
        ],
        className=f"tw-paper tw-rounds-card tw-level-edge-{worst}",
        id=f"rounds-card-{summary.admission_id}",
        **attrs(data_name=summary.name),
    )
