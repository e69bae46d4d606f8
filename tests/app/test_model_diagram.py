"""The Model page's diagrams: the Vensim views drawn as SVG, the stock overview, the names."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from models.diagram import read_views
from models.structure import model_structure
from webapp.diagram_svg import text_width, view_svg, wrap_label
from webapp.i18n import SECTOR_ZH, model_name
from webapp.structure import stock_flow

SVG = "{http://www.w3.org/2000/svg}"
TINY = Path(__file__).resolve().parents[1] / "models" / "data" / "tiny_structure.mdl"


def test_overview_expands_aggregates_into_stock_to_stock_flows() -> None:
    # Stock A = INTEG(-a*b - f), Stock B = INTEG(g), g = f + h + a (hand-written file):
    # f and a leave A and enter B through g; h enters B from outside the model.
    sf = stock_flow(TINY)
    assert dict(sf.stocks) == {"Stock A": "Stocks", "Stock B": "Stocks"}
    assert set(sf.edges) == {("Stock A", "Stock B", ("a", "f")), ("", "Stock B", ("h",))}


@pytest.fixture(scope="module")
def views():
    return read_views()


def _visible_text(root: ET.Element) -> list[str]:
    """Text of the <text> elements (tooltips excluded)."""
    return [" ".join(t.itertext()) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_view_is_drawn_with_every_object(views, lang) -> None:
    assert views, "the model file has a sketch"
    for view in views:
        root = ET.fromstring(view_svg(view, lambda n: model_name(n, lang), lambda node: node.name))
        kinds = [n.kind for n in view.nodes]
        for kind in ("stock", "valve", "flow", "variable", "shadow"):
            assert len(root.findall(f".//{SVG}g[@class='{kind}']")) == kinds.count(kind), (view.name, kind)
        assert len(root.findall(f".//{SVG}path[@class='cloud']")) == kinds.count("cloud")
        pipes = root.find(f".//{SVG}g[@class='pipes']")
        assert len(pipes.findall(f"{SVG}line")) == 2 * len(view.pipes)  # double line per segment
        assert len(pipes.findall(f"{SVG}polygon")) == sum(p.head for p in view.pipes)
        assert len(root.find(f".//{SVG}g[@class='arrows']")) <= len(view.arrows)
        shown = "".join(_visible_text(root)).replace(" ", "")
        for n in view.nodes:
            if n.kind in ("stock", "flow", "variable", "shadow"):
                assert model_name(n.name, lang).replace(" ", "") in shown, (view.name, n.name)
        if lang == "zh":
            latin = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", " ".join(_visible_text(root))))
            assert latin <= {"CO2", "GDP", "CCS"}, (view.name, latin)


def test_names_are_wrapped_to_their_box() -> None:
    for text, width in [("城镇扩张占用农村建设用地", 80), ("urban expansion from rural construction land", 100),
                        ("少儿人口（0–14岁）", 60), ("<相对人均GDP>", 60)]:
        lines = wrap_label(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        for line in lines:
            assert text_width(line) <= width or " " not in line and len(line) <= 8, (text, lines)
        assert not any(line.startswith(("）", "，")) or line.endswith("（") for line in lines)


def test_every_variable_and_sector_of_the_model_has_a_chinese_name() -> None:
    from analysis.labels import model_name_zh

    st = model_structure()
    missing = [n for n in st.variables if model_name_zh(n) is None]
    assert not missing, f"add to analysis/variable_names_zh.yaml: {missing}"
    assert not [s for s in st.sectors if s not in SECTOR_ZH], "add the sector to webapp.i18n.SECTOR_ZH"
    for n in st.variables:
        assert not re.search(r"[A-Za-z]{2,}", re.sub(r"CO2|GDP|CCS", "", model_name_zh(n) or "")), n
    # a pattern fills in the numbers of a generated name
    assert model_name_zh("Population Aged 5 to 9 Stage 2") == "5–9岁人口（第2阶段）"
    assert model_name_zh("Population Aged 5 to 9") == "5–9岁人口"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_drawing_is_named_after_its_sector_in_the_ui_language(views, lang) -> None:
    """The accessible name of each drawn view is the sector's name of the select box
    (Chinese: 人口与迁移, not a word-by-word mix such as 'Population与迁移')."""
    from webapp.i18n import sector_label
    from webapp.model_diagram import _svg

    for view in views:
        root = ET.fromstring(_svg(view.name, lang))
        assert root.get("aria-label") == sector_label(view.name, lang), view.name
        if lang == "zh":
            assert not re.search(r"[A-Za-z]{3,}", root.get("aria-label").replace("CO2", "").replace("CCS", "")), view.name


def test_every_comment_of_the_model_has_a_current_chinese_translation() -> None:
    """The Model page shows the model file's comments in the Chinese UI in Chinese
    (analysis/variable_comments_zh.yaml). Each translation records the digest of the English
    comment it translates: a comment changed in the model file without its translation fails
    here (and the page falls back to the English text)."""
    from analysis.labels import _comments_zh, comment_digest, model_comment
    from models.model import load_model

    frame = load_model().variables_frame()
    translations = _comments_zh()
    stale = {n: comment_digest(c) for n, c in zip(frame["name"], frame["comment"])
             if c and translations.get(n, ("", ""))[0] != comment_digest(c)}
    assert not stale, f"translate these comments (name: digest of the current English text): {stale}"
    assert not set(translations) - set(frame["name"]), "translations of variables no longer in the model"
    for name, comment in zip(frame["name"], frame["comment"]):
        chinese = model_comment(name, comment, "zh")
        assert chinese != comment and re.search(r"[\u4e00-\u9fff]", chinese), name
        assert model_comment(name, comment, "en") == comment
    # a changed English comment is shown as it is, not with the old translation
    name = str(frame["name"].iloc[1])
    assert model_comment(name, "A comment that was edited.", "zh") == "A comment that was edited."
