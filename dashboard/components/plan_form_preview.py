"""The plan change form's Preview (plan_change_form.py), as the plan panel and the rounds page
both answer it: the outputs it sets and its answer, the schedule the change would make or the
refusal.
"""

from __future__ import annotations

from typing import Any

from dash import Output, no_update

from dashboard.components.plan_preview import (
    label_box_style,
    preview_view,
    refusal_message,
    schedule_drugs,
)
from dashboard.refusals import Refusal
from models.plan_changes import Preview


def preview_outputs(prefix: str) -> dict[str, Output]:
    """The outputs of a change form's Preview callback: the preview, the message, the Save
    button (enabled once previewed) and the label-maximum box."""
    return {
        "preview": Output(f"{prefix}-preview", "children"),
        "message": Output(f"{prefix}-message", "children"),
        "save_disabled": Output(f"{prefix}-save-btn", "disabled"),
        "label_box": Output(f"{prefix}-label-box", "style"),
    }


# The Preview's answer when there is nothing to preview (no click, no change chosen).
NOT_PREVIEWED: dict[str, Any] = {
    "preview": no_update,
    "message": no_update,
    "save_disabled": True,
    "label_box": no_update,
}


def preview_answer(result: Preview | Refusal) -> dict[str, Any]:
    """The Preview's answer (:func:`preview_outputs`): the schedule the change would make, Save
    enabled; or the refusal, Save disabled."""
    if isinstance(result, Refusal):
        return {"preview": None, "message": refusal_message(result, saved=False),
                "save_disabled": True, "label_box": no_update}  # fmt: skip
    return {
        "preview": preview_view(result, today=result.effective_from, drugs=schedule_drugs(result)),
        "message": None,
        "save_disabled": False,
        "label_box": label_box_style(result),
    }
