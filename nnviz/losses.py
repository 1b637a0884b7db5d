"""Loss functions, one registry: each entry carries its per-sample terms, its torch function and module,
its LaTeX and its hand-written gradients.

Each loss is the mean of per-sample terms, so a page can show what every sample contributes::

    terms = LOSSES["bce"].terms(p, y)      # shape (n,)
    loss = terms.mean()                     # == torch.nn.functional.binary_cross_entropy(p, y)

The losses page, the traced network of the forward and backprop pages, the trainer, the code listings
and the computation graph all read :data:`LOSSES`, so adding a loss is one entry. The analytic gradients
(with respect to the prediction, and to the logit before a sigmoid) are written out to teach them; the
tests check them, and every loss, against torch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from nnviz.inputs import Bound, InputError, check_number

LOG_FLOOR = -100.0  # torch's BCELoss clamps log(p) at −100 so a confident mistake costs 100, not infinity
PREDICTIONS = {
    "value": "numbers",
    "probability": "probabilities",
    "logit": "a raw score (logit)",
    "logits": "raw class scores (logits)",
}
"""What a loss compares with the target (and how to say it): any number, a probability in [0, 1], one logit,
or a vector of logits."""
TARGETS = ("value", "binary", "class")
"""What a loss's target is: any number, a label 0 / 1 (a probability for BCE), or a class index."""


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


def bce_logit_terms(logits: Tensor, targets: Tensor) -> Tensor:
    """BCE on p = σ(z), written stably: softplus(z) − y·z = −[y log σ(z) + (1 − y) log(1 − σ(z))], shape (n,)."""
    return F.softplus(logits) - targets * logits


def cross_entropy_terms(logits: Tensor, targets: Tensor) -> Tensor:
    """−log softmax(z_i)[y_i] = logsumexp(z_i) − z_i[y_i] for logits (n, K) and class indices (n,)."""
    return torch.logsumexp(logits, dim=1) - logits.gather(1, targets[:, None].long())[:, 0]


def cross_entropy_on_probabilities(probabilities: Tensor, target: Tensor) -> Tensor:
    """−log p[y] for one probability vector (K,) that a softmax layer already made, and its class index."""
    return F.nll_loss(torch.log(probabilities).unsqueeze(0), target.view(1))


@dataclass(frozen=True)
class Loss:
    """One loss.

    Attributes:
        name: registry key (``"bce"``).
        label: display name (``"Binary cross-entropy (BCE)"``).
        short: its short name, in formulas, charts and the computation graph (``"BCE"``).
        latex: the mean over a batch, in LaTeX.
        use: where it is used, one sentence.
        prediction: what it compares with the target, one of :data:`PREDICTIONS`.
        target: what the target is, one of :data:`TARGETS`.
        terms: ``terms(prediction, target) -> (n,)``, the per-sample terms whose mean is the loss.
        torch_fn: the ``torch.nn.functional`` loss (mean reduction), ``torch_fn(prediction, target)``.
        torch_code: that function as code (``"F.binary_cross_entropy"``).
        module_code: the ``torch.nn`` module as code (``"nn.BCELoss()"``).
        outputs: the output activations it fits on the traced network of the forward and backprop pages,
            where softmax is a layer of its own (``"*"``: any). The trainer's output follows from
            :attr:`prediction` instead (see :meth:`trained_output_fits`).
        output_gradient: the hand-written ``∂L/∂a`` at the traced network's output ``a`` (n_out,) for one
            sample (mean over the outputs), or ``None`` if the traced network does not offer this loss.
        gradient_latex: that formula in LaTeX.
        on_output: the loss of the traced network's output ``a`` (already through its output layer) against
            the target; ``None`` means ``torch_fn`` itself. ``on_output_code`` is it as code, in ``{a}`` and ``{y}``.
        combined_with: the output activation that cancels against this loss (softmax for cross-entropy,
            sigmoid for BCE), so that ``∂L/∂z`` is simply prediction − target; ``combined_gradient`` is it.
        prediction_gradient: ``∂ℓ_i/∂ŷ_i`` of one sample's term, elementwise (for the losses page).
        logit_gradient: ``∂ℓ_i/∂z_i`` when ŷ = σ(z), where it simplifies (BCE: p − y); else the chain rule.
    """

    name: str
    label: str
    short: str
    latex: str
    use: str
    prediction: str
    target: str
    terms: Callable[[Tensor, Tensor], Tensor]
    torch_fn: Callable[..., Tensor]
    torch_code: str
    module_code: str
    outputs: tuple[str, ...]
    output_gradient: Callable[[Tensor, Tensor], Tensor] | None = None
    gradient_latex: str | None = None
    on_output: Callable[[Tensor, Tensor], Tensor] | None = None
    on_output_code: str = ""
    combined_with: str | None = None
    combined_gradient: Callable[[Tensor, Tensor], Tensor] | None = None
    prediction_gradient: Callable[[Tensor, Tensor], Tensor] | None = None
    logit_gradient: Callable[[Tensor, Tensor], Tensor] | None = None

    @property
    def traced(self) -> bool:
        """Whether the forward/backprop pages' traced network offers it (it has a hand-written gradient)."""
        return self.output_gradient is not None

    @property
    def on_pairs(self) -> bool:
        """Whether it scores (target, prediction) pairs of numbers, as the losses page's batch table does."""
        return self.prediction in ("value", "probability") and self.target in ("value", "binary")

    @property
    def probabilities(self) -> bool:
        """Predictions must lie in [0, 1] and targets be 0 or 1."""
        return self.prediction == "probability"

    def fits(self, output_activation: str, n_out: int) -> bool:
        """Whether the traced network's output layer (``n_out`` neurons through ``output_activation``) suits it."""
        if self.target == "class" and n_out < 2:
            return False
        return output_activation in self.outputs or "*" in self.outputs

    def trained_output_fits(self, output_activation: str) -> bool:
        """Whether a trained network may end in ``output_activation`` before this loss: a sigmoid before a loss on
        probabilities, nothing (linear) before one on logits, anything before one on values."""
        if self.prediction == "probability":
            return output_activation == "sigmoid"
        if self.prediction in ("logit", "logits"):
            return output_activation == "linear"
        return True

    def output_code(self, a: str = "output", y: str = "y") -> str:
        """The traced network's loss on its output as code, e.g. ``F.mse_loss(output, y)``."""
        return self.on_output_code.format(a=a, y=y) if self.on_output else f"{self.torch_code}({a}, {y})"

    def value(self, output: Tensor, target: Tensor) -> Tensor:
        """The traced network's loss on its output ``a`` (n_out,) computed by torch (mean reduction)."""
        return (self.on_output or self.torch_fn)(output, target)


