"""Tablets, not milligrams: which of a ward's tablets make each dose of a taper, in words a
patient reads ("1½ tablets of 0.5 mg"), and how many of each strength to dispense for a period.

The choice, for every dose of a plan:
1. the dose exactly;
2. an unscored tablet is never halved (a scored one at most once per dose: two halves are a
   whole tablet);
3. the fewest tablets (a half counts as half), then the fewest halves to cut;
4. over the whole plan, the fewest strengths the patient has to keep apart, without giving any
   dose more tablets than it needs.
A dose no combination of the ward's tablets makes is returned as unmakeable, never rounded.

Pure: plain values in, plain values out. Amounts inside are counted in half tablets so that
every sum is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import combinations
from math import gcd

from models.clinical.drugs import DRUGS, format_mg
from models.clinical.sources import ClinicalNumber
from models.clinical.taper import PlannedStep, step_on

# The largest daily dose in units of the smallest tablet piece this module searches: far above
# any label maximum (clonazepam 20 mg in 0.25 mg pieces is 80). A sanity limit, local policy.
MAX_PIECES = 4000


@dataclass(frozen=True, order=True)
class Tablet:
    """A tablet a ward's pharmacy supplies."""

    strength_ug: int
    scored: bool  # may be halved (a formulary fact, per product: set per ward)

    def __post_init__(self) -> None:
        if self.strength_ug <= 0:
            raise ValueError(f"a tablet strength is positive, not {self.strength_ug} ug")
        if self.scored and self.strength_ug % 2:
            raise ValueError(f"{self.strength_ug} ug cannot be halved into whole micrograms")


# The strengths of the US labels [S61][S62] (a ward's formulary may differ: it sets its own).
# Clonazepam 0.5 mg tablets are scored, 1 mg and 2 mg are not [S61]. For the other drugs the
# sources give no scoring, so every tablet is taken as unscored until the ward says otherwise:
# a tablet wrongly marked unscored only costs a dose that cannot be made (and is flagged), a
# tablet wrongly marked scored would be cut.
DEFAULT_TABLETS: dict[str, tuple[Tablet, ...]] = {
    "clonazepam": (Tablet(500, True), Tablet(1000, False), Tablet(2000, False)),  # [S61]
    "alprazolam": (
        Tablet(250, False),
        Tablet(500, False),
        Tablet(1000, False),
        Tablet(2000, False),
    ),  # [S62]
    "lorazepam": (Tablet(500, False), Tablet(1000, False), Tablet(2000, False)),  # [S62]
    "diazepam": (Tablet(2000, False), Tablet(5000, False), Tablet(10_000, False)),  # [S62]
}
assert set(DEFAULT_TABLETS) == set(DRUGS)


@dataclass(frozen=True)
class Portion:
    """Part of one dose: ``halves`` half tablets of one strength (3 = 1½ tablets)."""

    strength_ug: int
    halves: int

    @property
    def ug(self) -> int:
        return self.strength_ug * self.halves // 2


@dataclass(frozen=True)
class TabletChoice:
    """How a plan's doses are made: each dose (ug) -> its portions, largest strength first."""

    drug: str
    tablets: tuple[Tablet, ...]  # the ward's tablets of the drug
    portions: Mapping[int, tuple[Portion, ...]]
    unmakeable: tuple[int, ...]  # doses (ug) no combination makes, smallest first

    @property
    def strengths(self) -> tuple[int, ...]:
        """The strengths the plan uses, smallest first."""
        used = {p.strength_ug for ps in self.portions.values() for p in ps}
        return tuple(sorted(used))

    def words(self, dose_ug: int) -> str:
        if dose_ug in self.unmakeable:
            return f"{format_mg(dose_ug)} mg: cannot be made from the ward's tablets"
        return dose_words(self.portions[dose_ug])


