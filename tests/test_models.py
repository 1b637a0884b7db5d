"""nnviz.models: the tutorials' architectures, the MLP builder, specs and checkpoints."""

from __future__ import annotations

import threading

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnviz.activations import ACTIVATIONS
from nnviz.models import (
    MLP,
    TUTORIAL_MODELS,
    BinaryClassifier,
    Mnist_NN,
    ModelSpec,
    Net,
    SimpleNN,
    SimpleNNDeep,
    build_model,
    linear_layers,
    mlp,
    parse_sizes,
)


@pytest.mark.parametrize(
    ("model", "in_shape", "out_shape", "layers"),
    [
        (Net(5), (7, 5), (7, 1), ["fc1"]),
        (BinaryClassifier(), (7, 20), (7, 1), ["fc1", "fc2"]),
        (SimpleNN(), (7, 1, 28, 28), (7, 10), ["fc1", "fc2"]),
        (SimpleNNDeep(), (7, 1, 28, 28), (7, 10), ["layers.0", "layers.2", "layers.4"]),
        (Mnist_NN(), (7, 784), (7, 10), ["lin1", "lin2"]),
    ],
)
def test_tutorial_models_shapes_and_layer_names(model, in_shape, out_shape, layers):
    assert model(torch.rand(in_shape)).shape == out_shape
    assert [name for name, _ in linear_layers(model)] == layers


@pytest.mark.parametrize("name", list(TUTORIAL_MODELS))
def test_tutorial_model_equals_mlp_of_its_spec(name):
    """Each tutorial class computes exactly what an MLP with its spec computes, given the same weights."""
    tutorial_model = build_model(ModelSpec(name, (5, 1), ("sigmoid",))) if name == "Net" else TUTORIAL_MODELS[name]()
    twin = mlp(tutorial_model.spec.sizes, tutorial_model.spec.activations)
    for (_, a), (_, b) in zip(linear_layers(tutorial_model), linear_layers(twin), strict=True):
        b.load_state_dict(a.state_dict())
    x = torch.randn(9, tutorial_model.spec.sizes[0])
    torch.testing.assert_close(tutorial_model(x), twin(x))


@pytest.mark.parametrize("name", [name for name, a in ACTIVATIONS.items() if a.torch_reference is not None])
def test_mlp_applies_each_registered_activation_as_torch_does(name):
    model = build_model(ModelSpec("mlp", (3, 4, 2), (name, "linear")), seed=1)
    x = torch.randn(6, 3, generator=torch.Generator().manual_seed(2))
    (_, first), (_, second) = linear_layers(model)
    hidden = ACTIVATIONS[name].torch_reference(F.linear(x, first.weight, first.bias))
    torch.testing.assert_close(model(x), F.linear(hidden, second.weight, second.bias))


def test_build_model_draws_the_weights_torch_manual_seed_would_but_from_its_own_generator():
    """A script's ``torch.manual_seed(s)`` then constructing the model gives the app's weights, yet building a
    model leaves torch's process-wide generator untouched."""
    spec = ModelSpec("mlp", (5, 7, 3), ("tanh", "linear"))
    state = torch.random.get_rng_state()
    ours = build_model(spec, seed=11)
    assert torch.equal(state, torch.random.get_rng_state())
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(11)
        reference = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3))
    for a, b in zip(ours.parameters(), reference.parameters(), strict=True):
        assert torch.equal(a, b)
    tutorial = build_model(SimpleNN.spec, seed=3)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        assert all(torch.equal(a, b) for a, b in zip(tutorial.parameters(), SimpleNN().parameters(), strict=True))


def test_models_built_in_threads_at_once_equal_the_ones_built_alone():
    """Streamlit runs every session in a thread of one process: concurrent builds must not share random state."""
    spec = ModelSpec("mlp", (2, 16, 16, 2), ("relu", "relu", "linear"))
    alone = {seed: build_model(spec, seed).state_dict() for seed in range(4)}
    barrier = threading.Barrier(4)
    wrong: list[int] = []

    def build(seed: int) -> None:
        barrier.wait()
        for _ in range(100):
            built = build_model(spec, seed).state_dict()
            if not all(torch.equal(built[k], alone[seed][k]) for k in built):
                wrong.append(seed)

    threads = [threading.Thread(target=build, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_mlp_single_activation_means_hidden_only():
    model = mlp((2, 8, 8, 3), "tanh")
    assert model.spec.activations == ("tanh", "tanh", "linear")
    assert not isinstance(list(model)[-1], nn.Tanh)


@pytest.mark.parametrize(
    ("sizes", "activations", "message"),
    [
        ((4,), (), "at least an input and an output"),
        ((4, 0, 2), ("relu", "linear"), "positive integers"),
        ((4, 2), ("swish",), "Unknown activation 'swish'"),
        ((4, 3, 2), ("relu",), "one activation per Linear layer"),
    ],
)
def test_bad_architectures_are_clear_value_errors(sizes, activations, message):
    with pytest.raises(ValueError, match=message):
        MLP(sizes, activations)


def test_parse_sizes():
    assert parse_sizes("784-128-10") == (784, 128, 10)
    assert parse_sizes("784, 128, 10") == (784, 128, 10)
    with pytest.raises(ValueError, match="not a number"):
        parse_sizes("784-x-10")
    with pytest.raises(ValueError, match="out of range"):
        parse_sizes("784-0-10")


def test_build_model_refuses_a_tutorial_class_with_other_sizes():
    with pytest.raises(ValueError, match="SimpleNN is fixed at"):
        build_model(ModelSpec("SimpleNN", (784, 64, 10), ("relu", "linear")))


def test_spec_round_trips_through_a_dict():
    spec = ModelSpec("mlp", (2, 8, 1), ("relu", "sigmoid"))
    assert ModelSpec.from_dict(spec.to_dict()) == spec
