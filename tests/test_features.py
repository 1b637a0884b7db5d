"""nnviz.features: each cross is its formula, a FeatureMap feeds exactly those columns, and its code is the same map."""

from __future__ import annotations

import pytest
import torch

from nnviz.dataset import DataError
from nnviz.features import FEATURES, PLAIN, FeatureMap
from nnviz.toys import make_toy

POINTS = torch.tensor([[1.5, -2.0], [0.0, 3.0], [-4.0, -0.5], [6.0, 6.0]])
X1, X2 = POINTS[:, 0], POINTS[:, 1]
FORMULAS = {
    "x1": X1,
    "x2": X2,
    "x1_squared": X1 * X1,
    "x2_squared": X2 * X2,
    "x1_x2": X1 * X2,
    "sin_x1": torch.sin(X1),
    "sin_x2": torch.sin(X2),
}


def test_the_registry_is_tensorflow_playgrounds_seven_inputs_in_order():
    assert list(FEATURES) == list(FORMULAS)
    for feature in FEATURES.values():
        assert feature.label and feature.latex and feature.name.isidentifier()


@pytest.mark.parametrize("name", FORMULAS)
def test_each_feature_column_is_its_formula(name):
    column = FeatureMap((name,))(POINTS)
    assert column.shape == (4, 1) and column.dtype == torch.float32
    assert torch.allclose(column[:, 0], FORMULAS[name])


def test_a_cross_adds_its_column_in_the_registry_order_whatever_the_order_chosen():
    plain = FeatureMap()
    crossed = FeatureMap(("x1_x2", "x2", "x1"))
    assert plain.names == PLAIN and crossed.names == ("x1", "x2", "x1_x2")
    assert crossed.labels == ("x₁", "x₂", "x₁x₂") and crossed.size == 3
    inputs = crossed(POINTS.numpy())  # arrays work as well as tensors
    assert torch.equal(inputs[:, :2], plain(POINTS))
    assert torch.allclose(inputs[:, 2], X1 * X2)
    assert FeatureMap(("x1", "x1_x2")) == FeatureMap(("x1_x2", "x1"))


@pytest.mark.parametrize(
    ("names", "message"),
    [((), "at least one"), (("x1", "x3"), "unknown feature 'x3'"), (("x1", "x1"), "once")],
)
def test_a_feature_map_refuses_empty_unknown_and_repeated_names(names, message):
    with pytest.raises(DataError, match=message):
        FeatureMap(names)


def test_a_feature_map_needs_two_d_points():
    with pytest.raises(DataError, match=r"\(n, 2\)"):
        FeatureMap()(torch.zeros(3, 3))


def test_the_dataset_gets_the_same_columns_in_both_splits_and_keeps_its_targets():
    ds = make_toy("circle", n_samples=60)
    features = FeatureMap(("x1_squared", "x2_squared"))
    crossed = features.dataset(ds)
    assert crossed.n_features == 2 and crossed.task == ds.task
    assert torch.allclose(crossed.x_train, ds.x_train**2) and torch.allclose(crossed.x_test, ds.x_test**2)
    assert torch.equal(crossed.y_train, ds.y_train) and "x₁², x₂²" in crossed.source
    three = FeatureMap(("x1", "x2", "x1_x2")).dataset(ds)
    with pytest.raises(DataError, match="2-D points; 'circle' has 3 features"):
        features.dataset(three)


def test_the_squares_make_the_circle_linearly_separable():
    """A linear classifier (least squares on the features and a constant, sign of the fit) separates the disc from
    the ring only when it sees x₁² and x₂²."""
    ds = make_toy("circle", n_samples=300, seed=1)

    def accuracy(features: FeatureMap) -> float:
        def design(x: torch.Tensor) -> torch.Tensor:
            return torch.cat([features(x), torch.ones(len(x), 1)], dim=1).double()

        weights = torch.linalg.lstsq(design(ds.x_train), 2.0 * ds.y_train.double() - 1.0).solution
        return float(((design(ds.x_test) @ weights > 0).long() == ds.y_test).double().mean())

    assert accuracy(FeatureMap(("x1_squared", "x2_squared"))) > 0.97
    assert accuracy(FeatureMap()) < 0.75


def test_the_generated_code_computes_the_same_map():
    features = FeatureMap(tuple(FEATURES))
    namespace: dict = {"torch": torch}
    exec(features.code("inputs"), namespace)  # noqa: S102 - our own generated source
    points = torch.randn(50, 2, generator=torch.Generator().manual_seed(0)) * 4
    assert torch.equal(namespace["inputs"](points), features(points))
    assert "x₁², x₂², x₁x₂, sin x₁, sin x₂" in features.code()
