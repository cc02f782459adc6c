"""Dash callbacks over HTTP, as the browser calls them: the app's server callbacks enumerated
from ``app.callback_map``, request bodies for ``/_dash-update-component`` and a poster that
sends the CSRF header Dash's renderer sends. Shared by the access matrix and bad-input tests."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import dash
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from dashboard.security import CSRF_COOKIE, CSRF_HEADER

CALLBACK_PATH = "/_dash-update-component"


@dataclass(frozen=True)
class ServerCallback:
    output: str  # the key Dash knows the callback by
    function: str  # "module:qualname" of the Python function
    outputs: tuple[tuple[Any, str], ...]
    inputs: tuple[tuple[Any, str], ...]
    state: tuple[tuple[Any, str], ...]

    def name_of(self, ident: Any) -> str:
        return str(ident.get("type")) if isinstance(ident, dict) else str(ident)

    @property
    def triggers(self) -> list[str]:
        """Each input as "id.prop" (a pattern-matching id by its ``type``)."""
        return [f"{self.name_of(i)}.{p}" for i, p in self.inputs]


def _plain_id(ident: str) -> Any:
    return json.loads(ident) if ident.startswith("{") else ident


def _split_output(output: str) -> tuple[tuple[Any, str], ...]:
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    pairs = []
    for part in parts:
        ident, prop = part.rsplit(".", 1)
        pairs.append((_plain_id(ident), prop.split("@")[0]))
    return tuple(pairs)


def server_callbacks(app: dash.Dash) -> list[ServerCallback]:
    """Every callback that runs on the server (clientside callbacks run only in the browser:
    the server has no function for them). Call after a signed-in request, so Dash's own
    first-request callbacks (the pages router) are registered."""
    found = []
    for key, spec in app.callback_map.items():
        function = spec.get("callback")
        if function is None:
            continue
        inner = getattr(function, "__wrapped__", function)
        found.append(
            ServerCallback(
                output=key,
                function=f"{inner.__module__}:{inner.__qualname__}",
                outputs=_split_output(key),
                inputs=tuple((_plain_id(i["id"]), i["property"]) for i in spec["inputs"]),
                state=tuple((_plain_id(s["id"]), s["property"]) for s in spec.get("state", [])),
            )
        )
    return found


def stringify_id(ident: Any) -> str:
    """An id as the renderer writes it in ``changedPropIds`` (sorted keys, no spaces)."""
    if isinstance(ident, dict):
        return (
            "{" + ",".join(f"{json.dumps(k)}:{json.dumps(ident[k])}" for k in sorted(ident)) + "}"
        )
    return str(ident)


def callback_body(
    cb: ServerCallback,
    *,
    values: Mapping[str, Any],
    expand: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    trigger: str | None = None,
) -> dict[str, Any]:
    """The JSON a browser posts. ``values`` by "id.prop" (a pattern id by its type: one value
    for every match, or a list, one per match); ``expand`` maps a pattern id's type to the
    concrete ids on the page; ``trigger`` ("id.prop", default the first input) is what
    changed (for a pattern input, every match)."""
    expand = expand or {}
    trigger = trigger or cb.triggers[0]
    changed: list[str] = []

    def entries(pairs: Sequence[tuple[Any, str]], with_values: bool) -> list[Any]:
        out: list[Any] = []
        for ident, prop in pairs:
            key = f"{cb.name_of(ident)}.{prop}"
            if isinstance(ident, dict):
                given = values.get(key)
                matches = []
                for n, concrete in enumerate(expand.get(str(ident.get("type")), [])):
                    item: dict[str, Any] = {"id": dict(concrete), "property": prop}
                    if with_values:
                        item["value"] = given[n] if isinstance(given, list) else given
                        if key == trigger:
                            changed.append(f"{stringify_id(concrete)}.{prop}")
                    matches.append(item)
                out.append(matches)
                continue
            item = {"id": ident, "property": prop}
            if with_values:
                item["value"] = values.get(key)
                if key == trigger:
                    changed.append(f"{ident}.{prop}")
            out.append(item)
        return out

    outputs = entries(cb.outputs, with_values=False)
    # A callback declared with a list or dict of outputs ("..a.b...c.d.." keys, even with one
    # output) gets them as a list; a single Output, alone.
    multiple = cb.output.startswith("..")
    return {
        "output": cb.output,
        "outputs": outputs if multiple else outputs[0],
        "inputs": entries(cb.inputs, with_values=True),
        "state": entries(cb.state, with_values=True),
        "changedPropIds": changed,
    }


def complete_vitals_form(admission_id: int) -> dict[str, object]:
    """A nurse's Save of the vitals form filled in with ordinary readings, by "id.prop"."""
    return {
        "vitals-resp_rate.value": 16,
        "vitals-spo2.value": 97,
        "vitals-systolic.value": 124,
        "vitals-diastolic.value": 78,
        "vitals-heart_rate.value": 82,
        "vitals-temperature_c.value": 36.9,
        "vitals-supplemental_o2.checked": False,
        "vitals-consciousness.value": "A",
        "vitals-taken_at.value": "",
        "vitals-save.n_clicks": 1,
        "patient-admission.data": admission_id,
    }


