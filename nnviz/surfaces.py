"""Two-dimensional loss surfaces on which optimizers can race.

Every surface is a torch function of a point ``w`` of shape ``(..., 2)`` returning the loss of shape ``(...)``,
so the same function evaluates a whole grid for a contour plot and a single parameter tensor inside a
``torch.optim`` loop. Alongside the function a :class:`Surface` carries the plotting bounds, the known minima,
a sensible start and learning rates, and a one-line description.

Six are classic test functions (an ill-conditioned bowl, Rosenbrock, Himmelblau, Beale, a saddle, Rastrigin);
one is **the true loss of a real model**: logistic regression with two weights on a 2-feature
``make_classification`` data set, where mini-batches give noisy, stochastic gradients.

Example::

    surface = make_surface("rosenbrock")
    surface(torch.tensor([1.0, 1.0]))          # tensor(0.)
    xs, ys, z = grid(surface, resolution=101)  # z has shape (101, 101)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import make_classification
from torch import Tensor

Bounds = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface ``L(w)`` over two parameters ``w = (w1, w2)``.

    Attributes:
        key: short identifier (``"rosenbrock"``).
        title: display name.
        description: one sentence on what this surface teaches.
        latex: the formula of ``L`` in LaTeX.
        source: the loss of one point ``w`` (shape ``(2,)``) as a Python/torch expression, for code listings.
        loss: ``w (..., 2) -> L (...)``, differentiable torch function.
        bounds: ``((w1_min, w1_max), (w2_min, w2_max))``: the plotted region; a path leaving it has diverged.
        minima: known global minima as ``(w1, w2)`` points (loss-minimizing parameters).
        start: a default starting point that makes an interesting path.
        sgd_lr: a learning rate that works for plain SGD.
        momentum_lr: one for SGD with momentum 0.9 and Nesterov, whose steps build up to ~10× SGD's.
        adaptive_lr: a learning rate that works for adaptive ones (Adagrad, RMSprop, Adam, AdamW); it is a
            step length in parameter units, so it scales with the size of the region, not with the gradient.
        log_color: colour contours by ``log(1 + L - L_min)`` because the surface spans many orders of magnitude.
        batch_loss: for surfaces computed from data, ``(w (..., 2), indices (B,)) -> L (...)`` on those samples.
        n_samples: number of data samples behind ``batch_loss`` (0 for analytic surfaces).
        data_seed: the seed the data was generated with.
    """

    key: str
    title: str
    description: str
    latex: str
    source: str
    loss: Callable[[Tensor], Tensor]
    bounds: Bounds
    minima: tuple[tuple[float, float], ...]
    start: tuple[float, float]
    sgd_lr: float
    momentum_lr: float
    adaptive_lr: float
    log_color: bool = False
    batch_loss: Callable[[Tensor, Tensor], Tensor] | None = None
    n_samples: int = 0
    data_seed: int = 0

    def __call__(self, w: Tensor) -> Tensor:
        """The loss at ``w`` of shape ``(..., 2)``; returns shape ``(...)``."""
        return self.loss(w)

    def contains(self, w: Tensor) -> bool:
        """Whether the single point ``w`` (shape ``(2,)``) is finite and inside :attr:`bounds`."""
        (x_lo, x_hi), (y_lo, y_hi) = self.bounds
        x, y = float(w[0]), float(w[1])
        return math.isfinite(x) and math.isfinite(y) and x_lo <= x <= x_hi and y_lo <= y <= y_hi

    @property
    def min_loss(self) -> float:
        """The loss at the known minima (0 for most surfaces)."""
        if not self.minima:
            return float("nan")
        return float(self.loss(torch.tensor(self.minima[0], dtype=torch.float32)))


def _split(w: Tensor) -> tuple[Tensor, Tensor]:
    return w[..., 0], w[..., 1]


