"""The MAR: today's and the last 24 hours' scheduled doses with their status, charted in one
action (Given) or with a reason (Held, Refused, Not given); PRN orders and doses
(components.charting_prn); corrections by marking an entry in error, after which the dose can
be charted again and both entries stay visible.

Over ~400 lines: the MAR table, its confirmation modal and their callbacks, one form (a
split of the modal is still to do).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate
from sqlmodel import Session

from dashboard.clinical_words import drug_name
from dashboard.components.charting_common import (
    attrs,
    format_local,
    level_chip,
    mg,
    parse_clock,
    short_day,
)
from dashboard.components.modal_buttons import modal_buttons
from dashboard.components.text_box import text_box
from dashboard.context import default_ward, engine, require_role
from dashboard.i18n import N_, _, language, request_translator
from dashboard.queries import MarSlot, UntoleratedStep
from dashboard.refusals import Refusal, attempt, form_message
from dashboard.registry import callback
from dashboard.theme import FLAG_LEVEL, LEVELS
from models.audit import Actor
from models.charting import (
    CHARTING_ROLES,
    REASONS_BY_STATUS,
    SedationCheck,
    chart_dose,
    sedation_check,
)
from models.clinical.dose_timing import AdministrationFact, DoseStatus, dose_status, window_opens
from models.clinical.sedation import HELD_FOR_SEDATION, RASS_LEVELS, SedationConcern
from models.db import read_session
from models.errors import shown
from models.flags import MISSED_DOSE_SEVERITY
from models.schemas import DoseAdministrationCreate
from models.tables import DoseAdministration, ScheduledDose, VitalSigns, Ward
from models.types import utcnow
from models.ward_policy import sedation_thresholds, slot_window_min

# How each status reads and how loud it is (theme levels 0-4): late is red; missed in the colour
# of the missed-dose flag's severity, so the MAR and the review queue agree.
STATUS_TEXT: dict[DoseStatus, str] = {
    DoseStatus.NOT_YET_DUE: N_("Not yet due"),
    DoseStatus.DUE: N_("Due"),
    DoseStatus.LATE: N_("Late"),
    DoseStatus.MISSED: N_("Missed"),
    DoseStatus.GIVEN: N_("Given"),
    DoseStatus.GIVEN_LATE: N_("Given late"),
    DoseStatus.HELD: N_("Held"),
    DoseStatus.REFUSED: N_("Refused"),
    DoseStatus.NOT_GIVEN: N_("Not given"),
}
STATUS_LEVEL: dict[DoseStatus, int] = {
    DoseStatus.NOT_YET_DUE: 0,
    DoseStatus.DUE: 1,
    DoseStatus.LATE: 3,
    DoseStatus.MISSED: FLAG_LEVEL[MISSED_DOSE_SEVERITY],
    DoseStatus.GIVEN: 0,
    DoseStatus.GIVEN_LATE: 1,
    DoseStatus.HELD: 1,
    DoseStatus.REFUSED: 2,
    DoseStatus.NOT_GIVEN: 2,
}
ACTION_LABEL = {
    "given": N_("Given"),
    "held": N_("Held…"),
    "refused": N_("Refused…"),
    "not_given": N_("Not given…"),
}
# A charted entry's status as a word ("Not given"), as the entries and confirmations say it.
ENTRY_WORD = {
    "given": N_("Given"),
    "held": N_("Held"),
    "refused": N_("Refused"),
    "not_given": N_("Not given"),
}


def entry_word(status: str) -> str:
    """A charted status in this request's language ("Not given")."""
    word = ENTRY_WORD.get(status)
    return _(word) if word is not None else status.replace("_", " ").capitalize()


def reason_label(status: str, code: str) -> str:
    """A reason's label (models.charting's, marked there) in this request's language."""
    label = REASONS_BY_STATUS.get(status, {}).get(code)
    return _(label) if label is not None else code