def vitals_save_body(app: dash.Dash, admission_id: int, **changes: object) -> dict[str, Any]:
    """The JSON the browser posts for that Save, with ``changes`` to its values."""
    cb = next(c for c in server_callbacks(app) if "vitals_form_changed" in c.function)
    values = complete_vitals_form(admission_id) | changes
    return callback_body(cb, values=values, trigger="vitals-save.n_clicks")


@dataclass
class Answer:
    status_code: int
    response: dict[str, Any]  # Dash's "response": {component id: {prop: value}}
    text: str

    def prop(self, ident: str, prop: str) -> Any:
        return self.response.get(ident, {}).get(prop)


def post_callback(client: FlaskClient, body: Mapping[str, Any], *, csrf: bool = True) -> Answer:
    """POST ``body`` as Dash's renderer does, with the CSRF header from the page's cookie."""
    headers = {}
    if csrf:
        cookie = client.get_cookie(CSRF_COOKIE)
        assert cookie is not None, "no CSRF cookie: load a page first"
        headers[CSRF_HEADER] = cookie.value
    answer = client.post(CALLBACK_PATH, json=dict(body), headers=headers)
    text = answer.get_data(as_text=True)
    response: dict[str, Any] = {}
    if answer.status_code == 200 and answer.is_json:
        response = (answer.get_json() or {}).get("response", {})
    return Answer(answer.status_code, response, text)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table: what a refused request must leave unchanged."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            counts[table.name] = int(
                conn.execute(select(func.count()).select_from(table)).scalar_one()
            )
    return counts


def changed_tables(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {
        name: after[name] - before.get(name, 0)
        for name in after
        if after[name] != before.get(name, 0)
    }


@dataclass
class PageState:
    """What rendered pages hold: every component property by "id.prop" (a pattern-matching
    id's by "type.prop", a list over its matches) and each pattern type's concrete ids."""

    values: dict[str, Any]
    matches: dict[str, list[dict[str, Any]]]
    types: dict[str, str] = field(default_factory=dict)  # "id.prop" -> component type

    def absorb(self, layout: Any) -> None:
        if isinstance(layout, list):
            for item in layout:
                self.absorb(item)
            return
        if not isinstance(layout, dict):
            return
        props = layout.get("props")
        if not isinstance(props, dict) or "type" not in layout:
            for value in layout.values():
                self.absorb(value)
            return
        ident = props.get("id")
        for prop, value in props.items():
            if _is_component(value):
                self.absorb(value)
                continue
            if ident is None or prop == "id":
                continue
            if isinstance(ident, dict):
                kind = str(ident.get("type"))
                if prop == "children" or ident in self.matches.get(kind, []):
                    continue
                self.values.setdefault(f"{kind}.{prop}", []).append(value)
                self.types.setdefault(f"{kind}.{prop}", str(layout["type"]))
            else:
                self.values.setdefault(f"{ident}.{prop}", value)
                self.types.setdefault(f"{ident}.{prop}", str(layout["type"]))
        if isinstance(ident, str):
            self.types.setdefault(f"{ident}.*", str(layout["type"]))
        elif isinstance(ident, dict):
            self.types.setdefault(f"{ident.get('type')}.*", str(layout["type"]))
        if isinstance(ident, dict):
            kind = str(ident.get("type"))
            if ident not in self.matches.setdefault(kind, []):
                self.matches[kind].append(ident)


def _is_component(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_component(v) for v in value)
    return isinstance(value, dict) and "props" in value and "type" in value


def render_page(client: FlaskClient, router: ServerCallback, path: str) -> Any:
    """The layout the pages router renders at ``path`` for the signed-in user."""
    body = callback_body(
        router, values={"_pages_location.pathname": path, "_pages_location.search": ""}
    )
    answer = post_callback(client, body)
    assert answer.status_code == 200, f"{path}: HTTP {answer.status_code}"
    return answer.prop("_pages_content", "children")
