"""Every dataset nnviz uses, as tensors ready for training.

* the tutorials' tabular data: scikit-learn ``make_classification`` with the seeds' parameters;
* 2-D toy problems in the spirit of TensorFlow Playground (circle, xor, gauss, spiral, moons);
* images: MNIST and Fashion-MNIST read by torchvision's own ``MNIST`` / ``FashionMNIST`` classes,
  found on disk (or downloaded when asked), with scikit-learn's bundled 8×8 digits as the
  always-available fallback.

Every loader returns a :class:`Dataset`: float32 features ``(n, n_features)`` and int64 labels
``(n,)`` for a train and a test split. Nothing is cached here (the app caches with
``st.cache_resource``); bad input raises a :class:`DataError` (a ``ValueError``) with a message
that names what was wrong and where.

Image search order (see :func:`image_search_paths`): an explicit directory, ``$NNVIZ_DATA``, the
user cache directory (``$XDG_CACHE_HOME/nnviz`` or ``~/.cache/nnviz``), the system dataset folders
(Debian's ``dataset-fashion-mnist`` package installs ``/usr/share/datasets/fashion-mnist``), then a
torchvision download into the cache (only with ``download=True``). In each root the IDX files may
sit in torchvision's layout ``ROOT/MNIST/raw/`` (``ROOT/FashionMNIST/raw/``), in ``ROOT/raw/`` or
flat in ``ROOT``, plain or gzipped; anything but torchvision's own layout is unpacked once into
``<cache>/unpacked/`` (gunzipped or linked) so that torchvision can read it.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import math
import os
import shutil
import socket
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits, make_classification, make_moons
from sklearn.model_selection import train_test_split

TOYS = ("circle", "xor", "gauss", "spiral", "moons")
IMAGE_DATASETS = ("mnist", "fashion-mnist")
DATASETS = ("make-classification", "make-classification-20", *TOYS, "digits", *IMAGE_DATASETS)

TOY_EXTENT = 6.0
"""Every toy lives (up to its noise) in the square [-TOY_EXTENT, TOY_EXTENT]², as in TF Playground."""

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
IMAGE_SHAPE = (28, 28)
SYSTEM_DATASET_DIRS = (Path("/usr/share/datasets"), Path("/usr/local/share/datasets"))
DOWNLOAD_TIMEOUT_S = 10.0
"""Socket timeout for each network operation of a download, so that no network never means a hang."""

_TORCHVISION_CLASS_NAMES = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
_DIGIT_NAMES = tuple(str(digit) for digit in range(10))
_FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_IDX_UBYTE_MAGIC = b"\x00\x00\x08"  # an IDX file of unsigned bytes; byte 3 is the number of dimensions


class DataError(ValueError):
    """A dataset could not be made or loaded; the message says what was wrong and where."""


class DatasetNotFoundError(DataError, FileNotFoundError):
    """No source holds the requested data (a missing directory, no IDX files, a failed download)."""


class CorruptDatasetError(DataError):
    """Data files exist but are truncated, corrupt, incomplete or of the wrong shape."""


@dataclass(frozen=True, eq=False)  # tensors have no single truth value: compare fields, not datasets
class Dataset:
    """A classification dataset split into train and test tensors.

    Attributes:
        name: one of :data:`DATASETS`.
        x_train: ``(n_train, n_features)`` float32; images flattened row by row, pixels in [0, 1].
        y_train: ``(n_train,)`` int64 class labels in ``0 .. n_classes - 1``.
        x_test: ``(n_test, n_features)`` float32 (``n_test`` may be 0).
        y_test: ``(n_test,)`` int64.
        n_classes: number of classes.
        class_names: one display name per class.
        image_shape: ``(height, width)`` in pixels for image data, ``None`` for tabular data.
        source: where the data came from, for people to read.
        message: a notice for the UI (e.g. why the digits fallback was used), or ``None``.
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

    def __post_init__(self) -> None:
        for split, x, y in (("train", self.x_train, self.y_train), ("test", self.x_test, self.y_test)):
            if x.dtype != torch.float32 or x.ndim != 2:
                raise DataError(f"{self.name}: x_{split} must be a 2-D float32 tensor, got {x.dtype} {tuple(x.shape)}")
            if y.dtype != torch.int64 or y.shape != (len(x),):
                raise DataError(f"{self.name}: y_{split} must be int64 of shape ({len(x)},), got {tuple(y.shape)}")
            if len(y) and not (int(y.min()) >= 0 and int(y.max()) < self.n_classes):
                raise DataError(f"{self.name}: {split} labels must lie in 0..{self.n_classes - 1}")
        if self.x_test.shape[1] != self.x_train.shape[1]:
            raise DataError(f"{self.name}: train has {self.x_train.shape[1]} features, test {self.x_test.shape[1]}")
        if len(self.class_names) != self.n_classes:
            raise DataError(f"{self.name}: {len(self.class_names)} class names for {self.n_classes} classes")
        if self.image_shape is not None and math.prod(self.image_shape) != self.x_train.shape[1]:
            raise DataError(f"{self.name}: image shape {self.image_shape} does not match {self.n_features} features")

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


