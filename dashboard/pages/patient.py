"""The patient page: an identity banner and tabs - Overview, Vitals, CIWA (CIWA-B, and CIWA-Ar
when the physician turns it on), MAR (with PRN orders), History.

Forms are shown to the roles that may chart and only while the patient is admitted; after
discharge the record is read-only. Every save bumps ``patient-changed`` and the tables re-read
at once (and every 30 s, for what colleagues chart).

Over ~400 lines: the page assembles eight components' tabs, and its refresh callback re-reads
each tab's parts; the parts themselves live in dashboard/components.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
import orjson
from dash import Input, Output, State, ctx, dcc, html, no_update
from sqlmodel import Session

from dashboard.components import (
    charting_ciwa,
    charting_ciwa_ar,
    charting_ciwa_table,
    charting_discharge,
    charting_dose_confirm,
    charting_history,
    charting_mar,
    charting_prn,
    charting_vitals,
    charting_vitals_table,
    charting_wristband,
    patient_overview,
    prn_reads,
    spo2_scale,
)
from dashboard.components import co_medications as co_medication_ui
from dashboard.components.charting_common import attrs
from dashboard.components.patient_banner import banner
from dashboard.context import current_actor, engine
from dashboard.csv_export import export_links
from dashboard.i18n import N_, _
from dashboard.plain_json import plain
from dashboard.queries import (
    PatientHeader,
    administrations_since,
    mar_slots,
    patient_header,
    prn_doses,
    recent_assessments,
    recent_vitals,
    untolerated_step,
    user_names,
)
from dashboard.registry import callback, clientside_callback, register_page
from models.access_log import record_read
from models.admissions import dose_needs_confirmation
from models.charting import CHARTING_ROLES, linked_scores, sedation_check
from models.co_medications import co_medications, depressant_warning
from models.db import read_session, transaction
from models.types import utcnow
from models.ward_policy import sedation_thresholds

PATH_TEMPLATE = "/patient/<admission_id>"
register_page(__name__, path_template=PATH_TEMPLATE, title="Patient")
REFRESH_MS = 30_000
# The parts of the page re-read after every save and on the refresh tick.
REFRESHED = (
    "patient-banner",
    "vitals-table",
    "ciwa-table",
    "mar-table",
    "prn-orders",
    "prn-table",
    "history-table",
)
TABS = (
    ("overview", N_("Overview")),
    ("vitals", N_("Vitals")),
    # TRANSLATORS: the tab of the CIWA-B (and CIWA-Ar) scores; the scale's name.
    ("ciwa", N_("CIWA")),
    # TRANSLATORS: the tab of the medication administration record (French: plan d'administration).
    ("mar", N_("MAR")),
    ("history", N_("History")),
)


def going_home_links(admission_id: int, discharged: bool) -> html.Div:
    """The printable handout and summary; before discharge they preview from today."""
    if discharged:
        calendar, summary = _("Patient's taper calendar"), _("Discharge summary")
    else:
        calendar = _("Patient's taper calendar (preview: the patient is still on the ward)")
        summary = _("Discharge summary (preview: the patient is still on the ward)")
    links = [
        (calendar, f"/patient/{admission_id}/calendar", "home-calendar"),
        (summary, f"/patient/{admission_id}/summary", "home-summary"),
    ]
    return html.Div(
        [
            html.A(label, href=href, id=key, className="tw-export-link", target="_blank")
            for label, href, key in links
        ],
        className="tw-export-links",
    )


# The download links' labels (dashboard/csv_export.py writes them in English), marked here
# and translated where the page shows them.
EXPORT_LABELS = (
    N_("Vitals (CSV)"),
    N_("Scores (CSV)"),
    N_("MAR (CSV)"),
    N_("FHIR R4 bundle (JSON)"),
)


def _export_links(admission_id: int) -> html.Div:
    links = export_links(admission_id)
    for link in links.children:
        if isinstance(link, html.A) and link.children in EXPORT_LABELS:
            link.children = _(link.children)
    return links


def _banner_actions(header: PatientHeader, role: str) -> list[Any]:
    """Kept out of the refreshed banner: a button re-rendered by a refresh would look clicked."""
    actions: list[Any] = []
    admitted = header.admission.discharged_at is None
    if admitted and role == "physician" and dose_needs_confirmation(header.admission):
        actions.append(
            dmc.Button(
                _("Confirm admission dose…"),
                id="dose-confirm-open",
                variant="outline",
                color="orange",
                size="sm",
            )
        )
    if admitted and role in co_medication_ui.OPEN_ROLES:
        actions.append(co_medication_ui.edit_button())
    if admitted and role in spo2_scale.SCALE_ROLES:
        actions.append(spo2_scale.scale_button())
    if admitted and role in charting_discharge.DISCHARGE_ROLES:
        actions.append(
            dmc.Button(
                _("Discharge…"), id="discharge-open", variant="outline", color="red", size="sm"
            )
        )
    return actions


def _ciwa_choice(header: PatientHeader, can_order: bool) -> Any:
    """Which scales are charted: CIWA-B always; CIWA-Ar when the physician turns it on."""
    if can_order:
        return html.Div(
            [
                charting_ciwa_ar.ciwa_ar_switch(header.admission),
                html.Div(id="ciwa-ar-message", className="tw-form-message", role="alert"),
            ],
            className="tw-ciwa-choice",
        )
    if header.admission.ciwa_ar:
        return html.Div(_("CIWA-Ar is charted too (alcohol withdrawal)."), className="tw-muted")
    return html.Div()


def _not_found(admission_id: str) -> html.Div:
    return html.Div(
        [
            dmc.Title(_("Patient not found"), order=2, className="tw-page-title"),
            html.P(_("There is no admission {id}.", id=repr(admission_id)), className="tw-empty"),
            dcc.Link(_("Back to the ward board"), href="/"),
        ]
    )


def layout(
    admission_id: str = "", tab: str | None = None, at: str | None = None, **_query: Any
) -> html.Div:
    actor = current_actor()
    if not str(admission_id).isdigit():
        return _not_found(str(admission_id))
    now = utcnow()
    with read_session(engine()) as session:
        header = patient_header(session, int(admission_id), now)
        depressants = co_medications(session, int(admission_id))
    if header is None:
        return _not_found(str(admission_id))
    warning = depressant_warning(depressants, header.admission.naloxone)
    adm_id = int(admission_id)
    with transaction(engine()) as session:
        record_read(session, actor=actor, action="read.chart", admission_id=adm_id)
    tz = ZoneInfo(header.ward.timezone)
    discharged = header.admission.discharged_at is not None
    can_chart = actor.role in CHARTING_ROLES and not discharged
    can_order = actor.role == "physician" and not discharged
    notes: list[Any] = []
    if discharged:
        notes.append(
            html.Div(
                _(
                    "{discharged} — the record is read-only.",
                    discharged=charting_discharge.discharged_note(header.admission, now, tz),
                ),
                className="tw-readonly-note",
                id="patient-readonly",
            )
        )
    elif actor.role not in CHARTING_ROLES:
        notes.append(
            html.Div(
                _("Charting is done by nurses and physicians; this view is read-only."),
                className="tw-readonly-note",
                id="patient-readonly",
            )
        )
    notes.append(co_medication_ui.warning_banner(warning))
    selected = tab if tab in dict(TABS) else "overview"
    initial = refresh_parts(adm_id, can_chart, now, tab=selected, can_order=can_order)
    panels = {
        "overview": patient_overview.overview(adm_id, at),
        "vitals": html.Div(
            [
                charting_vitals.vitals_form(now, tz, header.admission.spo2_scale)
                if can_chart
                else html.Div(),
                *_recent_table(_("Recent vitals (72 hours)"), "vitals-table", initial),
            ]
        ),
        "ciwa": html.Div(
            [
                _ciwa_choice(header, can_order),
                charting_ciwa.ciwa_form(now, tz) if can_chart else html.Div(),
                charting_ciwa_ar.ciwa_ar_form(now, tz)
                if can_chart and header.admission.ciwa_ar
                else html.Div(),
                *_recent_table(_("Recent scores (72 hours)"), "ciwa-table", initial),
            ]
        ),
        "mar": charting_mar.mar_panel(
            can_chart=can_chart,
            table=initial.get("mar-table", not_read_yet()),
            prn=charting_prn.prn_section(
                orders=initial.get("prn-orders", not_read_yet()),
                doses=initial.get("prn-table", not_read_yet()),
                can_chart=can_chart,
                can_order=can_order,
            ),
            wristband=charting_wristband.scan_panel(adm_id, can_chart=can_chart),
        ),
        "history": html.Div(
            [
                html.Div(
                    _(
                        "Everything charted in the last {n} days",
                        n=charting_history.HISTORY_DAYS,
                    ),
                    className="tw-section-title",
                ),
                html.Div(initial.get("history-table", not_read_yet()), id="history-table"),
                html.Div(_("Going home"), className="tw-section-title"),
                going_home_links(adm_id, discharged),
                html.Div(_("Download the whole stay"), className="tw-section-title"),
                _export_links(adm_id),
            ]
        ),
    }
    tabs = dmc.Tabs(
        [
            dmc.TabsList(
                [dmc.TabsTab(_(label), value=key, id=f"tab-{key}") for key, label in TABS]
            ),
            *[
                dmc.TabsPanel(
                    html.Div(panels[key], className="tw-tab-body"),
                    value=key,
                    # The tab's own id: Mantine's default names an id the tab does not have.
                    **attrs(aria_labelledby=f"tab-{key}"),
                )
                for key, _label in TABS
            ],
        ],
        id="patient-tabs",
        value=selected,
        className="tw-tabs",
        keepMounted=False,
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Div(
                        initial["patient-banner"], id="patient-banner", className="tw-banner-facts"
                    ),
                    html.Div(_banner_actions(header, actor.role), className="tw-banner-actions"),
                ],
                className="tw-banner",
            ),
            *notes,
            tabs,
            dcc.Store(id="patient-admission", data=adm_id),
            dcc.Store(id="patient-changed"),
            # A digest of each part the page shows (refresh_patient sends only what changed).
            dcc.Store(id="patient-shown", data=digests(initial)),
            dcc.Store(id="patient-reload"),
            dcc.Store(id="patient-reloaded"),
            dcc.Store(id="patient-can-chart", data=can_chart),
            dcc.Store(id="patient-can-order", data=can_order),
            dcc.Interval(id="patient-refresh", interval=REFRESH_MS),
            charting_history.in_error_modal(),
            charting_discharge.discharge_modal(adm_id),
            *(
                [spo2_scale.scale_modal(adm_id, header.admission.spo2_scale)]
                if not discharged and actor.role in spo2_scale.SCALE_ROLES
                else []
            ),
            charting_dose_confirm.dose_confirm_modal(header.admission)
            if actor.role == "physician" and not discharged
            else html.Div(),
            co_medication_ui.edit_modal(
                adm_id,
                depressants,
                role=actor.role,
                opioid=warning is not None and warning.opioid,
                naloxone=header.admission.naloxone,
            )
            if actor.role in co_medication_ui.OPEN_ROLES and not discharged
            else html.Div(),
        ],
        className="tw-patient",
    )


# What each tab shows that the page re-reads; the banner is always re-read. Only the open tab's
# parts are read, sent and drawn (a long stay's tables are thousands of elements: redrawing every
# tab's after each save froze the page for seconds).
TAB_PARTS: dict[str, tuple[str, ...]] = {
    "overview": (),
    "vitals": ("vitals-table",),
    "ciwa": ("ciwa-table",),
    "mar": ("mar-table", "prn-orders", "prn-table"),
    "history": ("history-table",),
}


def _recent_table(title: str, table_id: str, initial: dict[str, Any]) -> list[Any]:
    """A tab's table of recent entries under its title: as read with the page, else filled in
    by the first refresh."""
    return [
        html.Div(title, className="tw-section-title", style={"marginTop": "16px"}),
        html.Div(initial.get(table_id, not_read_yet()), id=table_id),
    ]


def not_read_yet() -> html.Div:
    """A tab's table before its first read."""
    return html.Div(_("Loading…"), className="tw-muted")


