"""The Alembic migrations are the schema's one source: they build it from empty on both
databases and match the models exactly."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Engine

from models.migrate import current_revision, downgrade, schema_drift, upgrade
from models.tables import metadata


def test_migrations_build_every_table_from_empty(bare_engine: Engine) -> None:
    assert inspect(bare_engine).get_table_names() == []
    upgrade(bare_engine)
    tables = set(inspect(bare_engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert current_revision(bare_engine) is not None


def test_models_and_migrations_do_not_drift(engine: Engine) -> None:
    assert schema_drift(engine) == []


def test_downgrade_to_base_and_up_again(engine: Engine) -> None:
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    upgrade(engine)
    assert schema_drift(engine) == []


def test_upgrade_twice_is_harmless(engine: Engine) -> None:
    before = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == before
