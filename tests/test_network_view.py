"""nnviz.network_view, checked against the model itself: neuron maps, hidden space, edited weights, export."""

from __future__ import annotations

import math
import threading

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnviz import network_view
from nnviz.checkpoints import load
from nnviz.features import FeatureMap
from nnviz.models import build_model, mlp
from nnviz.network_view import (
    EDIT_LIMIT,
    MAX_GRID_MACS,
    Pick,
    PlaneGrid,
    affordable_resolution,
    hidden_space,
    layer_parameters,
    load_model_bytes,
    model_bytes,
    neuron_maps,
    neuron_maps_on,
    parameter,
    set_parameter,
)

FEATURE_MAP = FeatureMap(("x1", "x2", "x1_x2", "sin_x2"))


def _model(sizes=(4, 6, 5, 3), activations=("tanh", "relu", "linear"), seed=0) -> torch.nn.Module:
    model = mlp(sizes, activations)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.8)
    return model


def _layers_by_hand(model: torch.nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Each layer's values computed from the model's own modules, one at a time: [x, a1, a2, ..., output]."""
    values = [x]
    for name, module in model.named_children():
        if name.startswith("fc"):
            values.append(module(values[-1]))
        else:  # the activation after the last Linear layer replaces its output
            values[-1] = module(values[-1])
    return values


def test_the_grid_lists_its_points_row_by_row_with_x2_as_the_row():
    grid = PlaneGrid(extent=3.0, resolution=4)
    points, axis = grid.points(), grid.axis
    assert points.shape == (16, 2) and axis.tolist() == [-3.0, -1.0, 1.0, 3.0]
    for i in range(4):
        for j in range(4):
            assert points[i * 4 + j].tolist() == [axis[j].item(), axis[i].item()]
    for bad in (dict(resolution=1), dict(resolution=201), dict(extent=0.0), dict(extent=math.inf)):
        with pytest.raises(ValueError):
            PlaneGrid(**bad)


def test_every_neuron_map_is_the_models_own_layer_output_on_the_grid():
    model = _model()
    grid = PlaneGrid(6.0, 9)
    maps = neuron_maps(model, FEATURE_MAP, grid)
    with torch.no_grad():
        expected = _layers_by_hand(model, FEATURE_MAP(grid.points()))
        output = model(FEATURE_MAP(grid.points()))
    assert maps.sizes == (4, 6, 5, 3) and maps.activations == ("tanh", "relu", "linear")
    for layer, values in zip(maps.layers, expected, strict=True):
        assert layer.shape == (values.shape[1], 9, 9)
        assert torch.allclose(layer, values.T.reshape(-1, 9, 9), atol=1e-6)
    assert torch.allclose(maps.layers[-1], output.T.reshape(3, 9, 9), atol=1e-6)
    # Entry [u, i, j] is neuron u at (axis[j], axis[i]): x₁ varies along a row of layer 0.
    assert torch.allclose(maps.layers[0][0, 2], grid.axis) and torch.allclose(maps.layers[0][1][:, 5], grid.axis)
    assert (maps.layers[2] >= 0).all()  # ReLU layer
    probabilities = maps.probabilities()
    assert probabilities.shape == (9, 9, 3)
    assert torch.allclose(probabilities.reshape(-1, 3), F.softmax(output, dim=1), atol=1e-6)


def test_maps_on_several_grids_and_in_small_chunks_are_the_same(monkeypatch):
    model = _model()
    coarse, fine = PlaneGrid(6.0, 5), PlaneGrid(4.0, 11)
    together = neuron_maps_on(model, FEATURE_MAP, [coarse, fine])
    monkeypatch.setattr(network_view, "CHUNK", 7)
    for grid, maps in zip((coarse, fine), together, strict=True):
        alone = neuron_maps(model, FEATURE_MAP, grid)
        assert maps.grid == grid
        assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(maps.layers, alone.layers, strict=True))


def test_two_threads_drawing_the_same_model_each_get_their_own_maps():
    """A feed's request thread and a rerun draw the same copy of a playground network at once (the hooks that read
    its layers are the model's): each must get its own pass's layers, as drawn alone."""
    model = _model()
    grid = PlaneGrid(6.0, 60)
    alone = neuron_maps(model, FEATURE_MAP, grid)
    results: list = []

    def draw() -> None:
        for _ in range(30):
            try:
                results.append(neuron_maps(model, FEATURE_MAP, grid))
            except Exception as error:  # noqa: BLE001 - what the other thread's hooks made of this pass
                results.append(error)

    threads = [threading.Thread(target=draw) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 90
    for maps in results:
        assert not isinstance(maps, Exception), maps
        assert maps.sizes == alone.sizes
        assert all(torch.equal(a, b) for a, b in zip(maps.layers, alone.layers, strict=True))


def test_maps_refuse_mismatched_features_and_cost_beyond_the_bound(monkeypatch):
    model = _model()  # 24 + 30 + 15 = 69 weights
    with pytest.raises(ValueError, match="takes 4 inputs but 2 features"):
        neuron_maps(model, FeatureMap(), PlaneGrid())
    assert network_view.grid_cost(model, 10) == 6_900
    assert network_view.grid_cost(mlp((7, 8, 8, 8, 8, 8, 8, 8)), 200) <= MAX_GRID_MACS  # the playground's largest
    monkeypatch.setattr(network_view, "MAX_GRID_MACS", 6_900)
    neuron_maps(model, FEATURE_MAP, PlaneGrid(resolution=10))
    with pytest.raises(ValueError, match="affordable_resolution"):
        neuron_maps(model, FEATURE_MAP, PlaneGrid(resolution=11))
    with pytest.raises(ValueError, match="affordable_resolution"):
        neuron_maps_on(model, FEATURE_MAP, [PlaneGrid(resolution=10), PlaneGrid(resolution=2)])
    assert affordable_resolution(model, 60) == 10 and affordable_resolution(model, 8) == 8
    monkeypatch.setattr(network_view, "MAX_GRID_MACS", 69 * 3)
    with pytest.raises(ValueError, match="too large"):
        affordable_resolution(model, 60)
    with pytest.raises(ValueError, match="one output per class"):
        neuron_maps(mlp((4, 3, 1)), FEATURE_MAP, PlaneGrid(resolution=3)).probabilities()


def test_the_hidden_space_is_the_layer_read_at_two_neurons_of_the_points_and_grid_lines():
    model = _model()
    points = torch.tensor([[1.0, 2.0], [-3.0, 0.5], [0.0, -4.0]])
    space = hidden_space(model, FEATURE_MAP, points, layer=1, neurons=(4, 2), extent=5.0, n_lines=3, samples=7)
    with torch.no_grad():
        hidden = _layers_by_hand(model, FEATURE_MAP(points))[1]
        along = torch.linspace(-5.0, 5.0, 7)
        vertical = torch.stack([torch.full((7,), 5.0), along], dim=1)  # the last line x₁ = 5
        vertical_image = _layers_by_hand(model, FEATURE_MAP(vertical))[1][:, [4, 2]]
        horizontal = torch.stack([along, torch.full((7,), -5.0)], dim=1)  # the first line x₂ = -5
        horizontal_image = _layers_by_hand(model, FEATURE_MAP(horizontal))[1][:, [4, 2]]
    assert space.points.shape == (3, 2) and space.lines.shape == (2, 3, 7, 2)
    assert np.allclose(space.points, hidden[:, [4, 2]].numpy(), atol=1e-6)
    assert np.allclose(space.lines[0, 2], vertical_image.numpy(), atol=1e-6)
    assert np.allclose(space.lines[1, 0], horizontal_image.numpy(), atol=1e-6)
    inputs = hidden_space(model, FEATURE_MAP, points, layer=0, neurons=(2, 3))  # the features' own space
    assert np.allclose(inputs.points, FEATURE_MAP(points)[:, [2, 3]].numpy())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(layer=4), "from 0 \\(the input\\) to 3"),
        (dict(layer=1, neurons=(1, 1)), "two different neurons"),
        (dict(layer=2, neurons=(0, 5)), "from 0 to 4"),
        (dict(layer=1, n_lines=100), "2 to 41 lines"),
    ],
)
def test_the_hidden_space_refuses_what_it_cannot_draw(kwargs, message):
    with pytest.raises(ValueError, match=message):
        hidden_space(_model(), FEATURE_MAP, torch.zeros(2, 2), **kwargs)
    with pytest.raises(ValueError, match="one neuron"):
        hidden_space(mlp((4, 1, 2)), FEATURE_MAP, torch.zeros(2, 2), layer=1)


# --- picks and edits ----------------------------------------------------------------------------------------------


def test_a_pick_round_trips_through_customdata_and_reads_as_math():
    for pick in (Pick("weight", 2, 3, 1), Pick("bias", 1, 0), Pick("neuron", 0, 4)):
        assert Pick.from_customdata(pick.customdata) == pick
        assert Pick.from_customdata([float(v) for v in pick.customdata]) == pick  # as the browser sends them
    assert Pick("weight", 2, 3, 1).symbol == "w⁽²⁾₃₁" and Pick("bias", 1, 0).symbol == "b⁽¹⁾₀"
    assert Pick("weight", 1, 12, 3).symbol == "w⁽¹⁾₁₂,₃"
    for bad in ([0, 1, 2], [3, 1, 0, -1], [0.5, 1, 0, 0], ["weight", 1, 0, 0], {"0": 0}):
        with pytest.raises(ValueError):
            Pick.from_customdata(bad)
    with pytest.raises(ValueError, match="j >= 0"):
        Pick("weight", 1, 0)
    with pytest.raises(ValueError, match="j = -1"):
        Pick("bias", 1, 0, 2)


def test_an_edited_weight_and_bias_are_in_the_models_state_dict():
    model = _model()
    old = float(model.fc2.weight.detach()[3, 1])
    assert parameter(model, Pick("weight", 2, 3, 1)) == old
    assert set_parameter(model, Pick("weight", 2, 3, 1), 2.5) == old
    assert set_parameter(model, Pick("bias", 3, 2), -EDIT_LIMIT) == pytest.approx(float(_model().fc3.bias.detach()[2]))
    state = model.state_dict()
    assert state["fc2.weight"][3, 1] == 2.5 and state["fc3.bias"][2] == -EDIT_LIMIT
    untouched = _model().state_dict()
    changed = {k for k in state if not torch.equal(state[k], untouched[k])}
    assert changed == {"fc2.weight", "fc3.bias"}
    assert (state["fc2.weight"] != untouched["fc2.weight"]).sum() == 1
    assert model.fc2.weight.requires_grad and model.fc2.weight.grad is None


@pytest.mark.parametrize(
    ("pick", "value", "message"),
    [
        (Pick("weight", 1, 0, 0), math.nan, "within ±10"),
        (Pick("weight", 1, 0, 0), 10.5, "within ±10"),
        (Pick("weight", 4, 0, 0), 1.0, "layers 1 to 3"),
        (Pick("weight", 1, 6, 0), 1.0, "maps 4 to 6"),
        (Pick("weight", 1, 0, 4), 1.0, "has no w⁽¹⁾₀₄"),
        (Pick("neuron", 1, 0), 1.0, "is a neuron"),
    ],
)
def test_an_edit_outside_the_model_or_the_bounds_is_refused_and_changes_nothing(pick, value, message):
    model = _model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(ValueError, match=message):
        set_parameter(model, pick, value)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_optimizer_steps_from_the_edited_value(optimizer):
    model = _model()
    x = FEATURE_MAP(torch.randn(32, 2, generator=torch.Generator().manual_seed(1)) * 3)
    y = torch.arange(32) % 3
    lr = 0.01
    opt = (
        torch.optim.SGD(model.parameters(), lr=lr)
        if optimizer == "sgd"
        else torch.optim.Adam(model.parameters(), lr=lr)
    )
    for _ in range(3):  # Adam has moment estimates by now
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    pick = Pick("weight", 1, 2, 3)
    set_parameter(model, pick, 4.0)
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    gradient = float(model.fc1.weight.grad[2, 3])
    opt.step()
    after = parameter(model, pick)
    if optimizer == "sgd":
        assert after == pytest.approx(4.0 - lr * gradient, abs=1e-6)
    else:
        assert after != 4.0 and abs(after - 4.0) <= 1.01 * lr  # Adam moves each weight by at most about lr


def test_layer_parameters_are_copies_of_each_layer():
    model = _model()
    params = layer_parameters(model)
    assert [w.shape for w, _ in params] == [(6, 4), (5, 6), (3, 5)]
    assert np.array_equal(params[1][1], model.fc2.bias.detach().numpy())
    params[0][0][0, 0] = 99.0
    assert model.fc1.weight[0, 0] != 99.0


# --- export -------------------------------------------------------------------------------------------------------


def test_the_model_file_round_trips_with_its_features_and_is_a_checkpoint(tmp_path):
    model = _model()
    set_parameter(model, Pick("weight", 1, 0, 0), 1.25)
    data = model_bytes(model, FEATURE_MAP)
    loaded, features = load_model_bytes(data)
    assert features == FEATURE_MAP
    assert all(
        torch.equal(a, b) for a, b in zip(loaded.state_dict().values(), model.state_dict().values(), strict=True)
    )
    path = tmp_path / "model.pt"
    path.write_bytes(data)
    checkpoint = load(path)
    assert torch.equal(checkpoint.fc1.weight, model.fc1.weight)
    raw = torch.load(path, weights_only=True)
    assert raw["features"] == ["x1", "x2", "x1_x2", "sin_x2"]


def test_a_model_file_that_is_not_one_is_refused():
    with pytest.raises(ValueError, match="not a PyTorch checkpoint"):
        load_model_bytes(b"not a torch file")
    with pytest.raises(ValueError, match="takes 4 inputs but 2 features"):
        model_bytes(_model(), FeatureMap())
    other = build_model(_model().spec)
    data = bytearray(model_bytes(other, FEATURE_MAP))
    with pytest.raises(ValueError):
        load_model_bytes(bytes(data[: len(data) // 2]))
