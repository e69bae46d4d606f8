"""Your own region in headless Chromium: set up a small example region from a CSV, calibrate
it, save it and reopen it from its link.

The CSV (``tests/app/data/region_example.csv``) holds rows of the United Kingdom copied
unchanged from ``calibration/data/history_GBR.csv`` (UN WUP, Maddison, Energy Institute,
GCB, FAOSTAT; sources in ``calibration/data/SOURCES.md``), every fourth year 1990-2018.
Its land area is FAOSTAT's 2,419.3 x 10^4 ha (the GBR block of calibration/national.yaml).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app import e2e_util as u

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(u.CHROMIUM).exists(), reason=f"{u.CHROMIUM} is missing (apt-get install chromium)"),
]

DATA = Path(__file__).with_name("data") / "region_example.csv"
AREA = "2419.3"


def test_region_from_csv_calibrated_saved_and_reopened_from_link():
    from playwright.sync_api import sync_playwright

    shots = Path(os.environ.get("APP_SCREENSHOTS") or tempfile.mkdtemp(prefix="app_region_"))
    shots.mkdir(parents=True, exist_ok=True)
    print(f"\nregion screenshots: {shots}")
    with u.streamlit_server() as server, sync_playwright() as p:
        browser = u.launch(p)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
        page = context.new_page()
        console = u.ConsoleLog(page)
        u.open_page(page, server.url + "?lang=en&page=region")
        page.get_by_role("textbox", name="Region code", exact=True).fill("GBR")
        page.get_by_role("textbox", name="Name (Chinese)").fill("英国示例")
        page.get_by_role("textbox", name="Name (English)").fill("UK example")
        page.locator("input[aria-label='Total land area (10^4 ha)']").fill(AREA)
        page.locator("input[aria-label='Total land area (10^4 ha)']").press("Enter")
        u.settle(page)
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(DATA))
        page.get_by_text("Data valid:").wait_for(timeout=60_000)
        u.wait_app_idle(page)
        assert not page.locator("[data-testid='stAlertContentError']").count()
        page.screenshot(path=str(shots / "region_1_data.png"))
        page.get_by_role("button", name="Calibrate").click()
        page.get_by_text("Saved as a starting scenario").wait_for(timeout=300_000)
        u.wait_app_idle(page)
        page.screenshot(path=str(shots / "region_2_fitted.png"))
        yaml_path = Path(shots) / "region.yaml"
        with page.expect_download(timeout=60_000) as dl:
            page.locator("[data-testid='stDownloadButton'] button", has_text="Download scenario YAML").click()
        dl.value.save_as(yaml_path)
        import yaml

        doc = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
        assert doc["overrides"]["total land area"] == pytest.approx(float(AREA))
        assert doc["calibration"]["region"] == "GBR" and "inline" in doc["targets"]

        # Explore now starts from the region: area levers are shown relative to it
        page.locator("[data-testid='stSidebar'] [data-testid='stRadio'] label", has_text="Explore").click()
        u.settle(page)
        page.locator(u.CHART).first.wait_for(state="attached", timeout=60_000)
        start = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox'] input").first
        assert "UK example" in start.input_value()
        url = page.url
        assert "region=" in url
        signature = u.chart_run(page)
        n_metrics = page.locator("[data-testid='stMetric']").count()
        net_2060 = page.locator("[data-testid='stMetric']").nth(2).inner_text()
        page.screenshot(path=str(shots / "region_3_explore.png"))

        # a fresh session opens the same region from the link
        other = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        console_other = u.ConsoleLog(other)
        u.open_app(other, url)
        assert "UK example" in other.locator(
            "[data-testid='stSidebar'] [data-testid='stSelectbox'] input").first.input_value()
        assert u.chart_run(other) == signature
        # the metrics render one after another: compare once all of them are on the page
        expect(other.locator("[data-testid='stMetric']")).to_have_count(n_metrics, timeout=60_000)
        assert other.locator("[data-testid='stMetric']").nth(2).inner_text() == net_2060
        assert not other.locator("[data-testid='stAlertContentError']").count()
        other.screenshot(path=str(shots / "region_4_reopened.png"))
        assert console.errors == [] and console_other.errors == [], console.errors + console_other.errors
        context.close()
        browser.close()
