"""A plotly figure as a scene for an HTML canvas: how a live area redraws several times a second.

Chromium re-renders a plotly figure in tens of milliseconds, more on a busy laptop: the playground's network and
decision regions, redrawn by plotly 2.5 times a second, kept the browser's main thread 77 % busy
(``benchmarks/playground_updates.py``). A canvas paints the same picture in a few milliseconds. :func:`scene`
turns a figure into plain drawing instructions (JSON: numbers, strings, PNG images as base64) that
``ui/canvas.js`` paints; the figure stays the one description of the picture, so the live canvas and the
interactive plotly chart shown when the run stops are the same drawing.

Only what the live figures use is converted, and anything else raises ValueError (a figure never loses a part
silently): heatmaps (colour scale, opacity, cell centres or edges, cells of unequal size, gaps between cells,
each cell's ``text`` written in it), scatter traces of lines (NaN between segments, plotly's dashes), markers
(circle, square or diamond, one colour, a colour array on a colour scale, an outline), both at once, and text;
line and rectangle shapes; annotations without arrows, placed on the paper or at data coordinates; the title, the
legend, margins, linear, log and category axes (their range, or plotly's autorange with ``rangemode``, reversed
or not), ticks (a ``ticksuffix``, a ``tickangle`` of 0, -30 or -90) and titles, equal axis scales (``scaleanchor``)
and a heatmap's colour bar. A log axis is drawn in decades (log10 of the values, as plotly's log axis ranges are
given) and a category axis at 0, 1, 2, ... (plotly's category positions); hover labels still read the values.

Markers keep what hover and click need: the hover template (filled in by the browser from ``x``, ``y``, ``text``
and ``customdata``; a line with a hover template gets invisible markers to carry it) and ``customdata``, which a
click sends back in plotly's selection format (``{"points": [{"curve_number", "point_index", "x", "y",
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
SCATTER_MODES = {"markers", "lines", "text", "lines+markers"}
LINE_DASHES = {"solid", "dot", "dash", "longdash", "dashdot", "longdashdot"}
MARKER_SYMBOLS = {"circle", "square", "diamond"}
AUTORANGE_PAD = 0.05
"""Share of an autoranged axis's span added beyond data drawn with markers (plotly pads by the marker size)."""
_HIDDEN = "rgba(0,0,0,0)"
_KEYS = {  # what each trace type may set: anything else would be lost on the canvas
    "heatmap": {"type", "x", "y", "z", "zmin", "zmax", "colorscale", "opacity", "showscale", "colorbar"}
    | {"text", "texttemplate", "xgap", "ygap", "hoverinfo", "hovertemplate", "hoverongaps", "customdata", "name"},
    "scatter": {"type", "x", "y", "mode", "marker", "line", "text", "textposition", "textfont", "customdata"}
    | {"hoverinfo", "hovertemplate", "showlegend", "name", "selected", "unselected", "cliponaxis"},
}
_VALUES = {"x": "_x", "y": "_y"}
"""Where a trace converted onto a log or category axis keeps its values along it, for hover labels."""
AXIS_TYPES = {"linear", "-", "log", "category"}
TICK_ANGLES = {None, "auto", 0, -30, -90}
CONTRAST_DARK, CONTRAST_LIGHT = "#444444", "#FFFFFF"
"""Plotly's colours for the text in a heatmap's cells: its default line colour on light cells, the background on
dark ones (``Color.contrast``)."""
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
    categories = {}
    for along in "xy":
        axis = layout.get(f"{along}axis", {})
        if axis.get("type", "linear") not in AXIS_TYPES:
            raise ValueError(f"A canvas figure draws linear, log and category axes, not a {axis['type']} axis.")
        traces, categories[along] = _onto_axis(traces, along, axis.get("type", "linear"))
    items = [item for index, trace in enumerate(traces) for item in _items(index, trace, scale)]
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
        xaxis=_axis(layout.get("xaxis", {}), [_extent(trace, "x") for trace in traces], items, categories["x"]),
        yaxis=_axis(layout.get("yaxis", {}), [_extent(trace, "y") for trace in traces], items, categories["y"]),
        equal=layout.get("yaxis", {}).get("scaleanchor") == "x",
        items=items,
        shapes=[_shape(shape) for shape in layout.get("shapes", ())],
        legend=_legend(traces, scale) if layout.get("showlegend", True) else [],
        annotations=[_annotation(note, scale) for note in layout.get("annotations", ())],
    )