def check_prompt(concern: SedationConcern, when: str) -> str:
    """models.clinical.sedation.check_prompt's sentence in this request's language (in English
    the same words, a test checks), the signs too (each a models.errors.Phrase)."""
    t = request_translator()
    signs = ", ".join(str(shown(sign, t)) for sign in (*concern.signs, *concern.breathing))
    if concern.dangerous:
        return _(
            "Latest observations at {when}: {signs} with depressed breathing. Check sedation, "
            "respiratory rate and SpO2 again before this dose; chart the fresh check with the "
            "vitals. If still sedated, hold the dose for sedation and tell the physician.",
            when=when,
            signs=signs,
        )
    return _(
        "Latest observations at {when}: {signs}. Check sedation, respiratory rate and SpO2 "
        "again before this dose; chart the fresh check with the vitals. If still sedated, hold "
        "the dose for sedation and tell the physician.",
        when=when,
        signs=signs,
    )


MAR_PAST = timedelta(hours=24)


def mar_window(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """From 24 h ago (or this morning's midnight if earlier) to the end of today, ward time."""
    today = now.astimezone(tz).date()
    midnight = datetime.combine(today, time(0), tzinfo=tz)
    end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz)
    return min(now - MAR_PAST, midnight), end


def slot_status(entry: MarSlot, now: datetime, ward: Ward) -> DoseStatus:
    valid = entry.valid
    fact = AdministrationFact(valid.status, valid.administered_at) if valid else None
    return dose_status(
        scheduled_at=entry.slot.scheduled_at,
        now=now,
        window_min=slot_window_min(ward, entry.slot.doses_per_day),
        administration=fact,
    )


@dataclass(frozen=True)
class PendingCharting:
    slot_id: int
    status: str  # given | held | refused | not_given
    early: bool = False  # a Given before the dose's window: confirm first


def chart_scheduled(
    *,
    actor: Actor,
    slot_id: int,
    status: str,
    time_text: str | None,
    now: datetime,
    reason_code: str | None = None,
    reason_text: str | None = None,
) -> DoseAdministration | Refusal:
    """Chart one scheduled dose; a second nurse charting the same dose is told who won."""

    def write(session: Session) -> DoseAdministration:
        ward = default_ward(session)
        at = parse_clock(
            time_text, now=now, tz=ZoneInfo(ward.timezone), field_name="at", t=request_translator()
        )
        return chart_dose(
            session=session,
            actor=actor,
            now=now,
            data=DoseAdministrationCreate(
                scheduled_dose_id=slot_id,
                status=status,
                administered_at=at,
                reason_code=reason_code,
                reason_text=reason_text,
            ),
        )

    return attempt(engine(), write)


def describe_entry(
    entry: DoseAdministration,
    names: Mapping[int, str],
    tz: ZoneInfo,
    now: datetime,
    scores: Mapping[int, VitalSigns] | None = None,
) -> str:
    who = names.get(entry.charted_by, "")
    when = format_local(entry.administered_at, tz, now, t=request_translator())
    text = _("{status} {when} by {who}", status=entry_word(entry.status), when=when, who=who)
    if entry.status != "given" and entry.reason_code:
        text += f" — {reason_label(entry.status, entry.reason_code)}"
    linked = (scores or {}).get(entry.sedation_vitals_id or 0)
    if linked is not None:
        at = format_local(linked.taken_at, tz, now, t=request_translator())
        text += " " + _("({scores} at {when})", scores=score_text(linked), when=at)
    if entry.reason_text:
        text += f": {entry.reason_text}"
    return text


def score_text(v: VitalSigns) -> str:
    """ "RASS -3, POSS 3": the sedation scores of a set of vitals."""
    parts = []
    if v.rass is not None:
        parts.append(f"RASS {RASS_LEVELS[v.rass].code}")
    if v.poss is not None:
        parts.append(f"POSS {v.poss}")
    return ", ".join(parts)


# --- layout -------------------------------------------------------------------------------


