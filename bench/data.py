"""Deterministic benchmark data shaped like the demo ward, only larger, written in bulk.

The demo ward goes through the audited domain operations, one row at a time; that is far too
slow for 20,000 admissions, so this writes the same tables directly: executemany on SQLite,
COPY on PostgreSQL. Every figure is drawn from a seeded generator, and every instant is
relative to ``now``, so two runs on the same day load the same ward.

``bench_database()`` makes (and drops) a migrated database of its own on either backend.
"""

from __future__ import annotations

import json
import random
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnDefault, text
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from models.clinical import news2 as news2_rules
from models.clinical.scales import ciwa_b_band
from models.clinical.taper import PlannedStep, build_schedule, plan_parameters, step_on
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Ward
from models.users import hash_password
from seed_data.demo import ciwa_items

SEED = 20261125
WARD_TZ = "Europe/London"
BACKENDS = ("sqlite", "postgresql")
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STAFF_PASSWORD = "bench-staff-pass"
DOSE_TIMES = (time(8), time(20))
DRUG = "clonazepam"
DAILY_UG = 2000
RECIPE = "-0.25mg/7d"


@dataclass(frozen=True)
class WardShape:
    """How much to load: ``wards`` wards of ``beds`` admitted patients, each in for ``days``
    days with vitals every ``vitals_hours`` and CIWA-B every ``ciwa_hours``; MAR slots at 08:00
    and 20:00, charted, except those due in the last ``uncharted_hours`` (left for the load
    test to chart) and a few missed, held and refused."""

    wards: int = 1
    beds: int = 40
    days: int = 30
    vitals_hours: float = 1.0
    ciwa_hours: float = 1.0
    uncharted_hours: float = 0.0
    staff: int = 12  # nurses bench01..benchNN, all with STAFF_PASSWORD

    @property
    def admissions(self) -> int:
        return self.wards * self.beds


@dataclass
class LoadedWard:
    """What was loaded: row counts per table and the ids a benchmark needs."""

    shape: WardShape
    now: datetime
    rows: dict[str, int] = field(default_factory=dict)
    admission_ids: list[int] = field(default_factory=list)
    nurse_id: int = 0
    staff_usernames: list[str] = field(default_factory=list)

    @property
    def observation_rows(self) -> int:
        return self.rows.get("vital_signs", 0) + self.rows.get("withdrawal_assessment", 0)


# --- databases ---------------------------------------------------------------------------


@contextmanager
def bench_database(backend: str) -> Iterator[str]:
    """The URL of a new, migrated, empty database on ``backend``; dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tw-bench-") as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            _migrate(url)
            yield url
        return
    if backend != "postgresql":
        raise ValueError(f"unknown backend {backend!r}")
    name = f"tw_bench_{uuid.uuid4().hex[:10]}"
    admin = sa_create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used (None when it can)."""
    try:
        admin = sa_create_engine(PG_ADMIN_URL)
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"
    return None


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


# --- generating ----------------------------------------------------------------------------


COLUMNS: dict[str, tuple[str, ...]] = {
    "app_user": (
        "id",
        "username",
        "display_name",
        "role",
        "password_hash",
        "active",
        "failed_logins",
        "created_at",
    ),
    # Every column of the ward, its policy at the model's defaults (_ward_row).
    "ward": tuple(column.name for column in SQLModel.metadata.tables["ward"].columns),
    "patient": ("id", "mrn", "family_name", "given_name", "birth_date", "sex", "created_at"),
    "admission": (
        "id",
        "patient_id",
        "ward_id",
        "bed",
        "admitted_at",
        "attending_id",
        "substance_history",
        "baseline_drug",
        "baseline_daily_ug",
    ),
    "taper_plan": (
        "id",
        "admission_id",
        "version",
        "drug",
        "daily_ug",
        "recipe",
        "start_date",
        "effective_from",
        "times",
        "equivalence_table",
        "stages",
        "change",
        "status",
        "author_id",
        "reason",
        "created_at",
    ),
    "taper_step": ("id", "plan_id", "step_index", "start_date", "drug", "daily_ug", "kind"),
    "scheduled_dose": (
        "id",
        "admission_id",
        "plan_id",
        "drug",
        "dose_ug",
        "scheduled_at",
        "local_date",
        "local_time",
        "doses_per_day",
    ),
    "dose_administration": (
        "id",
        "admission_id",
        "scheduled_dose_id",
        "drug",
        "dose_ug",
        "status",
        "prn",
        "reason_code",
        "administered_at",
        "charted_at",
        "charted_by",
        "entered_in_error",
    ),
    "vital_signs": (
        "id",
        "admission_id",
        "taken_at",
        "heart_rate",
        "systolic",
        "diastolic",
        "temperature_c",
        "resp_rate",
        "spo2",
        "supplemental_o2",
        "consciousness",
        "news2_total",
        "news2_any_three",
        "charted_at",
        "charted_by",
        "entered_in_error",
    ),
    "withdrawal_assessment": (
        "id",
        "admission_id",
        "scale",
        "taken_at",
        "items",
        "total",
        "band",
        "charted_at",
        "charted_by",
        "entered_in_error",
    ),
}
# Insert order: parents first.
TABLES = tuple(COLUMNS)

