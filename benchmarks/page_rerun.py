"""Server-side rerun time of the concept pages after one control change, measured with AppTest.

Usage: ``python -m benchmarks.page_rerun [--reruns N]`` from the repository root.

Each page is opened once (warm-up), then rerun N times, each time after moving one slider to a new
value. The script prints the median wall time and process CPU time per rerun in ms, and the wall time
as a ratio against the median rerun of a trivial one-slider script measured the same way in the same
process (AppTest's own overhead). Pages are measured round-robin so that load from other processes
falls on all of them alike; CPU time is the steadier number on a shared machine. There is no
pass/fail: the target is ≤ 150 ms per rerun.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.chdir(ROOT)

from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.apptest import open_page  # noqa: E402

# (page, slider key, two values to alternate between); Home's teaser is a one-chart page for comparison
CASES = [
    ("app_pages/home.py", "home_w", (0.5, -1.5)),
    ("app_pages/neuron.py", "neuron_w1", (0.5, -1.5)),
    ("app_pages/activations.py", "act_probe", (0.5, -1.5)),
    ("app_pages/losses.py", "loss_prediction", (0.3, 0.7)),
]
REFERENCE_SCRIPT = "import streamlit as st\nst.slider('x', 0.0, 1.0, 0.5, key='x')\n"


def timed_rerun(at: AppTest, key: str, value: float) -> tuple[float, float]:
    """Set slider ``key`` to ``value`` and rerun: (wall ms, process CPU ms) of the rerun."""
    at.slider(key=key).set_value(value)
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    assert not at.exception, [e.message for e in at.exception]
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=15)
    args = parser.parse_args()

    apps = {"reference": (AppTest.from_string(REFERENCE_SCRIPT, default_timeout=60).run(), "x", (0.2, 0.8))}
    apps |= {path: (open_page(path), key, values) for path, key, values in CASES}
    walls: dict[str, list[float]] = {name: [] for name in apps}
    cpus: dict[str, list[float]] = {name: [] for name in apps}
    for i in range(args.reruns):  # round-robin, so that load from other processes hits every page alike
        for name, (at, key, values) in apps.items():
            wall, cpu = timed_rerun(at, key, values[i % 2])
            walls[name].append(wall)
            cpus[name].append(cpu)
    reference = statistics.median(walls["reference"])
    print(f"median of {args.reruns} reruns after a slider change; reference = a trivial one-slider script")
    print(f"{'page':24s} {'wall ms':>8s} {'CPU ms':>8s} {'x reference':>12s}")
    for name in apps:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        print(f"{name:24s} {wall:8.1f} {cpu:8.1f} {wall / reference:12.1f}")


if __name__ == "__main__":
    main()
