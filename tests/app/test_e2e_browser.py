"""End to end in headless Chromium against ``streamlit run app.py`` (Playwright).

Load, move a lever, see the charts and the turning-point table change, switch the
language, save and compare two scenarios, download a report, open a shared URL — with
no browser console errors. Screenshots go to a temporary folder (``APP_SCREENSHOTS``
names a folder to keep them).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.app import e2e_util as u
from tests.app.conftest import (NONFOSSIL, NONFOSSIL_LEVER, above_range, expected_year, lever_group_title, range_text,
                                slider_label, url_key)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(u.CHROMIUM).exists(), reason=f"{u.CHROMIUM} is missing (apt-get install chromium)"),
]


@pytest.fixture(scope="module")
def server():
    with u.streamlit_server() as app:
        yield app.url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = u.launch(p)
        yield b
        b.close()


@pytest.fixture()
def shots(tmp_path):
    folder = Path(os.environ.get("APP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path))
        return path

    return take


def _table_image(page) -> bytes:
    """Screenshot of the turning-point table (a canvas grid: compare its pixels)."""
    heading = page.locator("h3", has_text="五个重要拐点").or_(page.locator("h3", has_text="The five turning points"))
    block = heading.first.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
    grid = block.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    time.sleep(0.5)
    return grid.screenshot()


def _download(page, button: str, target: Path) -> Path:
    """Click a download button and save the file (one retry: a click that lands while
    the page re-renders is lost, as it would be for a person, who clicks again)."""
    for attempt in range(2):
        u.wait_app_idle(page)
        try:
            with page.expect_download(timeout=45_000) as dl:
                page.get_by_role("button", name=button).click()
            dl.value.save_as(target)
            return target
        except Exception:
            if attempt:
                raise
    return target


def test_user_journey(server, browser, shots, tmp_path):
    context = browser.new_context(viewport={"width": 1440, "height": 1100}, accept_downloads=True)
    page = context.new_page()
    console = u.ConsoleLog(page)

    # 1. load: Chinese by default, four charts with the baseline run
    u.open_app(page, server)
    assert page.locator(u.CHART).count() == 4
    assert "国土空间碳中和情景模拟器" in page.locator("h1").first.inner_text()
    first = u.chart_run(page)
    neutrality = page.locator("[data-testid='stMetric']").nth(1)
    assert expected_year("neutrality") in neutrality.inner_text()
    target_year = expected_year("neutrality", NONFOSSIL)
    table_before = _table_image(page)
    net_before = page.locator("[data-testid='stMetric']").nth(2).inner_text()
    shots(page, "01_loaded_zh")

    # 2. move a lever by keyboard: charts, headline and turning-point table change
    label = slider_label(NONFOSSIL_LEVER, "zh")
    u.open_group(page, lever_group_title(NONFOSSIL_LEVER, "zh"))
    u.nudge_slider(page, label, 1)
    second = u.wait_chart_change(page, first)
    for _ in range(29):  # 0.01 per press -> 0.30
        u.nudge_slider(page, label, 1)
    page.wait_for_function("k => location.search.includes(k + '=0.3')", arg=url_key(NONFOSSIL_LEVER), timeout=60_000)
    u.wait_app_idle(page)
    assert u.chart_run(page) not in (first, second)
    assert all(u.chart_run(page, i) == u.chart_run(page) for i in range(4))
    page.wait_for_function("y => document.querySelectorAll('[data-testid=stMetric]')[1].innerText.includes(y)",
                           arg=target_year, timeout=60_000)
    assert page.locator("[data-testid='stMetric']").nth(2).inner_text() != net_before
    assert _table_image(page) != table_before
    shots(page, "02_lever_moved")
    shared_url = page.url
    shared_signature = u.chart_run(page)

    # 3. switch the language: every label, help and chart title in English
    page.locator("[data-testid='stSidebar'] label", has_text="English").click()
    u.settle(page)
    page.wait_for_function("() => document.querySelector('h1') && document.querySelector('h1').innerText.includes('Territorial')",
                           timeout=60_000)
    page.wait_for_function("() => [...document.querySelectorAll(\"[role='graphics-document']\")].some("
                           "e => (e.getAttribute('aria-label') || '').startsWith('Emissions, sink'))", timeout=60_000)
    u.wait_app_idle(page)
    assert "Emissions, sink and net emissions" in u.chart_title(page)
    assert "Carbon neutrality" in page.locator("[data-testid='stMetric']").nth(1).inner_text()
    assert "lang=en" in page.url
    shots(page, "03_english")

    # 4. download the PDF report (and the CSV)
    page.locator("[data-testid='stExpander'] summary", has_text="Share and export").click()
    u.settle(page)
    pdf = _download(page, "Download PDF report", tmp_path / "report.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    csv = _download(page, "Download results CSV", tmp_path / "results.csv")
    assert csv.read_text(encoding="utf-8-sig").startswith("year,")
    shots(page, "04_export")

    # 5. save two scenarios and compare them
    page.locator("[data-testid='stSidebar'] label", has_text="Compare").click()
    page.get_by_role("textbox", name="Save as (name)").wait_for(timeout=60_000)
    u.settle(page)
    for i, name in enumerate(("Non-fossil +30", "Baseline")):
        if i:
            page.get_by_role("button", name="Reset to the starting scenario").click()
            u.settle(page)
        page.get_by_role("textbox", name="Save as (name)").fill(name)
        page.get_by_role("textbox", name="Save as (name)").press("Enter")
        u.settle(page)
        page.get_by_role("button", name="Save current scenario").click()
        page.get_by_text(f"{i + 1}. {name}").wait_for(timeout=60_000)
        u.settle(page)
    page.locator(f"{u.CHART} [aria-label*='Non-fossil +30']").first.wait_for(state="attached", timeout=60_000)
    assert page.get_by_text("Turning-point years and key indicators side by side").count() == 1
    shots(page, "05_compare")

    # 6. open the shared URL in a fresh session: the same scenario
    other = context.browser.new_context(viewport={"width": 1440, "height": 1100}).new_page()
    console_other = u.ConsoleLog(other)
    u.open_app(other, shared_url)
    assert other.locator(f"input[type='range'][aria-label='{label}']").get_attribute("value") == "0.3"
    assert target_year in other.locator("[data-testid='stMetric']").nth(1).inner_text()
    assert u.chart_run(other) == shared_signature  # the very same run
    shots(other, "06_shared_url")

    # 7. a bad link: a clear message, no traceback, baseline intact
    bad = context.browser.new_context().new_page()
    console_bad = u.ConsoleLog(bad)
    u.open_app(bad, server + f"?{url_key(NONFOSSIL_LEVER)}={above_range(NONFOSSIL_LEVER):g}&lang=en")
    alert = bad.locator("[data-testid='stAlert']").first.inner_text()
    assert url_key(NONFOSSIL_LEVER) in alert and range_text(NONFOSSIL_LEVER) in alert
    assert "Traceback" not in bad.content()
    shots(bad, "07_bad_link")
    # text from a link is shown as text: no clickable link inside the error box
    u.open_app(bad, server + "?start=%5Bclick%5D(https%3A%2F%2Fexample.org)")
    assert "example.org" in bad.locator("[data-testid='stAlert']").first.inner_text()
    assert bad.locator("a[href*='example.org']").count() == 0

    for log in (console, console_other, console_bad):
        assert log.errors == [], log.errors
    context.close()