Row = tuple[Any, ...]


def staff_username(index: int) -> str:
    """The ``index``-th (from 0) simulated nurse's username."""
    return f"bench{index + 1:02d}"


@lru_cache(maxsize=64)
def _schedule(start: date) -> tuple[PlannedStep, ...]:
    return build_schedule(
        plan_parameters(drug=DRUG, recipe=RECIPE, times=DOSE_TIMES), daily_ug=DAILY_UG, start=start
    ).steps


# Each NEWS2 parameter's score, memoised: the readings repeat, and the sum is the total [S34].
_RR = lru_cache(maxsize=256)(news2_rules.resp_rate_score)
_SPO2 = lru_cache(maxsize=256)(news2_rules.spo2_score)
_SYS = lru_cache(maxsize=512)(news2_rules.systolic_score)
_HR = lru_cache(maxsize=512)(news2_rules.heart_rate_score)
_TEMP = lru_cache(maxsize=512)(news2_rules.temperature_score)


def _news2(hr: int, sys: int, temp: float, rr: int, spo2: int) -> tuple[int, bool]:
    """NEWS2 total and "any single 3" of an alert patient on air (as models.clinical.news2)."""
    scores = (_RR(rr), _SPO2(spo2), _SYS(sys), _HR(hr), _TEMP(temp))
    return sum(scores), 3 in scores


@lru_cache(maxsize=128)
def _ciwa_items(total: int, variant: int) -> str:
    """CIWA-B items (20, each 0-4) summing to ``total``, as JSON; a few variants per total."""
    items = ciwa_items(total, random.Random(total * 31 + variant))
    return json.dumps({str(k): v for k, v in items.items()})


def generate(shape: WardShape, now: datetime) -> tuple[dict[str, list[Row]], LoadedWard]:
    """Every row of the benchmark ward, per table, in COLUMNS order."""
    rng = random.Random(SEED)
    tz = ZoneInfo(WARD_TZ)
    rows: dict[str, list[Row]] = {name: [] for name in TABLES}
    loaded = LoadedWard(shape=shape, now=now)
    staff_hash = hash_password(STAFF_PASSWORD)
    created = now - timedelta(days=shape.days + 30)
    users = rows["app_user"]
    users.append((1, "bench-physician", "Dr Bench", "physician", staff_hash, True, 0, created))
    users.append((2, "bench-nurse", "Nurse Bench", "nurse", staff_hash, True, 0, created))
    for i in range(shape.staff):
        username = staff_username(i)
        users.append((3 + i, username, f"Nurse {i + 1}", "nurse", staff_hash, True, 0, created))
        loaded.staff_usernames.append(username)
    physician, nurse = 1, 2
    loaded.nurse_id = nurse
    ids = _Ids()
    for w in range(shape.wards):
        ward_id = w + 1
        rows["ward"].append(_ward_row(ward_id, created))
        for bed in range(shape.beds):
            _admission(rows, loaded, ids, rng, tz, ward_id, bed, physician, nurse, now)
    loaded.rows = {name: len(table) for name, table in rows.items()}
    return rows, loaded


def _ward_row(ward_id: int, created: datetime) -> tuple[Any, ...]:
    """A ward with the model's default policy, as the admin page creates one."""
    ward = Ward(id=ward_id, name=f"Bench ward {ward_id:03d}", timezone=WARD_TZ, created_at=created)
    return tuple(getattr(ward, column) for column in COLUMNS["ward"])


