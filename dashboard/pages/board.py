"""The ward board: one row per admitted patient, most acute first; a row opens the patient.

The board is plain HTML made on the server: a table on a wide screen, sortable by its column
headers, and the same rows laid out as cards on a narrow one (assets/board.css; one markup, so
nothing jumps when a tablet turns). Every 30 s, after the filter changes or a header is
pressed, the rows are read again (reused while nothing was written: ``board_rows``) and sent
only when what is shown changed.

Over ~400 lines because the rows, their hand-made markup (Dash JSON built directly, for
speed) and the per-worker caches of both are one unit: the caches' keys assume all three.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
import flask
import orjson
from dash import Input, Output, State, ctx, dcc, html, no_update
from plotly.io.json import to_json_plotly
from sqlmodel import Session

from dashboard.components import charting_admit
from dashboard.components.charting_common import format_local
from dashboard.context import current_actor, default_ward, engine
from dashboard.i18n import N_, _, language, ngettext, request_translator
from dashboard.plain_json import plain
from dashboard.queries import BoardEntry, FlagSummary, LatestVitals, data_version, ward_board
from dashboard.registry import callback, register_page
from dashboard.theme import BAND_LABEL, BAND_LEVEL, LEVELS, news2_level
from models.charting import sedation_reading
from models.clinical.dose_timing import DoseStatus, dose_status
from models.clinical.drugs import format_mg
from models.clinical.observations import is_overdue
from models.clinical.sedation import RASS_LEVELS, sedation_concern
from models.clinical.vitals import reading_abnormal_fields
from models.db import read_session
from models.i18n import format_mg as format_mg_in
from models.i18n.formats import decimal_separator
from models.tables import Ward
from models.types import utcnow
from models.ward_policy import sedation_thresholds, slot_window_min

register_page(__name__, path="/", title="Ward board")
REFRESH_MS = 30_000
TABLE_ID = "board-table"
BODY_ID = "board-body"
FILTER_MAX = 200  # characters of filter text looked at


@dataclass(frozen=True)
class Column:
    """A column of the table (and a labelled line of a card on a narrow screen)."""

    key: str  # the th's id suffix and the sort's name
    header: str
    sort: Callable[[dict[str, Any]], Any] | None  # None: not sortable; a None value sorts last
    descending_first: bool = False  # scores and acuity: highest first on the first press
    tooltip: str = ""


def _bed_key(bed: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", bed))


COLUMNS: tuple[Column, ...] = (
    Column(
        "acuity",
        N_("Acuity"),
        lambda r: r["acuity"],
        descending_first=True,
        tooltip=N_(
            "Highest of the CIWA-B band, the NEWS2 response and open flags; "
            "ties: number of flags, then what is overdue"
        ),
    ),
    Column("bed", N_("Bed"), lambda r: _bed_key(r["bed"])),
    Column("name", N_("Patient"), lambda r: r["name"].casefold()),
    Column(
        "dose",
        N_("Dose today"),
        lambda r: r["dose_text"].casefold(),
        tooltip=N_("Today's daily dose from the active plan, and its diazepam equivalent"),
    ),
    Column("ciwa", N_("CIWA-B"), lambda r: r["ciwa_total"], descending_first=True),
    Column("news2", N_("NEWS2"), lambda r: r["news2_total"], descending_first=True),
    Column(
        "sedation",
        N_("Sedation"),
        lambda r: r["sedation_level"],
        descending_first=True,
        tooltip=N_(
            "The latest RASS or POSS; marked when beyond the ward's threshold (RASS: local "
            "policy; POSS 3 or more: Pasero), the top level with RR 8 or less or SpO2 below target"
        ),
    ),
    Column("vitals", N_("Last vitals"), None),
    Column("next_dose", N_("Next dose"), lambda r: r["next_dose_at"]),
    Column(
        "due",
        N_("Due"),
        lambda r: r["due_at"],
        tooltip=N_(
            "Next CIWA-B and next vitals: the ward's intervals (local policy); vitals hourly "
            "while NEWS2 calls for urgent review (RCP 2017)"
        ),
    ),
    Column("flags", N_("Flags"), lambda r: r["flags"], descending_first=True),
)
SORTABLE: dict[str, Column] = {c.key: c for c in COLUMNS if c.sort is not None}
DEFAULT_SORT: dict[str, Any] = {"column": "acuity", "descending": True}


def _trend(entry: BoardEntry) -> tuple[str, str]:
    last, previous = entry.last_ciwa, entry.previous_ciwa
    if last is None or previous is None:
        return "", ""
    if last.total > previous.total:
        return "↑", N_("rising")
    if last.total < previous.total:
        return "↓", N_("falling")
    return "→", N_("unchanged")


def _mg(ug: int) -> str:
    """ "1.5 mg" as the board has always written it; another language's own format."""
    code = language()
    return f"{format_mg(ug)} mg" if code == "en" else format_mg_in(ug, code)


