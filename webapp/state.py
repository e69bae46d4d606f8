"""Per-session scenario state and its link (URL) encoding.

The canonical scenario of a session lives in ``st.session_state`` only:

* ``values``: constant overrides relative to the model defaults (Vensim name -> float);
* ``start``: the starting-scenario id (``baseline``, a ``scenarios/*.yaml`` stem or the
  id of a region made in this session, see ``regions``);
* ``regions``: the session's own region scenarios (id -> ScenarioDoc), made on the
  "Your own region" page or uploaded; they are starting scenarios of this session only;
* ``saved``: the comparison set (name, start, values);
* ``lang`` and ``page``.

Slider widgets (keys ``w::<py_name>``) mirror ``values`` (absolute levers shown
relative to the region, :mod:`webapp.regions`) and are re-created from it when a page
without sliders was shown in between (Streamlit drops the state of widgets that were
not rendered). Callbacks change the state *before* the script runs, so a rejected
upload or link never touches ``values``.

The link (:func:`link_params`) carries the language, page, start (or the session's
region as a compact blob), the changed levers and the saved comparison set; it is
written to the address bar after every run and shown by the "copy link" box.
"""

from __future__ import annotations

import logging
from typing import Mapping

import streamlit as st

from scenarios.safe_yaml import as_error
from webapp import cache, core, links, regions
from webapp.i18n import DEFAULT_LANG, LANGS, error_text, t
from webapp.scenario_io import (
    BASELINE_ID,
    ScenarioDoc,
    ScenarioInputError,
    decode_url,
    diff_from,
    effective_overrides,
    encode_url,
    overrides_key,
    parse_upload,
    start_scenario_objects,
)

log = logging.getLogger(__name__)

PAGES: tuple[str, ...] = ("explore", "compare", "region", "history", "sensitivity", "present", "model")
DEFAULT_PAGE = "explore"
MAX_SAVED = 6
START_WIDGET = "w::start"  # widget mirror of the canonical SS["start"]
SS = st.session_state


def wkey(spec) -> str:
    return f"w::{spec.py_name}"


def lang_key(base: str, lang: str, canonical: str | None = None) -> str:
    """Key of a choice widget whose option labels depend on the language.

    A selectbox keeps showing the label text it had before a language switch, so each
    language gets its own widget, initialised from the canonical value
    (``canonical`` or ``<base>::value``, updated with :func:`remember`).
    """
    k = f"{base}::{lang}"
    canon = canonical or f"{base}::value"
    if k not in SS and canon in SS:
        SS[k] = SS[canon]
    return k


def remember(base: str, value) -> None:
    SS[f"{base}::value"] = value


def lang() -> str:
    return SS.get("lang", DEFAULT_LANG)


def flash(kind: str, text: str) -> None:
    """A message shown once at the top of the next page render."""
    SS.setdefault("messages", []).append((kind, text))


def values() -> dict[str, float]:
    return SS.setdefault("values", {})


# ------------------------------------------------------------ starting scenarios
def session_regions() -> dict[str, ScenarioDoc]:
    """The session's own region scenarios (id -> doc)."""
    return SS.setdefault("regions", {})


def start_docs() -> list[ScenarioDoc]:
    """Starting scenarios: the bundled ones, then the session's own regions."""
    return [*cache.start_scenarios(), *session_regions().values()]


def start_values(sid: str) -> dict[str, float]:
    """Overrides of a starting scenario (bundled or the session's own)."""
    own = session_regions().get(sid)
    if own is not None:
        return dict(own.resolved or {})
    return cache.start_values(sid)


def start_doc(sid: str) -> ScenarioDoc | None:
    return session_regions().get(sid) or next((d for d in cache.start_scenarios() if d.id == sid), None)


def start_id() -> str:
    return SS.get("start", BASELINE_ID)


