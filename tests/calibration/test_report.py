"""Fit report: Markdown, figures, statistics windows, atomic writing."""

from __future__ import annotations

import pytest

import calibration.report as report_mod
from calibration.config import load_config
from calibration.fit import fit
from calibration.observations import load_region_history
from calibration.report import assess, write_report
from calibration.testing import tiny_config, write_config


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    d = tmp_path_factory.mktemp("rep")
    cfg = load_config(write_config(d / "tiny.yaml", tiny_config()), fit_until=2010)
    hist = load_region_history(cfg)
    result, _ = fit(cfg, hist)
    return cfg, hist, result


def test_report_contents(fitted, tmp_path):
    cfg, hist, result = fitted
    a = assess(cfg, result.overrides(), hist, fitted_end=result.window[1])
    path = write_report(cfg, a, hist, tmp_path / "out", result)
    text = path.read_text(encoding="utf-8")
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"report.md", "statistics.csv", "fit_result.json", "fig_gdp.png",
            "fig_urbanization_rate.png"} <= files
    assert (tmp_path / "out" / "fig_gdp.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "fitted to data up to 2010" in text
    for needle in ("## Acceptance", "Theil U", "U^M", "U^S", "U^C", "## Parameters",
                   "`migration coefficient`", "## Warnings", "out-of-sample (not fitted) (2011–",
                   "in-sample, evaluation window (2000–2010)", "![gdp](fig_gdp.png)"):
        assert needle in text, needle
    # windows: in-sample up to 2010, out-of-sample after it
    st = a.stats
    assert st[st.window == "fit"]["last"].max() == 2010
    assert st[st.window == "out_of_sample"]["first"].min() == 2011
    oos = st[st.window == "out_of_sample"].set_index("series")
    assert oos.loc["urbanization_rate", "last"] == 2018 and oos.loc["gdp", "last"] == 2022
    summary = a.summary()
    assert set(summary) == {"urbanization_rate", "gdp"}
    assert {"mape", "rmspe", "r2", "theil_u", "um", "us", "uc"} <= set(summary["gdp"])


def test_failed_report_leaves_old_files(fitted, tmp_path, monkeypatch):
    cfg, hist, result = fitted
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("OLD", encoding="utf-8")
    a = assess(cfg, result.overrides(), hist, fitted_end=result.window[1])

    def boom(*args, **kwargs):
        raise RuntimeError("figure failed")

    monkeypatch.setattr(report_mod, "_figure", boom)
    with pytest.raises(RuntimeError):
        write_report(cfg, a, hist, out, result)
    assert (out / "report.md").read_text(encoding="utf-8") == "OLD"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temp dir left


def test_bound_reasons_are_those_of_the_configuration_the_report_is_written_with(fitted, tmp_path):
    """An estimate at a bound is a finding until a reason is written in the configuration;
    a reason added after the fit (``calibrate report --result``) is seen by the report."""
    import copy
    import dataclasses

    cfg, hist, result = fitted
    res = copy.deepcopy(result)
    i = res.names.index("migration coefficient")
    res.flags[i] = {**res.flags[i], "flags": ["at_upper_bound"]}
    res.se[i] = 0.01 * (res.upper[i] - res.lower[i])
    res.identification = {"rounds": 0, "eliminated": [], "runs": 1, "total_s": 0.0}
    a = assess(cfg, res.overrides(), hist, fitted_end=res.window[1])
    finding = "estimates at a bound without a written reason"
    text = write_report(cfg, a, hist, tmp_path / "a", res).read_text(encoding="utf-8")
    assert finding in text and "`migration coefficient`" in text.split(finding)[1].split("\n")[0]
    reasoned = copy.copy(cfg)
    reasoned.parameters = [dataclasses.replace(p, bound_reason="a written reason")
                           if p.name == "migration coefficient" else p for p in cfg.parameters]
    text = write_report(reasoned, a, hist, tmp_path / "b", res).read_text(encoding="utf-8")
    assert finding not in text


def test_the_standard_error_limit_of_identification_is_a_setting(fitted):
    """``identification.se_limit``: a constant is unidentified when its standard error
    exceeds that share of its prior range's width (1 by default; 0.255 when its 95 %
    interval may not be wider than the range). Estimates at a bound without a reason come
    after every unidentified constant, whatever their standard errors."""
    import copy
    import dataclasses

    from calibration.identify import at_bound_without_reason, unidentified

    cfg, _, result = fitted
    res = copy.deepcopy(result)
    a, b = res.names.index("migration coefficient"), res.names.index("attainable share of frontier productivity")
    for i in (a, b):
        res.flags[i] = {**res.flags[i], "flags": []}
    res.se[a] = 0.4 * (res.upper[a] - res.lower[a])
    res.se[b] = 0.01 * (res.upper[b] - res.lower[b])
    res.flags[b]["flags"] = ["at_upper_bound"]
    assert [(d["name"], d["kind"]) for d in unidentified(res, cfg)] == [
        ("attainable share of frontier productivity", "bound")]
    strict = copy.copy(cfg)
    strict.identification = dataclasses.replace(cfg.identification, se_limit=0.255)
    found = unidentified(res, strict)
    assert [(d["name"], d["kind"]) for d in found] == [
        ("migration coefficient", "se"), ("attainable share of frontier productivity", "bound")]
    assert "wider than 0.255 x the width of the prior range" in found[0]["reason"]
    assert "宽度的 0.255 倍" in found[0]["reason_zh"]
    assert [d["name"] for d in at_bound_without_reason(res, strict)] == ["attainable share of frontier productivity"]