def _decimal(text: str) -> str:
    """A number written with a point ("37.1", "2.5") in this request's language ("37,1")."""
    return text.replace(".", decimal_separator(language()))


def _dose_text(entry: BoardEntry) -> tuple[str, str]:
    if entry.today is None:
        baseline = f"{entry.baseline_drug} {_mg(entry.baseline_daily_ug)}"
        return _("No plan in force"), _("admitted on {baseline}", baseline=baseline)
    if not entry.today.doses:
        return _("Taper complete (0 mg)"), _(
            "≈ diazepam {dose} mg", dose=_decimal(f"{entry.today.diazepam_eq_mg:g}")
        )
    text = " + ".join(f"{_mg(d.daily_ug)} {d.drug}" for d in entry.today.doses)
    return text, _("≈ diazepam {dose} mg", dose=_decimal(f"{entry.today.diazepam_eq_mg:.3g}"))


def _vitals_parts(entry: BoardEntry) -> list[dict[str, Any]]:
    v = entry.last_vitals
    if v is None:
        return []
    marks = reading_abnormal_fields(v)
    parts = [
        # TRANSLATORS: heart rate, blood pressure, temperature, respiratory rate (board).
        (1, _("HR"), str(v.heart_rate), marks.get("heart_rate")),
        (1, _("BP"), f"{v.systolic}/{v.diastolic}", marks.get("systolic")),
        (1, _("T"), _decimal(f"{v.temperature_c:.1f}"), marks.get("temperature_c")),
        (2, _("RR"), str(v.resp_rate), marks.get("resp_rate")),
        (2, _("SpO₂"), f"{v.spo2}%", marks.get("spo2")),
    ]
    if v.supplemental_o2:
        parts.append((2, _("O₂"), _("on"), "on"))
    parts.append((2, "", v.consciousness, marks.get("consciousness")))
    return [
        {"line": line, "label": label, "value": value, "mark": mark or ""}
        for line, label, value, mark in parts
    ]


# The board's level for sedation: beyond the threshold is high (3), with depressed breathing
# the top level (4), as the "dose may be too high" rule raises them.
SEDATION_LEVEL, DANGEROUS_SEDATION_LEVEL = 3, 4


def _sedation(v: LatestVitals, ward: Ward) -> dict[str, Any]:
    parts = []
    if v.rass is not None:
        parts.append(f"RASS {RASS_LEVELS[v.rass].code}")
    if v.poss is not None:
        parts.append(f"POSS {v.poss}")
    concern = sedation_concern(sedation_reading(v), sedation_thresholds(ward))
    if concern.dangerous:
        level, sub = DANGEROUS_SEDATION_LEVEL, _("with low RR/SpO₂")
    elif concern.signs:
        level, sub = SEDATION_LEVEL, _("beyond threshold")
    else:
        level, sub = 0, (_(RASS_LEVELS[v.rass].term) if v.rass is not None else "")
    return {
        "sedation_text": " · ".join(parts) or "–",
        "sedation_sub": sub,
        "sedation_level": level,
    }


