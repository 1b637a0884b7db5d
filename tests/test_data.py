"""nnviz.data: the tutorials' tabular data, the 2-D toys, the image loader (through torchvision) and its
search order and fallback; nnviz.figures.data: scatter and image-grid figures.

The image tests write tiny IDX files (20 train + 10 test 28×28 images) themselves, in every layout the
loader accepts, plain and gzipped. Every test runs with its own cache directory, no $NNVIZ_DATA and no
system dataset folders, so the machine's own data never leaks in (except in the one real-data test).
"""

from __future__ import annotations

import gzip
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torchvision.datasets.mnist
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from nnviz import data
from nnviz.data import CorruptDatasetError, DataError, DatasetNotFoundError
from nnviz.figures import data as data_figures
from nnviz.figures.style import CLASS_COLORS, HIGHLIGHT

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


# --- helpers: tiny IDX files ---------------------------------------------------------------------


def write_idx(path: Path, array: np.ndarray, *, gz: bool = False) -> Path:
    """Write ``array`` (uint8) as an IDX file: magic 00 00 08 ndim, big-endian uint32 sizes, the bytes."""
    payload = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    payload += np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def write_mnist(directory: Path, *, gz: bool = False, seed: int = 0, label: int | None = None) -> dict[str, np.ndarray]:
    """Four IDX files (20 train, 10 test images of 28×28) in ``directory``; returns what was written.

    ``label`` fixes every label to one value, so tests can tell which source was read.
    """
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", 20), ("t10k", 10)):
        arrays[f"{split}-images-idx3-ubyte"] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8) if label is None else np.full(n, label, np.uint8)
        arrays[f"{split}-labels-idx1-ubyte"] = labels
    for stem, array in arrays.items():
        write_idx(directory / stem, array, gz=gz)
    return arrays


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private cache directory, no $NNVIZ_DATA and an empty system dataset folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NNVIZ_DATA", raising=False)
    monkeypatch.setattr(data, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))
    return tmp_path


# --- make_classification presets -----------------------------------------------------------------


def test_seed000_with_no_test_split_is_exactly_sklearns_output():
    x, y = make_classification(n_samples=1000, n_features=5, n_classes=2, random_state=123)
    ds = data.seed000_classification(test_size=0)
    assert ds.name == "make-classification"
    assert torch.equal(ds.x_train, torch.tensor(x, dtype=torch.float32))
    assert torch.equal(ds.y_train, torch.tensor(y))
    assert ds.x_test.shape == (0, 5) and ds.y_test.shape == (0,)
    assert (ds.n_features, ds.n_classes, ds.image_shape) == (5, 2, None)


def test_seed001_split_is_sklearns_train_test_split():
    x, y = make_classification(n_samples=1000, n_features=20, n_classes=2, random_state=42)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=7)
    ds = data.seed001_classification(split_seed=7)
    assert (ds.n_train, ds.n_test, ds.n_features) == (800, 200, 20)
    assert torch.equal(ds.x_train, torch.tensor(x_train, dtype=torch.float32))
    assert torch.equal(ds.x_test, torch.tensor(x_test, dtype=torch.float32))
    assert torch.equal(ds.y_train, torch.tensor(y_train)) and torch.equal(ds.y_test, torch.tensor(y_test))
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert "random_state=42" in ds.source


def test_default_split_keeps_every_sample_once():
    ds = data.seed000_classification()
    x, _ = make_classification(n_samples=1000, n_features=5, n_classes=2, random_state=123)
    both = torch.cat([ds.x_train, ds.x_test])
    assert (ds.n_train, ds.n_test) == (800, 200)
    assert torch.equal(both[both[:, 0].argsort()], torch.tensor(x, dtype=torch.float32)[np.argsort(x[:, 0])])


@pytest.mark.parametrize("test_size", [-0.1, 1.0, 1.5])
def test_make_classification_rejects_bad_test_size(test_size):
    with pytest.raises(DataError, match="test_size"):
        data.make_classification_data(test_size=test_size)


def test_digits_are_8x8_images_in_unit_range_with_a_stratified_split():
    ds = data.load_digits_dataset(test_size=0.25, seed=3)
    assert (ds.n_train + ds.n_test, ds.n_features, ds.image_shape, ds.n_classes) == (1797, 64, (8, 8), 10)
    assert ds.x_train.min() >= 0 and ds.x_train.max() == 1.0
    train_share = torch.bincount(ds.y_train, minlength=10) / torch.bincount(torch.cat([ds.y_train, ds.y_test]))
    assert torch.allclose(train_share, torch.full((10,), 0.75), atol=0.02)
    assert ds.images("test").shape == (ds.n_test, 8, 8)


