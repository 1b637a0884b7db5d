"""The activation registry against torch: functions vs torch.nn.functional, derivatives vs autograd."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.activations import (
    ACTIVATIONS,
    activation_table,
    all_equal,
    parse_logits,
    softmax,
    softmax_jacobian,
    vanishing_intervals,
)

EXPECTED_NAMES = {"step", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus"}

# A dense grid with 0, values near 0 and large |x| (saturation, overflow of e^x).
GRID = torch.cat(
    [
        torch.linspace(-12, 12, 2401, dtype=torch.float64),
        torch.tensor([0.0, 1e-7, -1e-7, 25.0, -25.0, 50.0, -50.0, 100.0, -100.0], dtype=torch.float64),
    ]
)

PARAMETER_VALUES = {
    "leaky_relu": [{}, {"slope": 0.0}, {"slope": 0.2}, {"slope": 0.5}],
    "elu": [{}, {"alpha": 0.1}, {"alpha": 2.5}],
}


def _case_list():
    for name in sorted(EXPECTED_NAMES):
        for params in PARAMETER_VALUES.get(name, [{}]):
            yield pytest.param(name, params, id=f"{name}-{params}")


CASES = list(_case_list())


def _autograd_derivative(fn, x, **params):
    x = x.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(fn(x, **params).sum(), x)
    return grad


def test_registry_has_the_required_lowercase_names_and_metadata():
    assert set(ACTIVATIONS) >= EXPECTED_NAMES
    for name, activation in ACTIVATIONS.items():
        assert name == activation.name == name.lower()
        assert activation.fn_latex and activation.derivative_latex and activation.output_range and activation.use


@pytest.mark.parametrize(("name", "params"), CASES)
def test_function_matches_torch_functional(name, params):
    activation = ACTIVATIONS[name]
    if activation.torch_reference is None:
        assert name == "linear"
        assert torch.equal(activation.fn(GRID), GRID)
        return
    torch.testing.assert_close(activation.fn(GRID, **params), activation.torch_reference(GRID, **params))


@pytest.mark.parametrize(("name", "params"), CASES)
def test_analytic_derivative_matches_autograd(name, params):
    activation = ACTIVATIONS[name]
    analytic = activation.derivative(GRID, **params)
    assert analytic.shape == GRID.shape and analytic.dtype == GRID.dtype
    if name == "step":  # the step has no autograd formula: its derivative is 0 away from the jump
        assert torch.count_nonzero(analytic) == 0
        return
    torch.testing.assert_close(analytic, _autograd_derivative(activation.fn, GRID, **params))
    if activation.torch_reference is not None:  # and against torch's own backward, including at 0
        torch.testing.assert_close(analytic, _autograd_derivative(activation.torch_reference, GRID, **params))


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_default_call_and_shape(name):
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(0))
    activation = ACTIVATIONS[name]
    assert activation.fn(x).shape == x.shape
    assert activation.derivative(x).shape == x.shape
    torch.testing.assert_close(activation.fn(x), activation.fn(x, **activation.defaults()))


def test_activation_table_has_one_row_per_activation_with_torch_numbers():
    table = activation_table().set_index("Function")
    assert len(table) == len(ACTIVATIONS)
    assert list(table.columns) == ["Formula", "Range", "f′(0)", "max |f′|", "vanishing share", "Typical use"]
    assert table.loc["Step", "f′(0)"] == "undefined"
    assert table.loc["Sigmoid", "f′(0)"] == "0.25" and table.loc["Sigmoid", "max |f′|"] == 0.25
    assert table.loc["ReLU", "max |f′|"] == 1.0 and table.loc["ReLU", "vanishing share"] == 0.5
    assert table.loc["Linear", "vanishing share"] == 0.0
    assert "undefined at" in ACTIVATIONS["step"].derivative_latex


def test_parse_logits():
    torch.testing.assert_close(parse_logits("2, 1 ,0.1  -3"), torch.tensor([2.0, 1.0, 0.1, -3.0], dtype=torch.float64))
    for bad, message in [("", "at least one"), ("1, two", "numbers"), ("1, nan", "finite")]:
        with pytest.raises(ValueError, match=message):
            parse_logits(bad)


def test_vanishing_intervals_of_sigmoid_are_the_two_tails():
    x = torch.linspace(-10, 10, 2001, dtype=torch.float64)
    intervals = vanishing_intervals(x, ACTIVATIONS["sigmoid"].derivative(x))
    assert len(intervals) == 2
    (left_start, left_end), (right_start, right_end) = intervals
    assert left_start == -10 and right_end == 10
    # σ'(x) = 0.01 at |x| ≈ 4.59
    assert left_end == pytest.approx(-4.6, abs=0.02) and right_start == pytest.approx(4.6, abs=0.02)
    assert vanishing_intervals(x, ACTIVATIONS["linear"].derivative(x)) == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-20, 20, allow_nan=False), min_size=1, max_size=6),
    st.floats(0.05, 10.0),
)
def test_softmax_and_its_jacobian_match_torch(values, temperature):
    logits = torch.tensor(values, dtype=torch.float64)
    torch.testing.assert_close(softmax(logits, temperature), torch.softmax(logits / temperature, dim=0))
    expected = torch.autograd.functional.jacobian(lambda z: torch.softmax(z / temperature, dim=0), logits)
    torch.testing.assert_close(softmax_jacobian(logits, temperature), expected)


def test_softmax_survives_huge_logits_and_rejects_bad_input():
    p = softmax(torch.tensor([1000.0, 0.0, -1000.0]))
    assert torch.isfinite(p).all() and p[0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="finite"):
        softmax(torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="at least one"):
        softmax(torch.tensor([]))
    with pytest.raises(ValueError, match="temperature"):
        softmax(torch.tensor([1.0, 2.0]), temperature=0.0)


def test_all_equal_logits_give_a_uniform_distribution():
    logits = torch.full((4,), 3.0)
    assert all_equal(logits) and not all_equal(torch.tensor([1.0, 2.0]))
    torch.testing.assert_close(softmax(logits, 0.1), torch.full((4,), 0.25))


@pytest.mark.parametrize("name", sorted(EXPECTED_NAMES))
def test_code_listing_expression_evaluates_to_the_function(name):
    activation = ACTIVATIONS[name]
    z = torch.linspace(-3, 3, 13)
    params = {p.name: p.high for p in activation.parameters}
    expression = activation.code("z", **params)
    value = eval(expression, {"torch": torch, "F": torch.nn.functional, "z": z})  # noqa: S307 (our own code string)
    torch.testing.assert_close(value, activation.fn(z, **params))
