"""Small helpers for tests and examples: tiny configurations and synthetic history.

``synthetic_history`` runs the model at known constants and writes the result in the
user data format, so that a fit can be checked to recover the constants.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import yaml

from calibration.evaluate import model_times, simulate_many
from calibration.observations import model_at_years
from calibration.series import SERIES

REPO_ROOT = Path(__file__).resolve().parent.parent
CHN_DATA = REPO_ROOT / "calibration" / "data" / "history_CHN.csv"


def synthetic_history(
    path: str | Path,
    truth: Mapping[str, float],
    series: Sequence[str],
    years: Sequence[int],
    *,
    region: str = "SYN",
    fixed: Mapping[str, float] | None = None,
    timing: str = "mid",
) -> Path:
    """Write model output at constants ``truth`` as a history CSV (user data format)."""
    names = list(truth)
    X = np.array([[truth[n] for n in names]])
    outputs = [SERIES[s].model_variable for s in series]
    arrays = simulate_many(X, names, outputs, fixed=fixed)
    times = model_times()
    lines = ["region,year,variable,value,unit,source,note"]
    for s, out in zip(series, outputs):
        vals = model_at_years(arrays[out], times, list(years), timing)[0]
        for y, v in zip(years, vals):
            lines.append(f"{region},{y},{s},{float(v)!r},{SERIES[s].unit},SYNTHETIC,model run")
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_config(path: str | Path, mapping: Mapping) -> Path:
    """Write a configuration mapping as YAML."""
    path = Path(path)
    path.write_text(yaml.safe_dump(dict(mapping), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def tiny_config(data: str | Path = CHN_DATA, region: str = "CHN", **changes) -> dict:
    """A fast configuration: 2 parameters, 2 series, few DE generations."""
    cfg = {
        "region": region,
        "data": [str(data)],
        "window": {"start": 1990, "end": "latest"},
        "evaluation_start": 2000,
        "series": {"urbanization_rate": {"weight": 1.0}, "gdp": {"weight": 1.0}},
        "parameters": {
            "migration coefficient": {"bounds": [0.02, 0.12]},
            "attainable share of frontier productivity": {"bounds": [0.3, 1.0]},
        },
        "acceptance": {"urbanization_rate": 5, "gdp": 20},
        "optimizer": {"seed": 7, "popsize": 5, "maxiter": 4, "polish_max_nfev": 20},
        "baseline": "baseline.yaml",
        "report_dir": "reports/{region}",
    }
    cfg.update(changes)
    return cfg


__all__ = ["CHN_DATA", "synthetic_history", "tiny_config", "write_config"]
