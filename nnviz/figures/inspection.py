"""Figures that look inside a trained image classifier: its input, activations, weights, mistakes, histograms.

Pure builders (arrays and :mod:`nnviz.inspection` results in, ``go.Figure`` out), styled like every
other nnviz figure. Images are ``(rows, cols)`` arrays in [0, 1] with 1 = ink, drawn dark on white
with row 0 at the top; signed numbers (weights, activations) use the diverging sign colours,
centred at 0.

The confusion matrix can be clicked in Streamlit: ``st.plotly_chart(fig, on_select="rerun",
selection_mode="points")`` returns no points for heatmap traces (streamlit/streamlit#8760, #15042:
plotly.js selects points of scatter-like traces only), so :func:`clickable_confusion_matrix` lays a
transparent square marker on every cell whose ``customdata`` is ``[true, predicted, count]``, and
:func:`clicked_cell` reads the cell back from the selection. Streamlit's chart id hashes the figure,
so a figure that differs in the rerun a click causes (new counts while training, the outline of the
chosen cell) loses that click's return value: read it in an ``on_select`` callback, which runs
before the rerun, and keep the cell in session state (checked in Chromium with Streamlit 1.67)::

    def remember_cell():
        cell = clicked_cell(st.session_state["confusion"].selection.points)
        if cell is not None:
            st.session_state.cell = cell

    fig = clickable_confusion_matrix(y_true, y_pred, names, selected=st.session_state.get("cell"))
    st.plotly_chart(fig, key="confusion", on_select=remember_cell, selection_mode="points", theme=None)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from nnviz.drawing import PreparedDrawing
from nnviz.figures.data import ArrayLike, image_grid
from nnviz.figures.style import DIVERGING_SCALE, HIGHLIGHT, NEUTRAL, PALETTE, POSITIVE, styled
from nnviz.figures.training import confusion_matrix
from nnviz.inspection import INACTIVE_KIND, HistogramRecorder, HistogramSeries, LayerActivations

INK_SCALE = [[0.0, "#FFFFFF"], [1.0, "#111111"]]
"""Pixels: 0 (no ink) white, 1 (full ink) near black, as :func:`nnviz.figures.data.image_grid` draws them."""
SHARE_SCALE = [[0.0, "#FFFFFF"], [0.35, "#9ECAE1"], [1.0, "#08306B"]]
"""Histogram shares: white where a bin is empty."""
CELL_FONT_SIZE = 14
"""Confusion-matrix counts, in px (readable on a 1280×720 projector)."""
MAX_TOP_K_IMAGES = 12
"""Most test images :func:`top_k_predictions` shows (two rows of six)."""
MAX_PANEL_SIDE = 112
"""Pictures of the drawing steps larger than this (px) are subsampled for display."""


# --- the drawing and what the network sees ----------------------------------------------------------------------


def input_image(image: ArrayLike, *, title: str = "What the network sees", height: int = 320) -> go.Figure:
    """The ``(rows, cols)`` input image, one cell per pixel, with each pixel's value on hover."""
    return _image_panels([(None, image)], title=title, height=height)


def drawing_steps(
    drawing: PreparedDrawing, *, title: str = "From your drawing to the input", height: int = 300
) -> go.Figure:
    """The preprocessing steps side by side: the ink cropped to its box, scaled, then the network's input."""
    rows, cols = drawing.image.shape
    if (rows, cols) == (8, 8):
        steps = ("cropped to the ink", "filling a 32×32 bitmap", "8×8: inked share of each 4×4 block")
    else:
        steps = ("cropped to the ink", "scaled: longer side 20 px", f"{rows}×{cols}, centred by mass")
    pictures = (drawing.cropped, drawing.scaled, drawing.image)
    return _image_panels(list(zip(steps, pictures, strict=True)), title=title, height=height)


