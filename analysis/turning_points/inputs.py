"""The one map from input roles to model variables (输入变量表).

Every caller — turning points, metrics, targets, sensitivity, policy analysis, the
CLI and the app — takes the model variables it reads from :data:`MODEL_INPUTS`, so a
renamed variable is changed here once. Roles:

=====================  ================================  ==========================
role                   model variable (Vensim name)      unit
=====================  ================================  ==========================
``emissions``          gross emissions                   Mt CO2/yr (E)
``sink``               land carbon sink                  Mt CO2/yr (S, removals +)
``net_emissions``      net emissions                     Mt CO2/yr (N = E − S)
``growth_emissions``   growth attributable emissions     Mt CO2/yr (G, TP5)
``construction_land``  total construction land           10^4 ha (L, reported at TP5)
``gdp``                GDP                               billion int$/yr (Y, TP2 companion)
``energy``             primary energy consumption        TWh/yr (energy-intensity diagnostics)
``cumulative_gross``   Cumulative Gross Emissions        Mt CO2 (stock, cumulative metrics)
``cumulative_net``     Cumulative Net Emissions          Mt CO2 (stock, cumulative metrics)
``cropland``           Cropland                          10^4 ha (named metric cropland_2035)
=====================  ================================  ==========================
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["MODEL_INPUTS", "TP_ROLES", "roles_for", "variables_for", "arrays_from_frame", "py_name"]

MODEL_INPUTS: Mapping[str, str] = MappingProxyType({
    "emissions": "gross emissions",
    "sink": "land carbon sink",
    "net_emissions": "net emissions",
    "growth_emissions": "growth attributable emissions",
    "construction_land": "total construction land",
    "gdp": "GDP",
    "energy": "primary energy consumption",
    "cumulative_gross": "Cumulative Gross Emissions",
    "cumulative_net": "Cumulative Net Emissions",
    "cropland": "Cropland",
})

#: Roles the turning-point engine reads (the others feed metrics).
TP_ROLES: tuple[str, ...] = ("emissions", "sink", "growth_emissions", "construction_land", "gdp", "energy")


def roles_for(keys: Iterable[str]) -> list[str]:
    """Input roles needed by turning-point ``keys`` (E first; L with TP5 for its note)."""
    from .definitions import KEY_INPUTS

    roles = ["emissions"]
    for k in keys:
        roles.extend(KEY_INPUTS[k])
        if k == "tp5":
            roles.append("construction_land")
    return list(dict.fromkeys(roles))


def variables_for(roles: Iterable[str]) -> list[str]:
    """Model variables (Vensim names) of ``roles``."""
    return [MODEL_INPUTS[r] for r in roles]


def py_name(name: str) -> str:
    """PySD-style python name of a Vensim name: 'co2 per unit GDP' -> 'co2_per_unit_gdp'."""
    return re.sub(r"\W+", "_", name.strip().lower()).strip("_")


def arrays_from_frame(results: pd.DataFrame, roles: Iterable[str] = TP_ROLES) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(times, role -> (1, T) array) of one run's results indexed by year.

    Columns may use Vensim or python names; a missing role is left out (its turning
    points report "input not given"). The sink falls back to E − N when only net
    emissions are given.
    """
    by_py = {py_name(str(c)): c for c in results.columns}
    times = np.asarray(results.index, dtype=float)

    def column(role: str) -> np.ndarray | None:
        col = by_py.get(py_name(MODEL_INPUTS[role]))
        return None if col is None else pd.to_numeric(results[col], errors="coerce").to_numpy(float)[None, :]

    out: dict[str, np.ndarray] = {}
    for role in roles:
        arr = column(role)
        if arr is None and role == "sink":
            e, n = column("emissions"), column("net_emissions")
            arr = None if e is None or n is None else e - n
        if arr is not None:
            out[role] = arr
    return times, out
