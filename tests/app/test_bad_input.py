"""Malformed or out-of-range links and uploads: a clear message, scenario intact."""

from __future__ import annotations

import pytest

from tests.app.conftest import goto, NONFOSSIL, changed, expected_year, metric, no_problems, shown


def errors(at) -> str:
    return shown(" ".join(e.value for e in at.error))


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"additional_non_fossil_share": "7"}, ["additional_non_fossil_share", "[-0.3, 0.5]"]),
        ({"additional_non_fossil_share": "lots"}, ["additional_non_fossil_share", "number", "[-0.3, 0.5]"]),
        ({"no_such_lever": "1"}, ["no_such_lever"]),
        ({"lang": "fr"}, ["lang", "zh, en"]),
        ({"page": "nowhere"}, ["page"]),
        ({"start": "atlantis"}, ["atlantis"]),
        ({"gross_emissions": "5"}, ["gross_emissions", "not a constant"]),
        ({"policy_start_year": "2019"}, ["policy_start_year", "[2020, 2060]"]),
    ],
)
def test_bad_link_is_rejected_with_a_clear_message(app, query, expected):
    at = app(query)
    assert not at.exception
    text = errors(at)
    assert text, "an error message is shown"
    for part in expected:
        assert part in text
    assert "Traceback" not in text
    # the scenario is the intact baseline and the page works
    assert changed(at) == {}
    assert at.session_state["start"] == "baseline"
    assert metric(at, "碳达峰") == expected_year("tp3")
    # the address bar no longer carries the bad link
    assert all(k in ("lang",) for k in at.query_params)


def test_good_link_reproduces_the_scenario(app):
    at = app({"lang": "en", "additional_non_fossil_share": "0.3", "page": "explore"})
    no_problems(at)
    assert changed(at) == NONFOSSIL
    assert metric(at, "neutrality") == expected_year("neutrality", NONFOSSIL, "en")
    assert at.slider(key="w::additional_non_fossil_share").value == pytest.approx(0.3)


def test_link_to_starting_scenario(app):
    at = app({"start": "dual_carbon"}) if _has("dual_carbon") else pytest.skip("no scenarios/dual_carbon.yaml")
    no_problems(at)
    assert at.session_state["start"] == "dual_carbon"
    assert at.session_state["values"]


def _has(sid: str) -> bool:
    from webapp.scenario_io import scenarios_dir

    return (scenarios_dir() / f"{sid}.yaml").exists()


GOOD = b"""name: {en: Test, zh: \xe6\xb5\x8b\xe8\xaf\x95}
description: {en: An uploaded scenario, zh: \xe4\xb8\x8a\xe4\xbc\xa0}
base: baseline
overrides:
  additional non fossil share: 0.3
"""

BAD_FILES = [
    (b"name: [unclosed\n", ["invalid YAML", "line"]),
    (b"- just\n- a list\n", ["mapping"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\noverrides:\n  additional non fossil share: 0.9\n",
     ["additional non fossil share", "[-0.3, 0.5]"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\noverrides:\n  additional non fossil share: high\n",
     ["additional non fossil share"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\noverrides:\n  warp drive: 1\n", ["warp drive"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\nlevers: {}\n", ["levers"]),
    (b"\xff\xfe\x00garbage", ["UTF-8"]),
]


def _upload(at, name: str, content: bytes):
    goto(at, "explore")
    at.file_uploader(key="upload").upload(name, content, "application/x-yaml")
    at.run()


@pytest.mark.parametrize("content, expected", BAD_FILES)
def test_bad_upload_keeps_the_current_scenario(app, content, expected):
    at = app()
    at.slider(key="w::urban_land_per_capita_policy_change").set_value(-20).run()
    before = dict(at.session_state["values"])
    _upload(at, "bad.yaml", content)
    assert not at.exception
    text = errors(at)
    for part in expected:
        assert part in text, text
    assert "Traceback" not in text
    assert dict(at.session_state["values"]) == before
    assert at.slider(key="w::urban_land_per_capita_policy_change").value == -20


def test_good_upload_applies_the_scenario(app):
    at = app()
    _upload(at, "good.yaml", GOOD)
    no_problems(at)
    assert changed(at) == NONFOSSIL
    assert at.slider(key="w::additional_non_fossil_share").value == pytest.approx(0.3)
    assert any("测试" in s.value or "Test" in s.value for s in at.success)
    assert metric(at, "碳中和") == expected_year("neutrality", NONFOSSIL)
