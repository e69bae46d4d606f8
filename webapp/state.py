"""Per-session scenario state and its link (URL) encoding.

The canonical scenario of a session lives in ``st.session_state`` only:

* ``values``: constant overrides relative to the model defaults (Vensim name -> float);
* ``start``: the starting-scenario id (``baseline`` or a ``scenarios/*.yaml`` stem);
* ``lang`` and ``page``.

Slider widgets (keys ``w::<py_name>``) mirror ``values`` and are re-created from it
when a page without sliders was shown in between (Streamlit drops the state of
widgets that were not rendered). Callbacks change the state *before* the script runs,
so a rejected upload or link never touches ``values``.
"""

from __future__ import annotations

import logging
from typing import Any, Mapping

import streamlit as st

from webapp import cache
from webapp.i18n import DEFAULT_LANG, LANGS, t
from webapp.scenario_io import (
    BASELINE_ID,
    ScenarioInputError,
    decode_url,
    diff_from,
    effective_overrides,
    encode_url,
    overrides_key,
    parse_upload,
)

log = logging.getLogger(__name__)

PAGES: tuple[str, ...] = ("explore", "compare", "history", "sensitivity", "present", "model")
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


def changed_from_baseline() -> dict[str, float]:
    """Constants whose current value differs from the baseline scenario."""
    return diff_from(cache.start_values(BASELINE_ID), values(), cache.model())


def key() -> tuple[tuple[str, float], ...]:
    return overrides_key(values())


def set_scenario(start: str, new_values: Mapping[str, float]) -> None:
    """Replace the scenario and the slider values (call before widgets or in callbacks)."""
    model = cache.model()
    SS["start"] = start
    for lg in LANGS:
        SS[f"{START_WIDGET}::{lg}"] = start
    SS["values"] = effective_overrides(new_values, model)
    for spec in cache.specs():
        SS[wkey(spec)] = spec.snap(SS["values"].get(spec.name, spec.default))


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
        flash("error", t("url_error", lang(), msg=str(err)))
        return
    if state.lang:
        SS["lang"] = state.lang
    if state.page:
        SS["page"] = state.page
    start = state.start or BASELINE_ID
    try:
        base = cache.start_values(start)
        merged = {**base, **state.diff}
        model.validate_overrides(merged, source="link")
    except (ScenarioInputError, ValueError) as err:
        set_scenario(BASELINE_ID, cache.start_values(BASELINE_ID))
        flash("error", t("url_error", lang(), msg=str(err)))
        return
    set_scenario(start, merged)


def ensure_sliders() -> None:
    """Re-create widget state from the canonical state where Streamlit dropped it."""
    lang_key(START_WIDGET, lang(), canonical="start")
    vals = values()
    for spec in cache.specs():
        if wkey(spec) not in SS:
            SS[wkey(spec)] = spec.snap(vals.get(spec.name, spec.default))


# ---------------------------------------------------------------------- callbacks
def on_lever(name: str, widget_key: str) -> None:
    model = cache.model()
    v = float(SS[widget_key])
    vals = dict(values())
    vals[name] = v
    SS["values"] = effective_overrides(vals, model)


def on_start() -> None:
    """The starting-scenario selectbox changed: load its values (or keep the old ones)."""
    widget = f"{START_WIDGET}::{lang()}"
    new = SS.get(widget, BASELINE_ID)
    try:
        vals = cache.start_values(new)
    except (ScenarioInputError, ValueError) as err:
        SS[widget] = SS.get("start", BASELINE_ID)
        flash("error", str(err))
        return
    set_scenario(new, vals)


def on_reset() -> None:
    set_scenario(BASELINE_ID, cache.start_values(BASELINE_ID))


def on_upload(uploader_key: str) -> None:
    """Validate an uploaded YAML; apply it only if everything is valid."""
    f = SS.get(uploader_key)
    if f is None:
        return
    model = cache.model()
    try:
        doc = parse_upload(f.getvalue(), f.name, model)
        start = doc.base or BASELINE_ID
        cache.start_values(start)  # the base must be a known starting scenario
        merged = dict(doc.resolved or {})
        model.validate_overrides(merged, source=f.name)
    except (ScenarioInputError, ValueError) as err:
        flash("error", t("upload_error", lang(), msg=str(err)))
        return
    except Exception as err:  # never a traceback for the user
        log.exception("upload failed")
        flash("error", t("upload_error", lang(), msg=type(err).__name__))
        return
    set_scenario(start, merged)
    SS["scenario_name"] = doc.title(lang())
    flash("success", t("upload_ok", lang(), name=doc.title(lang())))


def on_save(name_key: str) -> None:
    name = str(SS.get(name_key, "")).strip()
    lg = lang()
    if not name:
        flash("warning", t("save_empty", lg))
        return
    saved = [s for s in SS.setdefault("saved", []) if s["name"] != name]
    replaced = len(saved) != len(SS["saved"])
    if len(saved) >= MAX_SAVED:
        flash("warning", t("save_full", lg, n=MAX_SAVED))
        return
    saved.append({"name": name, "start": SS.get("start", BASELINE_ID), "values": dict(values())})
    SS["saved"] = saved
    flash("info" if replaced else "success", t("save_dup" if replaced else "saved_ok", lg, name=name))
    SS[name_key] = ""


def on_remove(name: str) -> None:
    SS["saved"] = [s for s in SS.get("saved", []) if s["name"] != name]


def on_clear() -> None:
    SS["saved"] = []


# --------------------------------------------------------------------------- URL
def sync_url() -> None:
    """Write the scenario (changed levers, language, start, page) into the address bar."""
    model = cache.model()
    start = SS.get("start", BASELINE_ID)
    try:
        start_vals = cache.start_values(start)
    except (ScenarioInputError, ValueError):
        start_vals = {}
    params = encode_url(lang(), SS.get("page", DEFAULT_PAGE), start, diff_from(start_vals, values(), model), model,
                        default_lang=DEFAULT_LANG, default_page=DEFAULT_PAGE)
    current = {k: (v[-1] if isinstance(v, list) else v) for k, v in st.query_params.to_dict().items()}
    if current != params:
        st.query_params.from_dict(params)


def share_query(extra: Mapping[str, Any] | None = None) -> str:
    """The query string of the current scenario (for display)."""
    from urllib.parse import urlencode

    params = {k: v for k, v in st.query_params.to_dict().items()}
    params.update(extra or {})
    return "?" + urlencode(params) if params else ""
