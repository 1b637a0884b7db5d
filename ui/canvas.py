"""The live canvas: a plotly figure painted on an HTML canvas by ``ui/canvas.js``, for areas redrawn while a run
trains (see :mod:`nnviz.figures.canvas` for why and what it draws). Hover labels and clicks work as on the
plotly chart: a click on a marker calls ``on_select`` with ``st.session_state[key].selection`` in plotly's format.
A canvas given a feed link (:mod:`ui.feed`) fetches its newer scenes itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from nnviz.figures.canvas import scene

_CSS = """
.nnviz-canvas { position: relative; width: 100%; }
.nnviz-canvas canvas { display: block; }
.nnviz-canvas-label {
  display: none; position: absolute; pointer-events: none; z-index: 2; white-space: nowrap;
  padding: 4px 8px; border-radius: 3px; background: #1F2328; color: white; font-size: 14px; line-height: 1.35;
}
"""
_COMPONENT = st.components.v2.component(
    "nnviz_canvas",
    js=Path(__file__).with_name("canvas.js").read_text(encoding="utf-8"),
    css=_CSS,
    isolate_styles=False,
)


FEED_FAILED_KEY = "nnviz_feed_failed"
"""Set in a session whose canvas found no feed where its link pointed: its live areas redraw by rerunning."""


def live_canvas(
    fig: go.Figure | dict,
    *,
    key: str,
    on_select: Callable[[], None] | None = None,
    scale: float = 1.0,
    feed: dict | None = None,
) -> None:
    """Paint ``fig`` (already styled: a figure or plotly's figure dict) on the canvas at ``key``, enlarged by
    ``scale`` as presenter mode enlarges a plotly chart; then follow ``feed`` (``{"url", "part", "every_ms"}``,
    :meth:`ui.training.LiveTraining.feed`), if given."""
    data = scene(fig, scale=scale)
    if feed is not None:
        data["feed"] = feed
    # As JSON bytes: Streamlit forwards bytes as they are, where a dict would be scanned for dataframes and
    # encoded twice (once sorted, for the element's identity): a fifth of a live frame's time on the server.
    payload = json.dumps(data, separators=(",", ":")).encode()
    _COMPONENT(
        data=payload,
        key=key,
        height=data["height"],
        on_selection_change=on_select or _ignore,
        on_feed_failed_change=_feed_failed,
    )


def _feed_failed() -> None:
    """The canvas's feed did not answer as one (3 times in a row): this session's live areas rerun instead."""
    st.session_state[FEED_FAILED_KEY] = True


def _ignore() -> None:
    """A click on a canvas that takes none (plotly's ``on_select="ignore"``)."""
