"""Helpers for driving the real app in headless Chromium (tests and benchmarks/bench_app.py).

The server is ``streamlit run app.py --server.headless true --server.port <free port>``
on 127.0.0.1 only; the browser is Debian's ``/usr/bin/chromium`` through Playwright
(no browser download).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHART = "[role='graphics-document']"  # vega-embed root of each chart (aria-label = its title)
#: Invisible mark of a run chart whose aria-label is the run's signature (webapp.charts).
RUN_MARK = "g.run_marks [aria-label]"
#: Console messages that are not errors of the app (printed by bundled libraries).
IGNORED_CONSOLE = (re.compile(r"useWorker"),)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AppServer(NamedTuple):
    url: str  # base URL, ending in "/"
    pid: int  # process id of the Streamlit server


@contextlib.contextmanager
def streamlit_server(port: int | None = None, timeout: float = 60.0):
    """Start the app on 127.0.0.1:<port>; yield an :class:`AppServer`; stop it (by its pid)."""
    port = port or free_port()
    log = open(os.devnull, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                with urllib.request.urlopen(url + "_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("streamlit server did not start")
            time.sleep(0.3)
        yield AppServer(url, proc.pid)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


class ConsoleLog:
    """Collects console errors and uncaught page errors of one page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _console(self, msg) -> None:
        if msg.type == "error" and not any(p.search(msg.text) for p in IGNORED_CONSOLE):
            self.errors.append(f"console.error: {msg.text}")


def chart_title(page, index: int = 0) -> str:
    """Description (= title) of chart ``index``."""
    return page.locator(CHART).nth(index).get_attribute("aria-label") or ""


def chart_run(page, index: int = 0) -> str:
    """Signature of the run chart ``index`` shows ("" before it is drawn)."""
    return page.evaluate(
        "([sel, mark, i]) => { const e = document.querySelectorAll(sel)[i];"
        " const m = e && e.querySelector(mark); return m ? m.getAttribute('aria-label') : ''; }",
        [CHART, RUN_MARK, index])


#: JavaScript predicate: chart ``i`` has drawn a run other than ``old``.
CHART_CHANGED_JS = """([sel, mark, i, old]) => { const e = document.querySelectorAll(sel)[i];
    const m = e && e.querySelector(mark); return !!m && m.getAttribute('aria-label') !== old; }"""


def wait_chart_change(page, old: str, timeout: float = 60_000, index: int = 0) -> str:
    """Wait until chart ``index`` has drawn another run than ``old``; return its signature."""
    page.wait_for_function(CHART_CHANGED_JS, arg=[CHART, RUN_MARK, index, old], timeout=timeout, polling=20)
    return chart_run(page, index)


def wait_app_idle(page, timeout: float = 60_000) -> None:
    """Wait until the script run finished (Streamlit's status widget is gone)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)


def settle(page, timeout: float = 60_000) -> None:
    """After an action that reruns the script: wait for the run to start (briefly) and end."""
    try:
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']", timeout=1_500)
    except Exception:  # the run was too quick to be seen, or the action did not rerun
        pass
    wait_app_idle(page, timeout)


def open_app(page, url: str, timeout: float = 90_000) -> None:
    page.goto(url)
    page.wait_for_selector(CHART, state="attached", timeout=timeout)
    wait_app_idle(page, timeout)


def open_page(page, url: str, timeout: float = 90_000) -> None:
    """Open a page of the app that need not show a chart; wait until the run finished."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp'] h1", state="attached", timeout=timeout)
    wait_app_idle(page, timeout)


def open_group(page, text: str) -> None:
    """Open a lever group (sidebar expander) by its visible title."""
    summary = page.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary", has_text=text).first
    details = summary.locator("xpath=..")
    if details.get_attribute("open") is None:
        summary.click()


def nudge_slider(page, label: str, presses: int = 1, key: str = "ArrowRight") -> None:
    """Move a slider by keyboard, like a user: focus it and press the arrow keys."""
    slider = page.locator(f"input[type='range'][aria-label='{label}']").first
    slider.focus()
    for _ in range(presses):
        slider.press(key)


#: JavaScript: [title, plot-area height in px] of every chart (from its grid lines and
#: axis domains, i.e. the data rectangle without title, axes and legend).
PLOT_HEIGHTS_JS = """(sel) => Array.from(document.querySelectorAll(sel)).map(e => {
    let h = 0;
    for (const g of e.querySelectorAll('.role-axis-grid, .role-axis-domain')) {
        const r = g.getBoundingClientRect(); if (r.height > h) h = r.height; }
    return [e.getAttribute('aria-label') || '', Math.round(h)]; })"""


def plot_heights(page) -> list[tuple[str, int]]:
    """(title, plot-area height in px) of every chart on the page."""
    return [tuple(x) for x in page.evaluate(PLOT_HEIGHTS_JS, CHART)]


#: Short table values (a year, "≤2025", "未达到") that the browser broke over lines: a column
#: too narrow for its content (Chinese text may break after any character).
BROKEN_CELLS_JS = """() => Array.from(document.querySelectorAll("[data-testid='stTable'] td p"))
    .filter(p => {
        const s = p.innerText.trim();
        if (!s || /\\s/.test(s) || s.length > 12 || !p.checkVisibility()) return false;
        const style = getComputedStyle(p);
        const line = parseFloat(style.lineHeight) || 1.6 * parseFloat(style.fontSize);
        return p.getBoundingClientRect().height > 1.5 * line;
    }).map(p => p.innerText.trim())"""


def broken_table_cells(page) -> list[str]:
    """Texts of short, space-free table cells that the browser wrapped onto several lines."""
    return list(page.evaluate(BROKEN_CELLS_JS))


#: Metric values and labels cut off with an ellipsis ("not reac…", "碳排放总量达峰（碳…"): a column
#: too narrow for the text.
CUT_METRICS_JS = """() => Array.from(document.querySelectorAll('[data-testid="stMetricValue"],'
    + ' [data-testid="stMetricValue"] div, [data-testid="stMetricLabel"] *'))
    .filter(e => e.checkVisibility() && e.scrollWidth > e.clientWidth + 1).map(e => e.innerText.trim())"""


def cut_metric_values(page) -> list[str]:
    """Texts of metric values and labels that do not fit their column (shown cut off)."""
    return list(page.evaluate(CUT_METRICS_JS))


#: CSS selector of the model diagrams (inline SVG of a Vensim view, Graphviz charts).
DIAGRAM = "[data-testid='stMain'] .model-diagram svg, [data-testid='stMain'] [data-testid='stGraphVizChart'] svg"


def diagram_heights(page) -> list[tuple[str, int]]:
    """(label, drawn height in px) of every visible model diagram on the page."""
    return [tuple(x) for x in page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.checkVisibility())
            .map(e => [e.getAttribute('aria-label') || 'graphviz', Math.round(e.getBoundingClientRect().height)])""",
        DIAGRAM)]
