"""ui.training's live area: what a fragment keeps between its redraws (LiveTraining.held) and what the live
canvas then sends again as it was."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.apptest import TIMEOUT_S


def _live_area() -> None:
    """A live area's redraw with the settings in ``st.session_state.args``: a held figure on the live canvas."""
    from types import SimpleNamespace

    import streamlit as st

    from nnviz.figures.style import figure
    from ui import show_live_figure
    from ui.canvas import _MADE
    from ui.training import LiveTraining

    every, running, run_name = st.session_state["args"]
    area = LiveTraining("t")
    runs = st.session_state.setdefault("runs", {})
    st.session_state["t_run"] = runs.setdefault(run_name, object())  # the session's run: kept, or another one
    made = st.session_state.setdefault("made", {"figures": [], "payloads": []})

    def build():
        return figure([dict(type="scatter", x=[0, 1], y=[1, len(made["figures"])], mode="lines")], title="held")

    fig = area.held(SimpleNamespace(running=running), "pictures", every, build)
    show_live_figure(fig, key="held_live")
    made["figures"].append(fig)  # kept alive, so that distinct objects have distinct ids
    made["payloads"].append(st.session_state[_MADE]["held_live"][3])


def _redraw(at: AppTest, every: float, running: bool = True, run_name: str = "a") -> tuple[int, int]:
    """(figures built, payloads made) so far, after one more redraw."""
    at.session_state["args"] = (every, running, run_name)
    at.run()
    assert not at.exception, at.exception
    made = at.session_state["made"]
    return len({id(f) for f in made["figures"]}), len({id(p) for p in made["payloads"]})


def test_a_held_part_is_built_once_per_period_and_sent_as_it_was():
    at = AppTest.from_function(_live_area, default_timeout=TIMEOUT_S)
    assert _redraw(at, 60.0) == (1, 1)
    assert _redraw(at, 60.0) == (1, 1)  # within its period: the same figure, sent as the same payload
    assert _redraw(at, 60.0, running=False) == (2, 2)  # a stopped run draws what it has now
    assert _redraw(at, 60.0, run_name="b") == (3, 3)  # another run: its own pictures
    assert _redraw(at, 0.0) == (4, 4)  # the period is over: built again
    assert len(at.get("bidi_component")) == 1, "the held figure is on the live canvas"
