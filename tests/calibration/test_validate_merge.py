"""``calibrate validate --merge``: seeds validated side by side make one report."""

from __future__ import annotations

import pandas as pd
import pytest

import cli
from calibration.validate import Case, CaseResult, write


def _result(seed: int, co2: float, peak: int | None) -> CaseResult:
    stats = pd.DataFrame([{"series": "co2_fossil_industry", "first": 2001, "last": 2023, "n": 23,
                           "mape": co2, "rmspe": co2 + 1, "theil_u": 0.05, "um": 0.5, "us": 0.3, "uc": 0.2}])
    case = Case("USA", 2000, {"co2_fossil_industry": 12.0}, peak_tolerance=5)
    return CaseResult(case, seed, stats, projected_peak=peak, observed_peak=2007, peak_status="peak",
                      eliminated=["a", "b"], runtime_s=100.0, objective=0.1)


@pytest.fixture()
def folders(tmp_path):
    out = []
    for seed, co2, peak in ((1, 6.0, 2008), (2, 13.0, None), (3, 9.0, 2004)):
        folder = tmp_path / f"seed{seed}"
        write([_result(seed, co2, peak)], folder, f"tcsd calibrate validate --case USA:2000 --seed {seed}")
        out.append(folder)
    return out


def test_merged_report_has_every_seed_and_the_spread(folders, tmp_path, capsys):
    code = cli.main(["calibrate", "validate", "--config", "calibration/national.yaml",
                     "--merge", *map(str, folders), "--out", str(tmp_path / "merged")])
    out, _ = capsys.readouterr()
    assert code == 1  # seed 2: CO2 13 % > 12 % and no peak
    text = (tmp_path / "merged" / "validation.md").read_text(encoding="utf-8")
    assert "Merged from 3 runs" in text and "--seed 2`" in text
    # spread by hand: CO2 6, 13, 9 -> 6.00 / 9.00 / 13.00; peaks 2004, 2008 -> median 2006
    assert "| USA | 2000 | 3 | 6.00 / 9.00 / 13.00 | 2004 / 2006 / 2008 | 1 | **no** |" in text
    assert "| USA | 2000 | 1 | 6.00 | 12 | 2008 | 2007 | ±5 | pass | 2 | 100 |" in text
    assert "| USA | 2000 | 2 | 13.00 | 12 | — | 2007 | ±5 | **FAIL** | 2 | 100 |" in text
    assert "seed 3: CO2 MAPE 9.00 % (limit 12 %), peak projected 2004 vs observed 2007 -> pass" in out
    detail = pd.read_csv(tmp_path / "merged" / "validation.csv")
    assert sorted(detail["seed"]) == [1, 2, 3]


def test_the_same_seed_twice_is_a_clean_error(folders, tmp_path, capsys):
    code = cli.main(["calibrate", "validate", "--config", "calibration/national.yaml",
                     "--merge", str(folders[0]), str(folders[0]), "--out", str(tmp_path / "m")])
    _, err = capsys.readouterr()
    assert code == 2 and "seed 1 is in more than one folder" in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()
    code = cli.main(["calibrate", "validate", "--config", "calibration/national.yaml",
                     "--merge", str(tmp_path), "--out", str(tmp_path / "m")])
    _, err = capsys.readouterr()
    assert code == 2 and "no validation_summary.csv" in err
