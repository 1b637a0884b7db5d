"""A stepwise trainer: real PyTorch training that advances in small, resumable units.

The :class:`Trainer` owns a model, an optimizer (from ``torch.optim``), a loss (from
``torch.nn.functional``), the data (tensors already in memory) and the :class:`History`. The UI
calls :meth:`Trainer.step` / :meth:`Trainer.step_for` in short slices; the CLI calls
:meth:`Trainer.run`. Pausing is simply not calling it: the trainer remembers its place in the
epoch (shuffled order, batch index) and carries on from there.

One optimizer step on a mini-batch ``(x_b, y_b)`` of ``B`` samples is

    loss = criterion(model(x_b), y_b) + l1 * sum|W| + l2 * sum W^2     (weights of Linear layers, not biases)
    loss.backward(); optimizer.step(); optimizer.zero_grad()

A regression dataset (``Dataset.task == "regression"``, float targets) trains one output unit with a loss on
values (MSE, MAE); it has no classes, so every accuracy it records is NaN.

Speed: batches are index gathers from tensors in memory (no DataLoader, no per-sample transform);
per-batch numbers stay on the device and are synced once per :meth:`step` call (one ``.tolist()``
per column instead of an ``.item()`` per batch); evaluation runs under ``torch.no_grad``.

>>> from nnviz.datasets import load_dataset
>>> trainer = Trainer(TrainConfig(sizes=(2, 8, 2), epochs=3), load_dataset("xor"))
>>> history = trainer.run()
>>> history.frame("epoch")[["epoch", "loss", "test_accuracy"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor

from nnviz import checkpoints
from nnviz.activations import ACTIVATIONS
from nnviz.losses import LOSSES, PREDICTIONS, loss_named
from nnviz.models import (
    TUTORIAL_MODELS,
    ModelSpec,
    build_model,
    check_activations,
    check_sizes,
    default_activations,
    linear_layers,
)
from nnviz.optimizers import OPTIMIZERS, check_learning_rate, optimizer_named

if TYPE_CHECKING:
    from nnviz.dataset import Dataset

EVAL_CHUNK = 8192  # samples per forward pass when evaluating a whole split
MAX_EPOCHS = 5000
"""Most epochs a run plans: the 2-D toys need hundreds; 5,000 of MNIST would train for hours on a shared CPU."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; a plain value that round-trips through :meth:`to_dict`.

    ``sizes`` = (inputs, hidden..., outputs). ``activations`` has one name per Linear layer; left
    empty it means ReLU after hidden layers and a linear output (a sigmoid before a loss on probabilities, BCE).
    ``model`` is "mlp" or a tutorial class name from :data:`nnviz.models.TUTORIAL_MODELS`.
    ``optimizer`` is a key of :data:`nnviz.optimizers.OPTIMIZERS` and ``hyper`` its hyperparameters by name
    (``{"momentum": 0.9}``; any left out keep their defaults); ``loss`` a key of :data:`nnviz.losses.LOSSES`.
    ``batch_size=None`` (or >= the training-set size) is full-batch gradient descent, 1 is pure SGD.
    ``early_stop_epsilon`` stops training
    when the epoch's mean loss changes by at most that much (tutorial 000). ``fresh_optimizer_per_batch``
    builds a new optimizer before every step, as tutorial 004's ``update()`` does.
    """

    sizes: tuple[int, ...] = (2, 8, 2)
    activations: tuple[str, ...] = ()
    model: str = "mlp"
    loss: str = "cross_entropy"
    optimizer: str = "adam"
    lr: float = 1e-3
    hyper: tuple[tuple[str, float], ...] = ()
    batch_size: int | None = 32
    epochs: int = 10
    l1: float = 0.0
    l2: float = 0.0
    early_stop_epsilon: float | None = None
    fresh_optimizer_per_batch: bool = False
    seed: int = 0
    device: str = "cpu"

    def __post_init__(self) -> None:
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        check_sizes(self.sizes)
        if not self.activations:
            output = "sigmoid" if loss_named(self.loss).prediction == "probability" else "linear"
            object.__setattr__(self, "activations", default_activations(len(self.sizes) - 1, output=output))
        object.__setattr__(self, "activations", tuple(self.activations))
        hyper = dict(self.hyper)  # given as a dict or as pairs; kept as sorted pairs so the config stays hashable
        object.__setattr__(self, "hyper", tuple(sorted((str(k), float(v)) for k, v in hyper.items())))
        self.validate()

    def validate(self) -> None:
        """Raise ValueError with a clear message for any setting that cannot train."""
        if self.model != "mlp" and self.model not in TUTORIAL_MODELS:
            raise ValueError(f"Unknown model {self.model!r}; choose from mlp, {', '.join(TUTORIAL_MODELS)}.")
        check_sizes(self.sizes)
        check_activations(self.activations, len(self.sizes) - 1)
        loss = loss_named(self.loss)
        optimizer_named(self.optimizer).check(dict(self.hyper))
        check_learning_rate(self.lr)
        if self.batch_size is not None and self.batch_size < 1:
            raise ValueError(f"The batch size must be at least 1 (or None for full batch), got {self.batch_size}.")
        if not 1 <= self.epochs <= MAX_EPOCHS:
            raise ValueError(f"Train for 1 to {MAX_EPOCHS:,} epochs, got {self.epochs:,}.")
        if self.l1 < 0 or self.l2 < 0:
            raise ValueError(f"L1 and L2 strengths cannot be negative, got l1={self.l1}, l2={self.l2}.")
        if self.early_stop_epsilon is not None and self.early_stop_epsilon <= 0:
            raise ValueError(f"The early-stop epsilon must be positive, got {self.early_stop_epsilon}.")
        untrainable = [ACTIVATIONS[a].label for a in self.activations if not ACTIVATIONS[a].trainable]
        if untrainable:
            raise ValueError(f"{untrainable[0]} has a zero gradient everywhere: gradient descent cannot train it.")
        n_out, out_act = self.sizes[-1], self.activations[-1]
        if loss.target == "binary" and n_out != 1:
            raise ValueError(f"{self.loss} needs one output unit (a probability), the network has {n_out}.")
        if loss.target == "class" and n_out < 2:
            raise ValueError(f"{self.loss} needs one output unit per class (at least 2); use bce for one unit.")
        if not loss.trained_output_fits(out_act):
            needed = "a sigmoid" if loss.prediction == "probability" else "a linear layer (no activation)"
            what = PREDICTIONS[loss.prediction]
            raise ValueError(f"{self.loss} compares {what}: end the network with {needed}.")

    @property
    def hyperparameters(self) -> dict[str, float]:
        """The optimizer's hyperparameters, every one filled in (the given ones, else the defaults)."""
        return optimizer_named(self.optimizer).check(dict(self.hyper))

    @property
    def spec(self) -> ModelSpec:
        """The architecture as a :class:`ModelSpec`."""
        return ModelSpec(self.model, self.sizes, self.activations)

    def to_dict(self) -> dict:
        """Plain dict (lists, str, numbers) for session state, JSON and generated code."""
        d = asdict(self)
        d["sizes"], d["activations"], d["hyper"] = list(self.sizes), list(self.activations), dict(self.hyper)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TrainConfig:
        """Inverse of :meth:`to_dict`; unknown keys are refused."""
        unknown = set(d) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"Unknown training settings: {', '.join(sorted(unknown))}.")
        return cls(**d)


