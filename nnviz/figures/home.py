"""The Home page's teaser: one sigmoid neuron whose response moves with its weight and bias."""

from __future__ import annotations

import plotly.graph_objects as go
import torch

from nnviz.figures.style import HIGHLIGHT, PALETTE, styled


def neuron_response(w: float, b: float, x: float, x_range: tuple[float, float] = (-6.0, 6.0)) -> go.Figure:
    """The output a = sigmoid(w·x + b) of a one-input neuron over ``x_range``, with input ``x`` marked.

    Args:
        w: the neuron's weight.
        b: the neuron's bias.
        x: the current input, drawn as a dot on the curve with its output.
        x_range: the inputs plotted, (low, high).
    """
    xs = torch.linspace(*x_range, 241)
    curve = torch.sigmoid(w * xs + b)
    a = torch.sigmoid(torch.tensor(w * x + b)).item()
    fig = go.Figure(
        [
            go.Scatter(
                x=xs.tolist(),
                y=curve.tolist(),
                mode="lines",
                line=dict(color=PALETTE[0], width=4),
                name="a = σ(w·x + b)",
                hovertemplate="x = %{x:.2f}<br>a = %{y:.3f}<extra></extra>",
            ),
            go.Scatter(
                x=[x],
                y=[a],
                mode="markers+text",
                marker=dict(color=HIGHLIGHT, size=14, line=dict(color="white", width=2)),
                text=[f"  a = {a:.3f}"],
                textposition="middle right",
                name="your input",
                hovertemplate="x = %{x:.2f}<br>a = %{y:.3f}<extra></extra>",
            ),
        ]
    )
    fig.add_hline(y=0.5, line=dict(color="rgba(0,0,0,0.3)", dash="dot"))
    fig.update_yaxes(range=[-0.05, 1.05])
    return styled(
        fig, title=f"One neuron: a = σ({w:.2f}·x + {b:.2f})", x_title="input x", y_title="output a", height=360
    )
