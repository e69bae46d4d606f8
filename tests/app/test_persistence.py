"""The link carries the whole state: language, page, start, levers and the saved comparison
set; the share box shows the same link as the address bar after every change."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from tests.app.conftest import NONFOSSIL, NONFOSSIL_LEVER, changed, goto, no_problems, url_key, widget_key


def _query(at) -> dict:
    return {k: (v[-1] if isinstance(v, list) else v) for k, v in at.query_params.items()}


def _share_box(at) -> dict:
    code = [c.value for c in at.code if "?" in c.value or c.value == ""]
    assert code, "the share box is shown"
    return dict(parse_qsl(code[0].split("?", 1)[1])) if "?" in code[0] else {}


def test_share_box_equals_the_address_bar_after_each_change(app):
    at = app()
    at.expander(key="share_export") if hasattr(at, "expander") else None
    at.slider(key=widget_key(NONFOSSIL_LEVER)).set_value(0.3).run()
    assert _share_box(at) == _query(at)
    assert _query(at)[url_key(NONFOSSIL_LEVER)] == "0.3"
    at.slider(key=widget_key(NONFOSSIL_LEVER)).set_value(0.2).run()
    assert _share_box(at) == _query(at) and _query(at)[url_key(NONFOSSIL_LEVER)] == "0.2"


def test_share_box_after_an_upload_is_the_uploaded_scenario(app):
    at = app()
    goto(at, "explore")
    content = (b"name: {en: Test, zh: T}\ndescription: {en: d, zh: d}\nbase: baseline\n"
               b"overrides:\n  " + NONFOSSIL_LEVER.encode() + b": 0.3\n")
    at.file_uploader(key="upload").upload("good.yaml", content, "application/x-yaml")
    at.run()
    no_problems(at)
    assert changed(at) == NONFOSSIL
    box = _share_box(at)
    assert box == _query(at)
    # the baseline it builds on has data inputs, so the link carries the whole scenario;
    # a new session from it is the uploaded scenario again
    again = app(box)
    no_problems(again)
    assert changed(again) == NONFOSSIL


def test_saved_comparison_set_survives_a_reload_from_the_link(app):
    at = app({"page": "compare"})
    at.text_input(key="save_name").set_value("甲").run()
    at.button(key="save_btn").click().run()
    at.slider(key=widget_key(NONFOSSIL_LEVER)).set_value(0.3).run()
    at.text_input(key="save_name").set_value("乙").run()
    at.button(key="save_btn").click().run()
    query = _query(at)
    assert "cmp" in query and len(query["cmp"]) < 2_000  # compact
    again = app(query)  # a new session from the link
    no_problems(again)
    saved = again.session_state["saved"]
    assert [s["name"] for s in saved] == ["甲", "乙"]
    assert saved[1]["values"][NONFOSSIL_LEVER] == pytest.approx(0.3)
    assert NONFOSSIL_LEVER not in saved[0]["values"]
    assert again.session_state["page"] == "compare"