@dataclass
class _Ids:
    patient: int = 0
    plan: int = 0
    step: int = 0
    slot: int = 0
    given: int = 0
    vitals: int = 0
    ciwa: int = 0


def _admission(
    rows: dict[str, list[Row]],
    loaded: LoadedWard,
    ids: _Ids,
    rng: random.Random,
    tz: ZoneInfo,
    ward_id: int,
    bed: int,
    physician: int,
    nurse: int,
    now: datetime,
) -> None:
    shape = loaded.shape
    ids.patient += 1
    pid = ids.patient
    admitted_at = now - timedelta(days=shape.days, minutes=rng.randint(0, 600))
    rows["patient"].append(
        (
            pid,
            f"BN{pid:08d}",
            f"Family{pid}",
            f"Given{pid % 97}",
            date(1950 + pid % 50, 1 + pid % 12, 1 + pid % 28),
            ("female", "male")[pid % 2],
            admitted_at,
        )
    )
    rows["admission"].append(
        (
            pid,
            pid,
            ward_id,
            f"B{bed + 1}",
            admitted_at,
            physician,
            "Clonazepam 2 mg/day for several years.",
            DRUG,
            DAILY_UG,
        )
    )
    loaded.admission_ids.append(pid)
    admit_day = admitted_at.astimezone(tz).date()
    start = admit_day + timedelta(days=1)
    steps = _schedule(start)
    ids.plan += 1
    plan_id = ids.plan
    made = admitted_at + timedelta(hours=2)
    rows["taper_plan"].append(
        (
            plan_id,
            pid,
            1,
            DRUG,
            DAILY_UG,
            RECIPE,
            start,
            start,
            "08:00,20:00",
            "ashton",
            4,
            "create",
            "active",
            physician,
            "Admission taper plan agreed with the patient.",
            made,
        )
    )
    for step in steps:
        for drug, ug in step.daily_ug.items():
            ids.step += 1
            rows["taper_step"].append(
                (ids.step, plan_id, step.index, step.start, drug, ug, step.kind)
            )
    _mar(rows, ids, rng, tz, pid, plan_id, steps, admitted_at, now, nurse, shape)
    _observations(rows, ids, rng, pid, admitted_at, now, nurse, shape)


def _mar(
    rows: dict[str, list[Row]],
    ids: _Ids,
    rng: random.Random,
    tz: ZoneInfo,
    admission_id: int,
    plan_id: int,
    steps: Sequence[PlannedStep],
    admitted_at: datetime,
    now: datetime,
    nurse: int,
    shape: WardShape,
) -> None:
    day = admitted_at.astimezone(tz).date()
    last_day = now.astimezone(tz).date() + timedelta(days=2)
    uncharted_from = now - timedelta(hours=shape.uncharted_hours)
    while day <= last_day:
        step = step_on(steps, day)
        per_day = Counter(d.drug for d in step.doses if d.ug > 0) if step is not None else Counter()
        for dose in step.doses if step is not None else ():
            at = datetime.combine(day, dose.time, tz).astimezone(UTC)
            if dose.ug <= 0 or at < admitted_at:
                continue
            ids.slot += 1
            rows["scheduled_dose"].append(
                (
                    ids.slot,
                    admission_id,
                    plan_id,
                    dose.drug,
                    dose.ug,
                    at,
                    day,
                    f"{dose.time:%H:%M}",
                    per_day[dose.drug],
                )
            )
            if at > now - timedelta(minutes=30) or at >= uncharted_from:
                continue
            roll = rng.random()
            if roll < 0.01:
                continue  # missed: nobody charted it
            status, reason = "given", None
            if roll < 0.03:
                status, reason = "refused", "declined"
            elif roll < 0.05:
                status, reason = "held", "too_drowsy"
            given_at = at + timedelta(minutes=rng.randint(-20, 25))
            ids.given += 1
            rows["dose_administration"].append(
                (
                    ids.given,
                    admission_id,
                    ids.slot,
                    dose.drug,
                    dose.ug if status == "given" else 0,
                    status,
                    False,
                    reason,
                    given_at,
                    given_at + timedelta(minutes=2),
                    nurse,
                    False,
                )
            )
        day += timedelta(days=1)


