"""A plotly figure as a scene for an HTML canvas: how a live area redraws several times a second.

Chromium re-renders a plotly figure in tens of milliseconds, more on a busy laptop: the playground's network and
decision regions, redrawn by plotly 2.5 times a second, kept the browser's main thread 77 % busy
(``benchmarks/playground_updates.py``). A canvas paints the same picture in a few milliseconds. :func:`scene`
turns a figure into plain drawing instructions (JSON: numbers, strings, PNG images as base64) that
``ui/canvas.js`` paints; the figure stays the one description of the picture, so the live canvas and the
interactive plotly chart shown when the run stops are the same drawing.

Only what the live figures use is converted, and anything else raises ValueError (a figure never loses a part
silently): heatmaps (colour scale, opacity, cell centres or edges, gaps between cells of unequal size), scatter
traces of lines (NaN between segments), markers (circle or square, one colour, a colour array on a colour scale,
an outline) and text; line and rectangle shapes; the title, margins, axis ranges, ticks and titles, equal axis
scales (``scaleanchor``) and a heatmap's colour bar. Markers keep what hover and click need: the hover template
(filled in by the browser from ``x``, ``y``, ``text`` and ``customdata``) and ``customdata``, which a click
sends back in plotly's selection format (``{"points": [{"curve_number", "point_index", "x", "y",
"customdata"}]}``), so the callbacks of ``st.plotly_chart(on_select=...)`` read it unchanged.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import get_colorscale, hex_to_rgb, unlabel_rgb

from nnviz.figures.style import BASE_FONT_SIZE, FONT_FAMILY, TEMPLATE, TITLE_PAD

LUT_SIZE = 256
"""Colours of a colour scale's lookup table (a heatmap or a marker array is coloured from it)."""
SCATTER_MODES = {"markers", "lines", "text"}
_KEYS = {  # what each trace type may set: anything else would be lost on the canvas
    "heatmap": {"type", "x", "y", "z", "zmin", "zmax", "colorscale", "opacity", "showscale", "colorbar"}
    | {"hoverinfo", "hovertemplate", "customdata", "name"},
    "scatter": {"type", "x", "y", "mode", "marker", "line", "text", "textposition", "textfont", "customdata"}
    | {"hoverinfo", "hovertemplate", "showlegend", "name", "selected", "unselected", "cliponaxis"},
}
_THEME = TEMPLATE.layout.to_plotly_json()
"""The theme's layout as plain dicts: what a figure leaves unset (a template's properties are slow to read)."""


def scene(fig: go.Figure | Mapping, *, scale: float = 1.0) -> dict[str, Any]:
    """The drawing instructions of ``fig`` (see the module docstring), in trace order, shapes on top.

    ``fig`` is a ``go.Figure`` or plotly's figure dict ``{"data": [...], "layout": {...}}``, read as it is (a
    live page builds its figures as dicts: building the plotly objects cost more than the rest of a redraw).
    ``scale`` enlarges the drawing as :func:`nnviz.figures.style.presenter` enlarges a plotly figure for a
    lecture hall (fonts, the room for the title, line widths, marker and text sizes), without a figure to scale.

    Returns a JSON-ready dict: ``height`` (px), ``margin`` ``[l, r, t, b]`` (px), ``font`` and ``title``,
    ``xaxis`` / ``yaxis`` (``range``, ``ticks`` ``[[value, label], ...]``, ``title``, ``visible``, ``grid``,
    ``zeroline``), ``equal`` (one data unit is as long on both axes), ``items`` and ``shapes``.
    """
    if isinstance(fig, Mapping):
        layout, traces = fig.get("layout", {}), fig.get("data", ())
    else:  # plain dicts of what was set, numpy arrays kept (the figure's own to_plotly_json encodes them)
        layout, traces = fig.layout.to_plotly_json(), [trace.to_plotly_json() for trace in fig.data]
    items = [_item(index, trace, scale) for index, trace in enumerate(traces)]
    title, margin = layout.get("title", {}), dict(layout.get("margin", {}))
    pad = title.get("pad", {}).get("t", TITLE_PAD)
    if scale != 1.0 and title.get("text"):  # room for the larger title, as presenter() makes it
        pad = round(pad * scale * 2)
        if "t" in margin:
            margin["t"] = round(margin["t"] * scale)
    return dict(
        height=int(layout.get("height", 420)),
        margin=[int(margin.get(side, _THEME["margin"][side])) for side in "lrtb"],
        font=dict(
            family=FONT_FAMILY,
            size=_scaled(layout.get("font", {}).get("size", BASE_FONT_SIZE), scale),
            color=_THEME["font"]["color"],
        ),
        title=dict(
            text=title.get("text", ""),
            size=_scaled(title.get("font", {}).get("size", _THEME["title"]["font"]["size"]), scale),
            pad=[pad, _THEME["title"]["pad"]["l"]],
        ),
        xaxis=_axis(layout.get("xaxis", {})),
        yaxis=_axis(layout.get("yaxis", {})),
        equal=layout.get("yaxis", {}).get("scaleanchor") == "x",
        items=items,
        shapes=[_shape(shape) for shape in layout.get("shapes", ())],
    )


