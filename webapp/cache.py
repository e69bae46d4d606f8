"""Caches of the app: only immutable things and pure results keyed by their inputs.

* the model documentation (``models.model.load_model``, an ``lru_cache`` of an object
  that is never mutated) and, inside ``models.model``, the compiled batch runner
  (immutable; overrides are arguments of each run);
* scenario outcomes keyed by the sorted tuple of overrides (``st.cache_data`` pickles
  the value, so every caller gets its own copy and cannot change what others see);
* static derived data (lever specs, history fit, stock-and-flow DOT).

Nothing user-specific is cached outside ``st.session_state``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from models.model import load_model
from webapp import core
from webapp.fit_stats import HISTORY_PATH, SOURCES_PATH, history_fit
from webapp.levers import lever_specs
from webapp.scenario_io import list_start_scenarios, resolve_start, scenarios_dir
from webapp.structure import stock_flow

MAX_ENTRIES = 256


def model():
    return load_model()


@st.cache_resource(show_spinner=False)
def specs():
    """Lever specifications (frozen dataclasses; shared read-only)."""
    return tuple(lever_specs(load_model()))


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def outcome(key: tuple[tuple[str, float], ...], targets_key: str = "",
            initial_time: float | None = None, data_key: str = "") -> core.Outcome:
    """Run + turning points + targets for the overrides ``key`` (sorted name/value pairs),
    the region's targets selection ``targets_key`` (JSON, "" = national), the region's
    start year ``initial_time`` (None = the model's INITIAL TIME) and its data inputs
    ``data_key`` (:func:`core.data_key`, "" = none)."""
    return core.outcome(dict(key), targets_key, initial_time, data_key)


@st.cache_data(max_entries=8, show_spinner=False)
def history(key: tuple[tuple[str, float], ...], initial_time: float | None = None, data_key: str = ""):
    """National history vs the run of ``key`` (from ``initial_time``, with the data inputs
    ``data_key`` of the starting scenario: the national baseline's investment and export
    shares, as every other page runs it)."""
    return history_fit(core.outcome(dict(key), "", initial_time, data_key).results, load_model(), HISTORY_PATH)


@st.cache_data(max_entries=8, show_spinner=False)
def region_history(key: tuple[tuple[str, float], ...], region: str, long, initial_time: float | None = None,
                   data_key: str = ""):
    """A session region's history (long frame of ``load_history``) vs the run of ``key``
    (from the region's start year ``initial_time``, with its data inputs ``data_key``)."""
    return history_fit(core.outcome(dict(key), "", initial_time, data_key).results, load_model(), long,
                       region=region)


def start_scenarios():
    """Starting scenarios (re-read every minute so new files in scenarios/ appear)."""
    return _start_scenarios(str(scenarios_dir()))


def start_values(sid: str) -> dict[str, float]:
    """Overrides of a starting scenario (merged along its base chain); a new dict per call."""
    return _start_values(sid, str(scenarios_dir()))


@st.cache_resource(show_spinner=False, ttl=60)
def _start_scenarios(folder: str):
    """Read-only scenario docs (frozen dataclasses of read-only mappings), shared."""
    return tuple(list_start_scenarios(load_model()))


@st.cache_data(show_spinner=False, ttl=60)
def _start_values(sid: str, folder: str) -> dict[str, float]:
    return resolve_start(sid, load_model())


@st.cache_data(show_spinner=False)
def stock_flow_structure():
    return stock_flow()


@st.cache_data(show_spinner=False)
def sources_text() -> str:
    path = Path(SOURCES_PATH)
    return path.read_text(encoding="utf-8") if path.exists() else ""


@st.cache_data(show_spinner=False)
def example_region_csv() -> bytes:
    """``calibration/data/example_region.csv``: real rows in the user data format."""
    from webapp.scenario_io import REPO_ROOT

    return (REPO_ROOT / "calibration" / "data" / "example_region.csv").read_bytes()
