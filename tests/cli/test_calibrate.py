"""Command line ``calibrate``: exit codes, one-line errors, nothing overwritten on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import cli
from calibration.baseline import validate_document
from calibration.fit import FitError
from calibration.testing import CHN_DATA, synthetic_history, tiny_config, write_config

REPO = Path(__file__).resolve().parents[2]
SENTINEL = "# an existing baseline that must survive failures\n"


@pytest.fixture()
def setup(tmp_path):
    cfg = write_config(tmp_path / "tiny.yaml", tiny_config())
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(SENTINEL, encoding="utf-8")
    return cfg, baseline


def _run(capsys, *argv):
    code = cli.main(["calibrate", *(str(a) for a in argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _assert_clean_error(err: str):
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("error: ") for line in lines), err
    assert "Traceback" not in err


def _malformed(tmp_path) -> tuple[Path, int, int]:
    """A copy of the shipped CHN file with a wrong unit, a non-number and an unknown variable.

    Returns the path and the spreadsheet row numbers (header = row 1) of the first two errors.
    """
    text = CHN_DATA.read_text(encoding="utf-8").splitlines()
    unit_row = next(i for i, line in enumerate(text) if ",Mt CO2/Year," in line)
    text[unit_row] = text[unit_row].replace(",Mt CO2/Year,", ",kt CO2,")  # wrong unit
    value_row = unit_row + 4
    text[value_row] = "CHN,1999,co2_cement,lots,Mt CO2/Year,OWID_CO2,"  # not a number
    text.append("CHN,2001,no_such_variable,1,%,X,")
    bad = tmp_path / "user.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    return bad, unit_row + 1, value_row + 1


def test_malformed_user_data_exit_2_and_nothing_written(setup, capsys, tmp_path):
    cfg, baseline = setup
    bad, unit_row, value_row = _malformed(tmp_path)
    out_dir = tmp_path / "report"
    code, out, err = _run(capsys, "fit", "--config", cfg, "--data", bad, "--region", "CHN",
                          "--write-baseline", "--baseline", baseline, "--out", out_dir)
    assert code == 2
    _assert_clean_error(err)
    assert str(bad) in err and f"row {unit_row}:" in err and "column 'unit'" in err
    assert f"row {value_row}:" in err and "'lots' is not a number" in err
    assert "no_such_variable" in err
    assert baseline.read_text(encoding="utf-8") == SENTINEL
    assert not out_dir.exists()


@pytest.mark.parametrize("content, needle", [
    (b"", "file is empty"),
    (b"region;year;variable;value;unit;source;note\n", "separated by ';'"),
    ("region,year,variable,value,unit,source,note\nCHN,1990,gdp,1,billion int$/Year,X,\n"
     .encode("gbk") + "中".encode("gbk"), "not valid UTF-8"),
])
def test_unreadable_user_files(setup, capsys, tmp_path, content, needle):
    cfg, baseline = setup
    f = tmp_path / "u.csv"
    f.write_bytes(content)
    code, _, err = _run(capsys, "fit", "--config", cfg, "--data", f, "--region", "CHN")
    assert code == 2 and needle in err
    _assert_clean_error(err)


def test_bad_options_and_config(setup, capsys, tmp_path):
    cfg, baseline = setup
    code, _, err = _run(capsys, "fit", "--config", cfg, "--fit-until", "2012", "--write-baseline")
    assert code == 2 and "--fit-until" in err
    _assert_clean_error(err)
    code, _, err = _run(capsys, "fit", "--config", cfg, "--fit-until", "twenty")
    assert code == 2 and "not a year" in err
    _assert_clean_error(err)
    code, _, err = _run(capsys, "fit", "--config", cfg, "--bogus")
    assert code == 2 and "unrecognized arguments" in err
    _assert_clean_error(err)
    broken = write_config(tmp_path / "broken.yaml", tiny_config(series={"gdp": "heavy"}))
    code, _, err = _run(capsys, "fit", "--config", broken)
    assert code == 2 and "broken.yaml: series.gdp" in err
    _assert_clean_error(err)
    code, _, err = _run(capsys, "fit", "--config", tmp_path / "none.yaml")
    assert code == 2 and "file not found" in err
    code, _, err = _run(capsys, "fit", "--config", cfg, "--data", tmp_path / "none.csv")
    assert code == 2 and "--data: file not found" in err
    assert baseline.read_text(encoding="utf-8") == SENTINEL


def test_failed_fit_overwrites_nothing(setup, capsys, tmp_path, monkeypatch):
    cfg, baseline = setup
    import calibration.fit as fit_mod

    def failing(*a, **k):
        raise FitError("every parameter set tried produced NaN or inf; check the bounds")

    monkeypatch.setattr(fit_mod, "fit", failing)
    out_dir = tmp_path / "report"
    code, _, err = _run(capsys, "fit", "--config", cfg, "--write-baseline", "--baseline",
                        baseline, "--out", out_dir)
    assert code == 2 and "NaN or inf" in err
    assert baseline.read_text(encoding="utf-8") == SENTINEL
    assert not out_dir.exists()


def test_fit_writes_report_and_valid_baseline(setup, capsys, tmp_path):
    cfg, baseline = setup
    out_dir = tmp_path / "report"
    code, out, err = _run(capsys, "fit", "--config", cfg, "--write-baseline", "--baseline",
                          baseline, "--out", out_dir, "--quiet")
    assert code == 0, err
    assert "MAPE 2000-2022 (in-sample)" in out and f"baseline: {baseline}" in out
    doc = yaml.safe_load(baseline.read_text(encoding="utf-8"))
    assert list(doc)[:5] == ["name", "description", "overrides", "rationale", "calibration"]
    assert set(doc["name"]) == {"en", "zh"} and set(doc["description"]) == {"en", "zh"}
    assert set(doc["overrides"]) == {"migration coefficient",
                                     "attainable share of frontier productivity"}
    assert set(doc["rationale"]["migration coefficient"]) == {"en", "zh"}
    cal = doc["calibration"]
    assert cal["window"] == [1990, 2022] and cal["evaluation_window"] == [2000, 2022]
    assert cal["data"][0]["sha256"] and cal["objective"] > 0
    assert {"mape", "theil_u", "um", "us", "uc"} <= set(cal["statistics"]["gdp"])
    validate_document(doc, baseline)
    assert (out_dir / "report.md").is_file() and (out_dir / "fit_result.json").is_file()

    # report again from the saved result and from the scenario
    code, out, err = _run(capsys, "report", "--config", cfg, "--result",
                          out_dir / "fit_result.json", "--out", tmp_path / "r2")
    assert code == 0, err and (tmp_path / "r2" / "report.md").is_file()
    code, out2, err = _run(capsys, "report", "--config", cfg, "--scenario", baseline,
                           "--out", tmp_path / "r3")
    assert code == 0, err
    # the baseline reproduces the statistics of the fit it came from
    assert out2.splitlines()[:2] == out.splitlines()[:2]


def test_user_region_writes_its_own_baseline(tmp_path, capsys):
    truth = {"migration coefficient": 0.05, "attainable share of frontier productivity": 0.6}
    data = synthetic_history(tmp_path / "mine.csv", truth, ["urbanization_rate", "gdp"],
                             list(range(1990, 2016)), region="MYREGION")
    conf = tiny_config()
    cfg = write_config(tmp_path / "c.yaml", conf)
    code, _, err = _run(capsys, "fit", "--config", cfg, "--data", data, "--write-baseline")
    # region taken from the file; its land area comes from its data, which has none
    assert code == 2 and "total land area" in err
    conf["regions"] = {"MYREGION": {"fixed": {"total land area": 96000}}}
    cfg = write_config(tmp_path / "c.yaml", conf)
    code, out, err = _run(capsys, "fit", "--config", cfg, "--data", data, "--write-baseline",
                          "--quiet")
    assert code == 0, err
    doc = yaml.safe_load((tmp_path / "baseline_MYREGION.yaml").read_text(encoding="utf-8"))
    assert doc["calibration"]["region"] == "MYREGION"
    assert doc["overrides"]["total land area"] == 96000
    assert not (tmp_path / "baseline.yaml").exists()
    assert (tmp_path / "reports" / "MYREGION" / "report.md").is_file()


def test_module_entry_point_no_traceback(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("region: CHN\nparameters: 3\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "calibration", "fit", "--config", str(bad)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
