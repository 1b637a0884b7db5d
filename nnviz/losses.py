"""Loss functions with their per-sample terms: MSE, MAE, binary and multi-class cross-entropy.

Each loss is the mean of per-sample terms, so a page can show what every sample contributes::

    terms = bce_terms(p, y)      # shape (n,)
    loss = terms.mean()          # == torch.nn.functional.binary_cross_entropy(p, y)

The analytic gradients (with respect to the prediction, and to the logit before a sigmoid) are
written out to compare MSE and BCE on a classification problem; the tests check them, and every
loss, against torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor

LOG_FLOOR = -100.0  # torch's BCELoss clamps log(p) at −100 so a confident mistake costs 100, not infinity


def mse_terms(predictions: Tensor, targets: Tensor) -> Tensor:
    """(ŷ_i − y_i)², shape (n,)."""
    return (predictions - targets) ** 2


def mae_terms(predictions: Tensor, targets: Tensor) -> Tensor:
    """|ŷ_i − y_i|, shape (n,)."""
    return (predictions - targets).abs()


def bce_terms(probabilities: Tensor, targets: Tensor) -> Tensor:
    """−[y_i log p_i + (1 − y_i) log(1 − p_i)], shape (n,); logs clamped at −100 as in torch."""
    log_p = torch.clamp_min(torch.log(probabilities), LOG_FLOOR)
    log_not_p = torch.clamp_min(torch.log(1 - probabilities), LOG_FLOOR)
    return -(targets * log_p + (1 - targets) * log_not_p)


def cross_entropy_terms(logits: Tensor, targets: Tensor) -> Tensor:
    """−log softmax(z_i)[y_i] = logsumexp(z_i) − z_i[y_i] for logits (n, K) and class indices (n,)."""
    return torch.logsumexp(logits, dim=1) - logits.gather(1, targets[:, None].long())[:, 0]


@dataclass(frozen=True)
class Loss:
    """A loss for a table of (target, prediction) pairs: its per-sample terms and how to explain it."""

    name: str
    label: str
    terms: Callable[[Tensor, Tensor], Tensor]
    latex: str
    probabilities: bool  # predictions must lie in [0, 1] and targets in {0, 1}
    use: str


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse",
            "Mean squared error (MSE)",
            mse_terms,
            r"\mathrm{MSE}=\frac{1}{n}\sum_{i=1}^{n}(\hat y_i-y_i)^2",
            False,
            "Regression: large errors cost quadratically.",
        ),
        Loss(
            "mae",
            "Mean absolute error (MAE)",
            mae_terms,
            r"\mathrm{MAE}=\frac{1}{n}\sum_{i=1}^{n}\lvert\hat y_i-y_i\rvert",
            False,
            "Regression that is robust to outliers: every unit of error costs the same.",
        ),
        Loss(
            "bce",
            "Binary cross-entropy (BCE)",
            bce_terms,
            r"\mathrm{BCE}=-\frac{1}{n}\sum_{i=1}^{n}\bigl[y_i\log p_i+(1-y_i)\log(1-p_i)\bigr]",
            True,
            "Binary classification with a sigmoid output: confident mistakes cost the most.",
        ),
    )
}


def check_batch(predictions: Tensor, targets: Tensor, loss: str) -> None:
    """Raise ``ValueError`` with a clear message if (predictions, targets) is no valid input for ``loss``."""
    if loss not in LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; choose one of {', '.join(LOSSES)}.")
    if predictions.numel() == 0:
        raise ValueError("The batch is empty: add at least one row with a target and a prediction.")
    if predictions.shape != targets.shape:
        raise ValueError("Every row needs both a target and a prediction.")
    if not (torch.isfinite(predictions).all() and torch.isfinite(targets).all()):
        raise ValueError("Every target and prediction must be a number (no empty cells, NaN or infinity).")
    if LOSSES[loss].probabilities:
        if ((predictions < 0) | (predictions > 1)).any():
            raise ValueError("For binary cross-entropy every prediction is a probability: it must lie in [0, 1].")
        if ((targets != 0) & (targets != 1)).any():
            raise ValueError("For binary cross-entropy every target is a class label: 0 or 1.")


def per_sample_terms(predictions: Tensor, targets: Tensor, loss: str) -> Tensor:
    """The validated per-sample terms of ``loss`` (a key of :data:`LOSSES`), shape (n,)."""
    check_batch(predictions, targets, loss)
    return LOSSES[loss].terms(predictions, targets)


def batch_from_table(table: pd.DataFrame) -> tuple[Tensor, Tensor]:
    """(predictions, targets), each float64 of shape (n,), from a table with columns ``target`` and ``prediction``.

    Raises ``ValueError`` if a column is missing or a cell is not a number; empty cells become NaN and
    are reported by :func:`check_batch`.
    """
    missing = {"target", "prediction"} - set(table.columns)
    if missing:
        raise ValueError(f"The table needs the column(s) {', '.join(sorted(missing))}.")
    try:
        numbers = table[["prediction", "target"]].apply(pd.to_numeric, errors="raise").astype("float64")
    except (TypeError, ValueError) as error:
        raise ValueError("Every target and prediction must be a number.") from error
    values = torch.tensor(numbers.to_numpy(), dtype=torch.float64).reshape(-1, 2)
    return values[:, 0], values[:, 1]


# --- gradients: why BCE, not MSE, after a sigmoid --------------------------------------------


def gradient_wrt_prediction(predictions: Tensor, targets: Tensor, loss: str) -> Tensor:
    """∂ℓ_i/∂ŷ_i of one sample's term: MSE 2(ŷ − y), MAE sign(ŷ − y), BCE (p − y) / (p(1 − p))."""
    if loss == "mse":
        return 2 * (predictions - targets)
    if loss == "mae":
        return torch.sign(predictions - targets)
    if loss == "bce":
        return (predictions - targets) / (predictions * (1 - predictions))
    raise ValueError(f"Unknown loss {loss!r}; choose one of {', '.join(LOSSES)}.")


def gradient_wrt_logit(logits: Tensor, targets: Tensor, loss: str) -> Tensor:
    """∂ℓ_i/∂z_i when the prediction is p = σ(z): the chain rule ∂ℓ/∂p · σ'(z).

    MSE: 2(p − y)·p(1 − p), which vanishes when the sigmoid saturates, even on a confident mistake;
    BCE: p − y, because σ'(z) cancels the 1/(p(1 − p)) — the gradient is largest where the mistake is.
    """
    p = torch.sigmoid(logits)
    if loss == "bce":
        return p - targets
    return gradient_wrt_prediction(p, targets, loss) * p * (1 - p)


# --- cross-entropy on a softmax output -------------------------------------------------------


def cross_entropy(logits: Tensor, target: int) -> float:
    """−log softmax(z)[target] for one logit vector ``z`` of shape (K,) and its true class."""
    if logits.dim() != 1 or logits.numel() < 2:
        raise ValueError("Cross-entropy needs a vector of at least two logits, one per class.")
    if not torch.isfinite(logits).all():
        raise ValueError("Every logit must be a finite number (no NaN or infinity).")
    if not 0 <= target < logits.numel():
        raise ValueError(f"The true class must be between 0 and {logits.numel() - 1}, got {target}.")
    return cross_entropy_terms(logits[None, :], torch.tensor([target]))[0].item()
