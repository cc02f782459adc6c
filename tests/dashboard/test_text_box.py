"""The forms' reason and note boxes (components.text_box)."""

from __future__ import annotations

from dashboard.components.text_box import text_box


def test_a_text_box_grows_from_its_rows_and_keeps_the_props_it_is_given() -> None:
    box = text_box("x-reason", "Reason", rows=3, placeholder="why", **{"data-autofocus": True})
    props = box.to_plotly_json()["props"]
    assert props == {
        "id": "x-reason",
        "label": "Reason",
        "autosize": True,
        "minRows": 3,
        "size": "md",
        "placeholder": "why",
        "data-autofocus": True,
    }
    assert text_box("y", "Note").to_plotly_json()["props"]["minRows"] == 2
