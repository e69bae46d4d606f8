"""Scenario files (情景): policy packages and regional archetypes as validated data.

See :mod:`scenarios.loader` for the file format and the validation rules and
:mod:`scenarios.writer` for writing scenarios.
"""

from scenarios.loader import (
    LANGUAGES,
    SCENARIO_DIR,
    TOP_LEVEL_KEYS,
    Scenario,
    ScenarioError,
    list_scenarios,
    load_scenario,
    scenario_from_mapping,
)
from scenarios.writer import scenario_to_mapping, scenario_to_yaml, write_scenario

__all__ = [
    "LANGUAGES",
    "SCENARIO_DIR",
    "TOP_LEVEL_KEYS",
    "Scenario",
    "ScenarioError",
    "list_scenarios",
    "load_scenario",
    "scenario_from_mapping",
    "scenario_to_mapping",
    "scenario_to_yaml",
    "write_scenario",
]
