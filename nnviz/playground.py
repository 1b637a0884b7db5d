"""The "Train a network" page's settings and its live-training slices, without any UI.

A *Playground* run is a TensorFlow-Playground-like experiment: a 2-D toy dataset
(:data:`nnviz.toys.TOYS`), an MLP ``2 -> hidden... -> 2`` with one hidden activation, and a
``torch.optim`` optimizer. :func:`playground_config` turns the page's widget values into a
:class:`~nnviz.training.TrainConfig`, refusing architectures too large to train live
(:data:`MAX_PARAMETERS`). :func:`advance` is one slice of live training: a bounded amount of
wall time, optionally stopping at the end of the current epoch.

>>> config = playground_config(parse_hidden("8, 8"), "tanh", "adam", 0.03, 10, 100)
>>> config.sizes, n_parameters(config.sizes)
((2, 8, 8, 2), 114)
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from nnviz.models import default_activations, format_sizes
from nnviz.training import TrainConfig, Trainer

MAX_PARAMETERS = 5_000_000
"""Largest network the page trains: at ~4 bytes per number and a few copies (weights, gradients,
Adam's two moments) 5 M parameters is ~100 MB per user, and a step already takes tens of ms on 2 CPU cores."""
MAX_HIDDEN_LAYERS = 6
LEARNING_RATES = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""The learning rates offered (TensorFlow Playground's ladder, plus the tutorials' 1e-3 and 1e-2)."""
BATCH_SIZES = (1, 5, 10, 32, 64, 128, 256)


def n_parameters(sizes: Sequence[int]) -> int:
    """Weights plus biases of an MLP with layer ``sizes``: ``sum(n_in * n_out + n_out)``."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=False))


def check_budget(sizes: Sequence[int]) -> None:
    """Raise ValueError if the network has more than :data:`MAX_PARAMETERS` parameters."""
    count = n_parameters(sizes)
    if count > MAX_PARAMETERS:
        raise ValueError(
            f"A {format_sizes(sizes)} network has {count:,} parameters; the limit here is {MAX_PARAMETERS:,} "
            "so that training stays live on a shared CPU. Use fewer or narrower hidden layers."
        )


def parse_hidden(text: str) -> tuple[int, ...]:
    """Hidden layer widths from text: ``"8, 8"`` or ``"8-8"`` -> ``(8, 8)``; empty -> ``()`` (no hidden layer).

    Raises ValueError with a clear message for anything but up to :data:`MAX_HIDDEN_LAYERS` positive integers.
    """
    parts = [part for part in re.split(r"[\s,;-]+", text.strip()) if part]
    if not all(part.isdigit() for part in parts):
        raise ValueError(f"Hidden layers are positive whole numbers separated by commas, like 8, 8 — got {text!r}.")
    widths = tuple(int(part) for part in parts)
    if any(width < 1 for width in widths):
        raise ValueError(f"Every hidden layer needs at least one neuron, got {text!r}.")
    if len(widths) > MAX_HIDDEN_LAYERS:
        raise ValueError(f"At most {MAX_HIDDEN_LAYERS} hidden layers here, got {len(widths)}.")
    return widths


def playground_config(
    hidden: Sequence[int],
    activation: str,
    optimizer: str,
    lr: float,
    batch_size: int,
    epochs: int,
    l2: float = 0.0,
    seed: int = 0,
) -> TrainConfig:
    """The :class:`TrainConfig` of a Playground run: ``2 -> hidden... -> 2`` logits, cross-entropy loss.

    ``activation`` follows every hidden layer; the output is linear (softmax is inside the loss).
    Raises ValueError for an unknown name, a bad number or a network over :data:`MAX_PARAMETERS`.
    """
    sizes = (2, *hidden, 2)
    check_budget(sizes)
    return TrainConfig(
        sizes=sizes,
        activations=default_activations(len(sizes) - 1, hidden=activation),
        loss="cross_entropy",
        optimizer=optimizer,
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        l2=l2,
        seed=seed,
    )


def advance(trainer: Trainer, seconds: float, *, until_epoch_end: bool = False, chunk: int = 16) -> int:
    """One slice of live training: optimizer steps for about ``seconds`` of wall time (at least one).

    With ``until_epoch_end`` it also stops when the current epoch is complete (steps are taken in
    chunks of at most ``chunk`` batches, so it never runs into the next epoch). Returns the steps taken.
    """
    if not until_epoch_end:
        return trainer.step_for(seconds)
    deadline = time.perf_counter() + seconds
    taken = 0
    remaining = trainer.batches_per_epoch - trainer.batch_in_epoch
    while remaining > 0 and not trainer.done:
        ran = trainer.step(min(chunk, remaining))
        taken, remaining = taken + ran, remaining - ran
        if ran == 0 or time.perf_counter() >= deadline:
            break
    return taken


def samples_per_second(trainer: Trainer) -> float:
    """Training throughput so far: samples seen per second spent in optimizer steps (0 before the first step)."""
    seconds = trainer.history.train_seconds
    return trainer.global_step * trainer.batch_size / seconds if seconds > 0 else 0.0
