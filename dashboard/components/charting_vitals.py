"""Vital signs: the compact entry form with NEWS2 computed live, and the recent readings.

Fields run in the order of the NEWS2 observation chart (RCP 2017 [S34]: A-B-C-D-E -
respirations, SpO2, air or oxygen, blood pressure, pulse, consciousness, temperature), the
order nurses take and chart them, then the sedation scores (RASS [S66]; POSS [S68] when an
opioid is on board; blank when not scored); Tab follows it and Enter saves from any field.

Over ~400 lines: the form, its live NEWS2 and sedation hints and the save are one form (the
readings table is charting_vitals_table).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash_mantine_components as dmc
from dash import Input, Output, State, ctx, dcc, html, no_update
from sqlmodel import Session

from dashboard.components.charting_common import (
    attrs,
    clock_hint,
    format_local,
    level_style,
    parse_clock,
)
from dashboard.context import current_actor, default_ward, engine, require_role
from dashboard.i18n import N_, _, language, ngettext, request_translator
from dashboard.refusals import Refusal, attempt, field_message
from dashboard.registry import callback
from dashboard.theme import news2_level, news2_word
from models.charting import CHARTING_ROLES, new_submission_id, record_vitals
from models.clinical import news2 as news2_rules
from models.clinical.news2 import CONSCIOUSNESS_LEVELS, news2
from models.clinical.sedation import (
    POSS_LEVELS,
    RASS_LEVELS,
    SedationThresholds,
    poss_beyond,
    rass_beyond,
    validate_poss,
    validate_rass,
)
from models.clinical.vitals import validate_vitals
from models.errors import FieldError, ValidationFailed
from models.i18n import parse_number
from models.i18n.formats import decimal_separator
from models.schemas import VitalSignsCreate
from models.tables import VitalSigns
from models.types import utcnow
from models.ward_policy import sedation_thresholds


@dataclass(frozen=True)
class VitalField:
    name: str  # the domain's field name (FieldError.field)
    label: str
    unit: str
    decimals: int = 0


NUMBER_FIELDS: tuple[VitalField, ...] = (
    VitalField("resp_rate", N_("Resp. rate"), "/min"),
    VitalField("spo2", N_("SpO₂"), "%"),
    VitalField("systolic", N_("BP systolic"), "mmHg"),
    VitalField("diastolic", N_("BP diastolic"), "mmHg"),
    VitalField("heart_rate", N_("Pulse"), "/min"),
    VitalField("temperature_c", N_("Temperature"), "°C", decimals=1),
)
NUMBER_NAMES = tuple(f.name for f in NUMBER_FIELDS)
# Every input of the form, in the callback's order: its id and the property holding its value.
FORM_INPUTS: tuple[tuple[str, str], ...] = (
    *((f"vitals-{name}", "value") for name in NUMBER_NAMES),
    ("vitals-supplemental_o2", "checked"),
    ("vitals-consciousness", "value"),
    ("vitals-rass", "value"),
    ("vitals-poss", "value"),
    ("vitals-taken_at", "value"),
)
FORM_NAMES = (*NUMBER_NAMES, "supplemental_o2", "consciousness", "rass", "poss", "taken_at")
SEDATION_NAMES = ("rass", "poss")
ERROR_FIELDS = FORM_NAMES  # each has an ``error`` prop

# NEWS2 parameter -> (short label, the form field it reads); NEWS2 scores seven parameters.
NEWS2_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("resp_rate", N_("RR")),
    ("spo2", N_("SpO₂")),
    ("supplemental_o2", N_("O₂")),
    ("systolic", N_("BP")),
    ("heart_rate", N_("Pulse")),
    ("consciousness", N_("ACVPU")),
    ("temperature_c", N_("Temp")),
)


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


@dataclass(frozen=True)
class VitalsPreview:
    """What the form shows before saving: problems with the values typed so far, and NEWS2
    (complete, or the part scored so far)."""

    errors: dict[str, str]
    scores: dict[str, int]  # NEWS2 parameter -> score, for the parameters known so far
    total: int
    complete: bool
    any_single_three: bool
    response_text: str

    @property
    def level(self) -> int:
        return news2_level(self.total, self.any_single_three)


def read_numbers(
    values: Mapping[str, object], code: str
) -> tuple[dict[str, object], dict[str, str]]:
    """The form's number fields as numbers: a typed text (``37,5`` in French) read by
    ``parse_number`` in the language ``code``; numbers and blanks as they come. Also each
    unreadable field's message."""
    numbers: dict[str, object] = {}
    errors: dict[str, str] = {}
    if code == "en":  # as the form has always sent them: the domain reads and checks them
        return {name: values.get(name) for name in NUMBER_NAMES}, errors
    for name in NUMBER_NAMES:
        value = values.get(name)
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_number(value, code, field=name)
            except FieldError as exc:
                errors[name] = exc.message
                value = None
            else:
                value = int(parsed) if parsed == parsed.to_integral_value() else float(parsed)
        numbers[name] = value
    return numbers, errors


