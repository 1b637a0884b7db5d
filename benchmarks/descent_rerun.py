"""Server-side rerun time of the gradient-descent page (AppTest), absolute and as a ratio to a trivial page run.

    .venv/bin/python benchmarks/descent_rerun.py

Each timed rerun changes an input to a new value, so every path is recomputed (no cache hit): 200 steps of
torch.optim, the step detail for the update rule, and the figures (Explore: the start; Race: the step count).
The reference is a rerun of a two-line page in the same process: Streamlit's own overhead on this machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from tests.apptest import open_page  # noqa: E402

REPEATS = 8


def timed(rerun) -> float:
    started = time.perf_counter()
    rerun()
    return time.perf_counter() - started


def reference_ms() -> float:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "trivial.py"
        script.write_text("import streamlit as st\nx = st.slider('x', 0, 100, 0, key='x')\nst.write(x)\n")
        at = AppTest.from_file(str(script)).run()
        times = [timed(lambda v=v: at.slider(key="x").set_value(v).run()) for v in range(1, REPEATS + 1)]
    return 1000 * statistics.median(times)


def descent_ms(tab: str, widget: str, key: str, values: list[float]) -> float:
    at = open_page("app_pages/descent.py")
    if tab != "Explore":
        at.session_state["descent_tab"] = tab
        at.run()
    times = [timed(lambda v=v: getattr(at, widget)(key=key).set_value(v).run()) for v in values]
    assert not at.exception, [e.message for e in at.exception]
    return 1000 * statistics.median(times)


def main() -> None:
    import os

    os.chdir(ROOT)
    starts = [round(-2.9 + 0.1 * i, 2) for i in range(REPEATS)]
    reference = reference_ms()
    explore = descent_ms("Explore", "slider", "descent_w1", starts)
    race = descent_ms("Race", "number_input", "descent_steps", [200 - i for i in range(1, REPEATS + 1)])
    print(f"reference (trivial page) rerun: {reference:7.1f} ms")
    print(f"Explore rerun, 200 steps, new start: {explore:7.1f} ms  ({explore / reference:.1f}x reference)")
    print(f"Race rerun, 4 optimizers x ~200 steps: {race:7.1f} ms  ({race / reference:.1f}x reference)")


if __name__ == "__main__":
    main()
