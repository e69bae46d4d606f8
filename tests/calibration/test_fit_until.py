"""Out-of-sample fitting: data after --fit-until must not influence the fit."""

from __future__ import annotations

import csv

import pytest

from calibration.config import load_config
from calibration.fit import fit
from calibration.observations import load_region_history
from calibration.report import assess
from calibration.series import SERIES
from calibration.testing import CHN_DATA, tiny_config, write_config

UNTIL = 2005


def _corrupt(src, dst, after, factor):
    """Scale every value after ``after`` by ``factor`` where the file stays valid.

    Values whose series has an upper bound (shares <= 1, rates <= 100 %) that the scaled
    value would exceed are left as they are: the loader would reject the whole file."""
    with open(src, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    iy, iv, ivar = header.index("year"), header.index("value"), header.index("variable")
    n = 0
    for r in body:
        top = SERIES[r[ivar]].max_value
        if int(r[iy]) > after and (top is None or float(r[iv]) * factor <= top):
            r[iv] = repr(float(r[iv]) * factor)
            n += 1
    with open(dst, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    return n


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("until")
    bad = d / "corrupted.csv"
    assert _corrupt(CHN_DATA, bad, UNTIL, 1.4) > 100
    extra = {"primary_energy": 0.5, "co2_fossil_industry": 1.0}
    series = {"urbanization_rate": 1, "gdp": 1, **extra}
    c_ok = load_config(write_config(d / "ok.yaml", tiny_config(series=series)), fit_until=UNTIL)
    c_bad = load_config(write_config(d / "bad.yaml", tiny_config(data=bad, series=series)),
                        fit_until=UNTIL)
    return c_ok, c_bad


def test_later_rows_are_held_out_right_after_loading(pair):
    c_ok, _ = pair
    h = load_region_history(c_ok)
    assert h.fit["year"].max() == UNTIL
    assert h.holdout["year"].min() == UNTIL + 1
    assert len(h.fit) + len(h.holdout) == len(load_region_history(
        load_config(c_ok.path)).fit)


def test_estimates_do_not_change_when_later_data_are_corrupted(pair):
    c_ok, c_bad = pair
    r_ok, p_ok = fit(c_ok)
    r_bad, p_bad = fit(c_bad)
    assert r_ok.window == r_bad.window == (1990, UNTIL)
    assert r_ok.estimates == r_bad.estimates
    assert r_ok.objective == r_bad.objective
    assert r_ok.se == r_bad.se
    # ... but the out-of-sample errors see the corrupted data
    a_ok = assess(c_ok, r_ok.overrides(), load_region_history(c_ok), fitted_end=UNTIL)
    a_bad = assess(c_bad, r_bad.overrides(), load_region_history(c_bad), fitted_end=UNTIL)
    assert a_ok.windows["out_of_sample"][0] == UNTIL + 1
    oos_ok = a_ok.stats[a_ok.stats.window == "out_of_sample"].set_index("series")
    oos_bad = a_bad.stats[a_bad.stats.window == "out_of_sample"].set_index("series")
    assert oos_bad.loc["gdp", "mape"] > oos_ok.loc["gdp", "mape"] + 10
    ins_ok = a_ok.stats[a_ok.stats.window == "fit"].set_index("series")
    ins_bad = a_bad.stats[a_bad.stats.window == "fit"].set_index("series")
    assert ins_ok.loc["gdp", "mape"] == ins_bad.loc["gdp", "mape"]


def test_report_directory_marks_the_test(pair):
    c_ok, _ = pair
    assert c_ok.report_dir.name == f"CHN_until{UNTIL}"
