"""Figures of the losses page: loss against the prediction, per-sample bars, gradients, cross-entropy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import plotly.graph_objects as go
from torch import Tensor

from nnviz.figures.probabilities import probability_bars
from nnviz.figures.style import HIGHLIGHT, PALETTE, sign_color, styled


def _lines(x: Tensor, series: Mapping[str, Tensor], hover: str) -> list[go.Scatter]:
    """One coloured line per entry of ``series`` (label → values of shape (n,)) over ``x`` (n,)."""
    return [
        go.Scatter(
            x=x.tolist(),
            y=values.tolist(),
            mode="lines",
            line=dict(color=PALETTE[i % len(PALETTE)], width=3),
            name=label,
            hovertemplate=f"{hover}<extra>{label}</extra>",
        )
        for i, (label, values) in enumerate(series.items())
    ]


def loss_curves(
    predictions: Tensor,
    curves: Mapping[str, Tensor],
    title: str,
    x_title: str = "prediction ŷ",
    y_max: float | None = None,
    marker: tuple[float, float] | None = None,
) -> go.Figure:
    """Loss as a function of the prediction, one line per true label.

    Args:
        predictions: the prediction grid, shape (n,).
        curves: label → loss values on the grid, each shape (n,).
        title: chart title.
        x_title: what the prediction is.
        y_max: top of the y axis (BCE grows without bound near 0 and 1).
        marker: an (ŷ, loss) point to mark, e.g. one sample of the batch.
    """
    fig = go.Figure(_lines(predictions, curves, "ŷ = %{x:.3f}<br>loss = %{y:.3f}"))
    if marker is not None:
        fig.add_trace(
            go.Scatter(
                x=[marker[0]],
                y=[marker[1]],
                mode="markers",
                marker=dict(color=HIGHLIGHT, size=13, line=dict(color="white", width=2)),
                name="your sample",
                hovertemplate="ŷ = %{x:.3f}<br>loss = %{y:.3f}<extra></extra>",
            )
        )
    if y_max is not None:
        fig.update_yaxes(range=[0, y_max])
    return styled(fig, title=title, x_title=x_title, y_title="loss of one sample", height=400)


def per_sample_bars(terms: Tensor, predictions: Tensor, targets: Tensor, loss_label: str) -> go.Figure:
    """Each sample's contribution to the loss as a bar, and the mean (the loss torch reports) as a line.

    Args:
        terms: per-sample loss terms, shape (n,).
        predictions, targets: the batch, shape (n,), shown on hover.
        loss_label: the loss's name, for the title.
    """
    total = terms.mean().item()
    samples = [f"#{i + 1}" for i in range(len(terms))]
    fig = go.Figure(
        go.Bar(
            x=samples,
            y=terms.tolist(),
            marker_color=PALETTE[0],
            text=[f"{t:.3f}" for t in terms.tolist()],
            textposition="outside",
            customdata=list(zip(targets.tolist(), predictions.tolist(), strict=True)),
            name="per-sample term",
            hovertemplate="sample %{x}<br>y = %{customdata[0]:.3f}<br>ŷ = %{customdata[1]:.3f}<br>"
            "term = %{y:.4f}<extra></extra>",
        )
    )
    fig.update_layout(
        shapes=[
            dict(
                type="line",
                x0=0,
                x1=1,
                xref="paper",
                y0=total,
                y1=total,
                line=dict(color=HIGHLIGHT, width=2, dash="dash"),
            )
        ],
        annotations=[
            dict(
                x=0,
                xref="paper",
                xanchor="left",
                y=total,
                yanchor="bottom",
                showarrow=False,
                text=f"mean = {total:.4f}",
                font=dict(color=HIGHLIGHT),
            )
        ],
    )
    fig.update_yaxes(range=[0, max(terms.max().item(), total) * 1.2 + 1e-3])
    return styled(
        fig,
        title=f"{loss_label}: each sample's contribution",
        x_title="sample",
        y_title="loss term",
        height=380,
        legend=False,
    )


def gradient_comparison(logits: Tensor, gradients: Mapping[str, Tensor], target: float) -> go.Figure:
    """∂loss/∂z against the logit z for a sigmoid output and true label ``target``, one line per loss."""
    fig = go.Figure(_lines(logits, gradients, "z = %{x:.2f}<br>∂loss/∂z = %{y:.4f}"))
    wrong_side = "left" if target == 1 else "right"
    fig.add_annotation(
        x=0.02 if wrong_side == "left" else 0.98,
        y=0.05,
        xref="paper",
        yref="paper",
        xanchor=wrong_side,
        showarrow=False,
        text="confident mistake →" if wrong_side == "right" else "← confident mistake",
        font=dict(color=HIGHLIGHT),
    )
    return styled(
        fig,
        title=f"Gradient reaching the logit z (true label y = {target:g})",
        x_title="logit z (p = σ(z))",
        y_title="∂loss/∂z",
        height=400,
    )


def cross_entropy_bars(labels: Sequence[str], probabilities: Tensor, target: int, loss: float) -> go.Figure:
    """Softmax probabilities as bars with the true class highlighted; the loss −log p_true in the title."""
    return probability_bars(
        labels,
        probabilities,
        marked=target,
        title=f"Cross-entropy = −log p(true class) = {loss:.4f}",
        marked_color=sign_color(1.0),
        other_color="rgba(0,0,0,0.25)",
    )