def _scaled(size: float, scale: float) -> float:
    """A font size for ``scale``: whole pixels once scaled, as presenter() rounds them."""
    return size if scale == 1.0 else round(size * scale)


# --- axes ---------------------------------------------------------------------------------------------------------


def _onto_axis(traces, along: str, kind: str) -> tuple[list, list[str]]:
    """``traces`` with their ``along`` coordinates ("x" or "y") where the canvas draws them on an axis of type
    ``kind``: log10 of the values on a log axis (NaN where not positive, which plotly leaves out), a category's
    position (0, 1, ... in order of first appearance) on a category axis; the values themselves are kept for the
    hover labels. Returns the traces and the axis's categories ([] unless a category axis)."""
    if kind not in ("log", "category"):
        return list(traces), []
    categories: dict[str, int] = {}  # in order of first appearance, as plotly numbers them
    if kind == "category":
        for values in (trace.get(along) for trace in traces):
            for value in values if values is not None else ():
                categories.setdefault(str(value), len(categories))
    converted = []
    for trace in traces:
        values = trace.get(along)
        if values is None:
            converted.append(trace)
            continue
        if kind == "log":
            numbers = np.asarray(values, dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                position = np.where(numbers > 0, np.log10(numbers), np.nan)
        else:
            position = np.array([categories[str(value)] for value in values], dtype=np.float64)
        converted.append({**trace, along: position, _VALUES[along]: values})
    return converted, list(categories)


def _extent(trace: Mapping, along: str):
    """The coordinates over which an axis autoranges for ``trace``: a heatmap's cell edges, a scatter's points."""
    if trace.get("type") == "heatmap":
        z = np.asarray(trace["z"])
        return _edges(trace.get(along), z.shape[1] if along == "x" else z.shape[0])
    return trace.get(along)


def _axis(axis: dict, coordinates: list, items: list[dict], categories: list[str]) -> dict[str, Any]:
    """An axis: its range (or plotly's autorange over ``coordinates``, the traces' values along it, reversed with
    ``autorange="reversed"``), its own ticks (None: the browser places them as plotly would, by the axis's length
    in pixels; a category axis's are its ``categories``), their suffix and angle, its title and what is drawn of
    it. A log axis's range and ticks are in decades, as the traces' coordinates were converted."""
    log = axis.get("type") == "log"
    tickvals, suffix = axis.get("tickvals"), axis.get("ticksuffix", "")
    ticks = None
    if tickvals is not None:
        labels = axis.get("ticktext") or [f"{v:g}".replace("-", "−") + suffix for v in tickvals]
        ticks = [[float(np.log10(v) if log else v), str(label)] for v, label in zip(tickvals, labels, strict=True)]
    elif categories:
        ticks = [[float(k), name] for k, name in enumerate(categories)]
    if axis.get("tickangle") not in TICK_ANGLES:
        raise ValueError(f"A canvas figure draws tick labels level, at -30° or -90°, not at {axis['tickangle']}°.")
    if "range" in axis:
        span = [float(v) for v in axis["range"]]
    else:
        markers = any(item["kind"] == "markers" and item["size"] for item in items)
        span = _autorange(coordinates, axis.get("rangemode", "normal"), markers)
        if axis.get("autorange") == "reversed":
            span = span[::-1]
    if ticks is not None:  # plotly labels only the ticks inside the range
        low, high = min(span), max(span)
        ticks = [tick for tick in ticks if low - 1e-9 * (high - low) <= tick[0] <= high + 1e-9 * (high - low)]
    return dict(
        range=span,
        ticks=ticks,
        suffix=suffix,
        angle=axis.get("tickangle") if isinstance(axis.get("tickangle"), int) else None,
        title=axis.get("title", {}).get("text", ""),
        visible=axis.get("visible", True) is not False,
        grid=axis.get("showgrid", True) is not False and ticks is None,
        zeroline=axis.get("zeroline", True) is not False and axis.get("type") not in ("log", "category"),
    )


def _autorange(coordinates: list, rangemode: str, markers: bool) -> list[float]:
    """Plotly's autorange of an axis over the traces' ``coordinates``: the finite values' span, reaching 0 with
    ``rangemode="tozero"``, padded by :data:`AUTORANGE_PAD` where markers are drawn (not beyond a zero that
    ``tozero`` put there); ``[0, 1]`` without data, one unit either side of a single value."""
    arrays = [np.asarray(values, dtype=np.float64).reshape(-1) for values in coordinates if values is not None]
    values = np.concatenate(arrays) if arrays else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values):
        return [0.0, 1.0]
    low, high = float(values.min()), float(values.max())
    if rangemode == "tozero":
        low, high = min(low, 0.0), max(high, 0.0)
    if low == high:
        return [low - 1.0, high + 1.0]
    pad = AUTORANGE_PAD * (high - low) if markers else 0.0
    pinned = rangemode == "tozero"
    return [low if pinned and low == 0.0 else low - pad, high if pinned and high == 0.0 else high + pad]