def _mean_gradient(per_sample: Callable[[Tensor, Tensor], Tensor]) -> Callable[[Tensor, Tensor], Tensor]:
    """∂L/∂a for L = mean_i ℓ(a_i, y_i): each output's term derivative divided by the number of outputs."""
    return lambda a, y: per_sample(a, y) / a.numel()


def _mse_gradient(predictions: Tensor, targets: Tensor) -> Tensor:
    return 2 * (predictions - targets)


def _mae_gradient(predictions: Tensor, targets: Tensor) -> Tensor:
    return torch.sign(predictions - targets)


def _bce_gradient(probabilities: Tensor, targets: Tensor) -> Tensor:
    return (probabilities - targets) / (probabilities * (1 - probabilities))


def _onehot(y: Tensor, k: int, like: Tensor) -> Tensor:
    return F.one_hot(y, k).to(like.dtype)


LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss(
            "mse",
            "Mean squared error (MSE)",
            "MSE",
            r"\mathrm{MSE}=\frac{1}{n}\sum_{i=1}^{n}(\hat y_i-y_i)^2",
            "Regression: large errors cost quadratically.",
            prediction="value",
            target="value",
            terms=mse_terms,
            torch_fn=F.mse_loss,
            torch_code="F.mse_loss",
            module_code="nn.MSELoss()",
            outputs=("*",),
            output_gradient=_mean_gradient(_mse_gradient),
            gradient_latex=r"\frac{2}{n}(a - y)",
            prediction_gradient=_mse_gradient,
        ),
        Loss(
            "mae",
            "Mean absolute error (MAE)",
            "MAE",
            r"\mathrm{MAE}=\frac{1}{n}\sum_{i=1}^{n}\lvert\hat y_i-y_i\rvert",
            "Regression that is robust to outliers: every unit of error costs the same.",
            prediction="value",
            target="value",
            terms=mae_terms,
            torch_fn=F.l1_loss,
            torch_code="F.l1_loss",
            module_code="nn.L1Loss()",
            outputs=("*",),
            prediction_gradient=_mae_gradient,
        ),
        Loss(
            "bce",
            "Binary cross-entropy (BCE)",
            "BCE",
            r"\mathrm{BCE}=-\frac{1}{n}\sum_{i=1}^{n}\bigl[y_i\log p_i+(1-y_i)\log(1-p_i)\bigr]",
            "Binary classification with a sigmoid output: confident mistakes cost the most.",
            prediction="probability",
            target="binary",
            terms=bce_terms,
            torch_fn=F.binary_cross_entropy,
            torch_code="F.binary_cross_entropy",
            module_code="nn.BCELoss()",
            outputs=("sigmoid", "softmax"),
            output_gradient=_mean_gradient(_bce_gradient),
            gradient_latex=r"\frac{1}{n}\,\frac{a - y}{a(1 - a)}",
            combined_with="sigmoid",
            combined_gradient=lambda a, y: (a - y) / a.numel(),
            prediction_gradient=_bce_gradient,
            logit_gradient=lambda p, y: p - y,
        ),
        Loss(
            "bce_logits",
            "Binary cross-entropy on a logit",
            "BCE",
            r"\mathrm{BCE}=\frac{1}{n}\sum_{i=1}^{n}\bigl[\log(1+e^{z_i})-y_i z_i\bigr]",
            "Binary classification from a raw score z: the sigmoid is inside the loss, which is more stable.",
            prediction="logit",
            target="binary",
            terms=bce_logit_terms,
            torch_fn=F.binary_cross_entropy_with_logits,
            torch_code="F.binary_cross_entropy_with_logits",
            module_code="nn.BCEWithLogitsLoss()",
            outputs=(),
        ),
        Loss(
            "cross_entropy",
            "Cross-entropy (CE)",
            "CE",
            r"\mathrm{CE}=-\frac{1}{n}\sum_{i=1}^{n}\log\mathrm{softmax}(\mathbf{z}_i)_{y_i}",
            "Classification into K classes: the softmax's probability of the true class, on a log scale.",
            prediction="logits",
            target="class",
            terms=cross_entropy_terms,
            torch_fn=F.cross_entropy,
            torch_code="F.cross_entropy",
            module_code="nn.CrossEntropyLoss()",
            outputs=("softmax",),
            output_gradient=lambda a, y: -_onehot(y, a.numel(), a) / a,
            gradient_latex=r"-\frac{\mathrm{onehot}(y)}{a}",
            on_output=cross_entropy_on_probabilities,
            on_output_code="F.nll_loss(torch.log({a}).unsqueeze(0), {y}.view(1))  # the softmax layer made p",
            combined_with="softmax",
            combined_gradient=lambda a, y: a - _onehot(y, a.numel(), a),
        ),
    )
}