# --- toys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", data.TOYS)
def test_toy_shapes_labels_and_balance(kind):
    ds = data.toy_2d(kind, n_samples=301, noise=0.0, train_fraction=0.6, seed=1)
    assert ds.name == kind and ds.n_features == 2 and ds.n_classes == 2
    assert (ds.n_train, ds.n_test) == (181, 120)
    labels = torch.cat([ds.y_train, ds.y_test])
    assert set(labels.tolist()) == {0, 1} and int(labels.sum()) == 150
    points = torch.cat([ds.x_train, ds.x_test])
    assert points.abs().max() <= data.TOY_EXTENT + 0.5  # gauss tails may poke out a little


@pytest.mark.parametrize("kind", data.TOYS)
def test_toy_is_reproducible_and_seed_and_noise_matter(kind):
    first, again = data.toy_2d(kind, noise=0.2, seed=5), data.toy_2d(kind, noise=0.2, seed=5)
    assert torch.equal(first.x_train, again.x_train) and torch.equal(first.y_test, again.y_test)
    assert not torch.equal(first.x_train, data.toy_2d(kind, noise=0.2, seed=6).x_train)
    assert not torch.equal(first.x_train, data.toy_2d(kind, noise=0.0, seed=5).x_train)


def _all_points(ds: data.Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cat([ds.x_train, ds.x_test]), torch.cat([ds.y_train, ds.y_test])


def test_clean_circle_is_a_disc_inside_a_ring():
    points, labels = _all_points(data.toy_2d("circle", n_samples=500, seed=2))
    radius = points.norm(dim=1)
    assert radius[labels == 1].max() <= 2.5 and radius[labels == 0].min() >= 3.5


def test_clean_xor_labels_follow_the_sign_of_the_product():
    points, labels = _all_points(data.toy_2d("xor", n_samples=500, seed=2))
    assert torch.equal(labels, (points[:, 0] * points[:, 1] > 0).long())
    assert points.abs().min() >= 0.3


def test_gauss_blobs_sit_at_plus_and_minus_two_and_spread_with_noise():
    points, labels = _all_points(data.toy_2d("gauss", n_samples=2000, seed=2))
    assert torch.allclose(points[labels == 1].mean(0), torch.tensor([2.0, 2.0]), atol=0.1)
    assert torch.allclose(points[labels == 0].mean(0), torch.tensor([-2.0, -2.0]), atol=0.1)
    noisy, noisy_labels = _all_points(data.toy_2d("gauss", n_samples=2000, noise=0.5, seed=2))
    assert noisy[noisy_labels == 1].var(0).mean() == pytest.approx(4.0, rel=0.1)


def test_spiral_arms_are_half_a_turn_apart():
    points, labels = _all_points(data.toy_2d("spiral", n_samples=400, seed=0))
    arm_1 = points[labels == 1][points[labels == 1].norm(dim=1).argsort()]
    arm_0 = points[labels == 0][points[labels == 0].norm(dim=1).argsort()]
    assert torch.allclose(arm_0, -arm_1, atol=1e-5)  # a half turn is a point reflection


def test_noise_mixes_the_classes_of_the_moons():
    def nearest_neighbour_agreement(noise: float) -> float:
        points, labels = _all_points(data.toy_2d("moons", n_samples=400, noise=noise, seed=0))
        distances = torch.cdist(points, points).fill_diagonal_(float("inf"))
        return (labels[distances.argmin(1)] == labels).float().mean().item()

    assert nearest_neighbour_agreement(0.0) == 1.0
    assert nearest_neighbour_agreement(0.5) < 0.8


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(kind="ring"), "unknown toy"),
        (dict(kind="xor", noise=-0.1), "noise"),
        (dict(kind="xor", noise=2.0), "noise"),
        (dict(kind="xor", n_samples=3), "n_samples"),
        (dict(kind="xor", train_fraction=0.0), "train_fraction"),
        (dict(kind="xor", train_fraction=1.0), "train_fraction"),
        (dict(kind="xor", n_samples=4, train_fraction=0.01), "train_fraction"),
    ],
)
def test_toy_rejects_bad_input_with_a_clear_message(kwargs, match):
    with pytest.raises(DataError, match=match):
        data.toy_2d(**kwargs)


# --- the Dataset container -----------------------------------------------------------------------


