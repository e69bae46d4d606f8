"""The batch benchmark's model comparison: parameters drawn from each model's own
ranged constants, and the comparison table's ratios (no timing is checked)."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import bench_batch
from models.batch import compile_model


@pytest.mark.parametrize("n_vars", [20, 40])
def test_draws_come_from_each_models_own_ranges(tmp_path, n_vars):
    model = compile_model(bench_batch.write_synthetic_model(tmp_path / "m.mdl", n_vars))
    params = bench_batch.draw_params(model, 50, np.random.default_rng(0))
    # the generator declares two ranged constants per block of 10 variables:
    # "init b" in [10, 200] and "rate b" in [0.001, 0.1]
    blocks = n_vars // 10
    assert set(params) == {f"init {b}" for b in range(blocks)} | {f"rate {b}" for b in range(blocks)}
    spread = bench_batch.SPREAD
    for name, values in params.items():
        low, high = (10, 200) if name.startswith("init") else (0.001, 0.1)
        default = model.constants[name]
        assert values.shape == (50,)
        assert np.all(values >= default - spread * (default - low))
        assert np.all(values <= default + spread * (high - default))


def test_comparison_prints_rows_of_both_models_with_their_ratio(capsys):
    bench_batch.print_comparison(
        "v2", {"variables": 600, "single run, numba (ms)": 1.5, "only in v2": 3.0},
        "v1", {"variables": 300, "single run, numba (ms)": 0.5},
    )
    rows = {line.split("  ")[0]: line.split() for line in capsys.readouterr().out.splitlines() if line}
    assert rows["variables"][-3:] == ["600", "300", "2.00"]
    assert rows["single run, numba (ms)"][-3:] == ["1.50", "0.50", "3.00"]
    assert "only in v2" not in rows


def test_paired_rounds_print_both_rates_and_the_median_ratio(tmp_path, capsys):
    """Both models timed in each round (N below the parallel threshold: serial kernels),
    one line per mode with the median of the per-round ratios and their range."""
    import argparse

    a = bench_batch.write_synthetic_model(tmp_path / "a.mdl", 20)
    b = bench_batch.write_synthetic_model(tmp_path / "b.mdl", 40)
    args = argparse.Namespace(max_n=16, outputs="", chunk_size=8)
    bench_batch.paired_throughput(a, b, args, rounds=3)
    lines = [line for line in capsys.readouterr().out.splitlines() if "ratio median" in line]
    assert [line.split()[0] for line in lines] == ["every", "metrics"]
    for line in lines:
        ratio = float(line.split("ratio median ")[1].split()[0])
        low, high = (float(x.strip(")")) for x in line.split("(rounds ")[1].split(" to "))
        assert low <= ratio <= high


@pytest.mark.parametrize("per_run", [False, True])
def test_paired_rounds_with_and_without_data_series(tmp_path, capsys, per_run):
    """--data-scenario: the same draws with and without the series (shared, or with
    --per-run-data one per run), per round; the series' constant is not drawn on
    either side."""
    import argparse

    import pandas as pd

    mdl = bench_batch.write_synthetic_model(tmp_path / "a.mdl", 20)
    args = argparse.Namespace(max_n=16, outputs="", chunk_size=8, per_run_data=per_run, spread=0.05)
    series = pd.Series([0.01, 0.05, 0.02], index=[0.0, 5.0, 10.0])
    bench_batch.paired_throughput(mdl, None, args, rounds=3, data={"rate 0": series})
    out = capsys.readouterr().out
    assert f"1 data series (rate 0; {'per run' if per_run else 'shared'}" in out
    lines = [line for line in out.splitlines() if "ratio median" in line]
    assert [line.split()[0] for line in lines] == ["every", "metrics"]
    for line in lines:
        assert " with " in line and " without " in line
        ratio = float(line.split("ratio median ")[1].split()[0])
        low, high = (float(x.strip(")")) for x in line.split("(rounds ")[1].split(" to "))
        assert low <= ratio <= high
