"""The result of a sensitivity analysis and how it is saved."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import xarray as xr

from . import outputs as out
from .convergence import ConvergenceResult
from .problem import SensitivityProblem
from .sampling import MORRIS, SampleDesign

if TYPE_CHECKING:  # matplotlib is imported by the plots, when a figure is drawn
    from matplotlib.figure import Figure


@dataclass
class SensitivityResult:
    """Everything produced by :func:`.api.run_analysis`.

    Attributes:
        problem: The analysed problem.
        design: The sample design (method, X, n, seed, options).
        indices: Tidy indices of scalar metrics: ``metric, parameter, parameter_2,
            index, value, conf, status`` (see :mod:`.indices`, :mod:`.undefined`).
        time_indices: Indices per time step of time-resolved outputs (dims
            ``metric, time, parameter``) or ``None``.
        undefined: Undefined-value report, one row per metric (:mod:`.metrics`).
        outputs: Output name -> ``(runs,)`` or ``(runs, T)`` array, in sample order.
        times: Time grid of time-resolved outputs, or ``None``.
        convergence: Sobol convergence study, or ``None``.
        settings: Analysis settings (bootstrap, seeds, chunking, backend, timings).
    """

    problem: SensitivityProblem
    design: SampleDesign
    indices: pd.DataFrame
    time_indices: xr.Dataset | None
    undefined: pd.DataFrame
    outputs: dict[str, np.ndarray]
    times: np.ndarray | None = None
    convergence: ConvergenceResult | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def method(self) -> str:
        """``"sobol"``, ``"morris"`` or ``"fast"``."""
        return self.design.method

    @property
    def samples(self) -> np.ndarray:
        """The sample matrix ``X`` (runs x parameters)."""
        return self.design.X

    @property
    def undefined_counts(self) -> dict[str, int]:
        """Number of runs with an undefined (NaN) value, per output."""
        return {str(m): int(n) for m, n in zip(self.undefined["metric"], self.undefined["n_undefined"], strict=True)}

    def output_attrs(self) -> dict[str, dict[str, str]]:
        """NetCDF attributes per output: units and names of the product model's metrics and
        time variables (from ``settings["model"]``); empty for other evaluators."""
        model = self.settings.get("model") or {}
        attrs = {m["name"]: {"units": m.get("unit") or "1", "long_name": m.get("name_en") or m["name"],
                             "long_name_zh": m.get("name_zh") or m["name"]}
                 for m in model.get("metrics", [])}
        if model.get("time_variables"):
            from analysis.results import variable_attrs
            from models.model import MODEL_PATH

            for name in model["time_variables"]:
                if name in self.outputs:
                    a = variable_attrs(name, model.get("model") or MODEL_PATH)
                    attrs[name] = {k: a[k] for k in ("units", "long_name", "long_name_zh", "comment")}
        return attrs

    def figures(self) -> dict[str, Figure]:
        """Standard figures keyed by file stem (one per metric and plot type)."""
        from . import plots  # matplotlib only when figures are drawn

        figures: dict[str, Figure] = {}
        analysed = self.indices[self.indices["value"].notna()]
        for metric in dict.fromkeys(analysed["metric"]):
            stem = out.safe_filename(metric)
            if self.method == MORRIS:
                figures[f"morris_{stem}"] = plots.plot_morris(self.indices, metric)
            else:
                figures[f"{self.method}_{stem}"] = plots.plot_sobol_bars(self.indices, metric)
        if self.time_indices is not None:
            index = "mu_star" if self.method == MORRIS else "ST"
            for metric in self.time_indices["metric"].values:
                figures[f"time_{index}_{out.safe_filename(str(metric))}"] = plots.plot_time_heatmap(
                    self.time_indices, str(metric), index
                )
        if self.convergence is not None:
            for metric in dict.fromkeys(self.convergence.table["metric"]):
                figures[f"convergence_{out.safe_filename(metric)}"] = plots.plot_convergence(
                    self.convergence.table, metric, self.convergence.max_conf
                )
        return figures

    def save(
        self,
        directory: str | Path,
        *,
        runs: bool = False,
        figures: bool = True,
        formats: Sequence[str] = ("png", "svg"),
    ) -> list[Path]:
        """Write tables (CSV + Parquet), NetCDF, metadata, figures and optionally runs.

        Args:
            directory: Created if missing.
            runs: Also write the run matrix (``runs.nc``, ``runs.parquet``).
            figures: Write the standard figures into ``directory/figures``.
            formats: Figure formats.

        Returns:
            The paths written.
        """
        directory = Path(directory)
        paths = out.write_table(self.indices, directory / "indices")
        paths += out.write_table(self.undefined, directory / "undefined")
        if self.time_indices is not None:
            paths.append(out.write_netcdf(self.time_indices, directory / "time_indices.nc"))
        if self.convergence is not None:
            paths += out.write_table(self.convergence.table, directory / "convergence")
            paths += out.write_table(self.convergence.summary, directory / "convergence_summary")
        if runs:
            paths += out.write_runs(self.problem, self.samples, self.outputs, self.times, directory,
                                    self.output_attrs())
        paths.append(out.write_json(self.metadata(), directory / "metadata.json"))
        if figures:
            from . import plots

            for stem, fig in self.figures().items():
                paths += plots.save_figure(fig, directory / "figures" / stem, formats)
        return paths

    def metadata(self) -> dict[str, Any]:
        """Method, sizes, seeds, problem and settings, for reproducing the analysis."""
        return {
            "method": self.method,
            "n": self.design.n,
            "runs": self.design.runs,
            "sample_seed": self.design.seed,
            "calc_second_order": self.design.calc_second_order,
            "num_levels": self.design.num_levels,
            "M": self.design.M,
            "problem": {
                "names": list(self.problem.names),
                "bounds": [list(b) for b in self.problem.bounds],
                "dists": None if self.problem.dists is None else list(self.problem.dists),
                "base": self.problem.base,
            },
            "undefined_counts": self.undefined_counts,
            "recommended_n": None if self.convergence is None else self.convergence.recommended_n,
            **self.settings,
        }
