"""nnviz.network: the traced forward pass against torch, the hand-written chain rule against autograd
and finite differences, on random networks, activations and losses."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.activations import ACTIVATIONS, SOFTMAX
from nnviz.losses import traced_losses
from nnviz.network import (
    ForwardStep,
    TracedMLP,
    autograd_gradients,
    finite_difference_gradients,
    gradient_check,
    layer_gradient_norms,
    loss_gradient,
    loss_value,
    parse_inputs,
    parse_sizes,
    parse_target,
    pass_steps,
)
from nnviz.network_text import layer_backward_latex, neuron_forward_latex, num, pytorch_listing, weight_chain_latex

SMOOTH = ["linear", "sigmoid", "tanh", "elu", "gelu", "silu", "softplus"]
ALL_HIDDEN = list(ACTIVATIONS)


def random_case(draw_sizes, hidden, output, loss, seed):
    """A network with the given shape plus a random input and a target that fits ``loss``."""
    net = TracedMLP(draw_sizes, [*hidden, output], seed)
    generator = torch.Generator().manual_seed(seed + 100)
    x = torch.randn(draw_sizes[0], generator=generator, dtype=torch.float64) * 2
    n_out = draw_sizes[-1]
    if loss == "cross_entropy":
        y = int(torch.randint(n_out, (1,), generator=generator))
    elif loss == "bce":
        y = torch.rand(n_out, generator=generator, dtype=torch.float64)
    else:
        y = torch.randn(n_out, generator=generator, dtype=torch.float64)
    return net, x, y


def output_for(loss: str, choice: int) -> str:
    if loss == "cross_entropy":
        return SOFTMAX
    if loss == "bce":
        return ["sigmoid", SOFTMAX][choice % 2]
    return [*SMOOTH, SOFTMAX, "relu"][choice % (len(SMOOTH) + 2)]


case = st.tuples(
    st.lists(st.integers(1, 5), min_size=1, max_size=3),  # hidden sizes
    st.integers(1, 4),  # n_in
    st.integers(2, 4),  # n_out
    st.lists(st.sampled_from(ALL_HIDDEN), min_size=3, max_size=3),
    st.sampled_from(traced_losses()),
    st.integers(0, 20),
    st.integers(0, 10_000),
)


@settings(max_examples=60, deadline=None)
@given(case)
def test_forward_equals_the_torch_module(params):
    hidden, n_in, n_out, acts, loss, choice, seed = params
    sizes = [n_in, *hidden, n_out]
    net, x, _ = random_case(sizes, acts[: len(hidden)], output_for(loss, choice), loss, seed)
    trace = net.forward_trace(x)
    module = net.to_torch()
    expected = module(x)
    torch.testing.assert_close(trace[-1].a, expected.detach(), rtol=0, atol=1e-12)
    # every intermediate z and a, too
    a = x
    for step, k in zip(trace, range(0, len(module), 2), strict=True):
        z = module[k](a)
        a = module[k + 1](z)
        torch.testing.assert_close(step.z, z.detach(), rtol=0, atol=1e-12)
        torch.testing.assert_close(step.a, a.detach(), rtol=0, atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(case)
def test_chain_rule_equals_autograd(params):
    hidden, n_in, n_out, acts, loss, choice, seed = params
    sizes = [n_in, *hidden, n_out]
    net, x, y = random_case(sizes, acts[: len(hidden)], output_for(loss, choice), loss, seed)
    ours = net.backward_trace(x, y, loss)
    reference = autograd_gradients(net, x, y, loss)
    for grads, (dW, db) in zip(ours.layers, reference, strict=True):
        torch.testing.assert_close(grads.dL_dW, dW, rtol=1e-5, atol=1e-8)
        torch.testing.assert_close(grads.dL_db, db, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("loss", traced_losses())
@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"])
def test_every_intermediate_gradient_equals_autograd(loss, hidden):
    """dL/da and dL/dz of every layer and dL/dx, via retain_grad on the torch module's tensors."""
    output = {"mse": "tanh", "bce": "sigmoid", "cross_entropy": SOFTMAX}[loss]
    net, x, y = random_case([3, 4, 5, 3], [hidden, hidden], output, loss, seed=7)
    ours = net.backward_trace(x, y, loss)
    module = net.to_torch()
    x_leaf = x.clone().requires_grad_(True)
    tensors, a = [], x_leaf
    for k in range(0, len(module), 2):
        z = module[k](a)
        a = module[k + 1](z)
        z.retain_grad()
        a.retain_grad()
        tensors.append((z, a))
    target = torch.tensor(y) if loss == "cross_entropy" else y
    loss_value(a, target, loss).backward()
    for grads, (z, a) in zip(ours.layers, tensors, strict=True):
        torch.testing.assert_close(grads.dL_da, a.grad, rtol=1e-5, atol=1e-10)
        torch.testing.assert_close(grads.dL_dz, z.grad, rtol=1e-5, atol=1e-10)
    torch.testing.assert_close(ours.dL_dx, x_leaf.grad, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("loss", traced_losses())
def test_chain_rule_agrees_with_finite_differences(loss):
    output = {"mse": "sigmoid", "bce": "sigmoid", "cross_entropy": SOFTMAX}[loss]
    net, x, y = random_case([2, 3, 3, 2], ["tanh", "softplus"], output, loss, seed=3)
    ours = net.backward_trace(x, y, loss)
    for grads, (dW, db) in zip(ours.layers, finite_difference_gradients(net, x, y, loss), strict=True):
        torch.testing.assert_close(grads.dL_dW, dW, rtol=1e-5, atol=1e-8)
        torch.testing.assert_close(grads.dL_db, db, rtol=1e-5, atol=1e-8)


def test_loss_values_and_output_gradients_match_torch():
    a = torch.tensor([0.2, 0.7, 0.1], dtype=torch.float64, requires_grad=True)
    for loss, y in [
        ("mse", torch.tensor([0.0, 1.0, 0.5], dtype=torch.float64)),
        ("bce", torch.tensor([0.0, 1.0, 1.0])),
    ]:
        y = y.to(torch.float64)
        value = {"mse": F.mse_loss, "bce": F.binary_cross_entropy}[loss](a, y)
        (expected,) = torch.autograd.grad(value, a)
        torch.testing.assert_close(loss_gradient(a.detach(), y, loss), expected)
    net = TracedMLP([2, 3], [SOFTMAX], seed=1)
    x = torch.tensor([0.3, -1.2], dtype=torch.float64)
    logits = net.forward_trace(x)[-1].z
    assert net.loss(x, 2, "cross_entropy") == pytest.approx(
        F.cross_entropy(logits.unsqueeze(0), torch.tensor([2])).item()
    )


def test_combined_formulas_are_reported_and_used():
    net = TracedMLP([2, 2, 3], ["relu", SOFTMAX], seed=0)
    trace = net.backward_trace([1.0, 2.0], 1, "cross_entropy")
    a = net([1.0, 2.0])
    assert trace.combined
    torch.testing.assert_close(trace.layers[-1].dL_dz, a - F.one_hot(torch.tensor(1), 3).double())
    assert not TracedMLP([2, 2], ["tanh"]).backward_trace([1.0, 2.0], [0.0, 1.0], "mse").combined


def test_step_activation_has_zero_gradient_everywhere():
    net = TracedMLP([2, 3, 2], ["step", "sigmoid"], seed=0)
    ours = net.backward_trace([0.5, -0.5], [1.0, 0.0], "mse")
    assert torch.count_nonzero(ours.layers[0].dL_dW) == 0
    reference = autograd_gradients(net, [0.5, -0.5], [1.0, 0.0], "mse")
    torch.testing.assert_close(ours.layers[1].dL_dW, reference[1][0])


def test_seeded_initialisation_is_reproducible_and_like_nn_linear():
    one, two = TracedMLP([3, 4, 2], ["relu", "linear"], 5), TracedMLP([3, 4, 2], ["relu", "linear"], 5)
    other = TracedMLP([3, 4, 2], ["relu", "linear"], 6)
    for w1, w2, w3 in zip(one.weights, two.weights, other.weights, strict=True):
        assert torch.equal(w1, w2) and not torch.equal(w1, w3)
    assert one.weights[0].abs().max() <= 1 / math.sqrt(3)
    assert one.weights[0].dtype == torch.float64


def test_set_weight_changes_the_output_as_torch_says():
    net = TracedMLP([2, 2, 1], ["tanh", "linear"], seed=0)
    net.set_weight(2, 0, 1, 3.0)
    assert net.weights[1][0, 1] == 3.0
    torch.testing.assert_close(net([1.0, 1.0]), net.to_torch()(torch.tensor([1.0, 1.0], dtype=torch.float64)).detach())
    with pytest.raises(ValueError, match="outside"):
        net.set_weight(1, 5, 0, 1.0)
    with pytest.raises(ValueError, match="finite"):
        net.set_weight(1, 0, 0, float("nan"))


def test_gradient_step_lowers_the_loss_and_matches_sgd():
    net = TracedMLP([2, 3, 2], ["tanh", SOFTMAX], seed=2)
    x, y = [0.5, -1.0], 0
    module = net.to_torch()
    optimizer = torch.optim.SGD(module.parameters(), lr=0.5)
    before = net.loss(x, y, "cross_entropy")
    net.apply_gradient_step(net.backward_trace(x, y, "cross_entropy"), 0.5)
    loss_value(module(torch.tensor(x, dtype=torch.float64)), torch.tensor(y), "cross_entropy").backward()
    optimizer.step()
    torch.testing.assert_close(net.weights[0], module[0].weight.detach())
    assert net.loss(x, y, "cross_entropy") < before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2, 0, 2", "“0” is out of range; keep it from 1 to 6"),
        ("2, -3, 2", "“-3” is out of range"),  # the sign is read, never dropped
        ("3", "type from 2 to 5 values, got 1"),
        ("2, 9, 2", "“9” is out of range; keep it from 1 to 6"),
        ("2,3,3,3,3,2", "type from 2 to 5 values, got 6"),
        ("2, ², 2", "superscript two"),
        ("9" * 5000, "at most"),
    ],
)
def test_bad_sizes_get_clear_messages(text, message):
    with pytest.raises(ValueError, match=message):
        parse_sizes(text)


