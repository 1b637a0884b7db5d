"""Finding, unpacking, reading and downloading the MNIST-format image files (MNIST, Fashion-MNIST).

The images are read by torchvision's own ``MNIST`` / ``FashionMNIST`` classes. Search order (see
:func:`image_search_paths`): an explicit directory, ``$NNVIZ_DATA``, the user cache directory
(``$XDG_CACHE_HOME/nnviz`` or ``~/.cache/nnviz``), the system dataset folders (Debian's
``dataset-fashion-mnist`` package installs ``/usr/share/datasets/fashion-mnist``), then a torchvision
download into the cache (only with ``download=True``). In each root the IDX files may sit in
torchvision's layout ``ROOT/MNIST/raw/`` (``ROOT/FashionMNIST/raw/``), in ``ROOT/raw/`` or flat in
``ROOT``, plain or gzipped; anything but torchvision's own layout is unpacked once into
``<cache>/unpacked/`` (gunzipped or linked) so that torchvision can read it.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import math
import os
import shutil
import urllib.request
import uuid
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

from nnviz.dataset import CorruptDatasetError, DataError, Dataset, DatasetNotFoundError

IMAGE_DATASETS = ("mnist", "fashion-mnist")
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
IMAGE_SHAPE = (28, 28)
SYSTEM_DATASET_DIRS = (Path("/usr/share/datasets"), Path("/usr/local/share/datasets"))
DOWNLOAD_TIMEOUT_S = 10.0
"""Socket timeout for each network operation of a download, so that no network never means a hang."""

DIGIT_NAMES = tuple(str(digit) for digit in range(10))
FASHION_NAMES = (
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
_TORCHVISION_CLASS_NAMES = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}
_IDX_UBYTE_MAGIC = b"\x00\x00\x08"  # an IDX file of unsigned bytes; byte 3 is the number of dimensions


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


def read_images(name: str = "mnist", data_dir: str | Path | None = None, *, download: bool = False) -> Dataset:
    """MNIST or Fashion-MNIST (60,000 train / 10,000 test 28×28 images, 784 features in [0, 1], 10 classes).

    Searches :func:`image_search_paths` in order and reads the first complete set of IDX files with
    torchvision's ``MNIST`` / ``FashionMNIST`` class; the uint8 images are converted to float once.
    With ``download=True`` and nothing found, torchvision downloads into :func:`user_cache_dir`
    (see :func:`download_images`; each network operation bounded by :data:`DOWNLOAD_TIMEOUT_S`).

    Args:
        name: "mnist" or "fashion-mnist".
        data_dir: a directory to search first.
        download: try a torchvision download when no local source has the data.

    Raises:
        DatasetNotFoundError: no source has the files; the message names every source tried and why it failed.
        CorruptDatasetError: files were found but none could be read.
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
            return download_images(name)
        except DataError as error:
            failures.append((f"torchvision download of {folder}", error))
    else:
        failures.append(("download", DatasetNotFoundError("not attempted (download=False)")))
    corrupt = any(isinstance(error, CorruptDatasetError) for _, error in failures)
    error_type = CorruptDatasetError if corrupt else DatasetNotFoundError
    raise error_type(f"could not load {name}; tried:\n{_describe(failures)}")


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
            class_names=DIGIT_NAMES if name == "mnist" else FASHION_NAMES,
            image_shape=IMAGE_SHAPE,
            source=source,
            root=str(root),
        )
    except (AssertionError, RuntimeError, ValueError, TypeError, OSError) as error:
        raise CorruptDatasetError(f"torchvision could not read {source}: {error}") from error


def _pixels_to_features(images: torch.Tensor) -> torch.Tensor:
    """uint8 images ``(n, h, w)`` -> float32 features ``(n, h*w)`` in [0, 1]."""
    return images.reshape(len(images), -1).float().div_(255.0)


Progress = Callable[[float, str], None]
"""A download's progress report: the fraction done (0-1) and a line for people (``"train-images: 3.1 of 9.9 MB"``)."""


def download_images(
    name: str, root: str | Path | None = None, *, progress: Progress | None = None, timeout: float = DOWNLOAD_TIMEOUT_S
) -> Dataset:
    """Download ``name`` ("mnist" or "fashion-mnist") from torchvision's mirrors into ``root`` (default: the user
    cache) in torchvision's layout, check every file against torchvision's MD5 sums, unpack it and load it.

    Files already there and intact are kept; each is written to a unique temporary name and renamed only once
    complete and checked, so an interrupted or concurrent download never leaves a broken file. Every network
    operation waits at most ``timeout`` seconds (per call, not process-wide). ``progress`` is called as bytes
    arrive.

    Raises:
        DatasetNotFoundError: no mirror gave a file (offline, refused, a wrong checksum), naming what was tried.
    """
    from torchvision.datasets.utils import check_integrity, extract_archive

    dataset_class = _torchvision_class(name)
    root = Path(root) if root is not None else user_cache_dir()
    raw = root / _torchvision_folder(name) / "raw"
    resources = dataset_class.resources
    try:
        raw.mkdir(parents=True, exist_ok=True)
        for index, (filename, md5) in enumerate(resources):
            if (raw / filename).is_file() and check_integrity(str(raw / filename), md5):
                extract_archive(str(raw / filename), str(raw))
                continue
            report = None if progress is None else _file_progress(progress, index, len(resources), filename)
            extract_archive(str(_fetch(dataset_class.mirrors, filename, md5, raw, timeout, report)), str(raw))
    except DataError:
        raise  # a DatasetNotFoundError is an OSError too: keep its own message
    except OSError as error:
        raise DatasetNotFoundError(f"could not write into {raw}: {error}") from error
    if progress is not None:
        progress(1.0, f"{name}: all {len(resources)} files downloaded and checked")
    return _load_idx_root(name, root)


def _file_progress(progress: Progress, index: int, count: int, filename: str) -> Callable[[int, int], None]:
    """A ``(bytes done, bytes in all)`` report for file ``index`` of ``count``, as overall progress."""
    stem = filename.removesuffix("-ubyte.gz")

    def report(done: int, total: int) -> None:
        size = f"{done / 1e6:.1f} of {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
        progress((index + (done / total if total else 0.0)) / count, f"{stem}: {size}")

    return report


def _fetch(
    mirrors: Sequence[str],
    filename: str,
    md5: str,
    raw: Path,
    timeout: float,
    report: Callable[[int, int], None] | None,
) -> Path:
    """``raw/filename`` downloaded from the first mirror that serves it with the right MD5 sum."""
    from torchvision.datasets.utils import check_integrity

    failures = []
    for mirror in mirrors:
        partial = raw / f".{filename}.{uuid.uuid4().hex}.partial"
        try:
            with urllib.request.urlopen(f"{mirror}{filename}", timeout=timeout) as response, open(partial, "wb") as out:
                total, done = int(response.headers.get("Content-Length") or 0), 0
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    done += len(chunk)
                    if report is not None:
                        report(done, total)
            if not check_integrity(str(partial), md5):
                raise DatasetNotFoundError("the file's MD5 checksum is wrong")
            partial.replace(raw / filename)
            return raw / filename
        except OSError as error:  # URLError, timeouts, refused connections and a wrong checksum (DatasetNotFoundError)
            failures.append(f"{mirror}: {_reason(error)}")
        finally:
            partial.unlink(missing_ok=True)
    raise DatasetNotFoundError(f"failed to download {filename} ({'; '.join(failures)})")


def _reason(error: BaseException) -> str:
    """A short reason for a failed download: the URLError's own reason, or the first line of the message."""
    text = str(getattr(error, "reason", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__
