"""Class probabilities as bars: the one chart that softmax, cross-entropy and a network's output share."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from torch import Tensor

from nnviz.figures.style import HIGHLIGHT, PALETTE, styled


def probability_bars(
    labels: Sequence[str],
    probabilities: Tensor,
    *,
    marked: int,
    title: str,
    height: int = 360,
    marked_color: str = HIGHLIGHT,
    other_color: str = PALETTE[0],
    customdata: Sequence[float] | None = None,
    hovertemplate: str = "%{x}<br>p = %{y:.4f}<extra></extra>",
) -> go.Figure:
    """Probabilities (K,) as bars labelled with their percentages, bar ``marked`` in ``marked_color``.

    Args:
        labels: class names, length K.
        probabilities: shape (K,), each in [0, 1].
        marked: the class to pick out (the prediction, or the true class).
        title: chart title.
        height: figure height in px.
        marked_color, other_color: bar colours.
        customdata: optional per-bar values for ``hovertemplate`` (e.g. the logits).
        hovertemplate: plotly hover text.
    """
    values = probabilities.tolist()
    fig = go.Figure(
        go.Bar(
            x=list(labels),
            y=values,
            marker_color=[marked_color if k == marked else other_color for k in range(len(values))],
            text=[f"{p:.1%}" for p in values],
            textposition="outside",
            name="probability",
            customdata=customdata,
            hovertemplate=hovertemplate,
        )
    )
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%")
    return styled(fig, title=title, x_title="class", y_title="probability", height=height, legend=False)
