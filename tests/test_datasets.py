"""nnviz.datasets, nnviz.toys and nnviz.dataset: the tutorials' tabular data, the 2-D toys, the Dataset
container and the dispatcher; nnviz.figures.data: scatter and image-grid figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.io
import pytest
import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from nnviz import datasets as data
from nnviz import image_files, toys
from nnviz.dataset import DataError, Dataset
from nnviz.figures import data as data_figures
from nnviz.figures.style import CLASS_COLORS, HIGHLIGHT
from tests.image_fixtures import write_mnist


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A private cache directory, no $NNVIZ_DATA and an empty system dataset folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NNVIZ_DATA", raising=False)
    monkeypatch.setattr(image_files, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))
    return tmp_path


# --- make_classification presets -----------------------------------------------------------------


def test_tutorial000_with_no_test_split_is_exactly_sklearns_output():
    x, y = make_classification(n_samples=1000, n_features=5, n_classes=2, random_state=123)
    ds = data.tutorial000_data(test_size=0)
    assert ds.name == "make-classification"
    assert torch.equal(ds.x_train, torch.tensor(x, dtype=torch.float32))
    assert torch.equal(ds.y_train, torch.tensor(y))
    assert ds.x_test.shape == (0, 5) and ds.y_test.shape == (0,)
    assert (ds.n_features, ds.n_classes, ds.image_shape) == (5, 2, None)


def test_tutorial001_split_is_sklearns_train_test_split():
    x, y = make_classification(n_samples=1000, n_features=20, n_classes=2, random_state=42)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=7)
    ds = data.tutorial001_data(split_seed=7)
    assert (ds.n_train, ds.n_test, ds.n_features) == (800, 200, 20)
    assert torch.equal(ds.x_train, torch.tensor(x_train, dtype=torch.float32))
    assert torch.equal(ds.x_test, torch.tensor(x_test, dtype=torch.float32))
    assert torch.equal(ds.y_train, torch.tensor(y_train)) and torch.equal(ds.y_test, torch.tensor(y_test))
    assert ds.x_train.dtype == torch.float32 and ds.y_train.dtype == torch.int64
    assert "random_state=42" in ds.source


def test_default_split_keeps_every_sample_once():
    ds = data.tutorial000_data()
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
    ds = toys.toy_2d(kind, n_samples=301, noise=0.0, train_fraction=0.6, seed=1)
    assert ds.name == kind and ds.n_features == 2 and ds.n_classes == 2
    assert (ds.n_train, ds.n_test) == (181, 120)
    labels = torch.cat([ds.y_train, ds.y_test])
    assert set(labels.tolist()) == {0, 1} and int(labels.sum()) == 150
    points = torch.cat([ds.x_train, ds.x_test])
    assert points.abs().max() <= toys.TOY_EXTENT + 0.5  # gauss tails may poke out a little


@pytest.mark.parametrize("kind", data.TOYS)
def test_toy_is_reproducible_and_seed_and_noise_matter(kind):
    first, again = toys.toy_2d(kind, noise=0.2, seed=5), toys.toy_2d(kind, noise=0.2, seed=5)
    assert torch.equal(first.x_train, again.x_train) and torch.equal(first.y_test, again.y_test)
    assert not torch.equal(first.x_train, toys.toy_2d(kind, noise=0.2, seed=6).x_train)
    assert not torch.equal(first.x_train, toys.toy_2d(kind, noise=0.0, seed=5).x_train)


def _all_points(ds: Dataset) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.cat([ds.x_train, ds.x_test]), torch.cat([ds.y_train, ds.y_test])


def test_clean_circle_is_a_disc_inside_a_ring():
    points, labels = _all_points(toys.toy_2d("circle", n_samples=500, seed=2))
    radius = points.norm(dim=1)
    assert radius[labels == 1].max() <= 2.5 and radius[labels == 0].min() >= 3.5


def test_clean_xor_labels_follow_the_sign_of_the_product():
    points, labels = _all_points(toys.toy_2d("xor", n_samples=500, seed=2))
    assert torch.equal(labels, (points[:, 0] * points[:, 1] > 0).long())
    assert points.abs().min() >= 0.3


def test_gauss_blobs_sit_at_plus_and_minus_two_and_spread_with_noise():
    points, labels = _all_points(toys.toy_2d("gauss", n_samples=2000, seed=2))
    assert torch.allclose(points[labels == 1].mean(0), torch.tensor([2.0, 2.0]), atol=0.1)
    assert torch.allclose(points[labels == 0].mean(0), torch.tensor([-2.0, -2.0]), atol=0.1)
    noisy, noisy_labels = _all_points(toys.toy_2d("gauss", n_samples=2000, noise=0.5, seed=2))
    assert noisy[noisy_labels == 1].var(0).mean() == pytest.approx(4.0, rel=0.1)


def test_spiral_arms_are_half_a_turn_apart():
    points, labels = _all_points(toys.toy_2d("spiral", n_samples=400, seed=0))
    arm_1 = points[labels == 1][points[labels == 1].norm(dim=1).argsort()]
    arm_0 = points[labels == 0][points[labels == 0].norm(dim=1).argsort()]
    assert torch.allclose(arm_0, -arm_1, atol=1e-5)  # a half turn is a point reflection


def test_noise_mixes_the_classes_of_the_moons():
    def nearest_neighbour_agreement(noise: float) -> float:
        points, labels = _all_points(toys.toy_2d("moons", n_samples=400, noise=noise, seed=0))
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
        toys.toy_2d(**kwargs)


# --- the Dataset container -----------------------------------------------------------------------


def test_subset_takes_the_first_samples_and_checks_its_sizes():
    ds = toys.toy_2d("circle", n_samples=100)
    small = ds.subset(10, 5)
    assert (small.n_train, small.n_test) == (10, 5)
    assert torch.equal(small.x_train, ds.x_train[:10]) and torch.equal(small.y_test, ds.y_test[:5])
    assert ds.subset(10).n_test == ds.n_test
    with pytest.raises(DataError, match="subset"):
        ds.subset(1000)


def test_dataset_rejects_inconsistent_tensors():
    good = toys.toy_2d("xor", n_samples=20)
    with pytest.raises(DataError, match="labels must lie in 0..1"):
        Dataset(**{**good.__dict__, "y_train": good.y_train + 2})
    with pytest.raises(DataError, match="y_test"):
        Dataset(**{**good.__dict__, "y_test": good.y_test[:-1]})
    with pytest.raises(DataError, match="float32"):
        Dataset(**{**good.__dict__, "x_train": good.x_train.double()})
    with pytest.raises(DataError, match="tabular"):
        good.images()


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
    ds = toys.toy_2d("xor", n_samples=100)
    fig = data_figures.scatter_2d(ds.x_train, ds.y_train, title="XOR", class_names=("orange", "blue"))
    assert [trace.name for trace in fig.data] == ["orange", "blue"]
    assert [trace.marker.color for trace in fig.data] == list(CLASS_COLORS)
    assert sum(len(trace.x) for trace in fig.data) == ds.n_train
    assert len(fig.data[1].x) == int(ds.y_train.sum())
    assert fig.layout.title.text == "XOR"
    assert fig.layout.xaxis.title.text == "x₁" and fig.layout.yaxis.title.text == "x₂"
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.xaxis.range is None
    fixed = data_figures.scatter_2d(ds.x_train, ds.y_train, extent=toys.TOY_EXTENT)
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


def test_image_grid_sends_its_pixels_and_their_hover_index_in_little_more_than_their_base64():
    """12 MNIST-size tiles as st.plotly_chart sends them (plotly.io.to_json): 4 bytes a pixel and 2 of hover index,
    in base64. The index's gaps held -1, whose bytes are base64's "/", which plotly's JSON escapes as six characters:
    the Train page's test images took 241 kB instead of 153 kB."""
    images = np.random.default_rng(0).random((12, 28, 28))
    fig = data_figures.image_grid(images, np.arange(12) % 10, n=12, columns=6, predictions=np.arange(12) % 7)
    pixels = np.asarray(fig.data[0].z).size
    sent = plotly.io.to_json(fig, validate=False)
    assert len(sent) < 1.4 * (4 / 3) * 6 * pixels  # the floats' own "/" escape too (random bytes: 1 in 64)


def test_image_grid_marks_wrong_predictions_and_names_classes():
    images = np.random.default_rng(0).random((5, 28, 28))
    labels, predictions = np.array([0, 1, 2, 3, 4]), np.array([0, 1, 9, 3, 4])
    names = [f"c{i}" for i in range(10)]
    fig = data_figures.image_grid(images, labels, n=100, class_names=names, predictions=predictions, title="Mistakes")
    texts = [a.text for a in fig.layout.annotations]
    assert texts[2] == "c2<br>→ c9" and texts[:2] == ["c0", "c1"] and len(texts) == 5
    assert [a.font.color == HIGHLIGHT for a in fig.layout.annotations] == [False, False, True, False, False]
    assert fig.layout.title.text == "Mistakes"
    with pytest.raises(ValueError, match="image_grid needs images"):
        data_figures.image_grid(np.zeros((5, 784)), labels)
