"""Turning points on the way to carbon neutrality (“双碳”目标实现过程中的五个重要拐点).

The seed paper (``001_78cfa5cee7b1908f.txt`` §2) names five turning points only
qualitatively.  This module gives each one an explicit operational definition and
computes it *the same way* on model output and on a historical series:

=====================  ==============================================  ============================
key                    turning point                                   criterion (summary)
=====================  ==============================================  ============================
``tp1``                emission growth-rate peak 碳排放增速达峰          global max of (dE/dt)/E
``tp2``                emission increment peak 碳排放增量达峰            global max of dE/dt
``tp2_intensity``      average vs marginal energy intensity             |m - a|/a <= tol, sustained
                       单位经济能耗趋近单位经济增量能耗
``tp3``                emission peak 碳达峰                             global max of E
``tp4``                sink growth peak 碳汇增速达峰                    global max of dS/dt
``tp4_sink_peak``      sink peak 碳汇总量达峰                           global max of S
``tp5``                net-stock turning point 碳排放净存量拐点          G <= threshold and land growth
                                                                        <= tol, sustained to the end
``neutrality``         carbon neutrality 碳中和                         N <= tol, sustained to the end
=====================  ==============================================  ============================

Symbols and units
-----------------
* ``E`` gross CO2 emissions, Mt CO2/yr; ``S`` land carbon sink, Mt CO2/yr (removals
  positive); ``N = E - S`` net emissions, Mt CO2/yr.
* ``G`` emissions attributable to growth (land conversion for new construction,
  embodied emissions of new buildings, operation of newly added construction land),
  Mt CO2/yr; ``L`` construction land, 10^4 ha.
* Time: every input is a :class:`pandas.Series` indexed by time in (possibly
  fractional) years, e.g. 2005.0, 2005.25, ...  Derivatives are always *per year*
  (numpy.gradient on the time coordinate, i.e. second-order central differences,
  one-sided at the two ends; uneven spacing such as gaps in history is allowed).
  Result years are grid times of the input, so their resolution is the input's
  time step.

The full operational definitions (English and Chinese) are module data in
:data:`DEFINITIONS` so that the app can show them as help text.

Choices that matter (documented in :data:`DEFINITIONS` and tested)
------------------------------------------------------------------
* **Several local maxima** (TP1, TP2, TP3, TP4, sink peak): the *global* maximum over
  the horizon counts (earliest one if tied), computed after the optional smoothing.
  The global maximum is the only local maximum exceeded neither before nor after
  it, so the turning point cannot be moved by a short-lived bump (recession, noise).
* **Boundary maxima**: a global maximum at the *first* time step is a boundary, not a
  turning point: the quantity was already falling when the horizon starts, so the
  turning point lies at or before the start.  It is reported as *not identified*
  (``status='before_start'``, ``bound_year`` = start).  A maximum at the *last*
  time step means "still rising at the end of the horizon" (``status='not_yet'``,
  ``bound_year`` = end).  The reason text also names the largest later local
  maximum, if any, so that the user can restrict the horizon with ``start=``.
* **Threshold events** (TP2 intensity convergence, TP5, neutrality): the first time
  from which the condition holds at *every* remaining time step.  If it already
  holds at the first step the event is at or before the start (``before_start``);
  if it holds at some time but not at the end it is ``not_sustained``.
* **Smoothing** (:class:`Smoothing`) is off by default (model output is smooth) and
  recommended for history (:data:`HISTORY_SMOOTHING`, centred 5-year moving
  average, the default of :func:`from_history_csv`).  It is applied to the *level*
  series that are differentiated (E for TP1/TP2, S for TP4, energy and GDP for the
  intensity check).  Level maxima (TP3, sink peak) and threshold events (TP5,
  neutrality) use the unsmoothed series, so that e.g. the emission peak is the
  year of the observed maximum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Literal, Mapping

import numpy as np
import pandas as pd

__all__ = [
    "DEFINITIONS",
    "NAMES",
    "UNITS",
    "KEYS",
    "STATUSES",
    "HISTORY_SMOOTHING",
    "Smoothing",
    "TurningPoint",
    "TurningPointTable",
    "turning_points",
    "read_history_series",
    "from_history_csv",
    "STATUS_CODES",
    "KEY_INPUTS",
    "TurningPointArrays",
    "turning_points_batch",
    "turning_point_years",
]

# --------------------------------------------------------------------------------------
# Defaults (documented in DEFINITIONS)
# --------------------------------------------------------------------------------------

#: TP5: growth-attributable emissions count as "≈ 0" when <= this share of their
#: maximum over the horizon (fraction, default 2 %).
DEFAULT_TP5_GROWTH_SHARE: float = 0.02
#: TP5: construction land counts as "no longer growing" when its forward annual
#: relative growth (L(t+dt) - L(t)) / (dt * L(t)) <= this value (1/yr, default 0.1 %/yr).
DEFAULT_TP5_LAND_GROWTH_TOL: float = 0.001
#: Neutrality: N counts as "<= 0" when N <= this share of the maximum gross emissions
#: over the horizon (fraction, default 1 %; Mt CO2/yr once multiplied).
DEFAULT_NEUTRALITY_TOL_SHARE: float = 0.01
#: TP2 companion: average and marginal energy intensity have converged when their
#: relative gap |m - a| / a <= this value (fraction, default 5 %).
DEFAULT_INTENSITY_TOL: float = 0.05
#: Minimum number of valid time points for any maximum (a maximum needs both neighbours).
MIN_POINTS: int = 3

KEYS: tuple[str, ...] = (
    "tp1",
    "tp2",
    "tp2_intensity",
    "tp3",
    "tp4",
    "tp4_sink_peak",
    "tp5",
    "neutrality",
)

NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "tp1": {"en": "Emission growth-rate peak", "zh": "碳排放增速达峰"},
        "tp2": {"en": "Emission increment peak", "zh": "碳排放增量达峰"},
        "tp2_intensity": {
            "en": "Average and marginal energy intensity converge",
            "zh": "单位经济能耗趋近单位经济增量能耗",
        },
        "tp3": {"en": "Emission peak", "zh": "碳排放总量达峰（碳达峰）"},
        "tp4": {"en": "Sink growth peak", "zh": "碳汇增速达峰"},
        "tp4_sink_peak": {"en": "Sink peak", "zh": "碳汇总量达峰"},
        "tp5": {"en": "Net-stock turning point", "zh": "碳排放净存量拐点"},
        "neutrality": {"en": "Carbon neutrality", "zh": "碳中和"},
    }
)

#: Unit of ``TurningPoint.value`` per key.
UNITS: Mapping[str, str] = MappingProxyType(
    {
        "tp1": "1/yr",
        "tp2": "Mt CO2/yr per yr",
        "tp2_intensity": "fraction (relative gap)",
        "tp3": "Mt CO2/yr",
        "tp4": "Mt CO2/yr per yr",
        "tp4_sink_peak": "Mt CO2/yr",
        "tp5": "Mt CO2/yr",
        "neutrality": "Mt CO2/yr",
    }
)

#: Possible ``TurningPoint.status`` values.
STATUSES: Mapping[str, str] = MappingProxyType(
    {
        "reached": "identified within the horizon",
        "before_start": "boundary: at or before the first time step (not identified)",
        "not_yet": "not reached by the end of the horizon",
        "not_sustained": "condition met at some time but not kept to the end of the horizon",
        "no_peak": "series constant, no maximum",
        "too_short": "series too short",
        "no_input": "input not given",
    }
)

_COMMON_EN = (
    " Derivatives are per year, from second-order central differences on the time "
    "axis (numpy.gradient; one-sided at the two ends), so quarter-year or uneven "
    "steps give the same units; the year reported is a time of the input grid."
)
_COMMON_ZH = (
    "导数均按每年计，由时间轴上的二阶中心差分（numpy.gradient，两端为单侧差分）求得，"
    "因此季度步长或不等间距输入的单位相同；报告的年份为输入时间网格上的时刻。"
)
_MAX_RULE_EN = (
    " Several local maxima: the global maximum over the horizon counts (the earliest "
    "if tied); it is the only local maximum exceeded neither before nor after it, so "
    "short-lived bumps (recessions, noise) cannot create a turning point. A maximum "
    "at the first time step is a boundary, not a turning point (the turning point "
    "lies at or before the start): reported as not identified. A maximum at the "
    "last time step means still rising at the end of the horizon: not reached."
)
_MAX_RULE_ZH = (
    "存在多个局部极大值时，取研究期内的全局最大值（并列取最早者）；全局最大值是唯一"
    "前后均未被超过的局部极大值，因此短暂波动（经济衰退、噪声）不会形成拐点。最大值"
    "位于第一个时间步属于边界而非拐点（拐点在起始年或之前），记为“未识别”；最大值位于"
    "最后一个时间步表示到研究期末仍在上升，记为“未达到”。"
)
_SMOOTH_EN = (
    " Optional smoothing (off by default for model output; a centred 5-year moving "
    "average is recommended for history) is applied to the level series before "
    "differentiation."
)
_SMOOTH_ZH = "可选平滑（模型输出默认关闭；历史数据建议使用5年居中移动平均）在求导前作用于水平序列。"
_SUSTAIN_EN = (
    " The condition must hold at every remaining time step of the horizon; if it "
    "already holds at the first step the event lies at or before the start (not "
    "identified); if it holds at some time but fails again later it is reported as "
    "not sustained."
)
_SUSTAIN_ZH = (
    "条件须在研究期剩余的每个时间步都成立；若在第一个时间步已成立，则该拐点在起始年或"
    "之前（记为“未识别”）；若某时成立但之后又不成立，记为“未持续”。"
)

#: Operational definitions shown as help text, per key and language ('en', 'zh').
DEFINITIONS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "tp1": {
            "en": (
                "Emission growth-rate peak (policy turning point): the time of the "
                "maximum of the annual growth rate of gross CO2 emissions, "
                "g(t) = (dE/dt)/E(t) in 1/yr (undefined where E <= 0)."
                + _COMMON_EN + _MAX_RULE_EN + _SMOOTH_EN
            ),
            "zh": (
                "碳排放增速达峰（政策拐点）：二氧化碳排放总量年增长率 g(t) = (dE/dt)/E(t)"
                "（单位 1/年，E ≤ 0 处无定义）取最大值的时刻。"
                + _COMMON_ZH + _MAX_RULE_ZH + _SMOOTH_ZH
            ),
        },
        "tp2": {
            "en": (
                "Emission increment peak (urbanization/industrialization demand turning "
                "point): the time of the maximum of the annual increment dE/dt in "
                "Mt CO2/yr per yr, i.e. the inflection point of E."
                + _COMMON_EN + _MAX_RULE_EN + _SMOOTH_EN
            ),
            "zh": (
                "碳排放增量达峰（城镇化与工业化需求拐点）：排放年增量 dE/dt（单位 Mt CO2/年²）"
                "取最大值的时刻，即 E 的拐点。" + _COMMON_ZH + _MAX_RULE_ZH + _SMOOTH_ZH
            ),
        },
        "tp2_intensity": {
            "en": (
                "Companion of TP2 (seed Fig. 3): average energy intensity "
                "a(t) = energy/GDP and marginal energy intensity of new GDP "
                "m(t) = (d energy/dt)/(d GDP/dt), defined only where d GDP/dt > 0 "
                "(points with falling GDP are skipped). They have converged from the "
                "first time after which the relative gap |m - a|/a stays <= the "
                "tolerance (default 5 %) for the rest of the horizon. Value: the gap "
                "at that time (fraction)." + _SUSTAIN_EN + _COMMON_EN + _SMOOTH_EN
            ),
            "zh": (
                "TP2 的伴随指标（种子文献图3）：单位经济能耗 a(t) = 能耗/GDP，单位经济增量能耗 "
                "m(t) = (d能耗/dt)/(dGDP/dt)，仅在 dGDP/dt > 0 时有定义（GDP 下降的时点跳过）。"
                "相对差距 |m − a|/a 自某时起在研究期剩余时间内始终 ≤ 容差（默认 5%），该时刻即为"
                "二者趋同之年；取值为该时刻的相对差距。" + _SUSTAIN_ZH + _COMMON_ZH + _SMOOTH_ZH
            ),
        },
        "tp3": {
            "en": (
                "Emission peak (碳达峰): the time of the maximum of gross CO2 emissions E "
                "(Mt CO2/yr) over the horizon, a sustained maximum: E never exceeds it "
                "afterwards within the horizon (earliest time if the maximum is a flat "
                "plateau). Computed on the unsmoothed series." + _MAX_RULE_EN
            ),
            "zh": (
                "碳排放总量达峰（碳达峰）：研究期内二氧化碳排放总量 E（Mt CO2/年）最大值所在时刻，"
                "且此后在研究期内不再被超过（持续最大值；若最大值为平台则取最早时刻）。"
                "使用未平滑的序列计算。" + _MAX_RULE_ZH
            ),
        },
        "tp4": {
            "en": (
                "Sink growth peak (blue-green space turning point): the time of the "
                "maximum of the annual increment of the land carbon sink dS/dt "
                "(Mt CO2/yr per yr; S counts removals as positive)."
                + _COMMON_EN + _MAX_RULE_EN + _SMOOTH_EN
            ),
            "zh": (
                "碳汇增速达峰（蓝绿空间拐点）：土地碳汇年增量 dS/dt（Mt CO2/年²，S 以吸收为正）"
                "取最大值的时刻。" + _COMMON_ZH + _MAX_RULE_ZH + _SMOOTH_ZH
            ),
        },
        "tp4_sink_peak": {
            "en": (
                "Sink peak: the time of the maximum of the land carbon sink S "
                "(Mt CO2/yr) over the horizon, not exceeded afterwards; computed on the "
                "unsmoothed series. A sink that only saturates towards a limit is "
                "reported as still rising." + _MAX_RULE_EN
            ),
            "zh": (
                "碳汇总量达峰：研究期内土地碳汇 S（Mt CO2/年）最大值所在时刻，此后不再被超过；"
                "使用未平滑的序列。只趋于饱和而未下降的碳汇记为仍在上升。" + _MAX_RULE_ZH
            ),
        },
        "tp5": {
            "en": (
                "Net-stock turning point (structure optimisation): the first time t "
                "from which, at every remaining time step, (1) the emissions "
                "attributable to growth G (Mt CO2/yr) are <= a threshold, by default "
                "2 % of the maximum of G over the horizon (an absolute threshold can "
                "be given instead), and (2) construction land L (10^4 ha) no longer "
                "grows: its forward relative growth (L(t+dt) - L(t))/(dt L(t)) is "
                "<= a tolerance, by default 0.1 %/yr (backward difference at the last "
                "step). Value: G at that time." + _SUSTAIN_EN
            ),
            "zh": (
                "碳排放净存量拐点（空间结构优化）：自某时刻 t 起在研究期剩余每个时间步均满足："
                "(1) 增长引起的排放 G（Mt CO2/年）≤ 阈值，默认为研究期内 G 最大值的 2%"
                "（也可给定绝对阈值）；(2) 建设用地 L（万公顷）不再增长，即向前相对增长率 "
                "(L(t+dt) − L(t))/(dt·L(t)) ≤ 容差，默认 0.1%/年（最后一步用向后差分）。"
                "取值为该时刻的 G。" + _SUSTAIN_ZH
            ),
        },
        "neutrality": {
            "en": (
                "Carbon neutrality: the first time from which net emissions "
                "N = E - S (Mt CO2/yr) stay <= a tolerance for the rest of the "
                "horizon. The tolerance is by default 1 % of the maximum gross "
                "emissions over the horizon (well inside the uncertainty of national "
                "inventories; an absolute tolerance in Mt CO2/yr can be given). "
                "Computed on the unsmoothed series. Value: N at that time."
                + _SUSTAIN_EN
            ),
            "zh": (
                "碳中和：净排放 N = E − S（Mt CO2/年）自某时刻起在研究期剩余时间内始终 ≤ 容差的"
                "最早时刻。容差默认为研究期内排放总量最大值的 1%（远小于国家清单的不确定性；"
                "也可给定以 Mt CO2/年计的绝对容差）。使用未平滑的序列；取值为该时刻的 N。"
                + _SUSTAIN_ZH
            ),
        },
    }
)


# --------------------------------------------------------------------------------------
# Data structures
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Smoothing:
    """Optional smoothing of a level series before differentiation.

    Attributes:
        method: ``"moving_average"`` — centred moving average over ``window_years``
            (points with |t_j - t_i| <= half-window are averaged; near the ends the
            half-window shrinks symmetrically, so the end points are unsmoothed and a
            linear trend is preserved everywhere; works on uneven grids), or
            ``"savgol"`` — Savitzky–Golay filter (scipy.signal.savgol_filter, mode
            ``"interp"``) of polynomial order ``polyorder``; needs an even time grid
            and at least one window of points.
        window_years: window length in years (converted to an odd number of points).
        polyorder: polynomial order for Savitzky–Golay (ignored for moving average).
    """

    method: Literal["moving_average", "savgol"] = "moving_average"
    window_years: float = 5.0
    polyorder: int = 2

    def __post_init__(self) -> None:
        if self.method not in ("moving_average", "savgol"):
            raise ValueError(
                f"Smoothing.method must be 'moving_average' or 'savgol', got {self.method!r}"
            )
        if not (isinstance(self.window_years, (int, float)) and self.window_years > 0):
            raise ValueError(f"Smoothing.window_years must be > 0 years, got {self.window_years!r}")
        if not (isinstance(self.polyorder, int) and self.polyorder >= 0):
            raise ValueError(f"Smoothing.polyorder must be a non-negative int, got {self.polyorder!r}")

    def window_points(self, dt: float) -> int:
        """Odd number of points spanned by the window for time step ``dt`` (years)."""
        w = max(1, int(round(self.window_years / dt)))
        return w if w % 2 == 1 else w + 1

    def apply(self, t: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return the smoothed copy of ``y`` sampled at times ``t`` (years).

        Raises:
            _TooShort: the series is shorter than the Savitzky–Golay window.
            ValueError: Savitzky–Golay on an uneven time grid.
        """
        n = len(y)
        if n < 2:
            return y.copy()
        if self.method == "moving_average":
            half = self.window_years / 2.0
            out = np.empty(n)
            eps = 1e-9 * max(1.0, half)
            for i in range(n):
                h = min(half, t[i] - t[0], t[-1] - t[i])
                sel = np.abs(t - t[i]) <= h + eps
                out[i] = y[sel].mean()
            return out
        from scipy.signal import savgol_filter

        steps = np.diff(t)
        dt = float(np.median(steps))
        if np.max(np.abs(steps - dt)) > 1e-6 * dt:
            raise ValueError(
                "Savitzky–Golay smoothing needs an even time grid; use "
                "Smoothing('moving_average', ...) for series with gaps"
            )
        w = self.window_points(dt)
        if w > n:
            raise _TooShort(
                f"series too short for the smoothing window ({n} points < {w})",
                f"序列过短，不足一个平滑窗口（{n} 个点 < {w}）",
            )
        if w <= self.polyorder:
            raise ValueError(
                f"Savitzky–Golay window ({w} points) must exceed polyorder ({self.polyorder})"
            )
        return savgol_filter(y, w, self.polyorder, mode="interp")


