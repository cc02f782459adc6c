"""A ward's tablets: the strengths its pharmacy supplies of each drug and which may be halved
(scored). The discharge calendar and summary make every dose from them
(models.clinical.tablets); a dose they cannot make is flagged there, never rounded.

Set by an admin on the admin page as a short text per drug ("0.5 scored, 1, 2"), validated,
audited. A drug without a row has the defaults of models.clinical.tablets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session, select

from models.audit import Actor
from models.clinical.drugs import format_mg, get_drug, mg_to_ug
from models.clinical.tablets import DEFAULT_TABLETS, Tablet
from models.errors import FieldError, Number
from models.i18n import N_
from models.tables import WardDrugTablets
from models.ward_formulary import PerDrugSetting
from models.ward_units import MIN_UNIT_UG

MAX_TABLETS_PER_DRUG = 8  # a typing check, local policy: no formulary lists more strengths
_ENTRY = re.compile(r"^\s*(?P<mg>[0-9.]+)\s*(?:mg)?\s*(?P<scored>scored|s)?\s*$", re.IGNORECASE)


def stored_text(tablets: tuple[Tablet, ...]) -> str:
    """The canonical form a row keeps: "500s,1000,2000"."""
    return ",".join(f"{t.strength_ug}{'s' if t.scored else ''}" for t in sorted(tablets))


def from_stored(text: str) -> tuple[Tablet, ...]:
    return tuple(
        sorted(Tablet(int(part.rstrip("s")), part.endswith("s")) for part in text.split(","))
    )


def tablets_text(tablets: tuple[Tablet, ...]) -> str:
    """How the admin page shows and reads a list: "0.5 scored, 1, 2"."""
    return ", ".join(
        f"{format_mg(t.strength_ug)}{' scored' if t.scored else ''}" for t in sorted(tablets)
    )


def parse_tablets(drug: str, text: str, *, field: str) -> tuple[Tablet, ...]:
    """Read "0.5 scored, 1, 2" (mg; "scored" after a strength that may be halved)."""
    largest = get_drug(drug).largest_tablet_ug
    parts = [p for p in text.split(",") if p.strip()] if isinstance(text, str) else []
    if not parts:
        raise FieldError(field, N_('list the strengths in mg, e.g. "0.5 scored, 1, 2"'))
    if len(parts) > MAX_TABLETS_PER_DRUG:
        raise FieldError(
            field, N_("list at most {most} strengths"), values={"most": MAX_TABLETS_PER_DRUG}
        )
    tablets: dict[int, Tablet] = {}
    for part in parts:
        match = _ENTRY.match(part)
        if match is None:
            raise FieldError(
                field,
                N_('"{part}" is not a strength: write mg, then "scored" if halved'),
                values={"part": part.strip()},
            )
        ug = mg_to_ug(match["mg"], field=field)
        if not MIN_UNIT_UG <= ug <= largest:
            raise FieldError(
                field,
                N_("{dose} mg: enter {least} to {most} mg (the largest {drug} tablet)"),
                values={
                    "dose": Number.mg(ug),
                    "least": Number.mg(MIN_UNIT_UG),
                    "most": Number.mg(largest),
                    "drug": drug,
                },
            )
        if ug in tablets:
            raise FieldError(field, N_("{dose} mg is listed twice"), values={"dose": Number.mg(ug)})
        scored = match["scored"] is not None
        if scored and ug % 2:
            raise FieldError(
                field, N_("{dose} mg cannot be halved exactly"), values={"dose": Number.mg(ug)}
            )
        tablets[ug] = Tablet(ug, scored)
    return tuple(sorted(tablets.values()))


def ward_tablets(session: Session, ward_id: int) -> dict[str, tuple[Tablet, ...]]:
    """Every drug's tablets on the ward: its row, else the defaults."""
    tablets = dict(DEFAULT_TABLETS)
    query = select(WardDrugTablets).where(WardDrugTablets.ward_id == ward_id)
    for row in session.exec(query):
        tablets[row.drug] = from_stored(row.tablets)
    return tablets


def update_ward_tablets(
    *, session: Session, actor: Actor, ward_id: int, values: Mapping[str, object], now: datetime
) -> dict[str, tuple[Tablet, ...]]:
    """Set tablet lists (drug -> text as typed) for the ward; every value is checked before any
    is written. Admins only. Returns the ward's tablets after the change."""
    return _TABLETS.update(session=session, actor=actor, ward_id=ward_id, values=values, now=now)


def _read_tablets(drug: str, raw: object, field: str) -> tuple[Tablet, ...]:
    return parse_tablets(drug, raw if isinstance(raw, str) else "", field=field)


_TABLETS = PerDrugSetting(
    model=WardDrugTablets,
    column="tablets",
    field_prefix="tablets_",
    action="ward.tablets",
    read=_read_tablets,
    on_ward=ward_tablets,
    stored=stored_text,
)
