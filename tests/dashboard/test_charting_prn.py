"""PRN orders on the MAR tab, over Dash's HTTP endpoint as the browser calls it: a physician
writes an order (refused fields shown at their inputs), a nurse gives a dose against it (the
reason and the interval refused at their fields, with the next allowed time), the orders table
shows what was given and when the next dose may be; nurses cannot write orders."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import dash
from sqlalchemy import true
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from models.charting import new_submission_id
from models.tables import DoseAdministration, PrnOrder
from tests.dashboard.charting_fixtures import admit_patient, call, signed_in

ORDER = {
    "drug": "lorazepam",
    "dose": "1",
    "interval": 4,
    "max-doses": 2,
    "max-mg": "2",
    "indication": "withdrawal symptoms",
    "scale": "CIWA-B",
    "threshold": 20,
    "days": None,
    "label-reason": "",
    "reason": "Breakthrough symptoms expected tonight",
}


def _write(
    app: dash.Dash, username: str, admission_id: int, **changes: object
) -> dict[str, dict[str, Any]]:
    values = {f"prn-order-{k}.value": v for k, v in (ORDER | changes).items()}
    return call(
        signed_in(app, username),
        app,
        "prn-order-drug.error@",
        {
            "prn-order-save.n_clicks": 1,
            "prn-order-pending.data": {"order": None},
            "patient-admission.data": admission_id,
            **values,
        },
        changed=["prn-order-save.n_clicks"],
        status=200 if username == "doctor1" else 403,
    )


def _give(
    app: dash.Dash, order_id: int, admission_id: int, reason: str, time: str = ""
) -> dict[str, dict[str, Any]]:
    return call(
        signed_in(app, "nurse1"),
        app,
        "prn-reason.error@",
        {
            "prn-save.n_clicks": 1,
            "prn-pending.data": {"order": order_id},
            "prn-reason.value": reason,
            "prn-time.value": time,
            "patient-admission.data": admission_id,
        },
        changed=["prn-save.n_clicks"],
    )


def test_a_physician_writes_an_order_and_a_nurse_gives_within_its_limits(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    _write(app, "nurse1", stay.admission_id)  # a nurse cannot: 403
    refused = _write(app, "doctor1", stay.admission_id, dose="0.3", **{"max-doses": 9})
    assert refused["prn-order-message"]["children"] == "Not saved: see the fields marked in red."
    assert "0.25 mg" in refused["prn-order-dose"]["error"]
    assert "at most 6 fit in 24 hours" in refused["prn-order-max-doses"]["error"]
    saved = _write(app, "doctor1", stay.admission_id)
    assert saved["prn-order-modal"]["opened"] is False
    assert saved["prn-alert"]["children"].startswith("Saved: PRN order lorazepam 1 mg for ")
    with Session(sqlite_engine) as session:
        [order] = session.exec(select(PrnOrder)).all()
    assert order.id is not None and order.min_interval_min == 240

    no_reason = _give(app, order.id, stay.admission_id, "")
    assert no_reason["prn-reason"]["error"].startswith("Say why")
    given = _give(app, order.id, stay.admission_id, "Tremor, CIWA-B 24")
    assert given["prn-modal"]["opened"] is False
    assert given["prn-alert"]["children"].startswith("Saved: PRN lorazepam 1 mg at ")
    again = _give(app, order.id, stay.admission_id, "Still anxious")
    assert again["prn-message"]["children"] == "Not saved: see the field marked in red."
    tz = ZoneInfo(stay.ward.timezone)
    with Session(sqlite_engine) as session:
        [dose] = session.exec(
            select(DoseAdministration).where(col(DoseAdministration.prn) == true())
        ).all()
    next_at = (dose.administered_at + timedelta(hours=4)).astimezone(tz)
    shown = next_at.strftime("%H:%M")
    if next_at.date() != datetime.now(UTC).astimezone(tz).date():
        shown += " tomorrow"
    assert again["prn-time"]["error"] == (
        f"Not yet: at least 4 h between doses of this order; next allowed at {shown}."
    )


def test_the_orders_table_shows_what_was_given_and_the_next_time(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    _write(app, "doctor1", stay.admission_id)
    with Session(sqlite_engine) as session:
        [order] = session.exec(select(PrnOrder)).all()
    assert order.id is not None
    _give(app, order.id, stay.admission_id, "Tremor")
    refreshed = call(
        signed_in(app, "nurse1"),
        app,
        "prn-orders.children",
        {
            "patient-changed.data": "x",
            "patient-tabs.value": "mar",  # the tab open: only its tables are read and sent
            "patient-refresh.n_intervals": 1,
            "patient-admission.data": stay.admission_id,
            "patient-can-chart.data": True,
            "patient-can-order.data": True,  # a nurse's page cannot claim it
        },
        changed=["patient-changed.data"],
    )
    table = json.dumps(refreshed["prn-orders"]["children"])
    assert "1 of 2 doses, 1 of 2 mg in 24 h; next allowed at" in table
    assert "lorazepam 1 mg for withdrawal symptoms; when CIWA-B \\u2265 20" in table
    assert '"prn-give"' in table and '"prn-change"' not in table


def test_a_score_at_the_threshold_names_the_order_that_may_be_given(
    app: dash.Dash, sqlite_engine: Engine
) -> None:
    stay = admit_patient(sqlite_engine)
    _write(app, "doctor1", stay.admission_id)  # lorazepam 1 mg when CIWA-B >= 20

    def save(score: str) -> str:
        answer = call(
            signed_in(app, "nurse1"),
            app,
            "ciwa-message.children",
            {
                "ciwa-save.n_clicks": 1,
                "ciwa-item.value": [score] * 20,
                "ciwa-taken_at.value": "",
                "ciwa-submission.data": new_submission_id(),
                "patient-admission.data": stay.admission_id,
            },
            changed=["ciwa-save.n_clicks"],
            patterns={"ciwa-item": [{"type": "ciwa-item", "item": n} for n in range(1, 21)]},
        )
        return str(answer["ciwa-message"]["children"])

    assert "PRN" not in save("0")  # 0: below the threshold
    message = save("2")  # 40
    assert message.startswith("Saved: CIWA-B 40 (Moderate) at ")
    assert message.endswith(
        "At or above the PRN threshold (CIWA-B 20): lorazepam 1 mg PRN (withdrawal symptoms) "
        "may be given now."
    )
