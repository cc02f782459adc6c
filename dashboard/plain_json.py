"""Callback answers as plain JSON values.

Dash serialises a callback's answer with plotly's ``to_json_plotly``: orjson first, and if any
value is not plain JSON (a Dash component is not) it walks the whole answer in Python to clean
it, which costs more than the callback's own work for a board of 40 rows (``make bench``, T2).
Components turned into their JSON form here keep the answer on orjson's fast path.
"""

from __future__ import annotations

from typing import Any

from dash.development.base_component import Component


def plain(value: Any) -> Any:
    """``value`` with every Dash component replaced by its JSON form (what Dash sends)."""
    if isinstance(value, Component):
        as_json = value.to_plotly_json()  # type: ignore[no-untyped-call]
        as_json["props"] = {k: plain(v) for k, v in as_json["props"].items()}
        return as_json
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
