"""nnviz.figures.playground: what each figure draws, checked against the model, the maps and the data it was given."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
import torch

from nnviz.features import FeatureMap
from nnviz.figures import playground as pf
from nnviz.figures.style import HIGHLIGHT, PALETTE
from nnviz.models import mlp
from nnviz.network_text import num
from nnviz.network_view import HiddenSpace, Pick, PlaneGrid, hidden_space, layer_parameters, neuron_maps
from nnviz.toys import make_toy

FEATURES = FeatureMap(("x1", "x2", "x1_x2"))


def _model(sizes=(3, 5, 4, 3), seed=0) -> torch.nn.Module:
    model = mlp(sizes, "tanh")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator))
    return model


MODEL = _model()
PARAMS = layer_parameters(MODEL)
WEIGHTS, BIASES = [w for w, _ in PARAMS], [b for _, b in PARAMS]
THUMBS = [layer.numpy() for layer in neuron_maps(MODEL, FEATURES, PlaneGrid(6.0, 6)).layers]
GRID = neuron_maps(MODEL, FEATURES, PlaneGrid(6.0, 20))
AXIS = GRID.grid.axis.numpy()
DATA = make_toy("spiral-k", n_samples=90, n_classes=3, seed=1)


def _graph(**kwargs) -> go.Figure:
    return go.Figure(pf.network_graph(WEIGHTS, BIASES, FEATURES.labels, MODEL.spec.activations, **kwargs))


def _trace(fig: go.Figure, name: str):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def _decode(values) -> np.ndarray:
    """A binary array plotly would send, as numpy (figures keep numpy arrays until serialised)."""
    return np.asarray(values)


BUILT = {  # the builders' figure dicts, as a live page hands them to the canvas
    "network": lambda: pf.network_graph(
        WEIGHTS, BIASES, FEATURES.labels, MODEL.spec.activations, maps=THUMBS, selected=Pick("weight", 2, 1, 3)
    ),
    "network without maps": lambda: pf.network_graph(
        WEIGHTS, BIASES, FEATURES.labels, MODEL.spec.activations, selected=Pick("bias", 1, 2)
    ),
    "neuron map": lambda: pf.neuron_map(
        AXIS,
        AXIS,
        GRID.layers[1][2].numpy(),
        name="h",
        x_train=DATA.x_train,
        t_train=DATA.y_train,
        class_names=DATA.class_names,
    ),
    "class regions": lambda: pf.add_click_layer(
        pf.class_regions(
            AXIS,
            AXIS,
            GRID.probabilities().numpy(),
            DATA.x_train,
            DATA.y_train,
            DATA.x_test,
            DATA.y_test,
            class_names=DATA.class_names,
        ),
        6.0,
    ),
    "regression": lambda: pf.regression_map(
        AXIS, AXIS, GRID.layers[-1][0].numpy(), DATA.x_train, DATA.y_train.float() / 2
    ),
    "hidden space": lambda: pf.hidden_space_figure(
        hidden_space(MODEL, FEATURES, DATA.x_train, layer=1, neurons=(0, 3)), DATA.y_train, class_names=DATA.class_names
    ),
}
FIGURES = {name: lambda build=build: go.Figure(build()) for name, build in BUILT.items()}
"""The same figures through plotly's validation (which raises for any property plotly does not know)."""


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_valid_plotly_as_built(name):
    """The live figures are plain dicts, never validated when built; validating them must change nothing."""
    fig = FIGURES[name]()
    built = json.loads(pio.to_json(go.Figure(**BUILT[name](), _validate=False), validate=False))  # as it is
    assert json.loads(pio.to_json(fig, validate=False)) == built
    assert fig.layout.template.layout.font.family  # styled() was applied
    for trace in fig.data:  # clicking a point must not fade the others
        if trace.type == "scatter" and "markers" in (trace.mode or "") and trace.name != "click to add":
            assert trace.unselected.marker.opacity == trace.selected.marker.opacity == 1.0


# --- the network --------------------------------------------------------------------------------------------------


