"""Validation of scenario files: every malformed file gives a ScenarioError naming the
file and the key, base chains merge, round trips are exact, nothing is overwritten."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from scenarios import (
    SCENARIO_DIR,
    ScenarioError,
    list_scenarios,
    load_scenario,
    scenario_from_mapping,
    scenario_to_mapping,
    scenario_to_yaml,
    write_scenario,
)

HEAD = """\
name: {en: Test, zh: 测试}
description: {en: A test scenario., zh: 测试情景。}
"""


def write(folder: Path, key: str, body: str) -> Path:
    path = folder / f"{key}.yaml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def scenario_text(overrides: dict, base: str | None = None, rationale: bool = True) -> str:
    text = HEAD + (f"base: {base}\n" if base else "")
    text += yaml.safe_dump({"overrides": overrides}, allow_unicode=True)
    if rationale:
        text += yaml.safe_dump(
            {"rationale": {k: {"en": "Assumption.", "zh": "假设。"} for k in overrides}}, allow_unicode=True
        )
    return text


def error_of(path_or_key, **kwargs) -> str:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path_or_key, **kwargs)
    return str(exc.value)


# ---------------------------------------------------------------- valid files


def test_load_by_key_and_by_path_agree() -> None:
    a = load_scenario("dual_carbon")
    b = load_scenario(SCENARIO_DIR / "dual_carbon.yaml")
    assert dict(a.overrides) == dict(b.overrides) and a.key == b.key == "dual_carbon"


def test_python_names_resolve_to_vensim_names(tmp_path: Path) -> None:
    path = write(tmp_path, "py", scenario_text({"non_fossil_mandate_for_new_supply": 0.2}))
    sc = load_scenario(path)
    assert dict(sc.overrides) == {"non fossil mandate for new supply": 0.2}
    assert set(sc.rationale) == {"non fossil mandate for new supply"}


def test_base_chain_merges_in_order(tmp_path: Path) -> None:
    write(tmp_path, "a", scenario_text({"compensation ratio": 1.5, "fertiliser reduction": 0.1}))
    write(tmp_path, "b", scenario_text({"fertiliser reduction": 0.4}, base="a"))
    write(tmp_path, "c", scenario_text({"CCS target capacity": 5}, base="b"))
    sc = load_scenario("c", directory=tmp_path)
    assert dict(sc.overrides) == {"compensation ratio": 1.5, "fertiliser reduction": 0.4, "CCS target capacity": 5.0}
    assert dict(sc.own_overrides) == {"CCS target capacity": 5.0}
    assert sc.base == "b"
    assert set(sc.rationale) == set(sc.overrides)


def test_initial_land_shares_are_checked_on_the_merged_set(tmp_path: Path) -> None:
    # the base lowers the grassland share; the child may then raise the cropland share
    write(tmp_path, "a", scenario_text({"initial grassland share": 0.1}))
    write(tmp_path, "b", scenario_text({"initial cropland share": 0.4}, base="a"))
    assert load_scenario("b", directory=tmp_path).overrides["initial cropland share"] == 0.4
    write(tmp_path, "c", scenario_text({"initial cropland share": 0.4}))
    msg = error_of("c", directory=tmp_path)
    assert "c.yaml" in msg and "add up to" in msg


def test_calibration_block_is_exposed_inherited_and_fills_rationale(tmp_path: Path) -> None:
    write(
        tmp_path,
        "baseline",
        HEAD
        + "overrides: {migration coefficient: 0.065, initial birth rate: 0.02}\n"
        + "calibration: {method: least squares, fitted: [migration coefficient], rmse: {urbanization_rate: 0.8}}\n",
    )
    write(tmp_path, "policy", scenario_text({"fertiliser reduction": 0.2}, base="baseline"))
    base = load_scenario("baseline", directory=tmp_path)
    assert base.calibration["method"] == "least squares"
    assert base.calibration["fitted"] == ("migration coefficient",)
    assert "Calibrated" in base.rationale["migration coefficient"]["en"]
    child = load_scenario("policy", directory=tmp_path)
    assert child.calibration is not None and child.calibration["rmse"]["urbanization_rate"] == 0.8
    assert child.overrides["migration coefficient"] == 0.065


def test_bundled_baseline_accepts_a_calibration_block() -> None:
    data = yaml.safe_load((SCENARIO_DIR / "baseline.yaml").read_text(encoding="utf-8"))
    data["calibration"] = {"data": "calibration/data/history_CHN.csv", "fit": {"r2": 0.99}}
    data["overrides"] = {"migration coefficient": 0.066}
    data["rationale"] = {}  # calibrated constants may go without a hand-written rationale
    sc = scenario_from_mapping(data, "baseline.yaml")
    assert sc.calibration["fit"]["r2"] == 0.99 and sc.key == "baseline"


def test_round_trip_through_yaml(tmp_path: Path) -> None:
    for key in list_scenarios():
        sc = load_scenario(key)
        text = scenario_to_yaml(sc)
        back = scenario_from_mapping(yaml.safe_load(text), f"{key}.yaml")
        assert dict(back.overrides) == dict(sc.overrides)
        assert {k: dict(v) for k, v in back.rationale.items()} == {k: dict(v) for k, v in sc.rationale.items()}
        assert dict(back.name) == dict(sc.name) and dict(back.description) == dict(sc.description)
        assert "base" not in yaml.safe_load(text)  # flattened, self-contained
    kept = scenario_to_mapping(load_scenario("dual_carbon"), flatten=False)
    assert kept["base"] == "baseline" and set(kept["overrides"]) == set(load_scenario("dual_carbon").own_overrides)


def test_write_scenario_validates_and_never_overwrites_on_failure(tmp_path: Path) -> None:
    sc = load_scenario("compact_urbanization")
    target = tmp_path / "out.yaml"
    write_scenario(sc, target)
    assert load_scenario(target).overrides == sc.overrides
    original = target.read_text(encoding="utf-8")
    # a scenario whose rationale is missing for an override cannot be written
    broken = type(sc)(
        key="x", name=sc.name, description=sc.description,
        overrides={**sc.overrides, "compensation ratio": 9.0},
        rationale={**sc.rationale, "compensation ratio": {"en": "x", "zh": "x"}},
    )
    with pytest.raises(ScenarioError, match="compensation ratio"):
        write_scenario(broken, target)
    assert target.read_text(encoding="utf-8") == original
    assert [p.name for p in tmp_path.iterdir()] == ["out.yaml"]  # no temporary file left


def test_mapping_without_rationale_when_not_required() -> None:
    data = yaml.safe_load(HEAD + "overrides: {fertiliser reduction: 0.5}\n")
    sc = scenario_from_mapping(data, "upload.yaml", require_rationale=False)
    assert sc.key == "upload" and sc.rationale["fertiliser reduction"]["en"]
    with pytest.raises(ScenarioError, match="rationale: missing entry for override"):
        scenario_from_mapping(data, "upload.yaml")


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "body, expected",
    [
        (HEAD + "overides: {}\n", "unknown top-level key(s) 'overides' (did you mean 'overrides'?)"),
        ("description: {en: d, zh: d}\n", "missing 'name'"),
        ("name: {en: n}\ndescription: {en: d, zh: d}\n", "'name.zh' is missing or empty"),
        ("name: {en: n, zh: n}\ndescription: {en: d, zh: ''}\n", "'description.zh' is missing or empty"),
        ("name: {en: n, zh: n, fr: n}\ndescription: {en: d, zh: d}\n", "unknown language(s) ['fr']"),
        ("name: just a string\ndescription: {en: d, zh: d}\n", "'name' must be a mapping"),
        (HEAD + "overrides: [1, 2]\n", "'overrides' must be a mapping"),
        (HEAD + "overrides: {compensaton ratio: 1.5}\n", "unknown model variable 'compensaton ratio'. Did you mean: compensation ratio"),
        (HEAD + "overrides: {compensation ratio: high}\n", "'compensation ratio' must be a number in [1, 3]"),
        (HEAD + "overrides: {compensation ratio: true}\n", "'compensation ratio' must be a number"),
        (HEAD + "overrides: {compensation ratio: 5}\n", "'compensation ratio' = 5 is outside the allowed range [1, 3] Dmnl"),
        (HEAD + "overrides: {gross emissions: 5}\n", "not a constant"),
        (HEAD + "overrides: {compensation ratio: 1.5}\n", "rationale: missing entry for override(s) 'compensation ratio'"),
        (HEAD + "overrides: {}\nrationale: {compensation ratio: {en: a, zh: b}}\n", "'compensation ratio' is not overridden"),
        (HEAD + "overrides: {compensation ratio: 1.5}\nrationale: {compensation ratio: {en: a}}\n", "'rationale.compensation ratio.zh' is missing"),
        (HEAD + "overrides: {compensation ratio: 1.5, compensation_ratio: 1.6}\n", "name the same constant"),
        (HEAD + "calibration: [1]\n", "'calibration' must be a mapping"),
        (HEAD + "base: 3\n", "'base' must be the key of another scenario file"),
        (HEAD + "targets: {region: atlantis}\n", "region 'atlantis' not found"),
        (HEAD + "targets: {country: x}\n", "targets: unknown key(s) ['country']"),
        ("- a\n- b\n", "a scenario must be a mapping"),
        ("", "got empty"),
    ],
)
def test_malformed_file_errors_name_file_and_key(tmp_path: Path, body: str, expected: str) -> None:
    path = write(tmp_path, "bad", body)
    msg = error_of(path)
    assert str(path) in msg
    assert expected in msg


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad", HEAD + "overrides:\n  compensation ratio: 1.5\n   fertiliser reduction: 0.2\n")
    msg = error_of(path)
    assert "invalid YAML at line 5" in msg and str(path) in msg


def test_missing_base_and_cycles(tmp_path: Path) -> None:
    write(tmp_path, "orphan", scenario_text({}, base="nowhere"))
    msg = error_of("orphan", directory=tmp_path)
    assert "base scenario 'nowhere' not found" in msg and "orphan.yaml" in msg
    write(tmp_path, "a", scenario_text({}, base="b"))
    write(tmp_path, "b", scenario_text({}, base="a"))
    assert "cycle: a -> b -> a" in error_of("a", directory=tmp_path)
    write(tmp_path, "self", scenario_text({}, base="self"))
    assert "cycle: self -> self" in error_of("self", directory=tmp_path)


def test_errors_in_a_base_name_the_base_file(tmp_path: Path) -> None:
    write(tmp_path, "a", HEAD + "overrides: {compensation ratio: 7}\nrationale: {compensation ratio: {en: a, zh: b}}\n")
    write(tmp_path, "b", scenario_text({}, base="a"))
    msg = error_of("b", directory=tmp_path)
    assert "a.yaml" in msg and "outside the allowed range" in msg


def test_unknown_scenario_lists_close_matches() -> None:
    msg = error_of("dual_carbn")
    assert "unknown scenario 'dual_carbn'" in msg and "Did you mean: dual_carbon" in msg
    assert "scenario file not found" in error_of("/nonexistent/x.yaml")


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad", HEAD + "overrides: {compensation ratio: 5}\n")
    assert "\n" not in error_of(path)


def test_base_is_looked_up_next_to_the_file_then_among_the_bundled(tmp_path: Path) -> None:
    sc = load_scenario("dual_carbon")
    # a user's file elsewhere can build on the bundled baseline
    write_scenario(sc, tmp_path / "dual.yaml", flatten=False)
    back = load_scenario(tmp_path / "dual.yaml")
    assert back.base == "baseline" and dict(back.overrides) == dict(sc.overrides)
    # a base file next to it takes precedence over the bundled one
    write(tmp_path, "baseline", scenario_text({"compensation ratio": 1.5}))
    local = load_scenario(tmp_path / "dual.yaml")
    assert dict(local.overrides) == {"compensation ratio": 1.5, **dict(sc.own_overrides)}


def test_write_with_a_base_that_cannot_be_found_writes_nothing(tmp_path: Path) -> None:
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    write(here, "local_base", scenario_text({"compensation ratio": 1.5}))
    write(here, "child", scenario_text({}, base="local_base"))
    child = load_scenario(here / "child.yaml")
    with pytest.raises(ScenarioError, match="base scenario 'local_base' not found"):
        write_scenario(child, there / "child.yaml", flatten=False)
    assert not (there / "child.yaml").exists()
