"""What a withdrawal scale's entry form does with the nurse's answers, for CIWA-B and CIWA-Ar
alike: the form's definition (``ScaleForm``), the item scores and running total, the save, and
the messages after it (missing items named; PRN orders a saved score makes possible).
The form's markup and callbacks: components.charting_ciwa."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from dashboard.components.charting_common import format_local, ward_clock
from dashboard.context import default_ward, engine
from dashboard.i18n import N_, _, ngettext, request_translator
from dashboard.refusals import Refusal, attempt
from dashboard.theme import BAND_LABEL, BAND_LEVEL
from models.audit import Actor
from models.charting import record_assessment
from models.clinical.scales import (
    CIWA_B_ITEMS,
    Band,
    ScaleItem,
    ciwa_b_band,
)
from models.db import read_session
from models.errors import shown
from models.prn_orders import indicated_message, indicated_orders
from models.schemas import WithdrawalAssessmentCreate
from models.tables import WithdrawalAssessment


@dataclass(frozen=True)
class ScaleForm:
    """One withdrawal scale's charting form: its items, bands and the ids of its components."""

    scale: str  # "CIWA-B" | "CIWA-Ar"
    prefix: str  # component ids: "<prefix>-item", "<prefix>-save", ...
    items: tuple[ScaleItem, ...]
    band: Callable[[int], Band]
    groups: tuple[tuple[str, str], ...]  # (title, rater) of each group of items

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(item.number for item in self.items)


CIWA_B_FORM = ScaleForm(
    "CIWA-B",
    "ciwa",
    CIWA_B_ITEMS,
    ciwa_b_band,
    ((N_("Ask the patient (items 1–17)"), "patient"), (N_("Observe (items 18–20)"), "observer")),
)


ITEM_NUMBERS = CIWA_B_FORM.numbers


@dataclass(frozen=True)
class RunningTotal:
    total: int
    scored: int
    band: str

    @property
    def level(self) -> int:
        return BAND_LEVEL.get(self.band, 0)


def item_scores(values: Sequence[object], form: ScaleForm = CIWA_B_FORM) -> dict[int, int]:
    """The scored items of the form (values in item order; "" or None = not scored yet). A
    value none of the item's choices can send (a forged request) counts as not scored."""
    scores: dict[int, int] = {}
    for item, value in zip(form.items, values, strict=True):
        score: int | None = None
        if isinstance(value, str) and value.strip().isdecimal():
            score = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            score = value
        if score is not None and item.min <= score <= item.max:
            scores[item.number] = score
    return scores


def running_total(scores: Mapping[int, int], form: ScaleForm = CIWA_B_FORM) -> RunningTotal:
    total = sum(scores.values())
    return RunningTotal(total=total, scored=len(scores), band=form.band(total).value)


def missing_items(fields: Mapping[str, str]) -> list[int]:
    """Item numbers named by the domain's refusal (fields "item_4"...)."""
    return sorted(
        int(name.removeprefix("item_"))
        for name in fields
        if name.startswith("item_") and name.removeprefix("item_").isdigit()
    )


def refusal_message(outcome: Refusal, form: ScaleForm = CIWA_B_FORM) -> str:
    missing = missing_items(outcome.fields)
    if not missing:
        return outcome.message
    listed = _and_list([str(n) for n in missing])
    top = max(item.max for item in form.items)
    return ngettext(
        "Not saved: item {listed} is not scored. Score every item from 0 to {top}.",
        "Not saved: items {listed} are not scored. Score every item from 0 to {top}.",
        len(missing),
        listed=listed,
        top=top,
    )


def _and_list(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("{items} and {last}", items=", ".join(words[:-1]), last=words[-1])


def save_ciwa(
    *,
    actor: Actor,
    admission_id: int,
    values: Sequence[object],
    time_text: str | None,
    now: datetime,
    submission_id: str | None = None,
    form: ScaleForm = CIWA_B_FORM,
) -> WithdrawalAssessment | Refusal:
    """Record a score in one action; the domain refuses it whole if an item is missing. A
    save sent again with the same ``submission_id`` answers with the score already stored."""
    scores: dict[int, object] = dict.fromkeys(form.numbers)
    scores.update(item_scores(values, form))

    def write(session: Session) -> WithdrawalAssessment:
        taken_at = ward_clock(session, time_text, now=now, field_name="taken_at")
        return record_assessment(
            session=session,
            actor=actor,
            now=now,
            data=WithdrawalAssessmentCreate(
                admission_id=admission_id,
                taken_at=taken_at,
                items=scores,
                scale=form.scale,
                submission_id=submission_id,
            ),
        )

    return attempt(engine(), write)


def saved_message(outcome: WithdrawalAssessment, now: datetime) -> str:
    """The save's confirmation, naming the PRN orders whose threshold the score meets."""
    with read_session(engine()) as session:
        tz = ZoneInfo(default_ward(session).timezone)
        found = indicated_orders(
            session, outcome.admission_id, scale=outcome.scale, total=outcome.total, now=now
        )
    label = _(BAND_LABEL.get(outcome.band, outcome.band))
    message = _(
        "Saved: {scale} {total} ({band}) at {when}.",
        scale=outcome.scale,
        total=outcome.total,
        band=label,
        when=format_local(outcome.taken_at, tz, now, t=request_translator()),
    )
    if found:
        message += " " + str(shown(indicated_message(found, tz, now), request_translator()))
    return message