def preview(values: Mapping[str, object], spo2_scale: int = 1, code: str = "en") -> VitalsPreview:
    """NEWS2 as the nurse types, on the patient's SpO2 scale: errors only for fields already
    filled in."""
    raw, unreadable = read_numbers(values, code)
    if unreadable:
        o2, level = bool(values.get("supplemental_o2")), str(values.get("consciousness") or "A")
        return _partial(raw, o2, level, unreadable, spo2_scale)
    o2 = bool(values.get("supplemental_o2"))
    level = str(values.get("consciousness") or "A")
    try:
        vitals = validate_vitals(
            **raw, supplemental_o2=o2, consciousness=level, spo2_scale=spo2_scale
        )
    except ValidationFailed as exc:
        errors = {e.field: field_message(e) for e in exc.errors if _filled(values.get(e.field))}
        return _partial(raw, o2, level, errors, spo2_scale)
    result = news2(vitals)
    return VitalsPreview(
        errors={},
        scores=dict(result.parameter_scores),
        total=result.total,
        complete=True,
        any_single_three=result.any_single_three,
        response_text=result.response_text,
    )


_SCORERS: dict[str, Callable[[float], int]] = {
    "resp_rate": news2_rules.resp_rate_score,  # type: ignore[dict-item]
    "systolic": news2_rules.systolic_score,  # type: ignore[dict-item]
    "heart_rate": news2_rules.heart_rate_score,  # type: ignore[dict-item]
    "temperature_c": news2_rules.temperature_score,
}
SCORED_FIELDS = ("resp_rate", "spo2", "systolic", "heart_rate", "temperature_c")


def _partial(
    raw: Mapping[str, object], o2: bool, level: str, errors: dict[str, str], spo2_scale: int
) -> VitalsPreview:
    scores: dict[str, int] = {
        "supplemental_o2": news2_rules.SUPPLEMENTAL_O2_SCORE if o2 else 0,
    }
    if level in CONSCIOUSNESS_LEVELS:
        scores["consciousness"] = news2_rules.consciousness_score(level)
    scorers = dict(_SCORERS)
    scorers["spo2"] = lambda value: news2_rules.spo2_score(
        int(value), scale=spo2_scale, supplemental_o2=o2
    )
    for name, scorer in scorers.items():
        value = raw.get(name)
        if _filled(value) and name not in errors:
            try:
                scores[name] = scorer(float(str(value)))
            except ValueError:
                continue
    return VitalsPreview(
        errors=errors,
        scores=scores,
        total=sum(scores.values()),
        complete=False,
        any_single_three=any(s == 3 for s in scores.values()),
        response_text="",
    )


def save_vitals(
    *,
    actor: Any,
    admission_id: int,
    values: Mapping[str, object],
    now: datetime,
    submission_id: str | None = None,
    spo2_scale: int | None = None,
    code: str = "en",
) -> VitalSigns | Refusal:
    """Validate, write and audit one set of vitals; a refusal names every field at fault. A
    save sent again with the same ``submission_id`` answers with the set already stored.
    Typed numbers are read in the language ``code`` (a decimal comma in French)."""
    numbers, unreadable = read_numbers(values, code)

    def write(session: Session) -> VitalSigns:
        if unreadable:
            raise ValidationFailed([FieldError(f, m) for f, m in unreadable.items()])
        ward = default_ward(session)
        taken_at = parse_clock(
            _text(values.get("taken_at")),
            now=now,
            tz=ZoneInfo(ward.timezone),
            field_name="taken_at",
            t=request_translator(),
        )
        return record_vitals(
            session=session,
            actor=actor,
            now=now,
            data=VitalSignsCreate(
                admission_id=admission_id,
                taken_at=taken_at,
                heart_rate=numbers.get("heart_rate"),
                systolic=numbers.get("systolic"),
                diastolic=numbers.get("diastolic"),
                temperature_c=numbers.get("temperature_c"),
                resp_rate=numbers.get("resp_rate"),
                spo2=numbers.get("spo2"),
                supplemental_o2=bool(values.get("supplemental_o2")),
                consciousness=values.get("consciousness") or "A",
                rass=values.get("rass"),
                poss=values.get("poss"),
                submission_id=submission_id,
                spo2_scale=spo2_scale,
            ),
        )

    return attempt(engine(), write)