def bowl(condition: float = 10.0) -> Surface:
    """An ill-conditioned quadratic bowl ``L = (w1² + κ w2²) / 2``.

    The Hessian is ``diag(1, κ)``: plain gradient descent is stable only for ``lr < 2/κ`` and crawls along
    the flat ``w1`` direction, the classic case that momentum and adaptive methods fix.

    Args:
        condition: the condition number ``κ ≥ 1`` (ratio of the largest to the smallest curvature).
    """
    if not condition >= 1.0:
        raise ValueError(f"The condition number must be at least 1, got {condition}.")

    def loss(w: Tensor) -> Tensor:
        x, y = _split(w)
        return 0.5 * (x**2 + condition * y**2)

    return Surface(
        key="bowl",
        title="Ill-conditioned bowl",
        description=f"A valley {condition:g}× steeper across than along: too large a step zig-zags across it.",
        latex=rf"L(w) = \tfrac{{1}}{{2}}\left(w_1^2 + {condition:g}\, w_2^2\right)",
        source=f"0.5 * (w[0] ** 2 + {condition:g} * w[1] ** 2)",
        loss=loss,
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        minima=((0.0, 0.0),),
        start=(-2.5, 1.5),
        sgd_lr=1.6 / condition,
        momentum_lr=0.5 / condition,
        adaptive_lr=0.2,
    )


def rosenbrock() -> Surface:
    """Rosenbrock's banana ``L = (1 - w1)² + 100 (w2 - w1²)²``, minimum at ``(1, 1)``."""

    def loss(w: Tensor) -> Tensor:
        x, y = _split(w)
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    return Surface(
        key="rosenbrock",
        title="Rosenbrock",
        description="Finding the curved valley is easy; following its flat floor to (1, 1) is hard.",
        latex=r"L(w) = (1 - w_1)^2 + 100\,(w_2 - w_1^2)^2",
        source="(1 - w[0]) ** 2 + 100 * (w[1] - w[0] ** 2) ** 2",
        loss=loss,
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0),),
        start=(-1.5, 2.0),
        sgd_lr=1e-3,
        momentum_lr=1e-3,
        adaptive_lr=0.1,
        log_color=True,
    )


def himmelblau() -> Surface:
    """Himmelblau's function ``L = (w1² + w2 - 11)² + (w1 + w2² - 7)²``, four global minima (loss 0)."""

    def loss(w: Tensor) -> Tensor:
        x, y = _split(w)
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    return Surface(
        key="himmelblau",
        title="Himmelblau",
        description="Four equally good minima: which one you reach depends only on where you start.",
        latex=r"L(w) = (w_1^2 + w_2 - 11)^2 + (w_1 + w_2^2 - 7)^2",
        source="(w[0] ** 2 + w[1] - 11) ** 2 + (w[0] + w[1] ** 2 - 7) ** 2",
        loss=loss,
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        start=(-0.3, -0.9),
        sgd_lr=5e-3,
        momentum_lr=2.5e-3,
        adaptive_lr=0.1,
        log_color=True,
    )


def beale() -> Surface:
    """Beale's function, minimum at ``(3, 0.5)``: flat plateaus with very steep walls at the corners."""

    def loss(w: Tensor) -> Tensor:
        x, y = _split(w)
        return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2

    return Surface(
        key="beale",
        title="Beale",
        description="Flat plateaus and cliff-like walls: gradients range from tiny to huge.",
        latex=r"L(w) = (1.5 - w_1 + w_1 w_2)^2 + (2.25 - w_1 + w_1 w_2^2)^2 + (2.625 - w_1 + w_1 w_2^3)^2",
        source="(1.5 - w[0] + w[0] * w[1]) ** 2 + (2.25 - w[0] + w[0] * w[1] ** 2) ** 2"
        " + (2.625 - w[0] + w[0] * w[1] ** 3) ** 2",
        loss=loss,
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5),),
        start=(1.0, 1.4),
        sgd_lr=1e-2,
        momentum_lr=5e-3,
        adaptive_lr=0.05,
        log_color=True,
    )


