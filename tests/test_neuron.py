"""The neuron and the perceptron against torch: nn.Linear + activation, and the rule as an SGD step."""

from __future__ import annotations

import pytest
import torch

from nnviz.neuron import (
    GATE_INPUTS,
    LOGIC_GATES,
    decision_line,
    neuron_forward,
    neuron_outputs,
    perceptron_errors,
    perceptron_predict,
    perceptron_update,
    substituted_formula,
    train_perceptron,
    two_blobs,
)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "gelu", "step"])
def test_neuron_forward_matches_nn_linear(activation):
    generator = torch.Generator().manual_seed(1)
    x, w = torch.randn(3, generator=generator), torch.randn(3, generator=generator)
    b = 0.3
    layer = torch.nn.Linear(3, 1)
    with torch.no_grad():
        layer.weight.copy_(w[None, :])
        layer.bias.fill_(b)
    z = layer(x)[0]
    reference = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "gelu": torch.nn.functional.gelu}
    out = neuron_forward(x, w, b, activation)
    assert out.z == pytest.approx(z.item(), abs=1e-6)
    expected = float(z > 0) if activation == "step" else reference[activation](z).item()
    assert out.a == pytest.approx(expected, abs=1e-6)
    torch.testing.assert_close(out.products, w * x)
    batch = neuron_outputs(torch.stack([x, -x]), w, b, activation)
    assert batch[0].item() == pytest.approx(out.a, abs=1e-6)


def test_neuron_forward_rejects_bad_input():
    with pytest.raises(ValueError, match="finite"):
        neuron_forward(torch.tensor([1.0, float("nan")]), torch.ones(2), 0.0)
    with pytest.raises(ValueError, match="same length"):
        neuron_forward(torch.ones(2), torch.ones(3), 0.0)
    with pytest.raises(ValueError, match="Unknown activation"):
        neuron_forward(torch.ones(2), torch.ones(2), 0.0, "swish2")


def test_decision_line_points_satisfy_the_equation():
    w, b = torch.tensor([1.5, -2.0]), 0.7
    (x1a, x1b), (x2a, x2b) = decision_line(w, b, (-3.0, 3.0))
    for x1, x2 in [(x1a, x2a), (x1b, x2b)]:
        assert 1.5 * x1 - 2.0 * x2 + 0.7 == pytest.approx(0.0, abs=1e-9)
    assert decision_line(torch.tensor([2.0, 0.0]), 1.0, (-3, 3))[0] == (-0.5, -0.5)
    assert decision_line(torch.zeros(2), 1.0, (-3, 3)) is None


def test_two_blobs_is_reproducible_and_balanced():
    X, y = two_blobs(40, seed=3)
    X2, _ = two_blobs(40, seed=3)
    assert X.shape == (40, 2) and torch.equal(X, X2) and y.sum() == 20
    assert X[y == 1].mean() > X[y == 0].mean()


def test_perceptron_rule_is_one_sgd_step_on_the_perceptron_criterion():
    """w ← w + η(y − ŷ)x equals SGD on L = (ŷ − y)(w·x + b) with ŷ held constant (Rosenblatt's criterion)."""
    generator = torch.Generator().manual_seed(7)
    for _ in range(50):
        x = torch.randn(2, generator=generator)
        y = float(torch.randint(0, 2, (1,), generator=generator))
        w0, b0, lr = torch.randn(2, generator=generator), torch.randn(1, generator=generator).item(), 0.3
        w_rule, b_rule, prediction = perceptron_update(x, y, w0, b0, lr)

        w = w0.clone().requires_grad_(True)
        b = torch.tensor(b0, requires_grad=True)
        optimizer = torch.optim.SGD([w, b], lr=lr)
        z = w @ x + b
        y_hat = (z > 0).float().detach()
        assert y_hat.item() == prediction
        loss = (y_hat - y) * z
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        torch.testing.assert_close(w_rule, w.detach())
        assert b_rule == pytest.approx(b.item(), abs=1e-6)


@pytest.mark.parametrize("gate", ["AND", "OR"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_converges_on_linearly_separable_gates(gate, seed):
    run = train_perceptron(GATE_INPUTS, LOGIC_GATES[gate], lr=0.1, epochs=100, seed=seed)
    assert run.converged_epoch is not None
    w, b = run.state(len(run.steps))
    assert perceptron_errors(GATE_INPUTS, LOGIC_GATES[gate], w, b) == 0
    torch.testing.assert_close(perceptron_predict(GATE_INPUTS, w, b), LOGIC_GATES[gate])
    assert run.steps[-1].errors == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_perceptron_never_converges_on_xor(seed):
    run = train_perceptron(GATE_INPUTS, LOGIC_GATES["XOR"], lr=0.1, epochs=200, seed=seed)
    assert run.converged_epoch is None
    assert len(run.steps) == 200 * 4
    # no line separates XOR: at best 3 of 4 right, so every state makes at least one error
    assert min(step.errors for step in run.steps) >= 1


def test_perceptron_state_indexing_and_bad_learning_rate():
    run = train_perceptron(GATE_INPUTS, LOGIC_GATES["AND"], lr=0.5, epochs=10, seed=0)
    assert run.state(0) == (run.w0, run.b0)
    assert run.state(1)[1] == run.steps[0].b
    with pytest.raises(ValueError, match="learning rate"):
        train_perceptron(GATE_INPUTS, LOGIC_GATES["AND"], lr=0.0)


def test_substituted_formula_shows_the_numbers():
    x, w = torch.tensor([1.0, 2.0]), torch.tensor([0.5, -0.3])
    out = neuron_forward(x, w, 0.1, "sigmoid")
    latex = substituted_formula(x, w, 0.1, out, "σ")
    assert r"0.50\cdot1.00 + (-0.30)\cdot2.00 + 0.10" in latex
    assert latex.endswith(f"= {torch.sigmoid(torch.tensor(0.0)).item():.3f}")
    assert r"\mathrm{ReLU}" in substituted_formula(x, w, 0.1, out, "ReLU")