def board_row(entry: BoardEntry, ward: Ward, now: datetime) -> dict[str, Any]:
    """One grid row: display text, sort values and 0-4 levels (coloured by the theme)."""
    tz: tzinfo = ZoneInfo(ward.timezone)
    local_today = now.astimezone(tz).date()
    day = (local_today - entry.admitted_at.astimezone(tz).date()).days + 1
    dose_text, dose_sub = _dose_text(entry)
    arrow, trend = _trend(entry)
    row: dict[str, Any] = {
        "row_id": str(entry.admission_id),
        "admission_id": entry.admission_id,
        "bed": entry.bed,
        "name": f"{entry.family_name.upper()}, {entry.given_name}",
        "mrn": entry.mrn,
        "day": day,
        "patient_sub": _("Day {day} · {mrn}", day=day, mrn=entry.mrn),
        "dose_text": dose_text,
        "dose_sub": dose_sub,
    }
    ciwa_level = news_level = 0
    if entry.last_ciwa is not None:
        last = entry.last_ciwa
        ciwa_level = BAND_LEVEL.get(last.band, 0)
        row |= {
            "ciwa_level": ciwa_level,
            "ciwa_total": last.total,
            "ciwa_text": f"{last.total} {_(BAND_LABEL.get(last.band, last.band))} {arrow}".strip(),
            "ciwa_sub": f"{format_local(last.taken_at, tz, now, t=request_translator())}"
            + (f" · {_(trend)}" if trend else ""),
        }
    else:
        row |= {"ciwa_total": None, "ciwa_text": _("None yet"), "ciwa_sub": "", "ciwa_level": 0}
    v = entry.last_vitals
    if v is not None:
        news_level = news2_level(v.news2_total, v.news2_any_three)
        row |= {
            "news2_level": news_level,
            "news2_total": v.news2_total,
            "news2_text": str(v.news2_total),
            "news2_sub": _(LEVELS[news_level].label),
            "vitals_text": _vitals_parts(entry),
            "vitals_at": format_local(v.taken_at, tz, now, t=request_translator()),
            **_sedation(v, ward),
        }
    else:
        row |= {
            "news2_level": 0,
            "news2_total": None,
            "news2_text": "–",
            "news2_sub": "",
            "vitals_text": [],
            "vitals_at": _("no vitals yet"),
            "sedation_text": "–",
            "sedation_sub": "",
            "sedation_level": 0,
        }
    if entry.next_doses:
        first = entry.next_doses[0]
        # Past its time but inside its window (models.clinical.dose_timing): "late".
        status = dose_status(
            scheduled_at=first.scheduled_at,
            now=now,
            window_min=slot_window_min(ward, first.doses_per_day),
            administration=None,
        )
        overdue = status is DoseStatus.LATE
        drugs = " + ".join(f"{_mg(d.dose_ug)} {d.drug}" for d in entry.next_doses)
        row |= {
            "next_dose_at": first.scheduled_at.isoformat(),
            "next_dose_text": format_local(first.scheduled_at, tz, now, t=request_translator())
            + (_(" · late") if overdue else ""),
            "next_dose_sub": drugs,
            "next_dose_overdue": overdue,
        }
    else:
        row |= {
            "next_dose_at": None,
            "next_dose_text": _("None scheduled"),
            "next_dose_sub": "",
            "next_dose_overdue": False,
        }
    due = entry.next_assessment_due
    assessment_overdue = is_overdue(due, now)
    vitals_at = entry.next_vitals_due
    vitals_overdue = is_overdue(vitals_at, now)
    ciwa_due = _due_text(_("CIWA-B"), due, tz, now)
    vitals_due_text = _due_text(_("Vitals"), vitals_at, tz, now)
    row |= {
        "next_vitals_at": vitals_at.isoformat(),
        "vitals_overdue": vitals_overdue,
        "next_assessment_at": due.isoformat(),
        "assessment_overdue": assessment_overdue,
        # One column for both: CIWA-B (the ward's scale) on top, vitals below.
        "due_at": min(due, vitals_at).isoformat(),
        "due_text": ciwa_due,
        "due_sub": vitals_due_text,
        "due_overdue": assessment_overdue or vitals_overdue,
        "due_tooltip": "; ".join(
            (_due_detail(_("CIWA-B"), due, tz, now), _due_detail(_("vitals"), vitals_at, tz, now))
        ),
        # Flags nobody has seen: open ones, and those cleared before anyone looked.
        "flags": entry.flags.unseen,
        "flags_sub": _flags_sub(entry.flags),
        "flags_level": entry.flags.level,
    }
    level = max(ciwa_level, news_level, entry.flags.level)
    overdue_count = int(row["next_dose_overdue"]) + int(assessment_overdue) + int(vitals_overdue)
    row |= {
        "acuity_level": level,
        # Sort value: the level first, then unseen flags, then what is overdue.
        "acuity": level * 100 + min(entry.flags.unseen, 9) * 10 + overdue_count,
        "acuity_text": _(LEVELS[level].label).capitalize(),
        "acuity_sub": _acuity_sub(entry.flags.unseen, overdue_count),
    }
    return row