def test_the_network_draws_thumbnails_edges_and_clickable_markers_in_order():
    fig = _graph(maps=THUMBS)
    names = [t.name for t in fig.data]
    assert names[0] == "neuron maps" and names[-4:] == ["weights", "biases", "neurons", "input labels"]
    lines = fig.data[1:-4]
    assert all(t.type == "scatter" and t.mode == "lines" for t in lines)
    assert len(lines) <= 2 * (pf.EDGE_LEVELS + 1)
    assert list(fig.layout.xaxis.ticktext) == ["input", "hidden 1<br>tanh", "hidden 2<br>tanh", "output<br>linear"]
    assert list(_trace(fig, "input labels").text) == ["x₁", "x₂", "x₁x₂"]


def test_each_weight_marker_names_its_weight_sits_on_its_edge_and_shows_its_value():
    fig = _graph(maps=THUMBS)
    markers = _trace(fig, "weights")
    assert len(markers.customdata) == sum(w.size for w in WEIGHTS) == 3 * 5 + 5 * 4 + 4 * 3
    half = pf.THUMBNAIL / 2
    seen = set()
    assert markers.hovertemplate.startswith(
        "w<sup>(%{customdata[1]})</sup><sub>%{customdata[2]},%{customdata[3]}</sub>"
    )
    for (kind, layer, i, j), x, y, text in zip(markers.customdata, markers.x, markers.y, markers.text, strict=True):
        pick = Pick.from_customdata([kind, layer, i, j])
        assert pick.kind == "weight" and (layer, i, j) not in seen
        seen.add((layer, i, j))
        value = WEIGHTS[layer - 1][i, j]
        assert text == num(value)
        assert float(MODEL.state_dict()[f"fc{layer}.weight"][i, j]) == value
        x0, y0, x1, y1 = (layer - 1) * pf.LAYER_GAP + half, -j, layer * pf.LAYER_GAP - half, -i
        t = (x - x0) / (x1 - x0)
        assert t == pytest.approx(pf.EDGE_HOVER_AT, abs=1e-5) and y == pytest.approx(y0 + t * (y1 - y0), abs=1e-5)


def test_edges_are_coloured_by_the_sign_and_thick_by_the_size_of_their_weight():
    fig = _graph(maps=THUMBS)
    half = pf.THUMBNAIL / 2
    drawn = []  # (weight, colour, width) of every edge segment
    for trace in fig.data[1:-4]:
        xs, ys = _decode(trace.x).reshape(-1, 3), _decode(trace.y).reshape(-1, 3)
        assert np.isnan(xs[:, 2]).all() and np.isnan(ys[:, 2]).all()  # one segment, then a gap
        for (x0, x1, _), (y0, y1, _) in zip(xs, ys, strict=True):
            layer = round((x1 + half) / pf.LAYER_GAP)
            assert x0 == pytest.approx((layer - 1) * pf.LAYER_GAP + half, abs=1e-5)
            drawn.append((WEIGHTS[layer - 1][round(-y1), round(-y0)], trace.line.color, trace.line.width))
    assert len(drawn) == sum(w.size for w in WEIGHTS)
    for weight, color, _ in drawn:
        red, _, blue = (int(c) for c in color.removeprefix("rgb(").removesuffix(")").split(","))
        assert (blue > red) == (weight >= 0)  # blue positive, orange negative
    by_size = sorted(drawn, key=lambda edge: abs(edge[0]))
    assert all(a[2] <= b[2] for a, b in zip(by_size, by_size[1:], strict=False))
    assert by_size[0][2] < by_size[-1][2]