def test_bad_inputs_get_clear_messages():
    assert parse_inputs("1, -0.5 2", 3).tolist() == [1.0, -0.5, 2.0]
    with pytest.raises(ValueError, match="finite"):
        parse_inputs("1, nan", 2)
    with pytest.raises(ValueError, match="not a number"):
        parse_inputs("1, x", 2)
    with pytest.raises(ValueError, match="out of range"):
        parse_inputs("1, 1e39", 2)
    net = TracedMLP([2, 2], [SOFTMAX])
    with pytest.raises(ValueError, match="finite"):
        net.forward_trace(torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="give 2 input"):
        net.forward_trace([1.0])
    with pytest.raises(ValueError, match="softmax output"):
        TracedMLP([2, 2], ["tanh"]).backward_trace([1.0, 2.0], 0, "cross_entropy")
    with pytest.raises(ValueError, match="between 0 and 1"):
        TracedMLP([2, 2], ["sigmoid"]).backward_trace([1.0, 2.0], [2.0, 0.0], "bce")
    with pytest.raises(ValueError, match="softmax only fits the output"):
        TracedMLP([2, 2, 2], [SOFTMAX, "relu"])


@pytest.mark.parametrize(
    ("text", "loss", "message"),
    [
        ("1e39", "cross_entropy", "out of range"),  # once an OverflowError: int(inf)
        ("0, 1", "cross_entropy", "type one class index"),  # once read as 0
        ("2", "cross_entropy", "out of range"),
        ("1.5", "cross_entropy", "not a whole number"),
        ("1, 2", "bce", "keep it from 0 to 1"),
        ("1", "mse", "type 2 values, got 1"),
    ],
)
def test_targets_are_read_as_typed_or_refused(text, loss, message):
    with pytest.raises(ValueError, match=message):
        parse_target(text, loss, 2)


