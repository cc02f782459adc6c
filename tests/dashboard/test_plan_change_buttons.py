"""The plan change dialog closes as every dialog does (modal_buttons): Cancel, then the action,
at the right; Cancel closes the plan panel's modal and the rounds page's drawer."""

from __future__ import annotations

from datetime import date
from typing import Any

import dash
import pytest

from dashboard.components.plan_change_form import change_form
from dashboard.components.plan_form_start import FormStart
from tests.dashboard.charting_fixtures import call, signed_in


def _find(tree: Any, ident: str) -> Any:
    if getattr(tree, "id", None) == ident:
        return tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str):
            found = _find(child, ident)
            if found is not None:
                return found
    return None


def _parent_of(tree: Any, ident: str) -> Any:
    children = getattr(tree, "children", None)
    kids = children if isinstance(children, list) else [children]
    if any(getattr(k, "id", None) == ident for k in kids):
        return tree
    for child in kids:
        if child is not None and not isinstance(child, str):
            found = _parent_of(child, ident)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize("prefix", ["pp", "rd"])
def test_cancel_then_save_at_the_right(prefix: str) -> None:
    form = change_form(
        prefix, start=FormStart("clonazepam", ""), times="08:00,20:00", today=date(2026, 3, 10)
    )
    row = _parent_of(form, f"{prefix}-save-btn")
    assert [b.id for b in row.children] == [f"{prefix}-cancel", f"{prefix}-save-btn"]
    assert row.children[0].children == "Cancel" and row.justify == "flex-end"
    assert _find(form, f"{prefix}-preview-btn") is not None


@pytest.mark.parametrize(("prefix", "container"), [("pp", "pp-modal"), ("rd", "rounds-drawer")])
def test_cancel_closes_the_dialog(app: dash.Dash, prefix: str, container: str) -> None:
    client = signed_in(app, "doctor1")
    [key] = [k for k in app.callback_map if k.startswith(f"{container}.opened@")]
    closed = call(
        client, app, key, {f"{prefix}-cancel.n_clicks": 1},
        changed=[f"{prefix}-cancel.n_clicks"],
    )  # fmt: skip
    assert closed[container]["opened"] is False
