"""Figures of the activations page: f and f′ overlaid with vanishing-gradient shading, softmax bars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from torch import Tensor

from nnviz.activations import VANISHING_GRADIENT
from nnviz.figures.probabilities import probability_bars
from nnviz.figures.style import DIVERGING_SCALE, PALETTE, styled


@dataclass(frozen=True)
class Curve:
    """One activation on a grid: its label, f(x) and f′(x), each of shape (n,)."""

    label: str
    values: Tensor
    derivative: Tensor


def activation_curves(
    x: Tensor,
    curves: Sequence[Curve],
    vanishing: Sequence[tuple[float, float]] = (),
    show_derivative: bool = True,
) -> go.Figure:
    """f(x) (solid) and f′(x) (dashed, same colour) for each curve, on the grid ``x`` of shape (n,).

    Args:
        x: the inputs, shape (n,).
        curves: the activations to draw.
        vanishing: x-intervals to shade where the gradient vanishes (|f′| < 0.01).
        show_derivative: draw f′ as well as f.
    """
    fig = go.Figure()
    xs = x.tolist()
    fig.update_layout(
        shapes=[
            dict(
                type="rect",
                x0=start,
                x1=end,
                y0=0,
                y1=1,
                yref="paper",
                fillcolor="rgba(214,39,40,0.08)",
                line_width=0,
                layer="below",
            )
            for start, end in vanishing
        ]
    )
    if vanishing:
        fig.add_trace(  # a legend entry for the shading
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(symbol="square", size=14, color="rgba(214,39,40,0.25)"),
                name=f"|f′| < {VANISHING_GRADIENT}",
            )
        )
    for i, curve in enumerate(curves):
        color = PALETTE[i % len(PALETTE)]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=curve.values.tolist(),
                mode="lines",
                line=dict(color=color, width=3),
                name=f"{curve.label} f(x)",
                hovertemplate="f(%{x:.2f}) = %{y:.4f}",
            )
        )
        if show_derivative:
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=curve.derivative.tolist(),
                    mode="lines",
                    line=dict(color=color, width=2, dash="dash"),
                    name=f"{curve.label} f′(x)",
                    hovertemplate="f′(%{x:.2f}) = %{y:.4f}",
                )
            )
    fig.update_layout(hovermode="x unified")
    title = " vs ".join(c.label for c in curves) if len(curves) <= 3 else f"{len(curves)} activations"
    if show_derivative:
        title += " and its derivative" if len(curves) == 1 else " and their derivatives"
    return styled(fig, title=title, x_title="input x", y_title="f(x), f′(x)", height=440)


def tutorial_sigmoid(x: Tensor, y: Tensor) -> go.Figure:
    """Tutorial 000's plot: y = torch.sigmoid(x) for x from −4 to 4 in steps of 0.1."""
    fig = go.Figure(
        go.Scatter(
            x=x.tolist(),
            y=y.tolist(),
            mode="lines",
            line=dict(color=PALETTE[0], width=3),
            name="torch.sigmoid(x)",
            hovertemplate="x = %{x:.1f}<br>σ(x) = %{y:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(range=[0, 1])
    title = "Tutorial 000: the sigmoid on [−4, 4]"
    return styled(fig, title=title, x_title="x", y_title="σ(x)", height=300, legend=False)


def softmax_bars(labels: Sequence[str], logits: Tensor, probabilities: Tensor, temperature: float) -> go.Figure:
    """The logits (small, grey) and softmax(z / T) as bars with their percentages; the top class highlighted.

    Args:
        labels: class names, length K.
        logits: shape (K,).
        probabilities: softmax(logits / temperature), shape (K,), summing to 1.
        temperature: T > 0, for the title.
    """
    return probability_bars(
        labels,
        probabilities,
        marked=int(probabilities.argmax()),
        title=f"softmax(z / T) with T = {temperature:g}",
        height=380,
        customdata=logits.tolist(),
        hovertemplate="%{x}<br>logit z = %{customdata:.2f}<br>p = %{y:.4f}<extra></extra>",
    )


def jacobian_heatmap(labels: Sequence[str], jacobian: Tensor) -> go.Figure:
    """The softmax Jacobian ∂p_i/∂z_j (shape (K, K)) as a diverging heatmap with its values written in."""
    values = jacobian.tolist()
    limit = max(jacobian.abs().max().item(), 1e-6)
    fig = go.Figure(
        go.Heatmap(
            x=[f"z{j}" for j in range(len(labels))],
            y=[f"p{i}" for i in range(len(labels))],
            z=values,
            zmin=-limit,
            zmax=limit,
            colorscale=DIVERGING_SCALE,
            text=[[f"{v:.3f}" for v in row] for row in values],
            texttemplate="%{text}" if len(labels) <= 6 else None,
            textfont=dict(size=13),
            colorbar=dict(thickness=12),
            hovertemplate="∂%{y}/∂%{x} = %{z:.4f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return styled(fig, title="Jacobian ∂pᵢ/∂zⱼ", x_title="logit", y_title="probability", height=380, legend=False)
