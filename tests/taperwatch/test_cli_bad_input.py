"""The command line answers bad input with one line and exit status 2, never a traceback:
hypothesis over every ``taper preview`` option, the cases a security test found (dates at the
calendar's ends, a time with a zone, a 5,000-digit interval, a 401-digit cut), a missing
secret key, and a reader that closes the pipe early."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taperwatch.cli import main

BASE = {
    "--drug": "clonazepam",
    "--daily-mg": "2",
    "--recipe": "-0.25mg/7d",
    "--start": "2026-01-05",
}
OPTIONS = (*BASE, "--times", "--to", "--table", "--stages", "--preset")
ODD = [
    "",
    " ",
    "9999-12-01",
    "0001-01-01",
    "2026-02-30",
    "08:00+05:00,20:00",
    "25:00",
    "1000000",
    "-0.125mg/1d",
    "-0.25mg/" + "9" * 5000 + "d",
    "-1e400%/7d",
    "-" + "9" * 401 + "%/7d",
    "1e309",
    "NaN",
    "-inf",
    "\x00",
    "ü" * 300,
    "0",
    "-1",
    "99999999999999999999",
    "a,b,c",
    "-0.5mg/14d until 1mg; -0.25mg/7d",
    "diazepam",
    "vadod",
]
value = st.one_of(st.sampled_from(ODD), st.text(max_size=60))


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's refusals
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def _one_clear_line(status: int, err: str) -> None:
    assert status == 2, (status, err)
    assert err.count("\n") == 1 and err.startswith("taperwatch: error: "), err
    assert len(err) < 400, err
    assert "Traceback" not in err


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(changes=st.dictionaries(st.sampled_from(OPTIONS), value, min_size=1, max_size=4))
def test_taper_preview_never_shows_a_traceback(
    changes: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = BASE | changes
    argv = ["taper", "preview"]
    for option, given_value in args.items():
        argv.append(f"{option}={given_value}")
    status, out, err = _run(argv, capsys)
    if status == 0:
        assert err == "" and out.strip()
    else:
        _one_clear_line(status, err)


@pytest.mark.parametrize(
    ("option", "bad"),
    [
        ("--start", "9999-12-01"),
        ("--start", "0001-01-01"),
        ("--times", "08:00+05:00,20:00"),
        ("--recipe", "-0.25mg/" + "9" * 5000 + "d"),
        ("--recipe", "-" + "9" * 401 + "%/7d"),
        ("--recipe", "-1e400%/7d"),
        ("--stages", "9" * 5000),
        ("--bogus", "x"),
    ],
)
def test_the_reported_cases_get_one_line(
    option: str, bad: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["taper", "preview", *(f"{k}={v}" for k, v in BASE.items()), f"{option}={bad}"]
    status, _, err = _run(argv, capsys)
    _one_clear_line(status, err)
    assert "9" * 50 not in err  # a long number is never echoed back whole


def test_a_huge_dose_with_daily_cuts_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["taper", "preview", *(f"{k}={v}" for k, v in BASE.items())]
    argv += ["--daily-mg=1000000", "--recipe=-0.125mg/1d"]
    status, _, err = _run(argv, capsys)
    _one_clear_line(status, err)


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "taperwatch", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).parents[2],
    )


def test_a_missing_secret_key_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TAPERWATCH_")}
    env["TAPERWATCH_DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    process = _cli(["seed", "demo"], env)
    _, err = process.communicate(timeout=120)
    _one_clear_line(process.returncode, err.decode())
    assert "TAPERWATCH_SECRET_KEY" in err.decode()


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    """``taper preview ... | head -1``: the pipe closes under the table."""
    process = _cli(
        ["taper", "preview", *(f"{k}={v}" for k, v in BASE.items()), "--recipe=-0.01mg/1d"],
        dict(os.environ),
    )
    assert process.stdout is not None
    process.stdout.readline()
    process.stdout.close()  # as head does after its line
    err = process.stderr.read() if process.stderr else b""
    process.wait(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err
    assert process.returncode == 0
