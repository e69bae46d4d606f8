"""Crawl every page in both languages in headless Chromium and try every option.

For each language the crawl opens every page, opens every expander, selects every
option of every select box, radio and segmented control on it, presses the run
buttons with the smallest sizes and every download button, and after each step
asserts:

* no exception element and no error alert on the page, no browser console error;
* every chart's plot area (the data rectangle, without title, axes and legend) is at
  least :data:`MIN_PLOT_PX` tall;
* every download opens: YAML parses, XLSX loads, PDF has pages, CSV has a header,
  PNG/SVG are images;
* in the Chinese UI, no Latin-script word outside :data:`LATIN_ALLOWED` (units,
  symbols and names that are the same in Chinese texts); two blocks of the Model page
  keep text of the model's language and are skipped: the variables table (the Vensim
  names of the model file beside their Chinese names, and the comments, shown in their
  Chinese translation, whose sources keep their original titles) and the data-source
  notes (SOURCES.md, whose title says it is the English original).

Screenshots of each page go to a folder printed at the start (``APP_SCREENSHOTS``
names a folder to keep them). To stay lean, the starting scenarios are cycled on the
Explore page only and the sensitivity runs use the smallest sample.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from tests.app import e2e_util as u

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(u.CHROMIUM).exists(), reason=f"{u.CHROMIUM} is missing (apt-get install chromium)"),
]

#: The button that opens a select box's list of options.
OPEN = "button[aria-haspopup='listbox']"
#: Smallest plot area (px) a chart must have.
MIN_PLOT_PX = 100
#: Latin-script words allowed in the Chinese UI: units, symbols, proper names of data
#: sets and methods, file formats.
LATIN_ALLOWED = {
    "CO2", "Mt", "GDP", "CCS", "TWh", "kWh", "E", "S", "N", "C", "R", "r", "k", "U", "UM", "US", "UC", "M",
    "MAPE", "RMSPE", "Theil", "Sobol", "Morris", "SALib", "PySD", "Vensim", "YAML", "CSV", "Excel", "PDF", "PNG",
    "SVG", "XLSX", "INTEG", "S1", "ST", "mu_star", "sigma", "FAO", "FAOSTAT", "OWID", "WUP", "FRA", "Kaya",
    "English", "Language", "DE", "p95", "i", "tp1", "tp2", "tp3", "tp4", "tp5", "ha", "Gt", "U^M", "U^S", "U^C",
    "Cropland",
    # symbols of the turning-point definitions (formulas) and the function they name
    "dE", "dS", "dt", "dGDP", "dY", "max", "TP2", "numpy", "gradient",
}
#: Text of Streamlit's own chrome (skip link, icon ligatures), not of the app.
CHROME_JS = """() => { const root = document.querySelector('[data-testid=stApp]');
  const clone = root.cloneNode(true);
  clone.querySelectorAll('[data-testid=stIconMaterial], [data-testid=stToolbar], .st-key-variables_box, .st-key-sources_box,'
    + ' [data-testid=stCode], [data-testid=stExpanderIcon], [data-testid=stHeader]').forEach(e => e.remove());
  clone.querySelectorAll('a').forEach(a => { if (a.textContent.trim() === 'Skip to main content') a.remove(); });
  const cells = Array.from(clone.querySelectorAll('[data-testid=stDataFrame] [role=columnheader],'
    + ' [data-testid=stDataFrame] [role=gridcell], [data-testid=stDataFrame] [role=rowheader]'))
    .map(e => e.textContent).filter(x => x !== 'true' && x !== 'false')  // checkbox cells (drawn as boxes)
    .join(' ');
  clone.querySelectorAll('[data-testid=stDataFrame]').forEach(e => e.remove());
  document.body.appendChild(clone); const text = clone.innerText + ' ' + cells;
  clone.remove(); return text; }"""


def latin_words(text: str) -> set[str]:
    text = re.sub(r"(?<![0-9A-Za-z])[0-9a-f]{8}(?![0-9A-Za-z])", " ", text)  # scenario ids (signatures)
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_^]*", text))
    return {w for w in words - LATIN_ALLOWED if len(w) > 1}  # single letters are symbols (E, S, t, ...)


@pytest.fixture(scope="module")
def server():
    with u.streamlit_server() as app:
        yield app.url


@pytest.fixture(scope="module")
def shot_dir():
    folder = Path(os.environ.get("APP_SCREENSHOTS") or tempfile.mkdtemp(prefix="app_crawl_"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\ncrawl screenshots: {folder}")
    return folder


class Crawl:
    """One browser page crawling the app in one language."""

    def __init__(self, page, lang: str, shots: Path, tmp: Path) -> None:
        self.page, self.lang, self.shots, self.tmp = page, lang, shots, tmp
        self.console = u.ConsoleLog(page)
        self.problems: list[str] = []
        self.reported = 0
        self.steps = 0

    # ------------------------------------------------------------------ checks
    def check(self, where: str) -> None:
        page = self.page
        u.wait_app_idle(page)
        time.sleep(0.3)
        self.steps += 1
        if page.locator("[data-testid='stException']").count():
            self.problems.append(f"{where}: exception: {page.locator('[data-testid=stException]').first.inner_text()[:300]}")
        for alert in page.locator("[data-testid='stAlertContentError']").all():
            self.problems.append(f"{where}: error: {alert.inner_text()[:300]}")
        for title, h in u.plot_heights(page):
            if h < MIN_PLOT_PX:
                self.problems.append(f"{where}: chart '{title}' plot area {h} px < {MIN_PLOT_PX}")
        for title, h in u.diagram_heights(page):
            if h < MIN_PLOT_PX:
                self.problems.append(f"{where}: diagram '{title}' {h} px < {MIN_PLOT_PX}")
        cut = u.cut_metric_values(page)
        if cut:
            self.problems.append(f"{where}: metric values or labels cut off (column too narrow): {cut[:6]}")
        broken = u.broken_table_cells(page)
        if broken:
            self.problems.append(f"{where}: table cells broken over lines (column too narrow): {broken[:6]}")
        if self.lang == "zh":
            text = page.evaluate(CHROME_JS)
            bad = latin_words(text)
            if bad:
                w = sorted(bad)[0]
                m = re.search(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z0-9_^])", text)
                context = text[max(0, m.start() - 30):m.end() + 30].replace("\n", " ") if m else ""
                self.problems.append(f"{where}: Latin text in the Chinese UI: {sorted(bad)[:20]} (e.g. '{context}')")
        for e in self.console.errors:
            self.problems.append(f"{where}: {e}")
        self.console.errors.clear()
        for problem in self.problems[self.reported:]:
            print("PROBLEM", problem)
        self.reported = len(self.problems)

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(self.shots / f"{self.lang}_{name}.png"))

    # ------------------------------------------------------------------ actions
    def goto_page(self, label: str) -> None:
        self.page.locator("[data-testid='stSidebar'] [data-testid='stRadio'] label", has_text=label).first.click()
        u.settle(self.page)

    def open_expanders(self) -> None:
        for summary in self.page.locator("[data-testid='stMain'] details:not([open]) > summary").all():
            if summary.is_visible():
                summary.click()
                u.settle(self.page)

    def select_all_options(self, where: str, box, limit: int | None = None, shot: str | None = None) -> int:
        """Choose every option of the select box ``box`` (a locator) in turn (with a
        screenshot ``{shot}_{i}`` of each if ``shot``)."""
        box.scroll_into_view_if_needed()
        box.locator(OPEN).click()
        options = self.page.locator("[role='listbox'] [role='option']")
        options.first.wait_for(timeout=20_000)
        n = options.count()
        self.page.keyboard.press("Escape")
        for i in range(n if limit is None else min(n, limit)):
            box.locator(OPEN).click()
            option = self.page.locator("[role='listbox'] [role='option']").nth(i)
            text = option.inner_text()
            option.click()
            u.settle(self.page)
            self.check(f"{where} / option {i + 1} '{text[:40]}'")
            if shot:
                self.shot(f"{shot}_{i + 1:02d}")
        return n

    def click_radios(self, where: str, radio) -> None:
        for label in radio.locator("[role='radiogroup'] label").all():
            label.click()
            u.settle(self.page)
            self.check(f"{where} / radio '{label.inner_text()[:30]}'")

    def download_all(self, where: str) -> list[str]:
        names = []
        for button in self.page.locator("[data-testid='stMain'] [data-testid='stDownloadButton'] button").all():
            u.wait_app_idle(self.page)
            with self.page.expect_download(timeout=60_000) as dl:
                button.click()
            path = self.tmp / f"{self.lang}_{dl.value.suggested_filename}"
            dl.value.save_as(path)
            names.append(path.name)
            problem = check_file(path)
            if problem:
                self.problems.append(f"{where}: download {path.name}: {problem}")
        return names


def check_file(path: Path) -> str | None:
    """None if the file opens as its type says, else what is wrong."""
    data = path.read_bytes()
    suffix = path.suffix.lower()
    try:
        if suffix in (".yaml", ".yml"):
            import yaml

            doc = yaml.safe_load(data.decode("utf-8"))
            if not isinstance(doc, dict) or "name" not in doc:
                return "not a scenario mapping"
        elif suffix == ".xlsx":
            from openpyxl import load_workbook

            if not load_workbook(io.BytesIO(data)).sheetnames:
                return "no sheets"
        elif suffix == ".pdf":
            from pypdf import PdfReader

            if len(PdfReader(io.BytesIO(data)).pages) < 1:
                return "no pages"
        elif suffix == ".csv":
            if "," not in data.decode("utf-8-sig").splitlines()[0]:
                return "no header"
        elif suffix == ".png":
            if data[:4] != b"\x89PNG":
                return "not PNG"
        elif suffix == ".svg":
            if b"<svg" not in data[:1000]:
                return "not SVG"
        else:
            return f"unexpected file type {suffix}"
    except Exception as err:  # the point of the check: any failure to open
        return f"{type(err).__name__}: {err}"
    return None


TEXT = {
    "zh": {"explore": "探索", "compare": "比较", "history": "历史拟合", "sensitivity": "敏感性分析", "present": "演示",
           "model": "模型说明", "save": "保存当前情景", "save_name": "保存名称", "run": "运行分析",
           "share": "分享与导出", "next": "下一步 ▶", "region": "我的区域"},
    "en": {"explore": "Explore", "compare": "Compare", "history": "History", "sensitivity": "Sensitivity",
           "present": "Present", "model": "Model", "save": "Save current scenario", "save_name": "Name to save as",
           "run": "Run analysis", "share": "Share and export", "next": "Next ▶", "region": "Your own region"},
}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_crawl_every_page_and_option(server, shot_dir, tmp_path, lang):
    from playwright.sync_api import sync_playwright

    from webapp.i18n import t

    txt = {k: v for k, v in TEXT[lang].items()}
    txt["save_name"] = t("save_name", lang)
    txt["save"] = t("save", lang)
    with sync_playwright() as p:
        browser = u.launch(p)
        context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page = context.new_page()
        c = Crawl(page, lang, shot_dir, tmp_path)
        u.open_app(page, server + ("?lang=en" if lang == "en" else ""))
        c.check("explore")
        c.shot("01_explore")

        # Explore: every starting scenario, the export section, every download, every chart to export
        start_box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
        n_starts = c.select_all_options("explore: starting scenario", start_box)
        assert n_starts >= 2
        c.shot("02_explore_last_start")
        start_box.locator(OPEN).click()
        page.locator("[role='listbox'] [role='option']").first.click()
        u.settle(page)
        page.locator("[data-testid='stExpander'] summary", has_text=txt["share"]).first.click()
        u.settle(page)
        export_box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
        n_charts = c.select_all_options("explore: chart to export", export_box)
        assert n_charts == 4
        files = c.download_all("explore: downloads")
        assert {Path(f).suffix for f in files} >= {".yaml", ".csv", ".xlsx", ".pdf", ".png", ".svg"}, files
        c.shot("03_explore_export")

        # Compare: save two scenarios, every overlay variable, the comparison download
        c.goto_page(txt["compare"])
        c.check("compare (empty)")
        for name in (("甲", "乙") if lang == "zh" else ("A", "B")):
            page.get_by_label(txt["save_name"]).fill(name)
            page.get_by_label(txt["save_name"]).press("Enter")
            u.settle(page)
            page.get_by_role("button", name=txt["save"]).click()
            u.settle(page)
        c.check("compare (two saved)")
        overlay = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
        assert c.select_all_options("compare: overlay variable", overlay) >= 5
        c.download_all("compare: downloads")
        c.shot("04_compare")

        # Your own region (the calibration itself: test_region_browser.py)
        c.goto_page(txt["region"])
        c.check("region")
        c.download_all("region: downloads")
        c.shot("05_region")

        # History
        c.goto_page(txt["history"])
        c.check("history")
        c.shot("05_history")

        # Sensitivity: every method, every metric (smallest sample), run and download
        c.goto_page(txt["sensitivity"])
        c.check("sensitivity")
        method = page.locator("[data-testid='stMain'] [data-testid='stRadio']").first
        labels = method.locator("[role='radiogroup'] label").all()
        metric_box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
        metric_box.locator(OPEN).click()
        n_metrics = page.locator("[role='listbox'] [role='option']").count()
        page.keyboard.press("Escape")
        assert n_metrics >= 6
        # one method runs every metric, the other runs once after all metrics were chosen
        # (the languages swap the roles, so both methods run every metric over the crawl)
        full = 0 if lang == "zh" else 1
        for m_i, label in enumerate(labels):
            label.click()
            u.settle(page)
            for i in range(n_metrics):
                metric_box.locator(OPEN).click()
                option = page.locator("[role='listbox'] [role='option']").nth(i)
                name = option.inner_text()
                option.click()
                u.settle(page)
                c.check(f"sensitivity: method {m_i + 1}, metric '{name[:30]}'")
                if m_i == full or i == n_metrics - 1:
                    page.get_by_role("button", name=txt["run"]).click()
                    u.settle(page, timeout=120_000)
                    c.check(f"sensitivity: run method {m_i + 1}, metric '{name[:30]}'")
            c.open_expanders()
            c.download_all(f"sensitivity: downloads (method {m_i + 1})")
            c.shot(f"06_sensitivity_{m_i + 1}")

        # Present: every view, one story step, workshop mode off and on
        c.goto_page(txt["present"])
        c.check("present")
        for button in page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button").all():
            button.click()
            u.settle(page)
            c.check(f"present: view '{button.inner_text()[:30]}'")
        page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button").first.click()
        u.settle(page)
        page.get_by_role("button", name=txt["next"]).click()
        u.settle(page)
        c.check("present: story step 1")
        c.shot("07_present")

        # Model: every view of the model file and the overview (select box), the
        # whole-view toggle, the overview's tabs, the expanders
        c.goto_page(txt["model"])
        c.check("model")
        view_box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first
        assert c.select_all_options("model: view", view_box, shot="08_model_view") >= 2
        for tab in page.locator("[data-testid='stMain'] [role='tab']").all():
            tab.click()
            time.sleep(0.3)
        c.check("model: overview tabs")
        view_box.locator(OPEN).click()
        page.locator("[role='listbox'] [role='option']").nth(6).click()  # a large view
        u.settle(page)
        page.locator("[data-testid='stMain'] [data-testid='stCheckbox']").first.click()  # fit whole view
        u.settle(page)
        c.check("model: whole view")
        c.shot("08_model_fit")
        c.open_expanders()
        c.check("model (expanders open)")
        c.shot("08_model")

        context.close()
        browser.close()
    assert c.steps > 30
    assert not c.problems, "\n".join(c.problems[:60])