def refresh_parts(
    admission_id: int, can_chart: bool, now: datetime, *, tab: str, can_order: bool = False
) -> dict[str, Any]:
    """The banner and the open tab's tables, from the database (a few queries per tab)."""
    wanted = {"patient-banner", *TAB_PARTS.get(tab, ())}
    with read_session(engine()) as session:
        header = patient_header(session, admission_id, now)
        if header is None:
            return dict.fromkeys(wanted, "")
        tz = ZoneInfo(header.ward.timezone)
        can_chart = can_chart and header.admission.discharged_at is None
        can_order = can_order and header.admission.discharged_at is None
        parts: dict[str, Any] = {"patient-banner": banner(header, now)}
        if "vitals-table" in wanted:
            vitals = recent_vitals(session, admission_id, now - charting_vitals.RECENT)
            names = _names(session, [v.charted_by for v in vitals], vitals)
            parts["vitals-table"] = charting_vitals_table.vitals_table(
                vitals,
                names,
                tz=tz,
                now=now,
                can_correct=can_chart,
                thresholds=sedation_thresholds(header.ward),
            )
        if "ciwa-table" in wanted:
            scores = recent_assessments(session, admission_id, now - charting_vitals.RECENT)
            names = _names(session, [a.charted_by for a in scores], scores)
            parts["ciwa-table"] = charting_ciwa_table.ciwa_table(
                scores, names, tz=tz, now=now, can_correct=can_chart
            )
        if "mar-table" in wanted:
            start, end = charting_mar.mar_window(now, tz)
            slots = mar_slots(session, admission_id, start, end)
            prn = prn_doses(session, admission_id, start, end)
            given = [a for slot in slots for a in slot.administrations] + prn
            names = _names(session, [a.charted_by for a in given], given)
            parts["mar-table"] = charting_mar.mar_table(
                slots,
                names,
                ward=header.ward,
                now=now,
                can_chart=can_chart,
                untolerated=untolerated_step(session, admission_id),
                sedation=sedation_check(session, admission_id, sedation_thresholds(header.ward)),
                scores=linked_scores(session, given),
            )
            parts["prn-orders"] = charting_prn.orders_table(
                prn_reads.order_rows(session, admission_id, now),
                tz=tz,
                now=now,
                can_chart=can_chart,
                can_order=can_order,
            )
            parts["prn-table"] = charting_prn.doses_table(
                prn, names, tz=tz, now=now, can_chart=can_chart
            )
        if "history-table" in wanted:
            since = now - charting_history.HISTORY_SPAN
            vitals = recent_vitals(session, admission_id, since)
            scores = recent_assessments(session, admission_id, since)
            doses = administrations_since(session, admission_id, since)
            rows: list[Any] = [*vitals, *scores, *doses]
            names = _names(session, [r.charted_by for r in rows], rows)
            parts["history-table"] = charting_history.history_table(
                charting_history.history_entries(vitals, scores, doses, names, tz=tz, now=now),
                names,
                tz=tz,
                now=now,
            )
    return parts


