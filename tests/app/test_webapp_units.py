"""Unit tests of the webapp helpers (no Streamlit session needed)."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest
import yaml

from models.model import load_model
from webapp import core, figures, i18n, levers, report_pdf, scenario_io, structure
from tests.app.conftest import EFFICIENCY_LEVER, NONFOSSIL_LEVER, above_range, neutrality_package, range_text, url_key
from webapp.fit_stats import history_fit


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def base():
    return core.outcome({})


def test_every_string_has_both_languages():
    for key, entry in i18n.STRINGS.items():
        assert set(entry) == {"zh", "en"}, key
        assert entry["zh"] and entry["en"], key


def test_every_model_sector_maps_to_a_lever_group(model):
    sectors = {c.sector for c in model.constants.values() if c.adjustable}
    assert sectors <= set(levers.SECTOR_GROUPS), sectors - set(levers.SECTOR_GROUPS)
    assert set(levers.SECTOR_GROUPS.values()) <= set(levers.GROUPS)
    # the five domains of the lever panel (plus the general timing row)
    assert levers.GROUPS[1:] == ("population", "construction", "cropland", "forest", "energy")


def test_lever_specs_come_from_the_model(model):
    specs = levers.lever_specs(model)
    names = {s.name for s in specs}
    policy = {c.name for c in model.constants.values() if c.comment.lower().startswith("policy lever")}
    assert policy <= names, "every 'Policy lever:' constant is a slider"
    for s in specs:
        c = model.constants[s.name]
        assert (s.minimum, s.maximum, s.default, s.units) == (c.minimum, c.maximum, c.default, c.units)
        assert s.minimum <= s.snap(s.default) <= s.maximum
        assert c.comment in s.help("en")
        assert f"{c.minimum:g}" in s.help("zh") and f"{c.maximum:g}" in s.help("zh")
    for g in levers.GROUPS[1:]:
        assert any(s.group == g for s in specs), g


def test_absolute_levers_are_shown_relative_to_the_region(model):
    """Levers in absolute units are shown as percent of the region (issue 15): areas of its
    land area, emission quantities of its gross emissions in the reference year; the model
    receives the absolute value back. Hand calculation: a region of 500 x 10^4 ha emitting
    200 Mt CO2/yr; 50 Mt/yr of CCS is 25 %, 5 x 10^4 ha/yr of afforestation is 1 %/yr."""
    from webapp.regions import RegionSize, lever_scale

    size = RegionSize(area=500.0, emissions=200.0)
    by_unit = {"10^4 ha": "% 区域面积", "10^4 ha/Year": "% 区域面积/年", "Mt CO2/Year": f"% {size.year} 年排放"}
    hand = {"CCS target capacity": (50.0, 25.0), "additional afforestation rate": (5.0, 1.0)}
    checked = set()
    for spec in levers.lever_specs(model):
        scale = lever_scale(spec, size)
        if spec.units not in by_unit:
            assert scale is None, spec.name
            continue
        assert scale is not None and scale.unit("zh") == by_unit[spec.units], spec.name
        assert 0 <= scale.minimum < scale.maximum <= 100
        if spec.name in hand:
            absolute, percent = hand[spec.name]
            assert scale.shown(absolute) == pytest.approx(percent)
            assert scale.model_value(percent, spec) == pytest.approx(absolute)
            checked.add(spec.name)
    assert checked == set(hand)


def test_every_policy_lever_has_a_chinese_label(model):
    """New "Policy lever:" constants still get a slider (English fallback); this test asks
    for their Chinese label and help in webapp/levers.py."""
    policy = {c.name for c in model.constants.values() if c.comment.lower().startswith("policy lever")}
    assert policy <= set(levers.LEVERS), sorted(policy - set(levers.LEVERS))


def test_url_round_trip(model):
    diff = {NONFOSSIL_LEVER: 0.25, "policy start year": 2030.0}
    params = scenario_io.encode_url("en", "compare", "baseline", diff, model)
    assert params == {"lang": "en", "page": "compare", url_key(NONFOSSIL_LEVER): "0.25",
                      "policy_start_year": "2030"}
    state = scenario_io.decode_url(params, model, i18n.LANGS, ("explore", "compare"))
    assert state.diff == diff and state.lang == "en" and state.page == "compare"


@pytest.mark.parametrize("params, part", [
    ({url_key(NONFOSSIL_LEVER): f"{above_range(NONFOSSIL_LEVER):g}"}, range_text(NONFOSSIL_LEVER)),
    ({url_key(NONFOSSIL_LEVER): "nan"}, "finite"),
    ({"lang": ["zh", "en"]}, "2 times"),
    ({"bogus": "1"}, "bogus"),
])
def test_url_errors_name_the_key(model, params, part):
    with pytest.raises(scenario_io.ScenarioInputError) as err:
        scenario_io.decode_url(params, model, i18n.LANGS, ("explore",))
    assert part in str(err.value)


def test_diff_and_effective_overrides(model):
    start = {NONFOSSIL_LEVER: 0.1}
    current = {NONFOSSIL_LEVER: 0.0, "fertiliser reduction": 0.5}
    assert scenario_io.diff_from(start, current, model) == current
    assert scenario_io.effective_overrides({"fertiliser reduction": 0.0, "CCS start year": 2040}, model) == {
        "CCS start year": 2040.0}
    assert scenario_io.overrides_key({"b": 1, "a": 2}) == (("a", 2.0), ("b", 1.0))


def test_scenario_yaml_round_trip(model):
    text = scenario_io.scenario_yaml({"zh": "我的", "en": "Mine"}, {"zh": "描述", "en": "text"}, "baseline",
                                     {NONFOSSIL_LEVER: 0.2}, model)
    data = yaml.safe_load(text)
    assert data["overrides"] == {NONFOSSIL_LEVER: 0.2}
    doc = scenario_io.parse_upload(text.encode("utf-8"), "mine.yaml", model)
    assert doc.resolved[NONFOSSIL_LEVER] == 0.2


def test_upload_is_validated_by_the_library(model):
    head = b"name: {en: a, zh: b}\ndescription: {en: d, zh: d}\n"
    doc = scenario_io.parse_upload(head + b"overrides: {fertiliser reduction: 0.4}\n", "x.yaml", model)
    assert doc.overrides == {"fertiliser reduction": 0.4}
    with pytest.raises(scenario_io.ScenarioInputError, match="fertiliser reduction"):
        scenario_io.parse_upload(head + b"overrides: {fertiliser reduction: 4}\n", "x.yaml", model)


def test_starting_scenarios_from_a_folder(tmp_path, monkeypatch, model):
    (tmp_path / "baseline.yaml").write_text(
        "name: {en: B, zh: 基}\ndescription: {en: d, zh: d}\noverrides: {}\nrationale: {}\n", encoding="utf-8")
    (tmp_path / "region.yaml").write_text(
        "name: {en: R, zh: 区}\ndescription: {en: d, zh: d}\nbase: baseline\n"
        "overrides: {fertiliser reduction: 0.5}\nrationale: {fertiliser reduction: {en: x, zh: y}}\n",
        encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("overrides: {fertiliser reduction: 9}\n", encoding="utf-8")
    monkeypatch.setenv("TERRITORIAL_SCENARIOS_DIR", str(tmp_path))
    ids = [d.id for d in scenario_io.list_start_scenarios(model)]
    assert ids == ["baseline", "region"]  # the broken file is skipped, not fatal
    assert scenario_io.resolve_start("region", model) == {"fertiliser reduction": 0.5}
    with pytest.raises(scenario_io.ScenarioInputError):
        scenario_io.resolve_start("broken", model)


def test_outcome_is_picklable_and_complete(base):
    import pickle

    again = pickle.loads(pickle.dumps(base))
    assert again.tp_years() == base.tp_years()
    assert set(base.targets) == {"zh", "en"}
    assert base.turning_points["tp2_intensity"].status != "no_input"  # energy and GDP are passed


def test_comparison_table_and_differences(base):
    other = core.outcome(neutrality_package())
    assert np.isnan(base.tp_years()["neutrality"]) and not np.isnan(other.tp_years()["neutrality"])
    table = core.comparison_table([("a", base), ("b", other)], "en")
    diff = core.differs_from_first(table)
    assert not diff["a"].any()
    assert diff.loc["Carbon neutrality (year)", "b"]
    assert not diff.loc["Forest coverage 2035 (%)", "b"]


def test_story_steps(model):
    steps, from_current = core.story_steps({}, {}, {}, [], model)
    assert not from_current and len(steps) == len(core.DEFAULT_STORY) + 1
    steps, from_current = core.story_steps({}, {"fertiliser reduction": 0.5, "CCS start year": 2040}, {},
                                           ["CCS start year", "fertiliser reduction"], model)
    assert from_current
    assert [s[1] for s in steps] == [{}, {"CCS start year": 2040}, {"CCS start year": 2040, "fertiliser reduction": 0.5}]


def test_stock_flow_structure_from_model_file():
    from models.structure import model_structure

    st = model_structure()
    sf = structure.stock_flow()
    assert list(sf.stocks) == st.stocks()
    assert all(sf.stocks[s] == st.variables[s].sector for s in sf.stocks)
    edges = {(a, b): flows for a, b, flows in sf.edges}
    for pipe in st.pipes:  # every pipe between two stocks is an arrow with its flow
        if pipe.flow and pipe.source and pipe.target:
            assert pipe.flow in edges[(pipe.source, pipe.target)]
    dot = structure.to_dot(sf)
    assert dot.startswith("digraph") and dot.count("->") == len(sf.edges)
    parts = structure.by_sector(sf)
    assert sum(len(p.stocks) for p in parts.values()) == len(sf.stocks)


def test_history_fit(base, model):
    fit = history_fit(base.results, model)
    assert "total population" in fit.pairs
    assert (fit.stats["n"] > 0).all()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_exports(base, model, lang):
    for key in figures.CHART_KEYS:
        fig = figures.chart_figure(key, base.results, base.turning_points, lang, base.results)
        assert figures.figure_bytes(fig, "png")[:4] == b"\x89PNG"
        assert b"<svg" in figures.figure_bytes(fig, "svg")[:500]
    assumptions = figures.assumptions_table({"fertiliser reduction": 0.5}, model, lang, {})
    targets = figures.targets_table(base.targets[lang], lang, base.target_set)
    sources = "# Sources\n\nSee **FAOSTAT** [land use](https://example.org/x).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    pdf = report_pdf.pdf_report(title="t", scenario_name="s", start_name="b", res=base.results,
                                tps=base.turning_points, targets=targets, assumptions=assumptions,
                                sources_text=sources, lang=lang)
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 6  # tables, four charts, sources
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert " | " not in text  # tables are ruled tables, not pipe-separated lines
    assert "**" not in text and "](" not in text  # Markdown is rendered, not printed
    xlsx = figures.results_excel(base.results, base.turning_points, targets, assumptions, lang)
    import pandas as pd

    sheets = pd.read_excel(io.BytesIO(xlsx), sheet_name=None)
    assert set(sheets) == {"results", "turning_points", "targets", "scenario"}
    csv = figures.results_csv(base.results).decode("utf-8-sig")
    assert csv.startswith("year,")


def test_cjk_font_for_chinese_figures():
    if figures.CJK_FONT is None:
        assert figures.export_lang("zh") == "en"  # never boxes instead of characters
    else:
        assert figures.export_lang("zh") == "zh"


def test_sensitivity_runs_on_the_batch_runner():
    from webapp import sensitivity as sens

    res = sens.run([NONFOSSIL_LEVER], [(0.0, 0.3)], "net_2060", "sobol", 8, {})
    y = res.outputs["net_2060"]
    x = res.samples[:, 0]
    # more non-fossil energy, lower net emissions in 2060 (monotone in this one lever)
    assert np.all(np.diff(y[np.argsort(x)]) <= 1e-9)
    assert sens.planned_runs("sobol", 8, 3) == 40 and sens.planned_runs("morris", 4, 3) == 16
    with pytest.raises(ValueError, match="cap"):
        sens.run(["a", "b"], [(0, 1), (0, 1)], "net_2060", "sobol", 2**15, {})


def test_every_sensitivity_metric_gives_indices_and_labels():
    """Each metric of the page's list yields rows for that metric (the page filters by
    name) and has a label with a unit in both languages; year metrics are censored at
    the model's FINAL TIME + SAVEPER."""
    from models.model import load_model
    from webapp import sensitivity as sens

    ts = load_model().time_settings
    assert sens.censor_year() == ts["FINAL TIME"] + ts["SAVEPER"]
    names = [NONFOSSIL_LEVER, EFFICIENCY_LEVER]
    for metric in sens.METRICS:
        res = sens.run(names, [(0.0, 0.3), (0.0, 0.02)], metric, "morris", 2, {})
        rows = res.indices[res.indices["metric"] == metric]
        assert len(rows) > 0, metric
        for lang in ("zh", "en"):
            assert sens.metric_label(metric, lang).strip(), metric
    assert sens.YEAR_METRICS and sens.YEAR_METRICS <= set(sens.METRICS)