#: Recommended smoothing for noisy historical series: centred 5-year moving average.
HISTORY_SMOOTHING = Smoothing("moving_average", 5.0)


class _TooShort(Exception):
    """Internal: a series is too short for the requested computation."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


@dataclass(frozen=True)
class TurningPoint:
    """One turning point result.

    Attributes:
        key: identifier, one of :data:`KEYS`.
        name_en, name_zh: display names.
        year: time of the turning point in years (a time of the input grid), or
            ``None`` when not reached/identified.
        value: value of the defining quantity at ``year`` (unit in ``unit``), or ``None``.
        reached: ``True`` when identified within the horizon.
        reason_en, reason_zh: why it is not reached; for reached points an optional
            note (e.g. an earlier crossing that was not sustained), else ``""``.
        status: machine-readable outcome, one of :data:`STATUSES`.
        bound_year: for ``before_start`` the first time of the horizon (the turning
            point is at or before it); for ``not_yet``/``not_sustained`` the last time
            of the horizon (the turning point, if any, is after it); else ``None``.
        unit: unit of ``value``.
    """

    key: str
    name_en: str
    name_zh: str
    year: float | None
    value: float | None
    reached: bool
    reason_en: str = ""
    reason_zh: str = ""
    status: str = "reached"
    bound_year: float | None = None
    unit: str = ""

    def name(self, lang: str = "en") -> str:
        """Display name in ``lang`` ('en' or 'zh')."""
        return self.name_zh if _lang(lang) == "zh" else self.name_en

    def reason(self, lang: str = "en") -> str:
        """Reason/note in ``lang`` ('en' or 'zh')."""
        return self.reason_zh if _lang(lang) == "zh" else self.reason_en


@dataclass(frozen=True, eq=False)
class TurningPointTable:
    """All turning points of one run or one historical series.

    Attributes:
        points: the results in the order of :data:`KEYS`.
        diagnostics: time-indexed DataFrame (index: years) with the series used:
            ``emissions``, ``growth_rate`` (1/yr), ``increment`` (Mt CO2/yr per yr),
            ``sink``, ``sink_growth``, ``net_emissions``, ``avg_intensity``,
            ``marginal_intensity``, ``intensity_gap``, ``growth_emissions``,
            ``construction_land``, ``land_growth`` (1/yr, forward); only those that
            could be computed.
        settings: thresholds and smoothing actually used.
    """

    points: tuple[TurningPoint, ...]
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    settings: Mapping[str, object] = field(default_factory=dict)

    def __getitem__(self, key: str) -> TurningPoint:
        for p in self.points:
            if p.key == key:
                return p
        raise KeyError(f"unknown turning point {key!r}; known: {', '.join(KEYS)}")

    def __iter__(self) -> Iterator[TurningPoint]:
        return iter(self.points)

    def __len__(self) -> int:
        return len(self.points)

    def keys(self) -> list[str]:
        """Keys in table order."""
        return [p.key for p in self.points]

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """Table with columns key, name, year, value, unit, reached, status, reason.

        Args:
            lang: 'en' or 'zh' for the name and reason columns.
        """
        lg = _lang(lang)
        rows = [
            {
                "key": p.key,
                "name": p.name(lg),
                "year": p.year,
                "value": p.value,
                "unit": p.unit,
                "reached": p.reached,
                "status": p.status,
                "reason": p.reason(lg),
            }
            for p in self.points
        ]
        df = pd.DataFrame(rows, columns=["key", "name", "year", "value", "unit", "reached", "status", "reason"])
        df["year"] = df["year"].astype(float)
        df["value"] = df["value"].astype(float)
        return df


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _lang(lang: str) -> str:
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    return lang


def _fy(t: float) -> str:
    """Format a time in years: 2030 for whole years, 2030.25 otherwise."""
    r = round(t)
    return str(int(r)) if abs(t - r) < 1e-6 else f"{t:.6g}"


def _fv(v: float) -> str:
    return f"{v:.4g}"


def _make(
    key: str,
    year: float | None,
    value: float | None,
    status: str,
    en: str = "",
    zh: str = "",
    bound: float | None = None,
) -> TurningPoint:
    return TurningPoint(
        key=key,
        name_en=NAMES[key]["en"],
        name_zh=NAMES[key]["zh"],
        year=None if year is None else float(year),
        value=None if value is None else float(value),
        reached=status == "reached",
        reason_en=en,
        reason_zh=zh,
        status=status,
        bound_year=None if bound is None else float(bound),
        unit=UNITS[key],
    )


_ZH_INPUT = {
    "sink": "碳汇",
    "energy and GDP": "能耗和GDP",
    "growth_emissions": "增长引起的排放",
    "construction_land": "建设用地",
}


def _no_input(key: str, what: str) -> TurningPoint:
    zh = "、".join(_ZH_INPUT.get(w, w) for w in what.split(" and ")) if what != "energy and GDP" else _ZH_INPUT[what]
    return _make(key, None, None, "no_input", f"input not given ({what})", f"未提供输入（{zh}）")


def _to_years(index: pd.Index) -> np.ndarray:
    if isinstance(index, pd.DatetimeIndex):
        start = pd.to_datetime(index.year.astype(str) + "-01-01")
        length = np.where(index.is_leap_year, 366.0, 365.0)
        return index.year.to_numpy(float) + (index - start).days.to_numpy(float) / length
    try:
        return np.asarray(index, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"time index must be numeric years, got dtype {index.dtype}") from exc


def _prepare(
    s: pd.Series | None, name: str, start: float | None, end: float | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """Validate a time series; return (t years, values) sorted, finite, within horizon."""
    if s is None:
        return None
    if isinstance(s, pd.DataFrame):
        if s.shape[1] != 1:
            raise TypeError(f"{name}: expected a pandas Series, got a DataFrame with {s.shape[1]} columns")
        s = s.iloc[:, 0]
    if not isinstance(s, pd.Series):
        raise TypeError(f"{name}: expected a pandas Series indexed by year, got {type(s).__name__}")
    t = _to_years(s.index)
    try:
        y = pd.to_numeric(s, errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: values must be numeric") from exc
    ok = np.isfinite(t) & np.isfinite(y)
    if start is not None:
        ok &= t >= start - 1e-9
    if end is not None:
        ok &= t <= end + 1e-9
    t, y = t[ok], y[ok]
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    if len(t) > 1 and np.any(np.diff(t) <= 0):
        dup = t[1:][np.diff(t) <= 0][0]
        raise ValueError(f"{name}: duplicate time {_fy(dup)} in the index")
    return t, y


def _align(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]):
    """Restrict two prepared series to their common times."""
    common, ia, ib = np.intersect1d(a[0], b[0], return_indices=True)
    return common, a[1][ia], b[1][ib]


def _ddt(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-year derivative: central differences inside, one-sided at the ends."""
    if len(t) < 2:
        return np.full(len(t), np.nan)
    return np.gradient(y, t)