def _scaled(size: float, scale: float) -> float:
    """A font size for ``scale``: whole pixels once scaled, as presenter() rounds them."""
    return size if scale == 1.0 else round(size * scale)


# --- axes ---------------------------------------------------------------------------------------------------------


def _axis(axis: dict) -> dict[str, Any]:
    """An axis: its range, its own ticks (None: the browser places them as plotly would, by the axis's length in
    pixels), its title and what is drawn of it."""
    if "range" not in axis:
        raise ValueError("A canvas figure needs every axis range.")
    tickvals = axis.get("tickvals")
    ticks = None
    if tickvals is not None:
        labels = axis.get("ticktext") or [f"{v:g}".replace("-", "−") for v in tickvals]
        ticks = [[float(v), str(label)] for v, label in zip(tickvals, labels, strict=True)]
    return dict(
        range=[float(v) for v in axis["range"]],
        ticks=ticks,
        title=axis.get("title", {}).get("text", ""),
        visible=axis.get("visible", True) is not False,
        grid=axis.get("showgrid", True) is not False and tickvals is None,
        zeroline=axis.get("zeroline", True) is not False,
    )


# --- traces -------------------------------------------------------------------------------------------------------


def _item(index: int, trace: Mapping, scale: float) -> dict[str, Any]:
    kind = trace.get("type", "scatter")
    if kind not in _KEYS:
        raise ValueError(f"A canvas figure draws heatmaps and scatter traces, not {kind!r}.")
    unknown = set(trace) - _KEYS[kind]
    if unknown:
        raise ValueError(f"A canvas figure does not draw a {kind}'s {sorted(unknown)}.")
    return _image(trace) if kind == "heatmap" else _scatter(index, trace, scale)


def _image(trace: Mapping) -> dict[str, Any]:
    """A heatmap as an RGBA PNG (top row = the largest y) over its cell edges, which may be unequal."""
    z = np.asarray(trace["z"], dtype=np.float64)
    low = float(trace.get("zmin", np.nanmin(z)))
    high = float(trace.get("zmax", np.nanmax(z)))
    scale = _scale_of(trace.get("colorscale"))
    rgba = np.zeros((*z.shape, 4), dtype=np.uint8)
    rgba[..., :3] = _colors(z, scale, low, high)
    rgba[..., 3] = np.where(np.isnan(z), 0, 255)
    x_edges, y_edges = _edges(trace.get("x"), z.shape[1]), _edges(trace.get("y"), z.shape[0])
    if y_edges[-1] < y_edges[0]:
        y_edges, rgba = y_edges[::-1], rgba[::-1]
    if x_edges[-1] < x_edges[0]:
        x_edges, rgba = x_edges[::-1], rgba[:, ::-1]
    return dict(
        kind="image",
        png=png_base64(rgba[::-1]),
        x=[float(v) for v in x_edges],
        y=[float(v) for v in y_edges],
        opacity=float(trace.get("opacity", 1.0)),
        colorbar=_colorbar(scale, low, high) if trace.get("showscale", True) else None,
    )