def test_target_requirements_are_in_the_page_language(base):
    for lang in ("zh", "en"):
        table = figures.targets_table(base.targets[lang], lang, base.target_set)
        text = " ".join(map(str, table[i18n.t("col_target", lang)]))
        assert "<=" not in text and ">=" not in text and "tp3" not in text
        if lang == "zh":
            assert not re.search(r"\b(year|fraction|every|reduction|in)\b", text), text
            units = " ".join(map(str, table[i18n.t("col_unit", lang)]))
            assert "fraction" not in units and "year" not in units and "None" not in units


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chart_specs_are_valid_vega_lite(base, lang):
    """Run charts are cached templates filled with a run's datasets: the filled
    specification must be valid Vega-Lite, every named dataset it uses must be given,
    and the template must not depend on the run (so the browser only swaps data)."""
    import json

    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    from webapp import charts

    # coal displaced in proportion (elasticity 0): the model's default run then still peaks
    # after 2025, so that three marked turning points (peak, sink growth peak, neutrality)
    # fall in the projection era and their labels can be checked
    other = core.outcome({**neutrality_package(), "coal displacement elasticity": 0.0})
    pairs = [
        (charts.emissions_chart(other.results, other.turning_points, lang, base.results, "sig1"),
         charts.emissions_chart(base.results, base.turning_points, lang, base.results, "sig2")),
        (charts.emissions_chart(base.results, base.turning_points, lang, None, "sig1", big=True),
         charts.emissions_chart(other.results, other.turning_points, lang, None, "sig2", big=True)),
        (charts.land_chart(base.results, lang, "sig1"), charts.land_chart(other.results, lang, "sig2")),
        (charts.population_chart(base.results, lang, "sig1"), charts.population_chart(other.results, lang, "sig2")),
        (charts.forest_chart(base.results, lang, "sig1"), charts.forest_chart(other.results, lang, "sig2")),
        (charts.overlay_chart([("a", base.results), ("b", other.results)], "net emissions", "Mt", lang, "sig1",
                              highlight="b"),
         charts.overlay_chart([("a", other.results), ("b", base.results)], "net emissions", "Mt", lang, "sig2",
                              highlight="b")),
    ]
    schema = load_schema()
    for spec, spec_other_run in pairs:
        datasets = {k: v.to_dict("records") for k, v in spec["datasets"].items()}
        assert datasets[charts.RUN_DATASET] == [{"run": "sig1"}]
        text = json.dumps({**spec, "datasets": datasets})
        validate_jsonschema(json.loads(text), schema)
        used = set(re.findall(r'"data": \{"name": "([^"]+)"\}', text))
        assert used and used <= set(datasets)
        assert spec["description"] == spec["title"]["text"]
        strip = lambda s: {k: v for k, v in s.items() if k != "datasets"}  # noqa: E731
        assert strip(spec) == strip(spec_other_run)
        assert list(spec["datasets"]) == list(spec_other_run["datasets"])
    emissions = pairs[0][0]
    assert emissions["title"]["text"] == i18n.t("chart_emissions", lang)
    # the y range leaves room above the highest line for the turning-point labels
    top = max(emissions["datasets"]["headroom"]["value"])
    highest = max(other.results[n].max() for n in charts.PALETTE_EMISSIONS)
    assert top > highest * 1.2
    # the turning points are marked and labelled on the emissions chart
    labels = charts.tp_frame(other.turning_points, lang)["label"].tolist()
    reached = [p for p in other.turning_points if p.key in core.TP_MARKED and p.reached]
    assert len(labels) == len(reached) >= 3
    left = pd.concat([emissions["datasets"][f"tp_row{r}"] for r in range(charts.TP_LABEL_ROWS)])
    right = pd.concat([emissions["datasets"][f"tp_row{r}_right"] for r in range(charts.TP_LABEL_ROWS)])
    assert sorted(pd.concat([left, right])["label"]) == sorted(labels)
    # late turning points are labelled to the left of their line (inside the plot)
    assert (left["year"] < charts.TP_LABEL_RIGHT_FROM).all()
    assert (right["year"] >= charts.TP_LABEL_RIGHT_FROM).all()
    for p in reached:
        assert any(p.name(lang) in x and f"{p.year:.0f}" in x for x in labels)


