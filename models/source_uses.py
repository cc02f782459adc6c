"""What uses each clinical source: the review rules (models.flags), the ward policy settings
(models.ward_policy) and the numbers and codes each module declares in ``CLINICAL_NUMBERS``.
Gathered from the data itself, so the Sources page and docs/clinical-sources.md cannot drift
from what the code does."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import models
from models.clinical.sources import SOURCES, ClinicalNumber, cited_ids
from models.flags import REVIEW_RULES
from models.i18n import N_
from models.tables import Ward
from models.ward_policy import LOCAL_POLICY, POLICY_FIELDS

REVIEW_RULE = N_("Review rule")
WARD_POLICY = N_("Ward policy")
CLINICAL_NUMBER = N_("Clinical number")
# Groups of policy fields as the admin page shows them: (title, field names).
PolicyGroups = Sequence[tuple[str, Sequence[str]]]


@dataclass(frozen=True)
class SourceUse:
    kind: str  # REVIEW_RULE, WARD_POLICY or CLINICAL_NUMBER
    name: str
    value: str  # the number as used ("" for a review rule)
    basis: str  # where it comes from: text with [Sn] tags, or what a local policy is modelled on
    sources: tuple[str, ...]
    local_policy: bool
    home: str  # the module that defines it


@cache
def registry_modules() -> tuple[ModuleType, ...]:
    """Every module of ``models`` that declares ``CLINICAL_NUMBERS``."""
    found = []
    for info in pkgutil.walk_packages(models.__path__, "models."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        if isinstance(getattr(module, "CLINICAL_NUMBERS", None), tuple):
            found.append(module)
    return tuple(found)


def _rule_uses() -> list[SourceUse]:
    return [
        SourceUse(
            REVIEW_RULE,
            rule.label,
            "",
            rule.source,
            cited_ids(rule.source),
            "local policy" in rule.source.lower(),
            "models.flags",
        )
        for rule in REVIEW_RULES
    ]


def _policy_uses(groups: PolicyGroups) -> list[SourceUse]:
    group_of = {name: title for title, names in groups for name in names}
    uses = []
    for field in POLICY_FIELDS:
        group = group_of.get(field.name)
        default = Ward.model_fields[field.name].default
        uses.append(
            SourceUse(
                WARD_POLICY,
                f"{group}: {field.label}" if group else field.label,
                f"{default} {field.unit} by default, {field.low}-{field.high} allowed",
                field.source,
                cited_ids(field.source),
                field.source.startswith(LOCAL_POLICY),
                "models.ward_policy",
            )
        )
    return uses


def _number_use(number: ClinicalNumber, home: str) -> SourceUse:
    return SourceUse(
        CLINICAL_NUMBER,
        number.name,
        number.value_text,
        number.note,
        number.sources,
        number.local_policy,
        home,
    )


def source_uses(groups: PolicyGroups = ()) -> tuple[SourceUse, ...]:
    """Every rule, setting and number with its sources; ``groups`` names policy settings by
    their group on the admin page."""
    numbers = [
        _number_use(number, module.__name__)
        for module in registry_modules()
        for number in module.CLINICAL_NUMBERS
    ]
    return (*_rule_uses(), *_policy_uses(groups), *numbers)


def uses_by_source(uses: Sequence[SourceUse]) -> dict[str, tuple[SourceUse, ...]]:
    """Source id -> what uses it, for every source (an unused source maps to ())."""
    return {sid: tuple(u for u in uses if sid in u.sources) for sid in SOURCES}


def local_policies(uses: Sequence[SourceUse]) -> tuple[SourceUse, ...]:
    return tuple(u for u in uses if u.local_policy)
