"""The text box of a reason or a note in a form: it grows as it is typed in."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc


def text_box(box_id: str, label: str, *, rows: int = 2, **props: Any) -> dmc.Textarea:
    """``rows`` lines at least; ``props``: the Textarea's others (placeholder, description...)."""
    return dmc.Textarea(id=box_id, label=label, autosize=True, minRows=rows, size="md", **props)
