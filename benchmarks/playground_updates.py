"""Visual updates per second of the Playground in Chromium: 2-8-8-2 on 400 points, every neuron's map on.

A page opens ``app_training.PLAYGROUND`` (2-8-8-2 tanh, SGD, batch 10 on 400 clean spiral points: a run whose
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
2026-12-04 (a slower machine; the live figures as plain dicts, the scene sent as JSON bytes, the loss curve on
a canvas too): 7.1-7.6 updates/s at ~575 steps/s before the curve moved to the canvas, 9.2 after (in
``app_training.py``'s run, which measures this page against headless as well).

Run: ``.venv/bin/python benchmarks/playground_updates.py [--seconds 10] [--screenshot docs/screenshots/playground.png]``
(about a minute: the server start, the first run, the window).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from app_training import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    PLAYGROUND_BATCH,
    open_playground,
    playground_window,
    server,
)

TARGET_UPDATES_PER_S = 8.0


def measure(seconds: float, screenshot: Path | None) -> tuple[float, float]:
    """(map updates/s, training steps/s) over a window of ``seconds`` while the run plays."""
    from playwright.sync_api import sync_playwright

    with server() as (_, url), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = open_playground(browser, url)
        samples, updates = playground_window(page, seconds)
        if screenshot is not None:
            page.get_by_role("button", name="Pause", exact=True).click()
            page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
            page.get_by_role("button", name="Play", exact=True).evaluate("b => b.scrollIntoView({block: 'start'})")
            page.mouse.wheel(0, -60)  # the problem's caption above the buttons stays in view
            time.sleep(1.0)
            page.screenshot(path=str(screenshot))
        browser.close()
    return updates, samples / PLAYGROUND_BATCH


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