def test_targets_parse_to_what_backward_trace_takes():
    assert parse_target("1", "cross_entropy", 3) == 1
    assert parse_target("1, 0", "mse", 2) == [1.0, 0.0]


def test_pass_steps_walk_every_layer_or_neuron():
    assert pass_steps([2, 3, 2]) == [ForwardStep(0), ForwardStep(1), ForwardStep(2)]
    assert len(pass_steps([2, 3, 2], detailed=True)) == 1 + 3 + 2
    assert pass_steps([2, 3, 2], backward=True)[1:] == [ForwardStep(2), ForwardStep(1)]


def test_sigmoid_gradients_vanish_where_relu_gradients_do_not():
    sigmoid = layer_gradient_norms("sigmoid", depth=10, width=4, seed=0)
    relu = layer_gradient_norms("relu", depth=10, width=4, seed=0)
    assert sigmoid.shape == (10,)
    assert sigmoid[0] < 1e-3 * sigmoid[-1]  # shrinks by ~4x or more per layer towards the input
    assert relu[0] > 0.05 * relu[-1]


def test_gradient_check_rows_cover_every_parameter_and_agree():
    net = TracedMLP([2, 3, 2], ["sigmoid", "sigmoid"], seed=4)
    rows = gradient_check(net, [0.3, 0.9], [1.0, 0.0], "bce")
    assert len(rows) == 2 * 3 + 3 + 3 * 2 + 2
    for row in rows:
        assert row.chain_rule == pytest.approx(row.autograd, abs=1e-12)
        assert row.chain_rule == pytest.approx(row.finite_difference, abs=1e-7)