def _pieces(tablets: Sequence[Tablet]) -> int:
    """The size (ug) every amount here is a multiple of: the gcd of the whole and half pieces."""
    size = 0
    for tablet in tablets:
        size = gcd(size, tablet.strength_ug // 2 if tablet.scored else tablet.strength_ug)
    return size


Cost = tuple[int, int]  # (half tablets in all, halves to cut)
Combo = tuple[Portion, ...]


def _best_combos(dose_ug: int, tablets: Sequence[Tablet]) -> tuple[Cost, Combo] | None:
    """The cheapest exact combination of ``tablets`` for ``dose_ug`` (None if there is none)."""
    if dose_ug == 0:
        return (0, 0), ()
    piece = _pieces(tablets)
    if piece == 0 or dose_ug % piece or dose_ug // piece > MAX_PIECES:
        return None
    target = dose_ug // piece
    ordered = sorted(tablets, key=lambda t: t.strength_ug, reverse=True)
    # Whole tablets, unbounded: best[n] = (cost, counts per strength) for n pieces.
    best: list[tuple[Cost, tuple[int, ...]] | None] = [None] * (target + 1)
    best[0] = ((0, 0), (0,) * len(ordered))
    for n in range(1, target + 1):
        for i, tablet in enumerate(ordered):
            size = tablet.strength_ug // piece
            prior = best[n - size] if size <= n else None
            if prior is None:
                continue
            counts = tuple(c + (1 if j == i else 0) for j, c in enumerate(prior[1]))
            candidate = ((prior[0][0] + 2, 0), counts)
            if best[n] is None or candidate < best[n]:  # type: ignore[operator]
                best[n] = candidate
    scored = [i for i, t in enumerate(ordered) if t.scored]
    chosen: tuple[Cost, Combo] | None = None
    for k in range(len(scored) + 1):
        for halved in combinations(scored, k):
            rest = target - sum(ordered[i].strength_ug // 2 // piece for i in halved)
            whole = best[rest] if rest >= 0 else None
            if whole is None:
                continue
            portions = tuple(
                Portion(t.strength_ug, whole[1][i] * 2 + (1 if i in halved else 0))
                for i, t in enumerate(ordered)
                if whole[1][i] or i in halved
            )
            cost = (whole[0][0] + k, k)
            if chosen is None or (cost, _order(portions)) < (chosen[0], _order(chosen[1])):
                chosen = (cost, portions)
    return chosen


def _order(portions: Combo) -> tuple[int, ...]:
    """Tie-break between equal costs: fewer strengths, then larger tablets first."""
    return (len(portions), *(-p.strength_ug for p in portions))


def choose_tablets(drug: str, doses_ug: Iterable[int], tablets: Sequence[Tablet]) -> TabletChoice:
    """Choose the tablets of every dose of a plan (see the module's rules)."""
    wanted = sorted({d for d in doses_ug if d >= 0})
    stock = tuple(sorted(set(tablets)))
    overall = {dose: _best_combos(dose, stock) for dose in wanted}
    makeable = [d for d in wanted if overall[d] is not None]
    unmakeable = tuple(d for d in wanted if overall[d] is None)
    strengths = sorted({t.strength_ug for t in stock})
    for size in range(len(strengths) + 1):
        for subset in combinations(strengths, size):
            allowed = [t for t in stock if t.strength_ug in subset]
            portions = _within(makeable, allowed, overall)
            if portions is not None:
                return TabletChoice(drug, stock, portions, unmakeable)
    raise AssertionError("the whole stock makes every makeable dose")  # pragma: no cover


def _within(
    doses: Sequence[int],
    allowed: Sequence[Tablet],
    overall: Mapping[int, tuple[Cost, Combo] | None],
) -> dict[int, Combo] | None:
    """Each dose from ``allowed`` alone at its overall fewest tablets, or None."""
    found: dict[int, Combo] = {}
    for dose in doses:
        best = overall[dose]
        here = _best_combos(dose, allowed)
        if best is None or here is None or here[0][0] != best[0][0]:
            return None
        found[dose] = here[1]
    return found


# --- words -------------------------------------------------------------------------------


def tablets_text(halves: int) -> str:
    """3 -> "1½", 1 -> "½", 4 -> "2"."""
    whole, half = divmod(halves, 2)
    if not half:
        return str(whole)
    return "½" if whole == 0 else f"{whole}½"


def portion_words(portion: Portion) -> str:
    count = tablets_text(portion.halves)
    noun = "tablet" if portion.halves <= 2 else "tablets"
    return f"{count} {noun} of {format_mg(portion.strength_ug)} mg"


def dose_words(portions: Sequence[Portion]) -> str:
    """ "1½ tablets of 0.5 mg and ½ tablet of 2 mg"; "none" for no tablets."""
    if not portions:
        return "none"
    return " and ".join(portion_words(p) for p in portions)


def tablet_label(tablet: Tablet) -> str:
    return f"{format_mg(tablet.strength_ug)} mg ({'scored' if tablet.scored else 'not scored'})"


# --- dispensing -------------------------------------------------------------------------


@dataclass(frozen=True)
class DayDoses:
    day: date
    doses: tuple[tuple[str, int], ...]  # (time "08:00", ug) of the drug, in time order


def daily_doses(
    steps: Sequence[PlannedStep], drug: str, start: date, end: date
) -> tuple[DayDoses, ...]:
    """Each day from ``start`` to ``end`` inclusive, with the drug's doses of the step in force."""
    days: list[DayDoses] = []
    day = start
    while day <= end:
        step = step_on(steps, day)
        doses = (
            tuple((d.time.strftime("%H:%M"), d.ug) for d in step.doses if d.drug == drug)
            if step is not None
            else ()
        )
        days.append(DayDoses(day, doses))
        day += timedelta(days=1)
    return tuple(days)


@dataclass(frozen=True)
class Dispense:
    """Tablets of each strength for a period: the halves the doses take, and the whole tablets
    to hand over (halves rounded up: a half left over is kept for the next dose)."""

    halves: Mapping[int, int]  # strength ug -> half tablets taken
    unmakeable_days: tuple[date, ...]  # days with a dose no tablets make

    @property
    def tablets(self) -> dict[int, int]:
        return {s: -(-h // 2) for s, h in sorted(self.halves.items())}


def dispense(days: Sequence[DayDoses], choice: TabletChoice) -> Dispense:
    halves: dict[int, int] = {}
    missing: list[date] = []
    for day in days:
        for _, dose in day.doses:
            if dose in choice.unmakeable or dose not in choice.portions:
                missing.append(day.day)
                continue
            for portion in choice.portions[dose]:
                halves[portion.strength_ug] = halves.get(portion.strength_ug, 0) + portion.halves
    return Dispense(halves, tuple(dict.fromkeys(missing)))


def dispense_words(quantity: Dispense) -> str:
    """ "9 tablets of 0.5 mg, 5 tablets of 2 mg"."""
    parts = [
        f"{count} tablet{'s' if count != 1 else ''} of {format_mg(strength)} mg"
        for strength, count in quantity.tablets.items()
        if count
    ]
    return ", ".join(parts) or "no tablets"


CLINICAL_NUMBERS: tuple[ClinicalNumber, ...] = (
    ClinicalNumber(
        "Tablet strengths (defaults)",
        "; ".join(
            f"{drug} " + ", ".join(tablet_label(t) for t in tablets)
            for drug, tablets in DEFAULT_TABLETS.items()
        ),
        ("S61", "S62"),
        "US labels; a ward sets the tablets its pharmacy supplies. Only clonazepam 0.5 mg is "
        "scored by default; the other drugs' scoring is not in the sources.",
    ),
    ClinicalNumber(
        "Tablet choice search limit",
        f"{MAX_PIECES} of the smallest tablet piece per dose",
        (),
        "Local policy: a sanity limit far above any label maximum.",
    ),
)
