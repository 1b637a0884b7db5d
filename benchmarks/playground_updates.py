"""Visual updates per second of the Playground in Chromium: 2-8-8-2 on 400 points, every neuron's map on.

A page opens ``/playground?problem=spiral&hidden=8,8&points=400&lr=0.01`` (tanh, SGD, batch 10: a run whose
pictures keep changing for minutes), presses Play and, for ``--seconds`` (bounded), counts how often the network's
picture changes: a digest of the live canvas's pixels, read every 25 ms in the page (a redraw that changes
nothing is not counted); the Step metric read at both ends gives the training rate. Target: >= 8 updates/s with
the per-neuron maps on (issue 14).

Measured on the shared 2-core machine, 2026-12-03.
Before (plotly charts redrawn by the live fragment every 0.4 s, the model copied through ``LiveRun.call``):
1.6-3.9 map updates/s at 630-1,570 training steps/s. The server built both figures in ~10 ms; Chromium's main
thread was 77 % busy re-rendering them (long tasks), and redrawn faster they came out blank.
After (while training, both figures painted on a canvas from ``nnviz.figures.canvas.scene`` every 0.1 s, the
maps drawn from the worker's ``LatestModel`` copy, no wait for the end of a slice): 8.4-9.1 updates/s at 560-860
training steps/s (load average 1.2-2.1), the main thread ~20 % busy. Faster than 0.1 s gained nothing (7.5/s at
0.08 s): a fragment run takes 50-100 ms on the server next to the training worker.

Run: ``.venv/bin/python benchmarks/playground_updates.py [--seconds 10] [--screenshot docs/screenshots/playground.png]``
(about a minute: the server start, the first run, the window).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_training import CHROMIUM, CHROMIUM_ARGS, VIEWPORT, server, step_of  # noqa: E402

TARGET_UPDATES_PER_S = 8.0
COUNT_MAP_UPDATES = """
() => {
  window.__updates = 0;
  let last = null;
  window.__poll = setInterval(() => {
    const canvas = document.querySelector('.nnviz-canvas canvas');
    if (!canvas || !canvas.width) return;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let key = 0;
    for (let k = 0; k < pixels.length; k += 61) key = (key * 31 + pixels[k]) | 0;
    if (key !== last) { window.__updates += 1; last = key; }
  }, 25);
}
"""
"""Counts the changes of the network's picture (its canvas's pixels, sampled every 25 ms: up to 40 a second)."""


def measure(seconds: float, screenshot: Path | None) -> tuple[float, float]:
    """(map updates/s, training steps/s) over a window of ``seconds`` while the run plays."""
    from playwright.sync_api import sync_playwright

    with server() as (_, url), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"{url}/playground?problem=spiral&hidden=8,8&points=400&lr=0.01", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg .hm image', timeout=120_000)
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
        page.wait_for_selector(".nnviz-canvas canvas", timeout=30_000)
        time.sleep(1.0)  # past the first frames
        page.evaluate(COUNT_MAP_UPDATES)
        start_step, start = step_of(page), time.monotonic()
        time.sleep(seconds)
        updates = page.evaluate("() => { clearInterval(window.__poll); return window.__updates; }")
        elapsed, steps = time.monotonic() - start, step_of(page) - start_step
        if screenshot is not None:
            page.get_by_role("button", name="Pause", exact=True).click()
            page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
            page.get_by_role("button", name="Play", exact=True).evaluate("b => b.scrollIntoView({block: 'start'})")
            page.mouse.wheel(0, -60)  # the problem's caption above the buttons stays in view
            time.sleep(1.0)
            page.screenshot(path=str(screenshot))
        browser.close()
    return updates / elapsed, steps / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of the window (1-60 s)")
    parser.add_argument("--screenshot", type=Path, help="save a 1280x720 screenshot after the window")
    args = parser.parse_args()
    updates, steps = measure(min(max(args.seconds, 1.0), 60.0), args.screenshot)
    verdict = "meets" if updates >= TARGET_UPDATES_PER_S else "misses"
    print(f"playground 2-8-8-2, 400 points, neuron maps on: {updates:.1f} visual updates/s ({verdict} the target")
    print(f"of {TARGET_UPDATES_PER_S:g}), {steps:,.0f} training steps/s")


if __name__ == "__main__":
    main()