def test_latex_shows_the_same_numbers_as_the_trace():
    net = TracedMLP([2, 3, 2], ["relu", SOFTMAX], seed=0)
    forward = net.forward_trace([1.0, -0.5])
    backward = net.backward_trace([1.0, -0.5], 1, "cross_entropy")
    z_line, a_line = neuron_forward_latex(net, forward[0], 1, 2)
    assert z_line.endswith(num(forward[0].z[2])) and a_line.endswith(num(forward[0].a[2]))
    lines = layer_backward_latex(net, forward, backward, "cross_entropy", 1)
    assert num(backward.layers[0].dL_dW[2, 1]) in lines[2]
    chain = weight_chain_latex(net, forward, backward, 1, 2, 1)
    assert f"= {num(backward.layers[0].dL_dW[2, 1])}" in chain[0]


def test_pytorch_listing_runs_and_prints_autograd_gradients(capsys):
    net = TracedMLP([2, 3, 2], ["step", "sigmoid"], seed=0)
    exec(pytorch_listing(net, [1.0, -0.5], [1.0, 0.0], "mse"), {})
    out = capsys.readouterr().out
    assert "loss" in out and "0.weight" in out
    net = TracedMLP([2, 3, 2], ["gelu", SOFTMAX], seed=0)
    exec(pytorch_listing(net, [1.0, -0.5], 1, "cross_entropy"), {})
    loss_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("loss"))
    assert float(loss_line.split()[1]) == pytest.approx(net.loss([1.0, -0.5], 1, "cross_entropy"), abs=1e-5)


def test_done_neurons_forward_and_backward():
    from nnviz.network import done_neurons

    sizes = [2, 3, 2]
    start = done_neurons(sizes, ForwardStep(0))
    assert start[0].all() and not start[1].any() and not start[2].any()
    middle = done_neurons(sizes, ForwardStep(1, 1))
    assert middle[1].tolist() == [True, True, False] and not middle[2].any()
    back = done_neurons(sizes, ForwardStep(1), backward=True)
    assert not back[0].any() and back[1].all() and back[2].all()
    assert not any(mask.any() for mask in done_neurons(sizes, ForwardStep(0), backward=True))
