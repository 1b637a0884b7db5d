"""Figure builders of the neuron, activations and losses pages: traces, axes, titles (no browser)."""

from __future__ import annotations

import torch

from nnviz.activations import ACTIVATIONS, softmax, softmax_jacobian
from nnviz.figures.activations import Curve, activation_curves, jacobian_heatmap, softmax_bars, tutorial_sigmoid
from nnviz.figures.losses import cross_entropy_bars, gradient_comparison, loss_curves, per_sample_bars
from nnviz.figures.neuron import decision_plane, neuron_diagram, perceptron_errors, perceptron_plane
from nnviz.neuron import GATE_INPUTS, LOGIC_GATES, two_blobs


def _texts(fig):
    return [a.text for a in fig.layout.annotations] + [t for trace in fig.data for t in (trace.text or [])]


def test_neuron_diagram_shows_the_live_numbers():
    x, w = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.5, -0.25, 2.0])
    fig = neuron_diagram(x, w, 0.3, 2.3, 0.9089, "σ")
    texts = " ".join(_texts(fig))
    for expected in ["1.00", "-2.00", "0.50", "w₁ = +0.50", "w₂ = -0.25", "+0.30", "z = 2.300", "0.909", "σ"]:
        assert expected in texts, expected
    assert "z = 2.300" in fig.layout.title.text


def test_decision_plane_has_heatmap_points_line_and_axis_titles():
    points, labels = two_blobs(20, seed=0)
    g1, g2 = torch.linspace(-3, 3, 7), torch.linspace(-2, 2, 5)
    fig = decision_plane(points, labels, torch.tensor([1.0, 1.0]), 0.0, g1, g2, torch.rand(5, 7), 0.9)
    kinds = [trace.type for trace in fig.data]
    assert kinds[0] == "heatmap" and kinds.count("scatter") == 3
    assert fig.layout.xaxis.title.text == "x₁" and fig.layout.yaxis.title.text == "x₂"
    assert "90%" in fig.layout.title.text
    no_heatmap = decision_plane(points, labels, torch.zeros(2), 0.0, g1, g2, None, 0.5)
    assert [t.type for t in no_heatmap.data] == ["scatter", "scatter"]  # w = 0: no line to draw


def test_perceptron_figures():
    fig = perceptron_plane(GATE_INPUTS, LOGIC_GATES["XOR"], torch.tensor([1.0, -1.0]), 0.1, "XOR", current=2)
    assert fig.layout.title.text == "Perceptron on XOR"
    assert fig.data[-1].name == "sample just shown" and fig.data[-1].x == (1.0,)
    errors = perceptron_errors([2, 1, 1, 0], 4, current=2)
    assert list(errors.data[0].y) == [2, 1, 1, 0] and list(errors.data[1].y) == [2, 1]
    assert errors.layout.xaxis.title.text and errors.layout.yaxis.title.text


def test_activation_curves_and_shading():
    x = torch.linspace(-6, 6, 101)
    a = ACTIVATIONS["tanh"]
    fig = activation_curves(x, [Curve("Tanh", a.fn(x), a.derivative(x))], [(-6.0, -3.0), (3.0, 6.0)])
    assert len(fig.layout.shapes) == 2
    assert [t.name for t in fig.data] == ["|f′| < 0.01", "Tanh f(x)", "Tanh f′(x)"]
    assert fig.layout.xaxis.title.text == "input x" and "derivative" in fig.layout.title.text
    only_f = activation_curves(x, [Curve("Tanh", a.fn(x), a.derivative(x))], show_derivative=False)
    assert len(only_f.data) == 1


def test_seed_sigmoid_and_softmax_figures():
    x = torch.arange(-4.0, 4.0 + 1e-9, 0.1)
    fig = tutorial_sigmoid(x, torch.sigmoid(x))
    assert len(fig.data[0].x) == 81 and fig.data[0].x[0] == -4.0
    logits = torch.tensor([2.0, 1.0, 0.1])
    bars = softmax_bars(["a", "b", "c"], logits, softmax(logits, 0.5), 0.5)
    assert bars.data[0].text[0] == f"{softmax(logits, 0.5)[0].item():.1%}" and "T = 0.5" in bars.layout.title.text
    heat = jacobian_heatmap(["a", "b", "c"], softmax_jacobian(logits))
    assert len(heat.data[0].z) == 3 and heat.layout.title.text.startswith("Jacobian")


def test_loss_figures():
    p = torch.linspace(0.01, 0.99, 5)
    fig = loss_curves(p, {"y = 0": p, "y = 1": 1 - p}, "t", marker=(0.5, 0.5))
    assert [t.name for t in fig.data] == ["y = 0", "y = 1", "your sample"]
    terms = torch.tensor([0.1, 0.3], dtype=torch.float64)
    bars = per_sample_bars(terms, torch.tensor([0.9, 0.7]), torch.tensor([1.0, 1.0]), "BCE")
    assert list(bars.data[0].y) == [0.1, 0.3] and "mean = 0.2000" in bars.layout.annotations[0].text
    grads = gradient_comparison(torch.linspace(-1, 1, 3), {"MSE": torch.zeros(3), "BCE": torch.ones(3)}, 1.0)
    assert [t.name for t in grads.data] == ["MSE", "BCE"] and grads.layout.yaxis.title.text == "∂loss/∂z"
    ce = cross_entropy_bars(["a", "b"], torch.tensor([0.25, 0.75]), 1, 0.2877)
    assert "0.2877" in ce.layout.title.text