# --- tabular data of the tutorials ---------------------------------------------------------------


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
    return _tabular(
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


def seed000_classification(test_size: float = 0.2, split_seed: int = 0) -> Dataset:
    """Tutorial 000's data: 1,000 samples, 5 features, 2 classes, ``random_state=123``.

    The tutorial trains on all 1,000 samples: pass ``test_size=0`` to reproduce it exactly.
    """
    return make_classification_data(1000, 5, random_state=123, test_size=test_size, split_seed=split_seed)


def seed001_classification(test_size: float = 0.2, split_seed: int = 0) -> Dataset:
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
    return _tabular(
        "digits",
        x_train,
        y_train,
        x_test,
        y_test,
        class_names=_DIGIT_NAMES,
        image_shape=(8, 8),
        source=f"scikit-learn load_digits (bundled, 1,797 8×8 images), test_size={test_size}, split seed {seed}",
    )


def _tabular(
    name: str,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    *,
    class_names: tuple[str, ...],
    source: str,
    image_shape: tuple[int, int] | None = None,
) -> Dataset:
    """A :class:`Dataset` from numpy arrays (features to float32, labels to int64)."""
    return Dataset(
        name=name,
        x_train=torch.as_tensor(x_train, dtype=torch.float32),
        y_train=torch.as_tensor(y_train, dtype=torch.int64),
        x_test=torch.as_tensor(x_test, dtype=torch.float32),
        y_test=torch.as_tensor(y_test, dtype=torch.int64),
        n_classes=len(class_names),
        class_names=class_names,
        image_shape=image_shape,
        source=source,
    )


# --- 2-D toys ------------------------------------------------------------------------------------
# Each generator returns (points (n, 2), labels (n,)) with n // 2 points of class 1 and the rest of class 0.

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


_TOY_GENERATORS = {"circle": _circle, "xor": _xor, "gauss": _gauss, "spiral": _spiral, "moons": _moons}


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
    if kind not in _TOY_GENERATORS:
        raise DataError(f"unknown toy {kind!r}; choose one of {', '.join(TOYS)}")
    if n_samples < 4:
        raise DataError(f"n_samples must be at least 4, got {n_samples}")
    if not 0.0 <= noise <= 1.0:
        raise DataError(f"noise must be in [0, 1], got {noise}")
    n_train = round(n_samples * train_fraction)
    if not (0.0 < train_fraction < 1.0 and 1 <= n_train < n_samples):
        raise DataError(f"train_fraction {train_fraction} leaves no points for training or testing")
    rng = np.random.default_rng(seed)
    points, labels = _TOY_GENERATORS[kind](rng, n_samples, noise)
    order = rng.permutation(n_samples)
    train, test = order[:n_train], order[n_train:]
    return _tabular(
        kind,
        points[train],
        labels[train],
        points[test],
        labels[test],
        class_names=("class 0", "class 1"),
        source=f"toy_2d({kind!r}, n_samples={n_samples}, noise={noise}, train_fraction={train_fraction}, seed={seed})",
    )


# --- MNIST-format images through torchvision -----------------------------------------------------


def user_cache_dir() -> Path:
    """nnviz's cache directory: ``$XDG_CACHE_HOME/nnviz``, else ``~/.cache/nnviz``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nnviz"


def image_search_paths(name: str, data_dir: str | Path | None = None) -> list[Path]:
    """The roots searched for ``name``'s IDX files, in order: ``data_dir``, ``$NNVIZ_DATA``, the user
    cache directory, then ``/usr/share/datasets/<name>`` and ``/usr/local/share/datasets/<name>``."""
    _torchvision_folder(name)
    env = os.environ.get("NNVIZ_DATA")
    candidates = [data_dir, env or None, user_cache_dir(), *(folder / name for folder in SYSTEM_DATASET_DIRS)]
    paths = [Path(path).expanduser() for path in candidates if path is not None]
    return list(dict.fromkeys(paths))


def load_images(
    name: str = "mnist", data_dir: str | Path | None = None, *, download: bool = False, fallback: bool = True
) -> Dataset:
    """MNIST or Fashion-MNIST (60,000 train / 10,000 test 28×28 images, 784 features in [0, 1], 10 classes).

    Searches :func:`image_search_paths` in order and reads the first complete set of IDX files with
    torchvision's ``MNIST`` / ``FashionMNIST`` class; the uint8 images are converted to float once.
    With ``download=True`` and nothing found, torchvision downloads into :func:`user_cache_dir`
    (each network operation bounded by :data:`DOWNLOAD_TIMEOUT_S`).

    Args:
        name: "mnist" or "fashion-mnist".
        data_dir: a directory to search first.
        download: try a torchvision download when no local source has the data.
        fallback: when every source fails, return :func:`load_digits_dataset` with a ``message``
            naming every source tried and why it failed; otherwise raise.

    Raises:
        DatasetNotFoundError: no source has the files (only with ``fallback=False``).
        CorruptDatasetError: files were found but none could be read (only with ``fallback=False``).
    """
    folder = _torchvision_folder(name)
    user_roots = {Path(path).expanduser() for path in (data_dir, os.environ.get("NNVIZ_DATA") or None) if path}
    failures: list[tuple[str, DataError]] = []
    for root in image_search_paths(name, data_dir):
        try:
            dataset = _load_idx_root(name, root)
        except DataError as error:
            failures.append((str(root), error))
            continue
        # on success, mention the sources the user asked for and the damaged ones; not the merely empty ones
        notable = [(w, e) for w, e in failures if Path(w) in user_roots or isinstance(e, CorruptDatasetError)]
        if notable:
            return dataclasses.replace(dataset, message=f"Loaded {name} from {root}; skipped:\n{_describe(notable)}")
        return dataset
    if download:
        try:
            return _download(name, user_cache_dir())
        except DataError as error:
            failures.append((f"torchvision download of {folder}", error))
    else:
        failures.append(("download", DatasetNotFoundError("not attempted (download=False)")))
    if not fallback:
        corrupt = any(isinstance(error, CorruptDatasetError) for _, error in failures)
        error_type = CorruptDatasetError if corrupt else DatasetNotFoundError
        raise error_type(f"could not load {name}; tried:\n{_describe(failures)}")
    digits = load_digits_dataset()
    return dataclasses.replace(
        digits,
        message=(
            f"{name} could not be loaded, so nnviz uses scikit-learn's bundled 8×8 digits instead. Tried:\n"
            f"{_describe(failures)}\nPut the four IDX files in one of these places or set $NNVIZ_DATA."
        ),
    )


def _describe(failures: list[tuple[str, DataError]]) -> str:
    """One line per failed source: ``- where: why``."""
    return "\n".join(f"- {where}: {error}" for where, error in failures)


def _torchvision_folder(name: str) -> str:
    """torchvision's class (and folder) name for ``name``: "MNIST" or "FashionMNIST"."""
    if name not in _TORCHVISION_CLASS_NAMES:
        raise DataError(f"unknown image dataset {name!r}; choose one of {', '.join(IMAGE_DATASETS)}")
    return _TORCHVISION_CLASS_NAMES[name]


def _torchvision_class(name: str) -> type:
    """torchvision's dataset class for ``name`` (imported here: torchvision.datasets takes ~2 s to import)."""
    from torchvision import datasets

    return getattr(datasets, _torchvision_folder(name))


def _load_idx_root(name: str, root: Path) -> Dataset:
    """Read ``name`` from the IDX files under ``root`` (see the module docstring for the layouts)."""
    if not root.is_dir():
        raise DatasetNotFoundError("not a directory" if root.exists() else "no such directory")
    folder = _torchvision_folder(name)
    idx_dir = _find_idx_dir(root, folder)
    if idx_dir == root / folder / "raw" and all((idx_dir / stem).is_file() for stem in IDX_FILES):
        torchvision_root, note = root, ""
    else:
        torchvision_root = _unpack(idx_dir, folder)
        note = f" (unpacked to {torchvision_root / folder / 'raw'})"
    for split in ("train", "t10k"):
        _check_idx_pair(torchvision_root / folder / "raw", split, idx_dir)
    return _read_with_torchvision(name, torchvision_root, source=f"torchvision.datasets.{folder} from {idx_dir}{note}")


def _find_idx_dir(root: Path, folder: str) -> Path:
    """The first of ``root/folder/raw``, ``root/raw``, ``root`` holding all four IDX files (plain or .gz)."""
    candidates = (root / folder / "raw", root / "raw", root)
    for directory in candidates:
        present = [stem for stem in IDX_FILES if (directory / stem).is_file() or (directory / f"{stem}.gz").is_file()]
        if len(present) == len(IDX_FILES):
            return directory
        if present:
            missing = ", ".join(stem for stem in IDX_FILES if stem not in present)
            raise CorruptDatasetError(f"incomplete IDX files in {directory}: missing {missing} (or .gz)")
    where = ", ".join(str(directory) for directory in candidates)
    raise DatasetNotFoundError(f"no IDX files ({IDX_FILES[0]}[.gz], ...) in {where}")


def _unpack(idx_dir: Path, folder: str) -> Path:
    """Make ``idx_dir``'s IDX files readable by torchvision: gunzip (or link) them into
    ``<cache>/unpacked/<hash of idx_dir>/<folder>/raw`` and return that torchvision root.

    A file is unpacked again only when its source is newer; writes are atomic (temporary file, then rename).
    """
    key = hashlib.sha1(str(idx_dir.resolve()).encode()).hexdigest()[:12]
    root = user_cache_dir() / "unpacked" / key
    raw = root / folder / "raw"
    try:
        raw.mkdir(parents=True, exist_ok=True)
        for stem in IDX_FILES:
            plain, packed, target = idx_dir / stem, idx_dir / f"{stem}.gz", raw / stem
            source = plain if plain.is_file() else packed
            if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
                continue
            partial = raw / f".{stem}.{uuid.uuid4().hex}.partial"  # unique: other users may unpack at once
            if source is plain:
                partial.symlink_to(plain.resolve())
            else:
                _gunzip(packed, partial)
            partial.replace(target)
    except OSError as error:
        raise DatasetNotFoundError(f"could not unpack into {raw}: {error}") from error
    return root


def _gunzip(packed: Path, target: Path) -> None:
    """Decompress ``packed`` into ``target``; a truncated or corrupt archive raises :class:`CorruptDatasetError`."""
    try:
        with gzip.open(packed, "rb") as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink, length=1 << 20)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        target.unlink(missing_ok=True)
        raise CorruptDatasetError(f"{packed} is not a valid gzip file ({error})") from error


