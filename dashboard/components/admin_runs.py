"""The admin page's job runs: the last runs of the scheduled jobs with their durations and
errors, refreshed while the page is open."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from dash import Input, Output, html
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.components.charting_common import format_local
from dashboard.context import ADMIN, default_ward, engine, require_role
from dashboard.i18n import N_, _, language, request_translator
from dashboard.registry import callback
from models.db import read_session
from models.i18n.languages import babel_locale
from models.tables import JobRun
from models.types import utcnow

RUNS_SHOWN = 20
# The scheduled jobs by name (jobs.service), as the table shows them.
JOB_NAMES = {
    "scan": N_("scan"),
    "mar_top_up": N_("mar top up"),
    "session_purge": N_("session purge"),
}


# A run with no end this long after its start was killed or is stuck (scans take seconds).
UNFINISHED_AFTER = timedelta(minutes=15)


def _duration(run: JobRun, now: datetime) -> str:
    if run.finished_at is None:
        return "—"
    seconds = (run.finished_at - run.started_at).total_seconds()
    if seconds < 120:
        return _("{n} s", n=_one_decimal(seconds))
    return _("{n} min", n=_one_decimal(seconds / 60))


def _one_decimal(value: float) -> str:
    """3.0 / 3,0: one decimal, with the reader's separator."""
    return format_decimal(Decimal(f"{value:.1f}"), format="0.0", locale=babel_locale(language()))


def _run_outcome(run: JobRun, now: datetime) -> tuple[str, str]:
    """What happened, and its tone (ok, running, problem)."""
    if run.finished_at is None:
        if now - run.started_at > UNFINISHED_AFTER:
            return _("Did not finish (the process stopped mid-run)"), "problem"
        return _("Running…"), "running"
    if run.error:
        return run.error, "problem"
    return _("OK"), "ok"


def job_runs_table(session: Session, tz: tzinfo, now: datetime) -> html.Table | html.P:
    runs = session.exec(
        select(JobRun)
        .order_by(col(JobRun.started_at).desc(), col(JobRun.id).desc())
        .limit(RUNS_SHOWN)
    ).all()
    if not runs:
        return html.P(
            _(
                "No job has run yet. The jobs service runs them (`taperwatch jobs`, or inside "
                "`taperwatch serve` with SQLite)."
            ),
            className="tw-muted",
        )
    numeric = (N_("Duration"), N_("Raised"), N_("Resolved"))
    head = html.Thead(
        html.Tr(
            [
                html.Th(_(h), className="tw-num" if h in numeric else None)
                for h in (N_("Job"), N_("Started"), *numeric, N_("Outcome"), N_("Host"))
            ]
        )
    )
    rows = []
    for run in runs:
        outcome, tone = _run_outcome(run, now)
        rows.append(
            html.Tr(
                [
                    html.Td(_(JOB_NAMES.get(run.job, run.job.replace("_", " ")))),
                    html.Td(
                        format_local(
                            run.started_at, tz, now, always_day=True, t=request_translator()
                        )
                    ),
                    html.Td(_duration(run, now), className="tw-num"),
                    html.Td(run.raised if run.finished_at else "—", className="tw-num"),
                    html.Td(run.resolved if run.finished_at else "—", className="tw-num"),
                    html.Td(outcome, className=f"tw-admin-run-{tone}", title=outcome),
                    html.Td(run.host, className="tw-muted"),
                ]
            )
        )
    return html.Table([head, html.Tbody(rows)], className="tw-table tw-admin-runs", id="runs")


def _scrolling(table: html.Table | html.P) -> html.Div | html.P:
    """The table scrolls sideways on a narrow screen instead of being cut off."""
    return html.Div(table, className="tw-table-scroll") if isinstance(table, html.Table) else table


def runs_section(db: Engine) -> list[Any]:
    now = utcnow()
    with read_session(db) as session:
        ward = default_ward(session)
        table = job_runs_table(session, ZoneInfo(ward.timezone), now)
    return [html.H3(_("Job runs"), className="tw-section-title"), _scrolling(table)]


@callback(
    output=Output("runs-section", "children"),
    inputs={"tick": Input("admin-refresh", "n_intervals")},
    prevent_initial_call=True,
)
def _refresh_runs(tick: Any) -> list[Any]:
    require_role(ADMIN)
    return runs_section(engine())
