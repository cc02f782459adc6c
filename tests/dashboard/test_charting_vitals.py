"""Vitals entry: the time field, NEWS2 live as values are typed, refusals at the field, and the
save callback writing (or not) exactly what the nurse sees, once however often it is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.components.charting_common import clock_hint, parse_clock
from dashboard.components.charting_vitals import (
    FORM_INPUTS,
    NUMBER_NAMES,
    preview,
    sedation_hint,
    vitals_form,
)
from models.charting import SUBMISSION_ID_PATTERN, new_submission_id
from models.errors import FieldError
from models.tables import AuditEvent, VitalSigns
from tests.dashboard.charting_fixtures import admit_patient, call, find, signed_in

LONDON = ZoneInfo("Europe/London")
# 10 March 2026, 00:30 in London (GMT): just after midnight.
JUST_AFTER_MIDNIGHT = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", JUST_AFTER_MIDNIGHT),
        ("00:20", datetime(2026, 3, 10, 0, 20, tzinfo=UTC)),
        ("0020", datetime(2026, 3, 10, 0, 20, tzinfo=UTC)),
        ("23:40", datetime(2026, 3, 9, 23, 40, tzinfo=UTC)),  # last night, not tonight
        ("9.05", datetime(2026, 3, 9, 9, 5, tzinfo=UTC)),
        ("00:31", datetime(2026, 3, 10, 0, 31, tzinfo=UTC)),  # within the clock-skew allowance
    ],
)
def test_a_typed_time_is_the_latest_such_moment_not_in_the_future(
    typed: str, expected: datetime
) -> None:
    assert parse_clock(typed, now=JUST_AFTER_MIDNIGHT, tz=LONDON, field_name="t") == expected


@pytest.mark.parametrize("typed", ["25:00", "12:75", "noon", "1"])
def test_an_unreadable_time_is_refused_at_the_field(typed: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_clock(typed, now=JUST_AFTER_MIDNIGHT, tz=LONDON, field_name="taken_at")
    assert refused.value.field == "taken_at"


def test_the_time_hint_says_which_day() -> None:
    assert clock_hint("23:40", now=JUST_AFTER_MIDNIGHT, tz=LONDON) == "yesterday 23:40"
    assert clock_hint("", now=JUST_AFTER_MIDNIGHT, tz=LONDON).startswith("Now (00:30)")


def test_news2_is_partial_while_typing_and_complete_when_all_are_in() -> None:
    typing = preview({"resp_rate": 23, "spo2": ""})
    assert not typing.complete and typing.scores["resp_rate"] == 2 and typing.total == 2
    assert typing.errors == {}  # an empty field is not an error while typing
    full = preview(
        {
            "resp_rate": 23,
            "spo2": 95,
            "systolic": 105,
            "diastolic": 70,
            "heart_rate": 95,
            "temperature_c": 38.4,
            "supplemental_o2": True,
            "consciousness": "A",
        }
    )
    # RR 2, SpO2 1, O2 2, SBP 1, HR 1, T 1 = 8: high (RCP 2017)
    assert full.complete and full.total == 8 and full.level == 4
    assert "emergency" in full.response_text.lower() or "continuous" in full.response_text.lower()


def test_an_impossible_value_is_flagged_as_it_is_typed() -> None:
    shown = preview({"heart_rate": 400, "resp_rate": 18})
    assert set(shown.errors) == {"heart_rate"} and "400" in shown.errors["heart_rate"]
    assert "heart_rate" not in shown.scores and shown.scores["resp_rate"] == 0


def _form(**values: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "resp_rate": 18,
        "spo2": 97,
        "systolic": 122,
        "diastolic": 76,
        "heart_rate": 84,
        "temperature_c": 36.9,
        "supplemental_o2": False,
        "consciousness": "A",
        "rass": "",
        "poss": "",
        "taken_at": "",
    }
    defaults.update(values)
    names = [fid.removeprefix("vitals-") for fid, _ in FORM_INPUTS]
    return {
        f"{fid}.{prop}": defaults[name]
        for (fid, prop), name in zip(FORM_INPUTS, names, strict=True)
    }


def _save(
    app: dash.Dash, client: Any, admission_id: int, token: str | None = None, **values: Any
) -> dict[str, Any]:
    """Press Save on the form; ``token`` is the form's (a newly opened form's by default)."""
    return call(
        client,
        app,
        "vitals-heart_rate.error",
        {
            **_form(**values),
            "vitals-save.n_clicks": 1,
            "vitals-submission.data": token or new_submission_id(),
            "patient-admission.data": admission_id,
        },
        changed=["vitals-save.n_clicks"],
    )


def _stored(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(VitalSigns)).one())


def test_saving_an_impossible_value_says_why_at_the_field_and_writes_nothing(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = _save(app, client, stay.admission_id, heart_rate=400)
    assert "outside the plausible range" in answer["vitals-heart_rate"]["error"]
    assert answer["vitals-resp_rate"]["error"] is None
    assert "Not saved" in answer["vitals-message"]["children"]
    assert "patient-changed" not in answer  # nothing to refresh: nothing was written
    assert _stored(sqlite_engine) == before


def test_saving_valid_vitals_stores_them_resets_the_form_and_refreshes_the_page(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "nurse1")
    typed_at = (datetime.now(UTC) - timedelta(minutes=20)).astimezone(LONDON)
    answer = _save(app, client, stay.admission_id, heart_rate=118, taken_at=f"{typed_at:%H:%M}")
    assert "Saved" in answer["vitals-message"]["children"]
    assert "NEWS2 2" in answer["vitals-message"]["children"]  # HR 111-130 scores 2
    assert answer["vitals-heart_rate"]["value"] == "" and answer["vitals-taken_at"]["value"] == ""
    assert answer["patient-changed"]["data"]
    assert _stored(sqlite_engine) == before + 1
    with Session(sqlite_engine) as session:
        row = session.exec(select(VitalSigns).order_by(VitalSigns.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None and row.heart_rate == 118 and row.news2_total == 2
        assert row.taken_at == typed_at.replace(second=0, microsecond=0).astimezone(UTC)
        events = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "vitals.record", AuditEvent.entity_id == row.id
            )
        ).all()
        assert len(events) == 1 and events[0].actor == "nurse1"


def test_live_callback_shows_news2_before_saving(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = call(
        client,
        app,
        "vitals-heart_rate.error",
        {
            **_form(heart_rate=135, resp_rate=26),
            "vitals-save.n_clicks": None,
            "patient-admission.data": stay.admission_id,
        },
        changed=["vitals-heart_rate.value"],
    )
    total = find(answer["vitals-news2"]["children"], "vitals-news2-total")
    assert total is not None and total["children"] == "6"  # HR >= 131: 3, RR >= 25: 3
    assert "vitals-message" not in answer  # nothing saved while typing


def test_an_admin_cannot_save_vitals(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "admin1")
    answer = call(
        client,
        app,
        "vitals-heart_rate.error",
        {**_form(), "vitals-save.n_clicks": 1, "patient-admission.data": stay.admission_id},
        changed=["vitals-save.n_clicks"],
        status=403,
    )
    assert answer == {} and _stored(sqlite_engine) == before


# --- a save sent twice ----------------------------------------------------------------------


def _form_token() -> str:
    """The token a newly opened vitals form carries."""
    form = vitals_form(datetime.now(UTC), LONDON)
    [store] = [c for c in form._traverse() if getattr(c, "id", None) == "vitals-submission"]
    assert isinstance(store.data, str)
    return store.data


def _with_token(engine: Engine, token: str) -> list[VitalSigns]:
    with Session(engine) as session:
        return list(session.exec(select(VitalSigns).where(VitalSigns.submission_id == token)))


def _audited(engine: Engine, row_id: int | None) -> list[AuditEvent]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "vitals.record", AuditEvent.entity_id == row_id
                )
            )
        )


def test_each_opening_of_the_form_carries_a_new_token() -> None:
    tokens = [_form_token() for _ in range(3)]
    assert len(set(tokens)) == 3
    assert all(SUBMISSION_ID_PATTERN.fullmatch(t) for t in tokens)


def test_a_save_sent_again_with_the_forms_token_stores_one_reading_and_says_saved_again(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    """The answer to the first save was lost; the browser (or the nurse) sends it again."""
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "nurse1")
    token = _form_token()
    first = _save(app, client, stay.admission_id, token, heart_rate=118)
    again = _save(app, client, stay.admission_id, token, heart_rate=118)
    assert first["vitals-message"]["children"].startswith("Saved: vitals at ")
    assert again["vitals-message"] == first["vitals-message"]
    assert again["vitals-heart_rate"]["value"] == ""  # the form is cleared either way
    assert _stored(sqlite_engine) == before + 1
    [row] = _with_token(sqlite_engine, token)
    assert row.heart_rate == 118 and row.admission_id == stay.admission_id
    assert len(_audited(sqlite_engine, row.id)) == 1
    # Each answer gives the form a new token: the next reading is a new entry.
    issued = [first["vitals-submission"]["data"], again["vitals-submission"]["data"]]
    assert all(SUBMISSION_ID_PATTERN.fullmatch(t) for t in issued)
    assert len({token, *issued}) == 3
    following = _save(app, client, stay.admission_id, issued[1], heart_rate=84)
    assert following["vitals-message"]["children"].startswith("Saved: vitals at ")
    assert _stored(sqlite_engine) == before + 2
    [next_row] = _with_token(sqlite_engine, issued[1])
    assert next_row.id != row.id and next_row.heart_rate == 84


def test_a_refused_save_keeps_its_token_and_the_corrected_save_is_stored_once(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "nurse1")
    token = _form_token()
    refused = _save(app, client, stay.admission_id, token, heart_rate=400)
    assert "Not saved" in refused["vitals-message"]["children"]
    assert "vitals-submission" not in refused  # nothing stored: the token still stands
    corrected = _save(app, client, stay.admission_id, token, heart_rate=104)
    assert corrected["vitals-message"]["children"].startswith("Saved: vitals at ")
    assert _stored(sqlite_engine) == before + 1
    [row] = _with_token(sqlite_engine, token)
    assert row.heart_rate == 104


@pytest.mark.parametrize("forged", ["short", "../../../etc/passwd-xx", 12345678901234567890])
def test_a_forged_token_is_refused_with_a_message_and_the_form_gets_a_good_one(
    app: dash.Dash, sqlite_engine: Engine, forged: object
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = call(
        client,
        app,
        "vitals-heart_rate.error",
        {
            **_form(),
            "vitals-save.n_clicks": 1,
            "vitals-submission.data": forged,
            "patient-admission.data": stay.admission_id,
        },
        changed=["vitals-save.n_clicks"],
    )
    message = answer["vitals-message"]["children"]
    assert message.startswith("Not saved.") and "reload the page" in message
    assert "patient-changed" not in answer
    assert SUBMISSION_ID_PATTERN.fullmatch(answer["vitals-submission"]["data"])
    assert _stored(sqlite_engine) == before


# --- sedation -------------------------------------------------------------------------------


def test_rass_is_named_as_typed_and_marked_beyond_the_threshold(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")

    def typed(**values: Any) -> dict[str, Any]:
        return call(
            client,
            app,
            "vitals-heart_rate.error",
            {
                **_form(**values),
                "vitals-save.n_clicks": None,
                "patient-admission.data": stay.admission_id,
            },
            changed=["vitals-rass.value"],
        )

    light = typed(rass="-1")
    assert light["vitals-rass"]["description"] == "-1 Drowsy"
    assert light["vitals-rass"]["error"] is None
    beyond = typed(rass="-2", poss="3")
    assert beyond["vitals-rass"]["description"].startswith("-2 Light sedation — beyond")
    assert "beyond the ward's threshold" in beyond["vitals-poss"]["description"]
    wrong = typed(rass="-7", poss="x")
    assert "-5" in wrong["vitals-rass"]["error"]
    assert "S, 1, 2, 3 or 4" in wrong["vitals-poss"]["error"]


def test_saving_a_rass_stores_it_and_says_so(app: dash.Dash, sqlite_engine: Engine) -> None:
    stay = admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = _save(app, client, stay.admission_id, rass="-3")
    assert "RASS -3 moderate sedation" in answer["vitals-message"]["children"]
    assert answer["vitals-rass"]["value"] == ""
    with Session(sqlite_engine) as session:
        row = session.exec(select(VitalSigns).order_by(VitalSigns.id.desc())).first()  # type: ignore[union-attr]
        assert row is not None and (row.rass, row.poss) == (-3, None)


def test_a_bad_rass_is_refused_at_its_field_and_nothing_written(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _stored(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = _save(app, client, stay.admission_id, rass="+5")
    assert "RASS runs from -5" in answer["vitals-rass"]["error"]
    assert "Not saved: correct the 1 field" in answer["vitals-message"]["children"]
    assert _stored(sqlite_engine) == before


def test_a_save_sets_only_the_fields_typed_into_and_clears_their_errors(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    """Each component a save's answer names is one store update that dash-renderer takes to
    every component of the page: the fields left as the empty form has them are not named."""
    stay = admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = _save(app, client, stay.admission_id, taken_at="")
    numbers = {f"vitals-{name}" for name in NUMBER_NAMES}
    assert set(answer) == numbers | {
        "vitals-taken_at",  # its hint says the time it is now
        "vitals-news2",
        "vitals-message",
        "vitals-submission",
        "patient-changed",
    }
    for name in numbers:
        assert answer[name] == {"value": "", "error": None}
    # A RASS typed, O2 on and ACVPU changed: each is cleared with its error and hint.
    typed = _save(app, client, stay.admission_id, rass="-1", supplemental_o2=True,
                  consciousness="C", spo2=96)  # fmt: skip
    assert "Saved" in typed["vitals-message"]["children"]
    assert typed["vitals-rass"]["value"] == "" and typed["vitals-rass"]["error"] is None
    assert typed["vitals-rass"]["description"] == sedation_hint("rass", None)
    assert typed["vitals-supplemental_o2"] == {"checked": False}
    assert typed["vitals-consciousness"] == {"value": "A"}
    assert typed["vitals-consciousness-wrapper"] == {"error": None}
    assert "vitals-poss" not in typed
