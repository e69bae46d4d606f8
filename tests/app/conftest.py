"""Fixtures of the app tests: Streamlit AppTest sessions and helpers."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
#: One page render runs the model (~0.15 s per scenario) and builds charts; the first
#: render of a process also translates/loads the model. Generous for a 2-core CI box.
TIMEOUT = 90


def new_app(query: dict | None = None):
    """A fresh AppTest session (own session state) of app.py, not yet run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    return at


def shown(markdown: str) -> str:
    """The text a user sees for Markdown source (backslash escapes removed)."""
    import re

    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u200b", "")


def no_problems(at) -> None:
    """No exception element, no traceback and no error message on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def metric(at, label_part: str) -> str:
    for m in at.metric:
        if label_part in m.label:
            return m.value
    raise AssertionError(f"no metric with {label_part!r}: {[m.label for m in at.metric]}")


@pytest.fixture()
def app():
    """Factory of AppTest sessions: ``app(query)`` returns a session already run once."""

    def make(query: dict | None = None):
        at = new_app(query)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            at.run()
        return at

    return make


def frame(at, *columns: str, rows: int | None = None):
    """The first displayed dataframe (its ``.value``) having all ``columns``."""
    for df in at.dataframe:
        value = df.value
        cols = set(map(str, value.columns))
        if set(columns) <= cols and (rows is None or len(value) == rows):
            return value
    raise AssertionError(f"no dataframe with columns {columns}: {[list(d.value.columns) for d in at.dataframe]}")


# ------------------------------------------------ expectations independent of the baseline
# scenarios/baseline.yaml is rewritten by the calibration, so tests compute what the page
# must show from the library instead of hard-coding years.
def baseline_values() -> dict:
    from models.model import load_model
    from webapp.scenario_io import resolve_start

    return resolve_start("baseline", load_model())


def expected(extra: dict | None = None):
    """Outcome (run, turning points, targets) of the baseline plus ``extra``, with the
    baseline's data inputs (the calibrated region's time series)."""
    from scenarios import load_scenario
    from webapp import core

    return core.outcome({**baseline_values(), **(extra or {})},
                        data_key=core.data_key(load_scenario("baseline").data))


def expected_year(key: str, extra: dict | None = None, lang: str = "zh") -> str:
    return expected(extra).tp_texts(lang)[key]


def changed(at) -> dict:
    """The session's constants that differ from the baseline."""
    from models.model import load_model
    from webapp.scenario_io import diff_from

    return diff_from(baseline_values(), at.session_state["values"], load_model())


# ------------------------------------------------------------ levers the tests move
# By role; the widget key, link key, slider label and range of each are read from the
# model file and the lever catalogue (analysis.lever_catalogue), never written here.
#: Energy supply: share of new capacity that must be non-fossil (step 0.01).
NONFOSSIL_LEVER = "non fossil mandate for new supply"
#: Energy demand: efficiency improvement per year on top of the autonomous one (step 0.001).
EFFICIENCY_LEVER = "additional energy efficiency improvement"
#: Urban land: relative reduction of urban construction land per resident (step 0.01).
COMPACT_LEVER = "compact urbanization"


def lever_constant(name: str):
    """The model constant behind a lever (a renamed lever fails here, by name)."""
    from models.model import load_model

    c = load_model().constants.get(name)
    assert c is not None and c.adjustable, f"{name!r} is no adjustable constant of the model file"
    return c


def url_key(name: str) -> str:
    """Key of a lever in the app's link (the constant's Python name)."""
    return lever_constant(name).py_name


def widget_key(name: str) -> str:
    """Streamlit key of a lever's slider."""
    return f"w::{url_key(name)}"


def range_text(name: str) -> str:
    """The allowed range of a lever as the model file states it, e.g. ``[0, 1]``."""
    c = lever_constant(name)
    return f"[{c.minimum:g}, {c.maximum:g}]"


def above_range(name: str) -> float:
    """A value above a lever's allowed range."""
    c = lever_constant(name)
    return c.maximum + max(1.0, abs(c.maximum))


def slider_label(name: str, lang: str = "zh") -> str:
    """Label (aria-label in the browser) of a lever's slider: the catalogue's short
    label, with the model's unit in the page language unless dimensionless."""
    from analysis.lever_catalogue import LEVERS
    from webapp.i18n import unit_label

    c = lever_constant(name)
    text = LEVERS[name].zh if lang == "zh" else LEVERS[name].en
    unit = unit_label(c.units, lang)
    return f"{text} ({unit})" if unit and c.units != "Dmnl" else text


def lever_group_title(name: str, lang: str = "zh") -> str:
    """Title of the sidebar expander holding a lever (its model sector's domain)."""
    from webapp.i18n import t
    from webapp.levers import sector_group

    return t(f"group_{sector_group(lever_constant(name).sector)}", lang)


#: Supply side: carbon capture and storage capacity to be built (Mt CO2/yr).
CCS_LEVER = "CCS target capacity"

NONFOSSIL = {NONFOSSIL_LEVER: 0.3}


def neutrality_package() -> dict[str, float]:
    """Energy levers together strong enough for the model's default run to reach carbon
    neutrality (net emissions <= 0) before FINAL TIME, so that every marked turning point
    it passes can be drawn: all new supply non-fossil, 2 %/yr extra efficiency, CCS."""
    return {NONFOSSIL_LEVER: lever_constant(NONFOSSIL_LEVER).maximum, EFFICIENCY_LEVER: 0.02, CCS_LEVER: 1000.0}


def goto(at, page: str):
    """Choose a page in the sidebar (the page radio has one widget per language)."""
    lang = at.session_state["lang"] if "lang" in at.session_state else "zh"
    return at.sidebar.radio(key=f"w::page::{lang}").set_value(page).run()