def saddle() -> Surface:
    """A saddle point between two valleys, ``L = w1² + w2⁴ - 2 w2²``: saddle at the origin, minima at ``(0, ±1)``."""

    def loss(w: Tensor) -> Tensor:
        x, y = _split(w)
        return x**2 + y**4 - 2 * y**2

    return Surface(
        key="saddle",
        title="Saddle",
        description="Near a saddle point the gradient vanishes: plain descent lingers there, momentum escapes.",
        latex=r"L(w) = w_1^2 + w_2^4 - 2\,w_2^2",
        source="w[0] ** 2 + w[1] ** 4 - 2 * w[1] ** 2",
        loss=loss,
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        minima=((0.0, 1.0), (0.0, -1.0)),
        start=(-1.8, 0.02),
        sgd_lr=0.05,
        momentum_lr=0.025,
        adaptive_lr=0.05,
    )


def rastrigin(amplitude: float = 10.0) -> Surface:
    """Rastrigin's function ``L = 2A + Σ (w_i² - A cos 2π w_i)``: a bowl covered in local minima."""

    def loss(w: Tensor) -> Tensor:
        return 2 * amplitude + (w**2 - amplitude * torch.cos(2 * math.pi * w)).sum(-1)

    return Surface(
        key="rastrigin",
        title="Rastrigin",
        description="Dozens of local minima: gradient descent stops in the nearest one, not the best one.",
        latex=rf"L(w) = {2 * amplitude:g} + \sum_{{i=1}}^{{2}} \left(w_i^2 - {amplitude:g}\cos 2\pi w_i\right)",
        source=f"{2 * amplitude:g} + (w ** 2 - {amplitude:g} * torch.cos(2 * math.pi * w)).sum()",
        loss=loss,
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0),),
        start=(3.3, 2.6),
        sgd_lr=2e-3,
        momentum_lr=1e-3,
        adaptive_lr=0.1,
    )


def classification_data(n_samples: int = 200, seed: int = 0) -> tuple[Tensor, Tensor]:
    """A 2-feature binary classification set from sklearn's ``make_classification``, standardized.

    Returns:
        ``X`` of shape ``(n_samples, 2)`` (zero mean, unit variance per feature) and labels ``y`` of shape
        ``(n_samples,)`` in ``{0., 1.}``, both float32.
    """
    features, labels = make_classification(
        n_samples=n_samples,
        n_features=2,
        n_informative=2,
        n_redundant=0,
        n_clusters_per_class=1,
        class_sep=1.0,
        flip_y=0.05,
        random_state=seed,
    )
    features = (features - features.mean(0)) / features.std(0)
    return torch.tensor(features, dtype=torch.float32), torch.tensor(labels, dtype=torch.float32)


def logistic_loss(w: Tensor, X: Tensor, y: Tensor) -> Tensor:
    """Mean binary cross-entropy of the logistic model ``p = σ(X w)`` (no bias).

    Args:
        w: weights of shape ``(..., 2)``.
        X: features of shape ``(n, 2)``.
        y: labels of shape ``(n,)`` in ``{0, 1}``.

    Returns:
        The loss of shape ``(...)`` in nats per sample.
    """
    logits = w @ X.T  # (..., n)
    return F.binary_cross_entropy_with_logits(logits, y.expand_as(logits), reduction="none").mean(-1)