def _forward_rel_growth(t: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(y(t+dt) - y(t)) / (dt * y(t)) per year; backward difference at the last point."""
    n = len(y)
    g = np.full(n, np.nan)
    if n < 2:
        return g
    with np.errstate(divide="ignore", invalid="ignore"):
        g[:-1] = np.diff(y) / np.diff(t) / y[:-1]
        g[-1] = (y[-1] - y[-2]) / (t[-1] - t[-2]) / y[-1]
    g[~np.isfinite(g)] = np.nan
    return g


def _smooth(smoothing: Smoothing | None, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    return y if smoothing is None else smoothing.apply(t, y)


def _too_short(key: str, n: int, need: int = MIN_POINTS) -> TurningPoint:
    return _make(
        key,
        None,
        None,
        "too_short",
        f"series too short ({n} valid time points; at least {need} needed)",
        f"序列过短（有效时间点 {n} 个，至少需要 {need} 个）",
    )


def _global_max(
    key: str,
    t: np.ndarray,
    y: np.ndarray,
    what_en: str,
    what_zh: str,
) -> TurningPoint:
    """Apply the global-maximum rule (see DEFINITIONS) to y(t); NaNs are ignored."""
    ok = np.isfinite(y)
    t, y = t[ok], y[ok]
    n = len(y)
    if n < MIN_POINTS:
        return _too_short(key, n)
    ymax, ymin = float(np.max(y)), float(np.min(y))
    if ymax - ymin <= 1e-12 * max(1.0, abs(ymax)):
        return _make(
            key, None, None, "no_peak",
            f"{what_en} constant over the horizon ({_fy(t[0])}–{_fy(t[-1])}): no maximum",
            f"{what_zh}在研究期内（{_fy(t[0])}–{_fy(t[-1])}）保持不变，无最大值",
        )
    i = int(np.argmax(y))
    if i == 0:
        en = (
            f"{what_en} highest at the first time step ({_fy(t[0])}) and falling afterwards: "
            f"boundary, the turning point lies at or before {_fy(t[0])} (not identified)"
        )
        zh = f"{what_zh}在第一个时间步（{_fy(t[0])}）最高、此后下降：属边界，拐点在 {_fy(t[0])} 或之前（未识别）"
        later = _largest_sustained_local_max(y)
        if later is not None:
            en += (
                f"; a later, smaller local maximum at {_fy(t[later])} ({_fv(y[later])}) is not "
                f"counted — restrict the horizon (start=) to analyse it"
            )
            zh += f"；之后 {_fy(t[later])} 有较小的局部极大值（{_fv(y[later])}），不计入——可用 start= 缩短研究期后分析"
        return _make(key, None, None, "before_start", en, zh, bound=t[0])
    if i == n - 1:
        return _make(
            key, None, None, "not_yet",
            f"{what_en} still rising at the end of the horizon ({_fy(t[-1])})",
            f"至研究期末（{_fy(t[-1])}）{what_zh}仍在上升",
            bound=t[-1],
        )
    return _make(key, t[i], y[i], "reached")


def _largest_sustained_local_max(y: np.ndarray) -> int | None:
    """Index of the largest interior local maximum (y[i-1] < y[i] >= y[i+1]), or None."""
    n = len(y)
    if n < 3:
        return None
    idx = [i for i in range(1, n - 1) if y[i - 1] < y[i] >= y[i + 1]]
    if not idx:
        return None
    return max(idx, key=lambda i: (y[i], -i))


def _sustained(
    key: str,
    t: np.ndarray,
    cond: np.ndarray,
    values: np.ndarray,
    what_en: str,
    what_zh: str,
    end_en: str,
    end_zh: str,
) -> TurningPoint:
    """First time from which ``cond`` holds at every remaining step (see DEFINITIONS).

    ``end_en``/``end_zh`` explain why the condition fails at the last step.
    """
    n = len(t)
    if n < 2:
        return _too_short(key, n, 2)
    if not cond[-1]:
        hits = np.flatnonzero(cond)
        if hits.size:
            first = int(hits[0])
            fail_after = first + int(np.flatnonzero(~cond[first:])[0])
            return _make(
                key, None, None, "not_sustained",
                f"{what_en} met at {_fy(t[first])} but not sustained (fails again at "
                f"{_fy(t[fail_after])}; {end_en} at the end of the horizon, {_fy(t[-1])})",
                f"{what_zh}在 {_fy(t[first])} 满足但未持续（{_fy(t[fail_after])} 再次不满足；"
                f"研究期末 {_fy(t[-1])} {end_zh}）",
                bound=t[-1],
            )
        return _make(
            key, None, None, "not_yet",
            f"{what_en} not met by the end of the horizon ({_fy(t[-1])}): {end_en}",
            f"至研究期末（{_fy(t[-1])}）{what_zh}仍未满足：{end_zh}",
            bound=t[-1],
        )
    bad = np.flatnonzero(~cond)
    i = 0 if bad.size == 0 else int(bad[-1]) + 1
    if i == 0:
        return _make(
            key, None, None, "before_start",
            f"{what_en} already met at the first time step ({_fy(t[0])}) and throughout: "
            f"boundary, the turning point lies at or before {_fy(t[0])} (not identified)",
            f"{what_zh}在第一个时间步（{_fy(t[0])}）即已满足并一直保持：属边界，拐点在 "
            f"{_fy(t[0])} 或之前（未识别）",
            bound=t[0],
        )
    en = zh = ""
    earlier = np.flatnonzero(cond[:i])
    if earlier.size:
        en = f"an earlier crossing at {_fy(t[earlier[0]])} was not sustained and is not counted"
        zh = f"{_fy(t[earlier[0]])} 的较早满足未能持续，不计入"
    return _make(key, t[i], values[i], "reached", en, zh)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


def turning_points(
    emissions: pd.Series,
    sink: pd.Series | None = None,
    growth_emissions: pd.Series | None = None,
    construction_land: pd.Series | None = None,
    energy: pd.Series | None = None,
    gdp: pd.Series | None = None,
    smoothing: Smoothing | None = None,
    *,
    start: float | None = None,
    end: float | None = None,
    tp5_growth_share: float = DEFAULT_TP5_GROWTH_SHARE,
    tp5_growth_threshold: float | None = None,
    tp5_land_growth_tol: float = DEFAULT_TP5_LAND_GROWTH_TOL,
    neutrality_tol_share: float = DEFAULT_NEUTRALITY_TOL_SHARE,
    neutrality_tol: float | None = None,
    intensity_tol: float = DEFAULT_INTENSITY_TOL,
) -> TurningPointTable:
    """Compute all turning points (see :data:`DEFINITIONS`).

    Args:
        emissions: gross CO2 emissions E, Mt CO2/yr, indexed by time in years.
        sink: land carbon sink S, Mt CO2/yr, removals positive.
        growth_emissions: emissions attributable to growth G, Mt CO2/yr.
        construction_land: construction land L, 10^4 ha.
        energy: primary energy (any unit, e.g. TWh or Mtce) for the TP2 intensity check.
        gdp: GDP at constant prices (any unit) for the TP2 intensity check.
        smoothing: optional :class:`Smoothing` of the differentiated level series
            (off by default; :data:`HISTORY_SMOOTHING` recommended for history).
        start, end: optional horizon limits in years (inclusive).
        tp5_growth_share: TP5 threshold for G as a share of its maximum (fraction).
        tp5_growth_threshold: absolute TP5 threshold for G in Mt CO2/yr (overrides the share).
        tp5_land_growth_tol: TP5 tolerance for construction land growth (1/yr).
        neutrality_tol_share: neutrality tolerance as a share of max E (fraction).
        neutrality_tol: absolute neutrality tolerance, Mt CO2/yr (overrides the share).
        intensity_tol: relative gap tolerance for the intensity convergence (fraction).

    Returns:
        TurningPointTable with one :class:`TurningPoint` per key in :data:`KEYS`;
        missing inputs give ``status='no_input'`` with the reason "input not given".
    """
    if smoothing is not None and not isinstance(smoothing, Smoothing):
        raise TypeError(f"smoothing must be a Smoothing or None, got {type(smoothing).__name__}")
    for nm, v in (
        ("tp5_growth_share", tp5_growth_share),
        ("tp5_land_growth_tol", tp5_land_growth_tol),
        ("neutrality_tol_share", neutrality_tol_share),
        ("intensity_tol", intensity_tol),
    ):
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{nm} must be a finite number >= 0, got {v!r}")

    E = _prepare(emissions, "emissions", start, end)
    if E is None:
        raise ValueError("emissions are required")
    S = _prepare(sink, "sink", start, end)
    G = _prepare(growth_emissions, "growth_emissions", start, end)
    L = _prepare(construction_land, "construction_land", start, end)
    EN = _prepare(energy, "energy", start, end)
    Y = _prepare(gdp, "gdp", start, end)

    diag: dict[str, pd.Series] = {}
    res: dict[str, TurningPoint] = {}
    used: dict[str, float] = {}
    te, ye = E

    def guarded(key: str, fn) -> TurningPoint:
        try:
            return fn()
        except _TooShort as exc:
            return _make(key, None, None, "too_short", exc.en, exc.zh)

    # ---- TP1, TP2 -----------------------------------------------------------------
    def _tp12() -> tuple[TurningPoint, TurningPoint]:
        if len(te) < MIN_POINTS:
            return _too_short("tp1", len(te)), _too_short("tp2", len(te))
        ys = _smooth(smoothing, te, ye)
        inc = _ddt(te, ys)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(ys > 0, inc / ys, np.nan)
        diag["growth_rate"] = pd.Series(rate, te)
        diag["increment"] = pd.Series(inc, te)
        return (
            _global_max("tp1", te, rate, "emission growth rate", "碳排放增速"),
            _global_max("tp2", te, inc, "emission increment", "碳排放增量"),
        )

    diag["emissions"] = pd.Series(ye, te)
    try:
        res["tp1"], res["tp2"] = _tp12()
    except _TooShort as exc:
        res["tp1"] = _make("tp1", None, None, "too_short", exc.en, exc.zh)
        res["tp2"] = _make("tp2", None, None, "too_short", exc.en, exc.zh)

    # ---- TP2 companion: intensity convergence -------------------------------------
    def _intensity() -> TurningPoint:
        if EN is None or Y is None:
            return _no_input("tp2_intensity", "energy and GDP")
        t, en_, gd = _align(EN, Y)
        if len(t) < MIN_POINTS:
            return _too_short("tp2_intensity", len(t))
        en_s, gd_s = _smooth(smoothing, t, en_), _smooth(smoothing, t, gd)
        d_en, d_gd = _ddt(t, en_s), _ddt(t, gd_s)
        with np.errstate(divide="ignore", invalid="ignore"):
            avg = np.where(gd_s > 0, en_s / gd_s, np.nan)
            marg = np.where(d_gd > 0, d_en / d_gd, np.nan)
            gap = np.abs(marg - avg) / np.where(avg > 0, avg, np.nan)
        diag["avg_intensity"] = pd.Series(avg, t)
        diag["marginal_intensity"] = pd.Series(marg, t)
        diag["intensity_gap"] = pd.Series(gap, t)
        ok = np.isfinite(gap)
        if ok.sum() < 2:
            return _make(
                "tp2_intensity", None, None, "too_short",
                "marginal energy intensity defined at fewer than 2 time points (GDP not growing)",
                "单位经济增量能耗有定义的时间点少于 2 个（GDP 未增长）",
            )
        return _sustained(
            "tp2_intensity", t[ok], gap[ok] <= intensity_tol, gap[ok],
            f"convergence (relative gap <= {intensity_tol:.3g})",
            f"趋同条件（相对差距 ≤ {intensity_tol:.3g}）",
            f"gap {_fv(gap[ok][-1])}", f"相对差距 {_fv(gap[ok][-1])}",
        )

    res["tp2_intensity"] = guarded("tp2_intensity", _intensity)

    # ---- TP3 -----------------------------------------------------------------------
    res["tp3"] = _global_max("tp3", te, ye, "emissions", "碳排放")

    # ---- TP4 and sink peak ---------------------------------------------------------
    if S is None:
        res["tp4"] = _no_input("tp4", "sink")
        res["tp4_sink_peak"] = _no_input("tp4_sink_peak", "sink")
    else:
        ts, ys_raw = S
        diag["sink"] = pd.Series(ys_raw, ts)

        def _tp4() -> TurningPoint:
            if len(ts) < MIN_POINTS:
                return _too_short("tp4", len(ts))
            ds = _ddt(ts, _smooth(smoothing, ts, ys_raw))
            diag["sink_growth"] = pd.Series(ds, ts)
            return _global_max("tp4", ts, ds, "sink increment", "碳汇增量")

        res["tp4"] = guarded("tp4", _tp4)
        res["tp4_sink_peak"] = _global_max("tp4_sink_peak", ts, ys_raw, "sink", "碳汇")

    # ---- TP5 -----------------------------------------------------------------------
    if G is None or L is None:
        missing = [n for n, v in (("growth_emissions", G), ("construction_land", L)) if v is None]
        res["tp5"] = _no_input("tp5", " and ".join(missing))
    else:
        t5, g5, l5 = _align(G, L)
        if len(t5) < 2:
            res["tp5"] = _too_short("tp5", len(t5), 2)
        else:
            gmax = float(np.max(G[1]))
            thr = (
                float(tp5_growth_threshold)
                if tp5_growth_threshold is not None
                else tp5_growth_share * max(gmax, 0.0)
            )
            used["tp5_growth_threshold_used"] = thr
            lg = _forward_rel_growth(t5, l5)
            diag["growth_emissions"] = pd.Series(g5, t5)
            diag["construction_land"] = pd.Series(l5, t5)
            diag["land_growth"] = pd.Series(lg, t5)
            c_g = g5 <= thr
            c_l = np.nan_to_num(lg, nan=np.inf) <= tp5_land_growth_tol
            end_en, end_zh = [], []
            if not c_g[-1]:
                end_en.append(f"growth-attributable emissions {_fv(g5[-1])} > threshold {_fv(thr)} Mt CO2/yr")
                end_zh.append(f"增长引起的排放 {_fv(g5[-1])} > 阈值 {_fv(thr)} Mt CO2/年")
            if not c_l[-1]:
                end_en.append(f"construction land still growing ({100 * lg[-1]:.3g} %/yr)")
                end_zh.append(f"建设用地仍在增长（{100 * lg[-1]:.3g}%/年）")
            res["tp5"] = _sustained(
                "tp5", t5, c_g & c_l, g5,
                "net-stock condition", "净存量条件",
                "; ".join(end_en), "；".join(end_zh),
            )
    # ---- neutrality ----------------------------------------------------------------
    if S is None:
        res["neutrality"] = _no_input("neutrality", "sink")
    else:
        tn, en_n, sn = _align(E, S)
        net = en_n - sn
        diag["net_emissions"] = pd.Series(net, tn)
        tol = (
            float(neutrality_tol)
            if neutrality_tol is not None
            else neutrality_tol_share * max(float(np.max(ye)), 0.0)
        )
        used["neutrality_tol_used"] = tol
        if len(tn) < 2:
            res["neutrality"] = _too_short("neutrality", len(tn), 2)
        else:
            res["neutrality"] = _sustained(
                "neutrality", tn, net <= tol, net,
                f"net emissions <= {_fv(tol)} Mt CO2/yr",
                f"净排放 ≤ {_fv(tol)} Mt CO2/年",
                f"net emissions {_fv(net[-1])} Mt CO2/yr",
                f"净排放 {_fv(net[-1])} Mt CO2/年",
            )

    diagnostics = pd.DataFrame(diag).sort_index() if diag else pd.DataFrame()
    diagnostics.index.name = "year"
    settings = {
        "smoothing": smoothing,
        "start": float(te[0]) if len(te) else None,
        "end": float(te[-1]) if len(te) else None,
        "tp5_growth_share": tp5_growth_share,
        "tp5_growth_threshold": tp5_growth_threshold,
        "tp5_land_growth_tol": tp5_land_growth_tol,
        "neutrality_tol_share": neutrality_tol_share,
        "neutrality_tol": neutrality_tol,
        "intensity_tol": intensity_tol,
        **used,
    }
    return TurningPointTable(
        points=tuple(res[k] for k in KEYS),
        diagnostics=diagnostics,
        settings=dict(settings),  # a plain dict: results are pickled by caches and Dask
    )


_HISTORY_REQUIRED = ("region", "year", "variable", "value", "unit")


def read_history_series(path: str | Path, region: str, variable: str) -> pd.Series:
    """Read one series from a tidy history CSV.

    The format is ``region,year,variable,value,unit,source_id,note`` (shared data) or
    ``region,year,variable,value,unit,source,note`` (calibration data); both are
    accepted.  Missing years are simply absent (no interpolation).

    Returns:
        Series indexed by year (float), values in the file's unit (``.attrs['unit']``).

    Raises:
        ValueError: naming the file when columns are missing, the region/variable is
            absent, or a year is duplicated.
    """
    path = Path(path)
    df = pd.read_csv(path)
    missing = [c for c in _HISTORY_REQUIRED if c not in df.columns]
    if "source" not in df.columns and "source_id" not in df.columns:
        missing.append("source or source_id")
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}; found {list(df.columns)}")
    sel = df[(df["region"] == region) & (df["variable"] == variable)]
    if sel.empty:
        regions = sorted(df["region"].astype(str).unique())
        variables = sorted(df.loc[df["region"] == region, "variable"].astype(str).unique())
        raise ValueError(
            f"{path}: no rows for region={region!r}, variable={variable!r}; "
            f"regions: {regions}; variables for {region!r}: {variables}"
        )
    if sel["year"].duplicated().any():
        dup = sel.loc[sel["year"].duplicated(), "year"].iloc[0]
        raise ValueError(f"{path}: duplicate year {dup} for region={region!r}, variable={variable!r}")
    units = sel["unit"].dropna().astype(str).unique()
    if len(units) > 1:
        raise ValueError(f"{path}: several units for {region}/{variable}: {list(units)}")
    s = pd.Series(
        pd.to_numeric(sel["value"], errors="coerce").to_numpy(float),
        index=pd.Index(sel["year"].to_numpy(float), name="year"),
        name=variable,
    ).sort_index()
    s.attrs["unit"] = units[0] if len(units) else ""
    return s


def from_history_csv(
    path: str | Path,
    region: str,
    variable: str = "co2_fossil",
    *,
    sink_variable: str | None = None,
    energy_variable: str | None = None,
    gdp_variable: str | None = None,
    smoothing: Smoothing | None = HISTORY_SMOOTHING,
    start: float | None = None,
    end: float | None = None,
    **kwargs: float | None,
) -> TurningPointTable:
    """Turning points of a historical emission series from a tidy CSV.

    Args:
        path: CSV file in the tidy format (see :func:`read_history_series`).
        region: region code, e.g. 'CHN'.
        variable: emission variable, Mt CO2/yr (default 'co2_fossil').
        sink_variable, energy_variable, gdp_variable: optional further variables
            (sink in Mt CO2/yr, removals positive) for TP4/neutrality and the TP2
            intensity check.
        smoothing: defaults to :data:`HISTORY_SMOOTHING` (centred 5-year moving
            average), recommended for noisy history; ``None`` for the raw series.
        start, end: optional horizon limits (years).
        **kwargs: thresholds passed on to :func:`turning_points`.
    """
    E = read_history_series(path, region, variable)
    S = read_history_series(path, region, sink_variable) if sink_variable else None
    EN = read_history_series(path, region, energy_variable) if energy_variable else None
    Y = read_history_series(path, region, gdp_variable) if gdp_variable else None
    return turning_points(
        E, sink=S, energy=EN, gdp=Y, smoothing=smoothing, start=start, end=end, **kwargs
    )


# --------------------------------------------------------------------------------------
# Vectorized companion: the same definitions for N runs at once
# --------------------------------------------------------------------------------------

#: Status codes of :class:`TurningPointArrays` (``status[key]`` holds indices into this
#: tuple, the keys of :data:`STATUSES` in their documented order).
STATUS_CODES: tuple[str, ...] = tuple(STATUSES)
_CODE: Mapping[str, int] = MappingProxyType({s: i for i, s in enumerate(STATUS_CODES)})

#: Inputs each key needs besides the emissions (argument names of :func:`turning_points`).
KEY_INPUTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "tp1": (),
        "tp2": (),
        "tp2_intensity": ("energy", "gdp"),
        "tp3": (),
        "tp4": ("sink",),
        "tp4_sink_peak": ("sink",),
        "tp5": ("growth_emissions", "construction_land"),
        "neutrality": ("sink",),
    }
)


@dataclass(frozen=True, eq=False)
class TurningPointArrays:
    """Turning points of N runs (the vectorized counterpart of :class:`TurningPointTable`).

    Attributes:
        keys: the keys computed (a subset of :data:`KEYS`, in that order).
        times: the time grid of the horizon actually used, years, shape (T,).
        years: key -> float array (N,): year of the turning point (a time of the grid)
            where ``status`` is ``reached``, NaN elsewhere.
        values: key -> float array (N,): the defining quantity at ``years`` (unit in
            :data:`UNITS`), NaN where not reached.
        status: key -> int8 array (N,) of indices into :data:`STATUS_CODES`.
        bound_years: key -> float array (N,): first time of the horizon for
            ``before_start``, last time for ``not_yet``/``not_sustained``, else NaN.
        fallback_rows: indices of the runs with non-finite inputs, which were computed
            one by one with the reference :func:`turning_points` (NaNs dropped per
            series, exactly as it does).
    """

    keys: tuple[str, ...]
    times: np.ndarray
    years: Mapping[str, np.ndarray]
    values: Mapping[str, np.ndarray]
    status: Mapping[str, np.ndarray]
    bound_years: Mapping[str, np.ndarray]
    fallback_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))

    @property
    def n_runs(self) -> int:
        """Number of runs N."""
        return int(next(iter(self.status.values())).shape[0]) if self.status else 0

    def status_names(self, key: str) -> np.ndarray:
        """Status strings (object array (N,)) of ``key``, values of :data:`STATUS_CODES`."""
        return np.asarray(STATUS_CODES, dtype=object)[self.status[key]]

    def reached(self, key: str) -> np.ndarray:
        """Boolean (N,): the turning point ``key`` is identified within the horizon."""
        return self.status[key] == _CODE["reached"]

    def counts(self) -> pd.DataFrame:
        """Number of runs per key (rows) and status (columns, all of :data:`STATUS_CODES`)."""
        rows = {
            key: np.bincount(self.status[key].astype(np.intp), minlength=len(STATUS_CODES))
            for key in self.keys
        }
        frame = pd.DataFrame.from_dict(rows, orient="index", columns=list(STATUS_CODES))
        frame.index.name = "key"
        return frame


def _check_options(smoothing: Smoothing | None, **thresholds: float) -> None:
    """The argument checks of :func:`turning_points` (same errors)."""
    if smoothing is not None and not isinstance(smoothing, Smoothing):
        raise TypeError(f"smoothing must be a Smoothing or None, got {type(smoothing).__name__}")
    for nm, v in thresholds.items():
        if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
            raise ValueError(f"{nm} must be a finite number >= 0, got {v!r}")


def _smooth_rows(smoothing: Smoothing | None, t: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """:meth:`Smoothing.apply` on every row of ``Y`` (M, T); identical results."""
    if smoothing is None:
        return Y
    n = Y.shape[1]
    if n < 2:
        return Y.copy()
    if smoothing.method == "moving_average":
        half = smoothing.window_years / 2.0
        out = np.empty_like(Y)
        eps = 1e-9 * max(1.0, half)
        for i in range(n):
            h = min(half, t[i] - t[0], t[-1] - t[i])
            sel = np.abs(t - t[i]) <= h + eps
            out[:, i] = Y[:, sel].mean(axis=1)
        return out
    # Savitzky–Golay: the reference filter row by row (raises the same errors).
    out = np.empty_like(Y)
    for r in range(Y.shape[0]):
        out[r] = smoothing.apply(t, np.ascontiguousarray(Y[r]))
    if Y.shape[0] == 0:
        smoothing.apply(t, np.zeros(n))  # same validation errors for an empty batch
    return out


def _first_last(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column index of the first and last True per row (0 / T-1 for rows with none)."""
    T = ok.shape[1]
    return np.argmax(ok, axis=1), T - 1 - np.argmax(ok[:, ::-1], axis=1)


class _Out:
    """Result arrays of one key for M runs."""

    def __init__(self, m: int) -> None:
        self.year = np.full(m, np.nan)
        self.value = np.full(m, np.nan)
        self.status = np.full(m, _CODE["no_input"], dtype=np.int8)
        self.bound = np.full(m, np.nan)

    @classmethod
    def filled(cls, m: int, status: str) -> "_Out":
        out = cls(m)
        out.status[:] = _CODE[status]
        return out


def _v_global_max(t: np.ndarray, Y: np.ndarray) -> _Out:
    """The global-maximum rule of :func:`_global_max` for every row (NaNs ignored)."""
    m, T = Y.shape
    out = _Out(m)
    if T == 0:
        out.status[:] = _CODE["too_short"]
        return out
    ok = np.isfinite(Y)
    n = ok.sum(axis=1)
    high = np.where(ok, Y, -np.inf)
    ymax = high.max(axis=1)
    ymin = np.where(ok, Y, np.inf).min(axis=1)
    i = np.argmax(high, axis=1)
    first, last = _first_last(ok)
    rows = np.arange(m)
    with np.errstate(invalid="ignore"):
        const = ymax - ymin <= 1e-12 * np.maximum(1.0, np.abs(ymax))
    short = n < MIN_POINTS
    const &= ~short
    before = ~short & ~const & (i == first)
    not_yet = ~short & ~const & ~before & (i == last)
    reached = ~short & ~const & ~before & ~not_yet
    out.status[short] = _CODE["too_short"]
    out.status[const] = _CODE["no_peak"]
    out.status[before] = _CODE["before_start"]
    out.status[not_yet] = _CODE["not_yet"]
    out.status[reached] = _CODE["reached"]
    out.bound[before] = t[first[before]]
    out.bound[not_yet] = t[last[not_yet]]
    out.year[reached] = t[i[reached]]
    out.value[reached] = Y[rows[reached], i[reached]]
    return out


def _v_sustained(t: np.ndarray, cond: np.ndarray, values: np.ndarray, ok: np.ndarray | None = None) -> _Out:
    """The sustained-threshold rule of :func:`_sustained` for every row.

    ``ok`` marks the valid points of each row (the reference drops the others
    before applying the rule); ``None`` means all points are valid.
    """
    m, T = cond.shape
    out = _Out(m)
    if ok is None:
        ok = np.ones((m, T), dtype=bool)
    n = ok.sum(axis=1)
    short = n < 2
    out.status[short] = _CODE["too_short"]
    if T == 0:
        return out
    rows = np.arange(m)
    first, last = _first_last(ok)
    good = ok & cond
    bad = ok & ~cond
    end_ok = good[rows, last]
    any_good = good.any(axis=1)
    fails_end = ~short & ~end_ok
    not_sust = fails_end & any_good
    not_yet = fails_end & ~any_good
    out.status[not_sust] = _CODE["not_sustained"]
    out.status[not_yet] = _CODE["not_yet"]
    out.bound[fails_end] = t[last[fails_end]]
    holds = ~short & end_ok
    any_bad = bad.any(axis=1)
    before = holds & ~any_bad
    out.status[before] = _CODE["before_start"]
    out.bound[before] = t[first[before]]
    reached = holds & any_bad
    if reached.any():
        # first valid point after the last failing one
        last_bad = T - 1 - np.argmax(bad[:, ::-1], axis=1)
        idx = np.where(ok, np.arange(T), T)
        next_valid = np.minimum.accumulate(idx[:, ::-1], axis=1)[:, ::-1]
        r = rows[reached]
        i = next_valid[r, last_bad[r] + 1]
        out.status[reached] = _CODE["reached"]
        out.year[reached] = t[i]
        out.value[reached] = values[r, i]
    return out


def _forward_rel_growth_rows(t: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """:func:`_forward_rel_growth` for every row of ``Y`` (M, T)."""
    g = np.full(Y.shape, np.nan)
    if Y.shape[1] < 2:
        return g
    with np.errstate(divide="ignore", invalid="ignore"):
        g[:, :-1] = np.diff(Y, axis=1) / np.diff(t) / Y[:, :-1]
        g[:, -1] = (Y[:, -1] - Y[:, -2]) / (t[-1] - t[-2]) / Y[:, -1]
    g[~np.isfinite(g)] = np.nan
    return g


def _as_runs(name: str, values: np.ndarray | None, T: int) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != T:
        raise ValueError(f"{name}: expected an array of shape (N, {T}) (runs × times), got {np.shape(values)}")
    return arr


def turning_points_batch(
    times: np.ndarray | pd.Index,
    emissions: np.ndarray,
    sink: np.ndarray | None = None,
    growth_emissions: np.ndarray | None = None,
    construction_land: np.ndarray | None = None,
    energy: np.ndarray | None = None,
    gdp: np.ndarray | None = None,
    smoothing: Smoothing | None = None,
    *,
    start: float | None = None,
    end: float | None = None,
    tp5_growth_share: float = DEFAULT_TP5_GROWTH_SHARE,
    tp5_growth_threshold: float | None = None,
    tp5_land_growth_tol: float = DEFAULT_TP5_LAND_GROWTH_TOL,
    neutrality_tol_share: float = DEFAULT_NEUTRALITY_TOL_SHARE,
    neutrality_tol: float | None = None,
    intensity_tol: float = DEFAULT_INTENSITY_TOL,
    keys: tuple[str, ...] | list[str] | None = None,
) -> TurningPointArrays:
    """Turning points of N runs at once, exactly as :func:`turning_points` per run.

    Same definitions, thresholds and options as :func:`turning_points` (see
    :data:`DEFINITIONS`): global-maximum rule with the boundary rule, sustained
    threshold rule for TP2-intensity, TP5 and neutrality, per-year derivatives by
    ``numpy.gradient`` on the time axis, optional smoothing. Runs whose inputs contain
    a non-finite value within the horizon are computed one by one by the reference
    function (which drops those points per series), so the result equals
    :func:`turning_points` for every run. Reason texts are not produced.

    Args:
        times: time grid in years, shape (T,), shared by all runs (any order, unique).
        emissions: gross CO2 emissions E, Mt CO2/yr, shape (N, T) (or (T,) for one run).
        sink: land carbon sink S, Mt CO2/yr (removals positive), (N, T).
        growth_emissions: emissions attributable to growth G, Mt CO2/yr, (N, T).
        construction_land: construction land L, 10^4 ha, (N, T).
        energy, gdp: primary energy and GDP (any units) for the TP2 intensity check.
        smoothing, start, end, tp5_growth_share, tp5_growth_threshold,
        tp5_land_growth_tol, neutrality_tol_share, neutrality_tol, intensity_tol:
            as in :func:`turning_points`.
        keys: keys to compute (default all of :data:`KEYS`); fewer keys are faster.

    Returns:
        :class:`TurningPointArrays` with years (NaN unless reached), values, status
        codes and bound years per key, each of shape (N,).
    """
    _check_options(
        smoothing,
        tp5_growth_share=tp5_growth_share,
        tp5_land_growth_tol=tp5_land_growth_tol,
        neutrality_tol_share=neutrality_tol_share,
        intensity_tol=intensity_tol,
    )
    wanted = tuple(KEYS) if keys is None else tuple(dict.fromkeys(keys))
    unknown = [k for k in wanted if k not in KEYS]
    if unknown:
        raise KeyError(f"unknown turning point(s) {unknown}; known: {', '.join(KEYS)}")
    wanted = tuple(k for k in KEYS if k in wanted)

    t_all = _to_years(times) if isinstance(times, pd.Index) else np.asarray(times, dtype=float)
    if t_all.ndim != 1:
        raise ValueError(f"times must be one-dimensional, got shape {t_all.shape}")
    T_all = t_all.shape[0]
    if emissions is None:
        raise ValueError("emissions are required")
    inputs = {
        "emissions": _as_runs("emissions", emissions, T_all),
        "sink": _as_runs("sink", sink, T_all),
        "growth_emissions": _as_runs("growth_emissions", growth_emissions, T_all),
        "construction_land": _as_runs("construction_land", construction_land, T_all),
        "energy": _as_runs("energy", energy, T_all),
        "gdp": _as_runs("gdp", gdp, T_all),
    }
    N = inputs["emissions"].shape[0]
    for name, arr in inputs.items():
        if arr is not None and arr.shape[0] != N:
            raise ValueError(f"{name}: {arr.shape[0]} runs, but emissions have {N}")

    # horizon and order of the time grid (as _prepare does for every series)
    cols = np.isfinite(t_all)
    if start is not None:
        cols &= t_all >= start - 1e-9
    if end is not None:
        cols &= t_all <= end + 1e-9
    sel = np.flatnonzero(cols)
    sel = sel[np.argsort(t_all[sel], kind="stable")]
    t = t_all[sel]
    if len(t) > 1 and np.any(np.diff(t) <= 0):
        dup = t[1:][np.diff(t) <= 0][0]
        raise ValueError(f"emissions: duplicate time {_fy(dup)} in the index")
    given = {name: arr[:, sel] for name, arr in inputs.items() if arr is not None}

    finite = np.ones(N, dtype=bool)
    for arr in given.values():
        finite &= np.isfinite(arr).all(axis=1)
    fast = np.flatnonzero(finite)
    slow = np.flatnonzero(~finite)

    options = dict(
        start=start, end=end,
        tp5_growth_share=tp5_growth_share, tp5_growth_threshold=tp5_growth_threshold,
        tp5_land_growth_tol=tp5_land_growth_tol, neutrality_tol_share=neutrality_tol_share,
        neutrality_tol=neutrality_tol, intensity_tol=intensity_tol,
    )
    res = _batch_core(t, {k: v[fast] for k, v in given.items()}, smoothing, wanted, options)
    years = {k: np.full(N, np.nan) for k in wanted}
    values = {k: np.full(N, np.nan) for k in wanted}
    status = {k: np.full(N, _CODE["no_input"], dtype=np.int8) for k in wanted}
    bounds = {k: np.full(N, np.nan) for k in wanted}
    for k in wanted:
        years[k][fast], values[k][fast] = res[k].year, res[k].value
        status[k][fast], bounds[k][fast] = res[k].status, res[k].bound
    if slow.size:
        index = pd.Index(t_all)
        for r in slow:
            series = {
                name: pd.Series(arr[r], index=index) for name, arr in inputs.items() if arr is not None
            }
            table = turning_points(series.pop("emissions"), **series, smoothing=smoothing, **options)
            for k in wanted:
                p = table[k]
                status[k][r] = _CODE[p.status]
                years[k][r] = np.nan if p.year is None else p.year
                values[k][r] = np.nan if p.value is None else p.value
                bounds[k][r] = np.nan if p.bound_year is None else p.bound_year
    return TurningPointArrays(
        keys=wanted,
        times=t,
        years=MappingProxyType(years),
        values=MappingProxyType(values),
        status=MappingProxyType(status),
        bound_years=MappingProxyType(bounds),
        fallback_rows=slow,
    )


def _batch_core(
    t: np.ndarray,
    X: Mapping[str, np.ndarray],
    smoothing: Smoothing | None,
    keys: tuple[str, ...],
    options: Mapping[str, float | None],
) -> dict[str, _Out]:
    """All requested keys for M runs with finite inputs on the horizon grid ``t``."""
    E = X["emissions"]
    m, T = E.shape
    S, G, L = X.get("sink"), X.get("growth_emissions"), X.get("construction_land")
    EN, Y = X.get("energy"), X.get("gdp")
    res: dict[str, _Out] = {}

    if "tp1" in keys or "tp2" in keys:
        if T < MIN_POINTS:
            res["tp1"] = _Out.filled(m, "too_short")
            res["tp2"] = _Out.filled(m, "too_short")
        else:
            try:
                ys = _smooth_rows(smoothing, t, E)
            except _TooShort:
                res["tp1"] = _Out.filled(m, "too_short")
                res["tp2"] = _Out.filled(m, "too_short")
            else:
                inc = np.gradient(ys, t, axis=1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    rate = np.where(ys > 0, inc / ys, np.nan)
                res["tp1"] = _v_global_max(t, rate)
                res["tp2"] = _v_global_max(t, inc)

    if "tp2_intensity" in keys:
        if EN is None or Y is None:
            res["tp2_intensity"] = _Out.filled(m, "no_input")
        elif T < MIN_POINTS:
            res["tp2_intensity"] = _Out.filled(m, "too_short")
        else:
            try:
                en_s, gd_s = _smooth_rows(smoothing, t, EN), _smooth_rows(smoothing, t, Y)
            except _TooShort:
                res["tp2_intensity"] = _Out.filled(m, "too_short")
            else:
                d_en, d_gd = np.gradient(en_s, t, axis=1), np.gradient(gd_s, t, axis=1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    avg = np.where(gd_s > 0, en_s / gd_s, np.nan)
                    marg = np.where(d_gd > 0, d_en / d_gd, np.nan)
                    gap = np.abs(marg - avg) / np.where(avg > 0, avg, np.nan)
                ok = np.isfinite(gap)
                with np.errstate(invalid="ignore"):
                    out = _v_sustained(t, gap <= options["intensity_tol"], gap, ok)
                res["tp2_intensity"] = out  # fewer than 2 valid points: too_short, as the reference

    if "tp3" in keys:
        res["tp3"] = _v_global_max(t, E)

    if "tp4" in keys or "tp4_sink_peak" in keys:
        if S is None:
            res["tp4"] = _Out.filled(m, "no_input")
            res["tp4_sink_peak"] = _Out.filled(m, "no_input")
        else:
            if "tp4" in keys:
                if T < MIN_POINTS:
                    res["tp4"] = _Out.filled(m, "too_short")
                else:
                    try:
                        ds = np.gradient(_smooth_rows(smoothing, t, S), t, axis=1)
                    except _TooShort:
                        res["tp4"] = _Out.filled(m, "too_short")
                    else:
                        res["tp4"] = _v_global_max(t, ds)
            res["tp4_sink_peak"] = _v_global_max(t, S)

    if "tp5" in keys:
        if G is None or L is None:
            res["tp5"] = _Out.filled(m, "no_input")
        elif T < 2:
            res["tp5"] = _Out.filled(m, "too_short")
        else:
            if options["tp5_growth_threshold"] is not None:
                thr = np.full(m, float(options["tp5_growth_threshold"]))
            else:
                thr = options["tp5_growth_share"] * np.maximum(G.max(axis=1), 0.0)
            lg = _forward_rel_growth_rows(t, L)
            c_g = G <= thr[:, None]
            c_l = np.nan_to_num(lg, nan=np.inf) <= options["tp5_land_growth_tol"]
            res["tp5"] = _v_sustained(t, c_g & c_l, G)

    if "neutrality" in keys:
        if S is None:
            res["neutrality"] = _Out.filled(m, "no_input")
        elif T < 2:
            res["neutrality"] = _Out.filled(m, "too_short")
        else:
            net = E - S
            if options["neutrality_tol"] is not None:
                tol = np.full(m, float(options["neutrality_tol"]))
            else:
                tol = options["neutrality_tol_share"] * np.maximum(E.max(axis=1), 0.0)
            res["neutrality"] = _v_sustained(t, net <= tol[:, None], net)
    return res


def turning_point_years(
    times: np.ndarray | pd.Index,
    emissions: np.ndarray,
    sink: np.ndarray | None = None,
    growth_emissions: np.ndarray | None = None,
    construction_land: np.ndarray | None = None,
    energy: np.ndarray | None = None,
    gdp: np.ndarray | None = None,
    smoothing: Smoothing | None = None,
    **options: float | None,
) -> dict[str, np.ndarray]:
    """Years (N,) of every turning point of N runs; NaN where not reached/identified.

    A shortcut for ``turning_points_batch(...).years`` (same arguments, see
    :func:`turning_points_batch`); use that function for values, status codes and
    bound years.
    """
    batch = turning_points_batch(
        times, emissions, sink, growth_emissions, construction_land, energy, gdp, smoothing, **options
    )
    return dict(batch.years)
