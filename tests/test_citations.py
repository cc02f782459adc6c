"""No dangling references: every ``[Sn]`` in the code, the docs and the help text names a source
in models.clinical.sources, every source is cited somewhere, each module lists in its
``CLINICAL_NUMBERS`` the sources it cites, docs/clinical-sources.md is what the module
generates, and nothing points to a file outside the repository. (The rendered pages are
checked in tests/dashboard/test_citations_rendered.py and tests/browser/test_sources.py.)"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from models.clinical.sources import SOURCE_TAG, SOURCES
from models.source_uses import registry_modules, source_uses, uses_by_source
from taperwatch import sources_cmd
from taperwatch.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
SCANNED_DIRS = ("models", "jobs", "dashboard", "taperwatch", "seed_data", "docs", "bench", "tests")
SCANNED_FILES = ("README.md", "Makefile", "pyproject.toml")
SUFFIXES = {".py", ".md", ".css", ".js", ".json", ".toml", ".ini", ".mako", ".txt"}
SOURCES_MODULE = ROOT / "models" / "clinical" / "sources.py"
GENERATED_DOC = ROOT / sources_cmd.DOC_PATH
THIS_FILE = Path(__file__).resolve()

# Sources kept for work in progress: in models.clinical.sources but not cited by code yet.
RESERVED_FOR_WORK_IN_PROGRESS: frozenset[str] = frozenset()

# Files that are not in the repository (design notes, the clinical notes they came from) and
# issue numbers of a tracker a fresh clone does not have.
OUTSIDE_THE_REPOSITORY = re.compile(
    r"\b(?:DESIGN|CLINICAL|STYLE)\.md\b|\bissues?\s*#?\d+|\bissue:", re.IGNORECASE
)


def _files() -> Iterator[Path]:
    for name in SCANNED_DIRS:
        for path in sorted((ROOT / name).rglob("*")):
            if path.is_file() and path.suffix in SUFFIXES and "__pycache__" not in path.parts:
                yield path
    for name in SCANNED_FILES:
        yield ROOT / name


def _tags() -> dict[str, list[str]]:
    """Source id -> where it is cited ("path:line"), outside the sources module and the doc
    generated from it (which list every source)."""
    found: dict[str, list[str]] = {}
    for path in _files():
        if path in (SOURCES_MODULE, GENERATED_DOC):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for source_id in SOURCE_TAG.findall(line):
                found.setdefault(source_id, []).append(f"{path.relative_to(ROOT)}:{number}")
    return found


def test_every_tag_names_a_source() -> None:
    unknown = {sid: where for sid, where in _tags().items() if sid not in SOURCES}
    assert unknown == {}, "add these to models/clinical/sources.py or fix the tag"


def test_the_generated_doc_and_the_sources_module_name_only_known_sources() -> None:
    for path in (SOURCES_MODULE, GENERATED_DOC):
        text = path.read_text(encoding="utf-8")
        assert set(SOURCE_TAG.findall(text)) - SOURCES.keys() == set(), path


def test_every_source_is_cited_somewhere() -> None:
    cited = _tags().keys()
    uncited = SOURCES.keys() - cited - RESERVED_FOR_WORK_IN_PROGRESS
    assert uncited == set(), "cite these where they are used, or remove them from the sources"


def test_sources_reserved_for_work_in_progress_are_listed_until_cited() -> None:
    assert RESERVED_FOR_WORK_IN_PROGRESS <= SOURCES.keys(), "reserved ids must be sources"
    now_cited = sorted(RESERVED_FOR_WORK_IN_PROGRESS & _tags().keys())
    assert now_cited == [], f"{now_cited} are cited now: remove them from the reserved set"
    if RESERVED_FOR_WORK_IN_PROGRESS:
        warnings.warn(
            f"{len(RESERVED_FOR_WORK_IN_PROGRESS)} sources are reserved for work in progress "
            f"and not yet cited ({', '.join(sorted(RESERVED_FOR_WORK_IN_PROGRESS))}): empty "
            "RESERVED_FOR_WORK_IN_PROGRESS in tests/test_citations.py once that work merges",
            UserWarning,
            stacklevel=1,
        )


def test_every_cited_source_shows_what_uses_it() -> None:
    by_source = uses_by_source(source_uses())
    unused = {s for s, uses in by_source.items() if not uses} - RESERVED_FOR_WORK_IN_PROGRESS
    assert unused == set(), "list what uses these (a review rule, a setting, CLINICAL_NUMBERS)"


def _module_files() -> list[Path]:
    clinical = sorted((ROOT / "models" / "clinical").glob("*.py"))
    others = [ROOT / (m.__name__.replace(".", "/") + ".py") for m in registry_modules()]
    return sorted(
        {p for p in [*clinical, *others] if p.name != "__init__.py" and p != SOURCES_MODULE}
    )


@pytest.mark.parametrize("path", _module_files(), ids=lambda p: p.stem)
def test_each_module_lists_the_sources_it_cites(path: Path) -> None:
    """A module that cites ``[Sn]`` declares the number that uses it in CLINICAL_NUMBERS, so the
    Sources page can say what each source is used for."""
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    module = importlib.import_module(name)
    cited = set(SOURCE_TAG.findall(path.read_text(encoding="utf-8")))
    numbers = getattr(module, "CLINICAL_NUMBERS", None)
    if not cited:
        return
    assert numbers is not None, f"{name} cites {sorted(cited)} but has no CLINICAL_NUMBERS"
    listed = {source for number in numbers for source in number.sources}
    assert cited - listed == set(), f"{name}: list these in CLINICAL_NUMBERS"


def test_clinical_sources_doc_is_up_to_date() -> None:
    assert GENERATED_DOC.read_text(encoding="utf-8") == sources_cmd.markdown(), (
        f"run: taperwatch sources --markdown > {sources_cmd.DOC_PATH}"
    )


def test_no_file_points_outside_the_repository() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {match.group(0)}"
        for path in _files()
        if path != THIS_FILE
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        for match in OUTSIDE_THE_REPOSITORY.finditer(line)
    ]
    assert found == [], "point to docs/ or models.clinical.sources instead"


def _help_texts() -> Iterator[tuple[str, str]]:
    parser, _ = build_parser()
    stack = [("taperwatch", parser)]
    while stack:
        name, current = stack.pop()
        yield name, current.format_help()
        for action in current._subparsers._group_actions if current._subparsers else []:
            for sub_name, sub in getattr(action, "choices", {}).items():
                stack.append((f"{name} {sub_name}", sub))


def test_help_text_points_only_inside_the_repository() -> None:
    texts = dict(_help_texts())
    assert {"taperwatch", "taperwatch sources", "taperwatch taper preview"} <= texts.keys()
    bad = {name: m.group(0) for name, t in texts.items() if (m := OUTSIDE_THE_REPOSITORY.search(t))}
    assert bad == {}
    unknown = {n: SOURCE_TAG.findall(t) for n, t in texts.items() if SOURCE_TAG.search(t)}
    assert all(set(ids) <= SOURCES.keys() for ids in unknown.values()), unknown


def test_the_reference_pattern_finds_what_it_must() -> None:
    """The checks above are only as good as their patterns."""
    for text in ("see DESIGN.md", "(CLINICAL.md §6)", "issue 9", "Issue #12", "issue: 'x'"):
        assert OUTSIDE_THE_REPOSITORY.search(text), text
    for text in ("DetectedIssue 3", '"issued": now', "docs/data-model.md", "the issue list"):
        assert not OUTSIDE_THE_REPOSITORY.search(text), text
    assert SOURCE_TAG.findall("a [S1][S22] b [S5x] [s3] S4") == ["S1", "S22"]
