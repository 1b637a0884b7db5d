"""Figures of a training run: learning curves, gradient norms, decision regions, confusion matrix.

They read the columns of :class:`nnviz.training.History` (``history.frame("batch")`` /
``history.frame("epoch")``) and plain tensors, and draw the same thing before training (empty
traces, so that axes and legends are already in place) as after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale
from scipy.signal import lfilter

from nnviz.figures.data import ArrayLike, class_points
from nnviz.figures.style import CLASS_COLORS, PALETTE, figure, styled

MAX_POINTS = 600
"""Longest line drawn per trace (about one point per pixel of a half-width chart); longer per-batch series are
thinned evenly (the last point kept). Each point costs the browser on every live redraw."""
RAW_COLOR = "rgba(0,114,178,0.2)"  # PALETTE[0], faint: the noisy per-batch values under their smoothed line
METRICS = ("loss", "accuracy")


def ema(values: ArrayLike, weight: float = 0.9) -> np.ndarray:
    """Bias-corrected exponential moving average (as TensorBoard's smoothing):

    ``m_t = weight * m_{t-1} + (1 - weight) * v_t``, ``m_0 = 0``, shown as ``m_t / (1 - weight^t)``.
    ``weight = 0`` returns the values unchanged. Input and output are ``(n,)`` arrays.
    """
    if not 0.0 <= weight < 1.0:
        raise ValueError(f"The smoothing weight must be in [0, 1), got {weight}.")
    v = np.asarray(values, dtype=float)
    m = lfilter([1.0 - weight], [1.0, -weight], v)  # m_t = weight * m_{t-1} + (1 - weight) * v_t, in C
    return m / (1.0 - weight ** np.arange(1, len(v) + 1))


def thin(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Indices of at most ``max_points`` evenly spread rows out of ``n``, always including the last one."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.r_[np.linspace(0, n - 1, max_points).round().astype(int), n - 1])


Records = pd.DataFrame | Mapping[str, ArrayLike]
"""A history's records: ``History.frame(level)`` or ``HistoryView.columns(level)`` (one array per column)."""


def _column(frame: Records, name: str) -> np.ndarray:
    """``frame[name]`` as a float array (empty when the frame has no rows yet)."""
    return np.asarray(frame[name], dtype=float)


BEFORE_TRAINING = "Press ▶ Play<br>to start training"


def _hint_until_trained(batch: Records) -> dict:
    """Before the first step, the layout of an annotation saying in the empty plot area how to start, so that it
    does not read as broken; nothing afterwards."""
    if len(_column(batch, "step")):
        return {}
    hint = dict(text=BEFORE_TRAINING, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False)
    return dict(annotations=[hint | dict(font=dict(color="#6E7781"))])


def learning_curves(
    batch: Records,
    epoch: Records,
    batches_per_epoch: int,
    *,
    metric: str = "loss",
    loss_name: str = "loss",
    smoothing: float = 0.9,
    title: str | None = None,
    height: int = 360,
    legend: bool = True,
) -> go.Figure:
    """Training ``metric`` ("loss" or "accuracy") per batch (faint), smoothed, and per epoch for train and test.

    The x axis is in epochs: batch ``s`` (1-based step) sits at ``s / batches_per_epoch``, the epoch-``e``
    records at ``e``. Accuracy (0-1 in the history) is drawn in percent. ``loss_name`` labels the y axis;
    ``legend=False`` hides the legend (for a second chart beside one that has it).
    """
    if metric not in METRICS:
        raise ValueError(f"metric is 'loss' or 'accuracy', got {metric!r}.")
    scale = 100.0 if metric == "accuracy" else 1.0
    steps = _column(batch, "step")
    rows = thin(len(steps))
    x_batch = steps[rows] / batches_per_epoch
    values = _column(batch, metric) * scale
    traces = [
        dict(
            type="scatter",
            x=x_batch,
            y=values[rows],
            mode="lines",
            name="batch",
            showlegend=False,
            line=dict(color=RAW_COLOR, width=1),
            hovertemplate="epoch %{x:.2f}<br>batch " + metric + " %{y:.4g}<extra></extra>",
        ),
        dict(
            type="scatter",
            x=x_batch,
            y=ema(values, smoothing)[rows],
            mode="lines",
            name="batches (smoothed)",
            line=dict(color=PALETTE[0], width=2.5),
            hovertemplate="epoch %{x:.2f}<br>smoothed " + metric + " %{y:.4g}<extra></extra>",
        ),
    ]
    epochs = _column(epoch, "epoch")
    for name, column, color, symbol in (
        ("train (epoch)", metric, PALETTE[0], "circle"),
        ("test (epoch)", f"test_{metric}", PALETTE[1], "diamond"),
    ):
        traces.append(
            dict(
                type="scatter",
                x=epochs,
                y=_column(epoch, column) * scale,
                mode="lines+markers" if len(epochs) < 60 else "lines",
                name=name,
                line=dict(color=color, width=2, dash="dot" if column == metric else "solid"),
                marker=dict(color=color, size=8, symbol=symbol, line=dict(color="white", width=1)),
                hovertemplate=f"epoch %{{x}}<br>{name} " + metric + " %{y:.4g}<extra></extra>",
            )
        )
    y_axis = dict(range=[0, 101], ticksuffix=" %") if metric == "accuracy" else dict(rangemode="tozero")
    return figure(
        traces,
        dict(xaxis=dict(rangemode="tozero"), yaxis=y_axis) | _hint_until_trained(batch),
        title=title or ("Loss" if metric == "loss" else "Accuracy"),
        x_title="epoch",
        y_title=f"{loss_name} loss" if metric == "loss" else "accuracy",
        height=height,
        legend=legend,
    )


def gradient_norms(
    batch: Records,
    layer_names: Sequence[str],
    batches_per_epoch: int,
    *,
    smoothing: float = 0.6,
    title: str = "Gradient norm per layer",
    height: int = 360,
) -> go.Figure:
    """‖∂L/∂W‖₂ of each Linear layer's weight per batch (smoothed), on a log axis; x in epochs.

    Vanishing gradients show as the early layers' lines sinking far below the last layer's.
    """
    steps = _column(batch, "step")
    rows = thin(len(steps))
    x = steps[rows] / batches_per_epoch
    traces = [
        dict(
            type="scatter",
            x=x,
            y=ema(_column(batch, f"grad_norm/{name}"), smoothing)[rows],
            mode="lines",
            name=f"layer {i + 1} ({name})",
            line=dict(color=PALETTE[i % len(PALETTE)], width=2),
            hovertemplate=f"{name}<br>epoch %{{x:.2f}}<br>‖∂L/∂W‖ = %{{y:.3g}}<extra></extra>",
        )
        for i, name in enumerate(layer_names)
    ]
    ticks = log_ticks(np.concatenate([trace["y"] for trace in traces])) if traces else []
    return figure(
        traces,
        dict(
            xaxis=dict(rangemode="tozero"),
            yaxis=dict(type="log", tickvals=ticks, ticktext=[f"{tick:g}" for tick in ticks]),  # as the canvas writes
        )
        | _hint_until_trained(batch),
        title=title,
        x_title="epoch",
        y_title="‖∂L/∂W‖₂ (log scale)",
        height=height,
    )


def log_ticks(values: ArrayLike) -> list[float]:
    """Tick values 1, 2, 5 x 10^k spanning the positive finite ``values`` (a readable log axis); [] if none."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return []
    low, high = np.floor(np.log10(v.min())), np.ceil(np.log10(v.max()))
    ticks = [m * 10.0**k for k in np.arange(low, high + 1) for m in (1, 2, 5)]
    inside = [t for t in ticks if v.min() / 2 <= t <= v.max() * 2]
    return inside or ticks


def decision_boundary(
    gx: ArrayLike,
    gy: ArrayLike,
    p_class1: ArrayLike,
    x_train: ArrayLike,
    y_train: ArrayLike,
    x_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    *,
    class_names: Sequence[str] = ("class 0", "class 1"),
    title: str = "Decision regions",
    height: int = 460,
) -> go.Figure:
    """The model's P(class 1) over the plane as a heatmap (orange 0 -> white 0.5 -> blue 1), the 0.5
    boundary as a line, and the points on top: training points with a white rim, test points with a dark one.
    No legend or colour bar (the page says what the colours mean; hover gives the values): the plane gets the room.

    Args:
        gx: ``(nx,)`` grid x coordinates; gy: ``(ny,)`` grid y coordinates.
        p_class1: ``(ny, nx)`` probability of class 1 at ``(gx[j], gy[i])`` (row = y), e.g.
            ``Trainer.decision_grid()[2][..., 1]``.
        x_train, y_train: ``(n, 2)`` points and ``(n,)`` labels 0/1; x_test, y_test likewise (optional).
    """
    gx, gy, z = (np.asarray(a, dtype=float) for a in (gx, gy, p_class1))
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=gx,
            y=gy,
            z=z,
            zmin=0.0,
            zmax=1.0,
            colorscale=[[0.0, CLASS_COLORS[0]], [0.5, "#F7F7F7"], [1.0, CLASS_COLORS[1]]],
            opacity=0.55,
            showscale=False,
            hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>P = %{z:.2f}<extra></extra>",
            name="P(class 1)",
        )
    )
    if np.isfinite(z).any() and np.nanmin(z) < 0.5 < np.nanmax(z):
        fig.add_trace(
            go.Contour(
                x=gx,
                y=gy,
                z=z,
                contours=dict(start=0.5, end=0.5, size=1, coloring="none"),
                line=dict(color="#1F2328", width=2),
                showscale=False,
                showlegend=False,
                hoverinfo="skip",
                name="boundary",
            )
        )
    splits = [("train", x_train, y_train, "white")]
    if x_test is not None and y_test is not None and len(x_test):
        splits.append(("test", x_test, y_test, "#1F2328"))
    for split, x, y, rim in splits:
        fig.add_traces(class_points(np.asarray(x, dtype=float), np.asarray(y), class_names, split=split, rim=rim))
    fig.update_xaxes(range=[gx.min(), gx.max()], constrain="domain")
    fig.update_yaxes(range=[gy.min(), gy.max()], scaleanchor="x", scaleratio=1, constrain="domain")
    return styled(fig, title=title, x_title="x₁", y_title="x₂", height=height, legend=False)


def confusion_counts(y_true: ArrayLike, y_pred: ArrayLike, n_classes: int) -> np.ndarray:
    """``(n_classes, n_classes)`` int matrix: entry ``[i, j]`` counts samples of true class ``i`` predicted as ``j``."""
    truth, guess = np.asarray(y_true, dtype=np.int64).reshape(-1), np.asarray(y_pred, dtype=np.int64).reshape(-1)
    if truth.shape != guess.shape:
        raise ValueError(f"{len(truth)} true labels but {len(guess)} predictions.")
    return np.bincount(truth * n_classes + guess, minlength=n_classes * n_classes).reshape(n_classes, -1)


def confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    class_names: Sequence[str],
    *,
    title: str = "Confusion matrix",
    height: int = 420,
) -> go.Figure:
    """Counts of true class (rows, top to bottom) against predicted class (columns) as an annotated heatmap.

    The diagonal holds the correct predictions; hover gives the share of the true class's samples.
    """
    counts = confusion_counts(y_true, y_pred, len(class_names))
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)
    names = list(class_names)
    heatmap = dict(
        type="heatmap",
        x=names,
        y=names,
        z=share,
        zmin=0.0,
        zmax=1.0,
        text=counts,
        texttemplate="%{text}",
        customdata=counts,
        colorscale=get_colorscale("Blues"),  # plotly.js's own "Blues" runs the other way, from dark blue
        showscale=False,
        xgap=1,
        ygap=1,
        hovertemplate="true %{y}, predicted %{x}<br>%{customdata} samples (%{z:.0%} of the true class)<extra></extra>",
    )
    axes = dict(
        # every class named (dtick): with presenter mode's larger type plotly named every other row only
        yaxis=dict(autorange="reversed", type="category", dtick=1),
        xaxis=dict(type="category", dtick=1, tickangle=-90 if max(len(n) for n in names) > 3 else 0),
    )
    return figure(
        [heatmap], axes, title=title, x_title="predicted class", y_title="true class", height=height, legend=False
    )
