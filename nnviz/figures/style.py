"""One look and feel for every nnviz figure: colours, fonts, margins, sign colours.

Every builder in :mod:`nnviz.figures` calls :func:`styled` last, so a change here
changes every chart in the app. Pages may call :func:`presenter` to scale the
type up for a lecture-hall projector.
"""

from __future__ import annotations

import plotly.graph_objects as go

FONT_FAMILY = "'Source Sans', 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"  # Streamlit's own font
BASE_FONT_SIZE = 14
PRESENTER_SCALE = 1.35

# Qualitative palette (colour-blind safe, after Okabe & Ito) for series such as optimizers or classes.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # green
    "#CC79A7",  # purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky
    "#F0E442",  # yellow
    "#000000",  # black
)

# Sign colours for weights, gradients and other signed numbers: blue positive, orange negative
# (as in TensorFlow Playground), white at zero.
POSITIVE = "#0072B2"
NEGATIVE = "#E66100"
NEUTRAL = "#9AA0A6"
DIVERGING_SCALE = [[0.0, NEGATIVE], [0.5, "#F7F7F7"], [1.0, POSITIVE]]
SEQUENTIAL_SCALE = "Viridis"
# Two classes (0 / 1) in scatter plots and decision regions.
CLASS_COLORS = (NEGATIVE, POSITIVE)
HIGHLIGHT = "#D62728"
GRID = "rgba(0,0,0,0.08)"


def sign_color(value: float) -> str:
    """The colour of a signed number: :data:`POSITIVE`, :data:`NEGATIVE` or :data:`NEUTRAL` at 0."""
    if value > 0:
        return POSITIVE
    if value < 0:
        return NEGATIVE
    return NEUTRAL


_TOP_MARGIN = 24  # px above the plot area, plus room for a title and a legend (see styled)
_TITLE_ROOM = 34
_LEGEND_ROOM = 28
_AXIS = dict(gridcolor=GRID, zerolinecolor="rgba(0,0,0,0.25)", linecolor="rgba(0,0,0,0.35)")

TITLE_PAD = 10  # px between the figure's top and its title

# Built once: a plotly figure copies and validates whatever layout it is given, which costs tens of
# milliseconds per call for plotly's own large templates; this small one costs about one.
TEMPLATE = go.layout.Template(
    layout=dict(
        font=dict(family=FONT_FAMILY, size=BASE_FONT_SIZE, color="#1F2328"),
        # The title sits at the top of the figure and the legend, left-aligned, just above the plot area,
        # so a long title never runs under the legend; styled() makes room for both.
        title=dict(
            x=0.0,
            xanchor="left",
            y=1.0,
            yref="container",
            yanchor="top",
            pad=dict(t=TITLE_PAD, l=8),
            font=dict(size=BASE_FONT_SIZE + 3),
        ),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=list(PALETTE),
        colorscale=dict(sequential=SEQUENTIAL_SCALE, diverging=DIVERGING_SCALE),
        margin=dict(l=56, r=24, t=_TOP_MARGIN, b=48),
        legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0.0),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=BASE_FONT_SIZE)),
        modebar=dict(orientation="v"),  # down the right edge: a horizontal bar covers the title on hover
        xaxis=_AXIS | dict(automargin=True),
        yaxis=_AXIS | dict(automargin=True),
        scene=dict(xaxis=_AXIS, yaxis=_AXIS, zaxis=_AXIS),
    )
)


def styled(
    fig: go.Figure,
    *,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    height: int = 420,
    legend: bool = True,
) -> go.Figure:
    """Apply the nnviz theme to ``fig`` in place and return it.

    Args:
        fig: any plotly figure.
        title: chart title (short; the page gives the explanation).
        x_title, y_title: axis labels, with units where there are any.
        height: figure height in CSS pixels; fits a 1280x720 projector at 420.
        legend: show the legend (horizontal, left-aligned between the title and the plot area).
    """
    fig.layout.template = TEMPLATE
    fig.layout.height = height
    fig.layout.showlegend = legend
    if title:
        fig.layout.title.text = title
    fig.layout.margin.t = _TOP_MARGIN + _TITLE_ROOM * bool(title) + _LEGEND_ROOM * (legend and _has_legend_entries(fig))
    if x_title is not None:
        fig.update_xaxes(title_text=x_title)
    if y_title is not None:
        fig.update_yaxes(title_text=y_title)
    return fig


def _has_legend_entries(fig: go.Figure) -> bool:
    """Whether any trace of ``fig`` would appear in its legend."""
    return any(trace.showlegend is not False and trace.name for trace in fig.data)