def sedation_hint(field: str, value: object, thresholds: SedationThresholds | None = None) -> str:
    """What the RASS or POSS typed so far means, in the scale's words [S66][S68], and whether
    it is beyond the ward's threshold; the scale's range while blank or not valid."""
    thresholds = thresholds or SedationThresholds()
    try:
        if field == "rass":
            rass = validate_rass(value)
            if rass is None:
                return _("0 alert and calm · −1 drowsy · −2 light · −3 moderate · −5 unarousable")
            text = f"{RASS_LEVELS[rass].code} {_(RASS_LEVELS[rass].term)}"
            beyond = rass_beyond(rass, thresholds)
        else:
            poss = validate_poss(value)
            if poss is None:
                return _("S asleep, easy to rouse · 1 alert · 2 slightly drowsy · 3 · 4 somnolent")
            text = f"{poss} {_(POSS_LEVELS[poss].term)}"
            beyond = poss_beyond(poss, thresholds)
    except FieldError:
        return ""
    if beyond:
        return _("{level} — beyond the ward's threshold: check before the next dose", level=text)
    return text


def _sedation_errors(values: Mapping[str, object]) -> dict[str, str | None]:
    errors: dict[str, str | None] = {}
    for field, check in (("rass", validate_rass), ("poss", validate_poss)):
        try:
            check(values.get(field))
            errors[field] = None
        except FieldError as exc:
            errors[field] = field_message(exc)
    return errors


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


# --- layout -------------------------------------------------------------------------------


def _number_input(field: VitalField, autofocus: bool = False) -> dmc.NumberInput:
    extra: dict[str, Any] = {"data-autofocus": True} if autofocus else {}
    separator = decimal_separator(language())
    if separator != ".":  # French: 37,5 (a point typed, as a number pad gives, is taken too)
        extra |= {"decimalSeparator": separator, "allowedDecimalSeparators": [".", separator]}
    return dmc.NumberInput(
        id=f"vitals-{field.name}",
        label=_(field.label),
        rightSection=html.Span(field.unit, className="tw-unit"),
        rightSectionWidth=58,
        hideControls=True,
        allowNegative=False,
        allowDecimal=field.decimals > 0,
        decimalScale=field.decimals or None,
        size="lg",
        value="",
        className="tw-field",
        inputProps={"autoComplete": "off", "inputMode": "decimal"},
        **extra,
    )


def news2_panel(result: VitalsPreview) -> tuple[list[Any], dict[str, str]]:
    """The NEWS2 box: total and response band in the theme's colour, and each parameter's
    score, so the nurse sees what drives the number."""
    style = level_style(result.level)
    measured = [name for name in SCORED_FIELDS if name in result.scores]
    if not measured:
        total_text = "–"  # noqa: RUF001 - a dash, nothing to translate
    else:
        total_text = str(result.total) if result.complete else f"{result.total}+"
    known = sum(1 for name, _short in NEWS2_PARAMETERS if name in result.scores)
    label = _(news2_word(result.total, result.any_single_three)).capitalize()
    status = (
        f"{label} — {_(result.response_text)}"
        if result.complete
        else _(
            "So far: {level} · {known} of {count} parameters",
            level=label.lower(),
            known=known,
            count=len(NEWS2_PARAMETERS),
        )
    )
    parts = " · ".join(
        f"{_(short)} {result.scores[name]}"
        for name, short in NEWS2_PARAMETERS
        if name in result.scores
    )
    children = [
        html.Div(_("NEWS2 (before saving)"), className="tw-news2-title"),
        html.Div(total_text, className="tw-news2-total", id="vitals-news2-total"),
        html.Div(status, className="tw-news2-response", id="vitals-news2-status"),
        html.Div(parts, className="tw-news2-parts"),
    ]
    return children, style


SPO2_SCALE_NOTE = {
    1: "",
    2: N_("Scale 2: target 88–92 % (prescribed)"),
}


