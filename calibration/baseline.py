"""Write the calibrated constants as a baseline scenario file (基准情景文件).

Format (``scenarios/baseline.yaml``; another region R: ``scenarios/baseline_R.yaml``)::

    name: {en: ..., zh: ...}
    description: {en: ..., zh: ...}
    overrides: {Vensim name: value, ...}           # estimates and region-fixed constants
    rationale: {Vensim name: {en: ..., zh: ...}}   # why each override has its value
    calibration:                                   # provenance and fit summary
      date, region, config, data (file + sha256), window, evaluation_window,
      objective, estimated, runtime_s, seed, warnings, statistics (per series: MAPE,
      RMSPE, R², Theil U, U^M, U^S, U^C over the evaluation window), report

Values are rounded to 6 significant digits (clipped into their bounds) and validated
with ``models.model.TerritorialModel.validate_overrides`` before anything is written;
the file is written to a temporary file in the same directory and renamed over the
target, so a failure never leaves a partial or overwritten file.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import tempfile
from pathlib import Path
from typing import Mapping

import yaml

from calibration.config import CalibrationConfig, ConfigError
from calibration.identify import source_zh

REPO_ROOT = Path(__file__).resolve().parent.parent


def _rel(path: str | Path) -> str:
    p = Path(path).resolve()
    try:
        return str(p.relative_to(REPO_ROOT))
    except ValueError:
        return str(p)


def round_value(value: float, lo: float | None = None, hi: float | None = None,
                integer: bool = False, digits: int = 6):
    """Round to ``digits`` significant digits, clipped into [lo, hi]."""
    if integer:
        return int(round(value))
    if value == 0 or not math.isfinite(value):
        return float(value)
    v = float(f"{value:.{digits}g}")
    if lo is not None:
        v = max(v, lo)
    if hi is not None:
        v = min(v, hi)
    return v


def rounded_overrides(result) -> dict[str, float]:
    """Overrides of a FitResult as written to the baseline (rounded, within bounds)."""
    out: dict[str, float] = {}
    for k, v in result.fixed.items():
        out[k] = float(v)
    for i, n in enumerate(result.names):
        out[n] = round_value(result.estimates[i], result.lower[i], result.upper[i],
                             result.integer[i])
    return out


#: Chinese names of the identification flags of an estimate (calibration.fit).
FLAGS_ZH: Mapping[str, str] = {
    "at_lower_bound": "位于区间下界", "at_upper_bound": "位于区间上界",
    "no_effect": "对拟合序列无影响", "poorly_identified": "识别不足", "integer": "整数参数",
}


def baseline_document(cfg: CalibrationConfig, result, overrides: Mapping[str, float],
                      summary: Mapping[str, dict], report_path: str | Path | None) -> dict:
    """The scenario mapping (see module docstring)."""
    n_series = len(result.series)
    report = _rel(report_path) if report_path else "the fit report"
    report_zh = _rel(report_path) if report_path else "拟合报告"
    a, b = result.window
    rationale: dict[str, dict[str, str]] = {}
    for k, fv in cfg.fixed.items():
        en = fv.rationale_en or f"Set for region {cfg.region} in {_rel(cfg.path)} (not estimated)."
        zh = fv.rationale_zh or f"在{_rel(cfg.path)}中为{cfg.region}设定（未估计）。"
        rationale[k] = {"en": en, "zh": zh}
    for d in (getattr(result, "identification", None) or {}).get("eliminated", []):
        src = d.get("source") or "the model default"
        rationale[d["name"]] = {
            "en": (f"Not identified by the calibration to the history of {cfg.region} ({d['reason']}); fixed to "
                   f"its literature value {d['value']:g} ({src}); see {report}."),
            "zh": (f"校准中{cfg.region}历史数据无法识别（{d.get('reason_zh', d['reason'])}），固定为文献值"
                   f"{d['value']:g}（{source_zh(src)}）；见{report_zh}。"),
        }
    for i, n in enumerate(result.names):
        x, se = overrides[n], result.se[i]
        flags = [f for f in result.flags[i]["flags"] if not f.startswith("corr:")]
        se_txt = f"{se:.3g}" if math.isfinite(se) else "n/a"
        lo, hi = result.lower[i], result.upper[i]
        en = (f"Estimated by calibration to {n_series} history series of {cfg.region}, {a}-{b} "
              f"(series, fit and warnings: {report}): {x:g}, standard error {se_txt}; "
              f"bounds [{lo:g}, {hi:g}]; model default {result.defaults[i]:g}.")
        zh = (f"依据{cfg.region} {a}-{b}年{n_series}条历史序列校准估计（序列、拟合优度与警告见{report_zh}）："
              f"{x:g}，标准误 {se_txt}；估计范围 [{lo:g}, {hi:g}]；模型默认值 {result.defaults[i]:g}。")
        if flags:
            en += " Flags: " + ", ".join(flags) + "."
            zh += "标记：" + "、".join(FLAGS_ZH.get(f, f) for f in flags) + "。"
        rationale[n] = {"en": en, "zh": zh}
    date = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    start = {"time": {"initial_time": int(cfg.initial_time)}} if cfg.initial_time is not None else {}
    return {
        "name": dict(cfg.name),
        "description": dict(cfg.description),
        **start,
        "overrides": {k: overrides[k] for k in overrides},
        **({"data": data_block(cfg)} if cfg.data_series else {}),
        "rationale": rationale,
        "calibration": {
            "date": date,
            "region": cfg.region,
            "config": _rel(cfg.path),
            "data": [{"file": _rel(f["path"]), "sha256": f["sha256"]} for f in result.data_files],
            "window": [int(a), int(b)],
            "evaluation_window": [int(max(cfg.evaluation_start, a)), int(b)],
            "objective": float(f"{result.objective:.6g}"),
            "objective_definition": "sum over series of weight * mean((model - data) / mean(data))^2",
            "estimated": len(result.names),
            "observations": int(result.n_residuals),
            "seed": int(cfg.optimizer.seed),
            "runtime_s": round(result.total_seconds, 1),
            "warnings": list(result.warnings),
            "statistics": {k: dict(v) for k, v in summary.items()},
            "report": _rel(report_path) if report_path else None,
        },
    }


def data_block(cfg: CalibrationConfig) -> dict:
    """The scenario ``data`` block of the region's data inputs (scenarios/data_block.py)."""
    from scenarios.data_block import DataSeries, data_block_mapping

    return data_block_mapping({
        const: DataSeries(tuple(int(y) for y in values.index), tuple(float(v) for v in values.to_numpy()), text)
        for const, (values, text) in cfg.data_series.items()
    })