def loss_named(name: str) -> Loss:
    """The registry entry ``name``, or a ValueError listing the choices."""
    if name not in LOSSES:
        raise ValueError(f"Unknown loss {name!r}; choose one of {', '.join(LOSSES)}.")
    return LOSSES[name]


BATCH_PRESETS: dict[str, dict[str, list[float]]] = {
    "A decent classifier": {"target": [1.0, 0.0, 1.0, 0.0, 1.0], "prediction": [0.9, 0.2, 0.7, 0.1, 0.6]},
    "One confident mistake": {"target": [1.0, 0.0, 1.0, 0.0, 1.0], "prediction": [0.9, 0.2, 0.02, 0.1, 0.6]},
    "Invalid: a probability of 1.3": {"target": [1.0, 0.0, 1.0], "prediction": [0.9, 1.3, 0.5]},
    "Empty": {"target": [], "prediction": []},
}
"""The losses page's starting batches, by name: targets and predicted probabilities (one invalid on purpose)."""


def pair_losses() -> list[str]:
    """The losses that score (target, prediction) pairs of numbers (the losses page's first two sections)."""
    return [name for name, loss in LOSSES.items() if loss.on_pairs]


def traced_losses() -> list[str]:
    """The losses the traced network of the forward and backprop pages can backpropagate by hand."""
    return [name for name, loss in LOSSES.items() if loss.traced]


def check_batch(predictions: Tensor, targets: Tensor, loss: str) -> None:
    """Raise ``ValueError`` with a clear message if (predictions, targets) is no valid input for ``loss``."""
    entry = loss_named(loss)
    if not entry.on_pairs:
        raise ValueError(f"{entry.label} does not score (target, prediction) pairs of numbers.")
    if predictions.numel() == 0:
        raise ValueError("The batch is empty: add at least one row with a target and a prediction.")
    if predictions.shape != targets.shape:
        raise ValueError("Every row needs both a target and a prediction.")
    if not (torch.isfinite(predictions).all() and torch.isfinite(targets).all()):
        raise ValueError("Every target and prediction must be a number (no empty cells, NaN or infinity).")
    if entry.probabilities:
        if ((predictions < 0) | (predictions > 1)).any():
            raise ValueError(f"For {entry.label.lower()} every prediction is a probability: it must lie in [0, 1].")
        if ((targets != 0) & (targets != 1)).any():
            raise ValueError(f"For {entry.label.lower()} every target is a class label: 0 or 1.")


def per_sample_terms(predictions: Tensor, targets: Tensor, loss: str) -> Tensor:
    """The validated per-sample terms of ``loss`` (a key of :data:`LOSSES`), shape (n,)."""
    check_batch(predictions, targets, loss)
    return LOSSES[loss].terms(predictions, targets)


