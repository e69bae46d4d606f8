"""The kernel-ceiling benchmark: its reading of machine code (counted by hand on a
listing written here) and a whole run on a small construct model (no timing is checked)."""

from __future__ import annotations

import pytest

from benchmarks import bench_kernel_ceiling as ceiling

LISTING = """\
_ZN5setup:
\tmovq\t%rdi, %rax
\tvmulsd\t%xmm0, %xmm1, %xmm2
.LBB3_7:
\tvmovupd\t32(%rax), %ymm1
\tvdivpd\t%ymm1, %ymm2, %ymm3
\tvdivpd\t%ymm3, %ymm2, %ymm4
\tvsqrtpd\t%ymm4, %ymm5
\tvmulpd\t%ymm5, %ymm3, %ymm6
\tvaddpd\t%ymm6, %ymm3, %ymm7
\tvsubpd\t%ymm7, %ymm3, %ymm8
\tvmovupd\t%ymm8, 64(%rax)
\tvblendmpd\t%ymm8, %ymm7, %ymm9
\t.p2align\t4
\tjne\t.LBB3_7
.LBB3_9:\t\t# comment after a label
\tvmulpd\t%zmm1, %zmm2, %zmm3
\tvmovapd\t%zmm3, %zmm4
"""


def test_basic_blocks_and_the_mix_of_the_hottest_one():
    blocks = ceiling.basic_blocks(LISTING)
    assert [label for label, _ in blocks] == ["_ZN5setup", ".LBB3_7", ".LBB3_9"]
    assert len(blocks[1][1]) == 10  # the directive is not an instruction
    hot, second = ceiling.hot_steps(LISTING)
    assert hot.label == ".LBB3_7"
    assert hot.counts == {"division": 2, "square root": 1, "multiplication": 1, "addition": 2}
    assert hot.lanes == 4  # ymm: four doubles
    assert hot.memory == 2  # one load, one store; the register moves are not counted
    assert hot.instructions == 10
    assert second.label in ("_ZN5setup", ".LBB3_9") and second.counts["multiplication"] == 1
    assert ceiling.step_mix(".LBB3_9", blocks[2][1]).lanes == 8
    assert ceiling.step_mix("_ZN5setup", blocks[0][1]).lanes == 1  # scalar code


def test_machine_rates_are_positive_for_every_class():
    pytest.importorskip("numba")
    rates = ceiling.machine_rates(size=64, reps=50, rounds=1)
    assert set(rates) == set(ceiling.CLASSES) | {ceiling.MIXED}
    assert all(rate > 0 for rate in rates.values())


def test_a_whole_run_on_a_construct_model(capsys):
    """Compiled afresh although the kernel may be loaded already; the cache folder of the
    process is the same afterwards."""
    pytest.importorskip("numba")
    import os

    from models.batch import compile_model
    from models.batch.cache import ENV_VAR

    mdl = ceiling.ROOT / "tests" / "models" / "batch" / "mdl" / "divisions.mdl"
    compile_model(mdl).run({}, n_runs=40, backend="numba")  # the kernel in this process
    before = os.environ.get(ENV_VAR)
    assert ceiling.main(["--model", str(mdl), "--n", "200"]) == 0
    assert os.environ.get(ENV_VAR) == before
    out = capsys.readouterr().out
    assert "compiled afresh" in out
    assert "time steps per run: 41 saving" in out  # the model saves 41 of its 161 points
    for name in ceiling.CLASSES:
        assert f"  {name}" in out
    assert "measured:" in out and "N = 200" in out
