"""``taperwatch taper preview``: JSON shape, the readable table, one-line errors."""

from __future__ import annotations

import json
from typing import Any

import pytest

from taperwatch import taper_cmd

PRESET_A = ["taper", "preview", "--drug", "clonazepam", "--daily-mg", "2", "--preset", "a",
            "--start", "2026-01-05"]  # fmt: skip


def run_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert taper_cmd.main([*argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object on one line
    result: dict[str, Any] = json.loads(out)
    return result


def test_json_for_a_preset(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(PRESET_A, capsys)
    assert set(result) == {"drug", "to", "table", "recipe", "steps", "warnings"}
    assert (result["drug"], result["to"], result["table"]) == ("clonazepam", None, "ashton")
    assert result["recipe"] == "-0.5mg/14d until 1mg; -0.25mg/7d"
    first_cut = result["steps"][1]
    assert first_cut == {
        "index": 1,
        "start": "2026-01-05",
        "kind": "cut",
        "daily_mg": {"clonazepam": 1.5},
        "diazepam_eq_mg": 30.0,
        "doses": [
            {"time": "08:00", "drug": "clonazepam", "mg": 0.75},
            {"time": "20:00", "drug": "clonazepam", "mg": 0.75},
        ],
    }
    assert [s["daily_mg"]["clonazepam"] for s in result["steps"]] == [
        2.0, 1.5, 1.0, 0.75, 0.5, 0.25, 0.0
    ]  # fmt: skip
    assert result["steps"][-1]["doses"] == []
    assert [w["start"] for w in result["warnings"]] == [
        "2026-01-19", "2026-02-09", "2026-02-16", "2026-02-23"
    ]  # fmt: skip
    assert set(result["warnings"][0]) == {"step", "start", "message", "kind"}
    assert {w["kind"] for w in result["warnings"]} == {"pace"}
    assert result["warnings"][0]["step"] == 2


def test_json_for_a_substitution(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        ["taper", "preview", "--drug", "alprazolam", "--daily-mg", "2", "--recipe", "-0.25mg/7d",
         "--start", "2026-01-05", "--to", "clonazepam", "--table", "ashton", "--stages", "4"],
        capsys,
    )  # fmt: skip
    assert (result["drug"], result["to"]) == ("alprazolam", "clonazepam")
    stage = result["steps"][1]
    assert stage["daily_mg"] == {"alprazolam": 1.5, "clonazepam": 0.5}
    assert stage["kind"] == "crossover"
    assert stage["diazepam_eq_mg"] == 40.0
    assert stage["doses"] == [
        {"time": "08:00", "drug": "alprazolam", "mg": 0.75},
        {"time": "08:00", "drug": "clonazepam", "mg": 0.25},
        {"time": "20:00", "drug": "alprazolam", "mg": 0.75},
        {"time": "20:00", "drug": "clonazepam", "mg": 0.25},
    ]
    assert result["steps"][4]["daily_mg"] == {"clonazepam": 2.0}
    assert result["steps"][5] | {"doses": None} == {
        "index": 5,
        "start": "2026-02-02",
        "kind": "cut",
        "daily_mg": {"clonazepam": 1.75},
        "diazepam_eq_mg": 35.0,
        "doses": None,
    }


def test_times_and_vadod_table(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_json(
        [*PRESET_A[:-4], "--recipe", "-0.125mg/7d", "--start", "2026-01-05",
         "--times", "08:00,14:00,20:00", "--table", "vadod"],
        capsys,
    )  # fmt: skip
    assert result["table"] == "vadod"
    assert result["steps"][0]["diazepam_eq_mg"] == 20.0  # vadod: clonazepam 1 mg ~ 10 mg
    assert [d["mg"] for d in result["steps"][1]["doses"]] == [0.625, 0.625, 0.625]


def test_readable_table_marks_warned_steps(capsys: pytest.CaptureFixture[str]) -> None:
    assert taper_cmd.main(PRESET_A) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    header = next(line for line in lines if "start" in line and "kind" in line)
    assert "clonazepam mg/day" in header and "08:00" in header and "diazepam-eq mg" in header
    warned = [line for line in lines if line.startswith("!  ")]
    assert [line.split()[2] for line in warned] == [
        "2026-01-19", "2026-02-09", "2026-02-16", "2026-02-23"
    ]  # fmt: skip
    assert "Pace check (ASAM 2025" in out
    assert sum(line.startswith("! 2026-") for line in lines) == 4


def test_above_a_label_maximum_is_a_warning_not_a_refusal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["taper", "preview", "--drug", "alprazolam", "--daily-mg", "12", "--recipe",
            "-10%/14d", "--start", "2026-01-05"]  # fmt: skip
    result = run_json(argv, capsys)
    [label] = [w for w in result["warnings"] if w["kind"] == "label"]
    assert label["step"] == 0
    assert "alprazolam 12 mg a day is above its label maximum of 10 mg/day" in label["message"]
    assert taper_cmd.main(argv) == 0
    out = capsys.readouterr().out
    assert "Also check before ordering:" in out and "[S62]" in out


def test_recipe_starting_with_minus_needs_no_equals_sign(
    capsys: pytest.CaptureFixture[str],
) -> None:
    result = run_json([*PRESET_A[:-4], "--recipe", "-0.25mg/7d", "--start", "2026-01-05"], capsys)
    assert result["steps"][1]["daily_mg"] == {"clonazepam": 1.75}


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"--drug": "xanax"}, "--drug: unknown drug 'xanax'; known: alprazolam, clonazepam"),
        ({"--daily-mg": "-2"}, "--daily-mg: the daily dose must be more than 0 mg"),
        ({"--daily-mg": "two"}, "--daily-mg: 'two' is not a dose in mg"),
        ({"--daily-mg": "2.06"}, "--daily-mg: 2.06 mg is not a whole number of clonazepam units"),
        ({"--start": "2026-02-30"}, "--start: '2026-02-30' is not a date; write YYYY-MM-DD"),
        ({"--preset": None, "--recipe": "-0.5mg/14x"},
         "--recipe: unknown interval unit 'x' in '-0.5mg/14x'; use d or w"),
        ({"--preset": "e"}, "--preset: unknown preset 'e'"),
        ({"--recipe": "-1mg/7d"}, "--recipe: give --recipe or --preset, not both"),
        ({"--preset": None}, "--recipe: give --recipe or --preset"),
        ({"--to": "clonazepam"}, "--to: is the same as the drug"),
        ({"--to": "diazepam", "--table": "bnf"}, "--table: unknown equivalence table 'bnf'"),
        ({"--to": "diazepam", "--stages": "0"}, "--stages: a crossover needs at least 1 stage"),
        ({"--to": "diazepam", "--stages": "x"}, "--stages: 'x' is not a whole number"),
        ({"--times": "08:00,8pm"}, "--times: '8pm' is not a time"),
        ({"--times": "08:00,08:00"}, "--times: 08:00 is listed twice"),
        ({"--drug": None}, "--drug: is required"),
        # The CLI refuses what the ward refuses
        ({"--daily-mg": "1e3"}, "--daily-mg: '1e3' is not a dose in mg; write a plain number"),
        ({"--daily-mg": "inf"}, "--daily-mg: 'inf' is not a dose in mg"),
        ({"--drug": "diazepam", "--daily-mg": "1000"},
         "--daily-mg: diazepam 1000 mg a day is 1000 mg diazepam-equivalent (ashton table), "
         "above the default hard ceiling of 300 mg a day (local policy)"),
        ({"--drug": "alprazolam", "--daily-mg": "400", "--to": "diazepam"},
         "--daily-mg: alprazolam 400 mg a day is 8000 mg diazepam-equivalent"),
        ({"--preset": None, "--recipe": "-99.99%/7d"},
         "--recipe: this recipe stops at once on 2026-01-05: from clonazepam 2 mg a day"),
        ({"--preset": None, "--recipe": "-5mg/7d"}, "--recipe: this recipe stops at once"),
        ({"--preset": None, "--recipe": "-" + "9" * 5000 + "mg/7d"},
         "--recipe: the recipe is 5,006 characters long; keep it under 200"),
    ],
)  # fmt: skip
def test_bad_arguments_exit_2_with_one_line(
    changes: dict[str, str | None], reason: str, capsys: pytest.CaptureFixture[str]
) -> None:
    options = dict(zip(PRESET_A[2::2], PRESET_A[3::2], strict=True)) | changes
    argv = ["taper", "preview"]
    for option, value in options.items():
        if value is not None:
            argv += [option, value]
    assert taper_cmd.main([*argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith(f"taperwatch: error: {reason}")


def test_the_main_cli_dispatches_to_taper_preview(capsys: pytest.CaptureFixture[str]) -> None:
    from taperwatch import cli

    assert cli.main([*PRESET_A, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["drug"] == "clonazepam"
