"""docs/layout.md names every module of the app's packages, and no module that is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "models", "models/clinical", "models/i18n", "jobs", "jobs/rules", "dashboard",
    "dashboard/pages", "dashboard/components", "taperwatch", "seed_data", "bench",
)  # fmt: skip


def _documented() -> dict[str, set[str]]:
    """Each package heading of the page (``## models/``) with the modules its table names."""
    found: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in (ROOT / "docs" / "layout.md").read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"## (\S+)/", line)
        if heading:
            current = found.setdefault(heading.group(1), set())
        elif current is not None and (row := re.match(r"\| `([\w.]+\.py)` \|", line)):
            current.add(row.group(1))
    return found


def test_every_module_is_on_the_layout_page_and_nothing_else() -> None:
    documented = _documented()
    assert set(documented) == set(PACKAGES)
    for package in PACKAGES:
        on_disk = {p.name for p in (ROOT / package).glob("*.py") if p.name != "__init__.py"}
        assert on_disk, package
        assert documented[package] == on_disk, package
