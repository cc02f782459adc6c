"""The admin page's job runs: the last runs of the scheduled jobs with their durations and
errors, refreshed while the page is open."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from dash import Input, Output, html
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.components.charting_common import format_local
from dashboard.context import ADMIN, default_ward, engine, require_role
from dashboard.registry import callback
from models.db import read_session
from models.tables import JobRun
from models.types import utcnow

RUNS_SHOWN = 20


# A run with no end this long after its start was killed or is stuck (scans take seconds).
UNFINISHED_AFTER = timedelta(minutes=15)


def _duration(run: JobRun, now: datetime) -> str:
    if run.finished_at is None:
        return "—"
    seconds = (run.finished_at - run.started_at).total_seconds()
    return f"{seconds:.1f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _run_outcome(run: JobRun, now: datetime) -> tuple[str, str]:
    """What happened, and its tone (ok, running, problem)."""
    if run.finished_at is None:
        if now - run.started_at > UNFINISHED_AFTER:
            return "Did not finish (the process stopped mid-run)", "problem"
        return "Running…", "running"
    if run.error:
        return run.error, "problem"
    return "OK", "ok"


def job_runs_table(session: Session, tz: tzinfo, now: datetime) -> html.Table | html.P:
    runs = session.exec(
        select(JobRun)
        .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
        .limit(RUNS_SHOWN)
    ).all()
    if not runs:
        return html.P(
            "No job has run yet. The jobs service runs them (`taperwatch jobs`, or inside "
            "`taperwatch serve` with SQLite).",
            className="tw-muted",
        )
    numeric = ("Duration", "Raised", "Resolved")
    head = html.Thead(
        html.Tr(
            [
                html.Th(h, className="tw-num" if h in numeric else None)
                for h in ("Job", "Started", *numeric, "Outcome", "Host")
            ]
        )
    )
    rows = []
    for run in runs:
        outcome, tone = _run_outcome(run, now)
        rows.append(
            html.Tr(
                [
                    html.Td(run.job.replace("_", " ")),
                    html.Td(format_local(run.started_at, tz, now, always_day=True)),
                    html.Td(_duration(run, now), className="tw-num"),
                    html.Td(run.raised if run.finished_at else "—", className="tw-num"),
                    html.Td(run.resolved if run.finished_at else "—", className="tw-num"),
                    html.Td(outcome, className=f"tw-admin-run-{tone}", title=outcome),
                    html.Td(run.host, className="tw-muted"),
                ]
            )
        )
    return html.Table([head, html.Tbody(rows)], className="tw-table tw-admin-runs", id="runs")


def runs_section(db: Engine) -> list[Any]:
    now = utcnow()
    with read_session(db) as session:
        ward = default_ward(session)
        table = job_runs_table(session, ZoneInfo(ward.timezone), now)
    return [html.H3("Job runs", className="tw-section-title"), table]


@callback(
    output=Output("runs-section", "children"),
    inputs={"tick": Input("admin-refresh", "n_intervals")},
    prevent_initial_call=True,
)
def _refresh_runs(tick: Any) -> list[Any]:
    require_role(ADMIN)
    return runs_section(engine())