def mar_table(
    slots: list[MarSlot],
    names: Mapping[int, str],
    *,
    ward: Ward,
    now: datetime,
    can_chart: bool,
    untolerated: UntoleratedStep | None = None,
    sedation: SedationCheck | None = None,
    scores: Mapping[int, VitalSigns] | None = None,
) -> html.Div:
    """``scores``: the sets of vitals doses held for sedation rest on, by id."""
    tz = ZoneInfo(ward.timezone)
    if not slots:
        return html.Div(
            _(
                "No scheduled doses today or in the last 24 hours (no active taper plan, or the "
                "plan has ended)."
            ),
            className="tw-empty",
        )
    head = html.Tr(
        [
            html.Th(h)
            # TRANSLATORS: MAR column headings: when the dose is due, the dose, its status, what
            # was charted.
            for h in (_("Due"), _("Dose"), _("Status"), _("Charted"), "")
        ]
    )
    rows = [
        _slot_row(
            entry,
            names,
            ward=ward,
            tz=tz,
            now=now,
            can_chart=can_chart,
            warning=_untolerated_warning(entry, untolerated),
            sedation=_sedation_prompt(entry, sedation, ward, tz, now),
            scores=scores,
        )
        for entry in slots
    ]
    return html.Div(
        html.Table([html.Thead(head), html.Tbody(rows)], className="tw-table tw-mar"),
        className="tw-table-scroll",
    )


def _untolerated_warning(entry: MarSlot, untolerated: UntoleratedStep | None) -> str | None:
    """At the doses of the next cut after a step the patient did not tolerate (its flag still
    unresolved): say so where the nurse gives them."""
    if untolerated is None or untolerated.next_cut is None:
        return None
    if entry.slot.local_date < untolerated.next_cut or entry.valid is not None:
        return None
    return _(
        "⚠ The previous step ({day}) was not tolerated and its flag is open: check with the "
        "physician before giving this reduced dose",
        day=short_day(untolerated.step_start, language()),
    )


# The doses the sedation prompt stands at: those to be given or decided now.
PROMPTED_STATUSES = (DoseStatus.DUE, DoseStatus.LATE)


def _sedation_prompt(
    entry: MarSlot, check: SedationCheck | None, ward: Ward, tz: ZoneInfo, now: datetime
) -> str | None:
    """At a due or late dose while the latest vitals are beyond the ward's sedation thresholds:
    ask for a fresh check (models.clinical.sedation.check_prompt). Taperwatch holds nothing."""
    if check is None or entry.valid is not None:
        return None
    if slot_status(entry, now, ward) not in PROMPTED_STATUSES:
        return None
    return check_prompt(
        check.concern, format_local(check.taken_at, tz, now, t=request_translator())
    )


def _slot_row(
    entry: MarSlot,
    names: Mapping[int, str],
    *,
    ward: Ward,
    tz: ZoneInfo,
    now: datetime,
    can_chart: bool,
    warning: str | None = None,
    sedation: str | None = None,
    scores: Mapping[int, VitalSigns] | None = None,
) -> html.Tr:
    slot = entry.slot
    status = slot_status(entry, now, ward)
    charted: list[Any] = []
    if warning:
        charted.append(html.Div(warning, className="tw-mar-warning", role="note"))
    if sedation:
        charted.append(
            html.Div(
                ["⚠ ", html.Strong(_("Sedation: ")), sedation],
                className="tw-mar-warning",
                role="note",
                **attrs(data_sedation_prompt="true"),
            )
        )
    for given in entry.administrations:
        text = describe_entry(given, names, tz, now, scores)
        if given.entered_in_error:
            marker = names.get(given.error_marked_by or 0, "")
            charted.append(
                html.Div(
                    [
                        html.S(text),
                        html.Span(
                            " "
                            + _(
                                "— entered in error by {who}: {reason}",
                                who=marker,
                                reason=given.error_reason,
                            ),
                            className="tw-mar-error-note",
                        ),
                    ],
                    className="tw-mar-detail",
                )
            )
        else:
            charted.append(html.Div(text, className="tw-mar-detail"))
    actions: list[Any] = []
    if can_chart:
        valid = entry.valid
        if valid is None:
            actions = [
                dmc.Button(
                    _(ACTION_LABEL[act]),
                    id={"type": "mar-act", "slot": slot.id, "act": act},
                    # Enabled by the wristband scan when the ward scans before giving.
                    disabled=act == "given" and ward.scan_before_giving,
                    size="sm",
                    variant="filled" if act == "given" else "default",
                    color="indigo" if act == "given" else "gray",
                )
                for act in ("given", "held", "refused", "not_given")
            ]
        else:
            actions = [
                dmc.Button(
                    _("Mark in error…"),
                    id={"type": "in-error-open", "entity": "dose", "id": valid.id},
                    size="sm",
                    variant="subtle",
                )
            ]
    return html.Tr(
        [
            html.Td(
                format_local(slot.scheduled_at, tz, now, t=request_translator()),
                className="tw-mar-when",
            ),
            html.Td(f"{drug_name(slot.drug)} {mg(slot.dose_ug, language())}"),
            html.Td(level_chip(_(STATUS_TEXT[status]), STATUS_LEVEL[status])),
            html.Td(charted or html.Span("—", className="tw-muted")),
            html.Td(html.Div(actions, className="tw-mar-actions")),
        ],
        **attrs(data_slot=str(slot.id), data_status=status.value),
    )