def reference_id(sid: str | None = None) -> str:
    """The calibrated baseline of the region of the starting scenario (module regions)."""
    sid = sid or start_id()

    def base_of(i: str) -> str | None:
        doc = start_doc(i)
        return doc.base if doc is not None else None

    try:
        return regions.reference_id(sid, base_of, start_values, cache.model())
    except ValueError:
        return BASELINE_ID


def targets_key(sid: str | None = None) -> str:
    """Hashable form of the targets selection of a starting scenario ("" = national)."""
    import json

    from scenarios.writer import thaw as _thaw

    doc = start_doc(sid or start_id())
    sel = doc.targets if doc is not None else None
    return json.dumps(_thaw(sel), sort_keys=True, ensure_ascii=False) if sel else ""


def data_key(sid: str | None = None) -> str:
    """Hashable form of the data inputs (time series) of a starting scenario ("" = none):
    every run of the session is made with the current starting scenario's."""
    doc = start_doc(sid or start_id())
    return core.data_key(doc.data) if doc is not None else ""


def start_time(sid: str | None = None) -> float | None:
    """The year the runs of a starting scenario start (its ``time.initial_time``; None:
    the model's INITIAL TIME). Every run of the session is made from the current one's."""
    doc = start_doc(sid or start_id())
    return doc.initial_time if doc is not None else None


def region_size() -> regions.RegionSize:
    """Size of the current region (area and reference emissions) for relative levers."""
    ref = start_values(reference_id())
    out = cache.outcome(overrides_key(ref), targets_key(), start_time(), data_key())
    return regions.region_size(ref, out.results, cache.model())


def lever_scales() -> dict[str, regions.LeverScale]:
    size = region_size()
    out = {}
    for spec in cache.specs():
        sc = regions.lever_scale(spec, size)
        if sc is not None:
            out[spec.name] = sc
    return out


def shown_value(spec, value: float, scales: Mapping[str, regions.LeverScale]) -> float | int:
    sc = scales.get(spec.name)
    return sc.shown(value) if sc is not None else spec.snap(value)


def changed_from_baseline() -> dict[str, float]:
    """Constants whose current value differs from the region's baseline."""
    return diff_from(start_values(reference_id()), values(), cache.model())


def key() -> tuple[tuple[str, float], ...]:
    return overrides_key(values())


def set_scenario(start: str, new_values: Mapping[str, float]) -> None:
    """Replace the scenario and the slider values (call before widgets or in callbacks)."""
    model = cache.model()
    SS["start"] = start
    for lg in LANGS:
        SS[f"{START_WIDGET}::{lg}"] = start
    SS["values"] = effective_overrides(new_values, model)
    scales = lever_scales()
    for spec in cache.specs():
        SS[wkey(spec)] = shown_value(spec, SS["values"].get(spec.name, spec.default), scales)


def init_session() -> None:
    """First run of a session: read the link (query parameters), else the baseline."""
    if SS.get("initialized"):
        return
    SS["initialized"] = True
    SS.setdefault("lang", DEFAULT_LANG)
    SS.setdefault("page", DEFAULT_PAGE)
    SS.setdefault("saved", [])
    model = cache.model()
    params = st.query_params.to_dict()
    try:
        state = decode_url(params, model, LANGS, PAGES)
    except ScenarioInputError as err:
        # The language may still be readable for the message itself.
        if params.get("lang") in LANGS:
            SS["lang"] = params["lang"]
        set_scenario(BASELINE_ID, cache.start_values(BASELINE_ID))
        flash("error", t("url_error", lang(), msg=error_text(err, lang())))
        return
    if state.lang:
        SS["lang"] = state.lang
    if state.page:
        SS["page"] = state.page
    start = state.start or BASELINE_ID
    try:
        if state.region:
            start = add_region(region_from_blob(state.region))
        base = start_values(start)
        merged = {**base, **state.diff}
        model.validate_overrides(merged, source="link")
        if state.cmp:
            SS["saved"] = links.decode_saved(state.cmp, start_values, model)
    except (ScenarioInputError, ValueError) as err:
        SS["regions"] = {}
        SS["saved"] = []
        set_scenario(BASELINE_ID, cache.start_values(BASELINE_ID))
        flash("error", t("url_error", lang(), msg=error_text(err, lang())))
        return
    set_scenario(start, merged)


