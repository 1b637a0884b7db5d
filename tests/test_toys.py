"""nnviz.toys' registry of problems (two-class, K-class, regression) and the Dataset's regression task."""

from __future__ import annotations

import dataclasses
import hashlib
import math

import numpy as np
import pytest
import torch

from nnviz.dataset import DataError, Dataset, from_arrays
from nnviz.toys import MAX_CLASSES, MAX_SAMPLES, PROBLEMS, TOY_EXTENT, TOYS, make_toy, toy_2d

# sha256 (first 16 hex digits) of toy_2d(kind, n_samples=101, noise, train_fraction=0.6, seed=3): the points
# rounded to 4 decimals (so that a last-bit difference of sin/cos between platforms cannot matter), then the labels.
# Taken from the generators before the registry was added: the two-class toys must stay exactly as they were.
TWO_CLASS_DIGESTS = {
    ("circle", 0.0): "4f36195ac27e7602",
    ("circle", 0.3): "a188dcb15471ed02",
    ("xor", 0.0): "b4809cb3faaa83b0",
    ("xor", 0.3): "d6823e95827cdf7a",
    ("gauss", 0.0): "01a9c7c80000bde4",
    ("gauss", 0.3): "8ce88b0815c92b21",
    ("spiral", 0.0): "0453140cf59a750a",
    ("spiral", 0.3): "c3954979e98f8008",
    ("moons", 0.0): "e35b3b9313353bb6",
    ("moons", 0.3): "ae33ab92c7a8053f",
}


def _digest(ds: Dataset) -> str:
    h = hashlib.sha256()
    for x in (ds.x_train, ds.x_test):
        h.update(np.round(x.numpy().astype(np.float64), 4).tobytes())
    for y in (ds.y_train, ds.y_test):
        h.update(y.numpy().tobytes())
    return h.hexdigest()[:16]


def _all(ds: Dataset) -> tuple[np.ndarray, np.ndarray]:
    return torch.cat([ds.x_train, ds.x_test]).numpy().astype(float), torch.cat([ds.y_train, ds.y_test]).numpy()


@pytest.mark.parametrize(("kind", "noise"), TWO_CLASS_DIGESTS)
def test_the_two_class_toys_are_unchanged_and_make_toy_gives_the_same(kind, noise):
    for make in (toy_2d, make_toy):
        ds = make(kind, n_samples=101, noise=noise, train_fraction=0.6, seed=3)
        assert _digest(ds) == TWO_CLASS_DIGESTS[kind, noise]
        assert ds.task == "classification" and ds.class_names == ("class 0", "class 1")


def test_the_registry_holds_every_toy_with_what_the_page_needs():
    assert set(TOYS) < set(PROBLEMS)
    assert {"spiral-k", "gauss-k", "reg-plane", "reg-gauss"} <= set(PROBLEMS)
    for name, problem in PROBLEMS.items():
        assert problem.name == name and problem.label and problem.description.endswith(".")
        if problem.task == "regression":
            assert problem.n_classes == 0 and problem.class_range == (0, 0)
        else:
            low, high = problem.class_range
            assert 2 <= low <= problem.n_classes <= high <= MAX_CLASSES


@pytest.mark.parametrize("name", PROBLEMS)
def test_every_problem_makes_a_valid_shuffled_split_dataset_in_the_square(name):
    ds = make_toy(name, n_samples=303, noise=0.0, train_fraction=0.6, seed=4)
    problem = PROBLEMS[name]
    assert (ds.n_train, ds.n_test, ds.n_features) == (182, 121, 2)
    assert ds.task == problem.task and ds.n_classes == problem.n_classes
    points, targets = _all(ds)
    assert np.abs(points).max() <= TOY_EXTENT + 2.0  # Gaussian tails may poke out a little
    if problem.task == "classification":
        assert ds.y_train.dtype == torch.int64 and len(ds.class_names) == ds.n_classes
        counts = np.bincount(targets, minlength=ds.n_classes)
        assert counts.max() - counts.min() <= 1  # balanced classes
        assert not np.array_equal(ds.y_train.numpy(), np.sort(ds.y_train.numpy()))  # shuffled
    else:
        assert ds.y_train.dtype == torch.float32 and ds.class_names == ()
        assert -1.25 <= targets.min() < 0 < targets.max() <= 1.25
    again = make_toy(name, n_samples=303, noise=0.0, train_fraction=0.6, seed=4)
    assert torch.equal(again.x_train, ds.x_train) and torch.equal(again.y_test, ds.y_test)
    assert not torch.equal(make_toy(name, n_samples=303, seed=5).x_train, make_toy(name, n_samples=303, seed=4).x_train)