def mar_panel(*, can_chart: bool, table: Any, prn: Any, wristband: Any = None) -> html.Div:
    """The MAR tab's fixed parts; the tables are filled by the page's refresh. ``prn``: the PRN
    section (components.charting_prn); ``wristband``: the band scan (charting_wristband)."""
    toolbar = (
        html.Div(
            [
                dmc.TextInput(
                    id="mar-time",
                    label=_("Time given or decided"),
                    placeholder=_("now"),
                    description=_("Blank means now; type e.g. 08:05 for an earlier time"),
                    inputWrapperOrder=["label", "input", "description", "error"],
                    size="md",
                    w=430,
                    autoComplete="off",
                ),
                html.Div(id="mar-alert", className="tw-alert", role="status"),
            ],
            className="tw-mar-toolbar",
        )
        if can_chart
        else html.Div()
    )
    return html.Div(
        [
            wristband if wristband is not None else html.Div(),
            toolbar,
            html.Div(table, id="mar-table"),
            prn,
            reason_modal(),
            dcc.Store(id="mar-pending"),
        ]
    )


def reason_modal() -> dmc.Modal:
    return dmc.Modal(
        id="mar-modal",
        title=_("Chart dose"),
        opened=False,
        size="lg",
        children=html.Div(
            dmc.Stack(
                [
                    html.Div(id="mar-modal-what", className="tw-banner-value"),
                    html.Div(
                        [
                            dmc.Select(
                                id="mar-reason",
                                label=_("Reason"),
                                description=_(
                                    "Type to find it; Enter picks it, Enter again charts"
                                ),
                                data=[],
                                size="md",
                                searchable=True,
                                selectFirstOptionOnChange=True,
                                **{"data-autofocus": True},
                            ),
                            text_box("mar-reason-text", _("Details (optional)")),
                        ],
                        id="mar-reason-fields",
                    ),
                    dmc.TextInput(
                        id="mar-modal-time",
                        label=_("Time"),
                        placeholder=_("now"),
                        size="md",
                        w=200,
                        autoComplete="off",
                    ),
                    html.Div(id="mar-modal-message", className="tw-form-message", role="alert"),
                    modal_buttons(
                        "mar-cancel",
                        dmc.Button(
                            _("Chart"),
                            id="mar-confirm",
                            size="md",
                            **attrs(data_save_button="true"),
                        ),
                    ),
                ],
                gap="sm",
            ),
            **attrs(data_enter_saves="true"),
        ),
    )


# --- callbacks ----------------------------------------------------------------------------


def _ward() -> Ward:
    with read_session(engine()) as session:
        return default_ward(session)


def _slot(slot_id: int) -> ScheduledDose | None:
    with read_session(engine()) as session:
        return session.get(ScheduledDose, slot_id)


def _sedation_check(admission_id: int, ward: Ward) -> SedationCheck | None:
    with read_session(engine()) as session:
        return sedation_check(session, admission_id, sedation_thresholds(ward))


def _alert(text: str, level: int) -> dict[str, Any]:
    """The MAR's alert line: its text and the theme's colours for ``level``."""
    tone = LEVELS[level]
    return {"alert": text, "alert_style": {"backgroundColor": tone.background, "color": tone.text}}


