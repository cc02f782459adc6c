"""What the rounds page suggests for a patient (continue, advance, hold, go back, adjust) from
the day's summary, and the line that says it; the printed rounds sheet shows the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import html

from dashboard.components.charting_common import attrs
from dashboard.components.citations import cited
from dashboard.i18n import N_, _
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
        N_("Hold the taper: CIWA-B rose after the last step"),
        N_("ASAM 2025: check for withdrawal after every cut; if significant, slow or pause [S16]"),
    ),
    "severe_withdrawal": Suggestion(
        "hold",
        N_("Consider holding: withdrawal is severe now"),
        N_("Bands [S4]; ASAM 2025: if withdrawal is significant, slow or pause [S16]"),
    ),
    "worsening": Suggestion(
        "hold",
        N_("Consider holding: the CIWA-B is rising"),
        N_("Worsening rule thresholds: ward local policy"),
    ),
    "prn_use": Suggestion(
        "hold",
        N_("Consider holding: PRN use is high, the taper may not be holding"),
        N_("PRN limits: ward local policy"),
    ),
    "news2": Suggestion(
        None,
        N_("Urgent clinical review first: NEWS2 trigger"),
        N_("RCP NEWS2 clinical response [S35]"),
    ),
    "dose_too_high": Suggestion(
        None,
        N_("Sedation: the dose may be too high — consider a reduction"),
        N_("Held for sedation [S71]; POSS 3 or more: reduce the sedating dose [S68]"),
    ),
    "missed_dose": Suggestion(
        None,
        N_("Doses were missed: review before cutting further"),
        N_("Skipped doses worsen withdrawal [S23]"),
    ),
    "dose_skipped": Suggestion(
        None,
        N_("Doses were held or refused: review before cutting further"),
        N_("Skipped doses worsen withdrawal [S23]"),
    ),
    "prn_reassessment": Suggestion(
        None,
        N_("A PRN dose has no score after it: reassess before deciding"),
        N_("Reassessment after PRN: ward local policy"),
    ),
    "assessment_overdue": Suggestion(
        None,
        N_("A CIWA-B is overdue: get a current score before deciding"),
        N_("Reassessment interval: ward local policy"),
    ),
    "vitals_overdue": Suggestion(
        None,
        N_("Vital signs are overdue"),
        N_("Observation interval: ward local policy / NEWS2 [S35]"),
    ),
    "dose_unconfirmed": Suggestion(
        None,
        N_("Confirm the admission dose: it is above its label maximum"),
        N_("Label maxima [S61][S62][S63][S64]"),
    ),
    "no_plan": Suggestion(
        None, N_("No taper plan in force: write one"), N_("Every admitted patient needs a plan")
    ),
}


SUGGESTION_ORDER = tuple(SUGGESTIONS)


def suggestions(summary: RoundsSummary) -> list[Suggestion]:
    """One suggestion per rule with an open flag, most decisive first."""
    rules = {f.rule for f in summary.open_flags}
    known = [SUGGESTIONS[r] for r in SUGGESTION_ORDER if r in rules]
    unknown = sorted(rules - set(SUGGESTIONS))
    return known + [
        Suggestion(None, _("Open flag: {rule}", rule=flag_label(r)), "") for r in unknown
    ]


def suggestion_line(summary: RoundsSummary) -> Any:
    found = suggestions(summary)
    if not found:
        # dmc.Text(size="sm", c="dimmed") as Mantine draws it, as a plain element: the rounds
        # card sends its read-only part as markup (static_markup).
        return html.P(
            _("Review rules: no open flags."),
            className="mantine-focus-auto tw-suggestion m_b6d8b162 mantine-Text-root",
            style={
                "--text-fz": "var(--mantine-font-size-sm)",
                "--text-lh": "var(--mantine-line-height-sm)",
                "color": "var(--mantine-color-dimmed)",
            },
            **attrs(data_size="sm"),
        )
    return html.Div(
        [
            html.Span(_("Review rules suggest: "), className="tw-suggest-lead"),
            *[
                html.Span(
                    [
                        html.B(_(s.text)),
                        html.Span(
                            [" (", *cited(_(s.source)), ")"] if s.source else "",
                            className="tw-source",
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
    return _(found.label) if found else rule.replace("_", " ")
