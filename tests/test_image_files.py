"""nnviz.image_files (and nnviz.datasets.load_images' fallback): finding, unpacking and reading MNIST-format
IDX files through torchvision, the search order and the digits fallback.

The tests write tiny IDX files (20 train + 10 test 28×28 images) themselves, in every layout the loader
accepts, plain and gzipped. Every test runs with its own cache directory, no $NNVIZ_DATA and no system
dataset folders, so the machine's own data never leaks in (except in the one real-data test).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets.mnist

from nnviz import image_files
from nnviz.dataset import CorruptDatasetError, DataError, DatasetNotFoundError
from nnviz.datasets import load_images
from tests.image_fixtures import refused_url, serve_mnist, write_idx, write_mnist

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private cache directory, no $NNVIZ_DATA and an empty system dataset folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NNVIZ_DATA", raising=False)
    monkeypatch.setattr(image_files, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))
    return tmp_path


# --- image search paths --------------------------------------------------------------------------


def test_search_paths_are_explicit_dir_env_cache_then_system(monkeypatch, isolated):
    monkeypatch.setenv("NNVIZ_DATA", str(isolated / "env"))
    paths = image_files.image_search_paths("fashion-mnist", isolated / "explicit")
    assert paths == [
        isolated / "explicit",
        isolated / "env",
        isolated / "cache" / "nnviz",
        isolated / "system" / "fashion-mnist",
    ]
    monkeypatch.delenv("NNVIZ_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(isolated / "home"))
    assert image_files.image_search_paths("mnist")[0] == isolated / "home" / ".cache" / "nnviz"
    with pytest.raises(DataError, match="unknown image dataset"):
        image_files.image_search_paths("cifar")


# --- loading IDX files through torchvision -------------------------------------------------------


def test_reads_torchvision_layout_through_torchvision(monkeypatch, isolated):
    written = write_mnist(isolated / "root" / "MNIST" / "raw")
    calls = []
    real_reader = torchvision.datasets.mnist.read_image_file
    monkeypatch.setattr(
        torchvision.datasets.mnist, "read_image_file", lambda path: calls.append(path) or real_reader(path)
    )

    ds = load_images("mnist", isolated / "root", fallback=False)

    assert len(calls) == 2  # train and test images, read by torchvision's MNIST class
    assert ds.name == "mnist" and ds.message is None and ds.image_shape == (28, 28)
    assert (ds.n_train, ds.n_test, ds.n_features, ds.n_classes) == (20, 10, 784, 10)
    expected = torch.tensor(written["train-images-idx3-ubyte"].reshape(20, 784), dtype=torch.float32) / 255
    assert torch.equal(ds.x_train, expected)
    assert torch.equal(ds.y_test, torch.tensor(written["t10k-labels-idx1-ubyte"], dtype=torch.int64))
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert "torchvision.datasets.MNIST" in ds.source and "unpacked" not in ds.source
    assert ds.images().shape == (20, 28, 28)


@pytest.mark.parametrize("layout", ["flat", "raw", "torchvision"])
def test_reads_gzipped_files_in_any_layout_by_unpacking_into_the_cache(isolated, layout):
    root = isolated / "data"
    directory = {"flat": root, "raw": root / "raw", "torchvision": root / "FashionMNIST" / "raw"}[layout]
    written = write_mnist(directory, gz=True)

    ds = load_images("fashion-mnist", root, fallback=False)

    assert ds.class_names[9] == "Ankle boot" and ds.n_train == 20
    assert torch.equal(ds.y_train, torch.tensor(written["train-labels-idx1-ubyte"], dtype=torch.int64))
    unpacked = list((isolated / "cache" / "nnviz" / "unpacked").glob("*/FashionMNIST/raw/train-images-idx3-ubyte"))
    assert len(unpacked) == 1 and str(directory) in ds.source
    assert not list(directory.glob("*-ubyte"))  # the source folder is never written to


def test_unpacked_files_are_reused_until_the_source_changes(isolated):
    write_mnist(isolated / "data", gz=True, label=1)
    assert load_images("mnist", isolated / "data").y_train[0] == 1
    (unpacked,) = (isolated / "cache" / "nnviz" / "unpacked").glob("*/MNIST/raw/train-labels-idx1-ubyte")
    first_unpack = unpacked.stat().st_mtime_ns
    load_images("mnist", isolated / "data")
    assert unpacked.stat().st_mtime_ns == first_unpack

    time.sleep(0.01)
    write_mnist(isolated / "data", gz=True, label=2)
    assert load_images("mnist", isolated / "data").y_train[0] == 2


def test_plain_files_outside_torchvisions_layout_are_linked_not_copied(isolated):
    write_mnist(isolated / "flat")
    ds = load_images("mnist", isolated / "flat", fallback=False)
    (linked,) = (isolated / "cache" / "nnviz" / "unpacked").glob("*/MNIST/raw/train-images-idx3-ubyte")
    assert linked.is_symlink() and ds.n_test == 10


def test_search_order_explicit_dir_beats_env_beats_cache(monkeypatch, isolated):
    write_mnist(isolated / "cache" / "nnviz" / "MNIST" / "raw", label=3)
    write_mnist(isolated / "env" / "MNIST" / "raw", label=2)
    write_mnist(isolated / "explicit" / "MNIST" / "raw", label=1)
    assert set(load_images("mnist").y_train.tolist()) == {3}
    monkeypatch.setenv("NNVIZ_DATA", str(isolated / "env"))
    assert set(load_images("mnist").y_train.tolist()) == {2}
    assert set(load_images("mnist", isolated / "explicit").y_train.tolist()) == {1}


def test_system_dataset_folder_is_searched_after_the_cache(isolated):
    write_mnist(isolated / "system" / "fashion-mnist", gz=True, label=4)
    ds = load_images("fashion-mnist", fallback=False)
    assert set(ds.y_train.tolist()) == {4} and ds.message is None
    assert str(isolated / "system" / "fashion-mnist") in ds.source


def test_a_wrong_explicit_dir_is_named_when_a_later_source_is_used(isolated):
    write_mnist(isolated / "cache" / "nnviz" / "MNIST" / "raw", label=5)
    ds = load_images("mnist", isolated / "typo")
    assert set(ds.y_train.tolist()) == {5}
    assert f"{isolated / 'typo'}: no such directory" in ds.message


def test_missing_data_without_fallback_raises_a_file_not_found_error_naming_every_source(isolated):
    with pytest.raises(DatasetNotFoundError) as caught:
        load_images("mnist", isolated / "nowhere", fallback=False)
    assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, ValueError)
    for path in image_files.image_search_paths("mnist", isolated / "nowhere"):
        assert str(path) in str(caught.value)


def test_a_file_given_as_directory_is_reported(isolated):
    (isolated / "mnist.zip").write_bytes(b"PK")
    with pytest.raises(DatasetNotFoundError, match=r"mnist.zip: not a directory"):
        load_images("mnist", isolated / "mnist.zip", fallback=False)


def test_fallback_is_the_digits_with_a_message_listing_every_source_tried(isolated):
    (isolated / "empty").mkdir()
    ds = load_images("mnist", isolated / "empty")
    assert ds.name == "digits" and ds.image_shape == (8, 8)
    for path in image_files.image_search_paths("mnist", isolated / "empty"):
        assert str(path) in ds.message
    assert "no IDX files" in ds.message and "no such directory" in ds.message
    assert "download: not attempted" in ds.message


def _replace_bytes(path: Path, payload: bytes) -> None:
    path.write_bytes(payload)


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda p: _replace_bytes(p, p.read_bytes()[:-100]), r"train-images-idx3-ubyte is truncated"),
        (lambda p: _replace_bytes(p, p.read_bytes()[:10]), r"truncated inside its header"),
        (lambda p: _replace_bytes(p, b""), r"not an unsigned-byte IDX file \(magic missing\)"),
        (lambda p: _replace_bytes(p, p.read_bytes() + b"extra"), r"longer than its header says"),
        (lambda p: _replace_bytes(p, b"\x00\x00\x0d\x03" + p.read_bytes()[4:]), r"not an unsigned-byte IDX file"),
        (lambda p: write_idx(p, np.zeros((20, 10, 10), np.uint8)), r"must be n×28×28, the file holds 20×10×10"),
        (lambda p: write_idx(p, np.zeros((19, 28, 28), np.uint8)), r"19 train images but labels of shape \(20,\)"),
    ],
)
def test_damaged_idx_files_give_a_clear_error_naming_the_file(isolated, damage, match):
    raw = isolated / "root" / "MNIST" / "raw"
    write_mnist(raw)
    damage(raw / "train-images-idx3-ubyte")
    with pytest.raises(CorruptDatasetError, match=match) as caught:
        load_images("mnist", isolated / "root", fallback=False)
    assert str(raw) in str(caught.value)


def test_labels_outside_0_to_9_are_rejected(isolated):
    raw = isolated / "root" / "MNIST" / "raw"
    write_mnist(raw)
    write_idx(raw / "t10k-labels-idx1-ubyte", np.full(10, 12, np.uint8))
    with pytest.raises(CorruptDatasetError, match="labels must lie in 0..9"):
        load_images("mnist", isolated / "root", fallback=False)


def test_truncated_gzip_gives_a_clear_error_and_the_fallback_explains_it(isolated):
    write_mnist(isolated / "gz", gz=True)
    packed = isolated / "gz" / "t10k-images-idx3-ubyte.gz"
    packed.write_bytes(packed.read_bytes()[:200])
    with pytest.raises(CorruptDatasetError, match="t10k-images-idx3-ubyte.gz is not a valid gzip file"):
        load_images("mnist", isolated / "gz", fallback=False)
    ds = load_images("mnist", isolated / "gz")
    assert ds.name == "digits" and "not a valid gzip file" in ds.message


def test_incomplete_file_sets_are_reported(isolated):
    write_mnist(isolated / "root")
    (isolated / "root" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(CorruptDatasetError, match="missing t10k-labels-idx1-ubyte"):
        load_images("mnist", isolated / "root", fallback=False)


def test_a_corrupt_source_is_skipped_for_a_good_one_and_named(isolated):
    write_mnist(isolated / "bad" / "MNIST" / "raw")
    (isolated / "bad" / "MNIST" / "raw" / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01")
    write_mnist(isolated / "cache" / "nnviz" / "MNIST" / "raw", label=7)
    ds = load_images("mnist", isolated / "bad", fallback=False)
    assert set(ds.y_train.tolist()) == {7} and "train-labels-idx1-ubyte is truncated" in ds.message


def test_download_failure_is_quick_and_explained(monkeypatch, isolated):
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [refused_url()])
    before = socket.getdefaulttimeout()

    started = time.perf_counter()
    ds = load_images("mnist", download=True)

    assert time.perf_counter() - started < 10
    assert ds.name == "digits" and "torchvision download of MNIST: failed to download" in ds.message
    assert "refused" in ds.message.lower()
    assert socket.getdefaulttimeout() == before  # a per-request timeout: no process-wide change under other users
    with pytest.raises(DatasetNotFoundError, match="download"):
        load_images("mnist", download=True, fallback=False)


@pytest.fixture
def mirror(monkeypatch, tmp_path):
    with serve_mnist(monkeypatch, tmp_path / "served", label=7) as served:
        yield served


def test_download_fetches_checks_unpacks_and_reports_progress(mirror, isolated):
    reports: list[tuple[float, str]] = []
    ds = image_files.download_images("mnist", progress=lambda fraction, text: reports.append((fraction, text)))
    assert ds.name == "mnist" and ds.n_train == 20 and set(ds.y_train.tolist()) == {7}
    raw = isolated / "cache" / "nnviz" / "MNIST" / "raw"
    assert all((raw / stem).is_file() for stem in image_files.IDX_FILES)
    fractions = [fraction for fraction, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and "MB" in reports[0][1]
    assert not list(raw.glob("*.partial"))
    # a second call finds the files intact and downloads nothing
    (mirror / "train-images-idx3-ubyte.gz").unlink()
    assert image_files.download_images("mnist").n_train == 20


def test_a_wrong_checksum_is_refused_and_leaves_no_file(mirror, monkeypatch, isolated):
    wrong = [(name, "0" * 32) for name, _ in torchvision.datasets.MNIST.resources]
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", wrong)
    with pytest.raises(DatasetNotFoundError, match="MD5 checksum is wrong"):
        image_files.download_images("mnist")
    assert not list((isolated / "cache" / "nnviz" / "MNIST" / "raw").iterdir())


def test_unknown_image_dataset_is_rejected():
    with pytest.raises(DataError, match="unknown image dataset 'cifar'"):
        load_images("cifar")


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_from_debians_package(isolated):
    ds = load_images("fashion-mnist", DEBIAN_FASHION_MNIST, fallback=False)
    assert (ds.n_train, ds.n_test, ds.n_features) == (60_000, 10_000, 784)
    assert torch.equal(torch.bincount(ds.y_train), torch.full((10,), 6000))
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert ds.class_names[0] == "T-shirt/top" and ds.message is None