def test_subset_takes_the_first_samples_and_checks_its_sizes():
    ds = data.toy_2d("circle", n_samples=100)
    small = ds.subset(10, 5)
    assert (small.n_train, small.n_test) == (10, 5)
    assert torch.equal(small.x_train, ds.x_train[:10]) and torch.equal(small.y_test, ds.y_test[:5])
    assert ds.subset(10).n_test == ds.n_test
    with pytest.raises(DataError, match="subset"):
        ds.subset(1000)


def test_dataset_rejects_inconsistent_tensors():
    good = data.toy_2d("xor", n_samples=20)
    with pytest.raises(DataError, match="labels must lie in 0..1"):
        data.Dataset(**{**good.__dict__, "y_train": good.y_train + 2})
    with pytest.raises(DataError, match="y_test"):
        data.Dataset(**{**good.__dict__, "y_test": good.y_test[:-1]})
    with pytest.raises(DataError, match="float32"):
        data.Dataset(**{**good.__dict__, "x_train": good.x_train.double()})
    with pytest.raises(DataError, match="tabular"):
        good.images()


# --- image search paths --------------------------------------------------------------------------


def test_search_paths_are_explicit_dir_env_cache_then_system(monkeypatch, isolated):
    monkeypatch.setenv("NNVIZ_DATA", str(isolated / "env"))
    paths = data.image_search_paths("fashion-mnist", isolated / "explicit")
    assert paths == [
        isolated / "explicit",
        isolated / "env",
        isolated / "cache" / "nnviz",
        isolated / "system" / "fashion-mnist",
    ]
    monkeypatch.delenv("NNVIZ_DATA")
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(isolated / "home"))
    assert data.image_search_paths("mnist")[0] == isolated / "home" / ".cache" / "nnviz"
    with pytest.raises(DataError, match="unknown image dataset"):
        data.image_search_paths("cifar")


# --- loading IDX files through torchvision -------------------------------------------------------


def test_reads_torchvision_layout_through_torchvision(monkeypatch, isolated):
    written = write_mnist(isolated / "root" / "MNIST" / "raw")
    calls = []
    real_reader = torchvision.datasets.mnist.read_image_file
    monkeypatch.setattr(
        torchvision.datasets.mnist, "read_image_file", lambda path: calls.append(path) or real_reader(path)
    )

    ds = data.load_images("mnist", isolated / "root", fallback=False)

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

    ds = data.load_images("fashion-mnist", root, fallback=False)

    assert ds.class_names[9] == "Ankle boot" and ds.n_train == 20
    assert torch.equal(ds.y_train, torch.tensor(written["train-labels-idx1-ubyte"], dtype=torch.int64))
    unpacked = list((isolated / "cache" / "nnviz" / "unpacked").glob("*/FashionMNIST/raw/train-images-idx3-ubyte"))
    assert len(unpacked) == 1 and str(directory) in ds.source
    assert not list(directory.glob("*-ubyte"))  # the source folder is never written to


def test_unpacked_files_are_reused_until_the_source_changes(isolated):
    write_mnist(isolated / "data", gz=True, label=1)
    assert data.load_images("mnist", isolated / "data").y_train[0] == 1
    (unpacked,) = (isolated / "cache" / "nnviz" / "unpacked").glob("*/MNIST/raw/train-labels-idx1-ubyte")
    first_unpack = unpacked.stat().st_mtime_ns
    data.load_images("mnist", isolated / "data")
    assert unpacked.stat().st_mtime_ns == first_unpack

    time.sleep(0.01)
    write_mnist(isolated / "data", gz=True, label=2)
    assert data.load_images("mnist", isolated / "data").y_train[0] == 2


def test_plain_files_outside_torchvisions_layout_are_linked_not_copied(isolated):
    write_mnist(isolated / "flat")
    ds = data.load_images("mnist", isolated / "flat", fallback=False)
    (linked,) = (isolated / "cache" / "nnviz" / "unpacked").glob("*/MNIST/raw/train-images-idx3-ubyte")
    assert linked.is_symlink() and ds.n_test == 10


def test_search_order_explicit_dir_beats_env_beats_cache(monkeypatch, isolated):
    write_mnist(isolated / "cache" / "nnviz" / "MNIST" / "raw", label=3)
    write_mnist(isolated / "env" / "MNIST" / "raw", label=2)
    write_mnist(isolated / "explicit" / "MNIST" / "raw", label=1)
    assert set(data.load_images("mnist").y_train.tolist()) == {3}
    monkeypatch.setenv("NNVIZ_DATA", str(isolated / "env"))
    assert set(data.load_images("mnist").y_train.tolist()) == {2}
    assert set(data.load_images("mnist", isolated / "explicit").y_train.tolist()) == {1}


