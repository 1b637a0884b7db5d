"""Figures of the playground: the network drawn with every neuron's map, the large map of one neuron,
decision regions for any number of classes, the output of a regression, the hidden space, and a click
layer to add points.

Pure functions (arrays in, plotly's figure dict ``{"data": [...], "layout": {...}}`` out: what ``go.Figure``
and ``st.plotly_chart`` take), built to be redrawn several times a second: few traces (edges grouped by colour
and width, every neuron's thumbnail tiled into one heatmap, all classes' regions in one heatmap of bytes), numpy
arrays that plotly sends as binary, hover labels composed in the browser, and no plotly object on the way
(:func:`~nnviz.figures.style.figure_dict`; the tests validate every figure). The live canvas reads the dicts as
they are: built as ``go.Figure`` objects, the playground's two live figures cost the server about 10 ms more per
redraw, which at 10 redraws a second took ~30 % of the training rate (``benchmarks/app_training.py``). Measured
for a 2-8-8-2 network on 400 points: the network with 12 × 12 thumbnails builds in about 1 ms and sends 25 kB,
the decision regions on a 60 × 60 grid about 1 ms and 20 kB.

**Clicks.** ``st.plotly_chart(fig, on_select="rerun", selection_mode="points")`` returns the clicked
point of a *marker* trace only: plotly.js selects no heatmap cell and no line, so every clickable thing
here is a marker: each weight has an invisible marker on its edge (at :data:`EDGE_HOVER_AT` of the way
to its target), each bias a small square beside its neuron, each neuron a marker on its thumbnail; each
carries ``customdata = [kind, layer, i, j]`` (numbers: :attr:`nnviz.network_view.Pick.customdata`), which
:func:`picked` reads back; lines of an edge away from its marker are not clickable (plotly.js reports the
nearest marker within its hover distance, about 20 px). :func:`add_click_layer` covers a plane plot with a
grid of invisible markers so that a click anywhere returns a position (:func:`clicked_position`), snapped to
that grid.
Selectable traces keep their look when selected (plotly would fade every point but the clicked one).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from plotly.colors import hex_to_rgb, sample_colorscale

from nnviz.figures.data import ArrayLike, class_color, class_points
from nnviz.figures.network import EDGE_HOVER_AT, MAX_EDGE_WIDTH
from nnviz.figures.style import DIVERGING_SCALE, HIGHLIGHT, PALETTE, figure_dict
from nnviz.network_text import num
from nnviz.network_view import HiddenSpace, Pick

LAYER_GAP = 2.4
"""Horizontal distance between two layers' columns, in units of the vertical distance between neurons."""
THUMBNAIL = 0.72
"""Side of a neuron's thumbnail (the rest of the unit between neurons is the gap)."""
EDGE_LEVELS = 8
"""Edge |w| is drawn in this many steps of colour and width (so at most 2 × 9 line traces)."""
EDGE_FULL = 3.0
"""|w| at which an edge reaches full colour and :data:`MAX_EDGE_WIDTH`."""
BIAS_SIZE = 9
NODE_HOVER_SIZE = 22
CLICK_GRID = 41
"""Markers per side of :func:`add_click_layer`'s grid: about one per 10 px on a 420-px plot."""
TEST_RIM = "#1F2328"
MAX_DRAWN_NEURONS = 16
"""Tallest layer drawn (the playground's layers have up to 8 neurons; its inputs up to 7 features)."""


# --- the network ----------------------------------------------------------------------------------------------------


def _centre(layer: int, neuron: int) -> tuple[float, float]:
    """Where neuron ``neuron`` of ``layer`` sits: layers left to right, neurons top-aligned downwards (as in
    TensorFlow Playground, so every layer's thumbnails share rows)."""
    return layer * LAYER_GAP, -float(neuron)


def _layer_title(layer: int, n_layers: int, activations: Sequence[str]) -> str:
    if layer == 0:
        return "input"
    role = "output" if layer == n_layers else f"hidden {layer}"
    return f"{role}<br>{activations[layer - 1]}"  # two short lines: four columns' labels fit side by side


