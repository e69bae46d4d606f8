"""The region library of the app: one reader with row/column errors, survey shares, the
target template's scaling rules, the calibration configuration built from national.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest

from webapp import region_calib as rc

DATA = Path(__file__).with_name("data") / "region_example.csv"


def test_reader_names_the_file_row_and_column():
    bad = DATA.read_bytes().replace(b"GBR,1994,forest_area,", b"GBR,1994,forest_area,-", 1)
    with pytest.raises(rc.RegionInputError) as err:
        rc.read_history(bad, "mine.csv")
    msg = str(err.value)
    assert "mine.csv" in msg and "row" in msg and "value" in msg
    assert "/tmp" not in msg  # the temporary file is never named


def test_survey_shares_follow_the_stated_rules():
    survey = {"cropland": 10, "garden": 2, "forest": 30, "grassland": 5, "wetland": 1, "water": 2, "urban": 3,
              "transport": 1, "village": 4, "other": 2}
    shares = rc.survey_shares(survey, 100.0)
    assert shares["cropland"] == pytest.approx(0.12) and shares["wetland and water"] == pytest.approx(0.03)
    assert shares["urban construction"] == pytest.approx(0.04) and shares["rural construction"] == pytest.approx(0.04)
    with pytest.raises(rc.RegionInputError, match="more than the total land area"):
        rc.survey_shares(survey, 50.0)


def test_target_template_scales_only_absolute_thresholds():
    from analysis.targets import load_targets

    national = {t.key: t for t in load_targets()}
    table = rc.template_targets("r", {"area": 0.01, "cropland": 0.02, "emissions": 0.03}).set_index("key")
    for key, tg in national.items():
        row = table.loc[key]
        if tg.metric.kind == "turning_point":
            assert row["deadline"] == tg.threshold  # a year: never scaled
            continue
        if tg.unit == "10^4 ha":
            factor = 0.02 if "cropland" in tg.metric.name.lower() else 0.01
            assert row["threshold"] == pytest.approx(tg.threshold * factor)
        elif "Mt CO2" in str(tg.unit):
            assert row["threshold"] == pytest.approx(tg.threshold * 0.03)
        else:
            assert row["threshold"] == pytest.approx(tg.threshold)
    inline = rc.targets_inline("r", table.reset_index())
    assert {e["key"] for e in inline["targets"]} == set(national)
    loaded = {t.key: t for t in load_targets(region_data=inline, region_source="inline")}  # a valid region set
    assert {k: t.threshold for k, t in loaded.items() if t.metric.kind == "turning_point"} == \
        {k: t.threshold for k, t in national.items() if t.metric.kind == "turning_point"}


def test_configuration_follows_the_region_data(tmp_path):
    from models.model import load_model

    hist = rc.read_history(DATA.read_bytes(), "region_example.csv")
    setup = rc.RegionSetup(code="GBR", name_zh="示例", name_en="Example", area=2419.3, start_year=1994,
                           history=hist, survey={})
    path = tmp_path / "d.csv"
    path.write_bytes(DATA.read_bytes())
    cfg = rc.build_config(setup, path)
    assert cfg.fixed["total land area"].value == pytest.approx(2419.3)
    assert {s.name for s in cfg.series} <= set(hist["variable"])
    assert cfg.window_start == 1994
    assert cfg.optimizer.maxiter == rc.QUICK["maxiter"] and cfg.optimizer.popsize == rc.QUICK["popsize"]
    anchored = [p for p in cfg.parameters if p.anchor is not None]
    assert all(p.anchor.series in set(hist["variable"]) for p in anchored)
    assert load_model().constants["total land area"].default != 2419.3


def test_a_later_start_year_is_where_the_region_runs_start():
    """Start year 2002 (a year of the example data): the fitted scenario runs from 2002,
    its land stocks in 2002 are the survey's areas (by the stated rules), its anchored
    initial stocks lie in their anchor range around the 2002 observations."""
    from scenarios import loader, writer
    from webapp import core

    hist = rc.read_history(DATA.read_bytes(), "region_example.csv")
    survey = {"cropland": 600, "forest": 300, "grassland": 1000, "wetland": 50, "water": 30, "urban": 150,
              "transport": 20, "village": 60, "other": 150}
    setup = rc.RegionSetup(code="GBR", name_zh="示例", name_en="Example", area=2419.3, start_year=2002,
                           history=hist, survey=survey)
    fit = rc.fit_region(setup)
    assert fit.document["time"] == {"initial_time": 2002}
    sc = loader.scenario_from_mapping(writer.scenario_to_mapping(
        loader.scenario_from_mapping(dict(fit.document), source="fit", require_rationale=False)), source="yaml")
    assert sc.initial_time == 2002  # survives the YAML round trip
    res = core.simulate(sc.overrides, sc.initial_time)
    first = res.iloc[0]
    assert res.index[0] == 2002
    # set by the page from the survey: grassland; wetland + water; urban + transport; village
    assert first["Grassland"] == pytest.approx(1000)
    assert first["Wetland and Water"] == pytest.approx(50 + 30)
    assert first["Urban Construction Land"] == pytest.approx(150 + 20)
    assert first["Rural Construction Land"] == pytest.approx(60)
    # anchored on the region's data of the start year (national.yaml: factor [0.9, 1.1])
    obs = hist[hist["year"] == 2002].set_index("variable")["value"]
    for stock, series in (("Urban Population", "urban_population"), ("Rural Population", "rural_population"),
                          ("Cropland", "cropland")):
        assert 0.9 * obs[series] <= first[stock] <= 1.1 * obs[series], (stock, first[stock], obs[series])


def test_the_page_compares_the_quick_settings_with_the_national_fits_own(tmp_path, monkeypatch):
    """The caption's national settings come from calibration/national.yaml, not from a copy."""
    from calibration.config import load_config
    from webapp.i18n import t

    national = load_config(rc.NATIONAL_CONFIG).optimizer
    assert rc.national_optimizer() == (national.popsize, national.maxiter)
    for lang in ("zh", "en"):
        text = t("region_fit_settings", lang, pop=5, gens=60, nat_pop=national.popsize, nat_gens=national.maxiter)
        assert f"{national.maxiter}" in text and "{" not in text
    other = tmp_path / "national.yaml"
    other.write_text("optimizer: {popsize: 7, maxiter: 321}\n", encoding="utf-8")
    monkeypatch.setattr(rc, "NATIONAL_CONFIG", other)
    assert rc.national_optimizer() == (7, 321)
