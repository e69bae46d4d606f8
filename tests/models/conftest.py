"""Fixtures shared by the model tests."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.models.model_data import default_constants


@pytest.fixture
def constants() -> pd.Series:
    """Default value of every constant of the model file, by Vensim name."""
    return default_constants()
