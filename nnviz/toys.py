"""2-D toy problems in the spirit of TensorFlow Playground: two-class, multi-class and regression.

* Two classes (:data:`TOYS`: circle, xor, gauss, spiral, moons): each generator returns points ``(n, 2)``
  and labels ``(n,)`` with ``n // 2`` points of class 1 and the rest of class 0; :func:`toy_2d` shuffles,
  splits and wraps them in a :class:`~nnviz.dataset.Dataset`.
* K classes (``spiral-k``, ``gauss-k``, K from 2 to :data:`MAX_CLASSES`): K spiral arms, K Gaussian blobs.
* Regression (``reg-plane``, ``reg-gauss``): TensorFlow Playground's "plane" and "multi gaussian", one
  real target per point.

:data:`PROBLEMS` is the registry of all of them (what the playground page lists), and :func:`make_toy`
makes any of them. Every toy lives (up to its noise) in the square ``[-TOY_EXTENT, TOY_EXTENT]²``.

>>> make_toy("spiral-k", n_samples=300, n_classes=3).class_names
('class 0', 'class 1', 'class 2')
>>> make_toy("reg-plane").task
'regression'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import make_moons

from nnviz.dataset import DataError, Dataset, from_arrays

TOY_EXTENT = 6.0
"""Every toy lives (up to its noise) in the square [-TOY_EXTENT, TOY_EXTENT]², as in TF Playground."""


_RADIUS = 5.0  # TF Playground's data radius


def _jitter(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Uniform noise in [-scale, scale] for each coordinate, ``(n, 2)``."""
    return rng.uniform(-scale, scale, size=(n, 2))