def _colorbar(scale: tuple[tuple[float, str], ...], low: float, high: float) -> dict[str, Any]:
    """A heatmap's colour bar: its colours at 11 evenly spaced stops (``[share, "#rrggbb"]``) and its range."""
    shares = np.linspace(0.0, 1.0, 11)
    colors = _hex(_colors(shares, scale, 0.0, 1.0))
    return dict(stops=[[float(at), color] for at, color in zip(shares, colors, strict=True)], range=[low, high])


def _edges(coordinates, n: int) -> np.ndarray:
    """Cell edges ``(n + 1,)`` from plotly's heatmap coordinates: edges themselves, or centres (midpoints
    between them, half a step beyond the ends), or none (0 .. n)."""
    if coordinates is None:
        return np.arange(n + 1, dtype=np.float64) - 0.5
    values = np.asarray(coordinates, dtype=np.float64)
    if len(values) == n + 1:
        return values
    if len(values) != n:
        raise ValueError(f"A heatmap of {n} cells has {len(values)} coordinates.")
    if n == 1:
        return np.array([values[0] - 0.5, values[0] + 0.5])
    middle = (values[1:] + values[:-1]) / 2
    return np.concatenate([[2 * values[0] - middle[0]], middle, [2 * values[-1] - middle[-1]]])


def png_base64(rgba: np.ndarray) -> str:
    """An ``(h, w, 4)`` uint8 image as a base64 PNG (fast compression: it is drawn once)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba), "RGBA").save(buffer, format="PNG", compress_level=1)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _scatter(index: int, trace: Mapping, scale: float) -> dict[str, Any]:
    """A scatter trace; ``scale`` multiplies the sizes and widths it sets (presenter() leaves defaults alone)."""
    mode = trace.get("mode", "markers")
    if mode not in SCATTER_MODES:
        raise ValueError(f"A canvas figure draws scatter traces of one mode, not {mode!r}.")
    x, y = np.asarray(trace["x"], dtype=np.float64), np.asarray(trace["y"], dtype=np.float64)
    if mode == "lines":
        line = trace.get("line", {})
        width = line["width"] * scale if "width" in line else 2
        return dict(kind="lines", paths=_paths(x, y), color=line.get("color", "#444444"), width=width)
    text = trace.get("text")
    if mode == "text":
        size = trace.get("textfont", {}).get("size")
        return dict(
            kind="text",
            x=_floats(x),
            y=_floats(y),
            text=[str(t) for t in text],
            position=trace.get("textposition", "middle center"),
            size=None if size is None else _scaled(size, scale),
        )
    marker, hoverinfo = trace.get("marker", {}), trace.get("hoverinfo")
    color, size, line = marker.get("color"), marker.get("size", 6), marker.get("line", {})
    if "size" in marker and isinstance(size, int | float):
        size = size * scale
    interactive = hoverinfo != "skip"
    return dict(
        kind="markers",
        trace=index,
        x=_floats(x),
        y=_floats(y),
        size=_floats(size) if _is_array(size) else float(size),
        color=_marker_colors(marker) if _is_array(color) else (color or _THEME["colorway"][0]),
        opacity=float(marker.get("opacity", 1.0)),
        line=[line.get("color", "rgba(0,0,0,0)"), float(line.get("width", 0))],
        symbol=marker.get("symbol", "circle"),
        hover=None if hoverinfo in ("skip", "none") else trace.get("hovertemplate"),
        text=None if text is None or isinstance(text, str) else [str(t) for t in text],
        customdata=_custom(trace.get("customdata")) if interactive else None,
        interactive=interactive,
    )


def _paths(x: np.ndarray, y: np.ndarray) -> list[list[float]]:
    """A NaN-separated line as its pieces, each ``[x0, y0, x1, y1, ...]`` (JSON has no NaN)."""
    gaps = np.flatnonzero(np.isnan(x) | np.isnan(y)).tolist()
    flat = np.stack([x, y], axis=1).reshape(-1).tolist()  # one conversion; the pieces are slices of it
    bounds = zip([0, *(gap + 1 for gap in gaps)], [*gaps, len(x)], strict=True)
    return [flat[2 * a : 2 * b] for a, b in bounds if b - a >= 2]


def _floats(values) -> list[float]:
    return np.asarray(values, dtype=np.float64).tolist()


def _is_array(value) -> bool:
    return value is not None and not isinstance(value, str | int | float)


def _custom(customdata) -> list | None:
    if customdata is None:
        return None
    values = np.asarray(customdata)
    return values.tolist() if values.dtype.kind in "fiub" else [list(row) for row in customdata]


def _marker_colors(marker: dict) -> list[str]:
    """A marker colour array: colour names as they are, numbers through the marker's colour scale."""
    values = np.asarray(marker["color"])
    if values.dtype.kind not in "fiub":
        return [str(c) for c in marker["color"]]
    values = values.astype(np.float64)
    low = float(marker.get("cmin", values.min()))
    high = float(marker.get("cmax", values.max()))
    return _hex(_colors(values, _scale_of(marker.get("colorscale")), low, high))


