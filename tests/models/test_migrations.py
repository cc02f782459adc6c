"""The Alembic migrations are the schema's one source: they build it from empty on both
databases and match the models exactly."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from models.migrate import current_revision, downgrade, schema_drift, upgrade
from models.tables import metadata
from tests.conftest import NOW

TOKENED = ("vital_signs", "withdrawal_assessment")  # the tables revision 0002 gives a token


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


def _has_token_column(engine: Engine, table: str) -> bool:
    return "submission_id" in {c["name"] for c in inspect(engine).get_columns(table)}


def _admission_at_0001(engine: Engine) -> tuple[int, int]:
    """An admission and its nurse, written at revision 0001 in plain SQL (today's models have
    columns the old schema lacks)."""
    rows = {"now": NOW, "born": NOW.date().replace(year=1970)}
    with engine.begin() as connection:
        run = connection.execute
        run(
            text(
                "INSERT INTO ward (name, timezone, dose_window_min, time_critical_window_min, "
                "reassess_interval_min, reassess_interval_moderate_min, vitals_interval_min, "
                "worsening_points, worsening_hours, step_margin_points, step_window_days, "
                "admin_times, created_at) VALUES ('Test Ward', 'UTC', 60, 30, 240, 120, 240, "
                "10, 24, 5, 7, '08:00,20:00', :now)"
            ),
            rows,
        )
        for username, role in (("nurse1", "nurse"), ("doctor1", "physician")):
            run(
                text(
                    "INSERT INTO app_user (username, display_name, role, password_hash, active, "
                    "failed_logins, created_at) VALUES (:u, :u, :r, 'x', true, 0, :now)"
                ),
                {**rows, "u": username, "r": role},
            )
        run(
            text(
                "INSERT INTO patient (mrn, family_name, given_name, birth_date, sex, created_at) "
                "VALUES ('TW100', 'Roe', 'Jan', :born, 'female', :now)"
            ),
            rows,
        )
        ids = {
            name: connection.execute(text(sql)).scalar_one()
            for name, sql in (
                ("ward", "SELECT id FROM ward"),
                ("patient", "SELECT id FROM patient"),
                ("nurse", "SELECT id FROM app_user WHERE username = 'nurse1'"),
                ("doctor", "SELECT id FROM app_user WHERE username = 'doctor1'"),
            )
        }
        run(
            text(
                "INSERT INTO admission (patient_id, ward_id, bed, admitted_at, attending_id, "
                "substance_history, baseline_drug, baseline_daily_ug) VALUES (:patient, :ward, "
                "'B1', :now, :doctor, '', 'clonazepam', 2000)"
            ),
            {**rows, **ids},
        )
        admission_id = connection.execute(text("SELECT id FROM admission")).scalar_one()
    return int(admission_id), int(ids["nurse"])


def test_0002_adds_the_submission_tokens_keeping_readings_and_0001_takes_them_away(
    bare_engine: Engine,
) -> None:
    upgrade(bare_engine, "0001")
    admission_id, nurse_id = _admission_at_0001(bare_engine)
    reading = {
        "admission_id": admission_id,
        "taken_at": NOW - timedelta(minutes=30),
        "charted_at": NOW,
        "charted_by": nurse_id,
    }
    with bare_engine.begin() as connection:  # a reading charted before the upgrade
        connection.execute(
            text(
                "INSERT INTO vital_signs (admission_id, taken_at, heart_rate, systolic, "
                "diastolic, temperature_c, resp_rate, spo2, supplemental_o2, consciousness, "
                "news2_total, news2_any_three, charted_at, charted_by, entered_in_error) "
                "VALUES (:admission_id, :taken_at, 80, 120, 80, 36.8, 16, 97, false, 'A', 0, "
                "false, :charted_at, :charted_by, false)"
            ),
            reading,
        )
    assert not any(_has_token_column(bare_engine, table) for table in TOKENED)

    upgrade(bare_engine, "0002")
    for table in TOKENED:
        column = {c["name"]: c for c in inspect(bare_engine).get_columns(table)}["submission_id"]
        assert column["nullable"] is True
        [index] = [
            i
            for i in inspect(bare_engine).get_indexes(table)
            if i["name"] == f"uq_{table}_submission_id"
        ]
        assert index["unique"] and index["column_names"] == ["submission_id"]
    with bare_engine.begin() as connection:
        assert connection.execute(
            text("SELECT heart_rate, submission_id FROM vital_signs")
        ).all() == [(80, None)]
        connection.execute(text("UPDATE vital_signs SET submission_id = 'tok-0123456789abcdef'"))

    downgrade(bare_engine, "0001")
    assert not any(_has_token_column(bare_engine, table) for table in TOKENED)
    with bare_engine.connect() as connection:
        assert connection.execute(text("SELECT heart_rate FROM vital_signs")).all() == [(80,)]
    upgrade(bare_engine)
    assert schema_drift(bare_engine) == []


def test_0005_keeps_wards_admissions_and_prn_doses_and_0003_takes_it_away(
    bare_engine: Engine,
) -> None:
    upgrade(bare_engine, "0003")
    admission_id, nurse_id = _admission_at_0001(bare_engine)
    with bare_engine.begin() as connection:  # a PRN dose charted before orders existed
        connection.execute(
            text(
                "INSERT INTO dose_administration (admission_id, drug, dose_ug, status, prn, "
                "reason_text, administered_at, charted_at, charted_by, entered_in_error) VALUES "
                "(:admission, 'clonazepam', 500, 'given', true, 'anxious', :at, :at, :nurse, "
                "false)"
            ),
            {"admission": admission_id, "at": NOW, "nurse": nurse_id},
        )
    upgrade(bare_engine, "0005")
    with bare_engine.connect() as connection:
        assert connection.execute(
            text("SELECT hard_ceiling_de_mg, increase_margin_pct FROM ward")
        ).one() == (300, 10)
        assert connection.execute(
            text("SELECT ciwa_ar, dose_confirmed_by FROM admission")
        ).one() == (False, None)
        assert connection.execute(
            text("SELECT prn, prn_order_id, dose_ug FROM dose_administration")
        ).one() == (True, None, 500)
    downgrade(bare_engine, "0003")
    assert "prn_order" not in inspect(bare_engine).get_table_names()
    with bare_engine.connect() as connection:
        assert connection.execute(text("SELECT dose_ug FROM dose_administration")).all() == [(500,)]
    upgrade(bare_engine)
    assert schema_drift(bare_engine) == []
