"""Figures for gradient descent: loss surfaces as contours and in 3-D, optimizer paths, races and loss curves.

All builders are pure: a grid ``(xs, ys, z)`` from :func:`nnviz.surfaces.grid`, the :class:`~nnviz.surfaces.Surface`
and :class:`~nnviz.descent.DescentPath` objects in, a ``go.Figure`` out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from nnviz.descent import DescentPath
from nnviz.figures.animation import play_pause
from nnviz.figures.style import HIGHLIGHT, PALETTE, legend_below, styled
from nnviz.optimizers import OPTIMIZERS
from nnviz.surfaces import Surface

_PATH_COLORS = [c for c in PALETTE if c != "#F0E442"]  # the palette without its yellow, unreadable on a light map
SURFACE_SCALE = [[0.0, "#FFFFFF"], [0.35, "#DCE3EA"], [1.0, "#52606D"]]
LOSS_FLOOR = 1e-8  # loss gaps below this are drawn at it (a log axis cannot show 0)
MAX_FRAMES = 60


def optimizer_color(name: str) -> str:
    """One colour per optimizer, the same on every chart (by its place in the registry)."""
    return _PATH_COLORS[list(OPTIMIZERS).index(name) % len(_PATH_COLORS)]


def path_color(run: DescentPath, index: int = 0) -> str:
    """The colour of a path: its optimizer's, or the ``index``-th palette colour when paths share an optimizer."""
    return PALETTE[index % len(PALETTE)] if run.batch_size is not None else optimizer_color(run.optimizer)


def outcome(run: DescentPath) -> str:
    """How a run ended: its final loss, or the step where it diverged."""
    return f"diverged at step {run.diverged_at}" if run.diverged else f"final loss {run.final_loss:.3g}"


def path_label(run: DescentPath, n_samples: int = 0) -> str:
    """Legend text: the optimizer (or batch size) and its final loss, or where it diverged."""
    if run.batch_size is None:
        name = OPTIMIZERS[run.optimizer].label
    elif run.batch_size == n_samples:
        name = f"full batch (B={run.batch_size})"
    elif run.batch_size == 1:
        name = "stochastic (B=1)"
    else:
        name = f"mini-batch (B={run.batch_size})"
    return f"{name}: {outcome(run)}"


def _height(surface: Surface, z: np.ndarray) -> np.ndarray:
    """What the colours and 3-D heights show: the loss, or ``log10(1 + L - L*)`` on many-decade surfaces."""
    return np.log10(1 + z - np.nanmin(z)) if surface.log_color else z


def _height_title(surface: Surface) -> str:
    return "log₁₀(1 + L − L_min)" if surface.log_color else "loss L"