def _image_panels(panels: Sequence[tuple[str | None, ArrayLike]], *, title: str, height: int) -> go.Figure:
    """One greyscale heatmap per ``(caption, image)`` side by side, each with square pixels."""
    captions = [caption for caption, _ in panels]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=captions if any(captions) else None)
    for col, (_, image) in enumerate(panels, start=1):
        pixels = _at_most(np.asarray(image, dtype=np.float32), MAX_PANEL_SIDE)
        fig.add_trace(
            go.Heatmap(
                z=pixels,
                zmin=0.0,
                zmax=1.0,
                colorscale=INK_SCALE,
                showscale=False,
                hovertemplate="row %{y}, column %{x}<br>ink = %{z:.2f}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        anchor = "x" if col == 1 else f"x{col}"
        fig.update_xaxes(visible=False, constrain="domain", row=1, col=col)
        fig.update_yaxes(visible=False, autorange="reversed", scaleanchor=anchor, constrain="domain", row=1, col=col)
    _outline_plot_areas(fig, len(panels))
    return styled(fig, title=title, height=height, legend=False)


def _at_most(image: np.ndarray, side: int) -> np.ndarray:
    """``image`` subsampled by a whole stride so that neither side exceeds ``side``."""
    stride = math.ceil(max(image.shape) / side)
    return image[::stride, ::stride]


def _outline_plot_areas(fig: go.Figure, n: int) -> None:
    """A thin frame around each of the ``n`` subplots, so white pixels at the edge still show where the image ends."""
    for i in range(1, n + 1):
        suffix = "" if i == 1 else str(i)
        fig.add_shape(
            type="rect",
            xref=f"x{suffix} domain",
            yref=f"y{suffix} domain",
            x0=0,
            x1=1,
            y0=0,
            y1=1,
            line=dict(color=NEUTRAL, width=1),
        )


# --- activations and weights ---------------------------------------------------------------------------------


def hidden_activations(
    layers: Sequence[LayerActivations],
    sample: int = 0,
    *,
    columns: int = 32,
    title: str = "Hidden layers",
    height: int | None = None,
) -> go.Figure:
    """Each layer's activations ``a`` for input ``sample``, one cell per unit, as ONE heatmap trace.

    A block of rows per layer (units left to right, ``columns`` a row) under a caption naming the
    layer and how many of its units are active (a ≠ 0). Colour: the sign colour of ``a / scale``,
    ``scale`` = 1 for sigmoid and tanh (their range, so saturation shows) and the layer's max|a|
    otherwise; hover gives each unit's number and ``a``.
    """
    if not layers:
        raise ValueError("hidden_activations needs at least one layer.")
    columns = min(columns, max(layer.a.shape[1] for layer in layers))
    z_rows, data_rows, captions = [], [], []
    for number, layer in enumerate(layers, start=1):
        a = layer.a[sample].detach().cpu().numpy().astype(np.float32)
        scale = _BOUNDED_RANGE.get(layer.activation) or float(np.abs(a).max()) or 1.0
        top = sum(len(block) for block in z_rows) + _CAPTION_ROWS
        captions.append(
            (top, f"layer {number} · {layer.name} · {layer.activation} · {np.count_nonzero(a)} of {len(a)} active")
        )
        values, units = _wrapped(a, columns)
        z_rows += [np.full((_CAPTION_ROWS, columns), np.nan, np.float32), values / scale]
        data_rows += [np.zeros((_CAPTION_ROWS, columns, 2), np.float32), np.stack([units, values], axis=2)]
    z = np.concatenate(z_rows)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            customdata=np.concatenate(data_rows),
            zmin=-1.0,
            zmax=1.0,
            colorscale=DIVERGING_SCALE,
            showscale=False,
            xgap=1,
            ygap=1,
            hoverongaps=False,
            hovertemplate="unit %{customdata[0]}<br>a = %{customdata[1]:.3f}<extra></extra>",
        )
    )
    for top, caption in captions:
        fig.add_annotation(
            x=-0.5, y=top - 0.9, text=caption, showarrow=False, xanchor="left", yanchor="bottom", font_size=13
        )
    fig.update_xaxes(visible=False, range=[-0.5, columns - 0.5], constrain="domain")
    fig.update_yaxes(visible=False, range=[len(z) - 0.5, -0.5], scaleanchor="x", constrain="domain")
    cell_px = _PLOT_WIDTH / columns
    return styled(fig, title=title, height=height or round(110 + len(z) * cell_px), legend=False)


_BOUNDED_RANGE = {"sigmoid": 1.0, "tanh": 1.0}
_CAPTION_ROWS = 2  # empty heatmap rows above each layer's block, where its caption goes
_PLOT_WIDTH = 800  # px: the plot area's width assumed when choosing a height (a wide Streamlit column)


