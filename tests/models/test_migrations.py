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
    """An admission and its nurse, written at revision 0001 in that revision's columns (the
    models describe the newest schema, so no domain operation can write at 0001)."""
    rows = {
        "ward": {
            "name": "Test Ward",
            "timezone": "UTC",
            "dose_window_min": 60,
            "time_critical_window_min": 30,
            "reassess_interval_min": 240,
            "reassess_interval_moderate_min": 120,
            "vitals_interval_min": 240,
            "worsening_points": 10,
            "worsening_hours": 24,
            "step_margin_points": 5,
            "step_window_days": 7,
            "admin_times": "08:00,20:00",
            "created_at": NOW,
        },
        "app_user": {
            "username": "nurse1",
            "display_name": "Nurse1",
            "role": "nurse",
            "password_hash": "x",
            "active": True,
            "failed_logins": 0,
            "created_at": NOW,
        },
        "patient": {
            "mrn": "TW100",
            "family_name": "Roe",
            "given_name": "Jan",
            "birth_date": NOW.date(),
            "sex": "female",
            "created_at": NOW,
        },
    }
    ids: dict[str, int] = {}
    with engine.begin() as connection:
        for table, values in rows.items():
            columns = ", ".join(values)
            params = ", ".join(f":{name}" for name in values)
            ids[table] = connection.execute(
                text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id"), values
            ).scalar_one()
        admission_id = connection.execute(
            text(
                "INSERT INTO admission (patient_id, ward_id, bed, admitted_at, attending_id, "
                "substance_history, baseline_drug, baseline_daily_ug) VALUES (:patient, :ward, "
                "'B1', :at, :user, '', 'clonazepam', 2000) RETURNING id"
            ),
            {
                "patient": ids["patient"],
                "ward": ids["ward"],
                "user": ids["app_user"],
                "at": NOW - timedelta(hours=1),
            },
        ).scalar_one()
    return int(admission_id), ids["app_user"]


def _prn_dose_at(engine: Engine, admission_id: int, nurse_id: int) -> None:
    """A PRN dose of 0.5 mg clonazepam given at NOW, in columns that revisions 0003 to 0005 have."""
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO dose_administration (admission_id, drug, dose_ug, status, prn, "
                "reason_text, administered_at, charted_at, charted_by, entered_in_error) VALUES "
                "(:admission, 'clonazepam', 500, 'given', true, 'anxious', :at, :at, :nurse, "
                "false)"
            ),
            {"admission": admission_id, "at": NOW, "nurse": nurse_id},
        )


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
    _prn_dose_at(bare_engine, admission_id, nurse_id)  # a PRN dose charted before orders existed
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


def test_0008_keeps_wards_and_doses_with_scanning_off_and_0005_takes_it_away(
    bare_engine: Engine,
) -> None:
    upgrade(bare_engine, "0001")
    admission_id, nurse_id = _admission_at_0001(bare_engine)
    upgrade(bare_engine, "0005")
    _prn_dose_at(
        bare_engine, admission_id, nurse_id
    )  # a dose given before wristband checks existed
    upgrade(bare_engine, "0008")
    with bare_engine.connect() as connection:
        assert connection.execute(
            text("SELECT scan_before_giving, scan_valid_min FROM ward")
        ).one() == (False, 10)
        assert connection.execute(
            text("SELECT wristband_check_id, dose_ug FROM dose_administration")
        ).one() == (None, 500)
        assert connection.execute(text("SELECT count(*) FROM wristband_check")).scalar() == 0
    downgrade(bare_engine, "0005")
    assert "wristband_check" not in inspect(bare_engine).get_table_names()
    with bare_engine.connect() as connection:
        assert connection.execute(text("SELECT dose_ug FROM dose_administration")).all() == [(500,)]
    upgrade(bare_engine)
    assert schema_drift(bare_engine) == []


def test_0011_gives_every_account_and_ward_english_and_0010_takes_it_away(
    bare_engine: Engine,
) -> None:
    upgrade(bare_engine, "0001")
    _, nurse_id = _admission_at_0001(bare_engine)
    upgrade(bare_engine, "0010")
    upgrade(bare_engine, "0011")
    with bare_engine.connect() as connection:
        assert connection.execute(text("SELECT default_language FROM ward")).all() == [("en",)]
        assert connection.execute(text("SELECT id, username, language FROM app_user")).all() == [
            (nurse_id, "nurse1", "en")
        ]
    user_columns = {c["name"]: c for c in inspect(bare_engine).get_columns("app_user")}
    assert user_columns["language"]["nullable"] is False
    assert user_columns["language"]["default"] is None  # the models' default, not the server's
    with bare_engine.begin() as connection:
        connection.execute(text("UPDATE app_user SET language = 'fr'"))
    downgrade(bare_engine, "0010")
    assert "language" not in {c["name"] for c in inspect(bare_engine).get_columns("app_user")}
    assert "default_language" not in {c["name"] for c in inspect(bare_engine).get_columns("ward")}
    with bare_engine.connect() as connection:
        assert connection.execute(text("SELECT username FROM app_user")).all() == [("nurse1",)]
    upgrade(bare_engine)
    assert schema_drift(bare_engine) == []


def test_0012_keeps_flags_without_a_message_code_and_0011_takes_the_codes_away(
    bare_engine: Engine,
) -> None:
    upgrade(bare_engine, "0001")
    admission_id, _ = _admission_at_0001(bare_engine)
    upgrade(bare_engine, "0011")
    with bare_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO flag (admission_id, rule, subject, severity, message, status, "
                "raised_at, updated_at) VALUES (:admission, 'news2', 'admission', 'high', "
                "'NEWS2 5 at 10 Mar 10:00: urgent review', 'open', :at, :at)"
            ),
            {"admission": admission_id, "at": NOW},
        )
    upgrade(bare_engine, "0012")
    with bare_engine.connect() as connection:
        assert connection.execute(
            text("SELECT message, message_code, message_values FROM flag")
        ).all() == [("NEWS2 5 at 10 Mar 10:00: urgent review", None, None)]
    with bare_engine.begin() as connection:
        connection.execute(
            text("UPDATE flag SET message_code = 'news2', message_values = :values"),
            {"values": '{"total": 5}'},
        )
    downgrade(bare_engine, "0011")
    columns = {c["name"] for c in inspect(bare_engine).get_columns("flag")}
    assert "message_code" not in columns and "message_values" not in columns
    with bare_engine.connect() as connection:
        assert connection.execute(text("SELECT message FROM flag")).all() == [
            ("NEWS2 5 at 10 Mar 10:00: urgent review",)
        ]
    upgrade(bare_engine)
    assert schema_drift(bare_engine) == []
