"""Looking inside a trained MLP: activations, probabilities, weights as images, mistakes, histograms.

Works for every model :mod:`nnviz.models` builds (``MLP`` and the tutorials' classes, whose
``forward`` calls ``F.relu`` itself): each Linear layer's output ``z`` is captured with a forward
hook, and layer ``l``'s activation ``a_l = f_l(z_l)`` is what the next Linear layer receives (the
model's output for the last layer), so the numbers are exactly the ones the model computes.

Probabilities are ``softmax(output)`` over one output per class, as
:meth:`nnviz.training.Trainer.predict_proba` gives for multi-class networks.

Bounds: :func:`layer_activations` and :func:`class_probabilities` take at most :data:`MAX_SAMPLES`
inputs per call; :func:`predict` evaluates up to :data:`MAX_PREDICT_SAMPLES` (a split the size of
MNIST's) in chunks of :data:`PREDICT_CHUNK`; a :class:`HistogramRecorder` keeps a fixed number of
bins and at most ``max_snapshots`` snapshots, on a probe batch of at most :data:`MAX_PROBE_SAMPLES`.
Nothing here changes the model (no ``.grad``, no train/eval switch, hooks removed on return) or any
process-wide torch state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nnviz.models import linear_hooks, linear_layers, model_spec

if TYPE_CHECKING:
    from nnviz.training import Trainer

MAX_SAMPLES = 2_000
"""Most inputs per call of :func:`layer_activations` / :func:`class_probabilities`."""
MAX_PREDICT_SAMPLES = 100_000
"""Most samples :func:`predict` evaluates (MNIST's training split has 60,000)."""
PREDICT_CHUNK = 8_192
"""Samples per forward pass in :func:`predict`."""
MAX_SHOWN = 100
"""Most indices :meth:`Predictions.mistakes` and :meth:`Predictions.in_cell` return."""
MAX_PROBE_SAMPLES = 1_024
"""Largest probe batch of a :class:`HistogramRecorder`."""
SATURATION = 0.99
"""A sigmoid output beyond [0.01, 0.99] or a tanh output beyond ±0.99 is saturated (slope under 4 % of its peak)."""
INACTIVE_KIND = {"relu": "dead", "sigmoid": "saturated", "tanh": "saturated"}
"""What "inactive" means per activation: a dead ReLU unit, a saturated sigmoid / tanh value."""


@dataclass(frozen=True)
class LayerActivations:
    """One Linear layer and its activation on a batch of ``n`` inputs.

    Attributes:
        name: the Linear layer's name in the state_dict (e.g. ``"fc1"``).
        activation: the activation after it (``"relu"``, ``"linear"``, ...), from the model's spec.
        z: pre-activations ``W x + b``, ``(n, units)``.
        a: activations ``f(z)``, ``(n, units)``; the last layer's ``a`` is the model's output.
    """

    name: str
    activation: str
    z: Tensor
    a: Tensor


def layer_activations(model: nn.Module, x: Tensor) -> list[LayerActivations]:
    """Every Linear layer's ``z`` and ``a`` for inputs ``x`` ``(features,)`` or ``(n, features)``, on the CPU.

    One input gives ``n = 1``. At most :data:`MAX_SAMPLES` inputs.
    """
    batch = _batch(model, x)
    with torch.no_grad():
        _, layers = _forward_layers(model, batch)
    return [LayerActivations(layer.name, layer.activation, layer.z.cpu(), layer.a.cpu()) for layer in layers]


def class_probabilities(model: nn.Module, x: Tensor) -> Tensor:
    """``softmax(model(x))``, ``(n, n_classes)`` on the CPU, for inputs ``(features,)`` or ``(n, features)``."""
    batch = _batch(model, x)
    with torch.no_grad():
        return _softmax(model(batch)).cpu()


def top_k(probabilities: Tensor, k: int = 3) -> tuple[Tensor, Tensor]:
    """The ``k`` most probable classes of each row of ``probabilities`` ``(n, n_classes)``, most probable first.

    Returns ``(values, classes)``, both ``(n, k)``.
    """
    values, classes = torch.topk(probabilities, min(k, probabilities.shape[1]), dim=1)
    return values, classes


def first_layer_weights(model: nn.Module, image_shape: tuple[int, int]) -> Tensor:
    """The first Linear layer's weights as one image per unit, ``(units, height, width)`` on the CPU.

    Row ``i`` of ``W`` (``(units, height*width)``) is the pattern unit ``i`` responds to: its
    pre-activation is the sum of this image times the input image, plus the bias.
    """
    weight = linear_layers(model)[0][1].weight
    if weight.shape[1] != math.prod(image_shape):
        raise ValueError(
            f"The first layer takes {weight.shape[1]} inputs, not images of {image_shape[0]}×{image_shape[1]}."
        )
    return weight.detach().cpu().reshape(len(weight), *image_shape).clone()


@dataclass(frozen=True)
class Predictions:
    """A model's verdict on every sample of a split (all on the CPU).

    Attributes:
        true: ``(n,)`` int64 labels.
        probabilities: ``(n, n_classes)`` float32, each row summing to 1.
    """

    true: Tensor
    probabilities: Tensor

    @property
    def predicted(self) -> Tensor:
        """``(n,)`` int64: the most probable class."""
        return self.probabilities.argmax(dim=1)

    @property
    def confidence(self) -> Tensor:
        """``(n,)`` float32: the probability of the predicted class."""
        return self.probabilities.amax(dim=1)

    @property
    def accuracy(self) -> float:
        """Share of samples predicted right, 0-1 (NaN for an empty split)."""
        return float((self.predicted == self.true).float().mean()) if len(self.true) else math.nan

    def mistakes(self, most_confident: bool = True, limit: int = MAX_SHOWN) -> Tensor:
        """Indices ``(m,)`` of misclassified samples, ``m <= limit <= MAX_SHOWN``, sorted by confidence.

        ``most_confident=True`` puts the surest mistakes first (the network is confidently wrong),
        ``False`` the most hesitant ones first.
        """
        return self._sorted(torch.nonzero(self.predicted != self.true).squeeze(1), most_confident, limit)

    def in_cell(self, true_class: int, predicted_class: int, limit: int = MAX_SHOWN) -> Tensor:
        """Indices ``(m,)`` of the samples in confusion-matrix cell (true ``i``, predicted ``j``), surest first."""
        inside = (self.true == true_class) & (self.predicted == predicted_class)
        return self._sorted(torch.nonzero(inside).squeeze(1), True, limit)

    def _sorted(self, indices: Tensor, descending: bool, limit: int) -> Tensor:
        if not 1 <= limit <= MAX_SHOWN:
            raise ValueError(f"Show between 1 and {MAX_SHOWN} samples, not {limit}.")
        order = torch.argsort(self.confidence[indices], descending=descending, stable=True)
        return indices[order[:limit]]


def predict(model: nn.Module, x: Tensor, y: Tensor) -> Predictions:
    """Class probabilities of ``model`` for inputs ``x`` ``(n, features)`` with labels ``y`` ``(n,)``.

    Runs in chunks of :data:`PREDICT_CHUNK` under ``torch.no_grad``; at most :data:`MAX_PREDICT_SAMPLES`.
    """
    if x.ndim != 2 or y.shape != (len(x),):
        raise ValueError(f"predict needs inputs (n, features) and labels (n,), not {tuple(x.shape)}, {tuple(y.shape)}.")
    if len(x) > MAX_PREDICT_SAMPLES:
        raise ValueError(f"predict evaluates at most {MAX_PREDICT_SAMPLES:,} samples, got {len(x):,}.")
    device = _device(model)
    with torch.no_grad():
        chunks = [
            _softmax(model(x[start : start + PREDICT_CHUNK].to(device, torch.float32))).cpu()
            for start in range(0, len(x), PREDICT_CHUNK)
        ]
    n_classes = linear_layers(model)[-1][1].out_features
    probabilities = torch.cat(chunks) if chunks else torch.empty(0, n_classes)
    return Predictions(true=y.cpu().long(), probabilities=probabilities)


# --- histograms of weights and gradients over training (TensorBoard's histogram view) ---------------------------


@dataclass(frozen=True)
class Histogram:
    """Counts of values in ``bins`` equal bins from ``low`` to ``high`` (both edges included)."""

    low: float
    high: float
    counts: np.ndarray  # (bins,) float64

    @property
    def edges(self) -> np.ndarray:
        """``(bins + 1,)`` bin edges."""
        return np.linspace(self.low, self.high, len(self.counts) + 1)


@dataclass(frozen=True)
class HistogramSeries:
    """Snapshots of one quantity re-binned onto common bins, for a step × value heatmap.

    Attributes:
        steps: ``(T,)`` optimizer steps of the snapshots.
        edges: ``(bins + 1,)`` common bin edges spanning every snapshot.
        shares: ``(T, bins)``: the share of the values in each bin (each row sums to 1).
    """

    steps: np.ndarray
    edges: np.ndarray
    shares: np.ndarray


class HistogramRecorder:
    """Records, at chosen training steps, histograms of each Linear layer's weights, gradients and activations.

    Gradients and activations are computed on a fixed probe batch (e.g. 256 test samples) with
    ``torch.autograd.grad``, so the optimizer's ``.grad`` is untouched. Each snapshot also stores
    the share of inactive units per layer: dead ReLUs (units whose ``z <= 0`` on every probe
    sample) and saturated sigmoid / tanh values (see :data:`SATURATION`).

    Memory is bounded: ``bins`` counts per histogram and at most ``max_snapshots`` snapshots; when
    full, every other snapshot is dropped and the recording interval doubles (so the kept steps
    stay evenly spread over the whole run).

    Args:
        model: a model built by :mod:`nnviz.models` (its spec names each layer's activation).
        probe_x: ``(n, features)`` inputs, ``n <= MAX_PROBE_SAMPLES``.
        probe_target: what ``loss_fn`` compares the output with (class indices ``(n,)`` for cross-entropy).
        loss_fn: ``loss_fn(output, target) -> scalar``, ``output`` the model's ``(n, outputs)``: the
            training loss without its L1/L2 penalty (cross-entropy by default).
        bins: bins per histogram.
        max_snapshots: snapshots kept (at least 2).
        every: record at most once per this many optimizer steps (doubles at each thinning).
    """

    KINDS = ("weight", "gradient", "activation")

    def __init__(
        self,
        model: nn.Module,
        probe_x: Tensor,
        probe_target: Tensor,
        *,
        loss_fn: Callable[[Tensor, Tensor], Tensor] = F.cross_entropy,
        bins: int = 30,
        max_snapshots: int = 200,
        every: int = 1,
    ):
        if not 1 <= len(probe_x) <= MAX_PROBE_SAMPLES or len(probe_target) != len(probe_x):
            raise ValueError(f"The probe batch needs 1 to {MAX_PROBE_SAMPLES} inputs with one target each.")
        if bins < 1 or max_snapshots < 2 or every < 1:
            raise ValueError("Need at least 1 bin, 2 snapshots and a recording interval of at least 1 step.")
        self.probe_x, self.probe_target = probe_x.detach(), probe_target.detach()
        self.loss_fn = loss_fn
        self.bins, self.max_snapshots, self.every = bins, max_snapshots, every
        self.spec = model_spec(model)
        self.layer_names = tuple(name for name, _ in linear_layers(model))
        self.activation_names = self.spec.activations
        self.steps: list[int] = []
        self.histograms: dict[tuple[str, str], list[Histogram]] = {
            (kind, name): [] for kind in self.KINDS for name in self.layer_names
        }
        self.inactive: dict[str, list[float]] = {
            name: [] for name, act in zip(self.layer_names, self.activation_names, strict=True) if act in INACTIVE_KIND
        }

    def __getstate__(self) -> dict:
        """What a pickled recorder keeps: what it recorded, to be read anywhere (the trainer process sends it to the
        server so); not its probe batch and loss, so it records no more."""
        return {name: value for name, value in vars(self).items() if name not in ("probe_x", "probe_target", "loss_fn")}

    def due(self, step: int) -> bool:
        """Whether :meth:`record` at ``step`` would take a snapshot."""
        return not self.steps or step >= self.steps[-1] + self.every

    def record(self, model: nn.Module, step: int) -> bool:
        """Take a snapshot of ``model`` at optimizer step ``step`` if one is due; returns whether it did.

        Cost: one forward and backward pass on the probe batch. Raises ValueError for a step before
        the last one recorded (a restarted run needs a new recorder) or a model of another architecture.
        """
        if self.steps and step < self.steps[-1]:
            raise ValueError(f"Step {step} comes before the last recorded step {self.steps[-1]}; start a new recorder.")
        if not self.due(step):
            return False
        if model_spec(model) != self.spec:
            raise ValueError(f"The recorder follows {self.spec.describe()}, not this model; start a new recorder.")
        layers = linear_layers(model)
        weights = [layer.weight for _, layer in layers]
        with torch.enable_grad():
            output, captured = _forward_layers(model, self.probe_x.to(weights[0].device))
            loss = self.loss_fn(output, self.probe_target.to(output.device))
            gradients = torch.autograd.grad(loss, weights)
        with torch.no_grad():
            for (name, layer), gradient, seen in zip(layers, gradients, captured, strict=True):
                for kind, values in (("weight", layer.weight), ("gradient", gradient), ("activation", seen.a)):
                    self.histograms[kind, name].append(histogram(values, self.bins))
                if name in self.inactive:
                    self.inactive[name].append(inactive_share(seen.z, seen.a, seen.activation))
        self.steps.append(step)
        if len(self.steps) >= self.max_snapshots:
            self._thin()
        return True

    def _thin(self) -> None:
        """Keep every other snapshot (the first one included) and record half as often from now on."""
        self.steps = self.steps[::2]
        for series in (*self.histograms.values(), *self.inactive.values()):
            series[:] = series[::2]
        self.every *= 2

    def series(self, kind: str, layer: str, bins: int | None = None) -> HistogramSeries:
        """All snapshots of ``kind`` ("weight", "gradient", "activation") of ``layer``, on common bins."""
        if (kind, layer) not in self.histograms:
            raise ValueError(f"No {kind!r} histograms of {layer!r}; kinds are {self.KINDS}, layers {self.layer_names}.")
        return common_bins(self.steps, self.histograms[kind, layer], bins or self.bins)


class TrainingHistograms:
    """A :class:`HistogramRecorder` that follows a :class:`~nnviz.training.Trainer` while it trains: call it with
    the trainer between optimizer steps (``nnviz.live.LiveRun(observer=...)`` does, after every slice).

    It records at most every ``period_s`` seconds of CPU time of the thread that calls it, the run's worker (so the
    cost stays a small share of that run's training, and N runs sharing a process record N times less often each,
    as they train N times slower: measured on the Train page at N = 8, wall-time periods cost the trainer process
    18 % of its rate), on the first :data:`PROBE_SAMPLES` test samples (training samples when there is no test
    split), and starts a new recorder when the trainer went back (a reset). Read :attr:`recorder` from any thread:
    it is replaced, never emptied. :attr:`shared` is replaced at every record: what the trainer process sends back
    (a recorder pickles without its probe batch).
    """

    PROBE_SAMPLES = 256

    def __init__(self, period_s: float = 0.5, max_snapshots: int = 120) -> None:
        self.period_s, self.max_snapshots = period_s, max_snapshots
        self.shared: tuple[int, HistogramRecorder] | None = None  # (step, recorder): replaced at every record
        self._last = -math.inf

    @property
    def recorder(self) -> HistogramRecorder | None:
        """What was recorded (None before the first call)."""
        return None if self.shared is None else self.shared[1]

    def __call__(self, trainer: Trainer) -> None:
        step, now, recorder = trainer.global_step, time.thread_time(), self.recorder
        restarted = recorder is not None and recorder.steps and step < recorder.steps[-1]
        if recorder is None or restarted:
            x, t = (trainer.x_test, trainer.t_test) if len(trainer.x_test) else (trainer.x_train, trainer.t_train)
            n = min(self.PROBE_SAMPLES, len(x))
            recorder = HistogramRecorder(
                trainer.model, x[:n], t[:n], loss_fn=trainer.criterion, max_snapshots=self.max_snapshots
            )
            self.shared, self._last = (step, recorder), -math.inf
        due = not 0 <= now - self._last < self.period_s  # (a clock that went back: called from another thread)
        if due and recorder.record(trainer.model, step):
            self.shared, self._last = (step, recorder), now


def histogram(values: Tensor, bins: int) -> Histogram:
    """Counts of the finite entries of ``values`` in ``bins`` equal bins over their own [min, max]."""
    flat = values.detach().reshape(-1).float()
    flat = flat[torch.isfinite(flat)]
    if not len(flat):
        return Histogram(-1.0, 1.0, np.zeros(bins))
    low, high = flat.min().item(), flat.max().item()
    if high - low <= 1e-12 * max(abs(low), abs(high), 1.0):  # all equal (e.g. zero gradients): one value, one bin
        pad = max(abs(low), 1.0) * 1e-3
        low, high = low - pad, high + pad
    return Histogram(low, high, torch.histc(flat, bins, low, high).double().cpu().numpy())


def common_bins(steps: list[int], histograms: list[Histogram], bins: int) -> HistogramSeries:
    """Re-bin snapshots with different ranges onto ``bins`` common bins spanning all of them.

    Values are taken as spread evenly within each original bin: the cumulative share is
    interpolated linearly at the new edges (as TensorBoard does for its histogram view).
    """
    if not histograms:
        return HistogramSeries(np.array([], dtype=int), np.linspace(-1.0, 1.0, bins + 1), np.zeros((0, bins)))
    edges = np.linspace(min(h.low for h in histograms), max(h.high for h in histograms), bins + 1)
    shares = np.zeros((len(histograms), bins))
    for t, h in enumerate(histograms):
        total = h.counts.sum()
        if total > 0:
            cumulative = np.concatenate([[0.0], np.cumsum(h.counts) / total])
            shares[t] = np.diff(np.interp(edges, h.edges, cumulative, left=0.0, right=1.0))
    return HistogramSeries(np.asarray(steps, dtype=int), edges, shares)


def inactive_share(z: Tensor, a: Tensor, activation: str) -> float:
    """Share (0-1) of a layer's inactive units on a batch: ``z``, ``a`` are ``(n, units)``.

    ReLU: units with ``z <= 0`` for every sample (dead: no gradient flows through them).
    Sigmoid / tanh: values ``a`` in the flat tails, beyond :data:`SATURATION`. NaN for other activations.
    """
    if activation == "relu":
        return float((z <= 0).all(dim=0).float().mean())
    if activation == "sigmoid":
        return float(((a < 1 - SATURATION) | (a > SATURATION)).float().mean())
    if activation == "tanh":
        return float((a.abs() > SATURATION).float().mean())
    return math.nan


# --- the forward pass, seen layer by layer -------------------------------------------------------------------------


def _forward_layers(model: nn.Module, x: Tensor) -> tuple[Tensor, list[LayerActivations]]:
    """``model(x)`` and each Linear layer's ``z`` and ``a`` (``a`` = the next layer's input, or the output)."""
    layers = linear_layers(model)
    activations = model_spec(model).activations
    inputs: list[Tensor] = []
    outputs: list[Tensor] = []

    def keep(layer_input: Tensor, layer_output: Tensor) -> None:
        inputs.append(layer_input)
        outputs.append(layer_output)

    with linear_hooks(model, keep):
        output = model(x)
    seen = [*inputs[1:], output]
    return output, [
        LayerActivations(name, act, z, a)
        for (name, _), act, z, a in zip(layers, activations, outputs, seen, strict=True)
    ]


def _batch(model: nn.Module, x: Tensor) -> Tensor:
    """``x`` as a float32 batch ``(n, features)`` on the model's device, ``n <= MAX_SAMPLES``."""
    batch = x.reshape(1, -1) if x.ndim == 1 else x
    if batch.ndim != 2 or not 1 <= len(batch) <= MAX_SAMPLES:
        raise ValueError(f"Give 1 to {MAX_SAMPLES} inputs as (features,) or (n, features), got {tuple(x.shape)}.")
    return batch.to(_device(model), torch.float32)


def _softmax(output: Tensor) -> Tensor:
    if output.ndim != 2 or output.shape[1] < 2:
        raise ValueError("Class probabilities need one output unit per class (at least 2).")
    return F.softmax(output, dim=1)


def _device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


__all__ = [
    "INACTIVE_KIND",
    "MAX_PREDICT_SAMPLES",
    "MAX_PROBE_SAMPLES",
    "MAX_SAMPLES",
    "MAX_SHOWN",
    "Histogram",
    "HistogramRecorder",
    "HistogramSeries",
    "LayerActivations",
    "Predictions",
    "class_probabilities",
    "common_bins",
    "first_layer_weights",
    "histogram",
    "inactive_share",
    "layer_activations",
    "predict",
    "top_k",
]
