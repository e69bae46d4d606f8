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

from typing import TYPE_CHECKING

from analysis.lazy import lazy_exports

if TYPE_CHECKING:  # the names below are imported when first used (``__getattr__``)
    from .api import run_analysis
    from .convergence import ConvergenceResult, sobol_convergence
    from .execution import Evaluator, EvaluatorOutputError, RunOutputs, evaluate_sample
    from .indices import compute_indices
    from .metrics import AnalysisOptions, analyze_scalar_outputs, analyze_time_outputs
    from .plots import plot_convergence, plot_morris, plot_sobol_bars, plot_time_heatmap, save_figure
    from .problem import ProblemDefinitionError, SensitivityProblem
    from .result import SensitivityResult
    from .sampling import SampleDesign, fast_sample, make_sample, morris_sample, sobol_sample

#: Submodule of each public name. They are imported when first used, so that importing
#: one light submodule (e.g. ``.sampling`` for the command line's choices) does not pay
#: SciPy's statistics and SALib's analysers, nor an analysis without figures matplotlib.
_EXPORTS: dict[str, str] = {
    "run_analysis": "api",
    "ConvergenceResult": "convergence", "sobol_convergence": "convergence",
    "Evaluator": "execution", "EvaluatorOutputError": "execution", "RunOutputs": "execution",
    "evaluate_sample": "execution",
    "compute_indices": "indices",
    "AnalysisOptions": "metrics", "analyze_scalar_outputs": "metrics", "analyze_time_outputs": "metrics",
    "plot_convergence": "plots", "plot_morris": "plots", "plot_sobol_bars": "plots",
    "plot_time_heatmap": "plots", "save_figure": "plots",
    "ProblemDefinitionError": "problem", "SensitivityProblem": "problem",
    "SensitivityResult": "result",
    "SampleDesign": "sampling", "fast_sample": "sampling", "make_sample": "sampling",
    "morris_sample": "sampling", "sobol_sample": "sampling",
}


__getattr__ = lazy_exports(__name__, _EXPORTS)


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
