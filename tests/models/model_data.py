"""The product model file's defaults and data lookups, read once for the model tests."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from models.batch.compiler import load_model as load_ir
from models.model import MODEL_PATH, list_constants


@cache
def default_constants() -> pd.Series:
    """Default value of every constant of the model file, by Vensim name."""
    return list_constants().set_index("name")["default"]


def model_lookup(name: str) -> pd.Series:
    """The model file's lookup ``name`` (Vensim name) as a Series, x -> y."""
    table = next(t for t in load_ir(MODEL_PATH).lookups.values() if t.vensim == name)
    return pd.Series(np.asarray(table.y, dtype=float), index=np.asarray(table.x))


def uniform_draws(ranges: dict[str, tuple[float, float]], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` sets of constants, each drawn uniformly in its (low, high) range, in the order of
    ``ranges`` (a fixed seed gives the same sets)."""
    rng = np.random.default_rng(seed)
    return [{name: float(rng.uniform(low, high)) for name, (low, high) in ranges.items()} for _ in range(n)]


def mortality_by_hand(out: pd.DataFrame, initial: float, lowest: float, elasticity: float, decline: float,
                      time_step: float) -> np.ndarray:
    """Age-specific deaths per person and year of a run, by hand (1/year): the lowest attainable
    level plus the initial excess scaled by the mortality multiplier 2 / (1 + relative income ^
    elasticity), times the Medical Progress Factor as the model's Euler steps of F' = -decline x F
    from F = 1. ``out`` needs the column ``relative GDP per capita``, indexed by time (years)."""
    low = min(initial, lowest)
    multiplier = 2 / (1 + out["relative GDP per capita"].to_numpy(float) ** elasticity)
    steps = np.round((out.index.to_numpy(float) - out.index[0]) / time_step)
    return (low + (initial - low) * multiplier) * (1 - decline * time_step) ** steps
