"""Model-independent global sensitivity analysis (Sobol, Morris, eFAST via SALib).

Typical use::

    from analysis.sensitivity import SensitivityProblem, run_analysis

    problem = SensitivityProblem.from_yaml("analysis/problems/land.yaml")
    result = run_analysis(problem, evaluator, method="sobol", n=1024, seed=42,
                          scheduler="local", censor={"peak_year": 2061})
    result.indices          # tidy DataFrame
    result.save("results/sobol_land", runs=True)

Modules: :mod:`.problem` (parameters), :mod:`.sampling` (SALib designs),
:mod:`.execution` / :mod:`.backends` (chunked evaluation, serial/threads/Dask),
:mod:`.indices` (SALib analysers), :mod:`.undefined` (NaN strategy),
:mod:`.metrics` (tables and time-resolved Datasets), :mod:`.convergence`,
:mod:`.plots`, :mod:`.outputs`, :mod:`.result`, :mod:`.api`; command line: ``tcsd sensitivity`` (:mod:`cli.sensitivity`).
"""

from typing import Any

from .api import run_analysis
from .convergence import ConvergenceResult, sobol_convergence
from .execution import Evaluator, EvaluatorOutputError, RunOutputs, evaluate_sample
from .indices import compute_indices
from .metrics import AnalysisOptions, analyze_scalar_outputs, analyze_time_outputs
from .problem import ProblemDefinitionError, SensitivityProblem
from .result import SensitivityResult
from .sampling import SampleDesign, fast_sample, make_sample, morris_sample, sobol_sample

#: Plot functions, imported with matplotlib when first used (an analysis without figures
#: does not pay matplotlib's import).
_PLOTS = ("plot_convergence", "plot_morris", "plot_sobol_bars", "plot_time_heatmap", "save_figure")


def __getattr__(name: str) -> Any:
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AnalysisOptions",
    "ConvergenceResult",
    "Evaluator",
    "EvaluatorOutputError",
    "ProblemDefinitionError",
    "RunOutputs",
    "SampleDesign",
    "SensitivityProblem",
    "SensitivityResult",
    "analyze_scalar_outputs",
    "analyze_time_outputs",
    "compute_indices",
    "evaluate_sample",
    "fast_sample",
    "make_sample",
    "morris_sample",
    "plot_convergence",
    "plot_morris",
    "plot_sobol_bars",
    "plot_time_heatmap",
    "run_analysis",
    "save_figure",
    "sobol_convergence",
    "sobol_sample",
]
