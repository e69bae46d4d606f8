"""Two users at once: one session's levers never reach another session."""

from __future__ import annotations

from tests.app.conftest import (EFFICIENCY_LEVER, NONFOSSIL_LEVER, baseline_values, changed, frame, metric, new_app,
                                no_problems, widget_key)


def _run(at):
    at.run()
    no_problems(at)
    return at


def test_two_sessions_do_not_affect_each_other():
    a = _run(new_app())
    b = _run(new_app({"lang": "en"}))
    base_net_a = metric(a, "2060")
    # A moves a lever; B moves a different one, interleaved
    a.slider(key=widget_key(NONFOSSIL_LEVER)).set_value(0.3).run()
    b.slider(key=widget_key(EFFICIENCY_LEVER)).set_value(0.02).run()
    a.run()
    b.run()
    assert changed(a) == {NONFOSSIL_LEVER: 0.3}
    assert changed(b) == {EFFICIENCY_LEVER: 0.02}
    assert b.slider(key=widget_key(NONFOSSIL_LEVER)).value == 0.0
    assert a.slider(key=widget_key(EFFICIENCY_LEVER)).value == 0.0
    # each page shows its own run, identical to a direct model run of its own levers
    from webapp import core

    from scenarios import load_scenario

    base, data = baseline_values(), core.data_key(load_scenario("baseline").data)
    direct_a = core.value_at(core.simulate({**base, NONFOSSIL_LEVER: 0.3}, data=data), "net emissions", 2060)
    direct_b = core.value_at(core.simulate({**base, EFFICIENCY_LEVER: 0.02}, data=data), "net emissions", 2060)
    assert metric(a, "2060") == f"{direct_a:,.0f}"
    assert metric(b, "2060") == f"{direct_b:,.0f}"
    assert metric(a, "2060") != base_net_a
    # a third, fresh session still sees the baseline
    c = _run(new_app())
    assert changed(c) == {}
    assert metric(c, "2060") == base_net_a
    # and the turning-point tables differ between A and B
    assert not frame(a, "名称", "年份").equals(frame(b, "Name", "Year").rename(columns=dict(
        zip(frame(b, "Name", "Year").columns, frame(a, "名称", "年份").columns))))


def test_reference_runner_never_keeps_overrides():
    """The cached model object is documentation only: runs never persist overrides."""
    from models.model import load_model

    model = load_model()
    x = model.run({NONFOSSIL_LEVER: 0.5}, return_columns=["net emissions"])
    y = model.run({}, return_columns=["net emissions"])
    z = model.run({}, return_columns=["net emissions"])
    assert not x.equals(y)
    assert y.equals(z)
