"""The patient chart's marks on its time axis: taper steps, plan versions, "now", and flags, each a
line or a labelled annotation whose user text is escaped."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dashboard.components.taper_chart_data import ChartInput, FlagMark
from dashboard.components.taper_chart_layout import Draft
from dashboard.components.taper_chart_style import INK, NOW_COLOUR, PLAN_COLOUR, STEP_COLOUR
from dashboard.components.taper_chart_time import midnight
from dashboard.i18n import N_, _, request_translator
from dashboard.theme import FLAG_LEVEL, LEVELS
from models.i18n import DEFAULT_LANGUAGE, format_day


def _day(day: date, english: str) -> str:
    """A day in a hover: as ``english`` (strftime) in English, else the language's own."""
    code = request_translator().code
    return f"{day:{english}}" if code == DEFAULT_LANGUAGE else format_day(day, code)


def _mg(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _vline(fig: Draft, x: str, *, colour: str, width: float, dash: str, name: str) -> None:
    fig.add_shape(
        type="line",
        xref="x",
        yref="paper",
        x0=x,
        x1=x,
        y0=0,
        y1=1,
        line={"color": colour, "width": width, "dash": dash},
        layer="above",
        name=name,
    )


def add_markers(fig: Draft, data: ChartInput, local: Callable[[datetime], str]) -> None:
    """Taper steps, plan versions, now, and flags."""
    tz = ZoneInfo(data.timezone)
    today = data.now.astimezone(tz).date()
    for step in sorted(data.steps, key=lambda s: s.index):
        if step.kind == "baseline" and step.index == 0:
            continue
        x = midnight(step.start)
        future = step.start > today
        _vline(
            fig,
            x,
            colour=STEP_COLOUR,
            width=1.2,
            dash="dash" if future else "dot",
            name=f"step:{step.index}",
        )
        doses = ", ".join(f"{d} {_mg(mg)} mg" for d, mg in step.daily_mg.items())
        step_text = _(
            "Step {n} ({kind}) from {day}: {doses} a day; diazepam-eq {de} mg",
            n=step.index,
            kind=_("{kind}, planned", kind=step_kind_word(step.kind))
            if future
            else step_kind_word(step.kind),
            day=_day(step.start, "%a %d %b"),
            doses=doses,
            de=_mg(step.diazepam_eq_mg),
        )
        fig.add_annotation(
            x=x,
            xref="x",
            yref=f"{fig.axes.y['dose']} domain",
            y=1.0,
            yanchor="top",
            xanchor="left",
            text=f"S{step.index}",
            showarrow=False,
            font={"size": 11, "color": "#52606D"},
            hovertext=step_text,
            name=f"step-label:{step.index}",
        )
    for version in sorted(data.versions, key=lambda v: v.version):
        x = local(version.at)
        _vline(fig, x, colour=PLAN_COLOUR, width=2, dash="solid", name=f"plan:{version.version}")
        fig.add_annotation(
            x=x,
            xref="x",
            yref="paper",
            y=1.0,
            yanchor="bottom",
            xanchor="center",
            # TRANSLATORS: a plan version on the chart, "v2 new plan".
            text=_("v{n} {tag}", n=version.version, tag=_version_tag(version.change)),
            showarrow=False,
            font={"size": 12, "color": "#FFFFFF"},
            bgcolor=PLAN_COLOUR,
            borderpad=2,
            hovertext=_(
                "Plan version {n} ({change}) by {who}, effective {day}: {reason}",
                n=version.version,
                change=change_word(version.change),
                who=figure_text(version.author),
                day=_day(version.effective_from, "%d %b"),
                reason=figure_text(version.reason),
            ),
            name=f"plan-label:{version.version}",
        )
    if data.discharged_at is None:
        _vline(fig, local(data.now), colour=NOW_COLOUR, width=1.5, dash="solid", name="now")
        fig.add_annotation(
            x=local(data.now),
            xref="x",
            yref=f"{fig.axes.y['dose']} domain",
            y=1.0,
            yanchor="top",
            xanchor="right",
            text=_("now"),
            showarrow=False,
            font={"size": 12, "color": NOW_COLOUR},
            name="now-label",
        )
    for flag, row in zip(data.flags, flag_rows(data.flags), strict=True):
        fig.add_annotation(**flag_annotation(flag, local, fig.axes.y["ciwa"], row=row))


def figure_text(text: str) -> str:
    """User text (a reason, a name, a message) made safe for a figure's hover or annotation:
    plotly.js renders a subset of HTML there (links, styles), so its markup characters are
    escaped and shown as typed."""
    return html.escape(text, quote=False)


FLAG_LABEL_MAX = 22
VERSION_TAGS = {"create": N_("new plan"), "back": N_("back a step"), "recipe": N_("new recipe")}
# A plan change in a version's hover, for a reader of another language than English (English
# keeps the stored code, as the hover always said it): every kind of models.plan_changes.
CHANGE_WORDS = VERSION_TAGS | {
    "advance": N_("cut brought forward"),
    "hold": N_("step held"),
    "resume": N_("taper resumed"),
    "stop": N_("stopped now"),
}


def step_kind_word(kind: str) -> str:
    """A step's kind in a hover: as stored in English ("cut"), else the steps table's word
    (plan_views.KIND_LABELS) in the reader's language; an unknown kind as stored."""
    from dashboard.components.plan_views import KIND_LABELS  # here: plan_views imports this

    label = KIND_LABELS.get(kind)
    if label is None or request_translator().code == DEFAULT_LANGUAGE:
        return kind
    return _(label)


def change_word(change: str) -> str:
    """A plan change in a hover: the stored code in English ("advance"), else its words in the
    reader's language; an unknown code as stored."""
    words = CHANGE_WORDS.get(change)
    if words is None or request_translator().code == DEFAULT_LANGUAGE:
        return change
    return _(words)


def _version_tag(change: str) -> str:
    tag = VERSION_TAGS.get(change)
    return _(tag) if tag is not None else change


# A flag's severity and status in its hover, in the reader's language (English: the stored
# words, as the hover always said them; an unknown value is shown as stored).
FLAG_SEVERITY_WORDS = {
    "low": N_("low"),
    "moderate": N_("moderate"),
    "high": N_("high"),
    "emergency": N_("emergency"),
}
FLAG_STATUS_WORDS = {
    "open": N_("open"),
    "acknowledged": N_("acknowledged"),
    "cleared": N_("cleared"),
    "resolved": N_("resolved"),
}


def _flag_word(words: dict[str, str], value: str) -> str:
    word = words.get(value)
    return _(word) if word is not None else value


# Flags closer together than this are drawn on separate rows so their labels do not overlap.
FLAG_ROW_GAP = timedelta(hours=20)
FLAG_ROWS = 3


def flag_rows(flags: Sequence[FlagMark]) -> list[int]:
    """A row (0 = top) for each flag: the first row whose last flag is far enough before it."""
    rows = [0] * len(flags)
    last: dict[int, datetime] = {}
    for i in sorted(range(len(flags)), key=lambda i: flags[i].at):
        at = flags[i].at
        free = [r for r in range(FLAG_ROWS) if r not in last or at - last[r] >= FLAG_ROW_GAP]
        rows[i] = free[0] if free else i % FLAG_ROWS
        last[rows[i]] = at
    return rows


def flag_annotation(
    flag: FlagMark, local: Callable[[datetime], str], ciwa_y: str, *, row: int = 0
) -> dict[str, Any]:
    tone = LEVELS[FLAG_LEVEL.get(flag.severity, 1)]
    label = flag.label or flag.rule.replace("_", " ")
    if len(label) > FLAG_LABEL_MAX:
        label = label[: FLAG_LABEL_MAX - 1] + "…"
    return {
        "x": local(flag.at),
        "xref": "x",
        "yref": f"{ciwa_y} domain",
        "y": 0.96 - 0.16 * row,
        "text": f"⚑ {figure_text(label)}",
        "showarrow": True,
        "arrowhead": 2,
        "ax": 0,
        "ay": -22,
        "arrowcolor": INK,
        "font": {"size": 12, "color": tone.text},
        "bgcolor": tone.background,
        "bordercolor": INK,
        "borderwidth": 1,
        "borderpad": 2,
        "opacity": 0.95 if flag.status != "resolved" else 0.55,
        # TRANSLATORS: a flag's hover on the chart: "high · open: 3 PRN doses".
        "hovertext": _(
            "{severity} · {status}: {message}",
            severity=_flag_word(FLAG_SEVERITY_WORDS, flag.severity),
            status=_flag_word(FLAG_STATUS_WORDS, flag.status),
            message=figure_text(flag.message),
        ),
        "name": f"flag-{flag.rule}",
    }
