"""Feature crosses: what the playground's network sees of a point (x₁, x₂), as in TensorFlow Playground.

A :class:`Feature` is one function of the point: x₁, x₂, x₁², x₂², x₁x₂, sin x₁, sin x₂ (:data:`FEATURES`).
A :class:`FeatureMap` is the set that is switched on: it turns points ``(n, 2)`` into network inputs
``(n, k)``, one column per feature, and is applied identically to the training data, the test data and
every grid a figure evaluates, so the network is always fed what it was trained on. The columns come in
the registry's order whatever order the features were chosen in, so the same set always builds the same
network. :meth:`FeatureMap.code` is the same map as Python source, for the generated script.

The functions work on the raw coordinates (the toys fill about [-6, 6]², so x₁² reaches 36 and sin x₁
makes about two periods across the plane), as TensorFlow Playground's do.

>>> features = FeatureMap(("x1_x2", "x1"))
>>> features.names, features.labels
(('x1', 'x1_x2'), ('x₁', 'x₁x₂'))
>>> features(torch.tensor([[2.0, 3.0]]))
tensor([[2., 6.]])
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from nnviz.dataset import DataError, Dataset


@dataclass(frozen=True)
class Feature:
    """One input feature of a 2-D point.

    Attributes:
        name: the key in :data:`FEATURES` (a Python identifier: also the name in state and generated code).
        label: display name in Unicode, e.g. ``"x₁²"`` (node labels, checkboxes, axis titles).
        latex: the same in LaTeX, e.g. ``"x_1^2"``.
        expression: the same as a torch expression of the points ``x`` ``(n, 2)``, e.g. ``"x[:, 0] ** 2"``.
        function: points ``(n, 2)`` float32 -> feature values ``(n,)``.
    """

    name: str
    label: str
    latex: str
    expression: str
    function: Callable[[Tensor], Tensor]


FEATURES: dict[str, Feature] = {
    feature.name: feature
    for feature in (
        Feature("x1", "x₁", "x_1", "x[:, 0]", lambda x: x[:, 0]),
        Feature("x2", "x₂", "x_2", "x[:, 1]", lambda x: x[:, 1]),
        Feature("x1_squared", "x₁²", "x_1^2", "x[:, 0] ** 2", lambda x: x[:, 0] ** 2),
        Feature("x2_squared", "x₂²", "x_2^2", "x[:, 1] ** 2", lambda x: x[:, 1] ** 2),
        Feature("x1_x2", "x₁x₂", "x_1 x_2", "x[:, 0] * x[:, 1]", lambda x: x[:, 0] * x[:, 1]),
        Feature("sin_x1", "sin x₁", r"\sin x_1", "torch.sin(x[:, 0])", lambda x: torch.sin(x[:, 0])),
        Feature("sin_x2", "sin x₂", r"\sin x_2", "torch.sin(x[:, 1])", lambda x: torch.sin(x[:, 1])),
    )
}
"""Every feature by name, in the order of the network's input columns (TensorFlow Playground's order)."""
PLAIN = ("x1", "x2")
"""The default: the coordinates themselves, no cross."""


@dataclass(frozen=True)
class FeatureMap:
    """The features switched on, as one map from points ``(n, 2)`` to network inputs ``(n, k)``.

    ``names`` may come in any order and is stored in :data:`FEATURES` order; an empty, unknown or
    repeated name raises a :class:`~nnviz.dataset.DataError`.
    """

    names: tuple[str, ...] = PLAIN

    def __post_init__(self) -> None:
        names = tuple(self.names)
        unknown = [name for name in names if name not in FEATURES]
        if unknown:
            raise DataError(f"unknown feature {unknown[0]!r}; choose from {', '.join(FEATURES)}")
        if len(set(names)) != len(names):
            raise DataError(f"each feature can be used once, got {', '.join(names)}")
        if not names:
            raise DataError("switch on at least one input feature (x₁, x₂, x₁², ...)")
        object.__setattr__(self, "names", tuple(name for name in FEATURES if name in names))

    @property
    def features(self) -> tuple[Feature, ...]:
        """The :class:`Feature` of every input column, in order."""
        return tuple(FEATURES[name] for name in self.names)

    @property
    def size(self) -> int:
        """Number of network inputs ``k``."""
        return len(self.names)

    @property
    def labels(self) -> tuple[str, ...]:
        """Display name of each input column."""
        return tuple(feature.label for feature in self.features)

    def __call__(self, points: Tensor | np.ndarray | Sequence) -> Tensor:
        """Network inputs ``(n, k)`` float32 for points ``(n, 2)`` (a tensor, array or nested list)."""
        x = torch.as_tensor(points, dtype=torch.float32)
        if x.ndim != 2 or x.shape[1] != 2:
            raise DataError(f"feature crosses take 2-D points of shape (n, 2), got {tuple(x.shape)}")
        return torch.stack([feature.function(x) for feature in self.features], dim=1)

    def dataset(self, data: Dataset) -> Dataset:
        """``data`` with both splits' points replaced by their features (labels or targets unchanged)."""
        if data.n_features != 2:
            raise DataError(f"feature crosses need 2-D points; {data.name!r} has {data.n_features} features")
        return dataclasses.replace(
            data,
            x_train=self(data.x_train),
            x_test=self(data.x_test),
            source=f"{data.source}, features {', '.join(self.labels)}",
        )

    def code(self, function_name: str = "features") -> str:
        """This map as a Python function of a torch tensor ``x`` ``(n, 2)``, for a generated script."""
        columns = "".join(f"            {feature.expression},  # {feature.label}\n" for feature in self.features)
        return (
            f"def {function_name}(x: torch.Tensor) -> torch.Tensor:\n"
            f'    """Points (n, 2) -> network inputs (n, {self.size}): {", ".join(self.labels)}."""\n'
            f"    return torch.stack(\n"
            f"        [\n{columns}        ],\n"
            f"        dim=1,\n"
            f"    )\n"
        )
