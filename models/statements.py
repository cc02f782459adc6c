"""Statements built once and reused. Every value a statement needs is a bound parameter, given
at execution, so building it costs nothing per call and SQLAlchemy's compiled cache serves it
(the review scan and the busiest charting writes run the same few statements all day).

A statement whose SQL differs by database (a dialect's own form) or by table takes the
dialect's name or the table as its arguments: it is built once for each."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import ParamSpec, TypeVar, cast

P = ParamSpec("P")
Statement = TypeVar("Statement")

# Distinct argument sets kept per builder: dialects x tables x the wards' time zones, with room.
_VARIANTS = 64


def built_once(build: Callable[P, Statement]) -> Callable[P, Statement]:
    """Run ``build`` once per distinct (hashable) arguments; later calls return what it built.
    Never for a statement with values baked in: those belong in bound parameters."""
    return cast(Callable[P, Statement], lru_cache(maxsize=_VARIANTS)(build))
