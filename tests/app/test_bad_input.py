"""Malformed or out-of-range links and uploads: a clear message, scenario intact."""

from __future__ import annotations

import pytest

from tests.app.conftest import (COMPACT_LEVER, NONFOSSIL, NONFOSSIL_LEVER, above_range, changed, expected_year, goto,
                                metric, no_problems, range_text, shown, url_key, widget_key)


def errors(at) -> str:
    return shown(" ".join(e.value for e in at.error))


@pytest.mark.parametrize(
    "query, expected",
    [
        ({url_key(NONFOSSIL_LEVER): f"{above_range(NONFOSSIL_LEVER):g}"},
         [url_key(NONFOSSIL_LEVER), range_text(NONFOSSIL_LEVER)]),
        ({url_key(NONFOSSIL_LEVER): "lots"}, [url_key(NONFOSSIL_LEVER), "number", range_text(NONFOSSIL_LEVER)]),
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
    at = app({"lang": "en", url_key(NONFOSSIL_LEVER): "0.3", "page": "explore"})
    no_problems(at)
    assert changed(at) == NONFOSSIL
    assert metric(at, "neutrality") == expected_year("neutrality", NONFOSSIL, "en")
    assert at.slider(key=widget_key(NONFOSSIL_LEVER)).value == pytest.approx(0.3)


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
  """ + NONFOSSIL_LEVER.encode() + b""": 0.3
"""
HEAD = b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\n"

BAD_FILES = [
    (b"name: [unclosed\n", ["invalid YAML", "line"]),
    (b"- just\n- a list\n", ["mapping"]),
    (HEAD + f"overrides:\n  {NONFOSSIL_LEVER}: {above_range(NONFOSSIL_LEVER):g}\n".encode(),
     [NONFOSSIL_LEVER, range_text(NONFOSSIL_LEVER)]),
    (HEAD + f"overrides:\n  {NONFOSSIL_LEVER}: high\n".encode(), [NONFOSSIL_LEVER]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\noverrides:\n  warp drive: 1\n", ["warp drive"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\nlevers: {}\n", ["levers"]),
    (b"\xff\xfe\x00garbage", ["UTF-8"]),
]


def _bomb() -> bytes:
    lines = ["a0: &a0 [" + ", ".join(["x"] * 9) + "]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return ("\n  ".join(["calibration:", *lines]) + "\n").encode()


#: The page is in Chinese: errors that have a Chinese text (scenarios.safe_yaml) show it.
HOSTILE_UPLOADS = [
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\n" + _bomb(), ["第 8 行", "展开别名后超过"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\nbase: &b [*b]\n", ["第 3 行", "递归别名"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\ntargets: {region_file: /proc/self/status}\n",
     ["may not name a file"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\ntargets: {region_file: /dev/zero}\n", ["may not name a file"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\nbase: ../calibration/national\n", ["'base'", "no folder"]),
    (b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\nbase: /etc/passwd\n", ["'base'"]),
]


def _upload(at, name: str, content: bytes):
    goto(at, "explore")
    at.file_uploader(key="upload").upload(name, content, "application/x-yaml")
    at.run()


@pytest.mark.parametrize("content, expected", BAD_FILES + HOSTILE_UPLOADS)
def test_bad_upload_keeps_the_current_scenario(app, content, expected):
    at = app()
    at.slider(key=widget_key(COMPACT_LEVER)).set_value(0.2).run()
    before = dict(at.session_state["values"])
    _upload(at, "bad.yaml", content)
    assert not at.exception
    text = errors(at)
    for part in expected:
        assert part in text, text
    assert "Traceback" not in text and "Name:" not in text and "root:" not in text
    assert dict(at.session_state["values"]) == before
    assert at.slider(key=widget_key(COMPACT_LEVER)).value == pytest.approx(0.2)


def test_good_upload_applies_the_scenario(app):
    at = app()
    _upload(at, "good.yaml", GOOD)
    no_problems(at)
    assert changed(at) == NONFOSSIL
    assert at.slider(key=widget_key(NONFOSSIL_LEVER)).value == pytest.approx(0.3)
    assert any("测试" in s.value or "Test" in s.value for s in at.success)
    assert metric(at, "碳中和") == expected_year("neutrality", NONFOSSIL)


def test_link_text_is_shown_as_plain_text(app):
    at = app({"start": "[click me](https://example.org/x)"})
    raw = " ".join(e.value for e in at.error)
    assert "](" not in raw  # escaped: Markdown shows the brackets, makes no link
    assert "[click me](https://example.org/x)" in errors(at)  # what the user reads
    assert changed(at) == {} and at.session_state["start"] == "baseline"


@pytest.mark.parametrize("blob, expected", [
    ("zgarbage!!", ["damaged"]),
    ("not-a-blob", ["not a link made by this app"]),
    ("z" + "A" * 13_000, ["longer than"]),
])
def test_bad_region_or_comparison_blob_is_refused(app, blob, expected):
    for key in ("region", "cmp"):
        at = app({key: blob})
        assert not at.exception
        text = errors(at)
        for part in expected:
            assert part in text, text
        assert changed(at) == {} and at.session_state["start"] == "baseline" and at.session_state["saved"] == []


def test_compressed_bomb_in_a_link_is_refused_without_inflating():
    import base64
    import zlib

    from webapp.links import MAX_JSON_BYTES, decode_blob
    from webapp.scenario_io import ScenarioInputError

    packed = zlib.compress(b"[" + b"0," * 3_000_000 + b"0]", 9)  # 6 MB of JSON in under 9 kB
    blob = "z" + base64.urlsafe_b64encode(packed).decode().rstrip("=")
    assert len(blob) < 12_000
    with pytest.raises(ScenarioInputError, match=f"more than {MAX_JSON_BYTES // 1000} kB"):
        decode_blob(blob, "cmp")


STRICT_UPLOADS = [
    (b"overrides: {}\noverrides: {}\n", {"en": ["line 4", "duplicate key 'overrides'"], "zh": ["第 4 行", "'overrides'", "重复"]}),
    (b"overrides:\n  CCS start year: 1:30\n", {"en": ["line 4", "base-60"], "zh": ["第 4 行", "六十进制"]}),
    (b"overrides:\n  CCS start year: no\n", {"en": ["line 4", "boolean"], "zh": ["第 4 行", "布尔值"]}),
    (b"overrides:\n  CCS start year: " + b"9" * 5000 + b"\n", {"en": ["5,000 digits"], "zh": ["5,000 位"]}),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("body, expected", STRICT_UPLOADS, ids=["duplicate", "base60", "no", "digits"])
def test_strict_yaml_errors_reach_the_user_in_their_language(app, lang, body, expected):
    at = app({"lang": lang})
    before = dict(at.session_state["values"])
    _upload(at, "bad.yaml", b"name: {en: x, zh: y}\ndescription: {en: a, zh: b}\n" + body)
    assert not at.exception
    text = errors(at)
    for part in ["bad.yaml", *expected[lang]]:
        assert part in text, text
    assert "Traceback" not in text
    assert dict(at.session_state["values"]) == before


RATIO, SENSITIVITY = "coal to gas fuel cost ratio", "fuel cost sensitivity of coal share"
WITH_DATA = (b"name: {en: Coal region, zh: \xe7\x85\xa4\xe5\x8c\xba}\ndescription: {en: d, zh: d}\nbase: baseline\n"
             b"overrides:\n  " + SENSITIVITY.encode() + b": 3\n"
             b"rationale:\n  " + SENSITIVITY.encode() + b": {en: test, zh: test}\n"
             b"data:\n  " + RATIO.encode() + b":\n    source: {en: EIA test series, zh: \xe6\xb5\x8b\xe8\xaf\x95\xe5\xba\x8f\xe5\x88\x97}\n"
             b"    values: {1990: 0.63, 2024: 0.63, 2030: 0.2}\n")


def test_an_upload_with_a_data_block_runs_with_its_series_in_both_languages(app):
    """The uploaded region's data input (coal turning cheap against gas after 2024, so that
    coal plants run more) moves the emission peak past the baseline's; the page shows the
    year of an independent run with the same series, and names the data input and its
    source in the sidebar in each language."""
    import pandas as pd

    series = pd.Series([0.63, 0.63, 0.2], index=[1990.0, 2024.0, 2030.0])
    with_data = expected_year("tp3", {RATIO: series, SENSITIVITY: 3.0})
    assert with_data != expected_year("tp3", {SENSITIVITY: 3.0})  # the series matters: the test can fail
    at = app()
    _upload(at, "coal_region.yaml", WITH_DATA)
    no_problems(at)
    assert at.session_state["start"].startswith("region_")  # a region of its own, with its data
    assert metric(at, "碳达峰") == with_data
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "区域数据输入" in captions and "1990–2030" in captions and "测试序列" in captions
    at.query_params["lang"] = "en"
    at.session_state["lang"] = "en"
    at.run()
    no_problems(at)
    captions = " ".join(c.value for c in at.sidebar.caption)
    assert "Regional data inputs" in captions and "EIA test series" in captions