def test_system_dataset_folder_is_searched_after_the_cache(isolated):
    write_mnist(isolated / "system" / "fashion-mnist", gz=True, label=4)
    ds = data.load_images("fashion-mnist", fallback=False)
    assert set(ds.y_train.tolist()) == {4} and ds.message is None
    assert str(isolated / "system" / "fashion-mnist") in ds.source


def test_a_wrong_explicit_dir_is_named_when_a_later_source_is_used(isolated):
    write_mnist(isolated / "cache" / "nnviz" / "MNIST" / "raw", label=5)
    ds = data.load_images("mnist", isolated / "typo")
    assert set(ds.y_train.tolist()) == {5}
    assert f"{isolated / 'typo'}: no such directory" in ds.message


def test_missing_data_without_fallback_raises_a_file_not_found_error_naming_every_source(isolated):
    with pytest.raises(DatasetNotFoundError) as caught:
        data.load_images("mnist", isolated / "nowhere", fallback=False)
    assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, ValueError)
    for path in data.image_search_paths("mnist", isolated / "nowhere"):
        assert str(path) in str(caught.value)


def test_a_file_given_as_directory_is_reported(isolated):
    (isolated / "mnist.zip").write_bytes(b"PK")
    with pytest.raises(DatasetNotFoundError, match=r"mnist.zip: not a directory"):
        data.load_images("mnist", isolated / "mnist.zip", fallback=False)


def test_fallback_is_the_digits_with_a_message_listing_every_source_tried(isolated):
    (isolated / "empty").mkdir()
    ds = data.load_images("mnist", isolated / "empty")
    assert ds.name == "digits" and ds.image_shape == (8, 8)
    for path in data.image_search_paths("mnist", isolated / "empty"):
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
        data.load_images("mnist", isolated / "root", fallback=False)
    assert str(raw) in str(caught.value)


def test_labels_outside_0_to_9_are_rejected(isolated):
    raw = isolated / "root" / "MNIST" / "raw"
    write_mnist(raw)
    write_idx(raw / "t10k-labels-idx1-ubyte", np.full(10, 12, np.uint8))
    with pytest.raises(CorruptDatasetError, match="labels must lie in 0..9"):
        data.load_images("mnist", isolated / "root", fallback=False)


def test_truncated_gzip_gives_a_clear_error_and_the_fallback_explains_it(isolated):
    write_mnist(isolated / "gz", gz=True)
    packed = isolated / "gz" / "t10k-images-idx3-ubyte.gz"
    packed.write_bytes(packed.read_bytes()[:200])
    with pytest.raises(CorruptDatasetError, match="t10k-images-idx3-ubyte.gz is not a valid gzip file"):
        data.load_images("mnist", isolated / "gz", fallback=False)
    ds = data.load_images("mnist", isolated / "gz")
    assert ds.name == "digits" and "not a valid gzip file" in ds.message


