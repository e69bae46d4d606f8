"""The Vensim diagram: generated sketch, PySD's split by views, the diagram data.

Dependencies are checked against PySD's own dependency table of the translated model
(``Model.dependencies``), not against the structure the generator used.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from pathlib import Path

import pytest

from models.diagram import parse_sketch, read_views
from models.model import CONTROL_NAMES, MODEL_PATH, load_model, translated_model_path
from models.sketch import SKETCH_END, SKETCH_START, generate_sketch, home_views, rewrite_sketch
from models.structure import model_structure


def _clean(view: str) -> str:
    """PySD's module name of a view (VensimFile._clean_file_names of the lower-cased name)."""
    return re.sub(r"[\W]+", "", view.lower().replace(" ", "_")).lstrip("0123456789")


@pytest.fixture(scope="module")
def views():
    return read_views()


@pytest.fixture(scope="module")
def dependencies() -> dict[str, set[str]]:
    """Vensim name -> names its equation uses (stock: initial value and net rate), by PySD."""
    import pysd

    model = load_model()
    by_py = {v.py_name: v.name for v in model.variables.values()}
    by_py["time"] = "Time"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        deps = pysd.load(str(translated_model_path())).dependencies

    def expand(entry) -> set[str]:
        out: set[str] = set()
        for key, value in entry.items():
            if key in ("initial", "step") and isinstance(value, dict):
                out |= expand(value)
            elif key == "__lookup__":  # a lookup table's own entry: it uses nothing
                continue
            elif key.startswith("_"):
                out |= expand(deps[key])
            elif key in by_py:
                out.add(by_py[key])
        return out

    return {by_py[k]: expand(v) for k, v in deps.items() if k in by_py}


def test_the_sketch_in_the_file_is_the_generated_one() -> None:
    text = MODEL_PATH.read_text(encoding="utf-8")
    assert rewrite_sketch(text, generate_sketch()) == text, "run: python -m models.sketch --write"


def test_rewriting_changes_nothing_but_the_sketch() -> None:
    text = MODEL_PATH.read_text(encoding="utf-8")
    new = rewrite_sketch(text, "SKETCH\n")
    head = text[: text.index(SKETCH_START)]
    assert new == head + "SKETCH\n" + text[text.index(SKETCH_END):]
    assert generate_sketch() == generate_sketch()  # deterministic


def test_one_view_per_sector_with_every_variable_placed_once(views) -> None:
    st = model_structure(str(MODEL_PATH))
    assert [v.name for v in views] == st.sectors
    placed = [name for v in views for name in v.placed()]
    assert sorted(placed) == sorted(load_model().variables.keys() - {"Time"})
    home = home_views(st)
    for v in views:
        for name in v.placed():
            assert home[name] == v.name
        for node in v.nodes:
            if node.kind == "stock":
                assert st.variables[node.name].kind == "stock"


def test_pysd_splits_the_model_into_one_module_per_sector_view(tmp_path: Path) -> None:
    import pysd

    mdl = tmp_path / MODEL_PATH.name
    shutil.copyfile(MODEL_PATH, mdl)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        split = pysd.read_vensim(str(mdl), split_views=True)
    # PySD keeps the control variables in the main module (and says so); nothing else warns
    others = [str(w.message) for w in caught if "Control variable" not in str(w.message)
              and issubclass(w.category, UserWarning)]
    assert not others, others
    modules = json.loads((tmp_path / f"modules_{mdl.stem}" / "_modules.json").read_text())
    st = model_structure(str(MODEL_PATH))
    assert set(modules) == {_clean(s) for s in st.sectors if s != "Control"}
    model = load_model()
    home = home_views(st)
    expected = {name: _clean(home[name]) for name in model.variables if name not in ("Time", *CONTROL_NAMES)}
    found = {}
    for module, names in modules.items():
        for py in names:
            found[next(v.name for v in model.variables.values() if v.py_name == py)] = module
    assert found == expected  # every variable placed, in the module of its view
    # the split model runs as the single-file model does
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = split.run(return_columns=["net emissions", "total population"])
        b = pysd.load(str(translated_model_path())).run(return_columns=["net emissions", "total population"])
    assert (a.to_numpy() == b.to_numpy()).all()


def test_arrows_and_pipes_are_the_dependencies_of_the_equations(views, dependencies) -> None:
    for view in views:
        idx = {n.id: n for n in view.nodes}
        piped: dict[int, list[tuple[int, bool]]] = {}
        for p in view.pipes:
            piped.setdefault(p.valve, []).append((p.end, p.head))
        for valve, ends in piped.items():
            assert sorted(h for _, h in ends) == [False, True], (view.name, idx[valve])
            for end, _ in ends:
                assert idx[end].kind in ("stock", "cloud")

        def consumer(node_id: int, idx=idx, piped=piped) -> set[str]:
            """Variables whose equation an arrow into this node stands for."""
            node = idx[node_id]
            if node.kind != "valve":
                return {node.name}
            if node.name:
                return {node.name}
            return {idx[e].name for e, _ in piped[node_id] if idx[e].kind == "stock"}

        arrows = {(idx[a.tail].name, head) for a in view.arrows for head in consumer(a.head)}
        for tail, head in arrows:  # sound: every arrow is a reference
            assert tail in dependencies[head], (view.name, tail, head)
        flows_of = {}
        for valve, ends in piped.items():
            for end, _ in ends:
                if idx[end].kind == "stock" and idx[valve].name:
                    flows_of.setdefault(idx[end].name, set()).add(idx[valve].name)
        for name in view.placed():  # complete: every reference is an arrow or a pipe
            for used in dependencies[name] - {name}:
                assert (used, name) in arrows or used in flows_of.get(name, set()), (view.name, used, name)