# ------------------------------------------------------------------ own regions
def add_region(doc: ScenarioDoc, history=None) -> str:
    """Make ``doc`` a starting scenario of this session (with its history data, the long
    frame of ``calibration.history.load_history``, if known); return its id."""
    session_regions()[doc.id] = doc
    if history is not None:
        SS.setdefault("region_data", {})[doc.id] = history
    return doc.id


def region_history(sid: str):
    """(region code, history frame) of a session region, or None (national history)."""
    data = SS.get("region_data", {}).get(sid)
    return data


def region_to_blob(doc: ScenarioDoc) -> str:
    """A session region as a compact link blob (name, description, targets, overrides)."""
    from scenarios.writer import thaw as _thaw

    model = cache.model()
    data = {"id": doc.id, "name": dict(doc.name), "description": dict(doc.description),
            "overrides": {model.constants[k].py_name: float(format(v, ".10g")) for k, v in (doc.resolved or {}).items()}}
    if doc.targets:
        data["targets"] = _thaw(doc.targets)
    if doc.initial_time is not None:
        data["time"] = {"initial_time": doc.initial_time}
    if doc.data:
        from scenarios.data_block import data_block_mapping

        data["data"] = data_block_mapping(doc.data)
    return links.encode_blob(data)


def region_from_blob(blob: str) -> ScenarioDoc:
    """A region scenario from a link blob, validated like an upload (names no file)."""
    from models.model import ModelInputError
    from scenarios import loader
    from webapp.scenario_io import doc_from_scenario

    data = links.decode_blob(blob, "region")
    if not isinstance(data, Mapping) or not isinstance(data.get("id"), str):
        raise ScenarioInputError("link: 'region' is damaged.")
    sid = data["id"]
    if not sid.startswith("region_") or not loader.PLAIN_NAME.match(sid):
        raise ScenarioInputError("link: 'region' has an invalid id.")
    mapping = {k: data[k] for k in ("name", "description", "overrides", "targets", "time", "data") if k in data}
    try:
        sc = loader.scenario_from_mapping(mapping, source="link: region", key=sid, require_rationale=False)
    except (loader.ScenarioError, ModelInputError) as err:
        raise as_error(ScenarioInputError, err) from None
    return doc_from_scenario(sc)


def ensure_sliders() -> None:
    """Re-create widget state from the canonical state where Streamlit dropped it."""
    lang_key(START_WIDGET, lang(), canonical="start")
    vals = values()
    missing = [spec for spec in cache.specs() if wkey(spec) not in SS]
    if missing:
        scales = lever_scales()
        for spec in missing:
            SS[wkey(spec)] = shown_value(spec, vals.get(spec.name, spec.default), scales)


# ---------------------------------------------------------------------- callbacks
def on_lever(name: str, widget_key: str) -> None:
    model = cache.model()
    shown = float(SS[widget_key])
    scale = lever_scales().get(name)
    spec = next(s for s in cache.specs() if s.name == name)
    v = scale.model_value(shown, spec) if scale is not None else shown
    vals = dict(values())
    vals[name] = v
    SS["values"] = effective_overrides(vals, model)


def on_start() -> None:
    """The starting-scenario selectbox changed: load its values (or keep the old ones)."""
    widget = f"{START_WIDGET}::{lang()}"
    new = SS.get(widget, BASELINE_ID)
    try:
        vals = start_values(new)
    except (ScenarioInputError, ValueError) as err:
        SS[widget] = SS.get("start", BASELINE_ID)
        flash("error", error_text(err, lang()))
        return
    set_scenario(new, vals)


def on_reset() -> None:
    """Levers back to the starting scenario's values (the region is kept)."""
    set_scenario(start_id(), start_values(start_id()))


