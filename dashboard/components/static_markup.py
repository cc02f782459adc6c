"""Read-only tables sent as one block of HTML instead of a Dash component per cell.

dash-renderer subscribes every Dash component on the page to its store, and every store update
(each property a callback sets) visits all of them: a 72-hour vitals table was a dozen or more
components per reading, and the patient page's saves and refreshes paid for each. A read-only
part is built as before, from ``dash.html`` components, then turned into markup here and sent
in one ``div`` (``data-tw-html``) that assets/static_markup.js fills: one component in place of
hundreds, the same elements, classes and styles in the page.

This is a security boundary: every text and attribute value is escaped here, so a patient's
name or a free-text reason containing markup is shown as the text typed. Only ``dash.html``
components, strings, numbers and ``Markup`` (made in this module) are accepted; anything else,
a component with callbacks (a pattern-matching id) or an unknown property, fails loudly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from typing import Any, cast

from dash import html
from dash.development.base_component import Component

ATTRIBUTE = "data-tw-html"  # the div's attribute that carries the markup (static_markup.js)
# React's names for the attributes Dash's html components spell differently.
ATTRIBUTE_NAMES = {
    "className": "class",
    "htmlFor": "for",
    "colSpan": "colspan",
    "rowSpan": "rowspan",
    "tabIndex": "tabindex",
    "accessKey": "accesskey",
    "contentEditable": "contenteditable",
}
PLAIN_ATTRIBUTES = frozenset({"id", "title", "role", "href", "target", "rel", "lang", "dir",
                              "hidden", "src", "alt", "width", "height"})  # fmt: skip
# Links and images may point only at these (never a script: the markup is a security boundary).
SAFE_URL = re.compile(r"^(https?:|mailto:|data:image/svg\+xml,|/|#|\?|[\w.-]+(/|$))", re.I)
# Dash's own properties: they are not attributes of the element.
DASH_PROPS = frozenset({"n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state"})
VOID_ELEMENTS = frozenset({"br", "hr", "img", "wbr", "col"})
# CSS properties React writes without a unit when given a number; others get "px", as React does.
UNITLESS = frozenset({"flex", "flexGrow", "flexShrink", "fontWeight", "lineHeight", "opacity",
                      "order", "zIndex", "zoom"})  # fmt: skip
_CAMEL = re.compile(r"(?<!^)([A-Z])")


class Markup(str):
    """Markup already escaped (made by ``markup`` or ``button``): passed through as it is."""

    __slots__ = ()


def _css(style: Mapping[str, Any]) -> str:
    parts = []
    for name, value in style.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"style {name}: {value!r} is not a CSS value")
        text = value if isinstance(value, str) or name in UNITLESS else f"{value}px"
        css_name = _CAMEL.sub(r"-\1", name).lower()
        parts.append(f"{css_name}: {text}")
    return "; ".join(parts)


def _attribute(name: str, value: Any) -> str:
    if name == "style":
        return f' style="{escape(_css(value))}"' if value else ""
    if name in ATTRIBUTE_NAMES:
        name = ATTRIBUTE_NAMES[name]
    elif name not in PLAIN_ATTRIBUTES and not name.startswith(("data-", "aria-")):
        raise ValueError(f"{name!r} is not an attribute static markup writes")
    if value is None or value is False:
        return ""
    if value is True:
        return f" {name}"
    if name in ("href", "src") and not SAFE_URL.match(str(value)):
        raise ValueError(f"{name} {value!r} is not a link static markup writes")
    if not isinstance(value, str | int | float):
        raise ValueError(f"attribute {name}: {value!r} cannot be written as text")
    return f' {name}="{escape(str(value))}"'


def _element(component: Component) -> str:
    if component._namespace != "dash_html_components":
        raise ValueError(f"{component._type} is not a dash.html component: keep it a component")
    tag = component._type.lower()
    props: dict[str, Any] = cast(Any, component).to_plotly_json()["props"]
    attributes = "".join(
        _attribute(name, value)
        for name, value in props.items()
        if name != "children" and name not in DASH_PROPS
    )
    if tag in VOID_ELEMENTS:
        return f"<{tag}{attributes}>"
    return f"<{tag}{attributes}>{markup(props.get('children'))}</{tag}>"


def markup(tree: Any) -> Markup:
    """``tree`` (dash.html components, text, numbers, lists of them) as escaped HTML."""
    if tree is None or tree is False:
        return Markup("")
    if isinstance(tree, Markup):
        return tree
    if isinstance(tree, str):
        return Markup(escape(tree))
    if isinstance(tree, bool):
        raise ValueError("a boolean is not content")
    if isinstance(tree, int | float):
        return Markup(escape(str(tree)))
    if isinstance(tree, list | tuple):
        parts = [markup(item) for item in tree]
        # Adjacent texts stay apart, as React draws them (one text node each; a browser may
        # place a run of text a fraction of a pixel differently when it is one node).
        texts = [isinstance(item, str | int | float) and not isinstance(item, bool | Markup)
                 for item in tree]  # fmt: skip
        return Markup(
            "".join(
                ("<!-- -->" if i and texts[i] and texts[i - 1] else "") + part
                for i, part in enumerate(parts)
            )
        )
    if isinstance(tree, Component):
        if isinstance(getattr(tree, "id", None), dict):
            raise ValueError("a component with a pattern-matching id must stay a component")
        return Markup(_element(tree))
    raise ValueError(f"{type(tree).__name__} is not content static markup writes")


def static_block(tree: Any, **div: Any) -> html.Div:
    """One div holding ``tree`` as markup (filled in the browser by static_markup.js); ``div``
    are the div's own properties (className, style, id)."""
    props: dict[str, Any] = {**div, ATTRIBUTE: str(markup(tree))}
    return html.Div(**props)


def in_error_button(label: str, *, entity: str, record_id: int | None) -> Markup:
    """ "Mark in error…" as Mantine draws ``dmc.Button(variant="subtle", size="xs")`` (its
    classes and variables, so it looks the same); a click opens the mark-in-error dialog
    through static_markup.js (``in-error-request``), as the pattern-matching buttons do."""
    attributes = _attribute("data-in-error-entity", entity) + _attribute(
        "data-in-error-id", int(record_id or 0)
    )
    return Markup(
        f'<button type="button" class="{MANTINE_BUTTON_CLASSES}" data-variant="subtle" '
        f'data-size="xs" style="{MANTINE_SUBTLE_XS_STYLE}"{attributes}>'
        f'<span class="m_80f1301b mantine-Button-inner">'
        f'<span class="m_811560b9 mantine-Button-label">{escape(label)}</span></span></button>'
    )


# Mantine 8's Button root (dash-mantine-components 2.x): its classes and the variables the
# "subtle" variant at size "xs" sets, as dmc.Button renders them.
MANTINE_BUTTON_CLASSES = (
    "mantine-focus-auto mantine-active m_77c9d27d mantine-Button-root m_87cf2631 "
    "mantine-UnstyledButton-root"
)
MANTINE_SUBTLE_XS_STYLE = (
    "--button-height: var(--button-height-xs); --button-padding-x: var(--button-padding-x-xs); "
    "--button-fz: var(--mantine-font-size-xs); --button-bg: transparent; "
    "--button-hover: var(--mantine-color-indigo-light-hover); "
    "--button-color: var(--mantine-color-indigo-light-color); "
    "--button-bd: calc(0.0625rem * var(--mantine-scale)) solid transparent;"
)