def test_incomplete_file_sets_are_reported(isolated):
    write_mnist(isolated / "root")
    (isolated / "root" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(CorruptDatasetError, match="missing t10k-labels-idx1-ubyte"):
        data.load_images("mnist", isolated / "root", fallback=False)


def test_a_corrupt_source_is_skipped_for_a_good_one_and_named(isolated):
    write_mnist(isolated / "bad" / "MNIST" / "raw")
    (isolated / "bad" / "MNIST" / "raw" / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01")
    write_mnist(isolated / "cache" / "nnviz" / "MNIST" / "raw", label=7)
    ds = data.load_images("mnist", isolated / "bad", fallback=False)
    assert set(ds.y_train.tolist()) == {7} and "train-labels-idx1-ubyte is truncated" in ds.message


def test_download_failure_is_quick_and_explained(monkeypatch, isolated):
    with socket.socket() as probe:  # a local port with nothing listening: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [f"http://127.0.0.1:{port}/"])
    before = socket.getdefaulttimeout()

    started = time.perf_counter()
    ds = data.load_images("mnist", download=True)

    assert time.perf_counter() - started < 10
    assert ds.name == "digits" and "torchvision download of MNIST: failed" in ds.message
    assert socket.getdefaulttimeout() == before
    with pytest.raises(DatasetNotFoundError, match="download"):
        data.load_images("mnist", download=True, fallback=False)


def test_unknown_image_dataset_is_rejected():
    with pytest.raises(DataError, match="unknown image dataset 'cifar'"):
        data.load_images("cifar")


@pytest.mark.skipif(not DEBIAN_FASHION_MNIST.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_real_fashion_mnist_from_debians_package(isolated):
    ds = data.load_images("fashion-mnist", DEBIAN_FASHION_MNIST, fallback=False)
    assert (ds.n_train, ds.n_test, ds.n_features) == (60_000, 10_000, 784)
    assert torch.equal(torch.bincount(ds.y_train), torch.full((10,), 6000))
    assert ds.x_train.min() == 0.0 and ds.x_train.max() == 1.0
    assert ds.class_names[0] == "T-shirt/top" and ds.message is None


# --- the dispatcher ------------------------------------------------------------------------------


def test_load_dataset_knows_every_name(isolated):
    write_mnist(isolated / "images", gz=True)
    for name in data.DATASETS:
        ds = data.load_dataset(name, data_dir=isolated / "images", seed=1)
        assert ds.name == name and ds.n_train > 0
    assert data.load_dataset("spiral", seed=1, n_samples=50).n_train == 25
    assert data.load_dataset("make-classification", test_size=0).n_train == 1000
    with pytest.raises(DataError, match="unknown dataset 'iris'"):
        data.load_dataset("iris")


# --- figures -------------------------------------------------------------------------------------


def test_scatter_2d_draws_one_coloured_trace_per_class_with_equal_axes():
    ds = data.toy_2d("xor", n_samples=100)
    fig = data_figures.scatter_2d(ds.x_train, ds.y_train, title="XOR", class_names=("orange", "blue"))
    assert [trace.name for trace in fig.data] == ["orange", "blue"]
    assert [trace.marker.color for trace in fig.data] == list(CLASS_COLORS)
    assert sum(len(trace.x) for trace in fig.data) == ds.n_train
    assert len(fig.data[1].x) == int(ds.y_train.sum())
    assert fig.layout.title.text == "XOR"
    assert fig.layout.xaxis.title.text == "x₁" and fig.layout.yaxis.title.text == "x₂"
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.xaxis.range is None
    fixed = data_figures.scatter_2d(ds.x_train, ds.y_train, extent=data.TOY_EXTENT)
    assert tuple(fixed.layout.xaxis.range) == tuple(fixed.layout.yaxis.range) == (-6.0, 6.0)


def test_scatter_2d_uses_the_palette_beyond_two_classes_and_rejects_bad_shapes():
    fig = data_figures.scatter_2d(np.zeros((3, 2)), np.array([0, 1, 2]))
    assert len({trace.marker.color for trace in fig.data}) == 3
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        data_figures.scatter_2d(np.zeros((3, 3)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="labels"):
        data_figures.scatter_2d(np.zeros((3, 2)), np.array([0, 1]))


def test_image_grid_is_one_heatmap_with_a_label_per_tile():
    ds = data.load_digits_dataset()
    fig = data_figures.image_grid(ds.x_train, ds.y_train, n=12, image_shape=ds.image_shape, columns=6)
    (heatmap,) = fig.data
    z = np.array(heatmap.z, dtype=float)
    assert z.shape[0] < z.shape[1]  # 2 rows of 6 tiles: wider than tall
    assert np.nansum(z) == pytest.approx(ds.x_train[:12].sum().item(), rel=1e-5)
    assert [a.text for a in fig.layout.annotations] == [str(label) for label in ds.y_train[:12].tolist()]
    assert fig.layout.title.text == "First 12 examples"
    assert fig.layout.yaxis.autorange == "reversed"


def test_image_grid_marks_wrong_predictions_and_names_classes():
    images = np.random.default_rng(0).random((5, 28, 28))
    labels, predictions = np.array([0, 1, 2, 3, 4]), np.array([0, 1, 9, 3, 4])
    names = [f"c{i}" for i in range(10)]
    fig = data_figures.image_grid(images, labels, n=100, class_names=names, predictions=predictions, title="Mistakes")
    texts = [a.text for a in fig.layout.annotations]
    assert texts[2] == "c2 → c9" and len(texts) == 5
    assert [a.font.color == HIGHLIGHT for a in fig.layout.annotations] == [False, False, True, False, False]
    assert fig.layout.title.text == "Mistakes"
    with pytest.raises(ValueError, match="image_grid needs images"):
        data_figures.image_grid(np.zeros((5, 784)), labels)
