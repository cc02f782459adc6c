"""The tiles of a patient's rounds card (rounds_card.py): CIWA-B, NEWS2, doses, the step, the
load and the flags, each since the last rounds note, and the card's small pieces of text.

Read-only: a ward's rounds are some 40 cards, drawn as plain elements (static_markup).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dash import html

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import level_style, short_day
from dashboard.components.rounds_suggestions import flag_label
from dashboard.components.sparkline import sparkline
from dashboard.flag_queries import flag_text
from dashboard.i18n import N_, _, language, ngettext
from dashboard.rounds_queries import RoundsSummary
from dashboard.theme import BAND_LABEL, BAND_LEVEL, FLAG_LEVEL, news2_level, news2_word
from models.clinical.load import trend as load_trend
from models.i18n.formats import format_day, format_mg, format_number, format_when
from models.plan_changes import on_open_hold

# How a dose not given is counted on the card (models.clinical.dose_timing's statuses).
DOSE_STATUS_WORDS = (N_("held"), N_("refused"), N_("not given"), N_("missed"))


def doses_of_status(status: str, n: int) -> str:
    """ "2 held": a count of doses of a status (rounds_queries' keys), the word agreeing with
    the count in the reader's language; an unknown status as its words."""
    if status == "held":
        return ngettext("{n} held", "{n} held", n, n=n)
    if status == "refused":
        return ngettext("{n} refused", "{n} refused", n, n=n)
    if status == "not_given":
        return ngettext("{n} not given", "{n} not given", n, n=n)
    if status == "missed":
        return ngettext("{n} missed", "{n} missed", n, n=n)
    return f"{n} {_(status.replace('_', ' '))}"


def day_time(instant: datetime, tz: ZoneInfo) -> str:
    """ "Tue 3 Mar 14:05" ("mar. 3 mars 14:05") in the ward's zone."""
    return format_when(instant, language(), tz=tz)


def mg(ug: int) -> str:
    return format_mg(ug, language())


def number(value: float) -> str:
    """A decimal as the reader writes it (up to 3 decimals)."""
    return format_number(Decimal(f"{value:.3f}"), language())


def small_text(
    children: Any, *, dimmed: bool = False, className: str = "", **props: Any
) -> html.Div:
    """A line of small text (Mantine's Text, size "sm"), as a plain element: a ward's rounds are
    some 40 cards of 40 elements each, and plain elements draw several times faster."""
    classes = " ".join(c for c in ("tw-text-sm", "tw-dimmed" if dimmed else "", className) if c)
    return html.Div(children, className=classes, **props)


def group_row(children: list[Any], *, gap: str = "xs", className: str = "") -> html.Div:
    """Items side by side, wrapping, centred (Mantine's Group), as a plain element."""
    return html.Div(children, className=f"tw-row tw-gap-{gap} {className}".strip())


def level_badge(text: str, level: int, **props: Any) -> html.Span:
    """A severity badge on a rounds card (the card's own style; charting forms use
    ``level_chip``)."""
    return html.Span(text, className="tw-level", style=level_style(level), **props)


def ciwa_tile(summary: RoundsSummary) -> Any:
    scores = summary.scores
    if scores is None:
        return _tile(_("CIWA-B"), [small_text(_("No score since"), dimmed=True)])
    change = scores.last - scores.first
    arrow = "▲" if change > 0 else "▼" if change < 0 else "="
    body: list[Any] = [
        group_row(
            [
                html.Span(str(scores.last), className="tw-big"),
                level_badge(
                    _(BAND_LABEL.get(scores.band, scores.band)), BAND_LEVEL.get(scores.band, 0)
                ),
            ]
        ),
        small_text(
            arrow
            + " "
            + ngettext(
                "{first} → {last}, max {highest} ({n} score)",
                "{first} → {last}, max {highest} ({n} scores)",
                scores.count,
                first=scores.first,
                last=scores.last,
                highest=scores.highest,
                n=scores.count,
            ),
            className="tw-trend",
        ),
    ]
    if len(scores.recent) >= 2:
        body.append(
            sparkline(
                scores.recent,
                color="#1F2933",
                label=_(
                    "CIWA-B trend: the last {n} scores, {first} to {last}",
                    n=len(scores.recent),
                    first=scores.recent[0],
                    last=scores.last,
                ),
            )
        )
    return _tile(_("CIWA-B"), body)


def news2_tile(summary: RoundsSummary, tz: ZoneInfo) -> Any:
    top = summary.highest_news2
    if top is None:
        return _tile(_("Highest NEWS2"), [small_text(_("No vital signs since"), dimmed=True)])
    level = news2_level(top.news2_total, top.news2_any_three)
    return _tile(
        _("Highest NEWS2"),
        [
            group_row(
                [
                    html.Span(str(top.news2_total), className="tw-big"),
                    level_badge(_(news2_word(top.news2_total, top.news2_any_three)), level),
                ]
            ),
            small_text(
                ngettext(
                    "{when}; {n} abnormal set",
                    "{when}; {n} abnormal sets",
                    summary.abnormal_vitals,
                    when=day_time(top.taken_at, tz),
                    n=summary.abnormal_vitals,
                )
            ),
        ],
    )


def doses_tile(summary: RoundsSummary) -> Any:
    missing = ", ".join(
        doses_of_status(status, n) for status, n in sorted(summary.doses_not_given.items())
    )
    return _tile(
        _("Doses given"),
        [
            html.Span(
                _("{given} of {planned}", given=summary.doses_given, planned=summary.doses_planned),
                className="tw-big",
            ),
            small_text(missing or _("none missed"), className="tw-worse" if missing else ""),
        ],
    )


def not_tolerated_warning(summary: RoundsSummary) -> str | None:
    """While a step-not-tolerated flag is unresolved, the next cut comes after a step the
    patient did not tolerate: said wherever that cut is shown (models.clinical.tolerance)."""
    flags = [f for f in summary.open_flags if f.rule == "step_not_tolerated"]
    if not flags:
        return None
    when = ", ".join(
        short_day(date.fromisoformat(s.removeprefix("step:")), language())
        for s in sorted(f.subject for f in flags if f.subject.startswith("step:"))
    )
    return "⚠ " + _(
        "The step of {when} was not tolerated (flag open): review before the next cut", when=when
    )


def step_tile(summary: RoundsSummary, today: Any) -> Any:
    step = summary.current_step
    if summary.plan is None or step is None:
        return _tile(_("Taper step"), [small_text(_("No taper plan"))])
    doses = ", ".join(f"{drug_name(d)} {mg(ug)}" for d, ug in step.daily_ug.items())
    days_on = (today - step.start).days + 1
    if on_open_hold(summary.steps, today):
        after = _("on hold until resumed")
    elif summary.next_step is not None:
        nxt = summary.next_step
        after = _(
            "next {day}: {doses}",
            day=format_day(nxt.start, language()),
            doses=", ".join(mg(ug) for ug in nxt.daily_ug.values()),
        )
    else:
        after = _("last step")
    warning = not_tolerated_warning(summary)
    return _tile(
        _("Taper step"),
        [
            html.Span(_("Step {n}", n=step.index), className="tw-big"),
            small_text(
                _(
                    "{doses}/day (DE {de} mg), day {day}",
                    doses=doses,
                    de=number(step.diazepam_eq_mg),
                    day=days_on,
                )
            ),
            small_text(after, dimmed=True),
            *(
                [
                    small_text(
                        warning,
                        className="tw-worse",
                        id=f"rounds-not-tolerated-{summary.admission_id}",
                    )
                ]
                if warning
                else []
            ),
        ],
    )


def load_tile(summary: RoundsSummary) -> Any:
    """The total benzodiazepine load given today (scheduled + PRN, diazepam-equivalent mg) and
    its last days: a PRN use that climbs while the taper falls shows here."""
    if not summary.loads:
        return _tile(_("Load given (DE)"), [small_text(_("Nothing given"))])
    today = summary.loads[-1]
    prn_days = sum(1 for d in summary.loads if d.prn_doses)
    body: list[Any] = [
        html.Span(f"{number(today.total_de_mg)} mg", className="tw-big"),
        small_text(
            _(
                "today {scheduled} scheduled + {prn} PRN",
                scheduled=number(today.scheduled_de_mg),
                prn=number(today.prn_de_mg),
            )
        ),
    ]
    change = load_trend(summary.loads)
    if change is not None:
        arrow = "▲" if change > 0.5 else "▼" if change < -0.5 else "="
        body.append(
            html.Div(
                arrow
                + " "
                + _(
                    "{change} mg/day over 3 days · PRN on {prn_days} of {days} days",
                    change=("+" if change >= 0 else "−") + number(abs(round(change, 1))),
                    prn_days=prn_days,
                    days=len(summary.loads),
                ),
                className="tw-trend tw-worse tw-small" if change > 0.5 else "tw-trend tw-small",
                title=_("Mean of the last 3 days minus the mean of the 3 days before"),
            )
        )
    body.append(
        sparkline(
            [round(d.total_de_mg, 1) for d in summary.loads],
            color="#009E73",
            label=_(
                "Load given each day (diazepam-equivalent mg), the last {n} days",
                n=len(summary.loads),
            ),
        )
    )
    return _tile(_("Load given (DE)"), body)


def flags_tile(summary: RoundsSummary) -> Any:
    if not summary.open_flags:
        return _tile(_("Open flags"), [small_text(_("None"))])
    shown = summary.open_flags[:4]
    chips: list[Any] = [
        level_badge(
            f"⚑ {flag_label(f.rule)}" + (" " + _("(cleared)") if f.status == "cleared" else ""),
            FLAG_LEVEL.get(f.severity, 1) if f.status != "cleared" else 0,
            title=flag_text(f),
        )
        for f in shown
    ]
    more = len(summary.open_flags) - len(shown)
    if more:
        chips.append(small_text(_("+{n} more", n=more)))
    return _tile(_("Open flags"), [html.Div(chips, className="tw-stack")])


def _tile(title: str, body: list[Any]) -> Any:
    return html.Div([html.Div(title, className="tw-tile-title"), *body], className="tw-tile")


def tiles(summary: RoundsSummary, tz: ZoneInfo, today: date) -> html.Div:
    """The six tiles: CIWA-B, NEWS2, doses, the step, the load, the flags."""
    return html.Div(
        [
            ciwa_tile(summary),
            news2_tile(summary, tz),
            doses_tile(summary),
            step_tile(summary, today),
            load_tile(summary),
            flags_tile(summary),
        ],
        className="tw-tiles",
    )
