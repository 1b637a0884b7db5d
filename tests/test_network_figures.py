"""nnviz.figures.network and the computation graph: traces, frames, titles and labels, without a browser."""

from __future__ import annotations

import pytest

from nnviz.activations import SOFTMAX
from nnviz.figures import network as figures
from nnviz.figures.computation_graph import computation_graph_dot, readable_first_layer, value_node_count
from nnviz.figures.style import HIGHLIGHT, NEGATIVE, POSITIVE
from nnviz.network import TracedMLP, layer_gradient_norms, pass_steps
from nnviz.network_text import num


@pytest.fixture
def case():
    net = TracedMLP([2, 3, 2], ["relu", SOFTMAX], seed=0)
    x = [1.0, -0.5]
    return net, net.forward_trace(x), net.backward_trace(x, 1, "cross_entropy")


def _neurons(fig):
    return next(trace for trace in fig.data if trace.name == "neurons")


def test_forward_graph_has_one_frame_per_step_and_play_pause(case):
    net, forward, _ = case
    steps = pass_steps(net.sizes, detailed=True)
    fig = figures.forward_graph(net, forward, steps, index=0)
    assert len(fig.frames) == len(steps) == 1 + 3 + 2
    labels = [button.label for button in fig.layout.updatemenus[0].buttons]
    assert any("Play" in label for label in labels) and any("Pause" in label for label in labels)
    last = len(fig.data) - 1
    assert all(frame.traces == (0, last) for frame in fig.frames)
    assert fig.layout.title.text.startswith("Step 0/5")
    assert fig.layout.xaxis.title.text


def test_forward_graph_labels_only_computed_neurons(case):
    net, forward, _ = case
    steps = pass_steps(net.sizes)
    start = _neurons(figures.forward_graph(net, forward, steps, 0))
    assert [t for t in start.text if t] == [figures.short(v) for v in forward[0].a_prev]
    end = _neurons(figures.forward_graph(net, forward, steps, len(steps) - 1))
    assert list(end.text[-2:]) == [figures.short(v) for v in forward[-1].a]
    assert "relu" in end.hovertext[2] and num(forward[0].z[0]) in end.hovertext[2]
    middle = _neurons(figures.forward_graph(net, forward, steps, 1))
    assert list(middle.marker.line.color[2:5]) == [HIGHLIGHT] * 3


def test_forward_edges_are_coloured_by_sign_and_sized_by_magnitude(case):
    net, forward, _ = case
    fig = figures.forward_graph(net, forward, pass_steps(net.sizes), 0)
    lines = [t for t in fig.data if t.mode == "lines" and t.name != "focus"]
    colors = {t.line.color for t in lines}
    assert colors <= {POSITIVE, NEGATIVE}
    n_edges = sum(t.x.count(None) for t in lines)
    assert n_edges == 2 * 3 + 3 * 2
    widest = max(lines, key=lambda t: t.line.width)
    biggest = max(abs(w) for weight in net.weights for w in weight.flatten().tolist())
    hover = next(t for t in fig.data if t.name == "edges")
    assert len(hover.text) == 12 and any(num(biggest) in text or num(-biggest) in text for text in hover.text)
    assert widest.line.width > min(t.line.width for t in lines)


def test_backward_graph_reveals_gradients_from_the_output(case):
    net, forward, backward = case
    steps = pass_steps(net.sizes, backward=True)
    first = figures.backward_graph(net, forward, backward, steps, 1)
    texts = list(_neurons(first).text)
    assert texts[-2:] == [figures.short(v) for v in backward.layers[-1].dL_dz]
    assert texts[2:5] == ["", "", ""]
    assert any(t.name == "loss" for t in first.data)
    done = figures.backward_graph(net, forward, backward, steps, len(steps) - 1)
    assert list(_neurons(done).text[:2]) == [figures.short(v) for v in backward.dL_dx]
    assert "∂L/∂z" in done.layout.title.text


def test_layer_matrices_show_the_same_numbers(case):
    net, forward, _ = case
    fig = figures.layer_matrices(net, forward, 1)
    assert len(fig.data) == 5
    assert fig.data[0].text[2][1] == figures.short(net.weights[0][2, 1])
    assert [row[0] for row in fig.data[3].text] == [figures.short(v) for v in forward[0].z]
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text and fig.layout.title.text


def test_softmax_output_highlights_the_prediction(case):
    net, forward, _ = case
    fig = figures.softmax_output(forward[-1].a)
    predicted = int(forward[-1].a.argmax())
    assert fig.data[0].marker.color[predicted] == HIGHLIGHT
    assert f"class {predicted}" in fig.layout.title.text
    assert fig.layout.xaxis.title.text == "class" and fig.layout.yaxis.title.text == "probability"


def test_gradient_norms_bars_on_a_log_axis():
    norms = {name: layer_gradient_norms(name, 5) for name in ("sigmoid", "relu")}
    fig = figures.gradient_norms(norms)
    assert [t.name for t in fig.data] == ["sigmoid", "relu"]
    assert fig.layout.yaxis.type == "log" and len(fig.data[0].y) == 5
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_computation_graph_reveals_gradients_in_reverse_topological_order(case):
    net, forward, backward = case
    total = value_node_count(net.sizes)
    none = computation_graph_dot(net, forward, backward, "cross_entropy", 0)
    assert none.startswith("digraph") and none.count("grad ?") == total
    one = computation_graph_dot(net, forward, backward, "cross_entropy", 1)
    assert one.count("grad ?") == total - 1 and "{ L | data" in one and "grad 1 }" in one
    full = computation_graph_dot(net, forward, backward, "cross_entropy", total)
    assert "grad ?" not in full
    assert f"W1[2,1] | data {num(net.weights[0][2, 1])} | grad {num(backward.layers[0].dL_dW[2, 1])}" in full
    assert "softmax" in full and "CE" in full


def test_graph_size_is_kept_readable():
    assert value_node_count([2, 3, 2]) == 42
    assert readable_first_layer([2, 3, 2]) == 2
    assert readable_first_layer([2, 6, 6, 2]) == 3  # even the last layer alone is large: show just that