def _typed_field(
    name: str, label: str, placeholder: str, description: Any, **props: Any
) -> dmc.TextInput:
    """A field of the vitals form typed as text (``vitals-<name>``), its hint below it."""
    return dmc.TextInput(
        id=f"vitals-{name}",
        label=label,
        placeholder=placeholder,
        description=description,
        inputWrapperOrder=["label", "input", "description", "error"],
        size="lg",
        className="tw-field",
        autoComplete="off",
        **props,
    )


def vitals_form(now: datetime, tz: ZoneInfo, spo2_scale: int = 1) -> html.Div:
    by_name = {f.name: f for f in NUMBER_FIELDS}
    code = language()
    empty = preview({}, spo2_scale, code)
    panel, style = news2_panel(empty)
    spo2 = _number_input(by_name["spo2"])
    if spo2_scale != 1:
        spo2.description = _(SPO2_SCALE_NOTE[spo2_scale])
        spo2.inputWrapperOrder = ["label", "input", "description", "error"]
    grid = html.Div(
        [
            _number_input(by_name["resp_rate"], autofocus=True),
            spo2,
            html.Div(
                dmc.Checkbox(
                    id="vitals-supplemental_o2",
                    label=_("On supplemental O₂"),
                    checked=False,
                    size="md",
                    mt=34,
                ),
                className="tw-field",
            ),
            html.Div(
                [
                    _number_input(by_name["systolic"]),
                    html.Span("/", className="tw-bp-slash"),
                    _number_input(by_name["diastolic"]),
                ],
                className="tw-bp",
            ),
            _number_input(by_name["heart_rate"]),
            html.Div(
                dmc.InputWrapper(
                    dmc.SegmentedControl(
                        id="vitals-consciousness",
                        **{"aria-label": _("ACVPU")},
                        data=list(CONSCIOUSNESS_LEVELS),
                        value="A",
                        size="md",
                        fullWidth=True,
                    ),
                    id="vitals-consciousness-wrapper",
                    label=_("ACVPU"),
                ),
                className="tw-field",
                **attrs(data_acvpu="true"),
            ),
            _number_input(by_name["temperature_c"]),
            _typed_field("rass", _("RASS (sedation)"), _("-5 to +4"), sedation_hint("rass", None)),
            _typed_field(
                "poss",
                _("POSS (opioid on board)"),
                _("S or 1-4"),
                sedation_hint("poss", None),
                inputProps={"maxLength": 1},
            ),
            _typed_field(
                "taken_at",
                _("Time taken"),
                _("now"),
                clock_hint(None, now=now, tz=tz, t=request_translator()),
            ),
        ],
        className="tw-vitals-grid",
    )
    actions = html.Div(
        [
            dmc.Button(_("Save vitals"), id="vitals-save", size="md", **{"data-save-button": True}),
            html.Span(
                [
                    # TRANSLATORS: the name of the Enter key (French keyboards: Entrée).
                    html.Kbd(_("Enter")),
                    _(" saves · "),
                    html.Kbd(_("Tab")),
                    _(" next field · "),
                    html.Kbd("A"),
                    " ",
                    html.Kbd("C"),
                    " ",
                    html.Kbd("V"),
                    " ",
                    html.Kbd("P"),
                    " ",
                    html.Kbd("U"),
                    _(" set ACVPU · RASS "),
                    html.Kbd("-3"),
                    _(" · blank: not scored"),
                ],
                className="tw-kbd",
            ),
            html.Div(id="vitals-message", className="tw-form-message", role="status"),
        ],
        className="tw-form-actions",
    )
    return html.Div(
        [
            html.Div(
                [
                    html.Div([grid, actions], style={"flex": 1}),
                    html.Div(panel, id="vitals-news2", className="tw-news2-panel", style=style),
                ],
                className="tw-vitals-layout",
            ),
            # This opening of the form: sent with Save, renewed after each reading is stored.
            dcc.Store(id="vitals-submission", data=new_submission_id()),
            # The SpO2 scale the form scores on (the admission's; the save checks it).
            dcc.Store(id="vitals-spo2-scale", data=spo2_scale),
        ],
        className="tw-card tw-vitals-form",
        **attrs(data_enter_saves="true"),
    )


# --- callbacks ----------------------------------------------------------------------------


