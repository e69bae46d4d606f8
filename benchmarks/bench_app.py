"""App latency in headless Chromium: lever change -> updated chart.

Starts ``streamlit run app.py`` on a free port of 127.0.0.1, drives it with Playwright
and Debian's ``/usr/bin/chromium``, and prints

1. one session, ``--changes`` (30) keyboard moves of a lever: time from the key press
   to the emissions chart having drawn the new run (an invisible mark of the chart
   carries the run's id as its aria-label, see ``webapp.charts``), median and p95;
2. ``--sessions`` (20) concurrent browser sessions (a workshop): all open the page
   at once, then, once every page is loaded, each makes ``--changes-per-session``
   moves at the same time: p95, median, max and errors (timeouts, console errors,
   page errors), plus the page-load p95. All browsers run on the same machine as the
   server, so on a 2-core box the figures include 20 Chromium renderers competing
   with the server for the CPU (in a real workshop each participant renders locally).

Every session first moves a second lever to its own value, so runs are not served from
another session's cache: each timed change is a new model run.

Usage: ``python benchmarks/bench_app.py [--changes 30] [--sessions 20]
[--changes-per-session 5] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app import e2e_util as u  # noqa: E402
from tests.app.conftest import (  # noqa: E402
    EFFICIENCY_LEVER, NONFOSSIL_LEVER, lever_constant, lever_group_title, range_text, slider_label)

#: Slider labels of the Chinese UI, from the lever catalogue and the model's units: the
#: timed lever (the non-fossil mandate for new supply) and the lever that gives each
#: session its own scenario (extra efficiency; session i presses it i + 1 times). main()
#: checks that every press stays inside the model's range (a new run each time).
LEVER = slider_label(NONFOSSIL_LEVER, "zh")
OFFSET_LEVER = slider_label(EFFICIENCY_LEVER, "zh")
GROUP = lever_group_title(NONFOSSIL_LEVER, "zh")
assert GROUP == lever_group_title(EFFICIENCY_LEVER, "zh"), "both levers in one sidebar group"
TIMEOUT_MS = 120_000
#: Poll the page every 20 ms (not on every animation frame, which would keep 20 headless
#: renderers and the Playwright driver busy and slow down what is being measured).
POLL_MS = 20


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds used so far by process ``pid`` and by the whole machine (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    process = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    machine = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(machine[:8]) - machine[3] - machine[4]  # all but idle and iowait
    return process, busy / tick


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(q / 100 * len(s) + 0.5)) - 1))
    return s[k]


async def _run_shown(page) -> str:
    return await page.evaluate(
        "([sel, mark]) => { const m = document.querySelector(sel + ' ' + mark);"
        " return m ? m.getAttribute('aria-label') : ''; }", [u.CHART, u.RUN_MARK])


async def _wait_new_run(page, old: str) -> None:
    await page.wait_for_function(u.CHART_CHANGED_JS, arg=[u.CHART, u.RUN_MARK, 0, old], timeout=TIMEOUT_MS,
                                 polling=POLL_MS)


async def _open(page, url: str) -> None:
    await page.goto(url, timeout=TIMEOUT_MS)
    await page.wait_for_selector(u.CHART, state="attached", timeout=TIMEOUT_MS)
    await page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT_MS)
    summary = page.locator("[data-testid='stSidebar'] [data-testid='stExpander'] summary", has_text=GROUP).first
    if await summary.locator("xpath=..").get_attribute("open") is None:
        await summary.click(timeout=TIMEOUT_MS)


async def _press(page, label: str, key: str = "ArrowRight") -> None:
    slider = page.locator(f"input[type='range'][aria-label='{label}']").first
    await slider.focus()
    await slider.press(key)


async def _timed_change(page) -> float:
    old = await _run_shown(page)
    t0 = time.perf_counter()
    await _press(page, LEVER)
    await _wait_new_run(page, old)
    return time.perf_counter() - t0


async def session(browser, url: str, index: int, changes: int, out: dict, barrier=None, on_start=None) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "useWorker" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        t0 = time.perf_counter()
        await _open(page, url)
        out["load"].append(time.perf_counter() - t0)
        for _ in range(index + 1):  # a distinct scenario per session (not timed)
            old = await _run_shown(page)
            await _press(page, OFFSET_LEVER)
            await _wait_new_run(page, old)
        if barrier is not None:  # everyone loaded: now all move levers at the same time
            if await barrier.wait() == 0 and on_start is not None:
                on_start()
        for _ in range(changes):
            try:
                out["latency"].append(await _timed_change(page))
            except Exception as exc:  # timeout: counted, the session goes on
                out["errors"].append(f"session {index}: {type(exc).__name__}")
    except Exception as exc:
        out["errors"].append(f"session {index}: {type(exc).__name__}: {str(exc)[:120]}")
        if barrier is not None:
            await barrier.abort()
    finally:
        out["errors"] += [f"session {index}: console: {e[:120]}" for e in errors]
        await context.close()


def _hostile_inputs() -> tuple[list[str], bytes]:
    """Hostile link queries (a compressed bomb, Markdown link text) and a YAML alias bomb."""
    import base64
    import zlib

    bomb = "z" + base64.urlsafe_b64encode(zlib.compress(b"[" + b"0," * 3_000_000 + b"0]", 9)).decode().rstrip("=")
    lines = ["name: {en: x, zh: y}", "description: {en: a, zh: b}", "overrides:"]
    lines += ["  a0: &a0 [" + ", ".join(["x"] * 9) + "]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return [f"?region={bomb}", "?start=%5Bclick%5D(https%3A%2F%2Fexample.org)"], "\n".join(lines).encode()


async def hostile(browser, url: str, out: list) -> None:
    """Open hostile links and upload an alias bomb while the workshop runs: each must give a
    message (no traceback) and leave the page working."""
    import tempfile

    queries, bomb = _hostile_inputs()
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        for q in queries:
            await _open(page, url + q)
            text = await page.locator("[data-testid='stAlertContentError']").first.inner_text(timeout=TIMEOUT_MS)
            ok = "Traceback" not in await page.content() and await page.locator("a[href*='example.org']").count() == 0
            out.append(("link", ok and bool(text)))
        with tempfile.NamedTemporaryFile(suffix=".yaml", delete=False) as fh:
            fh.write(bomb)
        await page.locator("[data-testid='stExpander'] summary").last.click(timeout=TIMEOUT_MS)
        before = await _run_shown(page)
        await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(fh.name)
        alert = page.locator("[data-testid='stAlertContentError']", has_text="别名").first  # "aliases"
        await alert.wait_for(timeout=TIMEOUT_MS)
        out.append(("upload", "Traceback" not in await page.content() and await _run_shown(page) == before))
    except Exception as exc:
        out.append((f"{type(exc).__name__}: {str(exc)[:100]}", False))
    finally:
        await context.close()


async def main_async(args) -> dict:
    from playwright.async_api import async_playwright

    results: dict = {}
    with u.streamlit_server() as app:
        url = app.url
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=u.CHROMIUM, args=u.CHROMIUM_ARGS)
            single = {"load": [], "latency": [], "errors": []}
            await session(browser, url, 0, args.changes, single)
            results["single"] = single
            many = {"load": [], "latency": [], "errors": []}
            barrier = asyncio.Barrier(args.sessions)
            t0 = time.perf_counter()
            start: dict = {}

            def changes_start() -> None:  # everyone has loaded the page
                start["t"], start["cpu"] = time.perf_counter(), cpu_seconds(app.pid)

            hostile_results: list = []
            await asyncio.gather(*(session(browser, url, i + 1, args.changes_per_session, many, barrier, changes_start)
                                   for i in range(args.sessions)), hostile(browser, url, hostile_results))
            results["hostile"] = hostile_results
            many["wall"] = time.perf_counter() - t0
            if start:
                server_cpu, machine_cpu = (b - a for a, b in zip(start["cpu"], cpu_seconds(app.pid)))
                many["changes_phase"] = {"wall": time.perf_counter() - start["t"], "server_cpu": server_cpu,
                                         "machine_cpu": machine_cpu, "cores": os.cpu_count(),
                                         "server_rss_mib": rss_mib(app.pid)}
            results["concurrent"] = many
            await browser.close()
    return results


def report(results: dict, args) -> None:
    s, c = results["single"], results["concurrent"]
    print(f"App latency, lever change -> updated chart (headless Chromium, {time.strftime('%Y-%m-%d %H:%M')})")
    print(f"1 session, {len(s['latency'])} changes: median {statistics.median(s['latency']):.2f} s, "
          f"p95 {pct(s['latency'], 95):.2f} s, max {max(s['latency']):.2f} s; errors {len(s['errors'])}")
    lat = c["latency"]
    if lat:
        print(f"{args.sessions} concurrent sessions x {args.changes_per_session} changes ({len(lat)} timed): "
              f"median {statistics.median(lat):.2f} s, p95 {pct(lat, 95):.2f} s, max {max(lat):.2f} s; "
              f"errors {len(c['errors'])}; page load p95 {pct(c['load'], 95):.1f} s; wall {c['wall']:.0f} s")
        phase = c.get("changes_phase")
        if phase:
            print(f"  lever-change phase: {phase['wall']:.1f} s wall; CPU used: server {phase['server_cpu']:.1f} s "
                  f"({phase['server_cpu'] / len(lat) * 1000:.0f} ms per lever change), "
                  f"whole machine {phase['machine_cpu']:.1f} s of {phase['wall'] * phase['cores']:.1f} s "
                  f"available on {phase['cores']} cores; server memory {phase['server_rss_mib']:.0f} MiB")
    else:
        print(f"{args.sessions} concurrent sessions: no change timed; errors {len(c['errors'])}")
    hostile_res = results.get("hostile", [])
    print(f"hostile links and an alias-bomb upload during the workshop: "
          f"{sum(ok for _, ok in hostile_res)}/{len(hostile_res)} refused with a message, no traceback, state kept"
          + "".join(f"; FAILED {what}" for what, ok in hostile_res if not ok))
    for e in (s["errors"] + c["errors"])[:20]:
        print("  error:", e)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--changes", type=int, default=30)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--changes-per-session", type=int, default=5)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if not Path(u.CHROMIUM).exists():
        sys.exit(f"{u.CHROMIUM} is missing (apt-get install chromium)")
    for name, presses in ((NONFOSSIL_LEVER, args.changes), (EFFICIENCY_LEVER, args.sessions + 1)):
        c = lever_constant(name)  # every key press must make a new run: stay inside the range
        if c.default + presses * c.step > c.maximum + 1e-9:
            sys.exit(f"{presses} presses of {name!r} (step {c.step:g}) leave its range {range_text(name)}")
    results = asyncio.run(main_async(args))
    report(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