def _fit_logistic(X: Tensor, y: Tensor) -> Tensor:
    """The loss-minimizing weights ``(2,)``, found with ``torch.optim.LBFGS`` (the loss is convex)."""
    w = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.LBFGS([w], lr=1.0, max_iter=200, tolerance_grad=1e-9, line_search_fn="strong_wolfe")

    def closure() -> Tensor:
        optimizer.zero_grad()
        loss = logistic_loss(w, X, y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return w.detach()


def logistic_regression(n_samples: int = 200, seed: int = 0) -> Surface:
    """The true loss surface of logistic regression with two weights on real (synthetic) data.

    Each point ``(w1, w2)`` is a model ``p(y=1|x) = σ(w1 x1 + w2 x2)``; its height is the mean binary
    cross-entropy over the ``n_samples`` points. :attr:`Surface.batch_loss` gives the loss on a subset,
    for mini-batch and stochastic gradient descent.
    """
    X, y = classification_data(n_samples, seed)
    best = _fit_logistic(X, y)
    half_width = float(max(3.0, math.ceil(1.5 * best.abs().max().item()) + 1.0))
    away = -0.8 * half_width * best / best.norm()

    def loss(w: Tensor) -> Tensor:
        return logistic_loss(w, X, y)

    def batch_loss(w: Tensor, indices: Tensor) -> Tensor:
        return logistic_loss(w, X[indices], y[indices])

    return Surface(
        key="logistic",
        title="Logistic regression (real data)",
        description=f"The true BCE loss of a 2-weight logistic regression on {n_samples} make_classification points.",
        latex=r"L(w) = -\frac{1}{n}\sum_{i=1}^{n} \left[y_i \log \sigma(w^\top x_i)"
        r" + (1-y_i)\log(1-\sigma(w^\top x_i))\right]",
        source="F.binary_cross_entropy_with_logits(X @ w, y)",
        loss=loss,
        bounds=((-half_width, half_width), (-half_width, half_width)),
        minima=(tuple(best.tolist()),),
        start=(round(away[0].item(), 1), round(away[1].item(), 1)),
        sgd_lr=0.5,
        momentum_lr=0.1,
        adaptive_lr=0.2,
        batch_loss=batch_loss,
        n_samples=n_samples,
        data_seed=seed,
    )


SURFACES: dict[str, Callable[..., Surface]] = {
    "bowl": bowl,
    "rosenbrock": rosenbrock,
    "himmelblau": himmelblau,
    "beale": beale,
    "saddle": saddle,
    "rastrigin": rastrigin,
    "logistic": logistic_regression,
}


MAX_CONDITION = 1000.0
"""The bowl's condition number goes up to here: beyond, plain SGD's stable steps are too small to see move."""


def surface_arguments(key: str, condition: float = 10.0, seed: int = 0) -> tuple[str, float | None, int | None]:
    """``(key, condition, seed)`` with what the surface ignores set to ``None``: the key a cache of surfaces
    should use, so that a new seed does not make a second copy of the bowl."""
    if key not in SURFACES:
        raise ValueError(f"Unknown surface {key!r}; choose one of {', '.join(SURFACES)}.")
    return key, float(condition) if key == "bowl" else None, int(seed) if key == "logistic" else None


def make_surface(key: str, *, condition: float = 10.0, seed: int = 0) -> Surface:
    """The surface called ``key`` (one of :data:`SURFACES`).

    Args:
        key: surface identifier.
        condition: condition number of the bowl, 1 .. :data:`MAX_CONDITION` (ignored by the others).
        seed: data seed of the logistic-regression surface (ignored by the others).
    """
    surface_arguments(key)
    if key == "bowl" and not 1.0 <= condition <= MAX_CONDITION:
        raise ValueError(f"The condition number must lie in [1, {MAX_CONDITION:g}], got {condition:g}.")
    if key == "bowl":
        return bowl(condition)
    if key == "logistic":
        return logistic_regression(seed=seed)
    return SURFACES[key]()


def grid(surface: Surface, resolution: int = 121) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The surface sampled on a regular grid over its bounds.

    Returns:
        ``xs`` of shape ``(resolution,)`` (w1 values), ``ys`` of shape ``(resolution,)`` (w2 values) and
        ``z`` of shape ``(resolution, resolution)`` with ``z[i, j] = L(xs[j], ys[i])`` (rows follow w2, as plotly
        contours expect).
    """
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    xs = torch.linspace(x_lo, x_hi, resolution)
    ys = torch.linspace(y_lo, y_hi, resolution)
    w2, w1 = torch.meshgrid(ys, xs, indexing="ij")
    with torch.no_grad():
        z = surface(torch.stack([w1, w2], dim=-1))
    return xs.numpy(), ys.numpy(), z.numpy()