def _neuron_name(layer: int, neuron: int, n_layers: int, input_labels: Sequence[str]) -> str:
    if layer == 0:
        return f"input {input_labels[neuron]}"
    return f"{'output' if layer == n_layers else f'hidden {layer}'} neuron {neuron}"


def _edge_level(w: np.ndarray) -> np.ndarray:
    """|w| in ``0 .. EDGE_LEVELS`` steps (square-root scale, so small weights still show), saturating at EDGE_FULL."""
    return np.rint(EDGE_LEVELS * np.sqrt(np.minimum(np.abs(w) / EDGE_FULL, 1.0))).astype(int)


@functools.cache
def _edge_style(sign: int, level: int) -> tuple[str, float]:
    """Colour (sign colour, paler for small |w|) and width of an edge at ``level``."""
    share = level / EDGE_LEVELS
    color = sample_colorscale(DIVERGING_SCALE, [0.5 + sign * (0.15 + 0.35 * share)])[0]
    return color, 0.6 + (MAX_EDGE_WIDTH - 0.6) * share


_LEVELS = 254
"""A map's value in [-1, 1] is sent as one byte: code ``1 + round((v + 1) / 2 · 254)``; code 0 is the background."""
_MOSAIC_SCALE = [[0.0, "#FFFFFF"], *[[(1 + position * _LEVELS) / 255, color] for position, color in DIVERGING_SCALE]]


def _mosaic(maps: Sequence[np.ndarray], discretize: bool) -> dict:
    """Every neuron's map tiled at its place in the drawing as one heatmap of bricks, white between tiles.

    ``maps[l]`` is ``(units_l, r, r)`` (row = x₂ ascending); each tile is scaled by its own max |value| into
    [-1, 1] (its sign alone with ``discretize``), so every neuron shows its shape, and sent as bytes (a 1/254
    step of a tile's range is below what a thumbnail shows). It lies under the edges, which cross only the
    white columns between the layers.
    """
    r = maps[0].shape[-1]
    tallest = max(len(m) for m in maps)
    half = THUMBNAIL / 2
    columns = [_centre(layer, 0)[0] for layer in range(len(maps))]
    rows = [_centre(0, neuron)[1] for neuron in reversed(range(tallest))]  # ascending y: the bottom neuron first
    x_edges = np.concatenate([np.linspace(x - half, x + half, r + 1) for x in columns])
    y_edges = np.concatenate([np.linspace(y - half, y + half, r + 1) for y in rows])
    z = np.zeros((tallest * (r + 1) - 1, len(maps) * (r + 1) - 1), dtype=np.uint8)
    for layer, values in enumerate(maps):
        scale = np.abs(values).reshape(len(values), -1).max(axis=1)
        tiles = np.sign(values) if discretize else values / np.where(scale > 0, scale, 1.0)[:, None, None]
        codes = 1 + np.rint((np.clip(tiles, -1.0, 1.0) + 1) / 2 * _LEVELS).astype(np.uint8)
        for neuron, tile in enumerate(codes):
            top = (tallest - 1 - neuron) * (r + 1)
            z[top : top + r, layer * (r + 1) : layer * (r + 1) + r] = tile
    return dict(
        type="heatmap",
        x=x_edges.astype(np.float32),
        y=y_edges.astype(np.float32),
        z=z,
        zmin=0,
        zmax=255,
        colorscale=_MOSAIC_SCALE,
        showscale=False,
        hoverinfo="skip",
        name="neuron maps",
    )


