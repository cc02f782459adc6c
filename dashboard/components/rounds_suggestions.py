"""What the rounds page suggests for a patient (continue, advance, hold, go back, adjust) from
the day's summary, and the line that says it; the printed rounds sheet shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dash_mantine_components as dmc
from dash import html

from dashboard.components.citations import cited
from dashboard.rounds_queries import RoundsSummary
from models.flags import REVIEW_RULE_BY_NAME


@dataclass(frozen=True)
class Suggestion:
    decision: str | None  # the decision the rule points to, if it points to one
    text: str
    source: str


# What each review rule's open flag suggests at rounds (jobs/rules.py names the rules). Only the
# sources cited back a decision; the rest ask for a look before deciding.
SUGGESTIONS: dict[str, Suggestion] = {
    "step_not_tolerated": Suggestion(
        "hold",
        "Hold the taper: CIWA-B rose after the last step",
        "ASAM 2025: check for withdrawal after every cut; if significant, slow or pause [S16]",
    ),
    "severe_withdrawal": Suggestion(
        "hold",
        "Consider holding: withdrawal is severe now",
        "Bands [S4]; ASAM 2025: if withdrawal is significant, slow or pause [S16]",
    ),
    "worsening": Suggestion(
        "hold",
        "Consider holding: the CIWA-B is rising",
        "Worsening rule thresholds: ward local policy",
    ),
    "prn_use": Suggestion(
        "hold",
        "Consider holding: PRN use is high, the taper may not be holding",
        "PRN limits: ward local policy",
    ),
    "news2": Suggestion(
        None,
        "Urgent clinical review first: NEWS2 trigger",
        "RCP NEWS2 clinical response [S35]",
    ),
    "dose_too_high": Suggestion(
        None,
        "Sedation: the dose may be too high — consider a reduction",
        "Held for sedation [S71]; POSS 3 or more: reduce the sedating dose [S68]",
    ),
    "missed_dose": Suggestion(
        None,
        "Doses were missed: review before cutting further",
        "Skipped doses worsen withdrawal [S23]",
    ),
    "dose_skipped": Suggestion(
        None,
        "Doses were held or refused: review before cutting further",
        "Skipped doses worsen withdrawal [S23]",
    ),
    "prn_reassessment": Suggestion(
        None,
        "A PRN dose has no score after it: reassess before deciding",
        "Reassessment after PRN: ward local policy",
    ),
    "assessment_overdue": Suggestion(
        None,
        "A CIWA-B is overdue: get a current score before deciding",
        "Reassessment interval: ward local policy",
    ),
    "vitals_overdue": Suggestion(
        None, "Vital signs are overdue", "Observation interval: ward local policy / NEWS2 [S35]"
    ),
    "dose_unconfirmed": Suggestion(
        None,
        "Confirm the admission dose: it is above its label maximum",
        "Label maxima [S61][S62][S63][S64]",
    ),
    "no_plan": Suggestion(
        None, "No taper plan in force: write one", "Every admitted patient needs a plan"
    ),
}


SUGGESTION_ORDER = tuple(SUGGESTIONS)


def suggestions(summary: RoundsSummary) -> list[Suggestion]:
    """One suggestion per rule with an open flag, most decisive first."""
    rules = {f.rule for f in summary.open_flags}
    known = [SUGGESTIONS[r] for r in SUGGESTION_ORDER if r in rules]
    unknown = sorted(rules - set(SUGGESTIONS))
    return known + [Suggestion(None, f"Open flag: {flag_label(r)}", "") for r in unknown]


def suggestion_line(summary: RoundsSummary) -> Any:
    found = suggestions(summary)
    if not found:
        return dmc.Text(
            "Review rules: no open flags.",
            size="sm",
            c="dimmed",
            className="tw-suggestion",
        )
    return html.Div(
        [
            html.Span("Review rules suggest: ", className="tw-suggest-lead"),
            *[
                html.Span(
                    [
                        html.B(s.text),
                        html.Span(
                            [" (", *cited(s.source), ")"] if s.source else "", className="tw-source"
                        ),
                    ],
                    className="tw-suggest-item",
                )
                for s in found
            ],
        ],
        className="tw-suggestion",
    )


def flag_label(rule: str) -> str:
    found = REVIEW_RULE_BY_NAME.get(rule)
    return found.label if found else rule.replace("_", " ")
