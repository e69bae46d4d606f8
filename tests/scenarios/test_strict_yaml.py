"""Strict YAML: what YAML 1.1 would silently read differently is refused, naming the
file and the line, in English and Chinese; long base chains are refused."""

from __future__ import annotations

import pytest

from scenarios import ScenarioError, load_scenario
from scenarios.loader import MAX_BASE_DEPTH
from scenarios.safe_yaml import UnsafeYamlError, parse_yaml

HEAD = "name: {en: T, zh: 测}\ndescription: {en: D, zh: 述}\n"


def _refused(text: str) -> UnsafeYamlError:
    with pytest.raises(UnsafeYamlError) as err:
        parse_yaml(text, "mine.yaml")
    assert str(err.value).startswith("mine.yaml: line ") and err.value.zh.startswith("mine.yaml：第 ")
    return err.value


def test_duplicate_keys_name_the_key_and_both_lines() -> None:
    err = _refused(HEAD + "overrides:\n  fertiliser reduction: 0.1\n  CCS start year: 2040\n"
                          "  fertiliser reduction: 0.5\n")
    assert "line 6" in str(err) and "'fertiliser reduction'" in str(err) and "first at line 4" in str(err)
    assert "第 6 行" in err.zh and "重复" in err.zh and "第 4 行" in err.zh
    assert "line 4: duplicate key 'b' (first at line 2)" in str(_refused("a: 1\nb: {c: 2}\n\nb: 3\n"))
    # a merge key may be overridden: not a duplicate
    assert parse_yaml("a: &a {p: 1, q: 2}\nb:\n  <<: *a\n  p: 3\n", "m.yaml")["b"] == {"p": 3, "q": 2}


@pytest.mark.parametrize("scalar, meaning", [
    ("1:30", "base-60"), ("-2:10:05", "base-60"), ("1:30.5", "base-60"),
    ("no", "boolean"), ("No", "boolean"), ("off", "boolean"), ("ON", "boolean"), ("yes", "boolean"),
    ("010", "octal"), ("0b101", "binary"), ("1_000", "underscores"), ("1_000.5", "underscores"),
    ("2030-01-01", "date"),
])
def test_yaml_11_surprises_are_refused(scalar: str, meaning: str) -> None:
    err = _refused(f"overrides:\n  CCS start year: {scalar}\n")
    assert "line 2" in str(err) and meaning in str(err) and repr(scalar) in str(err)
    # quoted, the same characters are text
    assert parse_yaml(f"x: '{scalar}'\n", "q.yaml") == {"x": scalar}


@pytest.mark.parametrize("text, value", [
    ("x: true", True), ("x: False", False), ("x: 0", 0), ("x: -5", -5), ("x: 2040", 2040), ("x: 0.5", 0.5),
    ("x: 1e3", 1000.0), ("x: -2.5E-3", -0.0025), ("x: 0x1F", 31), ("x: ~", None), ("x: text", "text"),
])
def test_plain_values_keep_their_meaning(text: str, value: object) -> None:
    assert parse_yaml(text + "\n", "ok.yaml") == {"x": value}


def test_integer_length_is_capped() -> None:
    err = _refused("x: " + "7" * 5000 + "\n")
    assert "5,000 digits" in str(err) and "at most 100" in str(err)
    assert parse_yaml("x: " + "7" * 100 + "\n", "ok.yaml") == {"x": int("7" * 100)}


def test_scenario_file_with_a_duplicate_key_is_a_scenario_error(tmp_path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(HEAD + "overrides: {}\noverrides: {}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert str(path) in str(err.value) and "'overrides'" in str(err.value) and "line 4" in str(err.value)
    assert err.value.zh is not None and "重复" in err.value.zh


def test_base_chains_are_capped(tmp_path) -> None:
    n = MAX_BASE_DEPTH + 1
    for i in range(n):
        text = HEAD + (f"base: s{i + 1}\n" if i < n - 1 else "")
        (tmp_path / f"s{i}.yaml").write_text(text, encoding="utf-8")
    assert load_scenario(tmp_path / "s1.yaml").base == "s2"  # MAX_BASE_DEPTH scenarios: fine
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s0.yaml")
    assert f"longer than {MAX_BASE_DEPTH}" in str(err.value) and "s0" in str(err.value)
    assert err.value.zh is not None and f"超过 {MAX_BASE_DEPTH}" in err.value.zh
    for i in range(n, 400):  # a 400-deep chain: the same clear error, no RecursionError
        (tmp_path / f"s{i - 1}.yaml").write_text(HEAD + f"base: s{i}\n", encoding="utf-8")
    (tmp_path / "s399.yaml").write_text(HEAD, encoding="utf-8")
    with pytest.raises(ScenarioError, match="longer than"):
        load_scenario(tmp_path / "s0.yaml")