def _legend(traces, scale: float) -> list[dict[str, Any]]:
    """The legend's entries, in trace order: each trace with a name that is not hidden from it, drawn with its
    line and marker."""
    entries = []
    for trace in traces:
        if trace.get("showlegend") is False or not trace.get("name"):
            continue
        mode = trace.get("mode", "markers").split("+")
        line, marker = trace.get("line", {}), trace.get("marker", {})
        entries.append(
            dict(
                name=str(trace["name"]),
                line=_line_style(line, scale) if "lines" in mode else None,
                marker=None
                if "markers" not in mode or _is_array(marker.get("color"))
                else [marker.get("color", _THEME["colorway"][0]), marker.get("symbol", "circle")],
            )
        )
    return entries


def _annotation(note: Mapping, scale: float) -> dict[str, Any]:
    """A text without an arrow, centred at its place: fractions of the plot area (``xref="paper"`` and
    ``yref="paper"``, as the live figures' hints are) or data coordinates (plotly's default references)."""
    refs, anchor = (note.get("xref", "x"), note.get("yref", "y")), note.get("yanchor", "auto")
    if note.get("showarrow", True) or refs not in (("paper", "paper"), ("x", "y")):
        raise ValueError("A canvas figure draws annotations without arrows, placed on the paper or at data points.")
    if anchor not in ("auto", "middle", "top", "bottom"):
        raise ValueError(f"A canvas annotation is anchored at its top, middle or bottom, not {anchor!r}.")
    font = note.get("font", {})
    return dict(
        text=str(note["text"]),
        x=float(note.get("x", 0.5)),
        y=float(note.get("y", 0.5)),
        data=refs == ("x", "y"),
        anchor="middle" if anchor == "auto" else anchor,
        color=font.get("color", _THEME["font"]["color"]),
        size=None if "size" not in font else _scaled(font["size"], scale),
    )


# --- traces -------------------------------------------------------------------------------------------------------


def _items(index: int, trace: Mapping, scale: float) -> list[dict[str, Any]]:
    """What trace ``index`` draws: an image, lines, markers or text, or lines and their markers."""
    kind = trace.get("type", "scatter")
    if kind not in _KEYS:
        raise ValueError(f"A canvas figure draws heatmaps and scatter traces, not {kind!r}.")
    unknown = set(trace) - _KEYS[kind] - set(_VALUES.values())
    if unknown:
        raise ValueError(f"A canvas figure does not draw a {kind}'s {sorted(unknown)}.")
    if kind == "heatmap":
        return _heatmap(trace)
    mode = trace.get("mode", "markers")
    if mode not in SCATTER_MODES:
        raise ValueError(f"A canvas figure draws the scatter modes {sorted(SCATTER_MODES)}, not {mode!r}.")
    if mode == "text":
        return [_text(trace, scale)]
    if mode == "markers":
        return [_markers(index, trace, scale)]
    lines = _lines(trace, scale)
    if mode == "lines+markers":
        return [lines, _markers(index, trace, scale)]
    if trace.get("hovertemplate") and trace.get("hoverinfo") not in ("skip", "none"):
        return [lines, _markers(index, {**trace, "marker": dict(color=_HIDDEN, size=0)}, scale)]  # to hover on
    return [lines]


def _heatmap(trace: Mapping) -> list[dict[str, Any]]:
    """A heatmap as an RGBA PNG (top row = the largest y) over its cell edges, which may be unequal, and its cells'
    ``text`` written in them (``texttemplate="%{text}"``) in plotly's contrasting colour, when it has one."""
    template = trace.get("texttemplate")
    if template not in (None, "%{text}"):
        raise ValueError(f"A canvas heatmap writes its cells' text as '%{{text}}', not {template!r}.")
    z = np.asarray(trace["z"], dtype=np.float64)
    low = float(trace.get("zmin", np.nanmin(z)))
    high = float(trace.get("zmax", np.nanmax(z)))
    scale = _scale_of(trace.get("colorscale"))
    rgb = _colors(z, scale, low, high)
    x_edges, y_edges = _edges(trace.get("x"), z.shape[1]), _edges(trace.get("y"), z.shape[0])
    items = [_image(trace, z, rgb, x_edges, y_edges)]
    items[0]["colorbar"] = _colorbar(scale, low, high) if trace.get("showscale", True) else None
    if template is not None:
        items.append(_cell_texts(np.asarray(trace["text"]).astype(str), rgb, x_edges, y_edges))
    return items


