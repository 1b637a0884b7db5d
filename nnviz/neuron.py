"""A single neuron, a = f(w·x + b), and Rosenblatt's perceptron with its learning rule.

The neuron's forward pass is plain torch. The perceptron rule

    w ← w + η (y − ŷ) x,    b ← b + η (y − ŷ),    ŷ = step(w·x + b)

is written out as the tutorials state it; the tests check that it is exactly one SGD step on the
perceptron criterion, computed by torch autograd and ``torch.optim.SGD``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from nnviz.activations import ACTIVATIONS

# The truth tables of three logic gates: inputs (4, 2) in {0, 1}, targets (4,).
GATE_INPUTS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
LOGIC_GATES: dict[str, Tensor] = {
    "AND": torch.tensor([0.0, 0.0, 0.0, 1.0]),
    "OR": torch.tensor([0.0, 1.0, 1.0, 1.0]),
    "XOR": torch.tensor([0.0, 1.0, 1.0, 0.0]),
}


@dataclass(frozen=True)
class NeuronOutput:
    """The live numbers of one neuron: products w_i·x_i (shape (n,)), weighted sum z, output a."""

    products: Tensor
    z: float
    a: float


def _check_finite(**values: Tensor | float) -> None:
    for name, value in values.items():
        if not torch.isfinite(torch.as_tensor(value, dtype=torch.float64)).all():
            raise ValueError(f"{name} must be a finite number (no NaN or infinity).")


def neuron_forward(x: Tensor, w: Tensor, b: float, activation: str = "sigmoid", **params: float) -> NeuronOutput:
    """z = w·x + b and a = f(z) for one input vector.

    Args:
        x: inputs, shape (n,).
        w: weights, shape (n,).
        b: bias.
        activation: a key of :data:`nnviz.activations.ACTIVATIONS`.
        params: the activation's parameters (e.g. ``slope`` for leaky ReLU).
    """
    if x.shape != w.shape or x.dim() != 1:
        raise ValueError(f"x and w must be vectors of the same length, got {tuple(x.shape)} and {tuple(w.shape)}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
    _check_finite(x=x, w=w, b=b)
    products = w * x
    z = products.sum() + b
    a = ACTIVATIONS[activation].fn(z, **params)
    return NeuronOutput(products, z.item(), a.item())


def neuron_outputs(points: Tensor, w: Tensor, b: float, activation: str = "sigmoid", **params: float) -> Tensor:
    """a = f(X w + b) for a batch ``points`` of shape (m, n); returns shape (m,)."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
    return ACTIVATIONS[activation].fn(points @ w + b, **params)


def decision_line(
    w: Tensor, b: float, x1_range: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """Two points of the line w₁x₁ + w₂x₂ + b = 0 spanning ``x1_range`` (or vertical), or None if w = 0.

    Returns ``((x1_a, x1_b), (x2_a, x2_b))``.
    """
    w1, w2 = float(w[0]), float(w[1])
    if abs(w2) > 1e-9:
        x1 = x1_range
        return x1, tuple(-(w1 * v + b) / w2 for v in x1)
    if abs(w1) > 1e-9:
        return (-b / w1, -b / w1), (-1e6, 1e6)
    return None


def two_blobs(n: int = 80, seed: int = 0, separation: float = 2.0) -> tuple[Tensor, Tensor]:
    """Two Gaussian clouds in 2-D for a one-neuron classifier.

    Returns ``X`` of shape (n, 2) (class 0 around (−s/2, −s/2), class 1 around (s/2, s/2), unit
    variance) and labels ``y`` of shape (n,) in {0., 1.}. Same seed, same points.
    """
    generator = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).float()
    centers = (y[:, None] - 0.5) * separation * torch.ones(1, 2)
    return centers + torch.randn(n, 2, generator=generator), y


@dataclass(frozen=True)
class PerceptronStep:
    """The perceptron after one sample has been shown to it.

    Attributes:
        sample: index of the sample just shown (into the (m, 2) inputs).
        epoch: pass over the data, from 1.
        prediction: ŷ = step(w·x + b) before the update.
        w: weights after the update, shape (2,).
        b: bias after the update.
        errors: samples the perceptron gets wrong with these weights (out of m).
    """

    sample: int
    epoch: int
    prediction: float
    w: Tensor
    b: float
    errors: int


