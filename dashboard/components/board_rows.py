"""The ward board's rows: one plain dict per admitted patient, its words and tones worked out
(doses, scores, sedation, what is due), most acute first; reused per worker while nothing was
written; and their sorting and filtering by the board's columns and filter box.

Over ~400 lines because it is one subject, what each board cell says: the columns, the words and
tones of every cell, and the sort and filter over those same words, all keyed by the columns."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import flask
from sqlmodel import Session

from dashboard.board_queries import BoardEntry, FlagSummary, LatestVitals, data_version, ward_board
from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import format_local
from dashboard.context import default_ward, engine
from dashboard.i18n import N_, _, language, ngettext, request_translator
from dashboard.theme import BAND_LABEL, BAND_LEVEL, LEVELS, acuity_level, news2_level, news2_word
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
        baseline = f"{drug_name(entry.baseline_drug)} {_mg(entry.baseline_daily_ug)}"
        return _("No plan in force"), _("admitted on {baseline}", baseline=baseline)
    if not entry.today.doses:
        return _("Taper complete (0 mg)"), _(
            "≈ diazepam {dose} mg", dose=_decimal(f"{entry.today.diazepam_eq_mg:g}")
        )
    text = " + ".join(f"{_mg(d.daily_ug)} {drug_name(d.drug)}" for d in entry.today.doses)
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
            "news2_sub": _(news2_word(v.news2_total, v.news2_any_three)),
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
        drugs = " + ".join(f"{_mg(d.dose_ug)} {drug_name(d.drug)}" for d in entry.next_doses)
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
    # One column for both: CIWA-B (the ward's scale) on top, vitals below; but vitals on top
    # when they alone are overdue, so the cell's large line says why it is red.
    top, below = (
        (vitals_due_text, ciwa_due)
        if vitals_overdue and not assessment_overdue
        else (ciwa_due, vitals_due_text)
    )
    row |= {
        "next_vitals_at": vitals_at.isoformat(),
        "vitals_overdue": vitals_overdue,
        "next_assessment_at": due.isoformat(),
        "assessment_overdue": assessment_overdue,
        "due_at": min(due, vitals_at).isoformat(),
        "due_text": top,
        "due_sub": below,
        "due_overdue": assessment_overdue or vitals_overdue,
        "due_tooltip": "; ".join(
            (_due_detail(_("CIWA-B"), due, tz, now), _due_detail(_("vitals"), vitals_at, tz, now))
        ),
        # Flags nobody has seen: open ones, and those cleared before anyone looked.
        "flags": entry.flags.unseen,
        "flags_sub": _flags_sub(entry.flags),
        "flags_level": entry.flags.level,
    }
    level = acuity_level(
        entry.last_ciwa.band if entry.last_ciwa is not None else None,
        (v.news2_total, v.news2_any_three) if v is not None else None,
        entry.flags.level,
    )
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


def valid_sort(sort: Any) -> dict[str, Any]:
    if (
        isinstance(sort, dict)
        and sort.get("column") in SORTABLE
        and isinstance(sort.get("descending"), bool)
    ):
        return {"column": sort["column"], "descending": sort["descending"]}
    return dict(DEFAULT_SORT)


def pressed_sort(sort: dict[str, Any], key: str) -> dict[str, Any]:
    """A header pressed: the same column turns round, another starts its natural way."""
    if sort["column"] == key:
        return {"column": key, "descending": not sort["descending"]}
    return {"column": key, "descending": SORTABLE[key].descending_first}


def aria_sort(sort: dict[str, Any]) -> dict[str, str | None]:
    direction = "descending" if sort["descending"] else "ascending"
    return {key: direction if key == sort["column"] else None for key in SORTABLE}
