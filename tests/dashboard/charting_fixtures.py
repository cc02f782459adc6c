"""Shared set-up for the charting page tests: a patient on a taper plan on the test ward, a
signed-in client, and a way to call a Dash callback over HTTP exactly as the browser does."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import dash
from dash._utils import split_callback_id
from flask.testing import FlaskClient
from flask_login import login_user
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from dashboard.auth import SignedInUser
from dashboard.components.static_markup import ATTRIBUTE as MARKUP_ATTRIBUTE
from models.audit import Actor
from models.charting import record_assessment
from models.db import transaction
from models.schemas import WithdrawalAssessmentCreate
from models.tables import ScheduledDose, User, Ward
from seed_data.factories import start_taper
from tests.dashboard.conftest import (
    signed_in as signed_in,  # the charting tests import it from here
)
from tests.factories import admit_patient as admit_test_patient
from tests.factories import chart_vitals

ALL_ONES = dict.fromkeys(range(1, 21), 1)  # CIWA-B 20: mild
NORMAL: dict[str, Any] = {
    "heart_rate": 80,
    "systolic": 125,
    "diastolic": 80,
    "temperature_c": 36.8,
    "resp_rate": 16,
    "spo2": 97,
    "supplemental_o2": False,
    "consciousness": "A",
}


@dataclass(frozen=True)
class Admitted:
    admission_id: int
    ward: Ward
    slots: dict[datetime, int]  # scheduled instant -> slot id, today's and yesterday's

    def slot_at(self, day_offset: int, clock: time) -> int:
        tz = ZoneInfo(self.ward.timezone)
        today = datetime.now(UTC).astimezone(tz).date()
        local = datetime.combine(today + timedelta(days=day_offset), clock, tzinfo=tz)
        return self.slots[local.astimezone(UTC)]

    def latest_due_slot(self) -> int:
        """The most recent slot already due: always inside the MAR's last-24-hours window,
        whatever the time of day the test runs (a fixed "yesterday 20:00" leaves the window
        once the ward clock passes 20:00)."""
        now = datetime.now(UTC)
        return self.slots[max(at for at in self.slots if at <= now - timedelta(minutes=1))]


def actors(engine: Engine) -> dict[str, Actor]:
    with Session(engine) as session:
        return {
            u.username: Actor(u.id, u.username, u.role) for u in session.exec(select(User)).all()
        }


def admit_patient(
    engine: Engine,
    *,
    mrn: str = "TW1",
    bed: str = "B1",
    family: str = "Roe",
    ciwa: Mapping[int, int] | None = None,
    vitals: Mapping[str, Any] | None = None,
    days_in: int = 3,
) -> Admitted:
    """A clonazepam 2 mg/day patient, -0.25 mg a week from the day after admission, with one
    CIWA-B and one set of vitals an hour ago (relative to the real clock: callbacks use it)."""
    staff = actors(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        ward = session.exec(select(Ward)).one()
        assert ward.id is not None
        tz = ZoneInfo(ward.timezone)
        admitted_at = now - timedelta(days=days_in)
        admission = admit_test_patient(
            session,
            staff=staff,
            ward=ward,
            now=admitted_at,
            mrn=mrn,
            family_name=family,
            bed=bed,
            admitted_at=admitted_at,
        )
        assert admission.id is not None
        start_taper(
            session,
            actor=staff["doctor1"],
            admission_id=admission.id,
            start=admitted_at.astimezone(tz).date() + timedelta(days=1),
            now=admitted_at + timedelta(minutes=30),
        )
        taken = now - timedelta(hours=1)
        record_assessment(
            session=session,
            actor=staff["nurse1"],
            now=taken,
            data=WithdrawalAssessmentCreate(
                admission_id=admission.id,
                taken_at=taken,
                items=dict(ciwa or ALL_ONES),
            ),
        )
        chart_vitals(
            session,
            actor=staff["nurse1"],
            admission_id=admission.id,
            taken_at=taken,
            **{**NORMAL, **(vitals or {})},
        )
        slots = {
            s.scheduled_at: s.id or 0
            for s in session.exec(
                select(ScheduledDose).where(
                    ScheduledDose.admission_id == admission.id,
                    col(ScheduledDose.scheduled_at) >= now - timedelta(days=2),
                    col(ScheduledDose.scheduled_at) <= now + timedelta(days=2),
                )
            ).all()
        }
        session.expunge(ward)
    return Admitted(admission_id=admission.id, ward=ward, slots=slots)


def _key(app: dash.Dash, output: str) -> str:
    keys = [k for k in app.callback_map if output in k]
    assert len(keys) == 1, f"{output!r} matches {keys}"
    return str(keys[0])


def _entries(
    specs: Sequence[dict[str, str]],
    values: Mapping[str, Any],
    patterns: Mapping[str, Sequence[dict[str, Any]]],
) -> list[Any]:
    """Callback inputs/states/outputs with their values; a pattern (ALL) entry expands to the
    concrete ids given in ``patterns`` under its "type"."""
    out: list[Any] = []
    for spec in specs:
        ident, prop = spec["id"], spec["property"]
        if ident.startswith("{"):
            kind = json.loads(ident)["type"]
            ids = patterns.get(kind, [])
            given = values.get(f"{kind}.{prop}", [None] * len(ids))
            out.append(
                [{"id": i, "property": prop, "value": v} for i, v in zip(ids, given, strict=True)]
            )
        else:
            entry: dict[str, Any] = {"id": ident, "property": prop}
            if f"{ident}.{prop}" in values:
                entry["value"] = values[f"{ident}.{prop}"]
            out.append(entry)
    return out


def call(
    client: FlaskClient,
    app: dash.Dash,
    output: str,
    values: Mapping[str, Any],
    *,
    changed: Sequence[str],
    patterns: Mapping[str, Sequence[dict[str, Any]]] | None = None,
    status: int = 200,
) -> dict[str, dict[str, Any]]:
    """Run the callback whose output key contains ``output`` the way dash-renderer does:
    ``values`` maps "id.prop" (or "patterntype.prop" for ALL) to the value; ``changed`` names
    the props that triggered it. Returns the response's {id: {prop: value}}."""
    key = _key(app, output)
    spec = app.callback_map[key]
    split = split_callback_id(key)  # type: ignore[no-untyped-call]
    out_specs = split if isinstance(split, list) else [split]
    body = {
        "output": key,
        "outputs": _entries(out_specs, {}, patterns or {}),
        "inputs": _entries(spec["inputs"], values, patterns or {}),
        "state": _entries(spec.get("state", []), values, patterns or {}),
        "changedPropIds": list(changed),
    }
    if not isinstance(split, list):
        body["outputs"] = body["outputs"][0]
    # Dash's renderer echoes its CSRF cookie in a header (dash.Dash's default names).
    cookie = client.get_cookie("_csrf_token")
    headers = {"X-CSRFToken": cookie.value} if cookie is not None else {}
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    if response.status_code != 200:
        return {}
    return dict(response.get_json()["response"])


