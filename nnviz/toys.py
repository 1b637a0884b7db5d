"""2-D toy problems in the spirit of TensorFlow Playground: circle, xor, gauss, spiral, moons.

Each generator returns points ``(n, 2)`` and labels ``(n,)`` with ``n // 2`` points of class 1 and the
rest of class 0; :func:`toy_2d` shuffles, splits and wraps them in a :class:`~nnviz.dataset.Dataset`.
Every toy lives (up to its noise) in the square ``[-TOY_EXTENT, TOY_EXTENT]²``.
"""

from __future__ import annotations

import math

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
"""The toys by name, each a generator ``(rng, n, noise) -> (points (n, 2), labels (n,))``."""


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
    if n_samples < 4:
        raise DataError(f"n_samples must be at least 4, got {n_samples}")
    if not 0.0 <= noise <= 1.0:
        raise DataError(f"noise must be in [0, 1], got {noise}")
    n_train = round(n_samples * train_fraction)
    if not (0.0 < train_fraction < 1.0 and 1 <= n_train < n_samples):
        raise DataError(f"train_fraction {train_fraction} leaves no points for training or testing")
    rng = np.random.default_rng(seed)
    points, labels = TOYS[kind](rng, n_samples, noise)
    order = rng.permutation(n_samples)
    train, test = order[:n_train], order[n_train:]
    return from_arrays(
        kind,
        points[train],
        labels[train],
        points[test],
        labels[test],
        class_names=("class 0", "class 1"),
        source=f"toy_2d({kind!r}, n_samples={n_samples}, noise={noise}, train_fraction={train_fraction}, seed={seed})",
    )