def test_bias_and_neuron_markers_carry_their_values_and_picks():
    fig = _graph(maps=THUMBS)
    biases = _trace(fig, "biases")
    assert [Pick.from_customdata(c) for c in biases.customdata] == [
        Pick("bias", layer, i) for layer, b in enumerate(BIASES, start=1) for i in range(len(b))
    ]
    assert np.allclose(_decode(biases.marker.color), np.concatenate(BIASES))
    assert list(biases.text) == [num(b) for b in np.concatenate(BIASES)] and "b<sup>(" in biases.hovertemplate
    neurons = _trace(fig, "neurons")
    picks = [Pick.from_customdata(c) for c in neurons.customdata]
    assert picks == [Pick("neuron", layer, i) for layer, n in enumerate((3, 5, 4, 3)) for i in range(n)]
    hidden = picks.index(Pick("neuron", 1, 2))
    assert f"from {num(THUMBS[1][2].min())} to {num(THUMBS[1][2].max())}" in neurons.text[hidden]
    assert neurons.marker.color == "rgba(0,0,0,0)"  # the thumbnail shows through
    assert _graph().data[-2].marker.color == "white"  # without maps, neurons are plain squares


def test_the_mosaic_holds_every_neurons_map_scaled_to_its_own_range():
    fig = _graph(maps=THUMBS)
    mosaic = fig.data[0]
    z, x_edges, y_edges = _decode(mosaic.z), _decode(mosaic.x), _decode(mosaic.y)
    r, tallest, half = 6, 5, pf.THUMBNAIL / 2
    assert z.dtype == np.uint8 and z.shape == (tallest * (r + 1) - 1, 4 * (r + 1) - 1)
    assert (len(x_edges), len(y_edges)) == (z.shape[1] + 1, z.shape[0] + 1)  # bricks: edges, not centres
    for layer, maps in enumerate(THUMBS):
        for neuron, values in enumerate(maps):
            top, left = (tallest - 1 - neuron) * (r + 1), layer * (r + 1)
            tile = z[top : top + r, left : left + r].astype(float)
            assert np.allclose((tile - 1) / 254 * 2 - 1, values / np.abs(values).max(), atol=1 / 254 + 1e-6)
            assert x_edges[left] == pytest.approx(layer * pf.LAYER_GAP - half)
            assert y_edges[top + r] == pytest.approx(-neuron + half)
    empty = np.ones_like(z, dtype=bool)
    for layer, maps in enumerate(THUMBS):
        for neuron in range(len(maps)):
            top, left = (tallest - 1 - neuron) * (r + 1), layer * (r + 1)
            empty[top : top + r, left : left + r] = False
    assert (z[empty] == 0).all()  # the background between tiles
    signs = _decode(_graph(maps=THUMBS, discretize=True).data[0].z)
    assert set(np.unique(signs)) <= {0, 1, 128, 255}


def test_the_picked_neuron_weight_or_bias_is_outlined():
    half = pf.THUMBNAIL / 2
    (frame,) = _graph(maps=THUMBS, selected=Pick("neuron", 2, 3)).layout.shapes
    assert frame.type == "rect" and frame.line.color == HIGHLIGHT
    assert (frame.x0 + frame.x1) / 2 == pytest.approx(2 * pf.LAYER_GAP) and (frame.y0 + frame.y1) / 2 == pytest.approx(
        -3
    )
    (edge,) = _graph(selected=Pick("weight", 2, 1, 3)).layout.shapes
    assert (edge.x0, edge.y0, edge.x1, edge.y1) == pytest.approx((pf.LAYER_GAP + half, -3, 2 * pf.LAYER_GAP - half, -1))
    with_bias = _graph(selected=Pick("bias", 1, 2))
    (bias,) = with_bias.layout.shapes
    markers = _trace(with_bias, "biases")
    k = [Pick.from_customdata(c) for c in markers.customdata].index(Pick("bias", 1, 2))
    assert ((bias.x0 + bias.x1) / 2, (bias.y0 + bias.y1) / 2) == pytest.approx((markers.x[k], markers.y[k]), abs=1e-5)


def test_the_network_drawing_refuses_inconsistent_inputs():
    with pytest.raises(ValueError, match="input labels"):
        pf.network_graph(WEIGHTS, BIASES, ["x₁"], MODEL.spec.activations)
    with pytest.raises(ValueError, match="Maps of"):
        _graph(maps=THUMBS[:-1])
    wide = layer_parameters(mlp((2, 17, 2)))
    with pytest.raises(ValueError, match="up to 16 neurons"):
        pf.network_graph([w for w, _ in wide], [b for _, b in wide], ["a", "b"], ("tanh", "linear"))


