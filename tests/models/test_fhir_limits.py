"""FHIR import refuses what no stay's bundle is: too large a file, too many entries, deeper
nesting than a resource has, and names or an MRN longer than their columns; each with a clear
reason and nothing written. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from models.fhir_bundle import (
    MAX_BUNDLE_BYTES,
    MAX_BUNDLE_DEPTH,
    MAX_BUNDLE_ENTRIES,
    BundleRefused,
    parse_bundle,
)
from models.fhir_import import ImportResult
from tests.models.fhir_stay import counts
from tests.models.test_fhir_import import _resource, ehr_bundle, load  # noqa: F401


def _reasons(refused: pytest.ExceptionInfo[BundleRefused]) -> list[str]:
    return [str(problem) for problem in refused.value.problems]


def test_a_file_over_the_size_cap_is_refused_before_it_is_parsed() -> None:
    text = json.dumps(ehr_bundle() | {"padding": "x" * MAX_BUNDLE_BYTES})
    with pytest.raises(BundleRefused) as refused:
        parse_bundle(text)
    assert "MB" in _reasons(refused)[0]
    assert parse_bundle(json.dumps(ehr_bundle())) == ehr_bundle()


def test_deep_nesting_is_refused_without_exhausting_the_parser() -> None:
    for depth in (MAX_BUNDLE_DEPTH + 1, 100_000):
        with pytest.raises(BundleRefused) as refused:
            parse_bundle("[" * depth + "]" * depth)
        assert f"deeper than {MAX_BUNDLE_DEPTH}" in _reasons(refused)[0]
    # brackets inside strings are text, not nesting
    assert parse_bundle(json.dumps({"a": "[" * 1000})) == {"a": "[" * 1000}


def test_text_that_is_not_json_is_refused() -> None:
    for text in ("<Bundle/>", "", "{", b"\xff\xfe"):
        with pytest.raises(BundleRefused) as refused:
            parse_bundle(text)
        assert "not JSON" in _reasons(refused)[0]


def test_too_many_entries_are_refused(
    engine: Engine,
    load: Callable[..., ImportResult],  # noqa: F811
) -> None:
    bundle = ehr_bundle()
    filler = {"resource": {"resourceType": "Basic", "id": "b"}}
    bundle["entry"] += [filler] * MAX_BUNDLE_ENTRIES
    before = counts(engine)
    with pytest.raises(BundleRefused) as refused:
        load(bundle)
    assert f"at most {MAX_BUNDLE_ENTRIES}" in _reasons(refused)[0]
    assert counts(engine) == before


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda p: p["name"][0].update(family="F" * 10_000), "family name is longer than 100"),
        (lambda p: p["name"][0].update(given=["G" * 101]), "given name is longer than 100"),
        (lambda p: p["identifier"][1].update(value="M" * 200), "record number is longer than 32"),
    ],
)
def test_overlong_patient_text_is_refused(
    engine: Engine,
    load: Callable[..., ImportResult],  # noqa: F811
    change: Callable[[dict[str, Any]], None],
    reason: str,
) -> None:
    bundle = ehr_bundle()
    change(_resource(bundle, "p1"))
    before = counts(engine)
    with pytest.raises(BundleRefused) as refused:
        load(bundle)
    assert any(reason in r for r in _reasons(refused)), _reasons(refused)
    assert counts(engine) == before


def test_the_command_refuses_a_huge_file_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from taperwatch.cli import main

    monkeypatch.setenv("TAPERWATCH_DATABASE_URL", f"sqlite:///{tmp_path / 'unused.db'}")
    path = tmp_path / "huge.json"
    path.write_text("[" + "1," * (MAX_BUNDLE_BYTES // 2) + "1]")
    assert main(["import", "fhir", str(path), "--user", "nurse1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MB" in err, err
