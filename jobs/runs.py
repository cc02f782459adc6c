"""JobRun: every execution of a job, written when it starts (so a run killed mid-way is
visible as one that never finished) and completed when it ends, with its counts and error."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import col

from models.db import transaction
from models.tables import JobRun
from models.types import utcnow

ERROR_MAX = 4000  # JobRun.error column length


def host_name() -> str:
    """This process, as recorded on its job runs: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


@dataclass
class RunTally:
    raised: int = 0
    resolved: int = 0
    errors: list[str] = field(default_factory=list)


@contextmanager
def recorded_run(engine: Engine, job: str) -> Iterator[RunTally]:
    """Record one run of ``job``. The body fills in the tally; an exception escaping it is
    recorded as the run's error and re-raised."""
    with transaction(engine) as session:
        run = JobRun(job=job, host=host_name(), started_at=utcnow())
        session.add(run)
        session.flush()
        run_id = run.id
    tally = RunTally()
    escaped: str | None = None
    try:
        yield tally
    except BaseException as exc:
        escaped = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        errors = tally.errors + ([escaped] if escaped else [])
        with transaction(engine) as session:
            session.connection().execute(
                update(JobRun)
                .where(col(JobRun.id) == run_id)
                .values(
                    finished_at=utcnow(),
                    raised=tally.raised,
                    resolved=tally.resolved,
                    error="; ".join(errors)[:ERROR_MAX] if errors else None,
                )
            )
