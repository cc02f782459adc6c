"""Under mutation testing only (``make mutate``): run a mutant's tests fastest first.

mutmut hands pytest the tests that reach the mutated function in no particular order and stops
at the first failure (``-x``), so a mutant that a 5 ms test catches could first wait for the
property tests (seconds each). Sorting by the durations mutmut recorded in its stats run makes
a caught mutant cost about its fastest catching test; a surviving one still runs every test.
Outside a mutmut run (no ``MUTANT_UNDER_TEST``) nothing changes: the order is pytest's.
"""

from __future__ import annotations

import os

import pytest


def _recorded_durations() -> dict[str, float]:
    try:
        from mutmut.state import state
    except ImportError:  # mutmut is a dev dependency; without it there is no mutation run
        return {}
    return dict(state().duration_by_test)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    durations = _recorded_durations()
    if durations:
        items.sort(key=lambda item: durations.get(item.nodeid, 0.0))
