"""Where an out-of-sample CO2 error comes from: a Kaya decomposition (误差的卡亚分解).

Fossil and industry CO2 is the product of four factors (Kaya identity, with cement
process CO2 carried in the last factor)::

    CO2 = GDP x (E / GDP) x (1 - non-fossil share) x (CO2 / fossil E)

so the log error of the model's CO2 against history, ln(CO2_model / CO2_observed), is
exactly the sum of the log errors of the four factors in every year where all four are
observed. The validation report gives, per seed, the mean over the out-of-sample years
and the value in the last such year, in log points x 100 (about percent for small
errors): which part of the projection went wrong - the economy, the energy it needs, the
non-fossil share, or the carbon of the fossil energy (coal against oil and gas).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

#: History series the decomposition needs (names of calibration/national.yaml).
GDP, ENERGY, NON_FOSSIL, CO2 = "gdp", "primary_energy", "non_fossil_share", "co2_fossil_industry"
#: The factors, in the order of the identity, and their report labels.
FACTORS: dict[str, str] = {
    "gdp": "GDP",
    "energy_intensity": "energy per GDP",
    "fossil_share": "fossil share of energy",
    "co2_per_fossil_energy": "CO2 per fossil energy",
}


def kaya_errors(model: Mapping[str, pd.Series], observed: pd.DataFrame) -> dict[str, float | int | str]:
    """Log errors (x 100) of CO2 and of its four Kaya factors, model against history.

    Args:
        model: series name -> model values by year (``Assessment.model``).
        observed: history rows (columns ``variable``, ``year``, ``value``), e.g. the
            out-of-sample rows of a validation fit.

    Returns ``{"years": "first-last", "n": count, "co2": mean, "<factor>": mean, ...,
    "co2_last": ..., "<factor>_last": ..., "last_year": year}``; the factor means add up to
    the CO2 mean (likewise in the last year). Empty when a series is missing or no year
    has all four observed.
    """
    names = (GDP, ENERGY, NON_FOSSIL, CO2)
    if any(n not in model for n in names):
        return {}
    obs = (observed[observed["variable"].isin(names)]
           .pivot_table(index="year", columns="variable", values="value", aggfunc="mean"))
    if any(n not in obs.columns for n in names):
        return {}
    sim = pd.DataFrame({n: model[n] for n in names})
    years = obs.dropna(subset=list(names)).index.intersection(sim.dropna().index)
    if len(years) == 0:
        return {}
    o, m = obs.loc[years, list(names)].astype(float), sim.loc[years, list(names)].astype(float)

    def factors(d: pd.DataFrame) -> pd.DataFrame:
        fossil = 1.0 - d[NON_FOSSIL]
        return pd.DataFrame({"gdp": d[GDP], "energy_intensity": d[ENERGY] / d[GDP],
                             "fossil_share": fossil, "co2_per_fossil_energy": d[CO2] / (d[ENERGY] * fossil),
                             "co2": d[CO2]})

    with np.errstate(divide="ignore", invalid="ignore"):
        err = 100.0 * np.log(factors(m) / factors(o))
    err = err.replace([np.inf, -np.inf], np.nan).dropna()
    if err.empty:
        return {}
    last = int(err.index.max())
    out: dict[str, float | int | str] = {"years": f"{int(err.index.min())}-{last}", "n": len(err),
                                         "last_year": last}
    for col in ("co2", *FACTORS):
        out[col] = float(err[col].mean())
        out[f"{col}_last"] = float(err.loc[last, col])
    return out


__all__ = ["FACTORS", "kaya_errors"]
