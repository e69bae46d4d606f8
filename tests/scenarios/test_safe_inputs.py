"""Scenario files, uploads and targets files read nothing outside the allowed folders.

Every path a scenario may name (``base``, ``targets.region_file``) is tried in its
dangerous forms: absolute, ``..``, ``/proc``, ``/dev/zero``, a directory, a symbolic
link out of the folder. Each is refused with a message naming the key, no file outside
the allowed folders is opened (checked with an audit hook on ``open``), and no message
quotes the content of a file the user did not send. YAML bombs (nested aliases in every
block, recursion, deep nesting) are refused while parsing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from scenarios import ScenarioError, load_scenario, scenario_from_mapping
from scenarios.safe_yaml import UnsafeYamlError, YamlLimits, parse_yaml, read_confined

HEAD = "name: {en: T, zh: 测}\ndescription: {en: D, zh: 述}\n"
SECRET = "TOKEN_VALUE_7f3a9"

_OPENED: list[str] = []
_WATCH = {"on": False}


def _audit(event: str, args: tuple) -> None:
    if _WATCH["on"] and event == "open" and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture()
def opened():
    """Paths opened while the test body runs (after imports and the model are warm)."""
    from models.model import load_model

    load_model()
    _OPENED.clear()
    _WATCH["on"] = True
    yield _OPENED
    _WATCH["on"] = False


@pytest.fixture()
def outside(tmp_path):
    """A folder with a secret file and a folder of scenarios next to it."""
    secret_dir = tmp_path / "private"
    secret_dir.mkdir()
    secret = secret_dir / ".env"
    secret.write_text(f"API_KEY: {SECRET}\n", encoding="utf-8")
    (secret_dir / "other.yaml").write_text(HEAD + "overrides: {}\n", encoding="utf-8")
    home = tmp_path / "mine"
    home.mkdir()
    (home / "sub").mkdir()
    (home / "link.yaml").symlink_to(secret)
    (home / "linkdir").symlink_to(secret_dir)
    return home, secret


def _scenario(home: Path, body: str) -> Path:
    path = home / "s.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def _forbidden_paths(home: Path, secret: Path) -> list[str]:
    return [str(secret), "/proc/self/status", "/dev/zero", "/etc/passwd", "/usr/bin/env", "/etc",
            str(secret.parent / "other.yaml")]


def _assert_refused(home: Path, secret: Path, opened: list[str], body: str, key: str) -> None:
    """The scenario with ``body`` is refused naming ``key``; nothing secret is quoted or opened."""
    with pytest.raises(ScenarioError) as err:
        load_scenario(_scenario(home, body))
    msg = str(err.value)
    assert key in msg and SECRET not in msg and "API_KEY" not in msg, msg
    assert not any(p.startswith(("/proc", "/dev", "/etc", str(secret.parent))) for p in opened), opened


REGION_FILES = [
    "{secret}", "../private/.env", "/proc/self/status", "/dev/zero", "/etc/passwd", "/usr/bin/env", "/etc",
    "sub", "link.yaml", "linkdir/other.yaml", "../../../../../../etc/passwd.yaml", "~/x.yaml",
]


@pytest.mark.parametrize("region_file", REGION_FILES)
def test_cli_region_file_outside_the_folder_is_refused(outside, opened, region_file):
    home, secret = outside
    _assert_refused(home, secret, opened, f"targets: {{region_file: '{region_file.format(secret=secret)}'}}\n",
                    "targets.region_file")
    assert not set(opened) & set(_forbidden_paths(home, secret)), opened


BASES = ["../private/other", "/etc/passwd", "../../calibration/national", "/proc/self/status", "/dev/zero",
         "linkdir/other", "link", "sub", "..", "{secret}"]


@pytest.mark.parametrize("base", BASES)
def test_cli_base_outside_the_folder_is_refused(outside, opened, base):
    home, secret = outside
    _assert_refused(home, secret, opened, f"base: '{base.format(secret=secret)}'\n", "base")


def test_cli_files_inside_the_folder_still_work(tmp_path):
    region = tmp_path / "my_targets.yaml"
    region.write_text("region: mine\ntargets:\n  - key: forest_coverage_2035\n    threshold: 33.0\n",
                      encoding="utf-8")
    (tmp_path / "parent.yaml").write_text(HEAD + "overrides: {non fossil mandate for new supply: 0.1}\n", encoding="utf-8")
    path = _scenario(tmp_path, "base: parent\ntargets: {region_file: my_targets.yaml}\n")
    sc = load_scenario(path, require_rationale=False)
    assert sc.overrides["non fossil mandate for new supply"] == 0.1
    assert sc.targets["region_file"] == str(region.resolve())
    bundled = _scenario(tmp_path, "base: baseline\n")  # bundled bases stay reachable
    assert load_scenario(bundled, require_rationale=False).base == "baseline"


@pytest.mark.parametrize("targets", [
    "{region_file: x.yaml}", "{region_file: /etc/passwd}", "{region_file: ../analysis/targets.yaml}",
    "{region_file: /proc/self/status}", "{region_file: /dev/zero}",
])
def test_upload_names_no_file(opened, targets):
    import yaml

    data = yaml.safe_load(HEAD + f"targets: {targets}\n")
    with pytest.raises(ScenarioError, match="may not name a file"):
        scenario_from_mapping(data, "upload.yaml", require_rationale=False)
    assert not any(p.startswith(("/proc", "/dev", "/etc")) for p in opened), opened


@pytest.mark.parametrize("base", ["../calibration/national", "/etc/passwd", "../../x", "national"])
def test_upload_base_only_among_bundled_and_given(opened, base):
    import yaml

    data = yaml.safe_load(HEAD + f"base: '{base}'\n")
    with pytest.raises(ScenarioError, match="base"):
        scenario_from_mapping(data, "upload.yaml", require_rationale=False)
    assert not any("calibration" in p or p.startswith("/etc") for p in opened), opened


def test_upload_base_may_name_a_given_scenario():
    import yaml

    mine = scenario_from_mapping(yaml.safe_load(HEAD + "overrides: {non fossil mandate for new supply: 0.2}\n"),
                                 "mine.yaml", require_rationale=False)
    sc = scenario_from_mapping(yaml.safe_load(HEAD + "base: my_region\n"), "u.yaml", require_rationale=False,
                               extra_bases={"my_region": mine})
    assert sc.overrides == {"non fossil mandate for new supply": 0.2}


def test_inline_targets_are_used():
    import yaml

    from analysis.scenario_runs import scenario_targets

    data = yaml.safe_load(HEAD + "targets:\n  inline:\n    region: mine\n    targets:\n"
                          "      - key: forest_coverage_2035\n        threshold: 33.0\n")
    sc = scenario_from_mapping(data, "u.yaml", require_rationale=False)
    tset = scenario_targets(sc)
    assert tset.region == "mine" and tset["forest_coverage_2035"].threshold == 33.0


def _bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(["x"] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("where", ["overrides", "base", "targets", "calibration"])
def test_billion_laughs_is_refused_while_parsing(where):
    bomb = _bomb()
    body = {"overrides": "overrides:\n  " + bomb.replace("\n", "\n  "),
            "base": "base:\n  " + bomb.replace("\n", "\n  "),
            "targets": "targets:\n  inline:\n    " + bomb.replace("\n", "\n    "),
            "calibration": "calibration:\n  " + bomb.replace("\n", "\n  ")}[where]
    with pytest.raises(UnsafeYamlError, match="after expanding aliases"):
        parse_yaml(HEAD + body, "bomb.yaml")


@pytest.mark.parametrize("text, expected", [
    ("a: &a [*a]\n", "recursive alias"),
    ("a: " + "[" * 200 + "]" * 200 + "\n", "nesting deeper"),
    ("a: " + "{b: " * 60 + "1" + "}" * 60 + "\n", "nesting deeper"),
])
def test_recursive_and_deep_yaml_is_refused(text, expected):
    with pytest.raises(UnsafeYamlError, match=expected):
        parse_yaml(text, "x.yaml")


def test_size_limit_before_parsing():
    with pytest.raises(UnsafeYamlError, match="larger than 1 kB"):
        parse_yaml(b"a: " + b"x" * 2000, "big.yaml", YamlLimits(max_bytes=1000))


def test_yaml_errors_quote_no_content():
    with pytest.raises(UnsafeYamlError) as err:
        parse_yaml(f"key: '{SECRET}\n", "x.yaml")
    assert SECRET not in str(err.value) and "line" in str(err.value)


def test_ordinary_aliases_still_parse():
    assert parse_yaml("a: &x {q: 1}\nb: *x\n", "x.yaml") == {"a": {"q": 1}, "b": {"q": 1}}


def test_read_confined_reads_inside(tmp_path):
    (tmp_path / "ok.yaml").write_text("a: 1\n", encoding="utf-8")
    real, data = read_confined("ok.yaml", [tmp_path], "t")
    assert data == b"a: 1\n" and real == (tmp_path / "ok.yaml").resolve()