def _hex(rgb: np.ndarray) -> list[str]:
    """``(n, 3)`` uint8 colours as ``#rrggbb``."""
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb.tolist()]


def _scale_of(colorscale) -> tuple[tuple[float, str], ...]:
    if colorscale is None:
        colorscale = _THEME["colorscale"]["sequential"]
    if isinstance(colorscale, str):
        colorscale = get_colorscale(colorscale)
    return tuple((float(position), str(color)) for position, color in colorscale)


def _colors(values: np.ndarray, colorscale: tuple[tuple[float, str], ...], low: float, high: float) -> np.ndarray:
    """``values`` (any shape) → ``(..., 3)`` uint8 colours: ``[low, high]`` onto the scale, clipped."""
    share = (values - low) / (high - low) if high > low else np.zeros_like(values)
    index = np.rint(np.clip(np.nan_to_num(share), 0.0, 1.0) * (LUT_SIZE - 1)).astype(np.intp)
    return lookup_table(colorscale)[index]


@functools.lru_cache(maxsize=32)
def lookup_table(colorscale: tuple[tuple[float, str], ...]) -> np.ndarray:
    """``(LUT_SIZE, 3)`` uint8 colours of ``colorscale`` at ``0, 1/255, ..., 1``, interpolated in RGB between its
    stops as plotly.js does."""
    positions = [position for position, _ in colorscale]
    stops = np.array([_rgb(color) for _, color in colorscale], dtype=np.float64)
    at = np.linspace(0.0, 1.0, LUT_SIZE)
    return np.rint(np.stack([np.interp(at, positions, stops[:, k]) for k in range(3)], axis=1)).astype(np.uint8)


def _rgb(color: str) -> tuple[float, float, float]:
    """``#rrggbb``, ``rgb(r, g, b)`` or ``rgba(r, g, b, a)`` as three numbers 0–255 (a scale's alpha is ignored)."""
    if color.startswith("#"):
        return tuple(float(part) for part in hex_to_rgb(color))
    if color.startswith("rgb"):
        return unlabel_rgb(color)[:3]
    raise ValueError(f"A canvas colour scale takes #rrggbb or rgb() colours, not {color!r}.")


# --- shapes -------------------------------------------------------------------------------------------------------


def _shape(shape: dict) -> dict[str, Any]:
    if shape.get("type") not in ("line", "rect"):
        raise ValueError(f"A canvas figure draws line and rect shapes, not {shape.get('type')!r}.")
    line = shape.get("line", {})
    return dict(
        kind=shape["type"],
        x=[float(shape["x0"]), float(shape["x1"])],
        y=[float(shape["y0"]), float(shape["y1"])],
        color=line.get("color", "#444444"),
        width=float(line.get("width", 2)),
    )
