"""CIWA-B entry: the running total and band as items are scored; one save; refused with the
missing items named (and marked) and nothing written; a save sent twice stored once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import dash
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from dashboard.components.charting_ciwa import ciwa_form
from dashboard.components.charting_ciwa_scale import (
    ITEM_NUMBERS,
    item_scores,
    refusal_message,
    running_total,
)
from dashboard.refusals import Refusal
from dashboard.theme import BAND_LABEL, BAND_LEVEL, LEVELS
from models.charting import SUBMISSION_ID_PATTERN, new_submission_id
from models.clinical.scales import ciwa_ar_band
from models.tables import AuditEvent, WithdrawalAssessment
from tests.dashboard.charting_fixtures import admit_patient, call, find, signed_in

ITEM_IDS = [{"type": "ciwa-item", "item": n} for n in ITEM_NUMBERS]
ROW_IDS = [{"type": "ciwa-row", "item": n} for n in ITEM_NUMBERS]
PATTERNS = {"ciwa-item": ITEM_IDS, "ciwa-row": ROW_IDS}


def test_running_total_and_band_follow_the_scored_items() -> None:
    scores = item_scores(["3", "4", "", None, "2"] + [""] * 15)
    assert scores == {1: 3, 2: 4, 5: 2}
    running = running_total(scores)
    assert (running.total, running.scored, running.band, running.level) == (9, 3, "mild", 1)
    assert running_total(dict.fromkeys(ITEM_NUMBERS, 2)).band == "moderate"  # 40
    assert running_total(dict.fromkeys(ITEM_NUMBERS, 3)).band == "severe"  # 60


def test_the_refusal_names_the_missing_items() -> None:
    refusal = Refusal("Not saved.", {"item_4": "missing", "item_19": "missing"})
    assert refusal_message(refusal) == (
        "Not saved: items 4 and 19 are not scored. Score every item from 0 to 4."
    )
    assert refusal_message(Refusal("Not saved.", {"item_7": "x"})).startswith(
        "Not saved: item 7 is not scored"
    )


def _count(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(WithdrawalAssessment)).one())


def _save(
    app: dash.Dash, client: Any, admission_id: int, values: list[Any], token: str | None = None
) -> dict[str, Any]:
    """Press Save on the form; ``token`` is the form's (a newly opened form's by default)."""
    return call(
        client,
        app,
        "ciwa-message.children",
        {
            "ciwa-save.n_clicks": 1,
            "ciwa-item.value": values,
            "ciwa-taken_at.value": "",
            "ciwa-submission.data": token or new_submission_id(),
            "patient-admission.data": admission_id,
        },
        changed=["ciwa-save.n_clicks"],
        patterns=PATTERNS,
    )


def test_a_score_with_items_missing_is_refused_naming_them(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _count(sqlite_engine)
    client = signed_in(app, "nurse1")
    values: list[Any] = ["1"] * 20
    values[3] = values[18] = ""
    answer = _save(app, client, stay.admission_id, values)
    assert answer["ciwa-message"]["children"] == (
        "Not saved: items 4 and 19 are not scored. Score every item from 0 to 4."
    )
    assert answer["ciwa-attempted"]["data"] is True  # the rows left blank are marked
    assert _count(sqlite_engine) == before
    marked = call(
        client,
        app,
        "ciwa-total.children",
        {"ciwa-item.value": values, "ciwa-attempted.data": True},
        changed=["ciwa-attempted.data"],
        patterns=PATTERNS,
    )
    assert "tw-missing" in marked['{"item":4,"type":"ciwa-row"}']["className"].split()
    assert "tw-missing" not in marked['{"item":3,"type":"ciwa-row"}']["className"].split()


def test_a_complete_score_is_saved_in_one_action_and_the_form_cleared(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _count(sqlite_engine)
    client = signed_in(app, "nurse1")
    values = ["2"] * 17 + ["3", "3", "4"]  # 34 + 10 = 44: severe
    answer = _save(app, client, stay.admission_id, values)
    assert answer["ciwa-message"]["children"].startswith("Saved: CIWA-B 44 (Severe)")
    assert answer['{"item":1,"type":"ciwa-item"}']["value"] == ""
    assert answer["patient-changed"]["data"]
    assert _count(sqlite_engine) == before + 1
    with Session(sqlite_engine) as session:
        row = session.exec(
            select(WithdrawalAssessment).where(WithdrawalAssessment.total == 44)
        ).one()
        assert row.band == "severe" and row.items["20"] == 4
        assert (
            session.exec(
                select(AuditEvent).where(
                    AuditEvent.action == "assessment.record", AuditEvent.entity_id == row.id
                )
            )
            .one()
            .actor
            == "nurse1"
        )


def test_the_running_total_box_updates_as_items_are_scored(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    admit_patient(sqlite_engine)
    client = signed_in(app, "nurse1")
    values = ["4", "4", "4", "4", "4", "4"] + [""] * 14  # 24 so far: moderate
    answer = call(
        client,
        app,
        "ciwa-total.children",
        {"ciwa-item.value": values, "ciwa-attempted.data": False},
        changed=['{"item":6,"type":"ciwa-item"}.value'],
        patterns=PATTERNS,
    )
    box = answer["ciwa-total"]
    number = find(box["children"], "ciwa-total-number")
    band = find(box["children"], "ciwa-total-band")
    count = find(box["children"], "ciwa-total-count")
    assert number is not None and number["children"] == "24"
    assert band is not None and band["children"] == "Moderate so far"
    assert count is not None and count["children"] == "6 of 20 items scored"
    assert box["style"]["backgroundColor"] == LEVELS[BAND_LEVEL["moderate"]].background


# --- a save sent twice ----------------------------------------------------------------------


def _form_token() -> str:
    """The token a newly opened CIWA-B form carries."""
    form = ciwa_form(datetime.now(UTC), ZoneInfo("Europe/London"))
    [store] = [c for c in form._traverse() if getattr(c, "id", None) == "ciwa-submission"]
    assert isinstance(store.data, str)
    return store.data


def _with_token(engine: Engine, token: str) -> list[WithdrawalAssessment]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(WithdrawalAssessment).where(WithdrawalAssessment.submission_id == token)
            )
        )


def test_each_opening_of_the_form_carries_a_new_token() -> None:
    tokens = [_form_token() for _ in range(3)]
    assert len(set(tokens)) == 3
    assert all(SUBMISSION_ID_PATTERN.fullmatch(t) for t in tokens)


def test_a_save_sent_again_with_the_forms_token_stores_one_score_and_says_saved_again(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    """The answer to the first save was lost; the browser (or the nurse) sends it again."""
    stay = admit_patient(sqlite_engine)
    before = _count(sqlite_engine)
    client = signed_in(app, "nurse1")
    token = _form_token()
    values = ["2"] * 17 + ["3", "3", "4"]  # 44: severe
    first = _save(app, client, stay.admission_id, values, token)
    again = _save(app, client, stay.admission_id, values, token)
    assert first["ciwa-message"]["children"].startswith("Saved: CIWA-B 44 (Severe)")
    assert again["ciwa-message"] == first["ciwa-message"]
    assert _count(sqlite_engine) == before + 1
    [row] = _with_token(sqlite_engine, token)
    assert row.total == 44 and row.admission_id == stay.admission_id
    with Session(sqlite_engine) as session:
        events = session.exec(
            select(AuditEvent).where(
                AuditEvent.action == "assessment.record", AuditEvent.entity_id == row.id
            )
        ).all()
    assert len(events) == 1
    # Each answer gives the form a new token: the next score is a new entry.
    issued = [first["ciwa-submission"]["data"], again["ciwa-submission"]["data"]]
    assert all(SUBMISSION_ID_PATTERN.fullmatch(t) for t in issued)
    assert len({token, *issued}) == 3
    following = _save(app, client, stay.admission_id, ["1"] * 20, issued[1])
    assert following["ciwa-message"]["children"].startswith("Saved: CIWA-B 20 (Mild)")
    assert _count(sqlite_engine) == before + 2
    [next_row] = _with_token(sqlite_engine, issued[1])
    assert next_row.id != row.id and next_row.total == 20


def test_a_refused_save_keeps_its_token_and_the_completed_save_is_stored_once(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _count(sqlite_engine)
    client = signed_in(app, "nurse1")
    token = _form_token()
    values: list[Any] = ["1"] * 20
    values[3] = ""
    refused = _save(app, client, stay.admission_id, values, token)
    assert refused["ciwa-message"]["children"].startswith("Not saved: item 4 is not scored")
    assert "ciwa-submission" not in refused  # nothing stored: the token still stands
    values[3] = "2"
    completed = _save(app, client, stay.admission_id, values, token)
    assert completed["ciwa-message"]["children"].startswith("Saved: CIWA-B 21")
    assert _count(sqlite_engine) == before + 1
    [row] = _with_token(sqlite_engine, token)
    assert row.total == 21 and row.items["4"] == 2


def test_a_forged_token_is_refused_with_a_message_and_the_form_gets_a_good_one(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _count(sqlite_engine)
    client = signed_in(app, "nurse1")
    answer = _save(app, client, stay.admission_id, ["1"] * 20, "not a token at all!")
    message = answer["ciwa-message"]["children"]
    assert message.startswith("Not saved.") and "reload the page" in message
    assert "patient-changed" not in answer
    assert SUBMISSION_ID_PATTERN.fullmatch(answer["ciwa-submission"]["data"])
    assert _count(sqlite_engine) == before


# --- CIWA-Ar: the same form and callbacks with its own ids --------------------------------------

AR_PATTERNS = {
    "ciwar-item": [{"type": "ciwar-item", "item": n} for n in range(1, 11)],
    "ciwar-row": [{"type": "ciwar-row", "item": n} for n in range(1, 11)],
}


def test_a_ciwa_ar_score_is_refused_naming_its_missing_item_then_saved(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    before = _count(sqlite_engine)
    client = signed_in(app, "nurse1")
    values: list[Any] = ["2"] * 9 + ["1"]  # 18 + 1 = 19
    values[2] = ""

    def save(values: list[Any]) -> dict[str, Any]:
        return call(
            client,
            app,
            "ciwar-message.children",
            {
                "ciwar-save.n_clicks": 1,
                "ciwar-item.value": values,
                "ciwar-taken_at.value": "",
                "ciwar-submission.data": new_submission_id(),
                "patient-admission.data": stay.admission_id,
            },
            changed=["ciwar-save.n_clicks"],
            patterns=AR_PATTERNS,
        )

    refused = save(values)
    assert refused["ciwar-message"]["children"] == (
        "Not saved: item 3 is not scored. Score every item from 0 to 7."
    )
    assert refused["ciwar-message"]["className"] == "tw-form-message"
    assert refused["ciwar-attempted"]["data"] is True
    assert _count(sqlite_engine) == before
    marked = call(
        client,
        app,
        "ciwar-total.children",
        {"ciwar-item.value": values, "ciwar-attempted.data": True},
        changed=["ciwar-attempted.data"],
        patterns=AR_PATTERNS,
    )
    assert "tw-missing" in marked['{"item":3,"type":"ciwar-row"}']["className"].split()
    assert "tw-missing" not in marked['{"item":2,"type":"ciwar-row"}']["className"].split()
    count = find(marked["ciwar-total"]["children"], "ciwar-total-count")
    assert count is not None and count["children"] == "9 of 10 items scored"

    values[2] = "2"
    saved = save(values)
    band = ciwa_ar_band(19)
    assert saved["ciwar-message"]["children"].startswith(
        f"Saved: CIWA-Ar 19 ({BAND_LABEL[band.value]}) at "
    )
    assert saved["ciwar-message"]["className"] == "tw-form-message tw-form-ok"
    assert saved['{"item":1,"type":"ciwar-item"}']["value"] == ""
    assert _count(sqlite_engine) == before + 1
    with Session(sqlite_engine) as session:
        row = session.exec(
            select(WithdrawalAssessment).where(WithdrawalAssessment.scale == "CIWA-Ar")
        ).one()
        assert (row.total, row.band, row.items["10"]) == (19, band.value, 1)
