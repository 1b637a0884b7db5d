"""The live canvas: a plotly figure painted on an HTML canvas by ``ui/canvas.js``, for areas redrawn while a run
trains (see :mod:`nnviz.figures.canvas` for why and what it draws). Hover labels and clicks work as on the
plotly chart: a click on a marker calls ``on_select`` with ``st.session_state[key].selection`` in plotly's format.
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


def live_canvas(
    fig: go.Figure | dict, *, key: str, on_select: Callable[[], None] | None = None, scale: float = 1.0
) -> None:
    """Paint ``fig`` (already styled: a figure or plotly's figure dict) on the canvas at ``key``, enlarged by
    ``scale`` as presenter mode enlarges a plotly chart."""
    data = scene(fig, scale=scale)
    # As JSON bytes: Streamlit forwards bytes as they are, where a dict would be scanned for dataframes and
    # encoded twice (once sorted, for the element's identity): a fifth of a live frame's time on the server.
    payload = json.dumps(data, separators=(",", ":")).encode()
    _COMPONENT(data=payload, key=key, height=data["height"], on_selection_change=on_select or _ignore)


def _ignore() -> None:
    """A click on a canvas that takes none (plotly's ``on_select="ignore"``)."""