def _image(trace: Mapping, z: np.ndarray, rgb: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray) -> dict:
    """The heatmap's cells ``z`` in their colours ``rgb`` as a PNG, its rows and columns in increasing y and x."""
    rgba = np.zeros((*z.shape, 4), dtype=np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = np.where(np.isnan(z), 0, 255)
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
        gaps=[float(trace.get("xgap", 0)), float(trace.get("ygap", 0))],
    )


def _cell_texts(text: np.ndarray, rgb: np.ndarray, x_edges: np.ndarray, y_edges: np.ndarray) -> dict[str, Any]:
    """``text`` written at the centres of the cells, white on a dark cell ``rgb`` and dark grey on a light one."""
    rows, columns = np.indices(text.shape)
    dark = rgb.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) < 128  # tinycolor's isDark, as plotly.js decides
    return dict(
        kind="text",
        x=((x_edges[1:] + x_edges[:-1]) / 2)[columns].reshape(-1).tolist(),
        y=((y_edges[1:] + y_edges[:-1]) / 2)[rows].reshape(-1).tolist(),
        text=text.reshape(-1).tolist(),
        position="middle center",
        size=None,
        cell=[float(np.min(np.abs(np.diff(x_edges)))), float(np.min(np.abs(np.diff(y_edges))))],  # to fit in
        colors=np.where(dark, CONTRAST_LIGHT, CONTRAST_DARK).reshape(-1).tolist(),
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


def _line_style(line: Mapping, scale: float) -> list:
    """``[colour, width, dash]`` of a line; ``scale`` multiplies a width it sets (presenter() leaves defaults)."""
    dash = line.get("dash", "solid")
    if dash not in LINE_DASHES:
        raise ValueError(f"A canvas figure draws the dashes {sorted(LINE_DASHES)}, not {dash!r}.")
    return [line.get("color", "#444444"), line["width"] * scale if "width" in line else 2, dash]


def _lines(trace: Mapping, scale: float) -> dict[str, Any]:
    x, y = np.asarray(trace["x"], dtype=np.float64), np.asarray(trace["y"], dtype=np.float64)
    color, width, dash = _line_style(trace.get("line", {}), scale)
    return dict(kind="lines", paths=_paths(x, y), color=color, width=width, dash=dash)


def _text(trace: Mapping, scale: float) -> dict[str, Any]:
    size = trace.get("textfont", {}).get("size")
    return dict(
        kind="text",
        x=_floats(trace["x"]),
        y=_floats(trace["y"]),
        text=[str(t) for t in trace.get("text")],
        position=trace.get("textposition", "middle center"),
        size=None if size is None else _scaled(size, scale),
    )


def _markers(index: int, trace: Mapping, scale: float) -> dict[str, Any]:
    """Trace ``index``'s markers; ``scale`` multiplies a size it sets (presenter() leaves defaults alone)."""
    marker, hoverinfo, text = trace.get("marker", {}), trace.get("hoverinfo"), trace.get("text")
    color, size, line = marker.get("color"), marker.get("size", 6), marker.get("line", {})
    symbol = marker.get("symbol", "circle")
    if symbol not in MARKER_SYMBOLS:
        raise ValueError(f"A canvas figure draws the marker symbols {sorted(MARKER_SYMBOLS)}, not {symbol!r}.")
    if "size" in marker and isinstance(size, int | float):
        size = size * scale
    interactive = hoverinfo != "skip"
    return dict(
        kind="markers",
        trace=index,
        x=_floats(trace["x"]),
        y=_floats(trace["y"]),
        values={along: _labels(trace[key]) for along, key in _VALUES.items() if key in trace},  # for hover labels
        size=_floats(size) if _is_array(size) else float(size),
        color=_marker_colors(marker) if _is_array(color) else (color or _THEME["colorway"][0]),
        opacity=float(marker.get("opacity", 1.0)),
        line=[line.get("color", _HIDDEN), float(line.get("width", 0))],
        symbol=symbol,
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


def _labels(values) -> list:
    """Values along a log or category axis as hover labels read them: numbers, or category names."""
    array = np.asarray(values)
    return array.astype(np.float64).tolist() if array.dtype.kind in "fiub" else [str(v) for v in values]


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