def test_run_adapter_starts_later_with_initial_stocks_from_the_constants(model):
    """The app's one run adapter: a later start year takes the initial constants as the
    stocks of that year (here cropland = initial share x land area, from the model file)."""
    later = core.simulate({"initial cropland share": 0.12}, initial_time=2005)
    assert later.index[0] == 2005 and later.index[-1] == model.time_settings["FINAL TIME"]
    assert later["Cropland"].iloc[0] == pytest.approx(0.12 * model.constants["total land area"].default)
    default = core.simulate({"initial cropland share": 0.12})
    assert default.index[0] == model.time_settings["INITIAL TIME"]
    assert set(later.columns) == set(default.columns)


def test_region_link_carries_the_start_year():
    from scenarios import loader
    from webapp import state
    from webapp.scenario_io import doc_from_scenario

    sc = loader.scenario_from_mapping({"name": {"en": "R", "zh": "区"}, "description": {"en": "d", "zh": "述"},
                                       "overrides": {"total land area": 2000}, "time": {"initial_time": 2005}},
                                      source="x", key="region_x", require_rationale=False)
    back = state.region_from_blob(state.region_to_blob(doc_from_scenario(sc)))
    assert back.initial_time == 2005 and back.resolved == {"total land area": 2000}


def test_turning_point_text_says_boundary_year_or_not_reached() -> None:
    from analysis.turning_points import TurningPoint

    def P(status: str, bound_year: float | None, year: float | None) -> TurningPoint:
        return TurningPoint("tp3", "Emission peak", "碳达峰", year, None, status == "reached",
                            status=status, bound_year=bound_year)

    boundary = P(status="before_start", bound_year=2025.0, year=None)
    reached = P(status="reached", bound_year=None, year=2031.0)
    missing = P(status="not_yet", bound_year=2100.0, year=None)
    for lang in ("zh", "en"):
        assert i18n.tp_text(boundary, lang) == "≤2025"
        assert i18n.tp_text(reached, lang) == "2031"
        assert i18n.tp_text(missing, lang) == i18n.t("not_reached", lang)
    # an outcome shows each of its points the same way, and a boundary point is never
    # called "not reached"
    out = core.outcome({})
    for p in out.turning_points:
        assert out.tp_texts("en")[p.key] == i18n.tp_text(p, "en")
        if p.status == "before_start":
            assert out.tp_texts("zh")[p.key].startswith("≤")


def test_sobol_chart_leaves_room_for_every_parameter_label(model):
    """The y-axis labels of the Sobol chart are the levers' names; Vega-Lite cuts labels
    longer than the axis' labelLimit with an ellipsis (the Chinese UI showed
    "新增能源非化石..."). Width estimated at the app's 12 px labels: a CJK character 1 em,
    another character 0.6 em."""
    from webapp import charts

    specs = levers.lever_specs(model)
    for lang in ("zh", "en"):
        labels = {s.name: s.label_zh if lang == "zh" else s.label_en for s in specs}
        indices = pd.DataFrame(
            [{"metric": "m", "parameter": s.name, "index": i, "value": 0.5, "conf": 0.1}
             for s in specs for i in ("S1", "ST")])
        spec = charts.sobol_chart(indices, "m", labels, lang).to_dict()
        limit = spec["layer"][0]["encoding"]["y"]["axis"]["labelLimit"]

        def width(text: str) -> float:
            return sum(12 if "\u2e80" <= ch <= "\u9fff" else 7.2 for ch in text)

        longest = max(labels.values(), key=width)
        assert width(longest) <= limit, (lang, longest, width(longest), limit)