def _names(session: Session, charted_by: list[int], rows: Sequence[Any]) -> dict[int, str]:
    """Display names of who charted ``rows`` and who marked any of them in error."""
    return user_names(session, {*charted_by, *(r.error_marked_by for r in rows)})


def digests(parts: dict[str, Any]) -> dict[str, str]:
    """What each part shows, as a digest: a part that would show the same is not sent again."""
    return {
        part: hashlib.blake2b(orjson.dumps(plain(value)), digest_size=16).hexdigest()
        for part, value in parts.items()
    }


@callback(
    output={
        "parts": {part: Output(part, "children") for part in REFRESHED},
        "shown": Output("patient-shown", "data"),
    },
    inputs={
        "changed": Input("patient-changed", "data"),
        "tick": Input("patient-refresh", "n_intervals"),
        "tab": Input("patient-tabs", "value"),
        "admission_id": State("patient-admission", "data"),
        "can_chart": State("patient-can-chart", "data"),
        "can_order": State("patient-can-order", "data"),
        "was_shown": State("patient-shown", "data"),
    },
    prevent_initial_call=True,
)
def refresh_patient(
    changed: str | None,
    tick: int | None,
    tab: str | None,
    admission_id: int,
    can_chart: bool,
    can_order: bool | None,
    was_shown: dict[str, str] | None,
) -> dict[str, Any]:
    """The banner and the open tab's tables, each only when it shows something new: every part
    set is a store update that dash-renderer takes to every component of the page, and a table
    sent again is drawn again. A tab just opened has its tables mounted afresh, so they are
    always sent then."""
    actor = current_actor()
    parts = refresh_parts(
        int(admission_id),
        bool(can_chart) and actor.role in CHARTING_ROLES,
        utcnow(),
        tab=tab if isinstance(tab, str) else "overview",
        can_order=bool(can_order) and actor.role == "physician",
    )
    shown = digests(parts)
    before = (
        {} if ctx.triggered_id == "patient-tabs" or not isinstance(was_shown, dict) else was_shown
    )
    new = {part for part in parts if before.get(part) != shown[part]}
    return {
        "parts": {part: parts[part] if part in new else no_update for part in REFRESHED},
        "shown": shown if new or shown != was_shown else no_update,
    }


clientside_callback(
    """function (reload) {
        if (reload) { window.location.reload(); }
        return window.dash_clientside.no_update;
    }""",
    Output("patient-reloaded", "data"),
    Input("patient-reload", "data"),
    prevent_initial_call=True,
)