@pytest.mark.parametrize("k", [2, 3, 5, MAX_CLASSES])
def test_k_spiral_arms_follow_their_spiral(k):
    points, labels = _all(make_toy("spiral-k", n_samples=40 * k, n_classes=k))
    radius = np.hypot(points[:, 0], points[:, 1])
    angle = np.arctan2(points[:, 0], points[:, 1])  # clockwise from +x₂, as the generator draws
    far = radius > 0.1
    expected = 1.75 * 2 * np.pi * radius / 5.0 + 2 * np.pi * labels / k
    assert radius.max() < 5.0
    assert np.allclose(np.cos(angle[far] - expected[far]), 1.0, atol=1e-9)


def test_k_gaussian_blobs_sit_on_their_circle():
    k = 5
    points, labels = _all(make_toy("gauss-k", n_samples=2000, n_classes=k, seed=1))
    for c in range(k):
        centre = 3.5 * np.array([math.sin(np.pi / 4 + 2 * np.pi * c / k), math.cos(np.pi / 4 + 2 * np.pi * c / k)])
        assert np.linalg.norm(points[labels == c].mean(axis=0) - centre) < 0.15
        assert points[labels == c].std(axis=0) == pytest.approx([math.sqrt(0.5)] * 2, abs=0.08)


def test_the_plane_target_is_the_scaled_sum_of_the_coordinates():
    points, targets = _all(make_toy("reg-plane", n_samples=500))
    assert np.allclose(targets, points.sum(axis=1) / 10.0, atol=1e-6)
    assert np.abs(points).max() <= 6.0
    noisy_points, noisy = _all(make_toy("reg-plane", n_samples=500, noise=0.5))
    assert not np.allclose(noisy, noisy_points.sum(axis=1) / 10.0, atol=1e-3)


def test_the_multi_gaussian_has_six_signed_bumps_of_radius_two():
    points, targets = _all(make_toy("reg-gauss", n_samples=2000, seed=2))
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    distance = np.linalg.norm(points[:, None] - centres[None], axis=2)
    within = distance < 2.0
    assert np.all(np.abs(targets) <= 1.0)
    assert np.all(targets[~within.any(axis=1)] == 0.0)
    alone = within.sum(axis=1) == 1
    bump = distance.argmin(axis=1)
    assert alone.sum() > 500
    assert np.allclose(targets[alone], signs[bump[alone]] * (1 - distance[alone, bump[alone]] / 2), atol=1e-6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(name="blobs"), "unknown toy problem 'blobs'"),
        (dict(name="spiral-k", n_classes=MAX_CLASSES + 1), "from 2 to 8 classes, not 9"),
        (dict(name="spiral-k", n_classes=1), "not 1"),
        (dict(name="circle", n_classes=3), "Circle has 2 classes, not 3"),
        (dict(name="reg-plane", n_classes=2), "Plane has 0 classes"),
        (dict(name="gauss-k", n_samples=MAX_SAMPLES + 1), "at most 2,000 points"),
        (dict(name="gauss-k", n_samples=3), "at least 4"),
        (dict(name="reg-gauss", noise=1.5), "noise"),
        (dict(name="spiral-k", train_fraction=1.0), "train_fraction"),
    ],
)
def test_make_toy_refuses_what_is_out_of_bounds(kwargs, message):
    with pytest.raises(DataError, match=message):
        make_toy(**kwargs)


def test_a_regression_dataset_holds_finite_float_targets_and_no_classes():
    ds = make_toy("reg-plane", n_samples=20)
    assert ds.is_regression and ds.n_classes == 0
    assert ds.subset(5, 2).task == "regression"
    fields = ds.__dict__
    with pytest.raises(DataError, match="y_train must be float32"):
        Dataset(**{**fields, "y_train": ds.y_train.long()})
    with pytest.raises(DataError, match="finite"):
        Dataset(**{**fields, "y_test": torch.full_like(ds.y_test, math.nan)})
    with pytest.raises(DataError, match="no classes"):
        Dataset(**{**fields, "n_classes": 1, "class_names": ("y",)})
    with pytest.raises(DataError, match="task must be one of"):
        dataclasses.replace(ds, task="ranking")
    classification = make_toy("xor", n_samples=20)
    assert not classification.is_regression
    with pytest.raises(DataError, match="y_train must be int64"):
        Dataset(**{**classification.__dict__, "y_train": classification.y_train.float()})


def test_from_arrays_makes_regression_targets_float32():
    x = np.zeros((4, 2))
    ds = from_arrays(
        "r", x, np.array([0.5, 1, 2, 3]), x[:1], np.array([1.5]), class_names=(), source="s", task="regression"
    )
    assert ds.y_train.dtype == torch.float32 and ds.y_train.tolist() == [0.5, 1, 2, 3]