def network_graph(
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
    input_labels: Sequence[str],
    activations: Sequence[str],
    *,
    maps: Sequence[ArrayLike] | None = None,
    selected: Pick | None = None,
    discretize: bool = False,
    title: str | None = None,
    height: int | None = None,
) -> dict:
    """The network as TensorFlow Playground draws it: a thumbnail of every neuron's map over the input plane,
    edges coloured by the sign of their weight and as thick as its magnitude, a small square per bias.

    Args:
        weights: ``weights[l-1]`` ``(n_l, n_(l-1))`` of Linear layer ``l`` (from
            :func:`nnviz.network_view.layer_parameters`).
        biases: ``biases[l-1]`` ``(n_l,)``.
        input_labels: the input features' names (``FeatureMap.labels``).
        activations: the activation of layers ``1 .. L``.
        maps: ``maps[l]`` ``(n_l, r, r)`` for layers ``0 .. L`` (``NeuronMaps.layers`` of a small grid, e.g.
            12 × 12); without them the neurons are plain squares.
        selected: a weight, bias or neuron to outline (e.g. the one being edited, or the one shown large).
        discretize: tiles show only the sign of each neuron's value.
        title, height: as for every figure (the height defaults to fit the tallest layer).

    Trace order: [neuron maps], edges (grouped), weight markers, bias markers, neuron markers, input labels.
    Hover shows every value; every marker carries a :class:`~nnviz.network_view.Pick` as ``customdata``.
    """
    weights = [np.asarray(w, dtype=np.float32) for w in weights]
    sizes = [weights[0].shape[1], *(w.shape[0] for w in weights)]
    n_layers = len(weights)
    if len(input_labels) != sizes[0] or len(activations) != n_layers or len(biases) != n_layers:
        raise ValueError(f"Need {sizes[0]} input labels and {n_layers} activations and bias vectors.")
    if max(sizes) > MAX_DRAWN_NEURONS:
        raise ValueError(f"The drawing shows layers of up to {MAX_DRAWN_NEURONS} neurons, not {max(sizes)}.")
    traces: list = []
    if maps is not None:
        arrays = [np.asarray(m, dtype=np.float32) for m in maps]
        if [len(m) for m in arrays] != sizes:
            raise ValueError(f"Maps of {[len(m) for m in arrays]} neurons for a {sizes} network.")
        traces.append(_mosaic(arrays, discretize))
    traces += _edge_lines(weights)
    traces += [
        _weight_markers(weights),
        _bias_markers([np.asarray(b, dtype=np.float32) for b in biases]),
        _neuron_markers(sizes, None if maps is None else arrays, input_labels),
        dict(
            type="scatter",
            x=[_centre(0, 0)[0] - THUMBNAIL / 2 - 0.12] * sizes[0],
            y=[_centre(0, j)[1] for j in range(sizes[0])],
            mode="text",
            text=list(input_labels),
            textposition="middle left",
            cliponaxis=False,  # a long label ("sin x₁") runs into the margin instead of being cut
            hoverinfo="skip",
            showlegend=False,
            name="input labels",
        ),
    ]
    half, tallest = THUMBNAIL / 2, max(sizes)
    layout = dict(
        xaxis=dict(
            range=[-half - 1.0, n_layers * LAYER_GAP + half + 0.15],
            tickvals=[_centre(layer, 0)[0] for layer in range(len(sizes))],
            ticktext=[_layer_title(layer, n_layers, activations) for layer in range(len(sizes))],
            showgrid=False,
            zeroline=False,
            fixedrange=True,
            constrain="domain",
        ),
        yaxis=dict(
            range=[-(tallest - 1) - half - 0.2, half + 0.2],
            visible=False,
            fixedrange=True,
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
        ),
        shapes=[] if selected is None else [_outline(selected)],
    )
    return figure_dict(traces, layout, title=title, height=height or 110 + 58 * tallest, legend=False)


def _edges(weights: Sequence[np.ndarray]) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """For each Linear layer: its number ``l``, every edge's target ``i`` and source ``j`` (flattened, row-major
    as ``W``), and the edge's ends ``(x0, y0)``, ``(x1, y1)`` at the right side of the source's thumbnail and the
    left side of the target's, as ``(2, m)`` arrays."""
    half = THUMBNAIL / 2
    for layer, w in enumerate(weights, start=1):
        i, j = (index.reshape(-1) for index in np.indices(w.shape))
        start = np.stack([np.full(len(i), _centre(layer - 1, 0)[0] + half), -j.astype(float)])
        end = np.stack([np.full(len(i), _centre(layer, 0)[0] - half), -i.astype(float)])
        yield layer, i, j, start, end


