"""Display names of model variables and the land stocks (显示名称与土地存量), zh/en.

One table shared by the matplotlib figures (:mod:`analysis.plots`) and the web app
(``webapp``). Keys are Vensim variable names; values ``{'en': ..., 'zh': ...}``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Mapping

__all__ = ["VARIABLE_LABELS", "LAND_USE_STOCKS", "LAND_STOCKS", "FOREST_STOCKS", "variable_label",
           "model_name_zh", "NAMES_ZH_PATH", "COMMENTS_ZH_PATH", "model_comment", "comment_digest"]

#: Chinese names of every model variable (Vensim name -> name), kept beside the model.
NAMES_ZH_PATH = Path(__file__).with_name("variable_names_zh.yaml")
#: Chinese translations of the model file's comments (Vensim name -> digest of the English
#: comment translated, Chinese text), kept beside the model.
COMMENTS_ZH_PATH = Path(__file__).with_name("variable_comments_zh.yaml")

#: Display names of model variables (Vensim names), per language.
VARIABLE_LABELS: Mapping[str, Mapping[str, str]] = {
    "gross emissions": {"en": "Gross emissions E", "zh": "碳排放总量 E"},
    "land carbon sink": {"en": "Land carbon sink S", "zh": "土地碳汇 S"},
    "net emissions": {"en": "Net emissions N = E − S", "zh": "净排放 N = E − S"},
    "total construction land": {"en": "Construction land", "zh": "建设用地"},
    "forest vegetation carbon": {"en": "Forest vegetation carbon", "zh": "森林植被碳储量"},
    "forest ecosystem carbon": {"en": "Forest ecosystem carbon", "zh": "森林生态系统碳储量"},
    "forest carbon density": {"en": "Forest vegetation carbon density", "zh": "森林植被碳密度"},
    "Harvested Wood Products": {"en": "Harvested wood products", "zh": "木质林产品碳储量"},
    "gross land carbon removals": {"en": "Gross land carbon removals", "zh": "土地碳清除总量"},
    "gross land carbon losses": {"en": "Gross land carbon losses", "zh": "土地碳损失总量"},
    "Soil Carbon Pending Release": {"en": "Soil carbon pending release", "zh": "待释放土壤碳"},
    "Soil Carbon Pending Gain": {"en": "Soil carbon pending gain", "zh": "待增加土壤碳"},
    "Soil and Non Forest Vegetation Carbon": {"en": "Soil and non-forest vegetation carbon", "zh": "土壤与非森林植被碳"},
    "energy intensity of GDP": {"en": "Energy intensity of GDP", "zh": "单位 GDP 能耗"},
    "Cumulative Gross Emissions": {"en": "Cumulative gross emissions", "zh": "累计碳排放总量"},
    "fossil and industry CO2 emissions": {"en": "Fossil and industry CO2 emissions", "zh": "化石能源与工业 CO2 排放"},
    "construction process CO2 emissions": {"en": "Construction process CO2 emissions", "zh": "建材生产过程 CO2 排放"},
    "Urban Construction Land": {"en": "Urban construction land", "zh": "城镇建设用地"},
    "Rural Construction Land": {"en": "Rural construction land", "zh": "农村建设用地"},
    "Cropland": {"en": "Cropland", "zh": "耕地"},
    "Young Forest": {"en": "Young forest", "zh": "幼龄林"},
    "Middle Aged Forest": {"en": "Middle-aged forest", "zh": "中龄林"},
    "Mature Forest": {"en": "Mature forest", "zh": "近成过熟林"},
    "total forest area": {"en": "Forest", "zh": "森林"},
    "Grassland": {"en": "Grassland", "zh": "草地"},
    "Wetland and Water": {"en": "Wetland and water", "zh": "湿地与水域"},
    "Other Land Suitable for Forest": {"en": "Other land, suitable for forest", "zh": "宜林其他土地"},
    "Other Land Unsuitable": {"en": "Other land, unsuitable", "zh": "不宜林其他土地"},
    "Urban Population": {"en": "Urban population", "zh": "城镇人口"},
    "Rural Population": {"en": "Rural population", "zh": "乡村人口"},
    "urbanization rate": {"en": "Urbanization rate", "zh": "城镇化率"},
    "total population": {"en": "Total population", "zh": "总人口"},
    "forest coverage": {"en": "Forest coverage", "zh": "森林覆盖率"},
    "forest carbon sink": {"en": "Forest vegetation sink", "zh": "森林植被碳汇"},
    "forest sink per area": {"en": "Forest sink per hectare", "zh": "单位面积森林碳汇"},  # plots: sink / area
    "primary energy consumption": {"en": "Primary energy", "zh": "一次能源消费"},
    "non fossil share of primary energy": {"en": "Non-fossil share", "zh": "非化石能源比重"},
    "GDP": {"en": "GDP", "zh": "国内生产总值"},
    "growth attributable emissions": {"en": "Growth-attributable emissions", "zh": "增长引起的排放"},
    "Cumulative Net Emissions": {"en": "Cumulative net emissions", "zh": "累计净排放"},
}

#: Land stocks of the model, bottom to top of a land-use stack (Vensim names), with the
#: colours of the matplotlib land-use figure.
LAND_USE_STOCKS: tuple[tuple[str, str], ...] = (
    ("Urban Construction Land", "#d62728"),
    ("Rural Construction Land", "#ff9896"),
    ("Cropland", "#e7ba52"),
    ("Young Forest", "#98df8a"),
    ("Middle Aged Forest", "#2ca02c"),
    ("Mature Forest", "#165a16"),
    ("Grassland", "#bcbd22"),
    ("Wetland and Water", "#1f77b4"),
    ("Other Land Suitable for Forest", "#c49c94"),
    ("Other Land Unsuitable", "#c7c7c7"),
)

#: The land stocks' names only, in the order of :data:`LAND_USE_STOCKS`.
LAND_STOCKS: tuple[str, ...] = tuple(name for name, _ in LAND_USE_STOCKS)

#: The forest age-class stocks, young to mature.
FOREST_STOCKS: tuple[str, ...] = ("Young Forest", "Middle Aged Forest", "Mature Forest")


@lru_cache(maxsize=1)
def _names_zh() -> tuple[Mapping[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    """(exact names, compiled patterns) of :data:`NAMES_ZH_PATH`."""
    import yaml

    data = yaml.safe_load(NAMES_ZH_PATH.read_text(encoding="utf-8")) or {}
    names = {str(k): str(v) for k, v in (data.get("names") or {}).items()}
    patterns = []
    for english, chinese in data.get("patterns") or []:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[0-9]+)", re.escape(str(english)))
        patterns.append((re.compile(regex + "$"), str(chinese)))
    return names, tuple(patterns)


def model_name_zh(name: str) -> str | None:
    """Chinese name of a model variable (:data:`NAMES_ZH_PATH`: its exact entry, else the
    first pattern it matches, numbers filled in), or None."""
    names, patterns = _names_zh()
    if name in names:
        return names[name]
    for regex, chinese in patterns:
        match = regex.match(name)
        if match:
            return chinese.format(**match.groupdict())
    return None


def comment_digest(comment: str) -> str:
    """Short digest (10 hex digits of SHA-1) of an English comment: a translation records
    the digest of the text it translates, so a changed comment shows as untranslated."""
    import hashlib

    return hashlib.sha1(comment.strip().encode("utf-8")).hexdigest()[:10]


@lru_cache(maxsize=1)
def _comments_zh() -> Mapping[str, tuple[str, str]]:
    """Vensim name -> (digest of the English comment, Chinese comment) of :data:`COMMENTS_ZH_PATH`."""
    import yaml

    if not COMMENTS_ZH_PATH.is_file():
        return {}
    data = yaml.safe_load(COMMENTS_ZH_PATH.read_text(encoding="utf-8")) or {}
    return {str(k): (str(v["en"]), str(v["zh"])) for k, v in (data.get("comments") or {}).items()}


def model_comment(name: str, comment: str, lang: str) -> str:
    """The model file's comment of variable ``name`` in ``lang``: in Chinese its translation
    when one exists for this very English text (:func:`comment_digest`), else the comment."""
    if lang == "zh" and comment:
        entry = _comments_zh().get(name)
        if entry and entry[0] == comment_digest(comment):
            return entry[1]
    return comment


def variable_label(name: str, lang: str) -> str:
    """Display name of a variable in ``lang`` ('en' or 'zh'): the label of
    :data:`VARIABLE_LABELS`, else (zh) its name of :func:`model_name_zh`, else the name, in
    sentence case as the labels are ('crude birth rate' -> 'Crude birth rate')."""
    entry = VARIABLE_LABELS.get(name)
    if entry:
        return entry[lang]
    if lang == "zh" and (chinese := model_name_zh(name)):
        return chinese
    return name[:1].upper() + name[1:]