def validate_document(doc: Mapping, path: str | Path, model=None) -> None:
    """Check the structure and the overrides (names, types, ranges) of a scenario mapping."""
    from models.model import ModelInputError, load_model

    for key in ("name", "description"):
        v = doc.get(key)
        if not isinstance(v, Mapping) or not all(isinstance(v.get(lang), str) and v.get(lang)
                                                  for lang in ("en", "zh")):
            raise ConfigError(f"{path}: {key}: needs non-empty 'en' and 'zh' texts")
    model = model or load_model()
    try:
        model.validate_overrides(doc["overrides"], source=str(path))
    except ModelInputError as err:
        raise ConfigError(str(err)) from None
    if doc.get("data") is not None:
        from scenarios.data_block import parse_data_block

        parse_data_block(str(path), doc["data"], model, doc["overrides"], ConfigError)
    missing = [k for k in doc["overrides"] if k not in doc.get("rationale", {})]
    if missing:
        raise ConfigError(f"{path}: rationale: missing for {', '.join(missing)}")


BASELINE_HEADER = ("# Generated by `python -m calibration fit --write-baseline`; do not edit by hand:\n"
                   "# re-run the calibration instead (see calibration/README.md).\n")


def write_scenario(doc: Mapping, path: str | Path, model=None, *, header: str = BASELINE_HEADER) -> Path:
    """Validate ``doc`` and write it atomically to ``path`` (YAML, UTF-8) below ``header``
    (comment lines)."""
    path = Path(path)
    validate_document(doc, path, model)
    text = (header
            + yaml.safe_dump(dict(doc), allow_unicode=True, sort_keys=False, width=100))
    yaml.safe_load(text)  # round-trip check
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def read_scenario_overrides(path: str | Path) -> dict[str, float]:
    """Overrides of a scenario file (for ``calibration report --scenario``)."""
    from calibration.config import read_yaml

    path = Path(path)
    doc = read_yaml(path)
    ov = doc.get("overrides")
    if not isinstance(ov, Mapping):
        raise ConfigError(f"{path}: overrides: missing or not a mapping")
    from models.model import ModelInputError, load_model

    try:
        return load_model().validate_overrides(ov, source=str(path))
    except ModelInputError as err:
        raise ConfigError(str(err)) from None


__all__ = [
    "baseline_document",
    "read_scenario_overrides",
    "round_value",
    "rounded_overrides",
    "validate_document",
    "write_scenario",
]
