"""Shared fixtures: every bundled scenario run once per test session (PySD, ~0.2 s each)."""

from __future__ import annotations

import pytest

from analysis.scenario_runs import ScenarioRun, analyse_scenarios
from scenarios import list_scenarios


@pytest.fixture(scope="session")
def all_runs() -> dict[str, ScenarioRun]:
    """Runs (results, turning points, targets) of every file in scenarios/, by key."""
    return analyse_scenarios(list_scenarios())