def _observations(
    rows: dict[str, list[Row]],
    ids: _Ids,
    rng: random.Random,
    admission_id: int,
    admitted_at: datetime,
    now: datetime,
    nurse: int,
    shape: WardShape,
) -> None:
    """Vitals and CIWA-B at their intervals from admission to a few minutes ago; symptoms
    settle over the stay (as the demo ward's)."""
    first = admitted_at + timedelta(minutes=20)
    span = (now - first).total_seconds()
    for every, kind in ((shape.vitals_hours, "vitals"), (shape.ciwa_hours, "ciwa")):
        step_s = every * 3600
        count = int(span // step_s) + 1
        for n in range(count):
            at = first + timedelta(seconds=n * step_s + rng.randint(-300, 300))
            if at > now - timedelta(minutes=5):
                break
            days = (at - admitted_at).total_seconds() / 86400
            level = 14.0 * max(0.35, 1 - days / 20) + 3
            charted = at + timedelta(minutes=3)
            if kind == "vitals":
                strain = max(0.0, level - 15)
                hr = round(rng.gauss(78 + strain * 1.2, 5))
                sys = round(rng.gauss(124 + strain * 1.1, 7))
                dia = min(sys - 20, round(rng.gauss(78, 5)))
                temp = round(rng.gauss(36.8, 0.2), 1)
                rr = round(rng.gauss(15, 1.2))
                spo2 = min(100, round(rng.gauss(97, 1)))
                total, three = _news2(hr, sys, temp, rr, spo2)
                ids.vitals += 1
                rows["vital_signs"].append(
                    (
                        ids.vitals,
                        admission_id,
                        at,
                        hr,
                        sys,
                        dia,
                        temp,
                        rr,
                        spo2,
                        False,
                        "A",
                        total,
                        three,
                        charted,
                        nurse,
                        False,
                    )
                )
            else:
                score = max(0, min(80, round(rng.gauss(level, 2.5))))
                ids.ciwa += 1
                rows["withdrawal_assessment"].append(
                    (
                        ids.ciwa,
                        admission_id,
                        "CIWA-B",
                        at,
                        _ciwa_items(score, ids.ciwa % 3),
                        score,
                        ciwa_b_band(score).value,
                        charted,
                        nurse,
                        False,
                    )
                )


# --- writing -------------------------------------------------------------------------------


def load_ward(url: str, shape: WardShape, *, now: datetime | None = None) -> LoadedWard:
    """Generate and bulk-write the benchmark ward into the (migrated, empty) database."""
    now = now or datetime.now(UTC).replace(second=0, microsecond=0)
    rows, loaded = generate(shape, now)
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            _write_sqlite(engine, rows)
        else:
            _write_postgres(engine, rows)
    finally:
        engine.dispose()
    return loaded


def _sqlite_value(value: Any) -> Any:
    """What SQLAlchemy's SQLite dialect stores: naive UTC text for instants, ISO dates, 0/1."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def _defaulted(table: str) -> tuple[tuple[str, Any], ...]:
    """The table's required columns the loader does not list, at the model's scalar default
    (a column a migration adds reaches the benchmark ward as the app would write it)."""
    listed = set(COLUMNS[table])
    return tuple(
        (column.name, column.default.arg)
        for column in SQLModel.metadata.tables[table].columns
        if column.name not in listed
        and not column.nullable
        and column.server_default is None
        and isinstance(column.default, ColumnDefault)
        and column.default.is_scalar
    )


def _full(table: str, rows: dict[str, list[Row]]) -> tuple[tuple[str, ...], list[Row]]:
    """The columns to write and each row with its defaulted columns appended."""
    extra = _defaulted(table)
    columns = COLUMNS[table] + tuple(name for name, _ in extra)
    tail = tuple(value for _, value in extra)
    return columns, [tuple(row) + tail for row in rows[table]] if tail else rows[table]


def _write_sqlite(engine: Engine, rows: dict[str, list[Row]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("BEGIN")  # the engine leaves beginning to the caller (models.db)
        for table in TABLES:
            columns, table_rows = _full(table, rows)
            marks = ", ".join("?" for _ in columns)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                [tuple(_sqlite_value(v) for v in row) for row in table_rows],
            )
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()


def _write_postgres(engine: Engine, rows: dict[str, list[Row]]) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table in TABLES:
            columns, table_rows = _full(table, rows)
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in table_rows:
                    copy.write_row(row)
            if rows[table]:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        raw.commit()
        driver = raw.driver_connection
        assert driver is not None
        driver.autocommit = True
        driver.execute("VACUUM ANALYZE")
    finally:
        raw.close()
