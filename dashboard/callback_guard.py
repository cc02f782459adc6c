"""Malformed callback requests answer 400, never a server error with a traceback.

A browser running our pages sends ``/_dash-update-component`` bodies of one shape; anything
else is a client bug or a probe. Two checks:

- the envelope, before Dash reads it: a JSON object no deeper than any page sends, naming a
  callback the app has, with inputs and state as lists of ``{"id", "property", "value"}``;
- the values, as each callback uses them: a value of the wrong type or out of range (an id
  ``"abc"`` or ``[5]``, a date ``"notadate"``, ``1e309``) makes the callback raise a
  TypeError, ValueError, LookupError, AttributeError or ArithmeticError; for a callback request
  that is answered 400. (Refusals a user can cause, FieldError and the like, are answered by
  the callbacks themselves as a message at the field; the database being unavailable stays a
  503.)

The log line names the callback and the kind of fault, never the values sent.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

import dash
import flask
from dash.exceptions import InvalidCallbackReturnValue, UnsupportedRelativePath
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException

from models.db import DATABASE_UNAVAILABLE_ERRORS
from models.fhir_bundle import nesting_depth

CALLBACK_PATH = "/_dash-update-component"
# Pattern-matching ids and Mantine/AG Grid values nest a few levels; this leaves room.
MAX_CALLBACK_DEPTH = 24
MALFORMED_VALUE_ERRORS: tuple[type[Exception], ...] = (
    TypeError,
    ValueError,
    LookupError,
    AttributeError,
    ArithmeticError,
    RecursionError,
    DataError,  # a value the database cannot hold, e.g. an id of 20 digits
    InvalidCallbackReturnValue,  # a value sent back that no component takes
    UnsupportedRelativePath,  # a page address that is not one
)

log = logging.getLogger("taperwatch.callbacks")


def _bad_request(reason: str) -> flask.Response:
    return flask.Response(
        f"Malformed request ({reason}); reload the page.", status=400, mimetype="text/plain"
    )


def _is_id(value: object) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str | int | float | bool) for k, v in value.items()
    )


def _is_item(value: object) -> bool:
    if isinstance(value, list):  # a pattern-matching input: one item per match
        return all(_is_item(item) and not isinstance(item, list) for item in value)
    return (
        isinstance(value, dict)
        and _is_id(value.get("id"))
        and isinstance(value.get("property"), str)
    )


def envelope_problem(body: object, callbacks: dict[str, Any]) -> str | None:
    """Why ``body`` is not a callback request of this app; None if it is."""
    if not isinstance(body, dict):
        return "not a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callbacks:
        return "no such callback"
    if callbacks[output].get("callback") is None:
        return "not a server callback"
    for key, required in (("inputs", True), ("state", False)):
        items = body.get(key, None if required else [])
        if not isinstance(items, list) or not all(_is_item(i) for i in items):
            return f"{key} malformed"
    if len(body.get("inputs", [])) != len(callbacks[output].get("inputs", [])):
        return "inputs malformed"
    if len(body.get("state", [])) != len(callbacks[output].get("state", [])):
        return "state malformed"
    outputs = body.get("outputs")
    if isinstance(outputs, list):  # several outputs, each an item or a pattern's list
        if not all(_is_item(o) for o in outputs):
            return "outputs malformed"
    elif not _is_item(outputs):
        return "outputs malformed"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "changedPropIds malformed"
    return None


def _where(exc: BaseException) -> str:
    """Where ``exc`` was raised, as file:line in function (no message, so no values): enough
    to find a bug of ours that a malformed-request answer would otherwise hide."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} in {last.name}"


def init_callback_guard(app: dash.Dash) -> None:
    server: flask.Flask = app.server

    @server.before_request
    def _check_envelope() -> flask.Response | None:
        request = flask.request
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        raw = request.get_data(cache=True)
        if nesting_depth(raw, MAX_CALLBACK_DEPTH) > MAX_CALLBACK_DEPTH:
            log.warning("callback request refused: nested too deep")
            return _bad_request("nested too deep")
        body = request.get_json(silent=True)
        problem = envelope_problem(body, app.callback_map)
        if problem is not None:
            log.warning("callback request refused: %s", problem)
            return _bad_request(problem)
        return None

    @server.errorhandler(Exception)
    def _malformed_values(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return exc
        request = flask.request
        if (
            request.path == CALLBACK_PATH
            and isinstance(exc, MALFORMED_VALUE_ERRORS)
            and not isinstance(exc, DATABASE_UNAVAILABLE_ERRORS)
        ):
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            log.warning(
                "callback %s refused a malformed request (%s at %s)",
                output if output in app.callback_map else "?",
                type(exc).__name__,
                _where(exc),
            )
            return _bad_request("a value of the wrong type")
        raise exc