_FORM = tuple(zip(FORM_NAMES, FORM_INPUTS, strict=True))
# What the form shows at its fields, live as the nurse types and after a save.
_FIELD_OUTPUTS = {
    "number_errors": {name: Output(f"vitals-{name}", "error") for name in NUMBER_NAMES},
    "consciousness_error": Output("vitals-consciousness-wrapper", "error"),
    "rass_error": Output("vitals-rass", "error"),
    "rass_hint": Output("vitals-rass", "description"),
    "poss_error": Output("vitals-poss", "error"),
    "poss_hint": Output("vitals-poss", "description"),
    "time_error": Output("vitals-taken_at", "error"),
    "time_hint": Output("vitals-taken_at", "description"),
    "news2": Output("vitals-news2", "children"),
    "news2_style": Output("vitals-news2", "style"),
}


@callback(
    output={
        "fields": _FIELD_OUTPUTS,
        "message": Output("vitals-message", "children"),
        "message_style": Output("vitals-message", "className"),
        "form": {
            name: Output(fid, prop)
            for name, (fid, prop) in zip(FORM_NAMES, FORM_INPUTS, strict=True)
        },
        "changed": Output("patient-changed", "data", allow_duplicate=True),
        "submission": Output("vitals-submission", "data"),
    },
    inputs={
        "values": {
            name: Input(fid, prop)
            for name, (fid, prop) in zip(FORM_NAMES, FORM_INPUTS, strict=True)
        },
        "save": Input("vitals-save", "n_clicks"),
        "scale": State("vitals-spo2-scale", "data"),
        "submission_id": State("vitals-submission", "data"),
        "admission_id": State("patient-admission", "data"),
    },
    prevent_initial_call=True,
)
def vitals_form_changed(
    values: dict[str, Any], save: Any, scale: Any, submission_id: Any, admission_id: Any
) -> dict[str, Any]:
    """As the nurse types: each field's error and the NEWS2 preview; on Save: the reading
    stored (the form cleared) or the refusal at its fields."""
    spo2_scale = scale if scale in (1, 2) else 1
    now = utcnow()
    if ctx.triggered_id == "vitals-save":
        actor = require_role(*CHARTING_ROLES)
        return _saved(actor, admission_id, values, now, submission_id, spo2_scale)
    current_actor()
    unchanged = dict.fromkeys(("message", "message_style", "changed", "submission"), no_update)
    form = dict.fromkeys(FORM_NAMES, no_update)
    return {"fields": _live(values, now, spo2_scale), "form": form, **unchanged}


def _ward_tz() -> ZoneInfo:
    return _ward_settings()[0]


def _ward_settings() -> tuple[ZoneInfo, SedationThresholds]:
    from models.db import read_session

    with read_session(engine()) as session:
        ward = default_ward(session)
        return ZoneInfo(ward.timezone), sedation_thresholds(ward)


