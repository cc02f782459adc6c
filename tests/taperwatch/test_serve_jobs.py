"""``taperwatch serve`` starts the review jobs in its own process when the settings ask for it;
a jobs package that cannot be imported stops the start instead of serving without flags."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import Engine, create_engine

import jobs.service
from models.settings import Settings
from taperwatch.cli import start_jobs_in_process


def _settings(database_url: str, in_process: bool | None) -> Settings:
    return Settings(database_url=database_url, demo=True, scheduler_in_process=in_process)


@pytest.fixture
def engine() -> Engine:
    return create_engine("sqlite://")


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[Engine]:
    calls: list[Engine] = []
    monkeypatch.setattr(jobs.service, "start_in_process_scheduler", calls.append)
    return calls


@pytest.mark.parametrize(
    ("url", "in_process", "starts"),
    [
        ("sqlite:///ward.db", None, True),  # SQLite: one process, the jobs run in it
        ("postgresql://ward", None, False),  # PostgreSQL: the jobs are a service of their own
        ("postgresql://ward", True, True),
        ("sqlite:///ward.db", False, False),
    ],
)
def test_the_settings_decide_whether_the_jobs_run_in_process(
    engine: Engine, started: list[Engine], url: str, in_process: bool | None, starts: bool
) -> None:
    assert start_jobs_in_process(_settings(url, in_process), engine) is starts
    assert started == ([engine] if starts else [])


def test_jobs_that_cannot_be_imported_stop_the_start(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "jobs.service", None)  # import raises ImportError
    with pytest.raises(ImportError):
        start_jobs_in_process(_settings("sqlite:///ward.db", True), engine)
