"""A single neuron, a = f(w·x + b), and Rosenblatt's perceptron with its learning rule.

The neuron's forward pass is plain torch. The perceptron rule

    w ← w + η (y − ŷ) x,    b ← b + η (y − ŷ),    ŷ = step(w·x + b)

is written out as the tutorials state it; the tests check that it is exactly one SGD step on the
perceptron criterion, computed by torch autograd and ``torch.optim.SGD``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from nnviz.activations import ACTIVATIONS
from nnviz.optimizers import check_learning_rate

# The truth tables of three logic gates: inputs (4, 2) in {0, 1}, targets (4,).
GATE_INPUTS = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
PERCEPTRON_EPOCHS = 25
"""Epochs the page's perceptron runs at most: AND and OR converge in a few, XOR never."""
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


@dataclass(frozen=True)
class ClassifierView:
    """A neuron seen as a classifier of 2-D points: its accuracy and its output over a grid of the plane.

    Attributes:
        grid_x1, grid_x2: the grid's axes, shapes (n1,) and (n2,).
        accuracy: share of the points on the right side of the line w·x + b = 0 (z > 0 ⇒ class 1), 0-1.
        output: a = f(w·x + b) on the grid, shape (n2, n1) (rows follow x₂), or None where f is no probability.
    """

    grid_x1: Tensor
    grid_x2: Tensor
    accuracy: float
    output: Tensor | None


def classifier_view(
    points: Tensor,
    labels: Tensor,
    w: Tensor,
    b: float,
    activation: str,
    x1_range: tuple[float, float] = (-4.5, 4.5),
    x2_range: tuple[float, float] = (-4.0, 4.0),
    resolution: tuple[int, int] = (61, 55),
) -> ClassifierView:
    """The neuron ``(w (2,), b)`` as a classifier of ``points`` (m, 2) with ``labels`` (m,) in {0, 1}: its accuracy
    and, for a sigmoid (whose output is a probability), its output over the plane."""
    _check_finite(w=w, b=b)
    grid_x1 = torch.linspace(*x1_range, resolution[0])
    grid_x2 = torch.linspace(*x2_range, resolution[1])
    accuracy = ((points @ w + b > 0).float() == labels).float().mean().item()
    output = None
    if activation == "sigmoid":
        mesh_x1, mesh_x2 = torch.meshgrid(grid_x1, grid_x2, indexing="xy")
        grid = torch.stack([mesh_x1.flatten(), mesh_x2.flatten()], dim=1)
        output = neuron_outputs(grid, w, b, activation).reshape(mesh_x1.shape)
    return ClassifierView(grid_x1, grid_x2, accuracy, output)


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
    check_learning_rate(lr)
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


def pytorch_listing(
    xs: Sequence[float], ws: Sequence[float], b: float, activation: str, gate: str, lr: float, epochs: int, seed: int
) -> str:
    """The neuron page as a runnable script: one neuron ``a = f(w·x + b)`` as an ``nn.Linear(n, 1)``, then
    Rosenblatt's perceptron learning ``gate`` with learning rate ``lr`` from the page's seeded start."""
    entry = ACTIVATIONS[activation]
    return f"""import torch
import torch.nn.functional as F

# One neuron, as on screen: a = {entry.label}(w·x + b)
x = torch.tensor({[round(v, 2) for v in xs]})
w = torch.tensor({[round(v, 2) for v in ws]})
b = {b:.2f}
neuron = torch.nn.Linear({len(xs)}, 1)
with torch.no_grad():
    neuron.weight.copy_(w[None, :])
    neuron.bias.fill_(b)
z = neuron(x)
a = {entry.code("z")}
print(f"z = {{z.item():.3f}}, a = {{a.item():.3f}}")

# The perceptron on {gate}, one sample at a time
X = torch.tensor([[0., 0.], [0., 1.], [1., 0.], [1., 1.]])
y = torch.tensor({LOGIC_GATES[gate].tolist()})
g = torch.Generator().manual_seed({seed})
w0 = 0.5 * torch.randn(3, generator=g)
w, b, lr = w0[:2], w0[2].item(), {lr}
for epoch in range({epochs}):
    mistakes = 0
    for xi, yi in zip(X, y):
        y_hat = float(w @ xi + b > 0)          # step activation
        w = w + lr * (yi - y_hat) * xi         # Rosenblatt's rule
        b = b + lr * (yi.item() - y_hat)
        mistakes += int(y_hat != yi)
    print(f"epoch {{epoch + 1}}: {{mistakes}} mistakes, w = {{w.tolist()}}, b = {{b:.2f}}")
    if mistakes == 0:
        break
"""