def figure_dict(
    traces: list[dict],
    layout: dict | None = None,
    *,
    title: str | None = None,
    x_title: str | None = None,
    y_title: str | None = None,
    height: int = 420,
    legend: bool = True,
) -> dict:
    """What :func:`styled` makes, as plotly's figure dict ``{"data": traces, "layout": ...}``: no plotly object
    is built, so a live canvas (:func:`nnviz.figures.canvas.scene`) reads it at once; ``go.Figure`` and
    ``st.plotly_chart`` take it as it is.

    For the figures a live page redraws several times a second. ``traces`` are trace dicts with their ``type``;
    ``layout`` holds the figure's own layout (single ``xaxis`` / ``yaxis``), to which the theme, height, title,
    axis titles and margins are added as :func:`styled` adds them. Nothing checks the dicts here: the tests
    validate every figure built this way (:func:`validated`).
    """
    layout = dict(layout or {})
    has_legend = legend and any(trace.get("showlegend") is not False and trace.get("name") for trace in traces)
    layout |= dict(
        template=TEMPLATE,
        height=height,
        showlegend=legend,
        margin=dict(t=_TOP_MARGIN + _TITLE_ROOM * bool(title) + _LEGEND_ROOM * has_legend),
    )
    if title:
        layout["title"] = dict(text=title)
    for axis, text in (("xaxis", x_title), ("yaxis", y_title)):
        if text is not None:
            layout[axis] = layout.get(axis, {}) | dict(title=dict(text=text))
    return dict(data=traces, layout=layout)


def figure(traces: list[dict], layout: dict | None = None, **styling) -> go.Figure:
    """:func:`figure_dict` as a ``go.Figure``, not validated on the way in: four 2,000-point lines build in 0.8 ms
    this way against 12.7 ms through ``go.Scatter`` and :func:`styled`. ``styling``: as for :func:`figure_dict`."""
    return go.Figure(**figure_dict(traces, layout, **styling), _validate=False)


def validated(fig: go.Figure) -> go.Figure:
    """``fig`` rebuilt through plotly's validation: raises ValueError for any property plotly does not know."""
    return go.Figure(fig.to_dict())


_AXIS_TITLE_ROOM = 58  # px under the plot area for the x ticks and the x-axis title
_LEGEND_ROW = 21  # px per legend entry


def legend_below(fig: go.Figure) -> go.Figure:
    """Move the legend under the x-axis title, one entry per row, with the bottom margin to hold it: in a narrow
    column a legend above the plot runs into the title, and one placed at a fraction of the plot's height
    (``y=-0.18``) ran into the x-axis title whenever the plot came out short."""
    rows = sum(1 for trace in fig.data if trace.showlegend is not False and trace.name)
    fig.update_layout(
        legend=dict(orientation="v", yref="container", y=0.0, yanchor="bottom", xanchor="left", x=0.0),
        margin=dict(b=_AXIS_TITLE_ROOM + _LEGEND_ROW * rows + 6),
    )
    return fig


def presenter(fig: go.Figure, scale: float = PRESENTER_SCALE) -> go.Figure:
    """Scale ``fig`` (in place) for projection in a lecture hall: every font (the layout's, the title's, the
    annotations' and the traces' own text), line widths, marker sizes and the top margin under a title, by
    ``scale``."""
    fig.layout.font.size = round((fig.layout.font.size or BASE_FONT_SIZE) * scale)
    fig.layout.title.font.size = round((fig.layout.title.font.size or BASE_FONT_SIZE + 3) * scale)
    if fig.layout.title.text:  # room for the larger title (and its subtitle) above the plot, and below the top
        fig.layout.title.pad.t = round((fig.layout.title.pad.t or TITLE_PAD) * scale * 2)
        if fig.layout.margin.t is not None:
            fig.layout.margin.t = round(fig.layout.margin.t * scale)
    for note in fig.layout.annotations:
        if note.font.size:
            note.font.size = round(note.font.size * scale)
    for trace in fig.data:  # each trace type has its own properties: a bar's marker has no size, a heatmap no line
        _scale(getattr(trace, "line", None), "width", scale)
        _scale(getattr(trace, "marker", None), "size", scale)
        _scale(getattr(trace, "textfont", None), "size", scale, whole=True)
    return fig


def _scale(part, name: str, scale: float, *, whole: bool = False) -> None:
    """Multiply ``part.name`` by ``scale`` where the trace has that property and it holds one number."""
    value = getattr(part, name, None) if part is not None and name in part else None
    if isinstance(value, int | float):
        setattr(part, name, round(value * scale) if whole else value * scale)
