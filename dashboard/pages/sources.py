"""Sources: every clinical source Taperwatch cites, what we take from each and which review rule,
ward setting or number uses it; then every local policy with what it is modelled on. Every
signed-in role reads it; citation links elsewhere land on an entry (``/sources#S35``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import dash_mantine_components as dmc
from dash import Input, Output, dcc, html

from dashboard.components.admin_policy import POLICY_GROUPS
from dashboard.components.citations import caution_words, cited
from dashboard.components.source_words import basis_words, use_words
from dashboard.i18n import N_, _
from dashboard.registry import clientside_callback, register_page
from models.clinical.sources import SOURCES, Source
from models.source_uses import SourceUse, local_policies, source_uses, uses_by_source

TITLE = N_("Clinical sources")
register_page(__name__, path="/sources", title=TITLE)
LOCAL_POLICIES_ID = "local-policies"


def _link(source: Source) -> Any:
    if source.url is None:
        return html.P(_("No public address is known for this source."), className="tw-muted")
    host = urlsplit(source.url).netloc.removeprefix("www.")
    return html.P(
        [
            html.A(
                host, href=source.url, target="_blank", rel="noopener noreferrer", title=source.url
            ),
            f" — {_(source.link_note)}" if source.link_note else "",
        ],
        className="tw-source-link",
    )


def _what_uses(use: SourceUse) -> list[Any]:
    """What a use is: its kind, its name and, if it has one, its value (in the reader's
    language: source_words)."""
    name, value = use_words(use)
    return [
        html.Span(_(use.kind), className="tw-source-kind"),
        html.Span(name, className="tw-source-use"),
        # TRANSLATORS: between a use's name and its value on the Sources page.
        html.Span([_(": "), *cited(value, new_tab=False)], className="tw-source-value")
        if value
        else None,
    ]


def _use_line(use: SourceUse) -> html.Li:
    return html.Li(
        [
            *_what_uses(use),
            html.Span(" · " + _("Local policy"), className="tw-source-local")
            if use.local_policy
            else None,
        ]
    )


def source_entry(source: Source, uses: tuple[SourceUse, ...]) -> html.Article:
    heading: list[Any] = [html.Span(source.id, className="tw-source-id"), source.author]
    details = " · ".join(
        part for part in (source.title, str(source.year or ""), source.where) if part
    )
    caution = (
        html.P(
            [
                html.Span(caution_words(source), className="tw-source-caution"),
                f" {_(source.caution_note)}.",
            ],
            className="tw-source-caution-line",
        )
        if source.caution
        else None
    )
    used = (
        html.Ul([_use_line(u) for u in uses], className="tw-source-uses")
        if uses
        else html.P(_("Not used by a rule or number yet."), className="tw-muted")
    )
    return html.Article(
        [
            html.H3(heading, className="tw-source-head"),
            html.P(details, className="tw-source-details"),
            caution,
            html.P([html.B(_("What we take from it: ")), _(source.takeaway)]),
            _link(source),
            html.Div([html.B(_("Used by")), used], className="tw-source-used"),
        ],
        id=source.id,
        tabIndex=-1,
        className="tw-source-entry",
    )


def _local_line(use: SourceUse) -> html.Li:
    basis = basis_words(use.basis) or _("Local policy.")
    return html.Li(
        [*_what_uses(use), html.Div(cited(basis, new_tab=False), className="tw-source-basis")]
    )


def layout(**_query: Any) -> html.Div:
    uses = source_uses(POLICY_GROUPS)
    by_source = uses_by_source(uses)
    local = local_policies(uses)
    return html.Div(
        [
            dmc.Title(_(TITLE), order=2, className="tw-page-title"),
            html.P(
                _(
                    "Every number Taperwatch uses in its scores, review rules and checks comes "
                    "from one of these sources, or is a local policy the ward sets. Each entry "
                    "says what we take from the source and where Taperwatch uses it. Entries "
                    "marked Unverified or Low authority rest on weaker ground: check them before "
                    "relying on them. Taperwatch supports decisions; it never changes a dose by "
                    "itself."
                ),
                className="tw-sources-intro",
            ),
            html.P(
                [
                    _("{n} sources", n=len(SOURCES)) + " · ",
                    html.A(_("{n} local policies", n=len(local)), href=f"#{LOCAL_POLICIES_ID}"),
                ],
                className="tw-muted",
            ),
            html.Section(
                [source_entry(s, by_source[s.id]) for s in SOURCES.values()],
                id="sources-list",
            ),
            html.Section(
                [
                    html.H3(_("Local policies"), className="tw-section-title"),
                    html.P(
                        _(
                            "No published standard sets these: the ward decides, and the admin "
                            "page labels each one. Each says what it is modelled on."
                        ),
                        className="tw-muted",
                    ),
                    html.Ul([_local_line(u) for u in local], className="tw-source-uses"),
                ],
                id=LOCAL_POLICIES_ID,
                tabIndex=-1,
                className="tw-source-entry tw-sources-local",
            ),
            dcc.Store(id="sources-target"),
        ],
        className="tw-sources",
    )


# A link such as /sources#S35 opens this page in a new tab before the entries exist, so the
# browser cannot scroll to them itself: once they are drawn, go to the entry and mark it.
clientside_callback(
    """function (_) {
        var id = decodeURIComponent((window.location.hash || "").slice(1));
        var entry = id ? document.getElementById(id) : null;
        if (!entry) { return window.dash_clientside.no_update; }
        entry.classList.add("tw-source-target");
        entry.scrollIntoView({block: "start"});
        entry.focus({preventScroll: true});
        return id;
    }""",
    Output("sources-target", "data"),
    Input("sources-list", "id"),
)