def find(tree: Any, ident: str) -> dict[str, Any] | None:
    """The props of the component with id ``ident`` in a callback's JSON answer."""
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict) and props.get("id") == ident:
            return props
        for value in tree.values():
            found = find(value, ident)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for value in tree:
            found = find(value, ident)
            if found is not None:
                return found
    return None


def text_of(tree: Any) -> str:
    """All the text of a callback's JSON answer, in order."""
    if isinstance(tree, str):
        return tree
    if isinstance(tree, list):
        return " ".join(text_of(t) for t in tree)
    if isinstance(tree, dict):
        props = tree.get("props")
        if isinstance(props, dict):
            if isinstance(props.get(MARKUP_ATTRIBUTE), str):  # a table sent as markup
                return markup_text(props[MARKUP_ATTRIBUTE])
            return text_of(props.get("children", ""))
    return ""


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


class _TreeOf(HTMLParser):
    VOID = frozenset({"br", "hr", "img", "wbr", "col"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Any] = []
        self.open: list[dict[str, Any]] = [{"children": self.root}]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        props: dict[str, Any] = {("className" if k == "class" else k): v for k, v in attrs}
        self.open[-1]["children"].append(
            {"type": tag.capitalize(), "namespace": "markup", "props": props}
        )
        if tag not in self.VOID:
            props["children"] = []
            self.open.append(props)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            props = self.open.pop()
            if len(props["children"]) == 1 and isinstance(props["children"][0], str):
                props["children"] = props["children"][0]  # as Dash sends a lone text

    def handle_data(self, data: str) -> None:
        self.open[-1]["children"].append(data)


def markup_tree(markup: str) -> list[Any]:
    """``markup`` as Dash's JSON form of the same elements ({"type": "Td", "props": ...}), so
    what walks a rendered layout walks the tables sent as markup too."""
    parser = _TreeOf()
    parser.feed(markup)
    parser.close()
    return parser.root


@contextmanager
def acting_as(app: dash.Dash, username: str, role: str) -> Iterator[None]:
    """A request context with ``username`` signed in as ``role`` (for layouts and reads)."""
    with app.server.test_request_context("/"):
        user = actors(app.server.config["TW_ENGINE"])[username]
        login_user(SignedInUser(user.user_id or 0, username, username.title(), role))
        yield


def markup_text(markup: str) -> str:
    """The text a browser shows for ``markup``, each text node apart."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    return " ".join(parser.parts)