def _idx_dims(path: Path, shown_as: Path) -> tuple[int, ...]:
    """The dimensions an unsigned-byte IDX file declares, after checking that its size matches them.

    Only the header is read here (the magic bytes 00 00 08 D, then D big-endian uint32 sizes);
    torchvision reads the data. ``shown_as`` is the path named in error messages.
    """
    with open(path, "rb") as file:
        magic = file.read(4)
        if len(magic) < 4 or magic[:3] != _IDX_UBYTE_MAGIC or not 1 <= magic[3] <= 3:
            raise CorruptDatasetError(f"{shown_as} is not an unsigned-byte IDX file (magic {magic.hex() or 'missing'})")
        header = file.read(4 * magic[3])
    if len(header) < 4 * magic[3]:
        raise CorruptDatasetError(f"{shown_as} is truncated inside its header")
    dims = tuple(int.from_bytes(header[i : i + 4], "big") for i in range(0, len(header), 4))
    expected = 4 + len(header) + math.prod(dims)
    size = path.stat().st_size
    if size != expected:
        shape = "×".join(map(str, dims))
        state = "truncated" if size < expected else "longer than its header says"
        raise CorruptDatasetError(f"{shown_as} is {state}: a {shape} IDX file has {expected:,} bytes, found {size:,}")
    return dims


