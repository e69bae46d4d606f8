"""Attribution of a policy scenario's effect to levers (政策贡献分解, wedges).

Question: the policy scenario changes emissions, the land sink, cumulative emissions
and the turning-point years relative to its base — how much of each change is due to
each lever (or lever group)?

Method: exact Shapley values
---------------------------
Each lever group is a player. For every coalition C of groups the model is run with
the constants of the groups in C at their policy values and all others at their base
values; v(C) is the quantity of interest in that run (a time series, a cumulative
total or a turning-point year). The contribution of group i is

    φ_i = Σ_{C ⊆ N∖{i}} |C|! (k − |C| − 1)! / k! · [v(C ∪ {i}) − v(C)],

the average of its marginal effect over all orders in which the groups could be
introduced. Shapley values are

* **additive** (efficiency): Σ_i φ_i = v(all) − v(none) = policy − base exactly, also
  with interactions between levers (e.g. afforestation and the red line compete for
  the same land; CCS and non-fossil energy act on the same fossil emissions);
* **order-independent** (symmetry): unlike a one-at-a-time sequence of "add lever 1,
  then lever 2 …", the result does not depend on the order in which levers are
  listed;
* zero for a group whose constants do not differ between base and policy (such groups
  are reported with 0 and left out of the runs).

All 2^k coalitions are evaluated in ONE call of :func:`analysis.policy.evaluate.
simulate` (batch runner: N = 2^k runs at once), so k ≤ 12 groups (4096 runs).

Quantities
----------
* time series (Mt CO2/yr): ``gross emissions`` (E), ``land carbon sink`` (S),
  ``net emissions`` (N = E − S); contributions per saved year;
* cumulative 2020–2060 (Mt CO2): gross, net and sink, from the model's stocks
  (see :mod:`analysis.policy.metrics`);
* turning-point years: every key of :mod:`analysis.turning_points`. A year is a
  step function of the levers, so a group's contribution is an average of whole-year
  jumps (it may be fractional, e.g. 1/3 year); the sum over groups equals the shift
  policy − base exactly. Not-reached turning points are censored (horizon end + 1,
  i.e. 2101; at or before the start: start − 1, i.e. 1989) and flagged: shifts that
  involve a censored year are bounds, and ``turning_point_info.n_censored`` counts
  the coalitions concerned. If any coalition's year is undefined (NaN), the key's
  contributions are NaN.

Scenario semantics: the base is a mapping of overrides of the model defaults; the
policy mapping is applied **on top of the base** (a constant missing from the policy
keeps its base value).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis import turning_points as tpmod
from models.model import MODEL_PATH, load_model

from .evaluate import simulate
from .levers import LeverGroup, PolicyConfigError, load_groups, load_scenario
from .metrics import TP_KEYS, TP_OUTPUTS, Metric, evaluate_metrics, turning_point_table

__all__ = [
    "MAX_GROUPS",
    "SERIES_OUTPUTS",
    "OTHER_GROUP",
    "AttributionResult",
    "shapley_values",
    "coalition_matrix",
    "attribute",
]

#: Largest number of differing groups (2^12 = 4096 runs in one batch call).
MAX_GROUPS = 12
#: Time series attributed (Mt CO2/yr).
SERIES_OUTPUTS: tuple[str, ...] = ("gross emissions", "land carbon sink", "net emissions")
#: Group collecting differing constants that are in no given group.
OTHER_GROUP = LeverGroup("other", "Other levers", "其他杠杆", ())

_CUM_METRICS = ("cum_gross", "cum_net", "cum_sink")


def shapley_values(values: np.ndarray, k: int) -> np.ndarray:
    """Exact Shapley values of k players from the values of all 2^k coalitions.

    Args:
        values: array (2^k, ...) where row ``m`` is v(C) for the coalition whose
            members are the set bits of ``m`` (bit i = player i).
        k: number of players.

    Returns:
        array (k, ...) of contributions; they sum to ``values[-1] − values[0]``.
    """
    v = np.asarray(values, dtype=float)
    if v.shape[0] != 2**k:
        raise ValueError(f"expected 2^{k} = {2**k} coalition values, got {v.shape[0]}")
    masks = np.arange(2**k)
    sizes = np.array([bin(m).count("1") for m in masks])
    weights = np.array([math.factorial(s) * math.factorial(k - s - 1) / math.factorial(k) for s in range(k)])
    phi = np.empty((k,) + v.shape[1:])
    for i in range(k):
        without = masks[(masks >> i) & 1 == 0]
        diff = v[without | (1 << i)] - v[without]
        phi[i] = np.tensordot(weights[sizes[without]], diff, axes=1)
    return phi


def coalition_matrix(k: int) -> np.ndarray:
    """Boolean (2^k, k): row m, column i is True when player i is in coalition m."""
    masks = np.arange(2**k)[:, None]
    return ((masks >> np.arange(k)[None, :]) & 1).astype(bool)


@dataclass
class AttributionResult:
    """Contributions of lever groups to the change policy − base.

    Attributes:
        groups: all groups in the order given (players and zero-change groups; an
            automatic ``other`` group if needed).
        players: keys of the groups that differ between base and policy (the k players).
        base, policy: full constant overrides of the two scenarios (Vensim name → value).
        changed: constant → (base value, policy value) for the constants that differ.
        times: saved years.
        wedges: output → DataFrame (index year, columns group keys): contribution of
            each group to policy − base, Mt CO2/yr.
        levels: output → DataFrame (index year, columns ``base``, ``policy``), Mt CO2/yr.
        cumulative: DataFrame (index group keys + ``total``; columns
            ``cum_gross[a:b]``, ``cum_net[a:b]``, ``cum_sink[a:b]``), Mt CO2.
        cumulative_levels: DataFrame (index ``base``, ``policy``), Mt CO2.
        turning_points: DataFrame (index group keys + ``total``; columns turning-point
            keys): contribution to the shift of the year, years.
        turning_point_info: DataFrame (index keys): base/policy year (censored),
            base/policy status, censored flags, shift, n_censored coalitions.
        n_runs: number of runs (2^k); engine: ``batch`` or ``pysd``.
    """

    groups: tuple[LeverGroup, ...]
    players: tuple[str, ...]
    base: dict[str, float]
    policy: dict[str, float]
    changed: dict[str, tuple[float, float]]
    times: np.ndarray
    wedges: dict[str, pd.DataFrame]
    levels: dict[str, pd.DataFrame]
    cumulative: pd.DataFrame
    cumulative_levels: pd.DataFrame
    turning_points: pd.DataFrame
    turning_point_info: pd.DataFrame
    n_runs: int
    engine: str
    span: tuple[float, float] = (2020.0, 2060.0)
    settings: Mapping[str, Any] = field(default_factory=dict)

    def group(self, key: str) -> LeverGroup:
        for g in self.groups:
            if g.key == key:
                return g
        raise KeyError(key)

    def labels(self, lang: str = "en") -> dict[str, str]:
        """Group key → display name."""
        return {g.key: g.label(lang) for g in self.groups}

    def total_change(self, output: str) -> pd.Series:
        """policy − base of a time series output, Mt CO2/yr."""
        lv = self.levels[output]
        return lv["policy"] - lv["base"]

    def additivity_residuals(self) -> dict[str, float]:
        """Max |Σ contributions − (policy − base)| / max(1, max |policy − base|) per quantity."""
        out: dict[str, float] = {}
        for name, w in self.wedges.items():
            total = self.total_change(name).to_numpy()
            out[name] = float(np.max(np.abs(w.sum(axis=1).to_numpy() - total)) / max(1.0, np.max(np.abs(total))))
        groups = [g.key for g in self.groups]
        for col in self.cumulative.columns:
            total = self.cumulative.loc["total", col]
            s = self.cumulative.loc[groups, col].sum()
            out[col] = float(abs(s - total) / max(1.0, abs(total)))
        for col in self.turning_points.columns:
            total = self.turning_points.loc["total", col]
            if np.isnan(total):
                continue
            s = self.turning_points.loc[groups, col].sum()
            out[col] = float(abs(s - total) / max(1.0, abs(total)))
        return out

    def summary(self, lang: str = "en") -> pd.DataFrame:
        """One row per group: name, constants changed, cumulative and turning-point contributions."""
        zh = lang == "zh"
        rows = []
        for g in [*self.groups, None]:
            key = "total" if g is None else g.key
            row: dict[str, Any] = {
                "group": key,
                ("名称" if zh else "name"): ("合计" if zh else "Total") if g is None else g.label(lang),
                ("变化的常量" if zh else "constants changed"): "" if g is None else "; ".join(
                    f"{c}: {self.changed[c][0]:g} → {self.changed[c][1]:g}" for c in g.constants if c in self.changed),
            }
            for col in self.cumulative.columns:
                row[f"{col} [Mt CO2]"] = self.cumulative.loc[key, col]
            for col in self.turning_points.columns:
                row[f"{col} [yr]"] = self.turning_points.loc[key, col]
            rows.append(row)
        return pd.DataFrame(rows).set_index("group")


def _prepare_groups(
    groups: Sequence[LeverGroup], changed: Mapping[str, tuple[float, float]]
) -> tuple[list[LeverGroup], list[LeverGroup]]:
    """(all groups incl. automatic 'other', players = groups with a changed constant)."""
    keys = [g.key for g in groups]
    if len(set(keys)) != len(keys):
        raise PolicyConfigError(f"duplicate group keys: {keys}")
    owned = {c for g in groups for c in g.constants}
    seen: set[str] = set()
    for g in groups:
        dup = seen.intersection(g.constants)
        if dup:
            raise PolicyConfigError(f"constants {sorted(dup)} are in more than one group")
        seen.update(g.constants)
    loose = tuple(c for c in changed if c not in owned)
    all_groups = list(groups)
    if loose:
        if OTHER_GROUP.key in keys:
            raise PolicyConfigError(
                f"constants {list(loose)} are in no group and the key 'other' is taken; add them to a group")
        all_groups.append(LeverGroup(OTHER_GROUP.key, OTHER_GROUP.en, OTHER_GROUP.zh, loose))
    players = [g for g in all_groups if any(c in changed for c in g.constants)]
    if len(players) > MAX_GROUPS:
        raise PolicyConfigError(
            f"{len(players)} groups differ between base and policy; at most {MAX_GROUPS} "
            f"(2^{MAX_GROUPS} runs) are supported: merge levers into fewer groups")
    return all_groups, players


def attribute(
    policy: Mapping[str, float] | str | Path,
    base: Mapping[str, float] | str | Path | None = None,
    groups: Sequence[LeverGroup] | Mapping[str, Any] | str | Path | None = None,
    span: tuple[float, float] = (2020.0, 2060.0),
    tp_options: Mapping[str, Any] | None = None,
    engine: str | None = None,
    mdl_path: str | Path = MODEL_PATH,
) -> AttributionResult:
    """Shapley attribution of policy − base to lever groups (see the module docstring).

    Args:
        policy: overrides applied on top of ``base`` (mapping or YAML scenario file).
        base: base overrides of the model defaults (None = model defaults).
        groups: lever groups (list of :class:`LeverGroup`, a mapping or YAML file as
            accepted by :func:`analysis.policy.levers.load_groups`; None = the default
            groups, one per lever family). With ``groups=[]`` every changed constant
            is its own player.
        span: (from, to) years of the cumulative quantities.
        tp_options: options of the turning-point engine (:class:`analysis.turning_points.TPOptions`).
        engine: see :func:`analysis.policy.evaluate.simulate`.

    Returns:
        :class:`AttributionResult`.
    """
    model = load_model(mdl_path)
    base_ov = load_scenario(base, mdl_path)
    pol_ov = load_scenario(policy, mdl_path)
    if isinstance(groups, (list, tuple)) and all(isinstance(g, LeverGroup) for g in groups):
        group_list = list(groups)
    else:
        group_list = load_groups(groups, mdl_path) if groups is not None else load_groups(None, mdl_path)
    base_full = dict(base_ov)
    policy_full = {**base_ov, **pol_ov}
    changed: dict[str, tuple[float, float]] = {}
    for name in dict.fromkeys([*base_full, *policy_full]):
        b = base_full.get(name, model.constants[name].default)
        p = policy_full.get(name, b)
        if isinstance(b, pd.Series) or isinstance(p, pd.Series):
            # a data input (time series of the region) is shared by every coalition
            if not (isinstance(b, pd.Series) and isinstance(p, pd.Series) and b.equals(p)):
                raise PolicyConfigError(f"'{name}': the policy changes a data series of the base; "
                                        "attribution compares constants, give it as a number in both")
            continue
        if b != p:
            changed[name] = (float(b), float(p))
    if isinstance(groups, (list, tuple)) and len(groups) == 0:
        group_list = [LeverGroup(c.replace(" ", "_"), c, c, (c,)) for c in changed]
    all_groups, players = _prepare_groups(group_list, changed)
    k = len(players)
    member = coalition_matrix(k)
    n = 2**k

    params: dict[str, object] = {name: (v if isinstance(v, pd.Series) else float(v))
                                 for name, v in base_full.items()}
    for i, g in enumerate(players):
        for c in g.constants:
            if c in changed:
                b, p = changed[c]
                params[c] = np.where(member[:, i], p, b)
    cum_metrics = [Metric.parse(f"{c}[{span[0]:g}:{span[1]:g}]") for c in _CUM_METRICS]
    outputs = list(dict.fromkeys([*SERIES_OUTPUTS, *TP_OUTPUTS.values(),
                                  *(o for m in cum_metrics for o in m.outputs())]))
    sim = simulate(params, outputs, n_runs=n, engine=engine, mdl_path=mdl_path)
    times = sim.times
    index = pd.Index(times, name="year")
    player_keys = [g.key for g in players]
    zero_keys = [g.key for g in all_groups if g.key not in player_keys]
    order = [g.key for g in all_groups]

    def frame(phi: np.ndarray, idx) -> pd.DataFrame:
        df = pd.DataFrame(phi.T if phi.ndim == 2 else phi[None, :], index=idx, columns=player_keys)
        for z in zero_keys:
            df[z] = 0.0
        return df[order]

    wedges, levels = {}, {}
    for out in SERIES_OUTPUTS:
        arr = sim[out]
        wedges[out] = frame(shapley_values(arr, k), index)
        levels[out] = pd.DataFrame({"base": arr[0], "policy": arr[-1]}, index=index)

    mt = evaluate_metrics(sim, cum_metrics)
    cum_vals = mt.values.to_numpy()
    cum = pd.DataFrame(shapley_values(cum_vals, k), index=player_keys, columns=mt.values.columns)
    cum = cum.reindex(order).fillna(0.0)
    cum.loc["total"] = cum_vals[-1] - cum_vals[0]
    cum_levels = pd.DataFrame([cum_vals[0], cum_vals[-1]], index=["base", "policy"], columns=mt.values.columns)

    tpt = turning_point_table(sim, TP_KEYS, tp_options)
    years = tpt.values.to_numpy()
    tp_phi = shapley_values(years, k)
    tp = pd.DataFrame(tp_phi, index=player_keys, columns=list(TP_KEYS)).reindex(order)
    for z in zero_keys:
        tp.loc[z] = np.where(np.isnan(years).any(axis=0), np.nan, 0.0)
    tp.loc["total"] = years[-1] - years[0]
    info = pd.DataFrame(
        {
            "name_en": [tpmod.NAMES[key]["en"] for key in TP_KEYS],
            "name_zh": [tpmod.NAMES[key]["zh"] for key in TP_KEYS],
            "base_year": years[0],
            "policy_year": years[-1],
            "shift": years[-1] - years[0],
            "base_status": tpt.status.iloc[0].to_numpy(),
            "policy_status": tpt.status.iloc[-1].to_numpy(),
            "base_censored": tpt.censored.iloc[0].to_numpy(),
            "policy_censored": tpt.censored.iloc[-1].to_numpy(),
            "n_censored": tpt.censored.sum(axis=0).to_numpy(),
            "n_undefined": np.isnan(years).sum(axis=0),
        },
        index=pd.Index(list(TP_KEYS), name="key"),
    )
    return AttributionResult(
        groups=tuple(all_groups),
        players=tuple(player_keys),
        base=base_full,
        policy=policy_full,
        changed=changed,
        times=times,
        wedges=wedges,
        levels=levels,
        cumulative=cum,
        cumulative_levels=cum_levels,
        turning_points=tp,
        turning_point_info=info,
        n_runs=n,
        engine=sim.engine,
        span=(float(span[0]), float(span[1])),
        settings={"tp_options": tpmod.TPOptions.of(tp_options).describe()},
    )