def test_the_live_network_figure_stays_small():
    """2-8-8-2 with 12 × 12 thumbnails: what one live update sends for the network."""
    model = _model((2, 8, 8, 2))
    params = layer_parameters(model)
    maps = [layer.numpy() for layer in neuron_maps(model, FeatureMap(), PlaneGrid(6.0, 12)).layers]
    fig = go.Figure(
        pf.network_graph(
            [w for w, _ in params], [b for _, b in params], ("x₁", "x₂"), model.spec.activations, maps=maps
        )
    )
    assert len(pio.to_json(fig, validate=False)) < 45_000


# --- the plane ------------------------------------------------------------------------------------------------------


def test_class_regions_colour_each_cell_by_its_most_likely_class_and_its_confidence():
    p = GRID.probabilities().numpy()
    fig = FIGURES["class regions"]()
    regions = fig.data[0]
    assert [t.type for t in fig.data].count("heatmap") == 1
    codes = _decode(regions.z).astype(int)
    levels = pf.region_levels(3)
    assert np.array_equal(codes // levels, p.argmax(axis=2))
    sureness = codes % levels
    confidence = p.max(axis=2)
    order = np.argsort(confidence, axis=None)
    assert np.all(np.diff(sureness.reshape(-1)[order]) >= 0)  # surer cells are never paler
    assert np.array_equal(_decode(regions.customdata), np.rint(confidence * 100).astype(np.uint8))
    colors = [color for _, color in regions.colorscale]
    assert colors[1] == PALETTE[0] and colors[3] == PALETTE[1] and colors[5] == PALETTE[2]
    assert regions.colorscale[0][0] == 0.0 and regions.colorscale[-1][0] == 1.0
    assert {t.name for t in fig.data[1:-1]} == {f"class {c} ({split})" for c in range(3) for split in ("train", "test")}
    assert fig.layout.yaxis.scaleanchor == "x" and tuple(fig.layout.xaxis.range) == (-6.0, 6.0)
    sharp = go.Figure(
        pf.class_regions(AXIS, AXIS, p, DATA.x_train, DATA.y_train, class_names=DATA.class_names, discretize=True)
    )
    assert np.all(_decode(sharp.data[0].z).astype(int) % levels == levels - 1)
    assert not any("test" in t.name for t in sharp.data)


@pytest.mark.parametrize("k", [2, 5, 8])
def test_class_regions_work_for_two_to_eight_classes(k):
    rng = np.random.default_rng(k)
    p = rng.dirichlet(np.ones(k), size=(10, 10)).astype(np.float32)
    names = [f"class {c}" for c in range(k)]
    fig = go.Figure(pf.class_regions(AXIS[:10], AXIS[:10], p, np.zeros((k, 2)), np.arange(k), class_names=names))
    assert np.array_equal(_decode(fig.data[0].z).astype(int) // pf.region_levels(k), p.argmax(axis=2))
    with pytest.raises(ValueError, match="2 to 8 classes"):
        pf.class_regions(AXIS[:10], AXIS[:10], p, np.zeros((1, 2)), [0], class_names=names[:-1])


def test_the_regression_output_and_the_targets_share_one_colour_scale():
    output = GRID.layers[-1][0].numpy()
    targets = np.linspace(-2.0, 1.5, len(DATA.x_train))
    fig = go.Figure(
        pf.regression_map(AXIS, AXIS, output, DATA.x_train, targets, DATA.x_test, np.zeros(len(DATA.x_test)))
    )
    heat, train, test = fig.data
    assert np.array_equal(_decode(heat.z), output) and (heat.zmin, heat.zmax) == (-2.0, 2.0)
    assert np.allclose(_decode(train.marker.color), targets) and (train.marker.cmin, train.marker.cmax) == (-2.0, 2.0)
    assert train.marker.line.color == "white" and test.marker.line.color == pf.TEST_RIM
    small = go.Figure(pf.regression_map(AXIS, AXIS, output, DATA.x_train, targets / 10, discretize=True))
    assert small.data[0].zmax == 1.0 and set(np.unique(_decode(small.data[0].z))) <= {-1.0, 0.0, 1.0}


def test_one_neurons_map_is_drawn_large_on_a_symmetric_scale():
    values = GRID.layers[2][1].numpy()
    fig = go.Figure(pf.neuron_map(AXIS, AXIS, values, name="hidden 2 neuron 1"))
    (heat,) = fig.data
    assert np.array_equal(_decode(heat.z), values)
    assert heat.zmax == pytest.approx(np.abs(values).max()) and heat.zmin == -heat.zmax
    assert "hidden 2 neuron 1" in fig.layout.title.text and "hidden 2 neuron 1 = %{z" in heat.hovertemplate
    signs = go.Figure(pf.neuron_map(AXIS, AXIS, values, name="n", discretize=True)).data[0]
    assert set(np.unique(_decode(signs.z))) <= {-1.0, 0.0, 1.0}


def test_the_hidden_space_draws_each_grid_line_and_the_points():
    lines = np.arange(2 * 3 * 4 * 2, dtype=float).reshape(2, 3, 4, 2)
    space = HiddenSpace(layer=1, neurons=(0, 2), points=np.array([[0.1, 0.2], [0.3, 0.4]]), lines=lines)
    fig = go.Figure(pf.hidden_space_figure(space, np.array([0, 1]), class_names=("class 0", "class 1")))
    vertical, horizontal = fig.data[:2]
    for trace, family in ((vertical, lines[0]), (horizontal, lines[1])):
        x, y = _decode(trace.x).reshape(3, 5), _decode(trace.y).reshape(3, 5)
        assert (
            np.isnan(x[:, 4]).all()
            and np.array_equal(x[:, :4], family[..., 0])
            and np.array_equal(y[:, :4], family[..., 1])
        )
    assert [t.name for t in fig.data[2:]] == ["class 0 (train)", "class 1 (train)"]
    assert fig.layout.xaxis.title.text == "layer 1 neuron 0" and fig.layout.yaxis.title.text == "layer 1 neuron 2"
    regression = go.Figure(pf.hidden_space_figure(space, np.array([0.5, -0.5])))
    assert np.allclose(_decode(regression.data[2].marker.color), [0.5, -0.5])


# --- clicks ---------------------------------------------------------------------------------------------------------


def test_the_click_layer_covers_the_plane_with_invisible_markers():
    fig = go.Figure(pf.add_click_layer(dict(data=[], layout={}), extent=4.0, resolution=5))
    (layer,) = fig.data
    x, y = _decode(layer.x), _decode(layer.y)
    assert (
        len(x) == 25 and x.min() == -4.0 and y.max() == 4.0 and len({(a, b) for a, b in zip(x, y, strict=True)}) == 25
    )
    assert layer.hoverinfo == "none" and layer.marker.color == "rgba(0,0,0,0)"
    with pytest.raises(ValueError):
        pf.add_click_layer(dict(data=[], layout={}), 4.0, resolution=500)


def test_selections_are_read_back_as_a_position_or_a_pick():
    """The shape of ``st.plotly_chart(..., on_select="rerun")``'s event (Streamlit 1.67)."""
    click = {"x": 1.5, "y": -0.3, "curve_number": 9, "point_number": 40, "point_index": 40}
    weight = {"x": 2.9, "y": -1.2, "curve_number": 7, "point_index": 3, "customdata": [0, 2, 1, 3]}
    event = {"selection": {"points": [click], "point_indices": [40], "box": [], "lasso": []}}
    assert pf.clicked_position(event) == (1.5, -0.3) and pf.picked(event) is None
    assert pf.picked({"selection": {"points": [click, weight]}}) == Pick("weight", 2, 1, 3)
    assert pf.picked({"points": [weight]}) == Pick("weight", 2, 1, 3)  # the selection itself works too
    empty = {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}
    assert pf.clicked_position(empty) is None and pf.picked(empty) is None and pf.picked(None) is None