@dataclass
class History:
    """Per-batch and per-epoch records, columnar (dict of equal-length lists) for cheap DataFrames.

    Batch columns: ``step`` (1-based optimizer step), ``epoch`` (1-based), ``loss`` (the data loss of
    the batch before the step), ``accuracy`` (of that batch, 0-1; NaN for a regression), ``lr``, ``seconds``
    (wall time of the step) and ``grad_norm/<layer>`` (L2 norm of each Linear weight's gradient).
    Epoch columns: ``epoch``, ``loss`` (mean batch loss), ``accuracy`` (train, 0-1), ``test_loss``,
    ``test_accuracy``, ``lr``, ``seconds`` (training time of the epoch, evaluation excluded) and
    ``grad_norm/<layer>`` (mean over the epoch's batches).
    ``stop_reason`` says why training ended early ("diverged at step N ...", "early stop ...").
    """

    layer_names: tuple[str, ...]
    batch: dict[str, list] = field(default_factory=dict)
    epoch: dict[str, list] = field(default_factory=dict)
    stop_reason: str | None = None

    def __post_init__(self) -> None:
        norms = [f"grad_norm/{name}" for name in self.layer_names]
        self.batch = {k: [] for k in ("step", "epoch", "loss", "accuracy", "lr", "seconds", *norms)}
        self.epoch = {
            k: [] for k in ("epoch", "loss", "accuracy", "test_loss", "test_accuracy", "lr", "seconds", *norms)
        }

    def frame(self, level: str = "batch") -> pd.DataFrame:
        """The ``"batch"`` or ``"epoch"`` records as a DataFrame (one row per step / epoch)."""
        if level not in ("batch", "epoch"):
            raise ValueError(f"History level is 'batch' or 'epoch', got {level!r}.")
        return pd.DataFrame(self.batch if level == "batch" else self.epoch)

    @property
    def train_seconds(self) -> float:
        """Total wall time spent in optimizer steps."""
        return float(sum(self.batch["seconds"]))


