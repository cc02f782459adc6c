"""Admin: the audit trail, writes and reads (who opened which chart, printed or downloaded
what), filtered by user, patient (MRN or admission id), action and dates, with a CSV download
of what the filter finds. Rows show who, when, what and which record (an admission's with its
bed and patient name, so the admin need not look it up), never the record's contents."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
import flask
from dash import Input, Output, State, html
from sqlmodel import Session, col, select

from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.i18n import N_, _, ngettext
from dashboard.refusals import field_message
from dashboard.registry import callback, register_page
from models.access_log import AUDIT_ROWS_SHOWN, AuditFilter, audit_events, audit_filter
from models.audit import audit_event
from models.db import read_session, transaction
from models.errors import FieldError
from models.tables import Admission, AuditEvent, Patient

TITLE = N_("Audit log")
register_page(__name__, path="/admin/audit", title=TITLE)
ADMIN = "admin"
CSV_PATH = "/admin/audit.csv"
FILTERS = ("user", "patient", "action", "since", "until")
HEADER = (N_("When (ward time)"), N_("User"), N_("Action"), N_("Record"))


def _record(event: AuditEvent, patients: Mapping[int, str]) -> str:
    if event.entity_id is None:
        return event.entity
    record = f"{event.entity} {event.entity_id}"
    who = patients.get(event.entity_id) if event.entity == "admission" else None
    return f"{record} · {who}" if who else record


def _admission_patients(session: Session, events: Sequence[AuditEvent]) -> dict[int, str]:
    """Bed and name of each admission the events are about, in one query."""
    ids = {e.entity_id for e in events if e.entity == "admission" and e.entity_id is not None}
    if not ids:
        return {}
    found = session.exec(
        select(Admission.id, Admission.bed, Patient.family_name, Patient.given_name)
        .join(Patient, col(Patient.id) == col(Admission.patient_id))
        .where(col(Admission.id).in_(ids))
    ).all()
    return {aid: f"{bed} {family.upper()}, {given}" for aid, bed, family, given in found if aid}


def _rows(
    events: Sequence[AuditEvent], tz: ZoneInfo, patients: Mapping[int, str]
) -> list[tuple[str, str, str, str]]:
    return [
        (e.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), e.actor, e.action, _record(e, patients))
        for e in events
    ]


def _find(wanted: AuditFilter) -> list[tuple[str, str, str, str]]:
    with read_session(engine()) as session:
        tz = ZoneInfo(default_ward(session).timezone)
        events = audit_events(session, wanted, tz)
        return _rows(events, tz, _admission_patients(session, events))


def _table(rows: list[tuple[str, str, str, str]]) -> html.Div:
    if not rows:
        return html.Div(html.P(_("No events match."), className="tw-muted"), id="audit-table")
    head = html.Thead(html.Tr([html.Th(_(h)) for h in HEADER]))
    body = html.Tbody([html.Tr([html.Td(cell) for cell in row]) for row in rows])
    return html.Div(
        html.Table([head, body], className="tw-table"), id="audit-table", className="tw-scroll-x"
    )


def _csv_href(values: dict[str, str]) -> str:
    given = {k: v for k, v in values.items() if v}
    return CSV_PATH + (f"?{urlencode(given)}" if given else "")


def _filter_from(values: dict[str, Any]) -> AuditFilter:
    return audit_filter(
        username=values.get("user"),
        patient=values.get("patient"),
        action=values.get("action"),
        since=values.get("since"),
        until=values.get("until"),
    )


def _input(field: str, label: str, **extra: Any) -> dmc.TextInput:
    return dmc.TextInput(id=f"audit-{field}", label=label, size="md", w=200, **extra)


def layout(**_query: Any) -> html.Div:
    actor = current_actor()
    if actor.role != ADMIN:
        return html.Div(
            [
                dmc.Title(_(TITLE), order=2, className="tw-page-title"),
                html.Div(_("This page is for admins."), className="tw-readonly-note"),
            ]
        )
    rows = _find(AuditFilter())
    return html.Div(
        [
            dmc.Title(_(TITLE), order=2, className="tw-page-title"),
            html.P(
                _(
                    "Every change and every opening of a patient's record: who, when, what and "
                    "which record. The newest {shown} matching events are shown; the CSV has the "
                    "same rows.",
                    shown=AUDIT_ROWS_SHOWN,
                ),
                className="tw-muted",
            ),
            html.Section(
                [
                    dmc.Group(
                        [
                            _input("user", _("User"), placeholder=_("username")),
                            _input("patient", _("Patient"), placeholder=_("MRN or admission id")),
                            _input("action", _("Action"), placeholder=_("e.g. read or vitals")),
                            # TRANSLATORS: the date format to type (ISO), in the language's letters.
                            _input("since", _("From"), placeholder=_("YYYY-MM-DD")),
                            _input("until", _("To"), placeholder=_("YYYY-MM-DD")),
                        ],
                        gap="md",
                        align="flex-end",
                    ),
                    dmc.Group(
                        [
                            dmc.Button(_("Show"), id="audit-show", size="md"),
                            html.A(
                                _("Download CSV"),
                                href=CSV_PATH,
                                id="audit-csv",
                                download="",
                                className="tw-export-link tw-export-link-md",
                            ),
                        ],
                        gap="md",
                        mt="md",
                    ),
                    html.Div(id="audit-message", className="tw-form-message", role="status"),
                ],
                className="tw-card tw-admin-section",
            ),
            html.Section(_table(rows), id="audit-results", className="tw-card tw-admin-section"),
        ],
        className="tw-admin",
    )


@callback(
    output={
        "table": Output("audit-results", "children"),
        "message": Output("audit-message", "children"),
        "href": Output("audit-csv", "href"),
        **{f: Output(f"audit-{f}", "error") for f in FILTERS},
    },
    inputs={
        "clicks": Input("audit-show", "n_clicks"),
        "values": {f: State(f"audit-{f}", "value") for f in FILTERS},
    },
    prevent_initial_call=True,
)
def _show(clicks: Any, values: dict[str, Any]) -> dict[str, Any]:
    require_role(ADMIN)
    errors: dict[str, Any] = dict.fromkeys(FILTERS)
    try:
        wanted = _filter_from(values)
    except FieldError as exc:
        errors[exc.field] = field_message(exc)
        return {"table": _table([]), "message": _("Correct the field marked in red."),
                "href": CSV_PATH, **errors}  # fmt: skip
    rows = _find(wanted)
    shown = {f: str(values.get(f) or "").strip() for f in FILTERS}
    message = ngettext("{n} event.", "{n} events.", len(rows), n=len(rows))
    return {"table": _table(rows), "message": message, "href": _csv_href(shown), **errors}


def register_csv_route(server: flask.Flask) -> None:
    """The log's CSV download (a Flask route: a file, not a callback)."""

    @server.get(CSV_PATH)
    def _audit_csv() -> flask.Response:
        actor = require_role(ADMIN)
        args = flask.request.args
        try:
            wanted = _filter_from({f: args.get(f) for f in FILTERS})
        except FieldError as exc:
            return flask.Response(f"{exc.field}: {exc.message}", 400, mimetype="text/plain")
        rows = _find(wanted)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_(h) for h in HEADER])
        writer.writerows(rows)
        with transaction(engine()) as session:
            audit_event(
                session,
                actor=actor,
                action="export.audit",
                entity="audit_event",
                entity_id=None,
                after={"rows": len(rows)},
            )
        stamp = datetime.now().strftime("%Y%m%d-%H%M")
        response = flask.Response(out.getvalue(), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        response.headers["Cache-Control"] = "no-store"
        return response
