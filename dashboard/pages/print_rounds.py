"""The rounds sheet on paper (/rounds/print): each patient's summary since the last signed
rounds note, what the review rules suggest, and boxes to decide and sign. Not a page itself:
paper_rounds shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from dash import html
from sqlmodel import Session

from dashboard.clinical_words import drug_name, recipe_words
from dashboard.components.citations import cited, sources_footnote
from dashboard.components.co_medications import depressant_text
from dashboard.components.plan_words import dose_mg, mg_value
from dashboard.components.queue_actions import severity_label
from dashboard.components.rounds_suggestions import suggestions
from dashboard.components.rounds_tiles import doses_of_status
from dashboard.context import current_user_name, default_ward, engine
from dashboard.flag_queries import flag_text
from dashboard.i18n import _, language, ngettext
from dashboard.pages.print_views import print_bar, printed_line, sheet_day, sheet_time
from dashboard.rounds_queries import RoundsSummary, rounds_summaries
from dashboard.theme import BAND_LABEL, LEVELS, news2_level
from models.audit import Actor
from models.i18n import DEFAULT_LANGUAGE, format_full_date
from models.rounds import DECISION_LABELS
from models.types import utcnow


def _plan_line(summary: RoundsSummary) -> str:
    step = summary.current_step
    if summary.plan is None or step is None:
        return _("No taper plan.")
    doses = ", ".join(
        _("{drug} {dose}/day", drug=drug_name(d), dose=dose_mg(ug))
        for d, ug in step.daily_ug.items()
    )
    line = _(
        "Plan v{version} ({recipe}); step {step} since {day}: {doses} (DE {de} mg)",
        version=summary.plan.version,
        recipe=recipe_words(summary.plan.recipe),
        step=step.index,
        day=sheet_day(step.start),
        doses=doses,
        de=mg_value(step.diazepam_eq_mg),
    )
    if summary.next_step is not None:
        nxt = summary.next_step
        doses = ", ".join(f"{drug_name(d)} {dose_mg(ug)}" for d, ug in nxt.daily_ug.items())
        line += _("; next {day}: {doses}", day=sheet_day(nxt.start), doses=doses)
    return line


def _facts(summary: RoundsSummary, tz: ZoneInfo) -> list[Any]:
    scores = summary.scores
    ciwa = _("no CIWA-B since")
    if scores is not None:
        ciwa = _(
            "{first} → {last} ({band}), max {highest}, {count} scores",
            first=scores.first,
            last=scores.last,
            band=_(BAND_LABEL.get(scores.band, scores.band)),
            highest=scores.highest,
            count=scores.count,
        )
    news2 = _("no vital signs since")
    if summary.highest_news2 is not None:
        top = summary.highest_news2
        level = LEVELS[news2_level(top.news2_total, top.news2_any_three)].label
        news2 = _(
            "highest {total} ({level}) at {when}",
            total=top.news2_total,
            level=_(level),
            when=sheet_time(top.taken_at, tz),
        )
    # A status in words, as the rounds card says it (rounds_tiles.doses_of_status).
    missing = ", ".join(doses_of_status(s, n) for s, n in summary.doses_not_given.items())
    since = (
        _("since the note of {when}", when=sheet_time(summary.last_note.signed_at, tz))
        if summary.last_note
        else _("since admission")
    )
    given = _(
        "{given} of {planned} given", given=summary.doses_given, planned=summary.doses_planned
    )
    flags = [
        html.Li(f"{severity_label(f.severity)}: {flag_text(f)}") for f in summary.open_flags[:6]
    ]
    return [
        html.Tr([html.Th(_("CIWA-B {since}", since=since)), html.Td(ciwa)]),
        html.Tr([html.Th(_("NEWS2")), html.Td(news2)]),
        html.Tr([html.Th(_("Doses")), html.Td(given + (f"; {missing}" if missing else ""))]),
        html.Tr([html.Th(_("Open flags")), html.Td(html.Ul(flags) if flags else _("none"))]),
    ]


def _rounds_block(summary: RoundsSummary, tz: ZoneInfo, now: datetime) -> Any:
    today = now.astimezone(tz).date()
    day = (today - summary.admitted_at.astimezone(tz).date()).days + 1
    return html.Section(
        [
            html.H3(
                _(
                    "{bed} · {name} · MRN {mrn} · day {day} · {attending}",
                    bed=summary.bed,
                    name=summary.name,
                    mrn=summary.mrn,
                    day=day,
                    attending=summary.attending,
                )
            ),
            html.P(_plan_line(summary)),
            *(
                [
                    html.P(
                        cited("⚠ " + depressant_text(summary.depressants)),
                        className="tw-print-warning",
                    )
                ]
                if summary.depressants is not None
                else []
            ),
            html.P(
                cited(_("Review rules suggest: ") + suggestion_text(summary)),
                className="tw-print-suggest",
            ),
            html.Table(html.Tbody(_facts(summary, tz)), className="tw-print-facts"),
            html.Div(
                [
                    html.Span(_("Decision: ")),
                    *[
                        html.Span(f"☐ {_(DECISION_LABELS[d])}", className="tw-print-box")
                        for d in ("continue", "advance", "hold", "back", "adjust")
                    ],
                ],
                className="tw-print-decision",
            ),
            html.Div(_("Reason:"), className="tw-print-line"),
            html.Div("", className="tw-print-line"),
            html.Div(
                [html.Span(_("Signed:")), html.Span(_("Time:"), className="tw-print-time")],
                className="tw-print-line",
            ),
        ],
        className="tw-print-block tw-print-patient",
    )


def suggestion_text(summary: RoundsSummary) -> str:
    found = suggestions(summary)
    return "; ".join(f"{_(s.text)} ({_(s.source)})" if s.source else _(s.text) for s in found) or _(
        "nothing open"
    )


def _sheet_date(now: datetime, tz: ZoneInfo) -> str:
    code = language()
    if code == DEFAULT_LANGUAGE:
        return f"{now.astimezone(tz):%A %d %B %Y}"
    return format_full_date(now.astimezone(tz).date(), code)


def rounds_sheet(actor: Actor, scope: str) -> Any:
    now = utcnow()
    with Session(engine()) as session:
        ward = default_ward(session)
        attending = actor.user_id if scope == "mine" and actor.role == "physician" else None
        summaries = rounds_summaries(session, ward, now=now, attending_id=attending)
    tz = ZoneInfo(ward.timezone)
    title = _("Rounds sheet · {ward} · {day}", ward=ward.name, day=_sheet_date(now, tz))
    if attending:
        whose = ngettext(
            "Patients of {user}: {n}. Each summary covers the time since the patient's last "
            "signed rounds note.",
            "Patients of {user}: {n}. Each summary covers the time since the patient's last "
            "signed rounds note.",
            len(summaries),
            user=current_user_name(),
            n=len(summaries),
        )
    else:
        whose = ngettext(
            "All patients: {n}. Each summary covers the time since the patient's last signed "
            "rounds note.",
            "All patients: {n}. Each summary covers the time since the patient's last signed "
            "rounds note.",
            len(summaries),
            n=len(summaries),
        )
    return html.Div(
        [
            print_bar(_("Rounds sheet"), "/rounds"),
            html.Div(
                [
                    html.H1(title),
                    html.P(whose),
                    printed_line(now, tz),
                    *[_rounds_block(s, tz, now) for s in summaries],
                    sources_footnote(
                        [suggestion_text(s) for s in summaries]
                        + [s.depressants.text for s in summaries if s.depressants is not None]
                    ),
                ],
                className="tw-print",
                id="print-rounds",
            ),
        ]
    )