def _check_idx_pair(raw: Path, split: str, shown_dir: Path) -> None:
    """Check that ``raw``'s ``split`` ("train" or "t10k") images are ``(n, 28, 28)`` and its labels ``(n,)``."""
    images = _idx_dims(raw / f"{split}-images-idx3-ubyte", shown_dir / f"{split}-images-idx3-ubyte")
    labels = _idx_dims(raw / f"{split}-labels-idx1-ubyte", shown_dir / f"{split}-labels-idx1-ubyte")
    if len(images) != 3 or images[1:] != IMAGE_SHAPE:
        shape = "×".join(map(str, images))
        raise CorruptDatasetError(f"{shown_dir}: {split} images must be n×28×28, the file holds {shape}")
    if labels != images[:1]:
        raise CorruptDatasetError(f"{shown_dir}: {images[0]:,} {split} images but labels of shape {labels}")
    if images[0] == 0:
        raise CorruptDatasetError(f"{shown_dir}: the {split} files hold no images")


def _read_with_torchvision(name: str, root: Path, *, source: str) -> Dataset:
    """Load both splits with torchvision's class and convert the uint8 images to float features once."""
    dataset_class = _torchvision_class(name)
    try:
        train, test = dataset_class(root, train=True), dataset_class(root, train=False)
        return Dataset(
            name=name,
            x_train=_pixels_to_features(train.data),
            y_train=train.targets.long(),
            x_test=_pixels_to_features(test.data),
            y_test=test.targets.long(),
            n_classes=10,
            class_names=_DIGIT_NAMES if name == "mnist" else _FASHION_NAMES,
            image_shape=IMAGE_SHAPE,
            source=source,
        )
    except (AssertionError, RuntimeError, ValueError, TypeError, OSError) as error:
        raise CorruptDatasetError(f"torchvision could not read {source}: {error}") from error


