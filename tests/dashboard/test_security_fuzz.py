"""Bad input through HTTP: hypothesis fills the charting forms' inputs with whatever their
components can send (any text in a text field, any number or text in a number field, any
option in a select, stale or missing ids in the page's stores) and presses Save, posting to
``/_dash-update-component`` as the browser does, on SQLite and PostgreSQL.

Never a server error; a save that is not stored says why; nothing is half-written (either the
entry with its audit row, or no row at all)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.db import make_engine
from models.migrate import upgrade
from models.settings import Settings
from models.types import utcnow
from tests.conftest import postgres_database
from tests.dashboard.conftest import sign_in
from tests.dashboard.dash_client import (
    PageState,
    ServerCallback,
    callback_body,
    changed_tables,
    post_callback,
    render_page,
    row_counts,
    server_callbacks,
)
from tests.factories import Stay, make_stay
from tests.models.test_bad_input import ODD_TEXT

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)

# The charting saves: the callback, the input that saves, and the table a save adds to.
SAVES: dict[str, tuple[str, str]] = {
    "vitals_form_changed": ("vitals-save.n_clicks", "vital_signs"),
    "ciwa_save": ("ciwa-save.n_clicks", "withdrawal_assessment"),
    "prn_save": ("prn-save.n_clicks", "dose_administration"),
    "mar_confirm": ("mar-confirm.n_clicks", "dose_administration"),
    "confirm_in_error": ("in-error-confirm.n_clicks", "audit_event"),
    "confirm_discharge": ("discharge-confirm.n_clicks", "audit_event"),
    "save_admission": ("admit-save.n_clicks", "admission"),
}
# Updates change a row and add the audit event; inserts add the row and the audit event.
ALSO_WRITTEN = {"audit_event", "patient", "vital_signs", "withdrawal_assessment"}

any_text = st.one_of(st.text(max_size=200), st.sampled_from(ODD_TEXT))
numberish = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(0, 300),
    st.floats(20, 45),
    any_text,
)


@dataclass
class Web:
    app: dash.Dash
    stay: Stay
    client: FlaskClient
    callbacks: dict[str, ServerCallback]
    state: PageState


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    from dashboard.app import create_app

    with ExitStack() as cleanup:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('http-fuzz') / 'fuzz.db'}"
        else:
            url = cleanup.enter_context(postgres_database())
        engine = make_engine(url)
        cleanup.callback(engine.dispose)
        upgrade(engine)
        stay = make_stay(engine, utcnow())
        settings_ = Settings(database_url=url, secret_key="fuzz-test-secret-key", demo=False)
        app = create_app(settings_, engine)
        app.server.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 to report
        client = app.server.test_client()
        assert sign_in(client, "nurse1") == 302
        assert client.get("/").status_code == 200
        callbacks = {
            cb.function.rsplit(":", 1)[-1].rsplit(".", 1)[-1]: cb for cb in server_callbacks(app)
        }
        router = next(cb for cb in callbacks.values() if "_pages_content" in cb.output)
        state = PageState({}, {})
        state.absorb(client.get("/_dash-layout").get_json())
        state.absorb(render_page(client, router, "/"))
        state.absorb(render_page(client, router, f"/patient/{stay.admission_id}"))
        yield Web(app, stay, client, callbacks, state)


def _value_for(web: Web, key: str) -> st.SearchStrategy[Any]:
    """What the component behind ``key`` ("id.prop") can send."""
    ident, prop = key.rsplit(".", 1)
    kind = web.state.types.get(key) or web.state.types.get(f"{ident}.*", "")
    stay = web.stay
    if prop in ("n_clicks", "n_intervals"):
        return st.one_of(st.none(), st.integers(0, 10**6))
    if prop == "checked":
        return st.booleans()
    if kind == "Store" or prop == "data":
        # What the page keeps, current or stale: the admission shown (open, discharged,
        # gone), the dose a dialog is about, the entry to mark in error.
        ids = st.sampled_from([stay.admission_id, stay.admission_id + 1, 999_999])
        if ident == "mar-pending":
            slots = st.sampled_from([*stay.open_slots()[:3], 999_999])
            statuses = st.sampled_from(["given", "held", "refused", "not_given"])
            return st.one_of(
                st.none(), st.fixed_dictionaries({"slot_id": slots, "status": statuses})
            )
        if ident == "prn-pending":
            orders = st.sampled_from([stay.prn_order_id, 999_999])
            return st.one_of(st.none(), st.fixed_dictionaries({"order": orders}))
        if ident == "in-error-target":
            entities = st.sampled_from(["vitals", "assessment", "dose"])
            return st.one_of(st.none(), st.fixed_dictionaries({"entity": entities, "id": ids}))
        if ident.endswith("-admission"):
            return ids
        return st.just(web.state.values.get(key))
    if kind == "NumberInput":
        return st.one_of(st.none(), numberish)
    if kind in ("Select", "RadioGroup", "SegmentedControl"):
        known = web.state.values.get(key)
        return st.one_of(st.none(), any_text, st.just(known))
    return st.one_of(st.none(), any_text)


def _body(web: Web, cb: ServerCallback, trigger: str, data: st.DataObject) -> dict[str, Any]:
    values: dict[str, Any] = dict(web.state.values)
    matches = {k: list(v) for k, v in web.state.matches.items()}
    for ident, prop in (*cb.inputs, *cb.state):
        key = f"{cb.name_of(ident)}.{prop}"
        if key == trigger and prop == "n_clicks":
            values[key] = 1  # the button pressed
            continue
        if isinstance(ident, dict):
            count = len(matches.get(str(ident.get("type")), []))
            strategy = _value_for(web, key)
            values[key] = data.draw(st.lists(strategy, min_size=count, max_size=count), label=key)
        else:
            values[key] = data.draw(_value_for(web, key), label=key)
    return callback_body(cb, values=values, expand=matches, trigger=trigger)


def _messages(response: dict[str, dict[str, Any]]) -> list[str]:
    return [
        str(value)
        for props in response.values()
        for name, value in props.items()
        if name in ("children", "error") and isinstance(value, str) and value.strip()
    ]


@pytest.mark.parametrize("save", sorted(SAVES))
@FUZZ
@given(data=st.data())
def test_a_fuzzed_form_is_saved_whole_or_refused_with_a_message(
    web: Web, save: str, data: st.DataObject
) -> None:
    trigger, table = SAVES[save]
    body = _body(web, web.callbacks[save], trigger, data)
    before = row_counts(web.stay.engine)
    answer = post_callback(web.client, body)
    assert answer.status_code in (200, 204), answer.text[:500]
    written = changed_tables(before, row_counts(web.stay.engine))
    if written:
        assert table in written and "audit_event" in written, written
        assert set(written) <= ALSO_WRITTEN | {table}, written
    elif answer.status_code == 200 and not _no_dialog(body):
        assert _messages(answer.response), f"not saved and no message: {answer.response}"


def _no_dialog(body: dict[str, Any]) -> bool:
    """A confirm pressed with no dialog open (nothing pending): nothing to save or explain."""
    return any(
        item.get("id") in ("mar-pending", "in-error-target", "prn-pending")
        and item.get("value") is None
        for item in body["state"]
        if isinstance(item, dict)
    )


@pytest.mark.parametrize(
    "callback", ["vitals_form_changed", "ciwa_running", "look_up", "refresh_board"]
)
@FUZZ
@given(data=st.data())
def test_typing_anything_into_a_form_never_fails(
    web: Web, callback: str, data: st.DataObject
) -> None:
    """The callbacks that follow the typing (NEWS2 so far, CIWA-B total, MRN look-up, board
    filter) answer whatever is typed, and write nothing."""
    cb = web.callbacks[callback]
    trigger = data.draw(st.sampled_from([t for t in cb.triggers if not t.endswith("n_clicks")]))
    body = _body(web, cb, trigger, data)
    before = row_counts(web.stay.engine)
    answer = post_callback(web.client, body)
    assert answer.status_code in (200, 204), answer.text[:500]
    assert row_counts(web.stay.engine) == before
