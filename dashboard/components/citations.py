"""Citations in the UI: text with ``[Sn]`` tags becomes text in which each tag is a link to its
entry on the Sources page, with the citation as its tooltip (the title attribute on hover, and
a line at the foot of the screen while the link has keyboard focus: dashboard/assets/sources.css).
Links open the Sources page in a new tab, so a half-filled form is never lost. On paper, a
footnote lists the sources a sheet cites in full."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dash import html

from dashboard.i18n import N_, _
from models.clinical.sources import SOURCES, Caution, Source, cited_ids, split_citations

SOURCES_PATH = "/sources"
# A source's caution as the Sources page and a citation's tooltip name it.
CAUTION_WORDS = {Caution.UNVERIFIED: N_("Unverified"), Caution.LOW_AUTHORITY: N_("Low authority")}


def source_href(source_id: str) -> str:
    return f"{SOURCES_PATH}#{source_id}"


def caution_words(source: Source) -> str:
    """A source's caution ("Unverified") in the reader's language; "" when it has none."""
    return _(CAUTION_WORDS[source.caution]) if source.caution is not None else ""


def source_line(source: Source) -> str:
    """The citation in one line, with its caution: for tooltips and paper. The reference is the
    source's own (its authors, title and place, as published); the caution is in the reader's
    language, its note too where the catalogs have it."""
    line = f"{source.id}: {source.citation}"
    if source.caution is not None:
        # TRANSLATORS: after a source's reference: "(Unverified: quoted without a checked copy.)"
        line += " " + _(
            "({caution}: {note}.)", caution=caution_words(source), note=_(source.caution_note)
        )
    return line


def cite_link(source_id: str, *, new_tab: bool = True) -> html.A:
    """``[S35]`` as a link; an id not in the sources is a bug and fails loudly."""
    source = SOURCES.get(source_id)
    if source is None:
        raise KeyError(f"[{source_id}] is cited but is not in models.clinical.sources")
    line = source_line(source)
    tip = _(
        "{citation} What we take from it: {takeaway}", citation=line, takeaway=_(source.takeaway)
    )
    attrs: dict[str, Any] = {
        "href": source_href(source_id),
        "title": tip,
        "className": "tw-cite" + (" tw-cite-caution" if source.caution else ""),
        "data-citation": tip,
        "aria-label": _("Source {citation}", citation=line)
        + (" " + _("Opens in a new tab.") if new_tab else ""),
    }
    if new_tab:
        attrs.update(target="_blank", rel="noopener")
    return html.A(f"[{source_id}]", **attrs)


def cited(text: str, *, new_tab: bool = True) -> list[Any]:
    """``text`` as children: plain text, with each ``[Sn]`` a citation link."""
    parts = split_citations(text)
    return [
        cite_link(part, new_tab=new_tab) if i % 2 else part for i, part in enumerate(parts) if part
    ]


def source_marks(text: str) -> list[Any]:
    """Compact, where space is short (the review queue): the tags of ``text`` as links, and
    "Local policy" when it says so; the full basis is on the Sources page."""
    marks: list[Any] = [cite_link(source_id) for source_id in cited_ids(text)]
    if "local policy" in text.lower():
        marks.append(" " + _("Local policy") if marks else _("Local policy"))
    return marks


def sources_footnote(texts: Iterable[str]) -> html.Section | None:
    """For printed sheets: each source the texts cite, in full with its address."""
    ids = cited_ids(" ".join(texts))
    if not ids:
        return None
    items = []
    for source_id in ids:
        source = SOURCES[source_id]
        items.append(html.Li(source_line(source) + (f" {source.url}" if source.url else "")))
    return html.Section(
        [html.H2(_("Sources cited on this sheet")), html.Ul(items)],
        className="tw-print-sources",
    )
