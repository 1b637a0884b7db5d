"""nnviz.surfaces: shapes, known minima (zero gradient there), bounds, the real model's loss against torch."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from nnviz.surfaces import SURFACES, classification_data, grid, logistic_loss, make_surface

KEYS = list(SURFACES)


@pytest.fixture(scope="module")
def surfaces():
    return {key: make_surface(key) for key in KEYS}


@pytest.mark.parametrize("key", KEYS)
def test_loss_broadcasts_over_leading_dimensions(surfaces, key):
    surface = surfaces[key]
    points = torch.randn(3, 4, 2)
    values = surface(points)
    assert values.shape == (3, 4)
    assert torch.allclose(values[1, 2], surface(points[1, 2]))


@pytest.mark.parametrize("key", KEYS)
def test_known_minima_are_stationary_and_lowest(surfaces, key):
    surface = surfaces[key]
    assert surface.minima
    xs, ys, z = grid(surface, resolution=81)
    for minimum in surface.minima:
        w = torch.tensor(minimum, requires_grad=True)
        surface(w).backward()
        assert w.grad.norm() < 1e-3, (key, minimum, w.grad)
        assert surface.contains(w.detach())
        assert surface(w.detach()).item() <= z.min() + 1e-4


@pytest.mark.parametrize("key", KEYS)
def test_start_inside_bounds_and_above_minimum(surfaces, key):
    surface = surfaces[key]
    start = torch.tensor(surface.start)
    assert surface.contains(start)
    assert surface(start).item() > surface.min_loss
    assert surface.description and surface.latex and surface.title


def test_grid_rows_follow_w2():
    surface = make_surface("bowl", condition=10)
    xs, ys, z = grid(surface, resolution=11)
    assert xs.shape == ys.shape == (11,) and z.shape == (11, 11)
    assert z[3, 7] == pytest.approx(0.5 * (xs[7] ** 2 + 10 * ys[3] ** 2), rel=1e-6)
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (x_lo, x_hi, y_lo, y_hi)


def test_contains_rejects_outside_and_nan():
    surface = make_surface("rosenbrock")
    assert surface.contains(torch.tensor([0.0, 0.0]))
    assert not surface.contains(torch.tensor([2.5, 0.0]))
    assert not surface.contains(torch.tensor([float("nan"), 0.0]))
    assert not surface.contains(torch.tensor([0.0, float("inf")]))


def test_logistic_loss_equals_torch_bce_of_a_linear_model():
    X, y = classification_data(n_samples=50, seed=3)
    assert X.shape == (50, 2) and set(y.tolist()) == {0.0, 1.0}
    assert torch.allclose(X.mean(0), torch.zeros(2), atol=1e-5)
    w = torch.randn(2)
    model = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(w[None])
    expected = F.binary_cross_entropy(torch.sigmoid(model(X)).squeeze(1), y)
    assert logistic_loss(w, X, y).item() == pytest.approx(expected.item(), rel=1e-5)


def test_logistic_surface_minimum_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    surface = make_surface("logistic", seed=1)
    X, y = classification_data(seed=1)
    sk = LogisticRegression(fit_intercept=False, C=1e8, tol=1e-10, max_iter=10_000).fit(X.numpy(), y.numpy())
    assert surface.minima[0] == pytest.approx(tuple(sk.coef_[0]), abs=1e-3)
    assert surface.n_samples == 200
    indices = torch.tensor([0, 5, 7])
    w = torch.randn(2)
    assert surface.batch_loss(w, indices).item() == pytest.approx(logistic_loss(w, X[indices], y[indices]).item())


def test_the_seed_changes_the_data():
    assert make_surface("logistic", seed=0).minima != make_surface("logistic", seed=1).minima


def test_bad_names_and_condition_numbers_are_explained():
    with pytest.raises(ValueError, match="Unknown surface"):
        make_surface("volcano")
    with pytest.raises(ValueError, match="condition number"):
        make_surface("bowl", condition=0.5)