def test_shadows_and_valves(views) -> None:
    for view in views:
        placed = set(view.placed())
        for node in view.nodes:
            if node.kind == "shadow":
                assert node.name not in placed
        names = [n.name for n in view.nodes if n.kind == "valve" and n.name]
        assert sorted(names) == sorted(n.name for n in view.nodes if n.kind == "flow")


def test_parse_a_sketch_written_by_vensim() -> None:
    """The reader follows Vensim's own output (a view as Vensim 8 saved it)."""
    sketch = "\n".join([
        "\\\\\\---/// Sketch information - do not modify anything except names",
        "V300  Do not put anything below this section - it will be ignored",
        "*TeaCup",
        "$192-192-192,0,Times New Roman|12||0-0-0|0-0-0|0-0-255|-1--1--1|-1--1--1|72,72,100,0",
        "10,1,Teacup Temperature,307,224,40,20,3,3,0,0,0,0,0,0,0,0,0,0,0,0",
        "12,2,48,605,221,8,8,0,3,0,0,-1,0,0,0,0,0,0,0,0,0",
        "1,3,5,2,4,0,0,22,0,0,0,-1--1--1,,1|(508,220)|",
        "1,4,5,1,100,0,0,22,0,0,0,-1--1--1,,1|(377,220)|",
        "11,5,48,413,220,5,8,34,3,0,0,1,0,0,0,0,0,0,0,0,0",
        "10,6,Heat Loss to Room,413,232,49,8,40,3,0,0,-1,0,0,0,0,0,0,0,0,0",
        "10,7,Room Temperature,504,373,49,8,8,3,0,0,0,0,0,0,0,0,0,0,0,0",
        "1,8,7,6,1,0,0,0,0,64,0,-1--1--1,,1|(477,336)|",
        "10,9,Characteristic Time,544,188,35,17,8,130,0,3,-1,0,0,0,128-128-128,0-0-0,|0||128-128-128,0,0,0,0,0,0",
    ])
    (view,) = parse_sketch(sketch)
    kinds = {n.name or n.kind: n.kind for n in view.nodes}
    assert kinds == {"Teacup Temperature": "stock", "cloud": "cloud", "Heat Loss to Room": "flow",
                     "Room Temperature": "variable", "Characteristic Time": "shadow"}
    assert [(p.valve, p.end, p.head) for p in view.pipes] == [(5, 2, True), (5, 1, False)]
    assert [(a.tail, a.head) for a in view.arrows] == [(7, 6)]
    assert view.placed() == ["Teacup Temperature", "Heat Loss to Room", "Room Temperature"]


def test_check_and_write_on_a_copy(tmp_path: Path) -> None:
    from models.sketch import main

    mdl = tmp_path / "m.mdl"
    text = MODEL_PATH.read_text(encoding="utf-8")
    mdl.write_text(rewrite_sketch(text, "\\\\\\---/// Sketch information - do not modify anything except names\n"
                                        "V300  Do not put anything below this section - it will be ignored\n*View 1\n"),
                   encoding="utf-8")
    assert main([str(mdl), "--check"]) == 1
    assert main([str(mdl), "--write"]) == 0
    assert mdl.read_text(encoding="utf-8") == text
    assert main([str(mdl), "--check"]) == 0


def test_view_data_is_json_ready() -> None:
    from models.diagram import views_as_dicts

    data = json.loads(json.dumps(views_as_dicts()))
    assert {"name", "nodes", "pipes", "arrows"} <= set(data[0])
    assert {"id", "kind", "name", "x", "y", "w", "h"} <= set(data[1]["nodes"][0])


def test_a_long_chain_wraps_into_rows_joined_by_vertical_pipes(views) -> None:
    """The 42 stocks of the age chain (three stages of each five-year group to 64, and the
    old-age groups 65-74, 75-84 and 85+) do not run 15,000 px to
    the right: they wrap into rows of the view's width, every other row right to left, so the
    pipe from the end of one row to the start of the next is vertical, and no inflow or
    outflow pipe of those two stocks sits on that vertical line between them."""
    from models.sketch import _MAX_WIDTH

    view = next(v for v in views if v.name == "Population and migration")
    node = {n.id: n for n in view.nodes}
    chain = [n for n in view.nodes if n.kind == "stock" and n.name.startswith(("Population Aged", "Elderly"))]
    assert len(chain) == 42
    assert max(n.x for n in chain) <= _MAX_WIDTH
    rows = sorted({round(n.y) for n in chain})
    assert len(rows) >= 5
    ends: dict[int, list] = {}  # valve id -> the nodes its pipe segments end at
    for seg in view.pipes:
        ends.setdefault(seg.valve, []).append(node[seg.end])
    between_rows = 0
    for valve_id, nodes in ends.items():
        stocks = [e for e in nodes if e.kind == "stock"]
        if len(stocks) == 2 and abs(stocks[0].y - stocks[1].y) > 1:
            between_rows += 1
            valve = node[valve_id]
            assert abs(stocks[0].x - stocks[1].x) < 1 and abs(valve.x - stocks[0].x) < 1
            for other, other_nodes in ends.items():  # the cloud pipes of the two stocks
                if other != valve_id and any(e in stocks for e in other_nodes) \
                        and any(e.kind == "cloud" for e in other_nodes):
                    low, high = sorted(e.y for e in stocks)
                    if low < node[other].y < high:  # a pipe on the vertical line's side
                        assert abs(node[other].x - valve.x) > 10, (stocks, node[other])
    assert between_rows == len(rows) - 1
