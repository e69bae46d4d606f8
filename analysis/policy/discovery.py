"""Scenario discovery: which lever boxes reach the targets (情景发现, PRIM).

Steps
-----
1. Sample the levers (and optionally uncertain parameters) over their ranges with a
   seeded Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`), uniform in each
   range.
2. Run all samples in one call of :func:`analysis.policy.evaluate.simulate` (batch
   runner) with the other constants fixed at a scenario, and compute the target
   metrics (:mod:`analysis.policy.metrics`).
3. Classify: y = 1 when every target holds.
4. PRIM (Patient Rule Induction Method, Friedman & Fisher 1999) finds a box of lever
   values (an interval per lever, most levers left unrestricted) in which the share of
   runs meeting the targets (*density*) is high while it still contains a large share
   of all runs meeting them (*coverage*). The peeling trajectory lists the trade-off;
   the reported box is the one with the highest coverage among those with density ≥
   ``min_density`` (if none, the densest), unless ``box_index`` picks one.
5. Feature scoring (extra trees) ranks which levers matter most for each target and
   for the combined classification.

Why EMA Workbench
-----------------
``ema_workbench`` (Kwakkel 2017, Environmental Modelling & Software 96:239) is the
maintained open-source reference implementation of scenario discovery: PRIM with
peeling, pasting, the coverage–density trajectory and quasi-p-values of each
restriction (:class:`ema_workbench.analysis.prim.Prim`) *and* feature scoring
(:func:`ema_workbench.analysis.feature_scoring.get_feature_scores_all`, extra trees
after Jaxa-Rozen & Kwakkel 2018) in one library, so both analyses share conventions
and we write no PRIM of our own.

Definitions
-----------
coverage = (runs meeting the targets inside the box) / (runs meeting the targets);
density  = (runs meeting the targets inside the box) / (runs inside the box);
mass     = (runs inside the box) / (all runs). Boxes are closed intervals.
Box limits that PRIM leaves at the sample's minimum or maximum are reported as the
lever's full range bound (the sample does not reach the exact bounds).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from models.model import MODEL_PATH

from .evaluate import simulate
from .levers import PolicyConfigError, lever, load_scenario, policy_levers
from .metrics import MetricTable, Target, evaluate_metrics, load_targets

__all__ = [
    "Factor",
    "PrimResult",
    "DiscoveryResult",
    "BoxCheck",
    "make_factors",
    "lhs_sample",
    "sample_in_box",
    "prim_box",
    "default_mass_min",
    "feature_scores",
    "evaluate_targets",
    "discover",
    "check_box",
]

DEFAULT_SEED = 20240601


@dataclass(frozen=True)
class Factor:
    """A sampled input: a lever or an uncertain parameter with its range (model unit)."""

    name: str
    lower: float
    upper: float
    kind: str = "lever"
    en: str = ""
    zh: str = ""
    units: str = ""

    def label(self, lang: str = "en") -> str:
        return (self.zh if lang == "zh" else self.en) or self.name


def _factor_list(spec: Any, kind: str, mdl_path: str | Path) -> list[Factor]:
    if spec is None:
        return []
    items: Iterable[tuple[str, Any]]
    if isinstance(spec, Mapping):
        items = spec.items()
    else:
        items = ((s, None) for s in spec)
    out = []
    for name, rng in items:
        if isinstance(name, Factor):
            out.append(name)
            continue
        lv = lever(str(name), mdl_path)
        lo, hi = (lv.minimum, lv.maximum) if rng is None else (float(rng[0]), float(rng[1]))
        if not (lv.minimum - 1e-12 <= lo < hi <= lv.maximum + 1e-12):
            raise PolicyConfigError(
                f"range of '{lv.name}' must satisfy {lv.minimum:g} <= lower < upper <= {lv.maximum:g}, "
                f"got [{lo:g}, {hi:g}]")
        out.append(Factor(lv.name, lo, hi, kind, lv.en, lv.zh, lv.units))
    return out


def make_factors(
    levers: Sequence[str] | Mapping[str, Sequence[float] | None] | None = None,
    uncertainties: Sequence[str] | Mapping[str, Sequence[float] | None] | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> list[Factor]:
    """Factors to sample: levers (None = all policy levers) plus uncertain parameters.

    Each may be a list of constant names (full declared range) or a mapping name →
    (lower, upper) / None (a sub-range within the declared range).
    """
    if levers is None:
        levers = [lv.name for lv in policy_levers(mdl_path)]
    factors = _factor_list(levers, "lever", mdl_path) + _factor_list(uncertainties, "uncertainty", mdl_path)
    names = [f.name for f in factors]
    if len(set(names)) != len(names):
        raise PolicyConfigError(f"a constant is listed twice among levers/uncertainties: {names}")
    if not factors:
        raise PolicyConfigError("no factors to sample")
    return factors


#: Fewest Latin-hypercube runs of a discovery: PRIM's smallest box holds 10 runs
#: (:func:`default_mass_min`), and the peeling trajectory needs room to shrink a box
#: from the whole sample down to it.
MIN_RUNS = 20


def lhs_sample(factors: Sequence[Factor], n: int, seed: int | None = DEFAULT_SEED,
               bounds: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Latin hypercube sample (n × factors), uniform in each factor's range.

    ``bounds`` optionally narrows factors (e.g. to a PRIM box). Seeded: the same
    ``seed`` gives the same sample.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    from scipy.stats import qmc  # SciPy's statistics (0.4 s to import) when first sampled

    u = qmc.LatinHypercube(d=len(factors), rng=np.random.default_rng(seed)).random(n)
    lo = np.array([(bounds or {}).get(f.name, (f.lower, f.upper))[0] for f in factors])
    hi = np.array([(bounds or {}).get(f.name, (f.lower, f.upper))[1] for f in factors])
    return pd.DataFrame(lo + u * (hi - lo), columns=[f.name for f in factors])


def _ema():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
        from ema_workbench.analysis.feature_scoring import get_feature_scores_all
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType
    return prim, get_feature_scores_all, RuleInductionType


@dataclass
class PrimResult:
    """PRIM peeling/pasting trajectory and the chosen box.

    Attributes:
        trajectory: DataFrame per box on the trajectory: coverage, density, mass,
            res_dim (restricted dimensions), n (runs in box), k (runs meeting the
            targets in box), chosen (bool).
        limits: per trajectory box, DataFrame (factors × lower, upper) in model units
            (bounds left at the sample's min/max widened to the full range).
        chosen: index of the reported box.
        bounds: factor → (lower, upper) of the full sampled space.
        quasi_p: per trajectory box, factor → (p lower, p upper) quasi-p-values of
            the restrictions (EMA Workbench; −1 where a side is not restricted).
        n, n_positive: runs and runs meeting the targets.
        min_density, mass_min: the selection rule's density and PRIM's mass limit used.
    """

    trajectory: pd.DataFrame
    limits: list[pd.DataFrame]
    chosen: int
    bounds: dict[str, tuple[float, float]]
    quasi_p: list[dict[str, Any]]
    n: int
    n_positive: int
    min_density: float
    mass_min: float = 0.05

    @property
    def coverage(self) -> float:
        return float(self.trajectory.loc[self.chosen, "coverage"])

    @property
    def density(self) -> float:
        return float(self.trajectory.loc[self.chosen, "density"])

    @property
    def mass(self) -> float:
        return float(self.trajectory.loc[self.chosen, "mass"])

    def box(self, i: int | None = None) -> pd.DataFrame:
        """Limits of box ``i`` (default: chosen): lower, upper, restricted, full range, quasi-p."""
        i = self.chosen if i is None else i
        lim = self.limits[i].copy()
        lim["full_lower"] = [self.bounds[c][0] for c in lim.index]
        lim["full_upper"] = [self.bounds[c][1] for c in lim.index]
        lim["restricted"] = (lim["lower"] > lim["full_lower"]) | (lim["upper"] < lim["full_upper"])
        qp = self.quasi_p[i] if i < len(self.quasi_p) else {}
        lim["qp_lower"] = [float(qp.get(c, [np.nan, np.nan])[0]) for c in lim.index]
        lim["qp_upper"] = [float(qp.get(c, [np.nan, np.nan])[1]) for c in lim.index]
        return lim

    def restricted(self, i: int | None = None) -> list[str]:
        b = self.box(i)
        return list(b.index[b["restricted"]])

    def box_bounds(self, i: int | None = None) -> dict[str, tuple[float, float]]:
        b = self.box(i)
        return {c: (float(b.loc[c, "lower"]), float(b.loc[c, "upper"])) for c in b.index}

    def in_box(self, X: pd.DataFrame, i: int | None = None) -> np.ndarray:
        """Boolean: rows of ``X`` inside box ``i`` (closed intervals)."""
        inside = np.ones(len(X), dtype=bool)
        for c, (lo, hi) in self.box_bounds(i).items():
            v = X[c].to_numpy(dtype=float)
            inside &= (v >= lo) & (v <= hi)
        return inside


def default_mass_min(n: int, n_positive: int) -> float:
    """min(0.05, n_positive / (2 n)), but at least 10 runs (fraction of runs)."""
    return float(max(min(0.05, 0.5 * n_positive / n), min(1.0, 10 / n)))


def prim_box(
    X: pd.DataFrame,
    y: np.ndarray,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    min_density: float = 0.9,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float | None = None,
    box_index: int | None = None,
) -> PrimResult:
    """Run EMA Workbench PRIM on (X, y) and choose a box (see the module docstring).

    Args:
        X: inputs (runs × factors), floats.
        y: boolean / 0-1 array, True where the targets are met.
        bounds: full range of each factor (default: the sample's min and max).
        min_density: density required of the chosen box (fraction).
        peel_alpha, paste_alpha: PRIM settings (fractions of the box peeled/pasted
            per step).
        mass_min: smallest box mass PRIM may peel to (fraction of runs). Default:
            min(0.05, half the share of runs meeting the targets), at least 10 runs —
            EMA Workbench's 0.05 would stop peeling before a box can become dense
            when fewer than 5 % of the runs meet the targets.
        box_index: pick this trajectory box instead of the rule.

    Raises:
        ValueError if no run meets the targets (nothing to discover).
    """
    prim, _, _ = _ema()
    X = X.reset_index(drop=True).astype(float)
    y = np.asarray(y).astype(int)
    n_pos = int(y.sum())
    if n_pos == 0:
        raise ValueError("no run meets the targets: there is no box to find")
    bounds = {c: (float(X[c].min()), float(X[c].max())) for c in X.columns} | dict(bounds or {})
    if mass_min is None:
        mass_min = default_mass_min(len(y), n_pos)
    # PRIM's ``threshold`` only decides (a) which y count as cases of interest (y >=
    # threshold, so any value in (0, 1] is equivalent for 0/1 outcomes) and (b) whether
    # find_box returns the peeled box or a "dump" box when the final density is below
    # it. A tiny threshold keeps the full trajectory; the density rule is applied below.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = prim.Prim(X, y, threshold=1e-9, peel_alpha=peel_alpha, paste_alpha=paste_alpha,
                      mass_min=mass_min)
        pbox = p.find_box()
    traj = pbox.peeling_trajectory.reset_index(drop=True)
    traj = traj[["coverage", "density", "mass", "res_dim", "n", "k"]].astype(
        {"coverage": float, "density": float, "mass": float, "res_dim": int, "n": int, "k": int})
    init = p.box_init
    limits = []
    for lim in pbox.box_lims:
        rows = []
        for c in X.columns:
            lo, hi = float(lim.loc[0, c]), float(lim.loc[1, c])
            lo = bounds[c][0] if lo <= float(init.loc[0, c]) else lo
            hi = bounds[c][1] if hi >= float(init.loc[1, c]) else hi
            rows.append((c, lo, hi))
        limits.append(pd.DataFrame(rows, columns=["factor", "lower", "upper"]).set_index("factor"))
    if box_index is not None:
        if not 0 <= box_index < len(traj):
            raise ValueError(f"box_index {box_index} outside the trajectory (0..{len(traj) - 1})")
        chosen = int(box_index)
    else:
        ok = traj.index[traj["density"] >= min_density - 1e-12]
        if len(ok):
            sub = traj.loc[ok]
            best = sub["coverage"].max()
            chosen = int(sub.index[sub["coverage"] >= best - 1e-12].max())  # tightest of the ties
        else:
            best = traj["density"].max()
            chosen = int(traj.index[traj["density"] >= best - 1e-12][0])
    traj["chosen"] = traj.index == chosen
    traj.index.name = "box"
    qp = [dict(q) for q in pbox.qp]
    return PrimResult(traj, limits, chosen, bounds, qp, len(y), n_pos, float(min_density), float(mass_min))


def feature_scores(
    X: pd.DataFrame, outcomes: Mapping[str, np.ndarray], seed: int | None = DEFAULT_SEED, n_trees: int = 100
) -> pd.DataFrame:
    """Extra-trees feature scores (EMA Workbench) of each boolean outcome.

    Returns a DataFrame (factors × outcomes) of impurity-based importances (each column
    sums to 1); outcomes with a single class (all met or none met) get NaN.
    """
    _, get_feature_scores_all, RuleInductionType = _ema()
    X = X.reset_index(drop=True).astype(float)
    usable = {k: np.asarray(v).astype(int) for k, v in outcomes.items() if len(np.unique(v)) > 1}
    frame = pd.DataFrame(index=pd.Index(X.columns, name="factor"))
    if usable:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # EMA Workbench's default max_features is round(k / 3), which is 0 for a single
            # factor (rejected by scikit-learn); the same rule, at least one feature.
            scores = get_feature_scores_all(X, usable, alg="extra trees", mode=RuleInductionType.CLASSIFICATION,
                                            random_state=seed, nr_trees=n_trees,
                                            max_features=max(1, int(round(X.shape[1] / 3))))
        frame = frame.join(scores)
    for k in outcomes:
        if k not in frame.columns:
            frame[k] = np.nan
    frame = frame[list(outcomes)]
    return frame.sort_values(list(outcomes)[-1], ascending=False)


def evaluate_targets(
    X: pd.DataFrame,
    targets: Sequence[Target],
    scenario: Mapping[str, float] | None = None,
    tp_options: Mapping[str, Any] | None = None,
    engine: str | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> tuple[MetricTable, pd.DataFrame, str]:
    """Run the samples (one simulate call) and evaluate the targets.

    Returns (metric table, DataFrame of booleans per target key plus ``all``, engine).
    """
    params: dict[str, Any] = dict(scenario or {})
    for c in X.columns:
        params[c] = X[c].to_numpy(dtype=float)
    metrics = list({t.metric.label: t.metric for t in targets}.values())
    outputs = list(dict.fromkeys(o for m in metrics for o in m.outputs()))
    sim = simulate(params, outputs, n_runs=len(X), engine=engine, mdl_path=mdl_path)
    table = evaluate_metrics(sim, metrics, tp_options)
    met = pd.DataFrame({t.key: t.met(table.values[t.metric.label].to_numpy(), table.direction[t.metric.label].to_numpy(),
                                     table.step) for t in targets})
    met["all"] = met.all(axis=1)
    return table, met, sim.engine


@dataclass
class DiscoveryResult:
    """Samples, classification, PRIM box and feature scores.

    Attributes:
        factors: sampled factors; targets: the targets; scenario: fixed overrides.
        samples: DataFrame (runs × factors), model units.
        metrics: metric values of the runs (:class:`MetricTable`).
        met: booleans per target and ``all``.
        prim: :class:`PrimResult` (None if no run or every run meets the targets).
        scores: feature scores (factors × target keys + ``all``).
        message: why ``prim`` is None, if it is.
    """

    factors: list[Factor]
    targets: list[Target]
    scenario: dict[str, float]
    samples: pd.DataFrame
    metrics: MetricTable
    met: pd.DataFrame
    prim: PrimResult | None
    scores: pd.DataFrame
    seed: int | None
    engine: str
    message: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def y(self) -> np.ndarray:
        return self.met["all"].to_numpy()

    def box_table(self, lang: str = "en") -> pd.DataFrame:
        """The chosen box with display names and units."""
        if self.prim is None:
            return pd.DataFrame()
        b = self.prim.box()
        names = {f.name: f for f in self.factors}
        b.insert(0, "name", [names[c].label(lang) for c in b.index])
        b.insert(1, "unit", [names[c].units for c in b.index])
        return b

    def compatibility(self) -> pd.DataFrame:
        """Share of runs meeting both targets i and j (diagonal: each target alone).

        Shows conflicting targets when no run meets them all (e.g. forest coverage
        reached by returning cropland to forest versus the cropland red line).
        """
        keys = [t.key for t in self.targets]
        m = self.met[keys].to_numpy(dtype=float)
        return pd.DataFrame(m.T @ m / len(m), index=keys, columns=keys)

    def runs_table(self) -> pd.DataFrame:
        """Inputs, metric values and target flags of every run."""
        met = self.met.add_prefix("met:")
        out = pd.concat([self.samples, self.metrics.values, met], axis=1)
        if self.prim is not None:
            out["in_box"] = self.prim.in_box(self.samples)
        return out


def discover(
    targets: Sequence[Target] | str | Path | Sequence[Any],
    levers: Sequence[str] | Mapping[str, Sequence[float] | None] | None = None,
    uncertainties: Sequence[str] | Mapping[str, Sequence[float] | None] | None = None,
    scenario: Mapping[str, float] | str | Path | None = None,
    n: int = 2000,
    seed: int | None = DEFAULT_SEED,
    min_density: float = 0.9,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float | None = None,
    box_index: int | None = None,
    tp_options: Mapping[str, Any] | None = None,
    engine: str | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> DiscoveryResult:
    """Scenario discovery over the levers (see the module docstring).

    Args:
        targets: targets (list, YAML file, or strings such as ``"tp3<=2030"``).
        levers: levers to sample (None = all policy levers at their declared ranges;
            a mapping gives sub-ranges).
        uncertainties: uncertain parameters sampled as well (same forms).
        scenario: fixed overrides of the other constants (None = model defaults).
        n: number of Latin-hypercube runs. seed: random seed.
        min_density, peel_alpha, paste_alpha, mass_min, box_index: see :func:`prim_box`.
    """
    tlist = load_targets(targets) if not (isinstance(targets, Sequence) and targets
                                          and all(isinstance(t, Target) for t in targets)) else list(targets)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < MIN_RUNS:
        raise PolicyConfigError(f"n must be an integer >= {MIN_RUNS} (PRIM needs boxes of at least 10 runs), "
                                f"got {n!r}")
    if not (isinstance(min_density, (int, float)) and 0 < min_density <= 1):
        raise PolicyConfigError(f"min_density must be a fraction in (0, 1], got {min_density!r}")
    factors = make_factors(levers, uncertainties, mdl_path)
    fixed = load_scenario(scenario, mdl_path)
    fixed = {k: v for k, v in fixed.items() if k not in {f.name for f in factors}}
    X = lhs_sample(factors, n, seed)
    table, met, used = evaluate_targets(X, tlist, fixed, tp_options, engine, mdl_path)
    y = met["all"].to_numpy()
    bounds = {f.name: (f.lower, f.upper) for f in factors}
    prim_res, message = None, ""
    if y.sum() == 0:
        message = "no run meets all targets within the sampled ranges"
    elif y.all():
        message = "every run meets all targets: no restriction of the levers is needed"
    else:
        prim_res = prim_box(X, y, bounds, min_density, peel_alpha, paste_alpha, mass_min, box_index)
    scores = feature_scores(X, {**{t.key: met[t.key].to_numpy() for t in tlist}, "all": y}, seed)
    return DiscoveryResult(
        factors=factors, targets=tlist, scenario=fixed, samples=X, metrics=table, met=met,
        prim=prim_res, scores=scores, seed=seed, engine=used, message=message,
        settings={"n": n, "min_density": min_density, "peel_alpha": peel_alpha,
                  "paste_alpha": paste_alpha, "mass_min": mass_min},
    )


def sample_in_box(result: DiscoveryResult, n: int, seed: int | None = None, i: int | None = None) -> pd.DataFrame:
    """Fresh Latin-hypercube sample inside the (chosen) PRIM box."""
    if result.prim is None:
        raise ValueError(f"no PRIM box: {result.message}")
    return lhs_sample(result.factors, n, seed, bounds=result.prim.box_bounds(i))


@dataclass(frozen=True)
class BoxCheck:
    """Out-of-sample check of a PRIM box.

    density_fresh: share of fresh runs inside the box (LHS in the box) meeting the
    targets; coverage_fresh: share of fresh full-space runs meeting the targets that
    fall in the box. ``*_se``: standard error of the difference reported − fresh
    (binomial, both samples), ``*_z`` = difference / SE.
    """

    density_reported: float
    density_fresh: float
    density_se: float
    n_inside: int
    coverage_reported: float
    coverage_fresh: float
    coverage_se: float
    n_full: int
    n_full_positive: int

    @property
    def density_z(self) -> float:
        return (self.density_reported - self.density_fresh) / self.density_se if self.density_se > 0 else 0.0

    @property
    def coverage_z(self) -> float:
        return (self.coverage_reported - self.coverage_fresh) / self.coverage_se if self.coverage_se > 0 else 0.0


def _se_diff(p1: float, n1: int, p2: float, n2: int) -> float:
    """Agresti–Caffo (2000) standard error of p1 − p2: add one success and one failure
    to each sample, so that proportions at 0 or 1 still get a non-zero error."""
    a1 = (p1 * n1 + 1) / (n1 + 2)
    a2 = (p2 * n2 + 1) / (n2 + 2)
    return math.sqrt(a1 * (1 - a1) / (n1 + 2) + a2 * (1 - a2) / (n2 + 2))


def check_box(
    result: DiscoveryResult, n_inside: int = 500, n_full: int = 2000, seed: int | None = None,
    engine: str | None = None, mdl_path: str | Path = MODEL_PATH,
) -> BoxCheck:
    """Re-estimate the chosen box's density and coverage on fresh runs.

    Density: a fresh LHS of ``n_inside`` runs inside the box. Coverage: a fresh LHS of
    ``n_full`` runs over the full space (different seed). The standard errors are those
    of a difference of two independent binomial proportions (Agresti–Caffo).
    """
    if result.prim is None:
        raise ValueError(f"no PRIM box: {result.message}")
    seed = (result.seed or 0) + 1 if seed is None else seed
    pr = result.prim
    Xin = sample_in_box(result, n_inside, seed)
    _, met_in, _ = evaluate_targets(Xin, result.targets, result.scenario, engine=engine, mdl_path=mdl_path)
    d_fresh = float(met_in["all"].mean())
    Xf = lhs_sample(result.factors, n_full, seed + 1)
    _, met_f, _ = evaluate_targets(Xf, result.targets, result.scenario, engine=engine, mdl_path=mdl_path)
    yf = met_f["all"].to_numpy()
    n_pos = int(yf.sum())
    c_fresh = float((yf & pr.in_box(Xf)).sum() / n_pos) if n_pos else float("nan")
    n_box = int(pr.trajectory.loc[pr.chosen, "n"])
    return BoxCheck(
        density_reported=pr.density, density_fresh=d_fresh,
        density_se=_se_diff(pr.density, n_box, d_fresh, n_inside), n_inside=n_inside,
        coverage_reported=pr.coverage, coverage_fresh=c_fresh,
        coverage_se=_se_diff(pr.coverage, pr.n_positive, c_fresh, n_pos), n_full=n_full,
        n_full_positive=n_pos,
    )