def resolve_device(name: str) -> torch.device:
    """``"cpu"`` or ``"cuda"``; CUDA only when a GPU is present, else a clear ValueError."""
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise ValueError("device 'cuda' was chosen but no GPU is available here; use 'cpu'.")
        return torch.device("cuda")
    raise ValueError(f"Unknown device {name!r}; choose 'cpu' or 'cuda'.")


def optimizer_kwargs(config: TrainConfig) -> dict:
    """The keyword arguments ``config`` gives its ``torch.optim`` class (``lr``, ``betas``, ``momentum``, ...)."""
    return OPTIMIZERS[config.optimizer].torch_kwargs(config.lr, **dict(config.hyper))


def make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer named in ``config`` over ``params``."""
    return OPTIMIZERS[config.optimizer].build(params, config.lr, **dict(config.hyper))


def check_compatible(config: TrainConfig, data: Dataset) -> None:
    """Raise ValueError if the network's input/output sizes or the loss do not fit the dataset."""
    n_features, n_out = data.x_train.shape[1], config.sizes[-1]
    if config.sizes[0] != n_features:
        raise ValueError(
            f"The network takes {config.sizes[0]} inputs but {data.name!r} has {n_features} features per sample."
        )
    if data.is_regression:
        if n_out != 1 or LOSSES[config.loss].target != "value":
            values = ", ".join(name for name, loss in LOSSES.items() if loss.target == "value")
            raise ValueError(
                f"{data.name!r} is a regression: give the network one output and a loss on values ({values}), "
                f"not {n_out} outputs and {config.loss}."
            )
        return
    if n_out == 1 and data.n_classes != 2:
        raise ValueError(f"One output unit suits 2 classes; {data.name!r} has {data.n_classes}.")
    if n_out > 1 and n_out != data.n_classes:
        raise ValueError(f"The network has {n_out} outputs but {data.name!r} has {data.n_classes} classes.")


