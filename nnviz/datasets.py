"""Every dataset nnviz trains on, by name, as tensors ready for training.

* the tutorials' tabular data: scikit-learn ``make_classification`` with the tutorials' parameters;
* the 2-D toys of :mod:`nnviz.toys` (circle, xor, gauss, spiral, moons);
* images: MNIST and Fashion-MNIST found on disk (or downloaded when asked) by :mod:`nnviz.image_files`,
  with scikit-learn's bundled 8×8 digits as the always-available fallback.

Every loader returns a :class:`~nnviz.dataset.Dataset`. Nothing is cached here (the app caches with
``st.cache_resource``); bad input raises a :class:`~nnviz.dataset.DataError` with a clear message.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sklearn.datasets import load_digits, make_classification
from sklearn.model_selection import train_test_split

from nnviz.dataset import CorruptDatasetError, DataError, Dataset, DatasetNotFoundError, from_arrays
from nnviz.image_files import DIGIT_NAMES, IMAGE_DATASETS, read_images
from nnviz.toys import TOYS, toy_2d

DATASETS: dict[str, str] = {
    "make-classification": "make_classification, 5 features (tutorial 000)",
    "make-classification-20": "make_classification, 20 features (tutorial 001)",
    **{toy: f"2-D toy: {toy}" for toy in TOYS},
    "digits": "scikit-learn's 8×8 digits",
    "mnist": "MNIST",
    "fashion-mnist": "Fashion-MNIST",
}
"""Every dataset :func:`load_dataset` knows, by name, with the name people read."""

__all__ = [
    "DATASETS",
    "IMAGE_DATASETS",
    "TOYS",
    "CorruptDatasetError",
    "DataError",
    "Dataset",
    "DatasetNotFoundError",
    "load_dataset",
    "load_digits_dataset",
    "load_images",
    "make_classification_data",
    "tutorial000_data",
    "tutorial001_data",
]


def make_classification_data(
    n_samples: int = 1000,
    n_features: int = 5,
    random_state: int = 123,
    test_size: float = 0.2,
    split_seed: int = 0,
) -> Dataset:
    """scikit-learn's ``make_classification(n_samples, n_features, n_classes=2, random_state)``, split.

    The split is ``train_test_split(X, y, test_size=test_size, random_state=split_seed)``;
    ``test_size=0`` keeps every sample for training in scikit-learn's order (the test split is then
    empty), as tutorial 000 does.
    """
    if not 0.0 <= test_size < 1.0:
        raise DataError(f"test_size must be in [0, 1), got {test_size}")
    x, y = make_classification(n_samples=n_samples, n_features=n_features, n_classes=2, random_state=random_state)
    if test_size == 0.0:
        x_train, x_test, y_train, y_test = x, x[:0], y, y[:0]
    else:
        x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_size, random_state=split_seed)
    name = "make-classification" if n_features == 5 else f"make-classification-{n_features}"
    return from_arrays(
        name,
        x_train,
        y_train,
        x_test,
        y_test,
        class_names=("class 0", "class 1"),
        source=(
            f"scikit-learn make_classification(n_samples={n_samples}, n_features={n_features}, n_classes=2, "
            f"random_state={random_state}), test_size={test_size}, split seed {split_seed}"
        ),
    )


def tutorial000_data(test_size: float = 0.2, split_seed: int = 0) -> Dataset:
    """Tutorial 000's data: 1,000 samples, 5 features, 2 classes, ``random_state=123``.

    The tutorial trains on all 1,000 samples: pass ``test_size=0`` to reproduce it exactly.
    """
    return make_classification_data(1000, 5, random_state=123, test_size=test_size, split_seed=split_seed)


def tutorial001_data(test_size: float = 0.2, split_seed: int = 0) -> Dataset:
    """Tutorial 001's data: 1,000 samples, 20 features, 2 classes, ``random_state=42``, a 20 % test split."""
    return make_classification_data(1000, 20, random_state=42, test_size=test_size, split_seed=split_seed)


def load_digits_dataset(test_size: float = 0.2, seed: int = 0) -> Dataset:
    """scikit-learn's bundled digits: 1,797 8×8 images (64 features in [0, 1]), 10 classes, stratified split."""
    if not 0.0 < test_size < 1.0:
        raise DataError(f"test_size must be in (0, 1), got {test_size}")
    digits = load_digits()
    x = digits.data / 16.0  # the pixels are counts 0..16
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target, test_size=test_size, random_state=seed, stratify=digits.target
    )
    return from_arrays(
        "digits",
        x_train,
        y_train,
        x_test,
        y_test,
        class_names=DIGIT_NAMES,
        image_shape=(8, 8),
        source=f"scikit-learn load_digits (bundled, 1,797 8×8 images), test_size={test_size}, split seed {seed}",
    )


def load_images(
    name: str = "mnist", data_dir: str | Path | None = None, *, download: bool = False, fallback: bool = True
) -> Dataset:
    """MNIST or Fashion-MNIST via :func:`nnviz.image_files.read_images`, falling back to the 8×8 digits.

    With ``fallback`` (the default), when no source has the files the bundled digits are returned with a
    ``message`` naming every source tried and why it failed; without it the error is raised.
    """
    try:
        return read_images(name, data_dir, download=download)
    except DataError as error:
        if not fallback or not isinstance(error, DatasetNotFoundError | CorruptDatasetError):
            raise
        reason = str(error)
    return dataclasses.replace(
        load_digits_dataset(),
        message=(
            f"{name} could not be loaded, so nnviz uses scikit-learn's bundled 8×8 digits instead. {reason}\n"
            "Put the four IDX files in one of these places or set $NNVIZ_DATA."
        ),
    )


def load_dataset(name: str, *, data_dir: str | Path | None = None, seed: int = 0, **kwargs) -> Dataset:
    """Any dataset in :data:`DATASETS` by name (the CLI's and the pages' entry point).

    ``seed`` seeds the toys and the train/test split of the tabular data and digits (the
    make-classification presets keep the tutorials' own ``random_state``); MNIST-like images have a
    fixed split. ``data_dir`` is used by the image datasets; ``kwargs`` go to the specific loader
    (:func:`~nnviz.toys.toy_2d`, :func:`make_classification_data`'s ``test_size``, :func:`load_images`'s
    ``download``...).
    """
    if name == "make-classification":
        return tutorial000_data(split_seed=seed, **kwargs)
    if name == "make-classification-20":
        return tutorial001_data(split_seed=seed, **kwargs)
    if name in TOYS:
        return toy_2d(name, seed=seed, **kwargs)
    if name == "digits":
        return load_digits_dataset(seed=seed, **kwargs)
    if name in IMAGE_DATASETS:
        return load_images(name, data_dir, **kwargs)
    raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
