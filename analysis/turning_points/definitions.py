"""Operational definitions of the five turning points (五个重要拐点) and their options.

The seed paper (``001_78cfa5cee7b1908f.txt`` §2) names five turning points only
qualitatively; this module is the single place that turns each one into a formula
(:data:`DEFINITIONS`, English and Chinese, shown as help text by the app) and holds
the options every detection uses (:class:`TPOptions`).

Symbols (units): ``E`` gross CO2 emissions, ``S`` land carbon sink (removals
positive), ``N = E − S`` net emissions, ``G`` emissions attributable to growth, all
Mt CO2/yr; ``Y`` GDP (any constant-price unit); ``L`` construction land, 10^4 ha.
Derivatives are per year (second-order central differences on the time axis,
one-sided at the ends, uneven steps and gaps allowed).

Two windows (研究窗口)
--------------------
Every turning point is reported for two windows of the same run:

* ``hist`` — the whole horizon, history included ("historical" 含历史);
* ``proj`` — the projection era 规划期, from the analysis start (default: the last
  data year of the calibration, :func:`default_analysis_start`) to the end.

Derived series (growth rate, increments, intensity gap) are computed on the whole
series first and then restricted to the window, so a window changes only *where*
the rule looks, never the numbers. Relative thresholds (TP5, neutrality, TP2
convergence) are taken relative to the whole horizon, so a point reached in the
projection era has the same year in both windows. Boundary rule: a maximum at the
first time of a window is a boundary (``before_start``: the turning point lies at or
before the window start); at the last time it is ``not_yet`` (still rising).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, fields, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, Mapping

__all__ = [
    "KEYS", "NAMES", "UNITS", "STATUSES", "STATUS_CODES", "CODE", "WINDOWS", "WINDOW_NAMES",
    "MAX_KEYS", "SUSTAINED_KEYS", "KEY_INPUTS", "SEQUENCE", "DEFINITIONS", "TPOptions",
    "TurningPointOptionsError", "default_analysis_start", "calibration_last_data_year",
    "DEFAULT_FIT_RESULT",
]

KEYS: tuple[str, ...] = (
    "tp1", "tp2", "tp2_intensity", "tp3", "tp4", "tp4_sink_peak", "tp5", "neutrality",
)
#: Keys detected by the global-maximum rule; the others by the sustained-threshold rule.
MAX_KEYS: frozenset[str] = frozenset({"tp1", "tp2", "tp3", "tp4", "tp4_sink_peak"})
SUSTAINED_KEYS: frozenset[str] = frozenset(KEYS) - MAX_KEYS
#: The seed's stage order checked by the sequence diagnostic (TP1 ≤ TP2 ≤ … ≤ TP5).
SEQUENCE: tuple[str, ...] = ("tp1", "tp2", "tp3", "tp4", "tp5")

#: Input roles (see :mod:`.inputs`) each key needs besides the emissions E.
KEY_INPUTS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "tp1": (), "tp2": (), "tp3": (),
    "tp2_intensity": ("gdp",),
    "tp4": ("sink",), "tp4_sink_peak": ("sink",),
    "tp5": ("growth_emissions",),
    "neutrality": ("sink",),
})

WINDOWS: tuple[str, ...] = ("proj", "hist")
WINDOW_NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "proj": {"en": "projection era", "zh": "规划期"},
    "hist": {"en": "historical (whole horizon)", "zh": "历史（全研究期）"},
})

NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "tp1": {"en": "Emission growth-rate peak", "zh": "碳排放增速达峰"},
    "tp2": {"en": "Emission increment peak", "zh": "碳排放增量达峰"},
    "tp2_intensity": {"en": "Average and marginal emission intensity converge",
                      "zh": "单位GDP碳排放与增量GDP碳排放趋同"},
    "tp3": {"en": "Emission peak", "zh": "碳排放总量达峰（碳达峰）"},
    "tp4": {"en": "Sink growth peak", "zh": "碳汇增速达峰"},
    "tp4_sink_peak": {"en": "Sink peak", "zh": "碳汇总量达峰"},
    "tp5": {"en": "Net-stock turning point", "zh": "碳排放净存量拐点"},
    "neutrality": {"en": "Carbon neutrality", "zh": "碳中和"},
})

#: Unit of a turning point's ``value`` per key.
UNITS: Mapping[str, str] = MappingProxyType({
    "tp1": "1/yr", "tp2": "Mt CO2/yr per yr", "tp2_intensity": "fraction of peak intensity",
    "tp3": "Mt CO2/yr", "tp4": "Mt CO2/yr per yr", "tp4_sink_peak": "Mt CO2/yr",
    "tp5": "Mt CO2/yr", "neutrality": "Mt CO2/yr",
})

#: Outcomes of a detection (``status``), in the order of their integer codes.
STATUSES: Mapping[str, str] = MappingProxyType({
    "reached": "identified within the window",
    "before_start": "boundary: at or before the first time of the window (not identified)",
    "not_yet": "not reached by the end of the horizon",
    "not_sustained": "condition met at some time but not kept to the end of the horizon",
    "no_peak": "series constant, no maximum",
    "too_short": "series too short",
    "no_input": "input not given",
})
STATUS_CODES: tuple[str, ...] = tuple(STATUSES)
CODE: Mapping[str, int] = MappingProxyType({s: i for i, s in enumerate(STATUS_CODES)})

_COMMON_EN = (
    " Derivatives are per year (second-order central differences on the time axis, "
    "one-sided at the ends; uneven steps allowed); the year reported is a time of the "
    "input grid. Reported for the projection era (from the analysis start) and for the "
    "whole horizon (historical)."
)
_COMMON_ZH = (
    "导数均按每年计（时间轴上的二阶中心差分，两端为单侧差分，允许不等间距）；报告的年份为输入"
    "时间网格上的时刻。分别报告规划期（自分析起始年起）和全研究期（历史）两个窗口的结果。"
)
_MAX_EN = (
    " Several local maxima: the global maximum within the window counts (the earliest "
    "if tied), so short-lived bumps cannot create a turning point. A maximum at the "
    "first time of the window is a boundary (the point lies at or before the window "
    "start: not identified); at the last time it means still rising (not reached)."
)
_GROWTH_EN = (
    " Only times with positive growth compete (the peak of a growth): where the quantity "
    "does not grow anywhere in the window, its growth peak lies before the window "
    "(not identified)."
)
_GROWTH_ZH = "只有增长为正的时刻参与比较（增长的峰值）；若窗口内始终不增长，则其增速峰值在窗口之前（记为未识别）。"
_MAX_ZH = (
    "存在多个局部极大值时取窗口内的全局最大值（并列取最早者），短暂波动不会形成拐点。最大值位于"
    "窗口第一个时刻属于边界（拐点在窗口起点或之前，记为未识别）；位于最后一个时刻表示仍在上升"
    "（记为未达到）。"
)
_SUSTAIN_EN = (
    " The condition must hold at every remaining time of the horizon; if it already "
    "holds at the first time of the window the point lies at or before the window "
    "start (not identified); if it holds at some time but fails later it is not "
    "sustained."
)
_SUSTAIN_ZH = (
    "条件须在研究期剩余的每个时刻都成立；若在窗口第一个时刻已成立，则拐点在窗口起点或之前"
    "（记为未识别）；若某时成立但之后又不成立，记为未持续。"
)

#: Operational definitions (help text), per key and language ('en', 'zh').
DEFINITIONS: Mapping[str, Mapping[str, str]] = MappingProxyType({
    "tp1": {
        "en": "Emission growth-rate peak (policy turning point, seed §2.1): the time of "
              "the maximum of g(t) = (dE/dt)/E(t), 1/yr (undefined where E <= 0). In the "
              "projection era it marks the policy-driven slowdown (peak action plan)."
              + _COMMON_EN + _MAX_EN + _GROWTH_EN,
        "zh": "碳排放增速达峰（政策拐点，种子文献§2.1）：排放增长率 g(t) = (dE/dt)/E(t)（1/年，"
              "E ≤ 0 处无定义）取最大值的时刻；规划期内对应达峰行动方案带来的减速。"
              + _COMMON_ZH + _MAX_ZH + _GROWTH_ZH,
    },
    "tp2": {
        "en": "Emission increment peak (urbanization/industrialization demand turning "
              "point, seed §2.2): the time of the maximum of the annual increment dE/dt, "
              "Mt CO2/yr per yr (the inflection of E). See the companion 'average and "
              "marginal emission intensity converge'." + _COMMON_EN + _MAX_EN + _GROWTH_EN,
        "zh": "碳排放增量达峰（城镇化与工业化需求拐点，种子文献§2.2）：排放年增量 dE/dt"
              "（Mt CO2/年²）取最大值的时刻，即 E 的拐点；参见伴随指标“单位GDP碳排放与增量GDP"
              "碳排放趋同”。" + _COMMON_ZH + _MAX_ZH + _GROWTH_ZH,
    },
    "tp2_intensity": {
        "en": "Companion of TP2 (seed Fig. 3: the average intensity approaches the "
              "marginal intensity of new GDP). Average emission intensity a(t) = E/Y, "
              "marginal m(t) = (dE/dt)/(dY/dt) (defined where dY/dt > 0). Since "
              "m − a = −a·r/g (r: decline rate of a, g: GDP growth rate), the relative gap "
              "|m − a|/a equals r/g and never closes while intensity keeps falling; the "
              "seed's convergence is absolute. Test: gap(t) = |m − a| / max(a), the gap in "
              "units of the peak average intensity of the horizon, stays <= tol "
              "(default 5 %) from t to the end. Value: the gap at that time."
              + _SUSTAIN_EN + _COMMON_EN,
        "zh": "TP2 的伴随指标（种子文献图3：单位经济能耗无限趋近于单位经济增量能耗）。平均排放强度 "
              "a(t) = E/Y，增量排放强度 m(t) = (dE/dt)/(dY/dt)（仅 dY/dt > 0 处有定义）。由于 "
              "m − a = −a·r/g（r 为 a 的下降率，g 为 GDP 增长率），相对差距 |m − a|/a 等于 r/g，"
              "强度持续下降时永不收敛；种子文献所说的趋同是绝对意义上的。判据：以研究期平均强度"
              "峰值为单位的差距 δ(t) = |m − a| / max(a) 自 t 起始终 ≤ 容差（默认 5%）；取值为"
              "该时刻的差距。" + _SUSTAIN_ZH + _COMMON_ZH,
    },
    "tp3": {
        "en": "Emission peak (碳达峰, seed §2.3): the time of the maximum of E "
              "(Mt CO2/yr), never exceeded afterwards within the window (earliest time "
              "of a plateau); unsmoothed series." + _MAX_EN,
        "zh": "碳排放总量达峰（碳达峰，种子文献§2.3）：窗口内排放总量 E（Mt CO2/年）最大值所在"
              "时刻，此后不再被超过（平台取最早时刻）；使用未平滑序列。" + _MAX_ZH,
    },
    "tp4": {
        "en": "Sink growth peak (blue-green space turning point, seed §2.4): the time of "
              "the maximum of dS/dt, Mt CO2/yr per yr: afforestation gains meet forest "
              "maturation and the finite sink space." + _COMMON_EN + _MAX_EN + _GROWTH_EN,
        "zh": "碳汇增速达峰（蓝绿空间拐点，种子文献§2.4）：碳汇年增量 dS/dt（Mt CO2/年²）取最大值"
              "的时刻：造林增汇与林分成熟、碳汇空间有限性相抵。" + _COMMON_ZH + _MAX_ZH + _GROWTH_ZH,
    },
    "tp4_sink_peak": {
        "en": "Sink peak: the time of the maximum of S (Mt CO2/yr), not exceeded "
              "afterwards; a sink that only saturates is still rising." + _MAX_EN,
        "zh": "碳汇总量达峰：碳汇 S（Mt CO2/年）最大值所在时刻，此后不再被超过；只趋于饱和的碳汇"
              "记为仍在上升。" + _MAX_ZH,
    },
    "tp5": {
        "en": "Net-stock turning point (structure optimisation, seed §2.5): new value "
              "added brings no new emissions. First time t from which the emissions "
              "attributable to growth G (conversion of land for new construction, "
              "embodied emissions of new building, operation of newly added "
              "construction land; Mt CO2/yr) stay <= a threshold, by default 2 % of the "
              "maximum of G over the horizon (an absolute threshold can be given). It "
              "can be reached by decarbonising new construction, not only by stopping "
              "it; construction-land growth at that time is reported beside it. "
              "Value: G at that time." + _SUSTAIN_EN,
        "zh": "碳排放净存量拐点（空间结构优化，种子文献§2.5）：经济增加值不再带来新增排放。增长引起"
              "的排放 G（新增建设用地的土地转换、新建建筑的隐含排放和新增建设用地的运行排放，"
              "Mt CO2/年）自时刻 t 起始终 ≤ 阈值（默认为研究期内 G 最大值的 2%，也可给定绝对阈值）。"
              "新增建设全面零碳即可达到，不必停止建设；同时报告该时刻建设用地的增长率。取值为该时刻"
              "的 G。" + _SUSTAIN_ZH,
    },
    "neutrality": {
        "en": "Carbon neutrality: the first time from which N = E − S (Mt CO2/yr) stays "
              "<= a tolerance, by default 1 % of the maximum of E over the horizon (an "
              "absolute tolerance can be given); unsmoothed series. Value: N at that "
              "time." + _SUSTAIN_EN,
        "zh": "碳中和：净排放 N = E − S（Mt CO2/年）自某时刻起始终 ≤ 容差的最早时刻；容差默认为研究"
              "期内 E 最大值的 1%（也可给定绝对容差）；使用未平滑序列；取值为该时刻的 N。" + _SUSTAIN_ZH,
    },
})


class TurningPointOptionsError(ValueError):
    """An invalid turning-point option; the message names the option and the allowed range."""


#: Calibration result whose last data year is the default analysis start.
DEFAULT_FIT_RESULT: Path = Path(__file__).resolve().parents[2] / "calibration" / "reports" / "CHN" / "fit_result.json"


def project_path(path: str | Path) -> str:
    """``path`` relative to the project folder when inside it (as shown in reports)."""
    p = Path(path).resolve()
    root = DEFAULT_FIT_RESULT.parents[3]
    return str(p.relative_to(root)) if p.is_relative_to(root) else str(path)


def calibration_last_data_year(fit_result: str | Path = DEFAULT_FIT_RESULT) -> float:
    """Last year with data among the series a calibration was fitted to (years).

    Reads ``series[*].last`` of a ``fit_result.json`` written by ``python -m
    calibration fit``; raises :class:`TurningPointOptionsError` naming the file when it
    is missing or has no series.
    """
    path = Path(fit_result)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        last = max(int(s["last"]) for s in data["series"])
    except FileNotFoundError:
        raise TurningPointOptionsError(
            f"{path}: calibration result not found; pass analysis_start (year) explicitly") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise TurningPointOptionsError(f"{path}: no series with a 'last' year ({exc})") from None
    return float(last)


@lru_cache(maxsize=1)
def default_analysis_start() -> float:
    """Start of the projection era by default: the last data year of the national
    calibration (:data:`DEFAULT_FIT_RESULT`)."""
    return calibration_last_data_year(DEFAULT_FIT_RESULT)


def _number(name: str, value: Any, *, minimum: float | None = 0.0, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TurningPointOptionsError(f"{name} must be a finite number, got {value!r}")
    if minimum is not None and value < minimum:
        raise TurningPointOptionsError(f"{name} must be a finite number >= {minimum:g}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class TPOptions:
    """Options of every turning-point detection (defaults documented in :data:`DEFINITIONS`).

    Attributes:
        smoothing: optional :class:`~.smoothing.Smoothing` of the level series that
            are differentiated (off for model output; a 5-year moving average is
            recommended for history).
        start, end: horizon limits, years (inclusive); data outside are dropped first.
        analysis_start: first year of the projection-era window; ``None`` = the last
            data year of the national calibration (:func:`default_analysis_start`).
        tp5_growth_share: TP5 threshold for G as a share of its maximum (fraction).
        tp5_growth_threshold: absolute TP5 threshold, Mt CO2/yr (overrides the share).
        neutrality_tol_share: neutrality tolerance as a share of max E (fraction).
        neutrality_tol: absolute neutrality tolerance, Mt CO2/yr (overrides the share).
        intensity_tol: TP2 convergence tolerance, fraction of the peak average
            emission intensity.
        kink_tolerance: a turning point within this many years of an abrupt change of
            an input is flagged (years).
        kink_ratio: an input changes abruptly at t when its slope change at t exceeds
            this multiple of the typical slope change around t (see :mod:`.kinks`).
    """

    smoothing: Any = None
    start: float | None = None
    end: float | None = None
    analysis_start: float | None = None
    tp5_growth_share: float = 0.02
    tp5_growth_threshold: float | None = None
    neutrality_tol_share: float = 0.01
    neutrality_tol: float | None = None
    intensity_tol: float = 0.05
    kink_tolerance: float = 1.0
    kink_ratio: float = 10.0

    def __post_init__(self) -> None:
        from .smoothing import Smoothing

        if self.smoothing is not None and not isinstance(self.smoothing, Smoothing):
            raise TurningPointOptionsError(
                f"smoothing must be a Smoothing or None, got {type(self.smoothing).__name__}")
        for name in ("tp5_growth_share", "neutrality_tol_share", "intensity_tol", "kink_tolerance"):
            _number(name, getattr(self, name))
        _number("kink_ratio", self.kink_ratio, minimum=1.0)
        for name in ("tp5_growth_threshold", "neutrality_tol"):
            _number(name, getattr(self, name), minimum=None, allow_none=True)
        for name in ("start", "end", "analysis_start"):
            _number(name, getattr(self, name), minimum=None, allow_none=True)
        if self.start is not None and self.end is not None and self.end < self.start:
            raise TurningPointOptionsError(f"end ({self.end:g}) is before start ({self.start:g})")

    @classmethod
    def of(cls, options: "TPOptions | Mapping[str, Any] | None" = None, **overrides: Any) -> "TPOptions":
        """Options from an instance, a mapping of field names, or None (defaults); an
        unknown name is an error naming it and the allowed names."""
        allowed = {f.name for f in fields(cls)}
        base = options if isinstance(options, TPOptions) else cls()
        given = {} if isinstance(options, TPOptions) or options is None else dict(options)
        given.update(overrides)
        unknown = sorted(set(given) - allowed)
        if unknown:
            raise TurningPointOptionsError(
                f"unknown turning-point option(s) {unknown}; allowed: {sorted(allowed)}")
        return replace(base, **given) if given else base

    def projection_start(self) -> float:
        """The analysis start in years (the default resolved)."""
        return self.analysis_start if self.analysis_start is not None else default_analysis_start()

    def describe(self) -> dict[str, Any]:
        """Plain mapping of the options (smoothing as text), e.g. for metadata."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["smoothing"] = None if self.smoothing is None else str(self.smoothing)
        out["analysis_start"] = self.projection_start()
        return out


Window = Literal["proj", "hist"]
