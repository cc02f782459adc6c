"""Callback answers as plain JSON values.

Dash serialises a callback's answer with plotly's ``to_json_plotly``: orjson first, and if any
value is not plain JSON (a Dash component is not) it walks the whole answer in Python to clean
it, which costs more than the callback's own work for a board of 40 rows (``make bench``, T2).
Components turned into their JSON form here keep the answer on orjson's fast path.

The JSON form is ``Component.to_plotly_json``'s, made from the props the component was given
(its ``__dict__``) rather than by asking the component for each prop its class knows: a Mantine
component knows over a hundred, and a patient page is hundreds of components.
"""

from __future__ import annotations

from typing import Any

from dash.development.base_component import Component

# Per component class: its prop names and the prefixes of its wildcard props (data-*, aria-*).
_PROPS: dict[type, tuple[frozenset[str], tuple[str, ...]]] = {}


def plain(value: Any) -> Any:
    """``value`` with every Dash component replaced by its JSON form (what Dash sends)."""
    if isinstance(value, Component):
        names, wildcards = _props_of(value)
        return {
            "props": {
                k: plain(v) for k, v in vars(value).items() if k in names or k.startswith(wildcards)
            },
            "type": value._type,
            "namespace": value._namespace,
        }
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _props_of(component: Component) -> tuple[frozenset[str], tuple[str, ...]]:
    known = _PROPS.get(type(component))
    if known is None:
        known = _PROPS[type(component)] = (
            frozenset(component._prop_names),
            tuple(component._valid_wildcard_attributes),
        )
    return known