def _polar(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Points ``(n, 2)`` at ``radius`` and ``angle`` (radians, clockwise from the +y axis)."""
    return np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)


def _balanced_labels(n: int) -> np.ndarray:
    """``n // 2`` ones then ``n - n // 2`` zeros."""
    return np.r_[np.ones(n // 2), np.zeros(n - n // 2)]


def _circle(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 fills a disc of radius 2.5; class 0 a ring from radius 3.5 to 5 around it.
    Noise shifts each coordinate by up to ±5·noise."""
    labels = _balanced_labels(n)
    inner, outer = rng.uniform(0, 0.5 * _RADIUS, n), rng.uniform(0.7 * _RADIUS, _RADIUS, n)
    radius = np.where(labels == 1, inner, outer)
    return _polar(radius, rng.uniform(0, 2 * np.pi, n)) + _jitter(rng, n, _RADIUS * noise), labels


def _xor(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 in the quadrants where x₁·x₂ > 0, class 0 where x₁·x₂ < 0; points keep 0.3 from the axes.
    Noise shifts each coordinate by up to ±5·noise."""
    labels = _balanced_labels(n)
    magnitude = rng.uniform(0.3, _RADIUS + 0.3, size=(n, 2))
    sign_x1 = rng.choice([-1.0, 1.0], n)
    sign_x2 = np.where(labels == 1, sign_x1, -sign_x1)
    return magnitude * np.stack([sign_x1, sign_x2], axis=1) + _jitter(rng, n, _RADIUS * noise), labels


def _gauss(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs, class 1 around (2, 2) and class 0 around (-2, -2); the variance of each
    coordinate grows with the noise, 0.5 + 7·noise (0.5 to 4 for noise 0 to 0.5, as in TF Playground)."""
    labels = _balanced_labels(n)
    centres = np.where(labels[:, None] == 1, 2.0, -2.0)
    return centres + rng.normal(0.0, math.sqrt(0.5 + 7.0 * noise), size=(n, 2)), labels


def _spiral(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals of 1.75 turns out to radius 5, class 0 turned by half a turn.
    Noise shifts each coordinate by up to ±2·noise."""
    labels = _balanced_labels(n)
    counts = (int(labels.sum()), n - int(labels.sum()))
    progress = np.concatenate([np.arange(count) / count for count in counts])  # 0 -> 1 along each arm
    angle = 1.75 * 2 * np.pi * progress + np.where(labels == 1, 0.0, np.pi)
    return _polar(_RADIUS * progress, angle) + _jitter(rng, n, 2.0 * noise), labels


def _moons(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two interleaving half circles, scaled by 4 and centred (x₁ in [-6, 6], x₂ in [-3, 3]),
    class 0 the upper moon. Noise adds Gaussian noise of standard deviation 4·noise (sklearn's ``noise``)."""
    points, moon = make_moons(n_samples=(n - n // 2, n // 2), shuffle=False)
    centred = (points - np.array([0.5, 0.25])) * 4.0
    return centred + rng.normal(0.0, 4.0 * noise, size=(n, 2)), moon.astype(float)


TOYS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons}
"""The two-class toys by name, each a generator ``(rng, n, noise) -> (points (n, 2), labels (n,))``."""


# --- K classes ------------------------------------------------------------------------------------------------------


def _class_labels(n: int, n_classes: int) -> np.ndarray:
    """``n`` labels in blocks ``0, 0, ..., 1, 1, ...``: ``n // n_classes`` per class, the first ``n % n_classes``
    classes one more."""
    counts = [n // n_classes + (c < n % n_classes) for c in range(n_classes)]
    return np.repeat(np.arange(n_classes), counts).astype(float)


def _progress(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """For each point, how far along its class it comes: ``i / count`` for the ``i``-th point of a class."""
    counts = np.bincount(labels.astype(int), minlength=n_classes)
    return np.concatenate([np.arange(count) / count for count in counts if count])


def _spiral_arms(rng: np.random.Generator, n: int, noise: float, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """K interleaved spiral arms of 1.75 turns out to radius 5 (as :func:`_spiral`), arm ``c`` turned by
    ``c / K`` of a turn. Noise shifts each coordinate by up to ±2·noise."""
    labels = _class_labels(n, n_classes)
    progress = _progress(labels, n_classes)
    angle = 1.75 * 2 * np.pi * progress + 2 * np.pi * labels / n_classes
    return _polar(_RADIUS * progress, angle) + _jitter(rng, n, 2.0 * noise), labels


_BLOB_RADIUS = 3.5  # the K blobs' centres sit on this circle


def _gauss_blobs(rng: np.random.Generator, n: int, noise: float, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """K Gaussian blobs with centres evenly spaced on the circle of radius 3.5, the first at 45° (upper right);
    each coordinate's variance is 0.5 + 7·noise, as in :func:`_gauss`."""
    labels = _class_labels(n, n_classes)
    centres = _polar(np.full(n, _BLOB_RADIUS), np.pi / 4 + 2 * np.pi * labels / n_classes)
    return centres + rng.normal(0.0, math.sqrt(0.5 + 7.0 * noise), size=(n, 2)), labels


# --- regression (TensorFlow Playground's regPlane and regressGaussian) ---------------------------------------------

_REGRESSION_HALF_WIDTH = 6.0  # the points fill the square [-6, 6]²
_BUMPS = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]], dtype=float)
"""TF Playground's six bumps of the multi-Gaussian: centre x₁, centre x₂, sign."""


def _uniform_square(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-6, 6]², and where their target is read: each coordinate shifted by up to ±6·noise."""
    h = _REGRESSION_HALF_WIDTH
    points = rng.uniform(-h, h, size=(n, 2))
    return points, points + rng.uniform(-h, h, size=(n, 2)) * noise


def _plane(rng: np.random.Generator, n: int, noise: float, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Target ``(x₁ + x₂) / 10``: a tilted plane, from -1.2 to 1.2 over the square (TF Playground's scale).
    Noise reads the target at a point shifted by up to ±6·noise per coordinate."""
    points, read_at = _uniform_square(rng, n, noise)
    return points, read_at.sum(axis=1) / 10.0


def _bumps(rng: np.random.Generator, n: int, noise: float, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Six bumps of alternating sign: near centre ``c`` the target is ``sign_c · max(0, 1 - |x - c| / 2)``,
    and where two overlap the larger in magnitude wins; targets in [-1, 1]. Noise as for the plane."""
    points, read_at = _uniform_square(rng, n, noise)
    distance = np.linalg.norm(read_at[:, None, :] - _BUMPS[None, :, :2], axis=2)  # (n, 6)
    heights = _BUMPS[:, 2] * np.clip(1.0 - distance / 2.0, 0.0, 1.0)
    strongest = np.abs(heights).argmax(axis=1)
    return points, heights[np.arange(n), strongest]


# --- the registry ---------------------------------------------------------------------------------------------------

MAX_SAMPLES = 2_000
"""Most points in a toy (and in a user's own data): every live frame draws each point as a marker, and a
full-batch step on 2,000 points stays well under a millisecond for the playground's networks."""
MAX_CLASSES = 8
"""Most classes in a multi-class toy: one colour each from :data:`nnviz.figures.style.PALETTE`."""

Generator = Callable[[np.random.Generator, int, float, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Problem:
    """One toy problem of the playground.

    Attributes:
        name: the key in :data:`PROBLEMS` (and in URLs, state, generated code).
        label: display name.
        task: ``"classification"`` or ``"regression"`` (see :data:`nnviz.dataset.TASKS`).
        n_classes: default number of classes (0 for regression).
        class_range: the numbers of classes one may choose, ``(low, high)``; ``(2, 2)`` for the two-class toys.
        description: one sentence for the page: what the points look like and what the network must learn.
        generate: ``(rng, n, noise, n_classes) -> (points (n, 2), targets (n,))``, targets class labels
            ``0 .. n_classes - 1`` as floats or real numbers.
    """

    name: str
    label: str
    task: str
    n_classes: int
    class_range: tuple[int, int]
    description: str
    generate: Generator

    def classes(self, n_classes: int | None = None) -> int:
        """``n_classes`` checked against :attr:`class_range` (the default when ``None``)."""
        if n_classes is None:
            return self.n_classes
        low, high = self.class_range
        if not low <= n_classes <= high:
            allowed = f"{low}" if low == high else f"from {low} to {high}"
            raise DataError(f"{self.label} has {allowed} classes, not {n_classes}")
        return n_classes


def _two_class(toy: Callable[[np.random.Generator, int, float], tuple[np.ndarray, np.ndarray]]) -> Generator:
    """A :data:`TOYS` generator in the registry's signature (the number of classes is always 2)."""
    return lambda rng, n, noise, n_classes: toy(rng, n, noise)


def _classes(name: str, label: str, description: str, generate: Generator, k: int = 2, most: int = 2) -> Problem:
    return Problem(name, label, "classification", k, (2, most), description, generate)


def _regression(name: str, label: str, description: str, generate: Generator) -> Problem:
    return Problem(name, label, "regression", 0, (0, 0), description, generate)


PROBLEMS: dict[str, Problem] = {
    problem.name: problem
    for problem in (
        _classes("circle", "Circle", "A disc of one class inside a ring of the other.", _two_class(_circle)),
        _classes("xor", "Exclusive or", "Opposite quadrants share a class (the sign of x₁·x₂).", _two_class(_xor)),
        _classes("gauss", "Two Gaussians", "Two blobs, one per class: a line separates them.", _two_class(_gauss)),
        _classes("spiral", "Spiral", "Two interleaved spiral arms: the hardest two-class toy.", _two_class(_spiral)),
        _classes("moons", "Two moons", "scikit-learn's two interleaving half circles.", _two_class(_moons)),
        _classes(
            "spiral-k", "Spiral, K arms", "K interleaved spiral arms, one per class.", _spiral_arms, 3, MAX_CLASSES
        ),
        _classes("gauss-k", "Gaussians, K blobs", "K blobs on a circle, one per class.", _gauss_blobs, 3, MAX_CLASSES),
        _regression("reg-plane", "Plane", "The target rises evenly across the square: (x₁ + x₂) / 10.", _plane),
        _regression("reg-gauss", "Multi Gaussian", "Six bumps, three up to +1 and three down to -1.", _bumps),
    )
}
"""Every toy problem by name, in the order the page lists them."""


def toy_2d(kind: str, n_samples: int = 400, noise: float = 0.0, train_fraction: float = 0.5, seed: int = 0) -> Dataset:
    """A 2-D, two-class toy problem like TensorFlow Playground's, shuffled and split.

    Args:
        kind: one of :data:`TOYS` ("circle", "xor", "gauss", "spiral", "moons").
        n_samples: total number of points (half of them class 1), at least 4.
        noise: 0 for clean shapes, 0.5 for heavily overlapping classes (at most 1); each toy's
            docstring says what it scales.
        train_fraction: share of the points in the training split, in (0, 1); both splits keep at least one point.
        seed: seeds the generator; the same arguments give the same data.

    Returns:
        A :class:`Dataset` with 2 features in about [-6, 6]² (see :data:`TOY_EXTENT`), labels 0 and 1.
    """
    if kind not in TOYS:
        raise DataError(f"unknown toy {kind!r}; choose one of {', '.join(TOYS)}")
    source = f"toy_2d({kind!r}, n_samples={n_samples}, noise={noise}, train_fraction={train_fraction}, seed={seed})"
    return _generate(PROBLEMS[kind], n_samples, noise, train_fraction, seed, 2, source)


def make_toy(
    name: str,
    n_samples: int = 400,
    noise: float = 0.0,
    train_fraction: float = 0.5,
    seed: int = 0,
    n_classes: int | None = None,
) -> Dataset:
    """Any problem of :data:`PROBLEMS`, shuffled and split; the two-class toys are exactly :func:`toy_2d`'s.

    Args:
        name: a key of :data:`PROBLEMS`.
        n_samples: total number of points, from 4 to :data:`MAX_SAMPLES`.
        noise: in [0, 1]; each generator's docstring says what it scales.
        train_fraction: share of the points in the training split, in (0, 1); both splits keep at least one point.
        seed: seeds the generator; the same arguments give the same data.
        n_classes: for the K-class toys, within the problem's ``class_range`` (its default when ``None``).

    Returns:
        A :class:`Dataset` with 2 features in about [-6, 6]²: class labels (``task="classification"``,
        class names "class 0", "class 1", ...) or float targets (``task="regression"``, no classes).
    """
    if name not in PROBLEMS:
        raise DataError(f"unknown toy problem {name!r}; choose one of {', '.join(PROBLEMS)}")
    if n_samples > MAX_SAMPLES:
        raise DataError(
            f"at most {MAX_SAMPLES:,} points in a toy (each is drawn on every live frame), got {n_samples:,}"
        )
    problem = PROBLEMS[name]
    k = problem.classes(n_classes)
    if name in TOYS:
        return toy_2d(name, n_samples, noise, train_fraction, seed)
    source = (
        f"make_toy({name!r}, n_samples={n_samples}, noise={noise}, train_fraction={train_fraction}, seed={seed}"
        + (f", n_classes={k})" if problem.task == "classification" else ")")
    )
    return _generate(problem, n_samples, noise, train_fraction, seed, k, source)


def _generate(
    problem: Problem, n_samples: int, noise: float, train_fraction: float, seed: int, n_classes: int, source: str
) -> Dataset:
    """Draw ``problem``'s points from ``seed``, then shuffle and split them (the order of draws is part of the data)."""
    if n_samples < 4:
        raise DataError(f"n_samples must be at least 4, got {n_samples}")
    if not 0.0 <= noise <= 1.0:
        raise DataError(f"noise must be in [0, 1], got {noise}")
    n_train = round(n_samples * train_fraction)
    if not (0.0 < train_fraction < 1.0 and 1 <= n_train < n_samples):
        raise DataError(f"train_fraction {train_fraction} leaves no points for training or testing")
    rng = np.random.default_rng(seed)
    points, targets = problem.generate(rng, n_samples, noise, n_classes)
    order = rng.permutation(n_samples)
    train, test = order[:n_train], order[n_train:]
    return from_arrays(
        problem.name,
        points[train],
        targets[train],
        points[test],
        targets[test],
        class_names=tuple(f"class {c}" for c in range(n_classes if problem.task == "classification" else 0)),
        source=source,
        task=problem.task,
    )
