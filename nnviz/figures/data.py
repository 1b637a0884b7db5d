"""Figures of datasets: 2-D points coloured by class, and a grid of example images."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
import torch

from nnviz.figures.style import CLASS_COLORS, HIGHLIGHT, PALETTE, figure, styled

ArrayLike = torch.Tensor | np.ndarray | Sequence


def class_color(label: int, n_classes: int) -> str:
    """The colour of class ``label``: :data:`CLASS_COLORS` for two classes, :data:`PALETTE` beyond."""
    colors = CLASS_COLORS if n_classes <= len(CLASS_COLORS) else PALETTE
    return colors[label % len(colors)]


def scatter_2d(
    x: ArrayLike,
    y: ArrayLike,
    *,
    title: str = "Data",
    class_names: Sequence[str] | None = None,
    x_title: str = "x₁",
    y_title: str = "x₂",
    extent: float | None = None,
    height: int = 420,
) -> go.Figure:
    """2-D points coloured by class, one trace per class, with equal scales on both axes.

    Args:
        x: ``(n, 2)`` points.
        y: ``(n,)`` integer class labels ``0 .. n_classes - 1``.
        title: chart title.
        class_names: legend names per class (default "class 0", "class 1", ...).
        x_title, y_title: axis titles (the two features).
        extent: fix both axes to [-extent, extent] (e.g. :data:`nnviz.toys.TOY_EXTENT`), so the view
            stays put while noise or seed change; by default the axes fit the points.
        height: figure height in pixels.
    """
    points, labels = np.asarray(x, dtype=float), np.asarray(y)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(f"scatter_2d needs points of shape (n, 2), got {points.shape}")
    if labels.shape != (len(points),):
        raise ValueError(f"scatter_2d needs {len(points)} labels, got an array of shape {labels.shape}")
    n_classes = int(labels.max()) + 1 if len(labels) else 0
    if class_names is None:
        class_names = [f"class {c}" for c in range(n_classes)]
    if len(class_names) < n_classes:
        raise ValueError(f"{len(class_names)} class names for labels up to {n_classes - 1}")
    fig = go.Figure(class_points(points, labels, class_names[:n_classes], x_title=x_title, y_title=y_title))
    if extent is not None:
        fig.update_xaxes(range=[-extent, extent])
        fig.update_yaxes(range=[-extent, extent])
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return styled(fig, title=title, x_title=x_title, y_title=y_title, height=height)


def class_points(
    points: np.ndarray,
    labels: np.ndarray,
    class_names: Sequence[str],
    *,
    split: str = "",
    rim: str = "white",
    x_title: str = "x₁",
    y_title: str = "x₂",
) -> list[dict]:
    """One marker trace per class (plain trace dicts, which ``go.Figure`` and ``add_traces`` take, and a live
    canvas reads without building plotly objects): the rows of ``points`` (n, 2) whose ``labels`` (n,) equal that
    class.

    Args:
        points: ``(n, 2)`` coordinates.
        labels: ``(n,)`` integer classes ``0 .. len(class_names) - 1``.
        class_names: a name per class, for the legend and the hover text.
        split: a split name ("train", "test") added to the names, when the figure shows several.
        rim: marker outline colour (the same points can be told apart by split this way).
        x_title, y_title: the coordinates' names in the hover text.
    """
    named = f", {split}" if split else ""
    return [
        dict(
            type="scatter",
            x=points[labels == c, 0],
            y=points[labels == c, 1],
            mode="markers",
            name=f"{name} ({split})" if split else name,
            marker=dict(color=class_color(c, len(class_names)), size=7, opacity=0.9, line=dict(color=rim, width=1)),
            hovertemplate=f"{name}{named}<br>{x_title} = %{{x:.2f}}<br>{y_title} = %{{y:.2f}}<extra></extra>",
        )
        for c, name in enumerate(class_names)
    ]


def image_grid(
    images: ArrayLike,
    labels: ArrayLike,
    n: int = 16,
    *,
    image_shape: tuple[int, int] | None = None,
    class_names: Sequence[str] | None = None,
    predictions: ArrayLike | None = None,
    columns: int = 8,
    title: str | None = None,
) -> go.Figure:
    """The first ``n`` images in a grid, each with its label underneath, as one greyscale heatmap.

    Args:
        images: ``(N, height, width)`` images, or ``(N, height*width)`` with ``image_shape`` given;
            pixel values in [0, 1] (1 = ink, drawn dark).
        labels: ``(N,)`` integer class labels.
        n: how many images to show (at most N).
        image_shape: ``(height, width)`` for flattened images.
        class_names: display names per class (default: the label number).
        predictions: optional ``(N,)`` predicted classes: a tile the network got wrong then reads
            "label → prediction" over two lines, in red (one it got right, its label as without them).
        columns: tiles per row.
        title: chart title (default "First n examples").
    """
    pixels = np.asarray(images, dtype=float)
    if pixels.ndim == 2 and image_shape is not None:
        pixels = pixels.reshape(len(pixels), *image_shape)
    if pixels.ndim != 3:
        raise ValueError(f"image_grid needs images (N, h, w) or (N, h*w) with image_shape, got {pixels.shape}")
    truth = np.asarray(labels)
    guess = None if predictions is None else np.asarray(predictions)
    if truth.shape != (len(pixels),) or (guess is not None and guess.shape != truth.shape):
        raise ValueError(f"image_grid needs one label (and prediction) per image, {len(pixels)} images")
    n = min(n, len(pixels))
    if n < 1 or columns < 1:
        raise ValueError("image_grid needs at least one image and one column")
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    height, width = pixels.shape[1:]
    gap_x, gap_y = max(1, width // 7), max(4, height // 2)  # room between tiles, and under them for two lines
    tile_w, tile_h = width + gap_x, height + gap_y
    mosaic = np.full((rows * tile_h, columns * tile_w), np.nan, dtype=np.float32)  # sent as binary: 4 bytes a pixel
    # Which example a pixel belongs to, for the hover (none on the gaps: hoverongaps=False). The gaps hold 0, not -1:
    # -1's bytes are base64's "/", which plotly's JSON escapes as "\u002f", and they made 108 kB of the 241 kB that
    # 12 MNIST tiles took to send.
    index = np.zeros(mosaic.shape, dtype=np.int16 if n < 2**15 else np.int32)
    annotations = []
    for i in range(n):
        top, left = (i // columns) * tile_h, (i % columns) * tile_w
        mosaic[top : top + height, left : left + width] = pixels[i]
        index[top : top + height, left : left + width] = i
        name = _class_name(int(truth[i]), class_names)
        text, color = name, "#1F2328"
        if guess is not None and guess[i] != truth[i]:  # two short lines: a long one ran into its neighbours'
            text, color = f"{name}<br>→ {_class_name(int(guess[i]), class_names)}", HIGHLIGHT
        annotations.append(
            dict(
                x=left + (width - 1) / 2,
                y=top + height + 0.5,  # just under the tile, the text hanging down into the gap
                text=text,
                showarrow=False,
                font=dict(size=13, color=color),
                yanchor="top",
            )
        )
    heatmap = dict(
        type="heatmap",
        z=mosaic,
        customdata=index,
        colorscale=[[0.0, "#FFFFFF"], [1.0, "#111111"]],
        zmin=0.0,
        zmax=1.0,
        showscale=False,
        hoverongaps=False,
        hovertemplate="example %{customdata}<br>pixel = %{z:.2f}<extra></extra>",
    )
    layout = dict(
        annotations=annotations,
        xaxis=dict(visible=False, constrain="domain"),
        yaxis=dict(visible=False, autorange="reversed", scaleanchor="x", scaleratio=1, constrain="domain"),
    )
    pixels_per_unit = 120 / tile_w  # about 120 px per tile across a wide page
    return figure(
        [heatmap],
        layout,
        title=title or f"First {n} examples",
        legend=False,
        height=round(rows * tile_h * pixels_per_unit) + 80,
    )


def _class_name(label: int, class_names: Sequence[str] | None) -> str:
    return class_names[label] if class_names is not None else str(label)
