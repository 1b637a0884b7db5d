"""The type every nnviz dataset has: float32 features and int64 labels (or float32 targets), split into train and test.

A dataset's ``task`` is ``"classification"`` (labels ``0 .. n_classes - 1``, the default and every loader's
until the 2-D regression toys) or ``"regression"`` (one real-valued target per sample, no classes).

Every loader (:mod:`nnviz.datasets` for the tutorials' data and the digits, :mod:`nnviz.toys` for the
2-D toys, :mod:`nnviz.image_files` for MNIST and Fashion-MNIST) returns a :class:`Dataset`; bad input
raises a :class:`DataError` (a ``ValueError``) whose message names what was wrong and where.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

TASKS = ("classification", "regression")
"""What a dataset's targets are: class labels (int64) or real numbers (float32)."""


class DataError(ValueError):
    """A dataset could not be made or loaded; the message says what was wrong and where."""


class DatasetNotFoundError(DataError, FileNotFoundError):
    """No source holds the requested data (a missing directory, no IDX files, a failed download)."""


class CorruptDatasetError(DataError):
    """Data files exist but are truncated, corrupt, incomplete or of the wrong shape."""


@dataclass(frozen=True, eq=False)  # tensors have no single truth value: compare fields, not datasets
class Dataset:
    """A classification or regression dataset split into train and test tensors.

    Attributes:
        name: one of :data:`DATASETS`.
        x_train: ``(n_train, n_features)`` float32; images flattened row by row, pixels in [0, 1].
        y_train: ``(n_train,)`` int64 class labels in ``0 .. n_classes - 1`` for classification;
            float32 finite targets for regression.
        x_test: ``(n_test, n_features)`` float32 (``n_test`` may be 0).
        y_test: ``(n_test,)`` int64 (float32 for regression).
        n_classes: number of classes; 0 for regression.
        class_names: one display name per class; ``()`` for regression.
        image_shape: ``(height, width)`` in pixels for image data, ``None`` for tabular data.
        source: where the data came from, for people to read.
        root: for MNIST and Fashion-MNIST, the torchvision root the files were read from (what a generated script
            passes to torchvision, so that it reads the same files and downloads only when they are missing).
        message: a notice for the UI (e.g. why the digits fallback was used), or ``None``.
        task: one of :data:`TASKS`, ``"classification"`` unless given.
    """

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    class_names: tuple[str, ...]
    image_shape: tuple[int, int] | None
    source: str
    message: str | None = None
    task: str = "classification"
    root: str | None = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise DataError(f"{self.name}: task must be one of {', '.join(TASKS)}, got {self.task!r}")
        y_dtype = torch.float32 if self.is_regression else torch.int64
        for split, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            if x.dtype != torch.float32 or x.ndim != 2:
                raise DataError(f"{self.name}: x_{split} must be a 2-D float32 tensor, got {x.dtype} {tuple(x.shape)}")
            if y.dtype != y_dtype or y.shape != (len(x),):
                raise DataError(
                    f"{self.name}: y_{split} must be {str(y_dtype).removeprefix('torch.')} of shape ({len(x)},), "
                    f"got {y.dtype} {tuple(y.shape)}"
                )
            if self.is_regression:
                if not bool(torch.isfinite(y).all()):
                    raise DataError(f"{self.name}: {split} targets must be finite numbers (no NaN or infinity)")
            elif len(y) and not (int(y.min()) >= 0 and int(y.max()) < self.n_classes):
                raise DataError(f"{self.name}: {split} labels must lie in 0..{self.n_classes - 1}")
        if self.is_regression and (self.n_classes != 0 or self.class_names):
            raise DataError(f"{self.name}: a regression dataset has no classes (n_classes 0, class_names ())")
        if self.x_test.shape[1] != self.x_train.shape[1]:
            raise DataError(f"{self.name}: train has {self.x_train.shape[1]} features, test {self.x_test.shape[1]}")
        if len(self.class_names) != self.n_classes:
            raise DataError(f"{self.name}: {len(self.class_names)} class names for {self.n_classes} classes")
        if self.image_shape is not None and math.prod(self.image_shape) != self.x_train.shape[1]:
            raise DataError(f"{self.name}: image shape {self.image_shape} does not match {self.n_features} features")

    @property
    def is_regression(self) -> bool:
        """Whether the targets are real numbers (``task == "regression"``) rather than class labels."""
        return self.task == "regression"

    @property
    def n_features(self) -> int:
        """Number of input features (pixels for images)."""
        return self.x_train.shape[1]

    @property
    def n_train(self) -> int:
        """Number of training samples."""
        return len(self.x_train)

    @property
    def n_test(self) -> int:
        """Number of test samples."""
        return len(self.x_test)

    def subset(self, n_train: int, n_test: int | None = None) -> Dataset:
        """The first ``n_train`` training and ``n_test`` test samples (all test samples when ``None``).

        Cheap (tensor views); for fast tests and UI previews.
        """
        n_test = self.n_test if n_test is None else n_test
        if not (1 <= n_train <= self.n_train and 0 <= n_test <= self.n_test):
            raise DataError(
                f"{self.name}: a subset of {n_train} train / {n_test} test samples does not fit in "
                f"{self.n_train} train / {self.n_test} test samples"
            )
        return dataclasses.replace(
            self,
            x_train=self.x_train[:n_train],
            y_train=self.y_train[:n_train],
            x_test=self.x_test[:n_test],
            y_test=self.y_test[:n_test],
        )

    def images(self, split: str = "train") -> torch.Tensor:
        """The ``split`` ("train" or "test") features as images, ``(n, height, width)`` float32 in [0, 1]."""
        if self.image_shape is None:
            raise DataError(f"{self.name} is tabular data, not images")
        if split not in ("train", "test"):
            raise DataError(f"split must be 'train' or 'test', not {split!r}")
        x = self.x_train if split == "train" else self.x_test
        return x.reshape(len(x), *self.image_shape)


def from_arrays(
    name: str,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    class_names: tuple[str, ...],
    source: str,
    image_shape: tuple[int, int] | None = None,
    task: str = "classification",
) -> Dataset:
    """A :class:`Dataset` from numpy arrays of one split each (features to float32, labels to int64).

    For ``task="regression"`` the targets become float32 and ``class_names`` must be ``()``.
    """
    y_dtype = torch.float32 if task == "regression" else torch.int64
    return Dataset(
        name=name,
        x_train=torch.as_tensor(x_train, dtype=torch.float32),
        y_train=torch.as_tensor(y_train, dtype=y_dtype),
        x_test=torch.as_tensor(x_test, dtype=torch.float32),
        y_test=torch.as_tensor(y_test, dtype=y_dtype),
        n_classes=len(class_names),
        class_names=class_names,
        image_shape=image_shape,
        source=source,
        task=task,
    )
