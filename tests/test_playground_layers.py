"""nnviz.playground's architecture edits (what the +/− buttons do), per-layer activations and the regression config."""

from __future__ import annotations

import pytest

from nnviz import playground
from nnviz.inputs import InputError
from nnviz.models import build_model


@pytest.mark.parametrize(
    ("hidden", "edited"),
    [
        ((), (2,)),  # TensorFlow Playground adds 2 neurons
        ((4, 3), (4, 3, 3)),  # as wide as the last layer
        ((32,), (32, 8)),  # a typed wide layer is not copied beyond what the buttons reach
        ((1,) * 6, (1,) * 6),  # at the most layers, nothing changes
    ],
)
def test_adding_a_layer(hidden, edited):
    assert playground.add_layer(hidden) == edited


def test_removing_and_resizing_layers_stays_in_bounds():
    assert playground.remove_layer((4, 3)) == (4,) and playground.remove_layer(()) == ()
    assert playground.resize_layer((4, 3), 2, +1) == (4, 4)
    assert playground.resize_layer((8, 3), 1, +1) == (8, 3)  # the buttons stop at 8
    assert playground.resize_layer((1, 3), 1, -1) == (1, 3)  # and at 1
    assert playground.resize_layer((20,), 1, +1) == (20,) and playground.resize_layer((20,), 1, -1) == (19,)
    with pytest.raises(InputError, match="no hidden layer 3"):
        playground.resize_layer((4, 3), 3, +1)


@pytest.mark.parametrize("hidden", [(), (4,), (8, 1, 256)])
def test_the_typed_form_round_trips(hidden):
    assert playground.parse_hidden(playground.format_hidden(hidden)) == hidden


def test_activations_per_layer_fill_in_the_default_and_round_trip():
    assert playground.parse_activations("", 2, "tanh") == ("tanh", "tanh")
    assert playground.parse_activations(" relu ,sigmoid", 3, "tanh") == ("relu", "sigmoid", "tanh")
    assert playground.parse_activations("relu, sigmoid", 1, "tanh") == ("relu",)  # a removed layer's name unused
    for activations in [("tanh", "tanh"), ("relu", "tanh"), ("tanh", "relu")]:
        text = playground.format_activations(activations, "tanh")
        assert playground.parse_activations(text, 2, "tanh") == activations
    assert playground.format_activations(("relu", "tanh", "tanh"), "tanh") == "relu"
    with pytest.raises(InputError, match="“step” is not an activation gradient descent can train"):
        playground.parse_activations("relu, step", 2, "tanh")


def test_one_activation_per_layer_is_in_the_model():
    config = playground.playground_config((4, 3), ("relu", "sigmoid"), "sgd", 0.1, 10, 5)
    model = build_model(config.spec)
    assert [type(m).__name__ for m in model.children()] == ["Linear", "ReLU", "Linear", "Sigmoid", "Linear"]
    with pytest.raises(ValueError, match="one activation per hidden layer"):
        playground.playground_config((4, 3), ("relu",), "sgd", 0.1, 10, 5)


def test_a_regression_config_is_one_linear_output_on_mse():
    config = playground.playground_config((4,), "tanh", "sgd", 0.1, 10, 5, n_out=1, task="regression")
    assert (config.sizes, config.activations, config.loss) == ((2, 4, 1), ("tanh", "linear"), "mse")
    with pytest.raises(ValueError, match="classification or regression"):
        playground.playground_config((4,), "tanh", "sgd", 0.1, 10, 5, task="ranking")