_ALERT = {
    "alert": Output("mar-alert", "children", allow_duplicate=True),
    "alert_style": Output("mar-alert", "style", allow_duplicate=True),
}
_ACTION_TITLE = {
    "given": N_("Give this dose early?"),
    "held": N_("Hold this dose"),
    "refused": N_("Patient refused this dose"),
    "not_given": N_("Dose not given"),
}


@callback(
    output={
        "alert": Output("mar-alert", "children"),
        "alert_style": Output("mar-alert", "style"),
        "opened": Output("mar-modal", "opened"),
        "title": Output("mar-modal", "title"),
        "what": Output("mar-modal-what", "children"),
        "reason_fields": Output("mar-reason-fields", "style"),
        "reasons": Output("mar-reason", "data"),
        "reason": Output("mar-reason", "value"),
        "reason_error": Output("mar-reason", "error"),
        "reason_text": Output("mar-reason-text", "value"),
        "time": Output("mar-modal-time", "value"),
        "message": Output("mar-modal-message", "children"),
        "pending": Output("mar-pending", "data"),
        "changed": Output("patient-changed", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input({"type": "mar-act", "slot": ALL, "act": ALL}, "n_clicks"),
        "time_text": State("mar-time", "value"),
    },
    prevent_initial_call=True,
)
def mar_action(clicks: list[int | None], time_text: str | None) -> dict[str, Any]:
    """A MAR button: Given on time (no sedation concern) charts at once; anything else opens
    the confirmation modal."""
    if not ctx.triggered or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    actor = require_role(*CHARTING_ROLES)
    trigger = ctx.triggered_id
    slot_id, act = int(trigger["slot"]), str(trigger["act"])
    slot = _slot(slot_id)
    if slot is None:
        raise PreventUpdate
    now = utcnow()
    ward = _ward()
    opens = window_opens(slot.scheduled_at, slot_window_min(ward, slot.doses_per_day))
    check = _sedation_check(slot.admission_id, ward)
    if act == "given" and opens <= now and check is None:
        return _chart_at_once(actor, slot_id, slot, time_text, ZoneInfo(ward.timezone), now)
    modal = _confirmation(slot_id, slot, act, time_text, opens, check, ZoneInfo(ward.timezone), now)
    return {"alert": "", "alert_style": {}, **modal, "changed": no_update}


def _chart_at_once(
    actor: Actor,
    slot_id: int,
    slot: ScheduledDose,
    time_text: str | None,
    tz: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    """Given, on time, no sedation concern: charted without a modal; the alert says so."""
    outcome = chart_scheduled(
        actor=actor, slot_id=slot_id, status="given", time_text=time_text, now=now
    )
    if isinstance(outcome, Refusal):
        shown = _alert(outcome.message, 3)
    else:
        shown = _alert(
            _(
                "Given: {dose} at {when}.",
                dose=f"{drug_name(slot.drug)} {mg(slot.dose_ug, language())}",
                when=format_local(outcome.administered_at, tz, now, t=request_translator()),
            ),
            0,
        )
    modal = dict.fromkeys(
        ("opened", "title", "what", "reason_fields", "reasons", "reason", "reason_error",
         "reason_text", "time", "message", "pending"),
        no_update,
    )  # fmt: skip
    return {**shown, **modal, "changed": now.isoformat()}


def _confirmation(
    slot_id: int,
    slot: ScheduledDose,
    act: str,
    time_text: str | None,
    opens: datetime,
    check: SedationCheck | None,
    tz: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    """The modal that confirms an early dose, a hold, a refusal or a dose not given (with the
    sedation prompt where a recent check is a concern)."""
    early = opens > now
    what = _(
        "{dose} due {when}",
        dose=f"{drug_name(slot.drug)} {mg(slot.dose_ug, language())}",
        when=format_local(slot.scheduled_at, tz, now, t=request_translator()),
    )
    title = _(_ACTION_TITLE[act])
    if act == "given" and early:
        what = _(
            "{dose}. Its window opens at {when}: chart it as given now?",
            dose=what,
            when=format_local(opens, tz, now, t=request_translator()),
        )
    what_shown: Any = what
    prompt = (
        check_prompt(check.concern, format_local(check.taken_at, tz, now, t=request_translator()))
        if check
        else ""
    )
    if prompt and act in ("given", "held"):
        title = _("Check sedation before this dose") if act == "given" else title
        ask = " " + _("Chart it as given after a fresh check?") if act == "given" else ""
        what_shown = [
            html.Div(what + ("." if act == "held" and not early else "")),
            html.Div(
                [html.Strong(_("Sedation: ")), prompt + ask],
                className="tw-mar-warning",
                role="note",
                **attrs(data_sedation_prompt="true"),
            ),
        ]
    pending = PendingCharting(slot_id=slot_id, status=act, early=early)
    return {
        "opened": True,
        "title": title,
        "what": what_shown,
        "reason_fields": {"display": "none"} if act == "given" else {},
        "reasons": [{"value": k, "label": _(v)} for k, v in REASONS_BY_STATUS.get(act, {}).items()],
        "reason": HELD_FOR_SEDATION if act == "held" and check is not None else None,
        "reason_error": None,
        "reason_text": "",
        "time": time_text or "",
        "message": "",
        "pending": {"slot_id": pending.slot_id, "status": pending.status},
    }


@callback(
    output={
        "opened": Output("mar-modal", "opened", allow_duplicate=True),
        "message": Output("mar-modal-message", "children", allow_duplicate=True),
        "reason_error": Output("mar-reason", "error", allow_duplicate=True),
        "reason_text_error": Output("mar-reason-text", "error"),
        "time_error": Output("mar-modal-time", "error"),
        **_ALERT,
        "changed": Output("patient-changed", "data", allow_duplicate=True),
    },
    inputs={
        "clicks": Input("mar-confirm", "n_clicks"),
        "pending": State("mar-pending", "data"),
        "reason": State("mar-reason", "value"),
        "reason_text": State("mar-reason-text", "value"),
        "time_text": State("mar-modal-time", "value"),
    },
    prevent_initial_call=True,
)
def mar_confirm(
    clicks: int | None,
    pending: dict[str, Any] | None,
    reason: str | None,
    reason_text: str | None,
    time_text: str | None,
) -> dict[str, Any]:
    actor = require_role(*CHARTING_ROLES)
    if not pending:
        raise PreventUpdate
    now = utcnow()
    outcome = chart_scheduled(
        actor=actor,
        slot_id=int(pending["slot_id"]),
        status=str(pending["status"]),
        time_text=time_text,
        now=now,
        reason_code=reason,
        reason_text=reason_text,
    )
    closed = {
        "opened": False,
        "message": "",
        "reason_error": None,
        "reason_text_error": None,
        "time_error": None,
        "changed": now.isoformat(),
    }
    if isinstance(outcome, Refusal) and outcome.conflict:
        return {**closed, **_alert(outcome.message, 3)}
    if isinstance(outcome, Refusal):
        fields = outcome.fields
        return {
            "opened": True,
            "message": form_message(outcome, {"reason_code", "reason_text", "at"}),
            "reason_error": fields.get("reason_code"),
            "reason_text_error": fields.get("reason_text"),
            "time_error": fields.get("at"),
            "alert": no_update,
            "alert_style": no_update,
            "changed": no_update,
        }
    tz = ZoneInfo(_ward().timezone)
    amount = f" {mg(outcome.dose_ug, language())}" if outcome.status == "given" else ""
    at = format_local(outcome.administered_at, tz, now, t=request_translator())
    said = _(
        "{status}: {dose} at {when}.",
        status=entry_word(outcome.status),
        dose=f"{drug_name(outcome.drug)}{amount}",
        when=at,
    )
    return {**closed, **_alert(said, 0)}


@callback(
    output=Output("mar-modal", "opened", allow_duplicate=True),
    inputs={"clicks": Input("mar-cancel", "n_clicks")},
    prevent_initial_call=True,
)
def mar_cancel(clicks: int | None) -> bool:
    require_role(*CHARTING_ROLES)
    return False