def _pixels_to_features(images: torch.Tensor) -> torch.Tensor:
    """uint8 images ``(n, h, w)`` -> float32 features ``(n, h*w)`` in [0, 1]."""
    return images.reshape(len(images), -1).float().div_(255.0)


def _download(name: str, cache: Path) -> Dataset:
    """Download ``name`` with torchvision into ``cache`` and load it; failures become :class:`DatasetNotFoundError`.

    The socket default timeout is set to :data:`DOWNLOAD_TIMEOUT_S` while downloading (torchvision's
    urllib calls take no timeout of their own), then restored.
    """
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(DOWNLOAD_TIMEOUT_S)
    try:
        _torchvision_class(name)(cache, train=True, download=True)
    except (RuntimeError, OSError, ValueError) as error:
        reason = str(error).strip().splitlines()
        raise DatasetNotFoundError(f"failed ({reason[-1] if reason else type(error).__name__})") from error
    finally:
        socket.setdefaulttimeout(previous)
    return _load_idx_root(name, cache)


# --- one entry point -----------------------------------------------------------------------------


def load_dataset(name: str, *, data_dir: str | Path | None = None, seed: int = 0, **kwargs) -> Dataset:
    """Any dataset in :data:`DATASETS` by name (the CLI's and the pages' entry point).

    ``seed`` seeds the toys and the train/test split of the tabular data and digits (the
    make-classification presets keep the tutorials' own ``random_state``); MNIST-like images have a
    fixed split. ``data_dir`` is used by the image datasets; ``kwargs`` go to the specific loader
    (:func:`toy_2d`, :func:`make_classification_data`'s ``test_size``, :func:`load_images`'s ``download``...).
    """
    if name == "make-classification":
        return seed000_classification(split_seed=seed, **kwargs)
    if name == "make-classification-20":
        return seed001_classification(split_seed=seed, **kwargs)
    if name in TOYS:
        return toy_2d(name, seed=seed, **kwargs)
    if name == "digits":
        return load_digits_dataset(seed=seed, **kwargs)
    if name in IMAGE_DATASETS:
        return load_images(name, data_dir, **kwargs)
    raise DataError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
