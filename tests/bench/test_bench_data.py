"""The benchmark's bulk loader keeps up with the schema: a small benchmark ward loads on both
databases (a column a migration adds reaches it at the model's default) and a review scan over
it runs every rule without error. Not a timing: `make bench` times."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from bench.data import WardShape, load_ward
from jobs.rules import RULES
from jobs.scan import run_scan
from models.db import make_engine
from models.migrate import upgrade
from models.tables import Admission, VitalSigns, Ward


def test_a_small_benchmark_ward_loads_and_scans(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        shape = WardShape(wards=2, beds=3, days=2, vitals_hours=4, ciwa_hours=4, staff=1)
        loaded = load_ward(db_url, shape)
        with Session(engine) as session:
            assert session.exec(select(func.count()).select_from(Ward)).one() == 2
            assert session.exec(select(func.count()).select_from(Admission)).one() == 6
            vitals = session.exec(select(func.count()).select_from(VitalSigns)).one()
            assert vitals == loaded.rows["vital_signs"] > 0
            ward = session.exec(select(Ward)).first()
            assert (
                ward is not None
                and ward.hard_ceiling_de_mg == Ward.model_fields["hard_ceiling_de_mg"].default
            )
        report = run_scan(engine, now=loaded.now)
        assert report.errors == [], f"of {len(RULES)} rules"
    finally:
        engine.dispose()
