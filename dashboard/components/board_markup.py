"""The ward board's markup: the rows as table rows (cards on a narrow screen, by CSS), built as
Dash's JSON directly for speed, and kept per worker with a digest so a refresh that would show
the same sends nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import flask
import orjson
from dash import html
from plotly.io.json import to_json_plotly

from dashboard.components.board_rows import (
    COLUMNS,
    FILTER_MAX,
    Column,
    aria_sort,
    filter_rows,
    sort_rows,
)
from dashboard.i18n import N_, _, language, ngettext
from dashboard.plain_json import plain
from dashboard.theme import LEVELS
from models.tables import Ward


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


def table_body(rows: list[dict[str, Any]], text: str) -> list[Any]:
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


def column_header(column: Column, sort: dict[str, Any]) -> html.Th:
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
        **_attrs({"aria-sort": aria_sort(sort)[column.key]}),
    )


def shown_digest(rows: list[dict[str, Any]], text: str, sort: dict[str, Any]) -> str:
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


def rendered(rows: list[dict[str, Any]], text: str, sort: dict[str, Any]) -> _Rendered:
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
        shown_digest(visible, text, sort),
        len(visible),
        orjson.Fragment(to_json_plotly(plain(table_body(visible, text)))),
        plain(_counts(rows, len(visible))),
    )
    if len(kept) >= _RENDERED_KEPT:
        kept.clear()
    kept[key] = made
    return made


def board_summary(
    rows: list[dict[str, Any]], ward: Ward, now: datetime, shown: int | None = None
) -> list[Any]:
    return [*_counts(rows, shown), updated_note(ward, now)]


def updated_note(ward: Ward, now: datetime) -> html.Span:
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