def _wrapped(values: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """``values`` (n,) in rows of ``columns`` (NaN-padded), and each cell's unit number (1-based; 0 = padding)."""
    rows = math.ceil(len(values) / columns)
    grid = np.full(rows * columns, np.nan, dtype=np.float32)
    grid[: len(values)] = values
    units = np.zeros(rows * columns, dtype=np.float32)
    units[: len(values)] = np.arange(1, len(values) + 1)
    return grid.reshape(rows, columns), units.reshape(rows, columns)


def weight_mosaic(
    weights: ArrayLike,
    *,
    columns: int | None = None,
    title: str = "First-layer weights: the pattern each hidden unit looks for",
    height: int | None = None,
) -> go.Figure:
    """One small image per hidden unit, ``weights`` ``(units, rows, cols)``, as ONE heatmap trace.

    Tiles run left to right, top to bottom (unit 1 first), one pixel of gap between them; the colour
    scale is diverging and symmetric, ±max|w|: blue where a pixel's ink raises the unit's input,
    orange where it lowers it, white for 0. ``columns`` defaults to about twice as wide as tall.
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 3 or len(w) == 0:
        raise ValueError(f"weight_mosaic needs weights (units, rows, cols), got shape {w.shape}.")
    units, rows, cols = w.shape
    columns = columns or min(units, math.ceil(math.sqrt(2 * units)))
    tile_rows = math.ceil(units / columns)
    mosaic = np.full((tile_rows * (rows + 1) - 1, columns * (cols + 1) - 1), np.nan, dtype=np.float32)
    unit_of = np.zeros(mosaic.shape, dtype=np.uint8 if units < 256 else np.uint16)  # 1-based; 0 in the gaps
    for i in range(units):
        top, left = (i // columns) * (rows + 1), (i % columns) * (cols + 1)
        mosaic[top : top + rows, left : left + cols] = w[i]
        unit_of[top : top + rows, left : left + cols] = i + 1
    limit = float(np.abs(w).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=mosaic,
            customdata=unit_of,
            zmin=-limit,
            zmax=limit,
            colorscale=DIVERGING_SCALE,
            colorbar=dict(title=dict(text="w", side="right"), thickness=12, len=0.8),
            hoverongaps=False,
            hovertemplate="unit %{customdata}<br>w = %{z:.3f}<extra></extra>",
        )
    )
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x", constrain="domain")
    return styled(fig, title=title, height=height or round(110 + _PLOT_WIDTH * tile_rows / columns), legend=False)


# --- predictions and mistakes --------------------------------------------------------------------------------


def mistake_gallery(
    images: ArrayLike,
    true: ArrayLike,
    predicted: ArrayLike,
    confidence: ArrayLike,
    class_names: Sequence[str],
    *,
    columns: int = 8,
    title: str = "Misclassified test images",
) -> go.Figure:
    """Images ``(n, rows, cols)`` captioned "true → predicted (confidence)" in red, one heatmap for all.

    ``true``, ``predicted`` are ``(n,)`` classes, ``confidence`` ``(n,)`` the probability of the
    prediction. No images gives a figure that says so.
    """
    sure = np.asarray(confidence, dtype=float)
    if len(sure) == 0:
        fig = go.Figure()
        fig.add_annotation(text="No mistakes to show", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False)
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
        return styled(fig, title=title, height=200, legend=False)
    fig = image_grid(
        images, true, len(sure), class_names=class_names, predictions=predicted, columns=columns, title=title
    )
    for caption, p in zip(fig.layout.annotations, sure, strict=True):
        caption.text = f"{caption.text} ({p:.0%})"
    return fig


def top_k_predictions(
    images: ArrayLike,
    probabilities: ArrayLike,
    true: ArrayLike,
    class_names: Sequence[str],
    *,
    k: int = 3,
    columns: int = 6,
    title: str = "Test images and the network's top 3 guesses",
) -> go.Figure:
    """Each image ``(n, rows, cols)`` above its ``k`` most probable classes as horizontal bars.

    ``probabilities`` ``(n, n_classes)``, ``true`` ``(n,)``; at most :data:`MAX_TOP_K_IMAGES` images.
    The true class's bar is blue; a wrong top guess is red; other guesses grey.
    """
    pixels, proba, truth = np.asarray(images, dtype=np.float32), np.asarray(probabilities), np.asarray(true)
    n = len(pixels)
    if not 1 <= n <= MAX_TOP_K_IMAGES or proba.shape[0] != n or truth.shape != (n,):
        raise ValueError(
            f"top_k_predictions shows 1 to {MAX_TOP_K_IMAGES} images with one probability row and label each."
        )
    k = min(k, proba.shape[1])
    columns = min(columns, n)
    grid_rows = math.ceil(n / columns)
    fig = make_subplots(
        rows=2 * grid_rows,
        cols=columns,
        row_heights=[0.6, 0.4] * grid_rows,
        vertical_spacing=0.12 / grid_rows,
        horizontal_spacing=0.06,
        subplot_titles=[  # row-major over all subplots: a row of images (titled), then their bars (untitled)
            f"true: {class_names[int(truth[i])]}" if image_row and i < n else ""
            for r in range(grid_rows)
            for image_row in (True, False)
            for i in range(r * columns, (r + 1) * columns)
        ],
    )
    for i in range(n):
        row, col = 2 * (i // columns) + 1, i % columns + 1
        fig.add_trace(
            go.Heatmap(
                z=pixels[i],
                zmin=0.0,
                zmax=1.0,
                colorscale=INK_SCALE,
                showscale=False,
                hoverinfo="skip",
            ),
            row=row,
            col=col,
        )
        fig.update_xaxes(visible=False, constrain="domain", row=row, col=col)
        fig.update_yaxes(visible=False, autorange="reversed", constrain="domain", row=row, col=col)
        order = np.argsort(-proba[i], kind="stable")[:k]
        colors = [POSITIVE if c == truth[i] else (HIGHLIGHT if rank == 0 else NEUTRAL) for rank, c in enumerate(order)]
        fig.add_trace(
            go.Bar(
                x=proba[i][order],
                y=[class_names[c] for c in order],
                orientation="h",
                marker_color=colors,
                text=[f"{p:.0%}" for p in proba[i][order]],
                textposition="outside",
                cliponaxis=False,
                textfont=dict(size=12),
                hovertemplate="%{y}: p = %{x:.3f}<extra></extra>",
            ),
            row=row + 1,
            col=col,
        )
        fig.update_xaxes(range=[0, 1.35], visible=False, row=row + 1, col=col)
        fig.update_yaxes(autorange="reversed", type="category", tickfont=dict(size=12), row=row + 1, col=col)
    return styled(fig, title=title, height=110 + 220 * grid_rows, legend=False)


def clickable_confusion_matrix(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    class_names: Sequence[str],
    *,
    selected: tuple[int, int] | None = None,
    title: str = "Confusion matrix: click a cell to see its images",
    height: int = 480,
) -> go.Figure:
    """:func:`nnviz.figures.training.confusion_matrix` with readable counts and cells that can be clicked.

    A transparent square marker sits on every cell (trace 1, ``customdata = [true, predicted,
    count]``); a click selects it (see the module docstring for the Streamlit side). ``selected`` =
    (true, predicted) outlines that cell and marks it selected, so the choice stays visible after
    the page reruns. Zoom and pan are off.
    """
    fig = confusion_matrix(y_true, y_pred, class_names, title=title, height=height)
    heatmap = fig.data[0]
    heatmap.textfont = dict(size=CELL_FONT_SIZE)
    heatmap.hoverinfo, heatmap.hovertemplate = "skip", None  # the overlay carries the hover text
    counts, share = np.asarray(heatmap.customdata), np.asarray(heatmap.z)
    k = len(class_names)
    true_index, pred_index = np.divmod(np.arange(k * k), k)
    cell_px = (height - 150) / k  # the plot area's height over the rows
    fig.add_trace(
        go.Scatter(
            x=[class_names[j] for j in pred_index],
            y=[class_names[i] for i in true_index],
            # plain lists, not a numpy array: plotly would send that as a typed array, and a clicked point's
            # typed-array customdata reaches Python as {"0": ..., "1": ...} instead of a list
            customdata=np.stack([true_index, pred_index, counts.reshape(-1)], axis=1).tolist(),
            text=[f"{s:.0%}" for s in share.reshape(-1)],
            mode="markers",
            marker=dict(symbol="square", size=min(60.0, max(8.0, 0.9 * cell_px)), color="rgba(0,0,0,0)"),
            selected=dict(marker=dict(color="rgba(214,39,40,0.25)")),
            name="cells",
            showlegend=False,
            hovertemplate="true %{y}, predicted %{x}<br>%{customdata[2]} samples (%{text} of the true class)"
            "<br>click to see them<extra></extra>",
        )
    )
    if selected is not None:
        i, j = selected
        fig.add_shape(type="rect", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5, y1=i + 0.5, line=dict(color=HIGHLIGHT, width=3))
        fig.data[1].selectedpoints = [i * k + j]
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return fig


def clicked_cell(points: Sequence[Mapping]) -> tuple[int, int] | None:
    """``(true, predicted)`` of the cell clicked in a :func:`clickable_confusion_matrix`, or ``None``.

    ``points`` is Streamlit's ``event.selection.points`` (or ``event["selection"]["points"]``).
    """
    for point in points:
        cell = point.get("customdata")
        if isinstance(cell, list | tuple) and len(cell) >= 2:
            return int(cell[0]), int(cell[1])
    return None


# --- histograms over training (TensorBoard's histogram view) ---------------------------------------------------


def histogram_heatmap(series: HistogramSeries, *, title: str, value_title: str, height: int = 300) -> go.Figure:
    """Optimizer step (x) against value (y), coloured by the share of values in each bin at that step.

    Colour ∝ √share, so thin tails stay visible; hover gives the share itself.
    """
    fig = go.Figure()
    _add_histogram(fig, series)
    _hint_until_recorded(fig, len(series.steps))
    return styled(fig, title=title, x_title="optimizer step", y_title=value_title, height=height, legend=False)


def training_histograms(
    recorder: HistogramRecorder,
    kinds: Sequence[str] = ("weight", "gradient"),
    *,
    title: str = "Weights and gradients over training",
) -> go.Figure:
    """A grid of :func:`histogram_heatmap` panels: one row per Linear layer, one column per kind."""
    names = recorder.layer_names
    fig = make_subplots(
        rows=len(names),
        cols=len(kinds),
        shared_xaxes=True,
        subplot_titles=[f"{name} · {_KIND_TITLES[kind]}" for name in names for kind in kinds],
        vertical_spacing=0.25 / len(names),
        horizontal_spacing=0.1,
    )
    for row, name in enumerate(names, start=1):
        for col, kind in enumerate(kinds, start=1):
            series = recorder.series(kind, name)
            _add_histogram(fig, series, row=row, col=col)
    fig.update_xaxes(title_text="optimizer step", row=len(names))
    _hint_until_recorded(fig, len(recorder.steps))
    return styled(fig, title=title, height=90 + 190 * len(names), legend=False)


_KIND_TITLES = {"weight": "weights W", "gradient": "gradients ∂L/∂W (probe batch)", "activation": "activations a"}


def _add_histogram(fig: go.Figure, series: HistogramSeries, row: int | None = None, col: int | None = None) -> None:
    centres = (series.edges[:-1] + series.edges[1:]) / 2
    shares = series.shares.T  # (bins, T): values up, steps across
    fig.add_trace(
        go.Heatmap(
            x=series.steps,
            y=centres,
            z=np.sqrt(shares),
            customdata=shares,
            zmin=0.0,
            colorscale=SHARE_SCALE,
            showscale=False,
            hovertemplate="step %{x}<br>value ≈ %{y:.3g}<br>%{customdata:.1%} of the values<extra></extra>",
        ),
        row=row,
        col=col,
    )


NOT_RECORDED = "Train to record snapshots"


def _hint_until_recorded(fig: go.Figure, n_snapshots: int) -> None:
    """Before the first snapshot, say in the empty plot how to fill it, so it does not read as broken."""
    if n_snapshots == 0:
        fig.add_annotation(text=NOT_RECORDED, xref="paper", yref="paper", x=0.5, y=0.5, showarrow=False)


def inactive_units(recorder: HistogramRecorder, *, title: str = "Dead ReLUs and saturated units") -> go.Figure:
    """Per hidden layer over training: the share of dead ReLU units, or of saturated sigmoid / tanh values (%)."""
    fig = go.Figure()
    for i, (name, shares) in enumerate(recorder.inactive.items()):
        activation = recorder.activation_names[recorder.layer_names.index(name)]
        fig.add_trace(
            go.Scatter(
                x=recorder.steps,
                y=100 * np.asarray(shares, dtype=float),
                mode="lines+markers" if len(shares) < 40 else "lines",
                name=f"{name} ({activation}): {INACTIVE_KIND[activation]}",
                line=dict(color=PALETTE[i % len(PALETTE)], width=2),
                hovertemplate=f"{name}<br>step %{{x}}<br>%{{y:.1f}} % {INACTIVE_KIND[activation]}<extra></extra>",
            )
        )
    fig.update_yaxes(range=[0, 101], ticksuffix=" %")
    _hint_until_recorded(fig, len(recorder.steps))
    return styled(fig, title=title, x_title="optimizer step", y_title="share of the layer", height=320)


__all__ = [
    "clickable_confusion_matrix",
    "clicked_cell",
    "drawing_steps",
    "hidden_activations",
    "histogram_heatmap",
    "inactive_units",
    "input_image",
    "mistake_gallery",
    "top_k_predictions",
    "training_histograms",
    "weight_mosaic",
]