def _flags_sub(flags: FlagSummary) -> str:
    parts = []
    if flags.cleared:
        parts.append(_("{n} cleared", n=flags.cleared))
    if flags.acknowledged:
        parts.append(_("+{n} ack.", n=flags.acknowledged))
    return " · ".join(parts)


def _due_text(what: str, at: datetime, tz: tzinfo, now: datetime) -> str:
    """A due line short enough for the board: "CIWA-B 22:06", "Vitals overdue"; a time more
    than a day ahead carries its day."""
    if is_overdue(at, now):
        return _("{what} overdue", what=what)
    local = at.astimezone(tz)
    when = (
        f"{local:%H:%M}"
        if at - now < timedelta(days=1)
        else format_local(at, tz, now, t=request_translator())
    )
    return f"{what} {when}"


def _due_detail(what: str, at: datetime, tz: tzinfo, now: datetime) -> str:
    if is_overdue(at, now):
        by = _overdue_for(int((now - at).total_seconds() // 60))
        return _("{what} overdue {by}", what=what, by=by)
    return _("{what} due {when}", what=what, when=format_local(at, tz, now, t=request_translator()))


def _overdue_for(minutes: int) -> str:
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("by {minutes} min", minutes=minutes)
    return _("by {hours} h {minutes} min", hours=minutes // 60, minutes=f"{minutes % 60:02d}")


def _acuity_sub(flags: int, overdue: int) -> str:
    parts = []
    if flags:
        parts.append(ngettext("{n} flag", "{n} flags", flags, n=flags))
    if overdue:
        parts.append(_("{n} overdue", n=overdue))
    return " · ".join(parts)


# The board is the same for everyone on the ward, and every open screen polls it. Rows are
# worked out again when the record changed (data_version: every write is audited), when the
# minute turns (due and overdue move with the clock), and at least every BOARD_REUSE_S seconds
# (on PostgreSQL a write can commit after one with a later audit id). Per worker process.
BOARD_REUSE_S = 10


@dataclass(frozen=True)
class _Snapshot:
    version: int
    minute: int
    computed_at: datetime
    rows: list[dict[str, Any]]
    ward: Ward


def _compute_rows(session: Session, now: datetime) -> tuple[list[dict[str, Any]], Ward]:
    ward = default_ward(session)
    entries = ward_board(session, ward, now)
    rows = [board_row(entry, ward, now) for entry in entries]
    return sorted(rows, key=lambda r: (-r["acuity"], _bed_key(r["bed"]))), ward


def board_rows(now: datetime | None = None) -> tuple[list[dict[str, Any]], Ward]:
    """The board's rows, most acute first. At the clock's ``now`` (the default) the rows are
    reused while nothing was written, within the minute and BOARD_REUSE_S; an explicit
    ``now`` always works them out."""
    if now is not None:
        with read_session(engine()) as session:
            return _compute_rows(session, now)
    now = utcnow()
    cache: dict[str, _Snapshot] = flask.current_app.extensions.setdefault("tw_board", {})
    # Read before the rows: a write landing in between makes the next refresh work them out
    # again, never the reverse.
    version, minute = data_version(engine()), int(now.timestamp() // 60)
    key = f"board-{language()}"  # the rows carry their words: one set per language
    kept = cache.get(key)
    if (
        kept is not None
        and kept.version == version
        and kept.minute == minute
        and timedelta(0) <= now - kept.computed_at < timedelta(seconds=BOARD_REUSE_S)
    ):
        return kept.rows, kept.ward
    with read_session(engine()) as session:
        rows, ward = _compute_rows(session, now)
    cache[key] = _Snapshot(version, minute, now, rows, ward)
    return rows, ward


def sort_rows(rows: list[dict[str, Any]], sort: dict[str, Any]) -> list[dict[str, Any]]:
    """``rows`` (most acute first) in the order ``sort`` asks for; rows without a value (no
    CIWA-B yet, no dose scheduled) last either way, ties in acuity order."""
    column = SORTABLE[sort["column"]]
    assert column.sort is not None
    valued = [r for r in rows if column.sort(r) is not None]
    empty = [r for r in rows if column.sort(r) is None]
    return sorted(valued, key=column.sort, reverse=bool(sort["descending"])) + empty


def _haystack(row: dict[str, Any]) -> str:
    fields = (
        "bed", "name", "mrn", "patient_sub", "dose_text", "dose_sub", "ciwa_text", "news2_sub",
        "next_dose_text", "next_dose_sub", "due_text", "due_sub", "acuity_text", "acuity_sub",
    )  # fmt: skip
    return " ".join(str(row.get(f) or "") for f in fields).casefold()


def filter_rows(rows: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """The rows in which every word of ``text`` appears (bed, name, MRN, drug, scores…)."""
    words = text[:FILTER_MAX].casefold().split()
    if not words:
        return rows
    return [r for r in rows if all(w in _haystack(r) for w in words)]


def _valid_sort(sort: Any) -> dict[str, Any]:
    if (
        isinstance(sort, dict)
        and sort.get("column") in SORTABLE
        and isinstance(sort.get("descending"), bool)
    ):
        return {"column": sort["column"], "descending": sort["descending"]}
    return dict(DEFAULT_SORT)


def _pressed(sort: dict[str, Any], key: str) -> dict[str, Any]:
    """A header pressed: the same column turns round, another starts its natural way."""
    if sort["column"] == key:
        return {"column": key, "descending": not sort["descending"]}
    return {"column": key, "descending": SORTABLE[key].descending_first}


def _aria_sort(sort: dict[str, Any]) -> dict[str, str | None]:
    direction = "descending" if sort["descending"] else "ascending"
    return {key: direction if key == sort["column"] else None for key in SORTABLE}


# --- markup ----------------------------------------------------------------------------------


def _attrs(attributes: dict[str, Any]) -> dict[str, Any]:
    """HTML attributes with hyphens (data-*, aria-*), as keyword arguments of a component."""
    return attributes


_HTML = "dash_html_components"


def _el(
    tag: str, children: Any = None, attributes: dict[str, Any] | None = None, **props: Any
) -> dict[str, Any]:
    """html.<tag> in the JSON form Dash sends (what ``plain`` makes of a component), built
    directly: the board has hundreds of elements, and a component object costs several times
    the dict. ``attributes``: data-* and aria-*."""
    out = {k: v for k, v in props.items() if v is not None}
    if attributes:
        out |= attributes
    if children is not None:
        out["children"] = children
    return {"props": out, "type": tag, "namespace": _HTML}


def _tone(level: int, bold: bool = False) -> dict[str, Any]:
    tone = LEVELS[level]
    style: dict[str, Any] = {"backgroundColor": tone.background, "color": tone.text}
    return style | {"fontWeight": 600} if bold else style


_UNBROKEN = frozenset({"acuity", "ciwa", "news2", "sedation", "flags", "next_dose", "due"})


def _stack(
    key: str,
    main: Any,
    sub: Any,
    style: dict[str, Any] | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    label = _(next(c.header for c in COLUMNS if c.key == key))
    # The main value as the cell's own text (a component fewer per cell for the browser to
    # render: the board has hundreds); the note under it a span.
    text = str(main if main is not None else "")
    if key in _UNBROKEN:
        text = text.replace(" ", "\u00a0")  # "45 Severe ↑" on one line; its note may wrap
    # "CIWA-B overdue": a span that does not wrap (a line may break after a hyphen).
    hyphen = key in _UNBROKEN and "-" in text
    children: list[Any] = [_el("Span", text, className="tw-cell-main") if hyphen else text]
    if sub:
        children.append(_el("Span", str(sub), className="tw-cell-sub"))
    return _el(
        "Td",
        children,
        {"data-label": label},
        className=f"tw-col-{key} tw-cell",
        style=style,
        title=title,
    )


_MARK_ARROW = {"high": "↑", "low": "↓", "abnormal": "!"}
_MARK_WORDS = {"high": N_("abnormal (high)"), "low": N_("abnormal (low)")}


def _abnormal(mark: str) -> str:
    """A reading's title: "abnormal (high)", in this request's language."""
    word = _MARK_WORDS.get(mark)
    return _(word) if word else _("abnormal ({mark})", mark=mark)


def _vitals_line(parts: list[dict[str, Any]]) -> list[Any]:
    """Readings as text; an abnormal one boxed, with an arrow and a title (not colour alone)."""
    out: list[Any] = []
    for part in parts:
        # A reading never breaks inside itself ("T 37.1"), only between readings.
        text = f"{part['label']}\u00a0{part['value']}".strip("\u00a0") + _MARK_ARROW.get(
            part["mark"], ""
        )
        if out:
            out.append("\u2002")
        if part["mark"]:
            mark = part["mark"]
            title = _("on supplemental oxygen") if mark == "on" else _abnormal(mark)
            out.append(_el("Span", text, className="tw-vital-abnormal", title=title))
        else:
            out.append(text)
    return out


def _vitals_cell(row: dict[str, Any]) -> dict[str, Any]:
    parts = row["vitals_text"]
    label = {"data-label": _("Last vitals")}
    if not parts:
        return _el(
            "Td", _el("Span", row["vitals_at"], className="tw-cell-sub"), label,
            className="tw-col-vitals",
        )  # fmt: skip
    first = [p for p in parts if p["line"] == 1]
    second = [p for p in parts if p["line"] == 2]
    return _el(
        "Td",
        [
            _el("Span", _vitals_line(first), className="tw-cell-main tw-vitals-line"),
            _el(
                "Span",
                [
                    _el("Span", row["vitals_at"], className="tw-vital-time"),
                    "\u2002",
                    *_vitals_line(second),
                ],
                className="tw-vitals-line2",
            ),
        ],
        label,
        className="tw-col-vitals",
    )


def _row(row: dict[str, Any]) -> dict[str, Any]:
    href = f"/patient/{row['admission_id']}"
    level = row["acuity_level"]
    return _el(
        "Tr",
        [
            _stack("acuity", row["acuity_text"], row["acuity_sub"], _tone(level)),
            _el("Td", row["bed"], {"data-label": _("Bed")}, className="tw-col-bed"),
            _el(
                "Th",
                [
                    _el("A", row["name"], href=href, className="tw-board-link"),
                    _el("Span", row["patient_sub"], className="tw-cell-sub"),
                ],
                scope="row",
                className="tw-col-name",
            ),
            _stack("dose", row["dose_text"], row["dose_sub"]),
            _stack("ciwa", row["ciwa_text"], row["ciwa_sub"], _tone(row["ciwa_level"])),
            _stack("news2", row["news2_text"], row["news2_sub"], _tone(row["news2_level"])),
            _stack(
                "sedation",
                row["sedation_text"],
                row["sedation_sub"],
                _tone(row["sedation_level"]),
            ),
            _vitals_cell(row),
            _stack(
                "next_dose",
                row["next_dose_text"],
                row["next_dose_sub"],
                _tone(3, bold=True) if row["next_dose_overdue"] else None,
            ),
            _stack(
                "due",
                row["due_text"],
                row["due_sub"],
                _tone(3, bold=True) if row["due_overdue"] else None,
                title=row["due_tooltip"],
            ),
            _stack("flags", row["flags"], row["flags_sub"], _tone(row["flags_level"])),
        ],
        {"data-href": href, "data-level": str(level)},
        key=row["row_id"],
        className="tw-board-row",
        # The card's edge on a narrow screen: the acuity's colour (its text is in the card).
        style={"--tw-acuity": LEVELS[level].background},
    )


def _body(rows: list[dict[str, Any]], text: str) -> list[Any]:
    if rows:
        return [_row(r) for r in rows]
    words = text[:FILTER_MAX].strip()
    empty = (
        _("No patient matches “{words}”.", words=words) if words else _("No patients on the ward.")
    )
    return [
        _el(
            "Tr",
            _el("Td", empty, colSpan=len(COLUMNS), className="tw-board-empty"),
            className="tw-board-empty-row",
        )
    ]


def _header(column: Column, sort: dict[str, Any]) -> html.Th:
    if column.sort is None:
        return html.Th(_(column.header), scope="col", className=f"tw-col-{column.key}")
    arrow = html.Span(className="tw-sort-arrow", **_attrs({"aria-hidden": "true"}))
    return html.Th(
        html.Button(
            [_(column.header), arrow],
            id=f"board-sort-{column.key}",
            className="tw-sort-button",
            type="button",
            title=_(column.tooltip)
            if column.tooltip
            else _("Sort by {column}", column=_(column.header)),
        ),
        id=f"board-th-{column.key}",
        scope="col",
        className=f"tw-col-{column.key}",
        **_attrs({"aria-sort": _aria_sort(sort)[column.key]}),
    )


def _shown(rows: list[dict[str, Any]], text: str, sort: dict[str, Any]) -> str:
    """A digest of what the table shows: a refresh that would show the same sends nothing."""
    data = json.dumps([rows, text[:FILTER_MAX].strip(), sort], sort_keys=True, default=str)
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class _Rendered:
    rows: list[dict[str, Any]]  # the board's rows it was made from (kept: compared by identity)
    digest: str
    count: int
    # The body as Dash's JSON, serialised once: Dash's answer embeds it as it is (orjson
    # Fragment) instead of walking a hundred kilobytes of rows again on every refresh.
    body: orjson.Fragment
    counts: list[Any]  # the summary's counts, as plain JSON (the "Updated" time is added)


_RENDERED_KEPT = 16  # filters and sorts kept per worker (a few screens, a few views each)


def _rendered(rows: list[dict[str, Any]], text: str, sort: dict[str, Any]) -> _Rendered:
    """The table body for ``rows`` filtered and sorted, with its digest. Every open screen
    polls the board: while the rows are reused (``board_rows``), so is what was made of them."""
    text = text[:FILTER_MAX]
    key = (language(), text.strip(), sort["column"], sort["descending"])
    kept: dict[Any, _Rendered] = flask.current_app.extensions.setdefault("tw_board_body", {})
    found = kept.get(key)
    if found is not None and found.rows is rows:
        return found
    visible = sort_rows(filter_rows(rows, text), sort)
    made = _Rendered(
        rows,
        _shown(visible, text, sort),
        len(visible),
        orjson.Fragment(to_json_plotly(plain(_body(visible, text)))),
        plain(_counts(rows, len(visible))),
    )
    if len(kept) >= _RENDERED_KEPT:
        kept.clear()
    kept[key] = made
    return made


def _summary(
    rows: list[dict[str, Any]], ward: Ward, now: datetime, shown: int | None = None
) -> list[Any]:
    return [*_counts(rows, shown), _updated(ward, now)]


def _updated(ward: Ward, now: datetime) -> html.Span:
    tz = ZoneInfo(ward.timezone)
    return html.Span(
        _("Updated {clock}", clock=f"{now.astimezone(tz):%H:%M:%S}"), className="tw-board-updated"
    )


def _counts(rows: list[dict[str, Any]], shown: int | None = None) -> list[Any]:
    flagged = sum(1 for r in rows if r["flags"])
    overdue = sum(
        1 for r in rows if r["next_dose_overdue"] or r["assessment_overdue"] or r["vitals_overdue"]
    )
    spans = [
        html.Span(
            ngettext("{n} patients", "{n} patients", len(rows), n=len(rows)),
            className="tw-board-count",
        ),
        html.Span(_("{n} with something overdue", n=overdue), className="tw-board-count"),
        html.Span(_("{n} with flags to see", n=flagged), className="tw-board-count"),
    ]
    if shown is not None and shown != len(rows):
        spans.append(html.Span(_("{n} shown", n=shown), className="tw-board-count tw-board-shown"))
    return spans


def layout(**_query: Any) -> html.Div:
    actor = current_actor()
    now = utcnow()
    rows, ward = board_rows()
    sort = dict(DEFAULT_SORT)
    shown = sort_rows(rows, sort)
    admit_button = (
        dmc.Button(_("Admit patient"), id="board-admit-open", size="md", variant="filled")
        if actor.role in charting_admit.ADMIT_ROLES
        else html.Span()
    )
    return html.Div(
        [
            html.Div(
                [
                    dmc.Title(_("Ward board"), order=2, className="tw-page-title"),
                    html.Div(
                        _summary(rows, ward, now),
                        id="board-summary",
                        className="tw-board-summary",
                    ),
                    dmc.TextInput(
                        id="board-filter",
                        placeholder=_("Filter: bed, name, MRN, drug…"),
                        size="md",
                        className="tw-board-filter",
                        debounce=150,
                        **{"aria-label": _("Filter the board")},
                    ),
                    admit_button,
                ],
                className="tw-board-head",
            ),
            html.Table(
                [
                    html.Caption(
                        _("Patients on the ward; a row opens the patient"), className="tw-sr-only"
                    ),
                    html.Thead(html.Tr([_header(c, sort) for c in COLUMNS])),
                    html.Tbody(_body(shown, ""), id=BODY_ID),
                ],
                id=TABLE_ID,
                className="tw-board-table",
            ),
            dcc.Interval(id="board-refresh", interval=REFRESH_MS),
            dcc.Store(id="board-sort", data=sort),
            dcc.Store(id="board-shown", data=_shown(shown, "", sort)),
            charting_admit.admit_modal(),
        ],
        className="tw-board",
    )


@callback(
    output={
        "body": Output(BODY_ID, "children"),
        "summary": Output("board-summary", "children"),
        "sort": Output("board-sort", "data"),
        "shown": Output("board-shown", "data"),
        "aria": {k: Output(f"board-th-{k}", "aria-sort") for k in SORTABLE},
    },
    inputs={
        "tick": Input("board-refresh", "n_intervals"),
        "text": Input("board-filter", "value"),
        "presses": {k: Input(f"board-sort-{k}", "n_clicks") for k in SORTABLE},
        "sort": State("board-sort", "data"),
        "was_shown": State("board-shown", "data"),
    },
    prevent_initial_call=True,
)
def refresh_board(
    tick: Any, text: Any, presses: dict[str, Any], sort: Any, was_shown: Any
) -> dict[str, Any]:
    current_actor()
    now = utcnow()
    text = text if isinstance(text, str) else ""
    sort = _valid_sort(sort)
    pressed = ctx.triggered_id
    if isinstance(pressed, str) and pressed.startswith("board-sort-"):
        key = pressed.removeprefix("board-sort-")
        if key in SORTABLE and presses.get(key):
            sort = _pressed(sort, key)
    rows, ward = board_rows()
    shown = _rendered(rows, text, sort)
    changed = shown.digest != was_shown
    return {
        "body": shown.body if changed else no_update,
        "summary": [*shown.counts, plain(_updated(ward, now))],
        "sort": sort,
        "shown": shown.digest if changed else no_update,
        "aria": _aria_sort(sort),
    }