def _edge_lines(weights: Sequence[np.ndarray]) -> list[dict]:
    """Every edge as a line, one trace per (sign, |w| level), thinnest first; NaN between segments."""
    starts, ends, values = [], [], []
    for layer, _i, _j, start, end in _edges(weights):
        starts.append(start)
        ends.append(end)
        values.append(weights[layer - 1].reshape(-1))
    start, end, w = np.concatenate(starts, axis=1), np.concatenate(ends, axis=1), np.concatenate(values)
    sign, level = np.where(w >= 0, 1, -1), _edge_level(w)
    traces = []
    for lvl in np.unique(level):
        for s in (1, -1):
            chosen = (level == lvl) & (sign == s)
            if not chosen.any():
                continue
            color, width = _edge_style(s, int(lvl))
            gap = np.full(int(chosen.sum()), np.nan)
            xs, ys = (np.stack([start[k, chosen], end[k, chosen], gap], axis=1).reshape(-1) for k in (0, 1))
            traces.append(
                dict(
                    type="scatter",
                    x=xs.astype(np.float32),
                    y=ys.astype(np.float32),
                    mode="lines",
                    line=dict(color=color, width=width),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
    return traces


_EDIT = "<br><i>click to edit</i><extra></extra>"
_WEIGHT_HOVER = (
    "w<sup>(%{customdata[1]})</sup><sub>%{customdata[2]},%{customdata[3]}</sub> = %{text}"
    "<br>from neuron %{customdata[3]} of the layer before to neuron %{customdata[2]}" + _EDIT
)
_BIAS_HOVER = "b<sup>(%{customdata[1]})</sup><sub>%{customdata[2]}</sub> = %{text}" + _EDIT
"""Hover labels built in the browser from each marker's pick and value: per-point text would be most of the
figure (plotly's JSON spells every ``<`` and every non-ASCII character as a 6-byte escape)."""


def _weight_markers(weights: Sequence[np.ndarray]) -> dict:
    """An invisible marker on every edge, :data:`EDGE_HOVER_AT` of the way to its target: hover and click."""
    points, values, picks = [], [], []
    for layer, targets, sources, start, end in _edges(weights):
        points.append(start + EDGE_HOVER_AT * (end - start))
        picks += [
            list(Pick("weight", layer, i, j).customdata)
            for i, j in zip(targets.tolist(), sources.tolist(), strict=True)
        ]
        values += [num(value) for value in weights[layer - 1].reshape(-1).tolist()]
    return _markers(
        np.concatenate(points, axis=1),
        picks,
        size=10,
        color="rgba(0,0,0,0)",
        name="weights",
        text=values,
        hover=_WEIGHT_HOVER,
    )


def _bias_position(layer: int, neuron: int) -> tuple[float, float]:
    """Where the bias of a neuron sits: a small square just outside its thumbnail's lower left corner."""
    x, y = _centre(layer, neuron)
    return x - THUMBNAIL / 2 - 0.08, y - THUMBNAIL / 2 + 0.06


def _bias_markers(biases: Sequence[np.ndarray]) -> dict:
    """A small square per bias, coloured by its value (saturating at ±1): hover and click."""
    points, picks, values = [], [], []
    for layer, b in enumerate(biases, start=1):
        for i, value in enumerate(b.tolist()):
            points.append(_bias_position(layer, i))
            picks.append(list(Pick("bias", layer, i).customdata))
            values.append(value)
    return _markers(
        np.array(points, dtype=np.float32).T,
        picks,
        size=BIAS_SIZE,
        color=np.array(values, dtype=np.float32),
        name="biases",
        text=[num(value) for value in values],
        hover=_BIAS_HOVER,
        marker=dict(
            symbol="square", colorscale=DIVERGING_SCALE, cmin=-1.0, cmax=1.0, line=dict(color="#5F6368", width=1)
        ),
    )


def _neuron_markers(sizes: Sequence[int], maps: Sequence[np.ndarray] | None, input_labels: Sequence[str]) -> dict:
    """A marker on every neuron (invisible over its thumbnail, a plain square without one): hover and click."""
    n_layers = len(sizes) - 1
    points, text, picks = [], [], []
    for layer, n in enumerate(sizes):
        for i in range(n):
            points.append(_centre(layer, i))
            picks.append(list(Pick("neuron", layer, i).customdata))
            name = _neuron_name(layer, i, n_layers, input_labels)
            if maps is not None:
                name += f"<br>from {num(maps[layer][i].min())} to {num(maps[layer][i].max())} over the plane"
            text.append(name)
    plain = maps is None
    return _markers(
        np.array(points, dtype=np.float32).T,
        picks,
        size=NODE_HOVER_SIZE,
        color="white" if plain else "rgba(0,0,0,0)",
        name="neurons",
        text=text,
        hover="%{text}"
        + ("<br><i>click to pick it</i>" if plain else "<br><i>click to show it large</i>")
        + "<extra></extra>",
        marker=dict(symbol="square", line=dict(color="#5F6368", width=1.5 if plain else 0)),
    )


def _markers(
    xy: np.ndarray, picks: list[list[int]], *, size, color, name, text: list[str], hover: str, marker=None
) -> dict:
    """One clickable marker trace at ``xy`` ``(2, m)``: ``customdata`` picks, ``text`` and the ``hover`` template,
    unchanged look when selected. The picks go as plain lists: plotly.js hands a binary array's rows to events as
    typed arrays, which a JSON event turns into ``{"0": ..}`` objects."""
    return dict(
        type="scatter",
        x=xy[0].astype(np.float32),
        y=xy[1].astype(np.float32),
        mode="markers",
        marker=dict(size=size, color=color, **(marker or {})),
        customdata=picks,
        text=text,
        hovertemplate=hover,
        showlegend=False,
        name=name,
        **_UNCHANGED_WHEN_SELECTED,
    )


_UNCHANGED_WHEN_SELECTED = dict(selected=dict(marker=dict(opacity=1.0)), unselected=dict(marker=dict(opacity=1.0)))


def _outline(pick: Pick) -> dict:
    """A red shape marking the picked weight (its edge), bias or neuron (a frame around it)."""
    half = THUMBNAIL / 2
    if pick.kind == "weight":
        (x0, y0), (x1, y1) = _centre(pick.layer - 1, pick.j), _centre(pick.layer, pick.i)
        return dict(type="line", x0=x0 + half, y0=y0, x1=x1 - half, y1=y1, line=dict(color=HIGHLIGHT, width=4))
    if pick.kind == "bias":
        (x, y), half = _bias_position(pick.layer, pick.i), 0.09
    else:
        x, y = _centre(pick.layer, pick.i)
    pad = 0.05
    return dict(
        type="rect",
        x0=x - half - pad,
        y0=y - half - pad,
        x1=x + half + pad,
        y1=y + half + pad,
        line=dict(color=HIGHLIGHT, width=3),
    )


# --- the plane: one neuron, decision regions, regression output, points -------------------------------------------


def _plane(traces: list, gx: np.ndarray, gy: np.ndarray, *, title: str, height: int) -> dict:
    """A figure of the plane: ``traces`` on axes x₁, x₂ fitted to the grid, equal scales, no legend."""
    layout = dict(
        xaxis=dict(range=[float(gx.min()), float(gx.max())], constrain="domain", title=dict(text="x₁")),
        yaxis=dict(
            range=[float(gy.min()), float(gy.max())],
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            title=dict(text="x₂"),
        ),
    )
    return figure_dict(traces, layout, title=title, height=height, legend=False)


def _symmetric_scale(*arrays: ArrayLike | None) -> float:
    """The largest |value| of the arrays (at least 1e-12), for a diverging colour scale centred on 0."""
    values = [np.abs(np.asarray(a, dtype=float)).max(initial=0.0) for a in arrays if a is not None and len(a)]
    return max(max(values, default=0.0), 1e-12)


def _value_points(points: np.ndarray, values: np.ndarray, scale: float, split: str, rim: str) -> dict:
    """Points coloured by a real value on the diverging scale ``[-scale, scale]`` (regression targets)."""
    return dict(
        type="scatter",
        x=points[:, 0],
        y=points[:, 1],
        mode="markers",
        marker=dict(
            color=values, colorscale=DIVERGING_SCALE, cmin=-scale, cmax=scale, size=7, line=dict(color=rim, width=1)
        ),
        customdata=values,
        hovertemplate=f"{split}<br>x₁ = %{{x:.2f}}<br>x₂ = %{{y:.2f}}<br>y = %{{customdata:.3g}}<extra></extra>",
        showlegend=False,
        name=split,
        **_UNCHANGED_WHEN_SELECTED,
    )


def _data_traces(x_train, t_train, x_test, t_test, *, class_names: Sequence[str] | None, scale: float = 1.0) -> list:
    """Training points (white rim) and test points (dark rim), by class, or by value when ``class_names`` is None."""
    traces: list = []
    splits = [("train", x_train, t_train, "white")]
    if x_test is not None and t_test is not None and len(x_test):
        splits.append(("test", x_test, t_test, TEST_RIM))
    for split, x, t, rim in splits:
        points, targets = np.asarray(x, dtype=np.float32).reshape(-1, 2), np.asarray(t)
        if class_names is None:
            traces.append(_value_points(points, targets.astype(np.float32), scale, split, rim))
        else:
            traces += [
                trace | _UNCHANGED_WHEN_SELECTED
                for trace in class_points(points, targets, class_names, split=split, rim=rim)
            ]
    return traces


def neuron_map(
    gx: ArrayLike,
    gy: ArrayLike,
    values: ArrayLike,
    *,
    name: str,
    x_train: ArrayLike | None = None,
    t_train: ArrayLike | None = None,
    x_test: ArrayLike | None = None,
    t_test: ArrayLike | None = None,
    class_names: Sequence[str] | None = None,
    discretize: bool = False,
    title: str | None = None,
    height: int = 460,
) -> dict:
    """One neuron's value over the plane, large, on the same axes as the decision regions, with the data on top.

    Args:
        gx, gy: ``(r,)`` grid coordinates (``PlaneGrid.axis``); values: ``(r, r)``, row = gy.
        name: the neuron, for the title and the hover (e.g. "hidden 1 neuron 3").
        x_train, t_train, x_test, t_test: optional points ``(n, 2)`` with class labels (give ``class_names``)
            or regression targets.
        discretize: show only the sign of the value.
    """
    gx, gy, z = (np.asarray(a, dtype=np.float32) for a in (gx, gy, values))
    scale = _symmetric_scale(z)
    traces: list = [
        dict(
            type="heatmap",
            x=gx,
            y=gy,
            z=np.sign(z) if discretize else z,
            zmin=-1.0 if discretize else -scale,
            zmax=1.0 if discretize else scale,
            colorscale=DIVERGING_SCALE,
            opacity=0.75,
            showscale=not discretize,
            colorbar=dict(thickness=12, len=0.8),
            hovertemplate=f"x₁ = %{{x:.2f}}<br>x₂ = %{{y:.2f}}<br>{name} = %{{z:.3g}}<extra></extra>",
            name=name,
        )
    ]
    if x_train is not None and t_train is not None:
        traces += _data_traces(
            x_train, t_train, x_test, t_test, class_names=class_names, scale=_symmetric_scale(t_train)
        )
    return _plane(traces, gx, gy, title=title or f"{name} over the plane", height=height)


def class_regions(
    gx: ArrayLike,
    gy: ArrayLike,
    probabilities: ArrayLike,
    x_train: ArrayLike,
    y_train: ArrayLike,
    x_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    *,
    class_names: Sequence[str],
    discretize: bool = False,
    title: str = "Decision regions",
    height: int = 460,
) -> dict:
    """The predicted class over the plane for any number of classes: the class's colour, pale where the network
    hesitates (P of the winner near 1/K) and full where it is sure (P near 1); ``discretize`` drops the shading.

    One heatmap of bytes, whatever K: cell code ``c·Q + q`` for class ``c`` at confidence level ``q`` (``Q =
    256 // K`` levels, 32 or more), and a colour scale of K segments; hover gives the winner's probability in
    percent. No legend or colour bar: the page says what the colours mean.

    Args:
        gx, gy: ``(r,)`` grid coordinates; probabilities: ``(r, r, K)`` (row = gy), e.g.
            ``NeuronMaps.probabilities()``.
        x_train, y_train: ``(n, 2)`` points and ``(n,)`` labels; x_test, y_test likewise (optional, e.g. hidden).
        class_names: one per class (K of them, 2 to 8).
    """
    gx, gy, p = (np.asarray(a, dtype=np.float32) for a in (gx, gy, probabilities))
    n_classes = len(class_names)
    if p.ndim != 3 or p.shape[2] != n_classes or not 2 <= n_classes <= len(PALETTE):
        raise ValueError(f"Need probabilities (r, r, K) for 2 to {len(PALETTE)} classes, got {p.shape}.")
    levels = region_levels(n_classes)
    winner, confidence = p.argmax(axis=2), p.max(axis=2)
    sureness = np.ones_like(confidence) if discretize else (confidence - 1 / n_classes) / (1 - 1 / n_classes)
    codes = winner * levels + np.rint(np.clip(sureness, 0.0, 1.0) * (levels - 1)).astype(int)
    scale = []
    for c in range(n_classes):
        color = class_color(c, n_classes)
        scale += [[c * levels / 255, _tint(color, 0.15)], [(c * levels + levels - 1) / 255, color]]
    scale.append([1.0, scale[-1][1]])  # a colour scale runs from 0 to 1
    traces: list = [
        dict(
            type="heatmap",
            x=gx,
            y=gy,
            z=codes.astype(np.uint8),
            zmin=0,
            zmax=255,
            colorscale=scale,
            opacity=0.6,
            showscale=False,
            customdata=np.rint(confidence * 100).astype(np.uint8),
            hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>P(most likely class) = %{customdata} %<extra></extra>",
            name="decision regions",
        )
    ]
    traces += _data_traces(x_train, y_train, x_test, y_test, class_names=class_names)
    return _plane(traces, gx, gy, title=title, height=height)


def region_levels(n_classes: int) -> int:
    """Confidence levels per class in :func:`class_regions`' codes: a cell's class is ``code // region_levels(K)``."""
    return 256 // n_classes


def _tint(color: str, share: float) -> str:
    """``color`` (hex) mixed with white: ``share`` of the colour, the rest white."""
    red, green, blue = hex_to_rgb(color)
    return f"rgb({', '.join(str(round(255 - share * (255 - v))) for v in (red, green, blue))})"


def regression_map(
    gx: ArrayLike,
    gy: ArrayLike,
    output: ArrayLike,
    x_train: ArrayLike,
    t_train: ArrayLike,
    x_test: ArrayLike | None = None,
    t_test: ArrayLike | None = None,
    *,
    discretize: bool = False,
    title: str = "Network output",
    height: int = 460,
) -> dict:
    """A regression network's output over the plane (orange negative, white 0, blue positive) with the points,
    coloured by their targets on the same scale, so a good fit makes every point vanish into the background.

    The scale is ±max(1, |targets|) (the toys' targets lie in about [-1, 1]); the output saturates beyond it.
    ``discretize`` shows only the sign of the output.

    Args:
        gx, gy: ``(r,)`` grid coordinates; output: ``(r, r)`` (row = gy), e.g. ``NeuronMaps.layers[-1][0]``.
        x_train, t_train: ``(n, 2)`` points and ``(n,)`` targets; x_test, t_test likewise (optional).
    """
    gx, gy, z = (np.asarray(a, dtype=np.float32) for a in (gx, gy, output))
    scale = max(1.0, _symmetric_scale(t_train, t_test))
    traces: list = [
        dict(
            type="heatmap",
            x=gx,
            y=gy,
            z=np.sign(z) * scale if discretize else z,
            zmin=-scale,
            zmax=scale,
            colorscale=DIVERGING_SCALE,
            opacity=0.75,
            showscale=False,
            hovertemplate="x₁ = %{x:.2f}<br>x₂ = %{y:.2f}<br>output = %{z:.3g}<extra></extra>",
            name="output",
        )
    ]
    traces += _data_traces(x_train, t_train, x_test, t_test, class_names=None, scale=scale)
    return _plane(traces, gx, gy, title=title, height=height)


# --- hidden space -------------------------------------------------------------------------------------------------


def hidden_space_figure(
    space: HiddenSpace,
    targets: ArrayLike,
    *,
    class_names: Sequence[str] | None = None,
    axis_names: tuple[str, str] | None = None,
    title: str | None = None,
    height: int = 460,
) -> dict:
    """The data and the input plane's grid lines in two neurons' coordinates (ConvNetJS's "transformed space").

    Straight lines of the input plane come out bent: the layer has folded and stretched the plane; when the
    classes become separable by a straight line here, the next layers can finish the job.

    Args:
        space: from :func:`nnviz.network_view.hidden_space`.
        targets: ``(n,)`` each point's class label (give ``class_names``) or regression target.
        axis_names: the two neurons' names (default "neuron a", "neuron b" of the layer).
    """
    a, b = space.neurons
    x_name, y_name = axis_names or (f"layer {space.layer} neuron {a}", f"layer {space.layer} neuron {b}")
    traces: list = []
    for lines, color, name in (
        (space.lines[0], "rgba(95,99,104,0.45)", "x₁ = const"),
        (space.lines[1], "rgba(95,99,104,0.25)", "x₂ = const"),
    ):
        separated = np.concatenate([lines, np.full((len(lines), 1, 2), np.nan)], axis=1).reshape(-1, 2)
        traces.append(
            dict(
                type="scatter",
                x=separated[:, 0].astype(np.float32),
                y=separated[:, 1].astype(np.float32),
                mode="lines",
                line=dict(color=color, width=1),
                hoverinfo="skip",
                connectgaps=False,
                showlegend=False,
                name=name,
            )
        )
    t = np.asarray(targets)
    traces += _data_traces(space.points, t, None, None, class_names=class_names, scale=max(1.0, _symmetric_scale(t)))
    layout = dict(
        xaxis=dict(title=dict(text=x_name)), yaxis=dict(title=dict(text=y_name), scaleanchor="x", scaleratio=1)
    )
    return figure_dict(
        traces, layout, title=title or f"Hidden space of layer {space.layer}", height=height, legend=False
    )


# --- clicks -------------------------------------------------------------------------------------------------------


def add_click_layer(fig: dict, extent: float, resolution: int = CLICK_GRID) -> dict:
    """Cover the plane of figure dict ``fig`` (``[-extent, extent]²``) with a ``resolution × resolution`` grid of
    invisible markers, on top, so that a click anywhere selects one: :func:`clicked_position` then gives its
    (x₁, x₂). In place.

    The markers show no hover label (``hoverinfo="none"``: plotly still reports the click), so the data's own
    hover works as before.
    """
    if not 2 <= resolution <= 101:
        raise ValueError(f"A click grid has 2 to 101 markers a side, got {resolution}.")
    axis = np.linspace(-extent, extent, resolution, dtype=np.float32)
    x1, x2 = np.meshgrid(axis, axis)
    fig["data"].append(
        dict(
            type="scatter",
            x=x1.reshape(-1),
            y=x2.reshape(-1),
            mode="markers",
            marker=dict(size=6, color="rgba(0,0,0,0)"),
            hoverinfo="none",
            showlegend=False,
            name="click to add",
            selected=dict(marker=dict(opacity=0.0)),
            unselected=dict(marker=dict(opacity=0.0)),
        )
    )
    return fig


def _points(selection: Mapping | None) -> list[Mapping]:
    """The clicked points of a ``st.plotly_chart`` event (or of its ``selection``)."""
    if not selection:
        return []
    inner = selection.get("selection", selection)
    return list(inner.get("points", []) or [])


def clicked_position(selection: Mapping | None) -> tuple[float, float] | None:
    """(x₁, x₂) of the clicked point (a click-layer marker, or a data point), None when nothing was clicked."""
    for point in _points(selection):
        if isinstance(point.get("x"), int | float) and isinstance(point.get("y"), int | float):
            return float(point["x"]), float(point["y"])
    return None


def picked(selection: Mapping | None) -> Pick | None:
    """The weight, bias or neuron clicked in :func:`network_graph`, None when the click hit none of them."""
    for point in _points(selection):
        try:
            return Pick.from_customdata(point.get("customdata") or ())
        except (TypeError, ValueError):
            continue
    return None
