"""``taperwatch sources``: the clinical sources, one a line; with ``--markdown`` the whole
reference (each source, what uses it, and the local policies) as docs/clinical-sources.md:

    taperwatch sources --markdown > docs/clinical-sources.md
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from models.clinical.sources import SOURCE_TAG, SOURCES, Source
from models.source_uses import SourceUse, local_policies, source_uses, uses_by_source

DOC_PATH = "docs/clinical-sources.md"
_INTRO = f"""\
# Clinical sources

<!-- Generated from models/clinical/sources.py and the rules, settings and numbers that
cite it: `taperwatch sources --markdown > {DOC_PATH}`.
Do not edit by hand; a test fails when this file is out of date. -->

Every number Taperwatch uses in its scores, review rules and checks comes from one of these
sources, or is a **local policy** that the ward sets (listed at the end, each with what it is
modelled on). In the code, the UI and the docs a source is cited as `[Sn]`; the Sources page
of the app (`/sources`) shows the same list. Each entry gives who published the source, what it
is, the part we use, where to read it, what we take from it, and what in Taperwatch uses it.
Entries marked **Unverified** or **Low authority** rest on weaker ground: check them before
relying on them. Taperwatch supports decisions; it never changes a dose by itself.

To add or change a number: cite its source as `[Sn]` next to the constant, add the source to
`models/clinical/sources.py` if it is new, list the number in its module's `CLINICAL_NUMBERS`,
and regenerate this file. Tests fail when a tag names no source, when a source is cited
nowhere, or when a module cites a source its `CLINICAL_NUMBERS` does not list.
"""


def _use_text(use: SourceUse) -> str:
    text = f"{use.kind} · **{use.name}**"
    if use.value:
        text += f": {use.value}"
    if use.local_policy:
        text += " (local policy)"
    return text + f" — `{use.home}`"


def source_markdown(source: Source, uses: Sequence[SourceUse]) -> str:
    details = " · ".join(p for p in (source.title, str(source.year or ""), source.where) if p)
    lines = [f'### <a id="{source.id}"></a>{source.id} · {source.author}', "", details, ""]
    if source.caution is not None:
        lines.append(f"- **{source.caution.value.capitalize()}:** {source.caution_note}.")
    if source.url:
        note = f" ({source.link_note})" if source.link_note else ""
        lines.append(f"- Link: <{source.url}>{note}")
    else:
        lines.append("- Link: no public address is known.")
    lines.append(f"- What we take from it: {source.takeaway}")
    if uses:
        lines.append("- Used by:")
        lines += [f"  - {_use_text(u)}" for u in uses]
    else:
        lines.append("- Used by: nothing yet (kept for work in progress).")
    return "\n".join(lines) + "\n"


def _linked(text: str) -> str:
    """Each ``[Sn]`` as a link to its entry above."""
    return SOURCE_TAG.sub(r"[[\1]](#\1)", text)


def local_markdown(use: SourceUse) -> str:
    value = f": {use.value}" if use.value else ""
    basis = _linked(use.basis or "Local policy.")
    return f"- {use.kind} · **{use.name}**{value}. {basis} — `{use.home}`"


def markdown() -> str:
    from dashboard.components.admin_policy import (
        POLICY_GROUPS,  # names policy settings as the admin page does
    )

    uses = source_uses(POLICY_GROUPS)
    by_source = uses_by_source(uses)
    parts = [_INTRO, "## Sources\n"]
    parts += [source_markdown(s, by_source[s.id]) for s in SOURCES.values()]
    parts.append(
        "## Local policies\n\nNo published standard sets these: the ward decides (the admin "
        "page labels each one), and each says what it is modelled on.\n"
    )
    parts.append("\n".join(local_markdown(u) for u in local_policies(uses)) + "\n")
    return "\n".join(parts)


def plain() -> str:
    lines = []
    for source in SOURCES.values():
        caution = f" [{source.caution.value.upper()}]" if source.caution else ""
        lines.append(f"{source.id:<4} {source.citation}{caution} {source.url or '(no address)'}")
    return "\n".join(lines)


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    p = subparsers.add_parser("sources", help=f"the clinical sources ({DOC_PATH})")
    p.add_argument(
        "--markdown", action="store_true", help=f"print the full reference, as {DOC_PATH}"
    )


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(markdown() if args.markdown else plain() + "\n")
    return 0