MAX_BATCH_ROWS = 20
"""Rows of the losses page's batch table: one bar per sample, and 20 bars still read one by one."""
MAX_ABS_CELL = 1e3
"""Largest target or prediction in that table, in absolute value: larger ones only stretch the bars' scale."""
BATCH_ROWS = Bound(0, MAX_BATCH_ROWS, "one bar per sample, and more bars do not read one by one")
CELL_VALUES = Bound(-MAX_ABS_CELL, MAX_ABS_CELL, "larger numbers only stretch the bars' scale")


def batch_from_table(table: pd.DataFrame) -> tuple[Tensor, Tensor]:
    """(predictions, targets), each float64 of shape (n,), from a table with columns ``target`` and ``prediction``,
    at most :data:`MAX_BATCH_ROWS` rows of numbers in :data:`CELL_VALUES`.

    Raises ``ValueError`` if a column is missing, there are too many rows or a cell is not a number in range; empty
    cells become NaN and are reported by :func:`check_batch`.
    """
    missing = {"target", "prediction"} - set(table.columns)
    if missing:
        raise ValueError(f"The table needs the column(s) {', '.join(sorted(missing))}.")
    if len(table) not in BATCH_ROWS:
        raise InputError(f"The batch has {len(table):,} rows; at most {MAX_BATCH_ROWS} are scored ({BATCH_ROWS.why}).")
    try:
        numbers = table[["prediction", "target"]].apply(pd.to_numeric, errors="raise").astype("float64")
    except (TypeError, ValueError) as error:
        raise ValueError("Every target and prediction must be a number.") from error
    for row, cells in enumerate(numbers.itertuples(index=False), start=1):
        for column, value in zip(numbers.columns, cells, strict=True):
            if not math.isnan(value):  # an empty cell, left to check_batch
                check_number(value, what=f"the {column} in row {row}", values=CELL_VALUES)
    values = torch.tensor(numbers.to_numpy(), dtype=torch.float64).reshape(-1, 2)
    return values[:, 0], values[:, 1]


# --- gradients: why BCE, not MSE, after a sigmoid --------------------------------------------


def gradient_wrt_prediction(predictions: Tensor, targets: Tensor, loss: str) -> Tensor:
    """∂ℓ_i/∂ŷ_i of one sample's term: MSE 2(ŷ − y), MAE sign(ŷ − y), BCE (p − y) / (p(1 − p))."""
    entry = loss_named(loss)
    if entry.prediction_gradient is None:
        raise ValueError(f"{entry.label} has no per-sample gradient with respect to a single prediction.")
    return entry.prediction_gradient(predictions, targets)


def gradient_wrt_logit(logits: Tensor, targets: Tensor, loss: str) -> Tensor:
    """∂ℓ_i/∂z_i when the prediction is p = σ(z): the chain rule ∂ℓ/∂p · σ'(z).

    MSE: 2(p − y)·p(1 − p), which vanishes when the sigmoid saturates, even on a confident mistake;
    BCE: p − y, because σ'(z) cancels the 1/(p(1 − p)) — the gradient is largest where the mistake is.
    """
    p = torch.sigmoid(logits)
    entry = loss_named(loss)
    if entry.logit_gradient is not None:
        return entry.logit_gradient(p, targets)
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


# --- the listing -------------------------------------------------------------------------------


def pytorch_listing(
    loss: str, predictions: Tensor, targets: Tensor, logits: Tensor, target_class: int, gradient_label: float
) -> str:
    """The losses page as a runnable script: the batch's per-sample and mean ``loss`` by torch, cross-entropy on
    the logits (K,) for ``target_class``, and MSE vs BCE gradients at the logit by autograd for label
    ``gradient_label``."""
    fn = LOSSES[loss].torch_code
    return f"""import torch
import torch.nn.functional as F

# the batch on screen
y = torch.tensor({targets.tolist()})
y_hat = torch.tensor({predictions.tolist()})
print("per-sample:", {fn}(y_hat, y, reduction="none"))
print("mean:", {fn}(y_hat, y))

# cross-entropy on logits (softmax inside)
z = torch.tensor([{", ".join(repr(v) for v in logits.tolist())}])
print("CE:", F.cross_entropy(z, torch.tensor([{target_class}])))

# MSE vs BCE gradient at the logit, by autograd
z = torch.linspace(-8, 8, 321, requires_grad=True)
y = torch.full_like(z, {float(gradient_label)})
p = torch.sigmoid(z)
(g_mse,) = torch.autograd.grad(((p - y) ** 2).sum(), z, retain_graph=True)
(g_bce,) = torch.autograd.grad(F.binary_cross_entropy(p, y, reduction="sum"), z)
print(g_mse[0].item(), g_bce[0].item())
"""
