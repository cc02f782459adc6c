"""Hand-written SQL through the bare driver: the baselines the app's figures are divided by.

Each baseline asks the database for the same data (or does the same write) as the app, with
no ORM, no Dash and no shaping, on a DBAPI connection of the same engine (so SQLite has the same
pragmas). Parameters are written ``:name`` and translated for psycopg.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.engine import Engine

_PARAM = re.compile(r"(?<!:):(\w+)")


class Raw:
    """One DBAPI connection of ``engine``, for timing hand-written statements."""

    def __init__(self, engine: Engine) -> None:
        self.sqlite = engine.dialect.name == "sqlite"
        self.connection = engine.raw_connection()

    def close(self) -> None:
        self.connection.close()

    def sql(self, statement: str) -> str:
        """SQLite stores booleans as 0/1 and its planner matches a partial index's predicate
        (``entered_in_error = 0``) only as written; psycopg takes ``%(name)s`` parameters."""
        if self.sqlite:
            return statement.replace("= false", "= 0").replace("= true", "= 1")
        return _PARAM.sub(r"%(\1)s", statement)

    def value(self, value: Any) -> Any:
        """As the app's column types store it (SQLite: naive UTC text, 0/1)."""
        if not self.sqlite:
            return value
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        return value

    def params(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: self.value(v) for k, v in values.items()}

    def begin_write(self, cursor: Any) -> None:
        """Begin a writing transaction as the app's engine does: on SQLite the driver begins
        none (the engine turns that off), so BEGIN IMMEDIATE; psycopg begins by itself."""
        if self.sqlite:
            cursor.execute("BEGIN IMMEDIATE")

    def fetch(self, statement: str, values: Mapping[str, Any]) -> list[Any]:
        cursor = self.connection.cursor()
        cursor.execute(self.sql(statement), self.params(values))
        rows = list(cursor.fetchall())
        cursor.close()
        self.connection.commit()  # end the read transaction, as the app's session does
        return rows


VALID = "entered_in_error = false"

# The ward board's data for every admitted patient of a ward, in one statement: the latest two
# CIWA-B scores and the latest vitals (index seeks), today's dose, the next uncharted dose and
# the open flags.
BOARD = f"""
SELECT a.id, a.bed, a.admitted_at, a.baseline_drug, a.baseline_daily_ug,
       p.family_name, p.given_name, p.mrn,
       c1.taken_at, c1.total, c1.band, c2.taken_at, c2.total, c2.band,
       v.taken_at, v.heart_rate, v.systolic, v.diastolic, v.temperature_c, v.resp_rate,
       v.spo2, v.supplemental_o2, v.consciousness, v.news2_total, v.news2_any_three,
       v.spo2_scale,
       (SELECT ts.drug || ' ' || ts.daily_ug FROM taper_plan tp
          JOIN taper_step ts ON ts.plan_id = tp.id
         WHERE tp.admission_id = a.id AND tp.status = 'active' AND ts.start_date <= :today
         ORDER BY ts.step_index DESC LIMIT 1) AS today_dose,
       (SELECT min(s.scheduled_at) FROM scheduled_dose s
         WHERE s.admission_id = a.id AND s.cancelled_at IS NULL AND s.scheduled_at >= :since
           AND NOT EXISTS (SELECT 1 FROM dose_administration d
                            WHERE d.scheduled_dose_id = s.id AND d.{VALID})) AS next_dose,
       (SELECT count(*) FROM flag f
         WHERE f.admission_id = a.id AND f.status = 'open') AS open_flags
  FROM admission a
  JOIN patient p ON p.id = a.patient_id
  LEFT JOIN withdrawal_assessment c1 ON c1.id = (
        SELECT w.id FROM withdrawal_assessment w
         WHERE w.admission_id = a.id AND w.scale = 'CIWA-B' AND w.{VALID}
         ORDER BY w.taken_at DESC, w.id DESC LIMIT 1)
  LEFT JOIN withdrawal_assessment c2 ON c2.id = (
        SELECT w.id FROM withdrawal_assessment w
         WHERE w.admission_id = a.id AND w.scale = 'CIWA-B' AND w.{VALID}
         ORDER BY w.taken_at DESC, w.id DESC LIMIT 1 OFFSET 1)
  LEFT JOIN vital_signs v ON v.id = (
        SELECT x.id FROM vital_signs x
         WHERE x.admission_id = a.id AND x.{VALID}
         ORDER BY x.taken_at DESC, x.id DESC LIMIT 1)
 WHERE a.ward_id = :ward AND a.discharged_at IS NULL
 ORDER BY a.bed
"""

# What the review scan must know of every admitted patient, in one aggregate statement: the
# latest CIWA-B, CIWA-Ar and vitals, the scheduled doses due and not charted, the PRN doses of
# the last day, and whether a plan is in force (each rule reads at least this much).
SCAN = f"""
SELECT a.id,
       (SELECT max(w.taken_at) FROM withdrawal_assessment w
         WHERE w.admission_id = a.id AND w.scale = 'CIWA-B' AND w.{VALID}) AS last_ciwa,
       (SELECT max(w.taken_at) FROM withdrawal_assessment w
         WHERE w.admission_id = a.id AND w.scale = 'CIWA-Ar' AND w.{VALID}) AS last_ciwa_ar,
       (SELECT max(v.taken_at) FROM vital_signs v
         WHERE v.admission_id = a.id AND v.{VALID}) AS last_vitals,
       (SELECT count(*) FROM scheduled_dose s
         WHERE s.admission_id = a.id AND s.cancelled_at IS NULL AND s.scheduled_at < :due
           AND NOT EXISTS (SELECT 1 FROM dose_administration d
                            WHERE d.scheduled_dose_id = s.id AND d.{VALID})) AS missed,
       (SELECT count(*) FROM dose_administration d
         WHERE d.admission_id = a.id AND d.prn = true AND d.{VALID}
           AND d.administered_at > :day_ago) AS prn_day,
       EXISTS (SELECT 1 FROM taper_plan p
                WHERE p.admission_id = a.id AND p.status = 'active') AS has_plan
  FROM admission a
 WHERE a.discharged_at IS NULL
"""

ADMISSION_OPEN = "SELECT id FROM admission WHERE id = :admission AND discharged_at IS NULL"

INSERT_VITALS = """
INSERT INTO vital_signs (admission_id, taken_at, heart_rate, systolic, diastolic, temperature_c,
    resp_rate, spo2, supplemental_o2, consciousness, news2_total, news2_any_three, charted_at,
    charted_by, entered_in_error)
VALUES (:admission, :taken_at, 80, 120, 75, 36.8, 16, 97, :false, 'A', 0, :false, :now, :nurse,
    :false)
"""

INSERT_AUDIT = """
INSERT INTO audit_event (at, user_id, actor, action, entity, entity_id, after)
VALUES (:now, :nurse, 'bench-nurse', 'vitals.record', 'vital_signs', :entity_id, :after)
"""