def _contour(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, surface: Surface) -> go.Figure:
    """The surface as filled contours with its known minima starred; axes fixed to the surface's bounds."""
    fig = go.Figure(
        go.Contour(
            x=xs,
            y=ys,
            z=_height(surface, z),
            colorscale=SURFACE_SCALE,
            ncontours=24,
            line=dict(width=0.6, color="rgba(0,0,0,0.25)"),
            showscale=False,
            hovertemplate=f"w₁ %{{x:.2f}}<br>w₂ %{{y:.2f}}<br>{_height_title(surface)} %{{z:.3g}}<extra></extra>",
            name="loss",
            showlegend=False,
        )
    )
    if surface.minima:
        minima = np.asarray(surface.minima)
        fig.add_trace(
            go.Scatter(
                x=minima[:, 0],
                y=minima[:, 1],
                mode="markers",
                marker=dict(symbol="star", size=14, color="#FFD700", line=dict(width=1, color="#1F2328")),
                name="minimum",
                hovertemplate="minimum (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    fig.update_xaxes(range=[x_lo, x_hi], showgrid=False)
    fig.update_yaxes(range=[y_lo, y_hi], showgrid=False)
    return fig


def _start_marker(start: Sequence[float]) -> go.Scatter:
    return go.Scatter(
        x=[start[0]],
        y=[start[1]],
        mode="markers",
        marker=dict(symbol="circle-open", size=16, color=HIGHLIGHT, line=dict(width=3)),
        name="start",
        hovertemplate="start (%{x:.2f}, %{y:.2f})<extra></extra>",
    )


def _path_trace(run: DescentPath, color: str, label: str, upto: int | None = None) -> go.Scatter:
    points = run.points if upto is None else run.points[: upto + 1]
    return go.Scatter(
        x=points[:, 0],
        y=points[:, 1],
        mode="lines+markers",
        line=dict(color=color, width=2.5),
        marker=dict(color=color, size=5),
        name=label,
        customdata=np.arange(len(points)),
        hovertemplate=f"{label}<br>step %{{customdata}}: (%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
    )


def _moving_points(run: DescentPath, upto: int) -> dict:
    """The first ``upto + 1`` points of a path as a bare scatter update for an animation frame."""
    points = run.points[: upto + 1]
    return dict(type="scatter", x=points[:, 0], y=points[:, 1], customdata=np.arange(upto + 1))


def _diverged_marker(run: DescentPath, color: str) -> go.Scatter:
    last = run.points[-1]
    return go.Scatter(
        x=[last[0]],
        y=[last[1]],
        mode="markers+text",
        marker=dict(symbol="x", size=14, color=color, line=dict(width=1)),
        text=[f"diverged at step {run.diverged_at}"],
        textposition="top center",
        textfont=dict(color=color),
        showlegend=False,
        hoverinfo="skip",
    )


def pick_grid(surface: Surface, resolution: int = 41) -> go.Scatter:
    """Invisible points over the whole surface: clicking one (``on_select``) picks it as the new start."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, resolution), np.linspace(y_lo, y_hi, resolution))
    return go.Scatter(
        x=gx.ravel(),
        y=gy.ravel(),
        mode="markers",
        marker=dict(size=12, opacity=0, color="#000000"),
        name="click to start here",
        showlegend=False,
        hovertemplate="start here: (%{x:.2f}, %{y:.2f})<extra></extra>",
    )


def gradient_arrow(fig: go.Figure, point: Sequence[float], grad: Sequence[float], surface: Surface) -> go.Figure:
    """Draw ``-∇L`` at ``point`` as an arrow (length scaled to 15 % of the region, direction exact), in place."""
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    direction = -np.asarray(grad, dtype=float)
    norm = np.linalg.norm(direction)
    if not np.isfinite(norm) or norm == 0:
        return fig
    tip = np.asarray(point, dtype=float) + 0.15 * min(x_hi - x_lo, y_hi - y_lo) * direction / norm
    fig.add_annotation(
        x=tip[0],
        y=tip[1],
        ax=point[0],
        ay=point[1],
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        showarrow=True,
        arrowhead=3,
        arrowsize=1.4,
        arrowwidth=2.5,
        arrowcolor=HIGHLIGHT,
        text="−∇L",
        font=dict(color=HIGHLIGHT),
    )
    return fig


def contour_with_paths(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    surface: Surface,
    paths: Sequence[DescentPath],
    *,
    title: str,
    pickable: bool = False,
    height: int = 460,
) -> go.Figure:
    """The contour map with each path as a line with dots, the start circled and divergence crossed.

    Args:
        xs, ys, z: the grid, shapes ``(nx,)``, ``(ny,)``, ``(ny, nx)``.
        surface: the surface (bounds, minima, colouring).
        paths: the runs to draw; they share their start.
        title: chart title.
        pickable: add invisible click targets so the page can set the start from a click.
    """
    fig = _contour(xs, ys, z, surface)
    if pickable:
        fig.add_trace(pick_grid(surface))
    for index, run in enumerate(paths):
        color = path_color(run, index)
        fig.add_trace(_path_trace(run, color, path_label(run, surface.n_samples)))
        if run.diverged:
            fig.add_trace(_diverged_marker(run, color))
    if paths:
        fig.add_trace(_start_marker(paths[0].points[0]))
    styled(fig, title=title, x_title="w₁", y_title="w₂", height=height)
    return legend_below(fig)


def loss_curves(
    paths: Sequence[DescentPath],
    surface: Surface,
    *,
    title: str = "Loss per step",
    height: int = 460,
    labels: Sequence[str] | None = None,
) -> go.Figure:
    """Loss gap ``L(w_t) − L*`` against the step on a log axis (straight lines are linear convergence).

    Gaps below :data:`LOSS_FLOOR` are drawn at the floor; a diverged path ends where it left the surface.
    ``labels`` replace the optimizer names in the legend (then each path gets its own palette colour).
    """
    floor = surface.min_loss if surface.minima else 0.0
    fig = go.Figure()
    for index, run in enumerate(paths):
        gap = np.maximum(run.losses - floor, LOSS_FLOOR)
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(gap)),
                y=gap,
                mode="lines",
                line=dict(color=PALETTE[index] if labels else path_color(run, index), width=2.5),
                name=f"{labels[index]}: {outcome(run)}" if labels else path_label(run, surface.n_samples),
                hovertemplate="step %{x}: gap %{y:.3g}<extra></extra>",
            )
        )
    styled(fig, title=title, x_title="step t", y_title="L(wₜ) − L*", height=height)
    fig.update_yaxes(type="log", exponentformat="power")
    return legend_below(fig)


def surface_3d(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, surface: Surface, paths: Sequence[DescentPath], *, height: int = 520
) -> go.Figure:
    """The surface in 3-D with the paths lying on it (heights as in the contour's colour scale)."""
    offset = np.nanmin(z)
    fig = go.Figure(
        go.Surface(
            x=xs, y=ys, z=_height(surface, z), colorscale=SURFACE_SCALE, showscale=False, opacity=0.92, name="loss"
        )
    )
    for index, run in enumerate(paths):
        heights = np.log10(1 + run.losses - offset) if surface.log_color else run.losses
        color = path_color(run, index)
        fig.add_trace(
            go.Scatter3d(
                x=run.points[:, 0],
                y=run.points[:, 1],
                z=heights,
                mode="lines+markers",
                line=dict(color=color, width=6),
                marker=dict(color=color, size=2.5),
                name=path_label(run, surface.n_samples),
            )
        )
    styled(fig, title=f"{surface.title} in 3-D", height=height)
    fig.update_layout(
        scene=dict(
            xaxis_title="w₁",
            yaxis_title="w₂",
            zaxis_title=_height_title(surface),
            camera=dict(eye=dict(x=1.4, y=-1.4, z=1.0)),
            aspectmode="manual",
            aspectratio=dict(x=1, y=1, z=0.6),
        ),
        margin=dict(l=0, r=0, b=0),
    )
    return fig


def race(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    surface: Surface,
    paths: Sequence[DescentPath],
    *,
    title: str,
    height: int = 520,
    max_frames: int = MAX_FRAMES,
    outcome: bool = True,
) -> go.Figure:
    """Several optimizers from the same start, animated step by step in the browser.

    The figure opens on the finished race, its legend naming each one's final loss; with ``outcome=False`` it
    opens on the start and names only the optimizers, so that the winner shows only when Play runs the race.
    Plotly frames move only the path traces (the contour never re-renders); a Play button runs them and a step
    slider scrubs through. At most ``max_frames`` frames, evenly spaced.
    """
    fig = contour_with_paths(xs, ys, z, surface, [], title=title, height=height)
    static = len(fig.data)
    labels = [path_label(run) if outcome else OPTIMIZERS[run.optimizer].label for run in paths]
    colors = [path_color(run) for run in paths]
    for run, color, label in zip(paths, colors, labels, strict=True):
        fig.add_trace(_path_trace(run, color, label, upto=None if outcome else 0))
    moving = list(range(static, static + len(paths)))
    fig.add_trace(_start_marker(paths[0].points[0]))
    longest = max(len(run.points) for run in paths) - 1
    steps = np.unique(np.linspace(0, longest, min(max_frames, longest + 1)).round().astype(int))
    # A frame carries only what moves (the points); colours, names and hover text stay those of the traces.
    # Plotly validates frames when they are assigned; building them unvalidated first halves the cost.
    fig.frames = [
        go.Frame(
            name=str(step),
            traces=moving,
            data=[_moving_points(run, upto=min(step, len(run.points) - 1)) for run in paths],
            _validate=False,
        )
        for step in steps
    ]
    fig.update_layout(
        updatemenus=[play_pause(80, redraw=True, y=-0.09, yanchor="top")],
        sliders=[
            dict(
                active=len(steps) - 1 if outcome else 0,
                x=0.34,
                len=0.66,
                y=-0.07,
                yanchor="top",
                currentvalue=dict(prefix="step ", font=dict(size=13), xanchor="right", offset=4),
                pad=dict(t=0, b=0),
                ticklen=0,
                minorticklen=0,
                font=dict(size=1, color="rgba(0,0,0,0)"),
                steps=[
                    dict(
                        label=str(step),
                        method="animate",
                        args=[[str(step)], dict(mode="immediate", frame=dict(duration=0, redraw=True))],
                    )
                    for step in steps
                ],
            )
        ],
        legend=dict(orientation="h", yanchor="top", y=-0.24, xanchor="left", x=0.0),
        margin=dict(b=140),
    )
    fig.update_xaxes(title_standoff=4)
    return fig
