"""Figures of the neuron page: the neuron diagram with live numbers, its decision plane, the perceptron."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import torch
from torch import Tensor

from nnviz.figures.style import (
    CLASS_COLORS,
    DIVERGING_SCALE,
    HIGHLIGHT,
    NEUTRAL,
    PALETTE,
    legend_below,
    sign_color,
    styled,
)
from nnviz.neuron import decision_line

SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"
NODE_SIZE = 62


def _node(x: float, y: float, text: str, color: str, name: str, hover: str) -> go.Scatter:
    return go.Scatter(
        x=[x],
        y=[y],
        mode="markers+text",
        marker=dict(size=NODE_SIZE, color="white", line=dict(color=color, width=3)),
        text=[text],
        textfont=dict(size=15, color="#1F2328"),
        name=name,
        hovertemplate=f"{hover}<extra></extra>",
    )


def _edge(start: tuple[float, float], end: tuple[float, float], weight: float | None) -> go.Scatter:
    color = NEUTRAL if weight is None else sign_color(weight)
    width = 2.5 if weight is None else 1.5 + 2.5 * min(abs(weight), 3.0)
    return go.Scatter(
        x=[start[0], end[0]],
        y=[start[1], end[1]],
        mode="lines",
        line=dict(color=color, width=width),
        hoverinfo="skip",
        showlegend=False,
    )


def neuron_diagram(x: Tensor, w: Tensor, b: float, z: float, a: float, activation_symbol: str) -> go.Figure:
    """A neuron drawn with its live numbers: inputs → weighted edges → Σ (z) → f → output a.

    Edge colour is the weight's sign (blue +, orange −) and its width grows with |w|.

    Args:
        x: inputs, shape (n,).
        w: weights, shape (n,).
        b: bias.
        z: the weighted sum w·x + b.
        a: the output f(z).
        activation_symbol: short name of f shown in its node (e.g. ``"σ"``).
    """
    n = len(x)
    ys = [(n - 1) / 2 - i for i in range(n)]
    sum_pos, act_pos, out_pos, bias_pos = (2.4, 0.0), (3.8, 0.0), (5.2, 0.0), (1.2, -(n + 1) / 2 - 0.1)
    traces: list[go.Scatter] = []
    annotations = []
    for i, (wi, yi) in enumerate(zip(w.tolist(), ys, strict=True)):
        traces.append(_edge((0.0, yi), sum_pos, wi))
        annotations.append(
            dict(
                x=0.45 * sum_pos[0],
                y=0.55 * yi + 0.18,
                text=f"<b>w{SUBSCRIPTS[i + 1]} = {wi:+.2f}</b>",
                showarrow=False,
                font=dict(color=sign_color(wi), size=14),
                bgcolor="rgba(255,255,255,0.85)",
            )
        )
    traces.append(_edge(bias_pos, sum_pos, b))
    traces.append(_edge(sum_pos, act_pos, None))
    traces.append(_edge(act_pos, out_pos, None))
    for i, (xi, yi) in enumerate(zip(x.tolist(), ys, strict=True)):
        traces.append(_node(0.0, yi, f"{xi:.2f}", PALETTE[0], f"x{SUBSCRIPTS[i + 1]}", f"input x{i + 1} = {xi:.3f}"))
        annotations.append(
            dict(x=-0.75, y=yi, text=f"<b>x{SUBSCRIPTS[i + 1]}</b>", showarrow=False, font=dict(size=16))
        )
    traces.append(_node(*bias_pos, f"{b:+.2f}", sign_color(b), "bias", f"bias b = {b:.3f}"))
    annotations.append(dict(x=bias_pos[0] + 0.75, y=bias_pos[1], text="<b>bias b</b>", showarrow=False))
    traces.append(_node(*sum_pos, "Σ", "#1F2328", "weighted sum", f"z = w·x + b = {z:.3f}"))
    annotations.append(dict(x=sum_pos[0], y=0.55, text=f"<b>z = {z:.3f}</b>", showarrow=False, font=dict(size=15)))
    traces.append(_node(*act_pos, activation_symbol, PALETTE[2], "activation", f"a = f(z) = {a:.3f}"))
    annotations.append(dict(x=act_pos[0], y=0.55, text="f(z)", showarrow=False, font=dict(size=15)))
    traces.append(_node(*out_pos, f"{a:.3f}", HIGHLIGHT, "output", f"output a = {a:.3f}"))
    annotations.append(dict(x=out_pos[0], y=0.55, text="<b>output a</b>", showarrow=False, font=dict(size=15)))
    fig = go.Figure(traces)
    fig.update_layout(annotations=annotations)
    fig.update_xaxes(visible=False, range=[-1.1, 5.8])
    fig.update_yaxes(visible=False, range=[bias_pos[1] - 0.6, max(ys[0], 0.55) + 0.6])
    return styled(fig, title=f"The neuron: z = {z:.3f}, a = {a:.3f}", legend=False, height=340)


def _class_scatter(
    points: Tensor, labels: Tensor, names: Sequence[str] = ("class 0", "class 1"), size: int = 10
) -> list[go.Scatter]:
    return [
        go.Scatter(
            x=points[labels == cls, 0].tolist(),
            y=points[labels == cls, 1].tolist(),
            mode="markers",
            marker=dict(color=CLASS_COLORS[cls], size=size, line=dict(color="white", width=1.5)),
            name=names[cls],
            hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<extra>" + names[cls] + "</extra>",
        )
        for cls in (0, 1)
    ]


def _line_trace(w: Tensor, b: float, x1_range: tuple[float, float], name: str) -> list[go.Scatter]:
    line = decision_line(w, b, x1_range)
    if line is None:
        return []
    (x1a, x1b), (x2a, x2b) = line
    return [
        go.Scatter(
            x=[x1a, x1b],
            y=[x2a, x2b],
            mode="lines",
            line=dict(color="#1F2328", width=3, dash="dash"),
            name=name,
            hoverinfo="skip",
        )
    ]


def decision_plane(
    points: Tensor,
    labels: Tensor,
    w: Tensor,
    b: float,
    grid_x1: Tensor,
    grid_x2: Tensor,
    grid_output: Tensor | None,
    accuracy: float,
) -> go.Figure:
    """A one-neuron classifier on 2-D data: its output as a heatmap, its decision line z = 0, the points.

    Args:
        points: shape (m, 2); labels: shape (m,) in {0, 1}.
        w: the two weights acting on x₁, x₂, shape (2,); b: the (effective) bias.
        grid_x1, grid_x2: the heatmap's axes, shapes (g1,), (g2,).
        grid_output: the neuron's output a on the grid, shape (g2, g1) in [0, 1] (sigmoid), or None.
        accuracy: fraction of points on the right side, for the title.
    """
    x1_range = (float(grid_x1[0]), float(grid_x1[-1]))
    traces: list[go.BaseTraceType] = []
    if grid_output is not None:
        traces.append(
            go.Heatmap(
                x=grid_x1.tolist(),
                y=grid_x2.tolist(),
                z=grid_output.tolist(),
                zmin=0,
                zmax=1,
                colorscale=DIVERGING_SCALE,
                opacity=0.55,
                zsmooth="best",
                colorbar=dict(title=dict(text="P(class 1)"), thickness=12, len=0.8),
                hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>a = %{z:.3f}<extra></extra>",
                name="output a",
            )
        )
    traces += _class_scatter(points, labels) + _line_trace(w, b, x1_range, "decision line z = 0")
    fig = go.Figure(traces)
    fig.update_xaxes(range=list(x1_range))
    fig.update_yaxes(range=[float(grid_x2[0]), float(grid_x2[-1])], scaleanchor="x", scaleratio=1)
    styled(fig, title=f"The neuron as a classifier — accuracy {accuracy:.0%}", x_title="x₁", y_title="x₂", height=440)
    return legend_below(fig)


def perceptron_plane(
    inputs: Tensor, targets: Tensor, w: Tensor, b: float, gate: str, current: int | None = None
) -> go.Figure:
    """The perceptron on a logic gate: the four inputs by target, its regions ŷ = 0 / 1, its line.

    Args:
        inputs: shape (4, 2); targets: shape (4,) in {0, 1}.
        w: weights, shape (2,); b: bias.
        gate: the gate's name, for the title.
        current: index of the sample just shown (ringed), or None.
    """
    grid = torch.linspace(-0.5, 1.5, 81)
    x1, x2 = torch.meshgrid(grid, grid, indexing="xy")
    region = ((w[0] * x1 + w[1] * x2 + b) > 0).float()
    traces: list[go.BaseTraceType] = [
        go.Heatmap(
            x=grid.tolist(),
            y=grid.tolist(),
            z=region.tolist(),
            zmin=0,
            zmax=1,
            colorscale=[[0, "rgba(230,97,0,0.18)"], [1, "rgba(0,114,178,0.18)"]],
            showscale=False,
            hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>ŷ = %{z:.0f}<extra></extra>",
            name="prediction ŷ",
        )
    ]
    traces += _class_scatter(inputs, targets, ("target 0", "target 1"), size=18)
    traces += _line_trace(w, b, (-0.5, 1.5), "w·x + b = 0")
    if current is not None:
        traces.append(
            go.Scatter(
                x=[float(inputs[current, 0])],
                y=[float(inputs[current, 1])],
                mode="markers",
                marker=dict(size=24, color="rgba(0,0,0,0)", line=dict(color=HIGHLIGHT, width=3)),
                name="sample just shown",
                hoverinfo="skip",
            )
        )
    fig = go.Figure(traces)
    fig.update_xaxes(range=[-0.5, 1.5], dtick=0.5)
    fig.update_yaxes(range=[-0.5, 1.5], dtick=0.5, scaleanchor="x", scaleratio=1)
    styled(fig, title=f"Perceptron on {gate}", x_title="x₁", y_title="x₂", height=420)
    return legend_below(fig)


def perceptron_errors(errors: Sequence[int], samples_per_epoch: int, current: int, *, future: bool = True) -> go.Figure:
    """Misclassified samples after each single-sample update: the steps taken so far solid, the rest faint.

    Args:
        errors: error count after step 1, 2, ... of the whole run (length = number of steps).
        samples_per_epoch: steps per pass over the data (dotted lines between epochs, y axis top).
        current: the step shown in the plane (0 = initial weights).
        future: draw the steps still to come (faint); without them the chart keeps the run's outcome to itself.
    """
    steps = list(range(1, len(errors) + 1))
    shown = len(errors) if future else current
    fig = go.Figure(
        [
            go.Scatter(
                x=steps[:shown],
                y=list(errors[:shown]),
                mode="lines",
                line=dict(color="rgba(0,0,0,0.15)", shape="hv", width=2),
                name="still to come",
                hoverinfo="skip",
            ),
            go.Scatter(
                x=steps[:current],
                y=list(errors[:current]),
                mode="lines+markers",
                line=dict(color=PALETTE[0], shape="hv", width=3),
                marker=dict(size=5),
                name="so far",
                hovertemplate="step %{x}<br>%{y} misclassified<extra></extra>",
            ),
        ]
    )
    # vertical lines as plain shapes in one call: add_vline is slow, and this figure is redrawn on every rerun
    end = len(errors) if future else current + 2 * samples_per_epoch  # hidden future: a window that grows
    lines = [
        (boundary + 0.5, dict(color="rgba(0,0,0,0.10)", dash="dot"))
        for boundary in range(samples_per_epoch, end, samples_per_epoch)
    ]
    if current > 0:
        lines.append((current, dict(color=HIGHLIGHT, width=2)))
    fig.update_layout(shapes=[dict(type="line", x0=x, x1=x, y0=0, y1=1, yref="paper", line=line) for x, line in lines])
    fig.update_yaxes(range=[-0.2, samples_per_epoch + 0.2], dtick=1)
    fig.update_xaxes(range=[0.5, max(end, 1) + 0.5])
    return styled(
        fig,
        title="Errors after each update",
        x_title="update step (one sample each)",
        y_title=f"misclassified (of {samples_per_epoch})",
        height=420,
        legend=False,
    )