@dataclass(frozen=True)
class PerceptronRun:
    """A whole training run: the start, every single-sample step, and the first epoch without a mistake (or None)."""

    w0: Tensor
    b0: float
    steps: list[PerceptronStep]
    converged_epoch: int | None

    def state(self, index: int) -> tuple[Tensor, float]:
        """(w, b) after ``index`` steps (0 = initial weights)."""
        if index == 0:
            return self.w0, self.b0
        step = self.steps[index - 1]
        return step.w, step.b


def perceptron_predict(inputs: Tensor, w: Tensor, b: float) -> Tensor:
    """ŷ = step(X w + b) for inputs of shape (m, n); returns shape (m,) in {0., 1.}."""
    return ACTIVATIONS["step"].fn(inputs @ w + b)


def perceptron_update(x: Tensor, y: float, w: Tensor, b: float, lr: float) -> tuple[Tensor, float, float]:
    """One application of Rosenblatt's rule to the sample ``x`` (shape (n,)) with target ``y`` ∈ {0, 1}.

    Returns the new (w, b) and the prediction ŷ made before the update. Nothing changes when ŷ = y.
    """
    prediction = perceptron_predict(x[None, :], w, b)[0].item()
    error = y - prediction
    return w + lr * error * x, b + lr * error, prediction


def perceptron_errors(inputs: Tensor, targets: Tensor, w: Tensor, b: float) -> int:
    """How many samples the perceptron (w, b) misclassifies."""
    return int((perceptron_predict(inputs, w, b) != targets).sum())


def initial_weights(seed: int, scale: float = 0.5) -> tuple[Tensor, float]:
    """Small random starting weights (shape (2,)) and bias, reproducible from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    w = scale * torch.randn(3, generator=generator)
    return w[:2], w[2].item()


def train_perceptron(
    inputs: Tensor, targets: Tensor, lr: float = 0.1, epochs: int = 20, seed: int = 0
) -> PerceptronRun:
    """Run the perceptron rule one sample at a time, in order, for up to ``epochs`` passes.

    Stops after the first epoch in which no update changed anything (every sample classified
    correctly); on data that is not linearly separable (XOR) it never does and runs all epochs.

    Args:
        inputs: shape (m, 2).
        targets: shape (m,), in {0., 1.}.
        lr: learning rate η > 0.
        epochs: maximum passes over the data.
        seed: seed of the initial weights.
    """
    if not lr > 0 or not math.isfinite(lr):
        raise ValueError(f"The learning rate must be a positive number, got {lr}.")
    w0, b0 = initial_weights(seed)
    w, b = w0, b0
    steps: list[PerceptronStep] = []
    for epoch in range(1, epochs + 1):
        mistakes = 0
        for i in range(len(inputs)):
            w, b, prediction = perceptron_update(inputs[i], targets[i].item(), w, b, lr)
            mistakes += int(prediction != targets[i].item())
            steps.append(PerceptronStep(i, epoch, prediction, w, b, perceptron_errors(inputs, targets, w, b)))
        if mistakes == 0:
            return PerceptronRun(w0, b0, steps, epoch)
    return PerceptronRun(w0, b0, steps, None)


def substituted_formula(x: Tensor, w: Tensor, b: float, out: NeuronOutput, symbol: str) -> str:
    """LaTeX of a = f(w·x + b) with the current numbers in, e.g. ``a = σ(0.50·1.00 + (−0.30)·2.00 + 0.10) = …``."""

    def number(value: float) -> str:
        return f"({value:.2f})" if value < 0 else f"{value:.2f}"

    terms = " + ".join(rf"{number(wi)}\cdot{number(xi)}" for wi, xi in zip(w.tolist(), x.tolist(), strict=True))
    name = symbol if len(symbol) == 1 else rf"\mathrm{{{symbol}}}"
    return rf"a = {name}\bigl({terms} + {number(b)}\bigr) = {name}({out.z:.3f}) = {out.a:.3f}"