def on_upload(uploader_key: str) -> None:
    """Validate an uploaded YAML; apply it only if everything is valid."""
    f = SS.get(uploader_key)
    if f is None:
        return
    model = cache.model()
    try:
        own = {sid: d.scenario for sid, d in session_regions().items() if d.scenario is not None}
        doc = parse_upload(f.getvalue(), f.name, model, bases=start_scenario_objects(own))
        start = doc.base or BASELINE_ID
        base_vals = start_values(start)  # the base must be a known starting scenario
        merged = dict(doc.resolved or {})
        model.validate_overrides(merged, source=f.name)
        if (not regions.same_region(merged, base_vals, model) or doc.targets or doc.initial_time is not None
                or doc.data):
            # a region of its own (or with its own targets): a starting scenario of this session
            import dataclasses
            import re

            rid = "region_" + (re.sub(r"[^A-Za-z0-9_\-]+", "_", doc.id).strip("_")[:40] or "upload")
            start = add_region(dataclasses.replace(doc, id=rid))
    except (ScenarioInputError, ValueError) as err:
        flash("error", t("upload_error", lang(), msg=error_text(err, lang())))
        return
    except Exception as err:  # never a traceback for the user
        log.exception("upload failed")
        flash("error", t("upload_error", lang(), msg=type(err).__name__))
        return
    set_scenario(start, merged)
    SS["scenario_name"] = doc.title(lang())
    flash("success", t("upload_ok", lang(), name=doc.title(lang())))


def default_save_name(lg: str) -> str:
    """Name of a saved scenario when none is typed: "Scenario N" (情景 N), N the number of
    saved scenarios + 1, or the next number not yet taken."""
    taken = {s["name"] for s in SS.get("saved", [])}
    word, number = t("scenario", lg), len(taken) + 1
    while f"{word} {number}" in taken:
        number += 1
    return f"{word} {number}"


def on_save(name_key: str) -> None:
    name = str(SS.get(name_key, "")).strip()
    lg = lang()
    if not name:  # the name the box shows as its placeholder
        name = default_save_name(lg)
    saved = [s for s in SS.setdefault("saved", []) if s["name"] != name]
    replaced = len(saved) != len(SS["saved"])
    if len(saved) >= MAX_SAVED:
        flash("warning", t("save_full", lg, n=MAX_SAVED))
        return
    saved.append({"name": name, "start": start_id(), "values": dict(values())})
    SS["saved"] = saved
    flash("info" if replaced else "success", t("save_dup" if replaced else "saved_ok", lg, name=name))
    SS[name_key] = ""


def on_remove(name: str) -> None:
    SS["saved"] = [s for s in SS.get("saved", []) if s["name"] != name]


def on_clear() -> None:
    SS["saved"] = []


# --------------------------------------------------------------------------- URL
def link_params() -> dict[str, str]:
    """Query parameters of the current state (language, page, start or own region,
    changed levers, saved comparison set)."""
    model = cache.model()
    start = start_id()
    try:
        start_vals = start_values(start)
    except (ScenarioInputError, ValueError):
        start_vals = {}
    extra: dict[str, str] = {}
    own = session_regions().get(start)
    if own is not None:
        extra["region"] = region_to_blob(own)
    saved = SS.get("saved", [])
    if saved:
        extra["cmp"] = links.encode_saved(saved, start_values, model)
    return encode_url(lang(), SS.get("page", DEFAULT_PAGE), start, diff_from(start_vals, values(), model), model,
                      default_lang=DEFAULT_LANG, default_page=DEFAULT_PAGE, extra=extra)


def sync_url() -> None:
    """Write the current state into the address bar."""
    params = link_params()
    current = {k: (v[-1] if isinstance(v, list) else v) for k, v in st.query_params.to_dict().items()}
    if current != params:
        st.query_params.from_dict(params)


def share_query() -> str:
    """The query string of the current state (the same as the address bar after this run)."""
    from urllib.parse import urlencode

    params = link_params()
    return "?" + urlencode(params) if params else ""
