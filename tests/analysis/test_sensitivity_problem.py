"""Problem definitions: mapping, YAML (validation errors name file and key), model ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.sensitivity import ProblemDefinitionError, SensitivityProblem


def write(tmp_path: Path, text: str, name: str = "problem.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_yaml_with_base_and_salib_dict(tmp_path: Path) -> None:
    path = write(tmp_path, "base: baseline\nnames: [a, b]\nbounds: [[0, 1], [-2.5, 3]]\n")
    problem = SensitivityProblem.from_yaml(path)
    assert problem.names == ("a", "b")
    assert problem.bounds == ((0.0, 1.0), (-2.5, 3.0))
    assert problem.base == "baseline"
    assert problem.to_salib() == {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 1.0], [-2.5, 3.0]]}


def test_distributions_are_passed_to_salib(tmp_path: Path) -> None:
    path = write(tmp_path, "names: [a, b]\nbounds: [[0, 1], [10, 2]]\ndists: [unif, norm]\n")
    problem = SensitivityProblem.from_yaml(path)
    assert problem.to_salib()["dists"] == ["unif", "norm"]


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("names: [a]\nbounds: [[0, 1]]\nsamples: 10\n", "samples", "unknown key"),
        ("names: [a, b]\nbounds: [[0, 1], [2, 2]]\n", "bounds[1] (b)", "strictly less"),
        ("names: [a, b]\nbounds: [[0, 1], [3, 2]]\n", "bounds[1] (b)", "strictly less"),
        ("names: [a]\nbounds: [[0, high]]\n", "bounds[0] (a)", "non-numeric"),
        ("names: [a]\nbounds: [['0', 1]]\n", "bounds[0] (a)", "non-numeric"),
        ("names: [a]\nbounds: [[true, 1]]\n", "bounds[0] (a)", "non-numeric"),
        ("names: [a]\nbounds: [[0, .nan]]\n", "bounds[0] (a)", "non-finite"),
        ("names: [a]\nbounds: [[0, 1, 2]]\n", "bounds[0] (a)", "expected 2 numbers"),
        ("names: [a, b]\nbounds: [[0, 1]]\n", "bounds", "1 entries for 2 names"),
        ("bounds: [[0, 1]]\n", "names", "missing required key"),
        ("names: [a]\n", "bounds", "missing required key"),
        ("names: [a, a]\nbounds: [[0, 1], [0, 1]]\n", "names[1]", "duplicate"),
        ("names: [a, 3]\nbounds: [[0, 1], [0, 1]]\n", "names[1]", "non-empty string"),
        ("names: a\nbounds: [[0, 1]]\n", "names", "non-empty list"),
        ("names: [a]\nbounds: [[0, 1]]\nbase: 3\n", "base", "scenario name"),
        ("names: [a]\nbounds: [[0, 1]]\ndists: [gamma]\n", "dists[0]", "unknown distribution"),
        ("names: [a]\nbounds: [[0, 1]]\ndists: [triang]\n", "bounds[0] (a)", "expected 3 numbers"),
        ("- a\n- b\n", "<root>", "expected a mapping"),
        ("names: [a\n", "<root>", "invalid YAML"),
    ],
)
def test_yaml_errors_name_file_and_key(tmp_path: Path, text: str, key: str, fragment: str) -> None:
    path = write(tmp_path, text, name="bad_problem.yaml")
    with pytest.raises(ProblemDefinitionError) as info:
        SensitivityProblem.from_yaml(path)
    message = str(info.value)
    assert str(path) in message
    assert f"key '{key}'" in message
    assert fragment in message
    assert info.value.key == key


def test_direct_construction_is_validated() -> None:
    with pytest.raises(ProblemDefinitionError, match="strictly less"):
        SensitivityProblem(names=("a",), bounds=((1.0, 0.0),))


def test_from_constant_ranges_subset_and_order() -> None:
    ranges = {"birth_rate": (0.01, 0.02, 0.001), "area": (10, 20), "migration": (0.0, 0.1)}
    problem = SensitivityProblem.from_constant_ranges(ranges, names=["migration", "birth_rate"], base="baseline")
    assert problem.names == ("migration", "birth_rate")
    assert problem.bounds == ((0.0, 0.1), (0.01, 0.02))
    assert problem.base == "baseline"
    assert SensitivityProblem.from_constant_ranges(ranges).names == ("birth_rate", "area", "migration")


@pytest.mark.parametrize(
    ("ranges", "names", "key"),
    [
        ({"a": (None, 1.0)}, None, "a"),
        ({"a": (0.0, 1.0)}, ["b"], "b"),
        ({"a": (2.0, 1.0)}, None, "bounds[0] (a)"),
    ],
)
def test_from_constant_ranges_errors(ranges: dict, names: list[str] | None, key: str) -> None:
    with pytest.raises(ProblemDefinitionError) as info:
        SensitivityProblem.from_constant_ranges(ranges, names=names)
    assert "model constant ranges" in str(info.value)
    assert info.value.key == key
