"""Looking inside a model: every number is checked against PyTorch computing the same thing directly."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnviz import inspection
from nnviz.datasets import load_dataset
from nnviz.figures.training import confusion_counts
from nnviz.inspection import (
    HistogramRecorder,
    class_probabilities,
    common_bins,
    first_layer_weights,
    histogram,
    layer_activations,
    predict,
    top_k,
)
from nnviz.models import BinaryClassifier, Mnist_NN, Net, SimpleNN, SimpleNNDeep, linear_layers, mlp

FUNCTIONS = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "gelu": F.gelu, "linear": lambda z: z}


def _seeded(factory, seed: int = 0):
    """A model from ``factory()`` with its weights drawn from a generator of its own (global RNG untouched)."""
    model = factory()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.1)
    return model


MODELS = {
    "SimpleNN": SimpleNN,
    "SimpleNNDeep": SimpleNNDeep,
    "Mnist_NN": Mnist_NN,
    "mlp-tanh-sigmoid": lambda: mlp((784, 32, 16, 10), ("tanh", "sigmoid", "linear")),
    "mlp-gelu": lambda: mlp((784, 20, 10), ("gelu", "linear")),
}


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.mark.parametrize("name", MODELS)
def test_activations_are_what_the_model_computes_layer_by_layer(name):
    model = _seeded(MODELS[name])
    x = torch.rand(5, 784, generator=torch.Generator().manual_seed(1))
    layers = layer_activations(model, x)
    linears = linear_layers(model)
    assert [layer.name for layer in layers] == [n for n, _ in linears]
    assert tuple(layer.activation for layer in layers) == model.spec.activations
    previous = x
    for layer, (_, linear) in zip(layers, linears, strict=True):
        torch.testing.assert_close(layer.z, F.linear(previous, linear.weight, linear.bias))
        torch.testing.assert_close(layer.a, FUNCTIONS[layer.activation](layer.z))
        assert layer.z.shape == (5, linear.out_features) and not layer.a.requires_grad
        previous = layer.a
    assert torch.equal(layers[-1].a, model(x).detach())
    assert all(not linear._forward_hooks for _, linear in linears)  # the hooks are gone


def test_one_input_is_a_batch_of_one_and_small_networks_work_too():
    binary = _seeded(BinaryClassifier)
    x = torch.rand(20)
    layers = layer_activations(binary, x)
    assert [layer.a.shape for layer in layers] == [(1, 10), (1, 1)]
    torch.testing.assert_close(layers[-1].a, binary(x[None]).detach())
    net = _seeded(lambda: Net(5))
    torch.testing.assert_close(layer_activations(net, torch.ones(5))[0].a, torch.sigmoid(net.fc1(torch.ones(1, 5))))


def test_inputs_beyond_the_bound_or_of_the_wrong_rank_are_refused():
    model = _seeded(Mnist_NN)
    with pytest.raises(ValueError, match="2000"):
        layer_activations(model, torch.zeros(inspection.MAX_SAMPLES + 1, 784))
    with pytest.raises(ValueError, match="inputs"):
        class_probabilities(model, torch.zeros(2, 1, 784))


def test_probabilities_are_the_softmax_of_the_output_and_top_k_sorts_them():
    model = _seeded(SimpleNNDeep)
    x = torch.rand(7, 784, generator=torch.Generator().manual_seed(2))
    probabilities = class_probabilities(model, x)
    torch.testing.assert_close(probabilities, torch.softmax(model(x), dim=1).detach())
    values, classes = top_k(probabilities, 3)
    assert values.shape == classes.shape == (7, 3)
    for row in range(7):
        expected = sorted(range(10), key=lambda c: -float(probabilities[row, c]))[:3]
        assert classes[row].tolist() == expected
        assert torch.equal(values[row], probabilities[row, expected])
    with pytest.raises(ValueError, match="one output unit per class"):
        class_probabilities(_seeded(BinaryClassifier), torch.zeros(3, 20))


def test_first_layer_weights_are_one_image_per_hidden_unit():
    model = _seeded(SimpleNN)
    images = first_layer_weights(model, (28, 28))
    assert images.shape == (128, 28, 28)
    assert torch.equal(images[17].reshape(-1), model.fc1.weight[17].detach())
    images.zero_()  # a copy: the model keeps its weights
    assert model.fc1.weight.abs().sum() > 0
    with pytest.raises(ValueError, match="784 inputs"):
        first_layer_weights(model, (8, 8))


@pytest.fixture(scope="module")
def digits_predictions(digits):
    model = _seeded(lambda: mlp((64, 16, 10)), seed=3)  # an untrained net: plenty of mistakes of every kind
    return model, predict(model, digits.x_test, digits.y_test)


def test_predictions_cover_the_split_with_softmax_probabilities(digits, digits_predictions, monkeypatch):
    model, predictions = digits_predictions
    expected = torch.softmax(model(digits.x_test), dim=1).detach()
    torch.testing.assert_close(predictions.probabilities, expected)
    assert torch.equal(predictions.predicted, expected.argmax(dim=1))
    torch.testing.assert_close(predictions.confidence, expected.max(dim=1).values)
    assert predictions.accuracy == pytest.approx(float((expected.argmax(1) == digits.y_test).float().mean()))
    monkeypatch.setattr(inspection, "PREDICT_CHUNK", 50)  # chunked evaluation gives the same numbers
    torch.testing.assert_close(predict(model, digits.x_test, digits.y_test).probabilities, expected)


def test_mistakes_are_sorted_by_confidence_and_bounded(digits_predictions):
    _, p = digits_predictions
    wrong = int((p.predicted != p.true).sum())
    assert wrong > 100
    surest = p.mistakes(most_confident=True, limit=100)
    assert len(surest) == 100
    assert bool((p.predicted[surest] != p.true[surest]).all())
    confidence = p.confidence[surest]
    assert bool((confidence[:-1] >= confidence[1:]).all())
    others = torch.ones(len(p.true), dtype=torch.bool)
    others[surest] = False
    assert float(p.confidence[others & (p.predicted != p.true)].max()) <= float(confidence[-1])
    hesitant = p.mistakes(most_confident=False, limit=10)
    assert bool((p.confidence[hesitant][:-1] <= p.confidence[hesitant][1:]).all())
    assert float(p.confidence[hesitant[0]]) == float(p.confidence[p.predicted != p.true].min())
    with pytest.raises(ValueError, match="between 1 and 100"):
        p.mistakes(limit=101)


def test_the_samples_of_a_confusion_matrix_cell(digits_predictions):
    _, p = digits_predictions
    counts = confusion_counts(p.true, p.predicted, 10)
    seen = []
    for i in range(10):
        for j in range(10):
            cell = p.in_cell(i, j)
            assert bool((p.true[cell] == i).all()) and bool((p.predicted[cell] == j).all())
            assert len(cell) == min(int(counts[i, j]), inspection.MAX_SHOWN)
            seen.extend(cell.tolist())
    assert len(seen) == len(set(seen))


# --- histograms over training ----------------------------------------------------------------------------------


def _probe(digits, n: int = 64):
    return digits.x_test[:n], digits.y_test[:n]


def test_probe_gradients_are_autograd_on_the_probe_loss_and_leave_grad_alone(digits):
    model = _seeded(lambda: mlp((64, 16, 10)))
    x, y = _probe(digits)
    F.cross_entropy(model(digits.x_train[:32]), digits.y_train[:32]).backward()  # an optimizer's pending .grad
    before = [p.grad.clone() for p in model.parameters()]
    recorder = HistogramRecorder(model, x, y, bins=20)
    with torch.no_grad():  # called from a no-grad context, it still computes gradients
        assert recorder.record(model, step=1)
    assert all(torch.equal(p.grad, b) for p, b in zip(model.parameters(), before, strict=True))
    weights = [layer.weight for _, layer in linear_layers(model)]
    expected = torch.autograd.grad(F.cross_entropy(model(x), y), weights)
    for (name, layer), grad in zip(linear_layers(model), expected, strict=True):
        stored = recorder.histograms["gradient", name][0]
        assert stored.low == pytest.approx(float(grad.min())) and stored.high == pytest.approx(float(grad.max()))
        np.testing.assert_array_equal(stored.counts, histogram(grad, 20).counts)
        assert stored.counts.sum() == grad.numel()
        weight = recorder.histograms["weight", name][0]
        assert weight.counts.sum() == layer.weight.numel() and weight.low == float(layer.weight.detach().min())
    activation = recorder.histograms["activation", "fc1"][0]
    assert activation.counts.sum() == 64 * 16


def test_dead_relus_and_saturated_sigmoids_are_counted(digits):
    x, y = _probe(digits)
    relu = _seeded(lambda: mlp((64, 10, 10)))
    with torch.no_grad():
        relu.fc1.bias[:4] = -100.0  # units 0-3 can never fire on inputs in [0, 1]
    recorder = HistogramRecorder(relu, x, y)
    recorder.record(relu, 1)
    z = relu.fc1(x)
    assert recorder.inactive["fc1"] == [pytest.approx(float((z <= 0).all(dim=0).float().mean()))]
    assert recorder.inactive["fc1"][0] >= 0.4
    assert "fc2" not in recorder.inactive  # the linear output has no such notion
    sigmoid = _seeded(lambda: mlp((64, 10, 10), ("sigmoid", "linear")))
    with torch.no_grad():
        sigmoid.fc1.weight.mul_(400.0)  # huge pre-activations push the sigmoid into its flat tails
    recorder = HistogramRecorder(sigmoid, x, y)
    recorder.record(sigmoid, 1)
    a = torch.sigmoid(sigmoid.fc1(x))
    expected = float(((a < 0.01) | (a > 0.99)).float().mean())
    assert recorder.inactive["fc1"] == [pytest.approx(expected)] and expected > 0.5


def test_snapshots_are_thinned_to_a_bounded_number_spread_over_the_run(digits):
    model = _seeded(lambda: mlp((64, 8, 10)))
    recorder = HistogramRecorder(model, *_probe(digits, 16), bins=10, max_snapshots=8)
    taken = [step for step in range(1, 201) if recorder.record(model, step)]
    assert len(recorder.steps) < 8 and recorder.steps[0] == 1
    assert all(b > a for a, b in zip(recorder.steps, recorder.steps[1:], strict=False))
    assert recorder.steps[-1] > 100 and len(taken) < 40  # recording slowed down as it thinned
    assert all(len(series) == len(recorder.steps) for series in recorder.histograms.values())
    assert all(len(h.counts) == 10 for series in recorder.histograms.values() for h in series)
    assert not recorder.record(model, recorder.steps[-1])  # the same step twice: nothing new
    with pytest.raises(ValueError, match="new recorder"):
        recorder.record(model, 1)
    with pytest.raises(ValueError, match="follows mlp 64-8-10"):
        recorder.record(SimpleNN(), 10_000)


def test_rebinning_keeps_every_snapshots_mass_and_its_mean(digits):
    generator = torch.Generator().manual_seed(0)
    samples = [torch.randn(5000, generator=generator) * s + m for s, m in ((1.0, 0.0), (0.5, 2.0), (2.0, -1.0))]
    series = common_bins([1, 2, 3], [histogram(v, 40) for v in samples], 30)
    assert series.shares.shape == (3, 30) and series.edges.shape == (31,)
    np.testing.assert_allclose(series.shares.sum(axis=1), 1.0)
    assert series.edges[0] == pytest.approx(min(float(v.min()) for v in samples))
    centres = (series.edges[:-1] + series.edges[1:]) / 2
    for shares, v in zip(series.shares, samples, strict=True):
        assert float(shares @ centres) == pytest.approx(float(v.mean()), abs=0.1)
    same = common_bins([1], [histogram(samples[0], 30)], 30)
    counts = histogram(samples[0], 30).counts
    np.testing.assert_allclose(same.shares[0], counts / counts.sum(), atol=1e-12)


def test_constant_values_still_make_a_histogram():
    h = histogram(torch.zeros(100), 10)
    assert h.low < 0.0 < h.high and h.counts.sum() == 100 and np.count_nonzero(h.counts) == 1
    assert histogram(torch.tensor([float("nan")]), 5).counts.sum() == 0