def _field_answer(
    errors: Mapping[str, str | None],
    values: Mapping[str, object],
    panel: tuple[Any, Any],
    thresholds: SedationThresholds,
    hints_for: Mapping[str, object],
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """The form's fields: ``errors`` by field name, the sedation and time hints for the values
    in ``hints_for``, and the NEWS2 ``panel`` (its children and style)."""
    return {
        "number_errors": {name: errors.get(name) for name in NUMBER_NAMES},
        "consciousness_error": errors.get("consciousness"),
        "rass_error": errors.get("rass"),
        "rass_hint": sedation_hint("rass", hints_for.get("rass"), thresholds),
        "poss_error": errors.get("poss"),
        "poss_hint": sedation_hint("poss", hints_for.get("poss"), thresholds),
        "time_error": errors.get("taken_at"),
        "time_hint": clock_hint(
            _text(hints_for.get("taken_at")), now=now, tz=tz, t=request_translator()
        ),
        "news2": panel[0],
        "news2_style": panel[1],
    }


def _live(values: Mapping[str, object], now: datetime, spo2_scale: int) -> dict[str, Any]:
    result = preview(values, spo2_scale, language())
    tz, thresholds = _ward_settings()
    errors: dict[str, str | None] = {name: result.errors.get(name) for name in NUMBER_NAMES}
    errors |= {"consciousness": result.errors.get("consciousness"), **_sedation_errors(values)}
    errors["taken_at"] = _time_error(values.get("taken_at"), now, tz)
    return _field_answer(errors, values, news2_panel(result), thresholds, values, now, tz)


def _time_error(text: object, now: datetime, tz: ZoneInfo) -> str | None:
    try:
        parse_clock(_text(text), now=now, tz=tz, field_name="taken_at", t=request_translator())
    except FieldError as exc:
        return exc.message
    return None


def _saved(
    actor: Any,
    admission_id: int,
    values: Mapping[str, object],
    now: datetime,
    submission_id: Any,
    spo2_scale: int,
) -> dict[str, Any]:
    """Save the form. Its token stays the same until a reading is stored, so a save sent again
    (a lost answer, a second press) finds that reading; a stored reading starts a new token."""
    outcome = save_vitals(
        actor=actor,
        admission_id=admission_id,
        values=values,
        now=now,
        submission_id=submission_id,
        spo2_scale=spo2_scale,
        code=language(),
    )
    tz, thresholds = _ward_settings()
    if isinstance(outcome, Refusal):
        return _refused(outcome, values, spo2_scale, thresholds, now, tz)
    sedation = ""
    if outcome.rass is not None:
        rass = RASS_LEVELS[outcome.rass]
        sedation += f" RASS {rass.code} {_(rass.term).lower()}."
    if outcome.poss is not None:
        sedation += f" POSS {outcome.poss}."
    code = language()
    saved = (
        _(
            "Saved: vitals at {when} — NEWS2 {total} ({level}).",
            when=format_local(outcome.taken_at, tz, now, t=request_translator()),
            total=outcome.news2_total,
            level=_(news2_word(outcome.news2_total, outcome.news2_any_three)),
        )
        + sedation
    )
    # The sedation hints without thresholds, as the empty form first shows them.
    empty = news2_panel(preview({}, spo2_scale, code))
    fields = _field_answer({}, {}, empty, thresholds, {}, now, tz)
    fields |= {"rass_hint": sedation_hint("rass", None), "poss_hint": sedation_hint("poss", None)}
    cleared = dict.fromkeys(NUMBER_NAMES, "") | {
        "supplemental_o2": False, "consciousness": "A", "rass": "", "poss": "", "taken_at": ""
    }  # fmt: skip
    return {
        "fields": _untouched_left(fields, values, cleared),
        "message": saved,
        "message_style": "tw-form-message tw-form-ok",
        "form": {
            name: value if _blank(values.get(name)) != _blank(value) else no_update
            for name, value in cleared.items()
        },
        "changed": now.isoformat(),
        "submission": new_submission_id(),
    }


def _blank(value: object) -> object:
    return "" if value is None else value


# Each field's properties the save sets beside its value (its error, its hint); the time's
# hint is always set (it says the time it is now).
_FIELD_PROPS: dict[str, tuple[str, ...]] = {
    "consciousness": ("consciousness_error",),
    "rass": ("rass_error", "rass_hint"),
    "poss": ("poss_error", "poss_hint"),
}


def _untouched_left(
    fields: dict[str, Any], values: Mapping[str, object], cleared: Mapping[str, object]
) -> dict[str, Any]:
    """``fields`` less the error and hint of each field that already holds its cleared value:
    left as typed-into-never, it shows the empty form's (an error shows only on a filled
    field), and each property set is a store update dash-renderer takes to every component of
    the page. A filled field's error and hint are always set: the last live answer may not
    have arrived before the save."""
    untouched = {n for n, v in cleared.items() if _blank(values.get(n)) == _blank(v)}
    out = dict(fields)
    out["number_errors"] = {
        name: no_update if name in untouched else error
        for name, error in fields["number_errors"].items()
    }
    for name, props in _FIELD_PROPS.items():
        if name in untouched:
            out |= dict.fromkeys(props, no_update)
    return out


def _refused(
    outcome: Refusal,
    values: Mapping[str, object],
    spo2_scale: int,
    thresholds: SedationThresholds,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any]:
    """The save refused: the refusal at its fields, the form as typed."""
    field_count = sum(1 for name in FORM_NAMES if outcome.fields.get(name))
    message = (
        ngettext(
            "Not saved: correct the {n} field marked in red.",
            "Not saved: correct the {n} fields marked in red.",
            field_count,
            n=field_count,
        )
        if field_count and set(outcome.fields) <= set(FORM_NAMES)
        else outcome.message
    )
    panel = news2_panel(preview(values, spo2_scale, language()))
    return {
        "fields": _field_answer(outcome.fields, values, panel, thresholds, values, now, tz),
        "message": message,
        "message_style": "tw-form-message",
        "form": dict.fromkeys(FORM_NAMES, no_update),
        "changed": no_update,
        "submission": new_submission_id() if "submission_id" in outcome.fields else no_update,
    }


RECENT = timedelta(hours=72)
