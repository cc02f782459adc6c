"""``taperwatch db backup`` and ``db restore`` on SQLite and PostgreSQL: back up, change the
data, restore, and the old data is back (and the change gone); wrong or damaged files are
refused without touching the database."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from models.backup import BackupError, backup_database, restore_database
from models.db import dispose_engines
from models.settings import get_settings
from taperwatch.cli import main
from tests.conftest import NOW
from tests.dashboard.dash_client import row_counts
from tests.factories import Stay, make_stay


@pytest.fixture
def stay(engine: Engine) -> Stay:
    return make_stay(engine, NOW)


@pytest.fixture
def cli_database(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The command line pointed at the test database."""
    url = engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("TAPERWATCH_DATABASE_URL", url)
    monkeypatch.setenv("TAPERWATCH_DEMO", "1")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    dispose_engines()


def _change_everything(stay: Stay) -> None:
    stay.vitals_entry()
    stay.new_admission(with_plan=True)


def test_backup_change_restore_gives_the_old_data_back(
    stay: Stay, cli_database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stay.vitals_entry()
    saved = row_counts(stay.engine)
    backup = tmp_path / "ward.backup"
    assert main(["db", "backup", str(backup)]) == 0
    assert "backed up" in capsys.readouterr().out
    assert backup.stat().st_size > 0

    _change_everything(stay)
    changed = row_counts(stay.engine)
    assert changed["vital_signs"] == saved["vital_signs"] + 1
    assert changed["admission"] == saved["admission"] + 1

    stay.engine.dispose()  # as the app would be stopped
    assert main(["db", "restore", str(backup)]) == 0
    assert "restored" in capsys.readouterr().out
    assert row_counts(stay.engine) == saved
    # The restored database works: a nurse charts on it.
    stay.vitals_entry()
    assert row_counts(stay.engine)["vital_signs"] == saved["vital_signs"] + 1


def test_a_backup_is_never_overwritten(stay: Stay, tmp_path: Path) -> None:
    url = stay.engine.url.render_as_string(hide_password=False)
    backup = tmp_path / "ward.backup"
    backup_database(url, backup)
    first = backup.read_bytes()
    with pytest.raises(BackupError, match="exists"):
        backup_database(url, backup)
    assert backup.read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir() if "ward" in p.name) == ["ward.backup"]


def test_restoring_the_wrong_kind_of_file_is_refused_and_changes_nothing(
    stay: Stay, tmp_path: Path, cli_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = row_counts(stay.engine)
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup\n")
    assert main(["db", "restore", str(junk)]) == 2
    assert "not a" in capsys.readouterr().err
    assert main(["db", "restore", str(tmp_path / "missing.backup")]) == 2
    assert "no backup file" in capsys.readouterr().err
    assert main(["db", "backup"]) == 2
    assert "needs a FILE" in capsys.readouterr().err
    assert row_counts(stay.engine) == before


def test_a_backup_of_the_other_database_kind_is_refused(stay: Stay, tmp_path: Path) -> None:
    url = stay.engine.url.render_as_string(hide_password=False)
    other = tmp_path / "other.backup"
    other.write_bytes(
        b"PGDMP" + b"\x00" * 64 if url.startswith("sqlite") else b"SQLite format 3\x00"
    )
    with pytest.raises(BackupError, match="is not a"):
        restore_database(url, other)


def test_a_damaged_sqlite_backup_is_refused(tmp_path: Path, sqlite_engine: Engine) -> None:
    url = str(sqlite_engine.url)
    backup = tmp_path / "ward.backup"
    backup_database(url, backup)
    data = bytearray(backup.read_bytes())
    data[4096 : 4096 * 3] = b"\xff" * (4096 * 2)  # overwrite pages after the header
    backup.write_bytes(bytes(data))
    before = row_counts(sqlite_engine)
    with pytest.raises(BackupError):
        restore_database(url, backup)
    assert row_counts(sqlite_engine) == before


def test_a_sqlite_backup_is_consistent_while_nurses_keep_charting(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    """The online backup API copies a snapshot: a write during the backup is in it or not,
    never half of it (the copy passes SQLite's integrity check)."""
    stay = make_stay(sqlite_engine, NOW)
    stop = threading.Event()

    def chart() -> None:
        while not stop.is_set():
            stay.vitals_entry()

    writer = threading.Thread(target=chart)
    writer.start()
    try:
        backup_database(str(sqlite_engine.url), tmp_path / "live.backup")
    finally:
        stop.set()
        writer.join(timeout=30)
    copy = sqlite3.connect(tmp_path / "live.backup")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        vitals, audits = copy.execute(
            "SELECT (SELECT count(*) FROM vital_signs),"
            " (SELECT count(*) FROM audit_event WHERE action = 'vitals.record')"
        ).fetchone()
    finally:
        copy.close()
    assert vitals == audits  # every stored reading with its audit row, none without