class Trainer:
    """Trains ``build_model(config.spec)`` on ``data`` step by step; see the module docstring.

    ``data`` is a :class:`nnviz.dataset.Dataset`: ``x_*`` float32 (n, features), ``y_*`` int64 (n,)
    class indices, or float32 (n,) targets of a regression. Targets are converted once for the loss: float (n,)
    for one output unit (BCE / MSE, the output squeezed to (n,) as the tutorials do; a regression's targets as
    they are), one-hot (n, k) for MSE with k units, class indices for cross-entropy.
    """

    def __init__(self, config: TrainConfig, data: Dataset):
        check_compatible(config, data)
        self.config = config
        self.data = data
        self.device = resolve_device(config.device)
        self.x_train, self.y_train = data.x_train.to(self.device), data.y_train.to(self.device)
        self.x_test, self.y_test = data.x_test.to(self.device), data.y_test.to(self.device)
        self.t_train, self.t_test = self._targets(self.y_train), self._targets(self.y_test)
        n = len(self.x_train)
        self.batch_size = n if config.batch_size is None else min(config.batch_size, n)
        self.batches_per_epoch = math.ceil(n / self.batch_size)
        self.reset()

    # --- state --------------------------------------------------------------------------------------------------

    def reset(self) -> None:
        """Start over: fresh weights and optimizer from ``config.seed``, empty history, epoch 0."""
        self.model = build_model(self.config.spec, self.config.seed).to(self.device)
        self.weights = [layer.weight for _, layer in linear_layers(self.model)]
        self.optimizer = make_optimizer(self.config, self.model.parameters())
        self.generator = torch.Generator(device=self.device).manual_seed(self.config.seed)
        self.history = History(tuple(name for name, _ in linear_layers(self.model)))
        self.epochs_done = 0
        self.batch_in_epoch = 0
        self.global_step = 0
        self._order: Tensor | None = None
        # Per-batch numbers not yet synced: (loss, n_correct, grad norms (n_layers,), lr, seconds, batch size).
        # Flushed at the end of every step() call and every epoch, so they never span two epochs.
        self._pending: list[tuple[Tensor, Tensor, Tensor, float, float, int]] = []
        self._epoch_first_row = 0
        self._epoch_correct = 0

    RETUNABLE = ("lr", "optimizer", "hyper", "l1", "l2", "epochs")
    """Settings :meth:`retune` changes in a running trainer; anything else defines a new run."""

    def retune(self, **settings) -> None:
        """Change how training goes on from the next step, without losing the run (TensorFlow Playground's
        live controls): the learning rate, the optimizer and its hyperparameters, the L1 and L2 strengths, and how
        many epochs to train in all.

        The model, the history and the place in the epoch are kept; a new learning rate or hyperparameter is
        written into the live optimizer (its momentum and averages are kept), a different optimizer starts
        with fresh state. :meth:`reset` then rewinds with these settings to the same initial weights.

        Raises:
            ValueError: for a setting outside :attr:`RETUNABLE` or an invalid value (nothing is changed).
        """
        other = set(settings) - set(self.RETUNABLE)
        if other:
            raise ValueError(f"{', '.join(sorted(other))} define(s) a new run; retune changes only {self.RETUNABLE}.")
        config = replace(self.config, **settings)  # validates before anything changes
        if config.optimizer != self.config.optimizer:
            self.optimizer = make_optimizer(config, self.model.parameters())
        else:
            OPTIMIZERS[config.optimizer].retune(self.optimizer, config.lr, **dict(config.hyper))
        self.config = config

    @property
    def stop_reason(self) -> str | None:
        return self.history.stop_reason

    @property
    def done(self) -> bool:
        """True once all ``config.epochs`` ran, or training stopped early or diverged."""
        return self.stop_reason is not None or self.epochs_done >= self.config.epochs

    @property
    def progress(self) -> float:
        """Fraction of the planned optimizer steps done, 0-1."""
        return min(1.0, self.global_step / (self.config.epochs * self.batches_per_epoch))

    # --- training -----------------------------------------------------------------------------------------------

    def step(self, n_batches: int = 1) -> int:
        """Take up to ``n_batches`` optimizer steps (fewer when training ends); returns how many ran."""
        if n_batches < 1:
            raise ValueError(f"Step at least 1 batch, got {n_batches}.")
        return self._advance(n_batches, deadline=math.inf)

    def step_for(self, seconds: float) -> int:
        """Take optimizer steps for about ``seconds`` of wall time (at least one); returns how many ran."""
        return self._advance(10**12, deadline=time.perf_counter() + seconds)

    def epoch(self) -> int:
        """Finish the current epoch (a whole one when at an epoch boundary); returns the steps taken."""
        return self._advance(self.batches_per_epoch - self.batch_in_epoch, deadline=math.inf)

    def run(self, epochs: int | None = None) -> History:
        """Train ``epochs`` more epochs (default: until ``config.epochs``), stopping early if told to."""
        target = self.config.epochs if epochs is None else min(self.config.epochs, self.epochs_done + epochs)
        while not self.done and self.epochs_done < target:
            self.epoch()
        return self.history

    def _advance(self, max_batches: int, deadline: float) -> int:
        done = 0
        self.model.train()
        while done < max_batches and not self.done:
            if not self._train_batch():
                break
            done += 1
            self.batch_in_epoch += 1
            if self.batch_in_epoch == self.batches_per_epoch:
                self._end_epoch()
            if time.perf_counter() >= deadline:
                break
        self._flush()
        return done

    def _train_batch(self) -> bool:
        """One optimizer step on the next mini-batch; False if the loss could not be computed (diverged)."""
        t0 = time.perf_counter()
        if self.batch_in_epoch == 0:
            self._order = torch.randperm(len(self.x_train), generator=self.generator, device=self.device)
        start = self.batch_in_epoch * self.batch_size
        index = self._order[start : start + self.batch_size]
        x, target, labels = self.x_train[index], self.t_train[index], self.y_train[index]
        if self.config.fresh_optimizer_per_batch:
            self.optimizer = make_optimizer(self.config, self.model.parameters())
        output = self._squeeze(self.model(x))
        self.global_step += 1
        try:
            loss = self._criterion(output, target)
        except RuntimeError:  # F.binary_cross_entropy refuses NaN probabilities
            if bool(torch.isfinite(output).all()):
                raise
            self._flush()
            if self.stop_reason is None:
                self._diverged(self.global_step, float("nan"))
            return False
        objective = loss + self._penalty() if (self.config.l1 or self.config.l2) else loss
        objective.backward()
        norms = torch.stack([w.grad.detach().norm() for w in self.weights])
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        correct = self._correct(output.detach(), labels)
        lr = self.optimizer.param_groups[0]["lr"]
        self._pending.append((loss.detach(), correct, norms, lr, time.perf_counter() - t0, len(index)))
        return True

    def _penalty(self) -> Tensor:
        """``l1 * sum|W| + l2 * sum W^2`` over the Linear layers' weights (biases are not penalised)."""
        penalty = torch.zeros((), device=self.device)
        for w in self.weights:
            if self.config.l1:
                penalty = penalty + self.config.l1 * w.abs().sum()
            if self.config.l2:
                penalty = penalty + self.config.l2 * w.pow(2).sum()
        return penalty

    def _flush(self) -> None:
        """Move pending per-batch numbers into the history (one device sync); detect divergence."""
        if not self._pending:
            return
        losses, correct, norms, lrs, seconds, sizes = zip(*self._pending, strict=True)
        self._pending = []
        losses_list = torch.stack(losses).tolist()
        correct_list = torch.stack(correct).tolist()
        first_step = self.global_step - len(losses_list) + 1
        bad = [i for i, v in enumerate(losses_list) if not math.isfinite(v)]
        keep = bad[0] + 1 if bad else len(losses_list)  # nothing after the first non-finite loss
        b = self.history.batch
        b["step"].extend(range(first_step, first_step + keep))
        b["epoch"].extend([self.epochs_done + 1] * keep)
        b["loss"].extend(losses_list[:keep])
        b["accuracy"].extend(c / n for c, n in zip(correct_list[:keep], sizes[:keep], strict=True))
        b["lr"].extend(lrs[:keep])
        b["seconds"].extend(seconds[:keep])
        for name, column in zip(self.history.layer_names, torch.stack(norms).T.tolist(), strict=True):
            b[f"grad_norm/{name}"].extend(column[:keep])
        self._epoch_correct += sum(correct_list[:keep])  # NaN for a regression
        if bad:
            self._diverged(first_step + bad[0], losses_list[bad[0]])

    def _diverged(self, step: int, loss: float) -> None:
        """Stop at optimizer step ``step`` (the first non-finite loss); later steps are not recorded."""
        self.global_step = step
        self.history.stop_reason = (
            f"diverged at step {step}: the loss became {loss} - the learning rate ({self.config.lr:g}) is too large"
        )

    def _end_epoch(self) -> None:
        """Close an epoch: sync its records, evaluate on the test split, check the early stop."""
        self._flush()
        self.epochs_done += 1
        self.batch_in_epoch = 0
        if self.stop_reason is not None:
            return
        b, e = self.history.batch, self.history.epoch
        rows = slice(self._epoch_first_row, len(b["step"]))
        self._epoch_first_row = len(b["step"])
        n_correct, self._epoch_correct = self._epoch_correct, 0
        loss = sum(b["loss"][rows]) / len(b["loss"][rows])
        test_loss, test_accuracy = self.evaluate("test")
        previous = e["loss"][-1] if e["loss"] else None
        e["epoch"].append(self.epochs_done)
        e["loss"].append(loss)
        e["accuracy"].append(n_correct / len(self.x_train))
        e["test_loss"].append(test_loss)
        e["test_accuracy"].append(test_accuracy)
        e["lr"].append(b["lr"][-1])
        e["seconds"].append(sum(b["seconds"][rows]))
        for name in self.history.layer_names:
            column = b[f"grad_norm/{name}"][rows]
            e[f"grad_norm/{name}"].append(sum(column) / len(column))
        eps = self.config.early_stop_epsilon
        if eps is not None and previous is not None and abs(previous - loss) <= eps:
            self.history.stop_reason = (
                f"early stop after epoch {self.epochs_done}: the loss changed by {abs(previous - loss):.2e} <= {eps:g}"
            )

    # --- loss, predictions, evaluation --------------------------------------------------------------------------

    def _targets(self, y: Tensor) -> Tensor:
        """Class indices (n,) int64 -> what the loss compares the output with (a regression's targets as they are)."""
        if self.data.is_regression or LOSSES[self.config.loss].target == "class":
            return y
        if self.config.sizes[-1] == 1:
            return y.float()
        return F.one_hot(y, self.config.sizes[-1]).float()

    def _squeeze(self, output: Tensor) -> Tensor:
        """(batch, 1) -> (batch,) for one-unit outputs, as the tutorials' ``.squeeze()``; else unchanged."""
        return output.squeeze(-1) if self.config.sizes[-1] == 1 else output

    def criterion(self, output: Tensor, target: Tensor) -> Tensor:
        """The data loss (no L1/L2 penalty) of the model's raw ``output`` (batch, outputs) against ``target``, a
        slice of :attr:`t_train` / :attr:`t_test` (what the loss compares with)."""
        return self._criterion(self._squeeze(output), target)

    def _criterion(self, output: Tensor, target: Tensor) -> Tensor:
        """The mean loss of a batch (the loss's ``torch.nn.functional`` function)."""
        return LOSSES[self.config.loss].torch_fn(output, target)

    def _correct(self, output: Tensor, labels: Tensor) -> Tensor:
        """How many of the batch's (squeezed) outputs predict their class (a 0-d tensor); NaN for a regression."""
        if self.data.is_regression:
            return torch.full((), math.nan, device=self.device)
        return (self._labels(output) == labels).sum()

    def _labels(self, output: Tensor) -> Tensor:
        """Predicted class indices (batch,) from the (squeezed) model output."""
        if self.config.sizes[-1] > 1:
            return output.argmax(dim=1)
        threshold = 0.0 if LOSSES[self.config.loss].prediction == "logit" else 0.5
        return (output > threshold).long()

    @torch.no_grad()
    def evaluate(self, split: str = "test") -> tuple[float, float]:
        """Mean loss and accuracy (0-1) of the current model on the ``"train"`` or ``"test"`` split (NaN if empty;
        the accuracy of a regression is NaN)."""
        if split not in ("train", "test"):
            raise ValueError(f"Split is 'train' or 'test', got {split!r}.")
        x, t, y = (
            (self.x_train, self.t_train, self.y_train) if split == "train" else (self.x_test, self.t_test, self.y_test)
        )
        if len(x) == 0:
            return math.nan, math.nan
        self.model.eval()
        loss_sum, correct = torch.zeros((), device=self.device), torch.zeros((), device=self.device)
        for start in range(0, len(x), EVAL_CHUNK):
            output = self._squeeze(self.model(x[start : start + EVAL_CHUNK]))
            target = t[start : start + EVAL_CHUNK]
            loss_sum += self._criterion(output, target) * len(target)
            correct += self._correct(output, y[start : start + EVAL_CHUNK])
        self.model.train()
        loss, n_correct = torch.stack([loss_sum, correct]).tolist()
        return loss / len(x), n_correct / len(x)

    @torch.no_grad()
    def predict(self, x: Tensor) -> Tensor:
        """The model's (squeezed) output on the CPU for inputs ``x`` (n, features): (n,) for one output unit (a
        regression's predicted values), else (n, outputs)."""
        self.model.eval()
        output = self._squeeze(self.model(x.to(self.device, torch.float32)))
        self.model.train()
        return output.cpu()

    @torch.no_grad()
    def predict_proba(self, x: Tensor) -> Tensor:
        """Class probabilities (n, n_classes) on the CPU for inputs ``x`` (n, features).

        One-unit outputs give ``[1 - p, p]``; MSE outputs are scores clipped to [0, 1] (one unit) or
        softmaxed (k units), not calibrated probabilities. A regression has no classes: ValueError.
        """
        if self.data.is_regression:
            raise ValueError(f"{self.data.name!r} is a regression: it has predicted values (predict), not classes.")
        output = self.predict(x)
        if self.config.sizes[-1] > 1:
            return F.softmax(output, dim=1)
        p = torch.sigmoid(output) if LOSSES[self.config.loss].prediction == "logit" else output.clamp(0, 1)
        return torch.stack([1 - p, p], dim=1)

    def decision_grid(self, resolution: int = 100, margin: float = 0.5) -> tuple[Tensor, Tensor, Tensor]:
        """Probabilities over a grid covering the 2-D data for decision-boundary plots.

        Returns ``gx`` (resolution,), ``gy`` (resolution,) and ``proba`` (resolution, resolution,
        n_classes) with ``proba[i, j]`` at the point ``(gx[j], gy[i])`` (row = y, as heatmaps want).
        """
        if self.x_train.shape[1] != 2:
            raise ValueError(f"A decision grid needs 2-D inputs; {self.data.name!r} has {self.x_train.shape[1]}.")
        if resolution < 2:
            raise ValueError(f"The grid needs at least 2 points per axis, got {resolution}.")
        points = torch.cat([self.data.x_train, self.data.x_test])
        low, high = points.min(dim=0).values - margin, points.max(dim=0).values + margin
        gx = torch.linspace(float(low[0]), float(high[0]), resolution)
        gy = torch.linspace(float(low[1]), float(high[1]), resolution)
        yy, xx = torch.meshgrid(gy, gx, indexing="ij")
        proba = self.predict_proba(torch.stack([xx.reshape(-1), yy.reshape(-1)], dim=1))
        return gx, gy, proba.reshape(resolution, resolution, -1)

    # --- checkpoints --------------------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Save the model's weights and architecture (an :mod:`nnviz.checkpoints` file)."""
        return checkpoints.save(self.model, path)

    def load(self, path: str | Path) -> None:
        """Load weights saved by :meth:`save`; a ValueError (:class:`~nnviz.checkpoints.CheckpointError`) if the file
        is not a valid checkpoint or holds another architecture."""
        loaded = checkpoints.load(path, expected=self.config.spec)
        self.model.load_state_dict(loaded.state_dict())


__all__ = [
    "History",
    "TrainConfig",
    "Trainer",
    "check_compatible",
    "make_optimizer",
    "optimizer_kwargs",
    "resolve_device",
]
