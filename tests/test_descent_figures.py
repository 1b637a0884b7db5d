"""nnviz.figures.descent: traces, axes, titles and animation frames, without a browser."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.descent import path, suggested_lr
from nnviz.figures import descent as figures
from nnviz.surfaces import grid, make_surface


@pytest.fixture(scope="module")
def rosenbrock():
    surface = make_surface("rosenbrock")
    return surface, grid(surface, resolution=31)


def test_contour_with_a_path_marks_start_minimum_and_click_targets(rosenbrock):
    surface, (xs, ys, z) = rosenbrock
    run = path(surface, "adam", surface.start, 0.1, 20)
    fig = figures.contour_with_paths(xs, ys, z, surface, [run], title="Adam", pickable=True)
    types = [trace.type for trace in fig.data]
    assert types[0] == "contour"
    names = [trace.name for trace in fig.data]
    assert "minimum" in names and "start" in names
    line = next(t for t in fig.data if t.name and t.name.startswith("Adam"))
    np.testing.assert_allclose(line.x, run.points[:, 0])
    assert line.mode == "lines+markers" and "final loss" in line.name
    pick = next(t for t in fig.data if t.name == "click to start here")
    assert pick.marker.opacity == 0 and len(pick.x) > 100
    assert fig.layout.title.text == "Adam"
    assert fig.layout.xaxis.title.text == "w₁" and fig.layout.yaxis.title.text == "w₂"
    assert tuple(fig.layout.xaxis.range) == surface.bounds[0]
    assert "log" in fig.data[0].hovertemplate  # Rosenbrock spans many decades: coloured by log loss


def test_diverged_paths_are_crossed_and_labelled():
    surface = make_surface("bowl")
    xs, ys, z = grid(surface, resolution=21)
    run = path(surface, "sgd", surface.start, 0.3, 50)
    fig = figures.contour_with_paths(xs, ys, z, surface, [run], title="boom")
    crosses = [t for t in fig.data if t.type == "scatter" and t.marker.symbol == "x"]
    assert len(crosses) == 1 and f"step {run.diverged_at}" in crosses[0].text[0]
    assert any("diverged at step" in (t.name or "") for t in fig.data)


def test_gradient_arrow_points_downhill():
    surface = make_surface("bowl")
    xs, ys, z = grid(surface, resolution=21)
    fig = figures.contour_with_paths(xs, ys, z, surface, [], title="arrow")
    figures.gradient_arrow(fig, (1.0, 1.0), (1.0, 10.0), surface)
    (arrow,) = fig.layout.annotations
    assert (arrow.ax, arrow.ay) == (1.0, 1.0)
    assert arrow.x < 1.0 and arrow.y < 1.0  # against the gradient
    assert (arrow.y - 1.0) / (arrow.x - 1.0) == pytest.approx(10.0)
    figures.gradient_arrow(fig, (0.0, 0.0), (0.0, 0.0), surface)  # no direction at a stationary point
    assert len(fig.layout.annotations) == 1


def test_loss_curves_show_the_gap_on_a_log_axis():
    surface = make_surface("saddle")  # L* = -1: the gap is L + 1
    run = path(surface, "sgd", surface.start, 0.05, 30)
    fig = figures.loss_curves([run], surface)
    (trace,) = fig.data
    np.testing.assert_allclose(trace.y, np.maximum(run.losses + 1, figures.LOSS_FLOOR), rtol=1e-6)
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "step t" and fig.layout.title.text
    labelled = figures.loss_curves([run, run], surface, labels=["a", "b"])
    assert [t.name.split(":")[0] for t in labelled.data] == ["a", "b"] and labelled.data[0].line.color != labelled.data[
        1
    ].line.color


def test_surface_3d_has_the_surface_and_the_path(rosenbrock):
    surface, (xs, ys, z) = rosenbrock
    run = path(surface, "momentum", surface.start, suggested_lr(surface, "momentum"), 10)
    fig = figures.surface_3d(xs, ys, z, surface, [run])
    assert [t.type for t in fig.data] == ["surface", "scatter3d"]
    assert fig.layout.scene.xaxis.title.text == "w₁" and fig.layout.scene.zaxis.title.text
    assert len(fig.data[1].z) == len(run.points)


def test_race_animates_only_the_path_traces(rosenbrock):
    surface, (xs, ys, z) = rosenbrock
    runs = [
        path(surface, name, surface.start, suggested_lr(surface, name), 150) for name in ("sgd", "adam", "nesterov")
    ]
    fig = figures.race(xs, ys, z, surface, runs, title="race", max_frames=40)
    colors = {figures.optimizer_color(name) for name in ("sgd", "adam", "nesterov")}
    moving = [i for i, t in enumerate(fig.data) if t.type == "scatter" and t.line.color in colors]
    assert len(moving) == 3
    assert len(fig.frames) == 40
    for frame in fig.frames:
        assert list(frame.traces) == moving
    last = fig.frames[-1]
    assert len(last.data[1].x) == len(runs[1].points)  # the final frame is the whole race
    assert len(fig.frames[0].data[0].x) == 1  # the first frame is the start alone
    assert fig.layout.sliders[0].active == 39 and len(fig.layout.sliders[0].steps) == 40
    assert fig.layout.updatemenus[0].buttons[0].label.endswith("Play")
    assert all("final loss" in fig.data[i].name for i in moving)
    assert fig.data[0].type == "contour" and fig.data[0].showscale is False


def test_race_of_unequal_lengths_holds_the_diverged_path_at_its_end():
    surface = make_surface("bowl")
    xs, ys, z = grid(surface, resolution=21)
    runs = [path(surface, "sgd", surface.start, 0.3, 60), path(surface, "adam", surface.start, 0.2, 60)]
    fig = figures.race(xs, ys, z, surface, runs, title="race")
    assert len(fig.frames[-1].data[0].x) == len(runs[0].points) < 61
    assert len(fig.frames[-1].data[1].x) == 61
