"""Losses and their per-sample terms and gradients against torch.nn.functional and autograd."""

from __future__ import annotations

import pandas as pd
import pytest
import torch
import torch.nn.functional as F

from nnviz.losses import (
    LOSSES,
    batch_from_table,
    bce_terms,
    check_batch,
    cross_entropy,
    cross_entropy_terms,
    gradient_wrt_logit,
    gradient_wrt_prediction,
    mae_terms,
    mse_terms,
    per_sample_terms,
)

GEN = torch.Generator().manual_seed(0)
PROBS = torch.cat([torch.rand(64, generator=GEN, dtype=torch.float64), torch.tensor([0.0, 1.0, 1e-9, 1 - 1e-9])])
LABELS = torch.cat([torch.randint(0, 2, (64,), generator=GEN).double(), torch.tensor([1.0, 0.0, 1.0, 0.0])])


def test_terms_match_torch_functional_with_reduction_none():
    preds, targets = torch.randn(50, generator=GEN), torch.randn(50, generator=GEN)
    torch.testing.assert_close(mse_terms(preds, targets), F.mse_loss(preds, targets, reduction="none"))
    torch.testing.assert_close(mae_terms(preds, targets), F.l1_loss(preds, targets, reduction="none"))
    torch.testing.assert_close(mse_terms(preds, targets).mean(), F.mse_loss(preds, targets))


def test_bce_terms_match_torch_including_confident_mistakes():
    # p = 0 with y = 1 and p = 1 with y = 0: torch clamps log at −100, so do we
    torch.testing.assert_close(bce_terms(PROBS, LABELS), F.binary_cross_entropy(PROBS, LABELS, reduction="none"))
    torch.testing.assert_close(bce_terms(PROBS, LABELS).mean(), F.binary_cross_entropy(PROBS, LABELS))
    assert bce_terms(torch.tensor([0.0]), torch.tensor([1.0])).item() == pytest.approx(100.0)


def test_cross_entropy_terms_match_torch():
    logits, targets = torch.randn(20, 5, generator=GEN) * 4, torch.randint(0, 5, (20,), generator=GEN)
    torch.testing.assert_close(cross_entropy_terms(logits, targets), F.cross_entropy(logits, targets, reduction="none"))
    assert cross_entropy(logits[3], int(targets[3])) == pytest.approx(F.cross_entropy(logits[3:4], targets[3:4]).item())
    # huge logits do not overflow
    assert cross_entropy(torch.tensor([1000.0, 0.0]), 1) == pytest.approx(1000.0)


def test_cross_entropy_rejects_bad_input():
    with pytest.raises(ValueError, match="finite"):
        cross_entropy(torch.tensor([1.0, float("nan")]), 0)
    with pytest.raises(ValueError, match="true class"):
        cross_entropy(torch.tensor([1.0, 2.0]), 2)
    with pytest.raises(ValueError, match="at least two"):
        cross_entropy(torch.tensor([1.0]), 0)


@pytest.mark.parametrize("loss", ["mse", "mae", "bce"])
def test_gradient_wrt_prediction_matches_autograd(loss):
    p = torch.rand(40, generator=GEN, dtype=torch.float64) * 0.98 + 0.01
    y = torch.randint(0, 2, (40,), generator=GEN).double()
    leaf = p.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(LOSSES[loss].terms(leaf, y).sum(), leaf)
    torch.testing.assert_close(gradient_wrt_prediction(p, y, loss), grad)


@pytest.mark.parametrize("loss", ["mse", "mae", "bce"])
def test_gradient_wrt_logit_matches_autograd_through_the_sigmoid(loss):
    z = torch.linspace(-8, 8, 161, dtype=torch.float64)
    for target in (0.0, 1.0):
        y = torch.full_like(z, target)
        leaf = z.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(LOSSES[loss].terms(torch.sigmoid(leaf), y).sum(), leaf)
        torch.testing.assert_close(gradient_wrt_logit(z, y, loss), grad)


def test_mse_gradient_vanishes_on_a_confident_mistake_but_bce_does_not():
    z, y = torch.tensor([-8.0]), torch.tensor([1.0])
    assert abs(gradient_wrt_logit(z, y, "mse").item()) < 0.001
    assert gradient_wrt_logit(z, y, "bce").item() == pytest.approx(-1.0, abs=0.001)


def test_check_batch_messages():
    ok = torch.tensor([0.2, 0.9])
    check_batch(ok, torch.tensor([0.0, 1.0]), "bce")
    with pytest.raises(ValueError, match="empty"):
        per_sample_terms(torch.tensor([]), torch.tensor([]), "mse")
    with pytest.raises(ValueError, match="no empty cells, NaN"):
        per_sample_terms(torch.tensor([float("nan")]), torch.tensor([1.0]), "mse")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        per_sample_terms(torch.tensor([1.5]), torch.tensor([1.0]), "bce")
    with pytest.raises(ValueError, match="0 or 1"):
        per_sample_terms(ok, torch.tensor([0.0, 0.5]), "bce")
    with pytest.raises(ValueError, match="Unknown loss"):
        per_sample_terms(ok, ok, "hinge")
    # the same values are fine for MSE
    torch.testing.assert_close(per_sample_terms(torch.tensor([1.5]), torch.tensor([1.0]), "mse"), torch.tensor([0.25]))


def test_batch_from_table():
    preds, targets = batch_from_table(pd.DataFrame({"target": [1, 0], "prediction": [0.8, 0.3]}))
    torch.testing.assert_close(preds, torch.tensor([0.8, 0.3], dtype=torch.float64))
    torch.testing.assert_close(targets, torch.tensor([1.0, 0.0], dtype=torch.float64))
    empty_preds, _ = batch_from_table(pd.DataFrame({"target": [], "prediction": []}))
    assert empty_preds.numel() == 0
    preds, _ = batch_from_table(pd.DataFrame({"target": [1.0], "prediction": [None]}))
    assert torch.isnan(preds).all()
    with pytest.raises(ValueError, match="number"):
        batch_from_table(pd.DataFrame({"target": ["a"], "prediction": [0.5]}))
    with pytest.raises(ValueError, match="column"):
        batch_from_table(pd.DataFrame({"target": [1.0]}))
