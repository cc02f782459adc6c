"""Every stylesheet the app serves closes each block it opens: an unclosed ``@media`` block
swallows every rule after it (the taper calendar's rules once applied only on phones)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ASSETS = Path(__file__).resolve().parents[2] / "dashboard" / "assets"
SHEETS = sorted(ASSETS.glob("*.css"))


def _depths(css: str) -> list[int]:
    """The nesting depth after each brace, comments and quoted strings left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\"[^\"\n]*\"|'[^'\n]*'", "", css)
    depth, depths = 0, []
    for brace in re.findall(r"[{}]", css):
        depth += 1 if brace == "{" else -1
        depths.append(depth)
    return depths


def test_the_app_has_stylesheets() -> None:
    assert len(SHEETS) >= 5


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda p: p.name)
def test_a_stylesheet_closes_every_block_it_opens(sheet: Path) -> None:
    depths = _depths(sheet.read_text(encoding="utf-8"))
    assert depths and min(depths) >= 0 and depths[-1] == 0


def test_the_check_finds_an_unclosed_media_block() -> None:
    assert _depths("@media (max-width: 1px) { .a { b: c; }\n.d { e: f; }")[-1] == 1
    assert _depths("/* { */ .a::after { content: '{'; }")[-1] == 0
