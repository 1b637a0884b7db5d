"""The "Train a network" page's settings and its live-training slices, without any UI.

A *Playground* run is a TensorFlow-Playground-like experiment: a 2-D toy dataset
(:data:`nnviz.toys.TOYS`), an MLP ``2 -> hidden... -> 2`` with one hidden activation, and a
``torch.optim`` optimizer. :func:`playground_config` turns the page's widget values into a
:class:`~nnviz.training.TrainConfig`, refusing architectures too large to train live
(:data:`MAX_HIDDEN_LAYERS` of at most :data:`MAX_HIDDEN_WIDTH` neurons). :func:`advance` is one slice of live
training: a bounded amount of wall time, optionally stopping at the end of the current epoch.

The page's +/− buttons edit the same typed text (:func:`add_layer`, :func:`remove_layer`, :func:`resize_layer`,
then :func:`format_hidden`), and one activation per hidden layer comes from :func:`parse_activations`.

>>> config = playground_config(parse_hidden("8, 8"), "tanh", "adam", 0.03, 10, 100)
>>> config.sizes, n_parameters(config.sizes)
((2, 8, 8, 2), 114)
>>> format_hidden(resize_layer(add_layer((4, 4)), 3, +1))
'4, 4, 5'
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from nnviz.activations import trainable_activations
from nnviz.inputs import Bound, InputError, check_number, excerpt, parse_whole_numbers
from nnviz.models import default_activations
from nnviz.training import TrainConfig, Trainer

MAX_HIDDEN_LAYERS = 6
"""Hidden layers: TensorFlow Playground's own limit; deeper nets on 2-D toys teach nothing more."""
MAX_HIDDEN_WIDTH = 256
"""Neurons per hidden layer: 6 layers of 256 are 330 k parameters, a step of a few ms on a shared CPU, and the
decision grid's activations stay under 4 MB (TensorFlow Playground stops at 8)."""
HIDDEN_WIDTHS = Bound(1, MAX_HIDDEN_WIDTH, f"wider layers than {MAX_HIDDEN_WIDTH} no longer train live on a shared CPU")
HIDDEN_COUNTS = Bound(0, MAX_HIDDEN_LAYERS, "deeper networks teach nothing more on 2-D toys")
MAX_BUTTON_WIDTH = 8
"""Neurons per layer the + button goes up to, as in TensorFlow Playground (wider layers are typed)."""
NEW_LAYER_WIDTH = 2
"""Neurons of a layer the + button adds when there is none to copy (TensorFlow Playground adds 2)."""
LEARNING_RATES = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
"""The learning rates offered (TensorFlow Playground's ladder, plus the tutorials' 1e-3 and 1e-2)."""
BATCH_SIZES = (1, 5, 10, 32, 64, 128, 256)
PENALTIES = (0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
"""The L1 and L2 rates one may choose, as in TensorFlow Playground."""
LOSSES_OF_TASK = {"classification": ("cross_entropy",), "regression": ("mse", "mae")}
"""The losses a playground run may train with, by the data's task (:data:`nnviz.dataset.TASKS`), the default first:
softmax cross-entropy for classes; the mean squared or the mean absolute error for a regression's values."""


def n_parameters(sizes: Sequence[int]) -> int:
    """Weights plus biases of an MLP with layer ``sizes``: ``sum(n_in * n_out + n_out)``."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=False))


def parse_hidden(text: str) -> tuple[int, ...]:
    """Hidden layer widths from text: ``"8, 8"`` or ``"8-8"`` -> ``(8, 8)``; empty -> ``()`` (no hidden layer).

    Raises:
        InputError: for anything but up to :data:`MAX_HIDDEN_LAYERS` whole numbers in :data:`HIDDEN_WIDTHS`.
    """
    widths = parse_whole_numbers(
        text, what="hidden layers", values=HIDDEN_WIDTHS, count=HIDDEN_COUNTS, example="8, 8", dashes=True
    )
    return tuple(widths)


def check_hidden(hidden: Sequence[int]) -> tuple[int, ...]:
    """``hidden`` as a tuple when it has at most :data:`MAX_HIDDEN_LAYERS` widths in :data:`HIDDEN_WIDTHS` (widths
    that arrive already parsed, e.g. from a link); else an :class:`~nnviz.inputs.InputError` saying the bound."""
    if len(hidden) not in HIDDEN_COUNTS:
        raise InputError(f"Hidden layers: at most {MAX_HIDDEN_LAYERS}, got {len(hidden):,} ({HIDDEN_COUNTS.why}).")
    return tuple(int(check_number(width, what="hidden layers", values=HIDDEN_WIDTHS)) for width in hidden)


def format_hidden(hidden: Sequence[int]) -> str:
    """The typed form of hidden layer widths: ``(4, 4)`` -> ``"4, 4"``, ``()`` -> ``""``; :func:`parse_hidden` reads
    it back."""
    return ", ".join(str(int(width)) for width in hidden)


def add_layer(hidden: Sequence[int]) -> tuple[int, ...]:
    """One more hidden layer at the end, as wide as the last one (:data:`NEW_LAYER_WIDTH` when there is none);
    at :data:`MAX_HIDDEN_LAYERS` layers nothing changes."""
    hidden = check_hidden(hidden)
    if len(hidden) >= MAX_HIDDEN_LAYERS:
        return hidden
    return (*hidden, min(hidden[-1], MAX_BUTTON_WIDTH) if hidden else NEW_LAYER_WIDTH)


def remove_layer(hidden: Sequence[int]) -> tuple[int, ...]:
    """The hidden layers without the last one (none left: nothing changes)."""
    return check_hidden(hidden)[:-1]


def resize_layer(hidden: Sequence[int], layer: int, delta: int) -> tuple[int, ...]:
    """Hidden layer ``layer`` (1-based, as the drawing counts) ``delta`` neurons wider, kept from 1 to
    :data:`MAX_BUTTON_WIDTH` (a layer typed wider than that can only shrink by the buttons)."""
    hidden = check_hidden(hidden)
    if not 1 <= layer <= len(hidden):
        raise InputError(f"There is no hidden layer {layer}: the network has {len(hidden)}.")
    width = hidden[layer - 1]
    resized = min(max(width + delta, 1), max(width, MAX_BUTTON_WIDTH))
    return (*hidden[: layer - 1], resized, *hidden[layer:])


def parse_activations(text: str, n_hidden: int, default: str) -> tuple[str, ...]:
    """One activation per hidden layer from text, ``"relu, tanh"``: layers without a name use ``default`` and
    names beyond the last layer are not used, so the text survives adding and removing layers; ``""`` is
    ``default`` everywhere.

    Raises:
        InputError: for a name that is not one of :func:`nnviz.activations.trainable_activations`.
    """
    names = [name.strip() for name in text.split(",")] if text.strip() else []
    trainable = trainable_activations()
    unknown = [name for name in names if name not in trainable]
    if unknown:
        raise InputError(
            f"Activations: {excerpt(unknown[0])} is not an activation gradient descent can train through; "
            f"choose from {', '.join(trainable)}."
        )
    return tuple(names[:n_hidden]) + (default,) * max(0, n_hidden - len(names))


def format_activations(activations: Sequence[str], default: str) -> str:
    """The text :func:`parse_activations` reads back as ``activations``: ``""`` when every layer uses ``default``,
    else the names up to the last layer that differs from it."""
    names = list(activations)
    while names and names[-1] == default:
        names.pop()
    return ", ".join(names)


def playground_config(
    hidden: Sequence[int],
    activation: str | Sequence[str],
    optimizer: str,
    lr: float,
    batch_size: int,
    epochs: int,
    l2: float = 0.0,
    seed: int = 0,
    *,
    l1: float = 0.0,
    n_in: int = 2,
    n_out: int = 2,
    task: str = "classification",
    loss: str | None = None,
) -> TrainConfig:
    """The :class:`TrainConfig` of a Playground run: ``n_in -> hidden... -> n_out`` logits, cross-entropy loss;
    for ``task="regression"`` one linear output and the mean squared error (TensorFlow Playground's regression), or
    ``loss`` another of the task's :data:`LOSSES_OF_TASK` (the mean absolute error, ``"mae"``).

    ``activation`` follows every hidden layer, or is one name per hidden layer; the output is linear (softmax is
    inside the loss). ``n_in`` is the number of input features (crosses included), ``n_out`` of classes (1 for
    a regression). Raises ValueError for an unknown name or task, a bad number or hidden layers outside the bounds
    (:func:`check_hidden`).
    """
    if task not in LOSSES_OF_TASK:
        raise ValueError(f"A playground task is {' or '.join(LOSSES_OF_TASK)}, not {task!r}.")
    loss = loss or LOSSES_OF_TASK[task][0]
    if loss not in LOSSES_OF_TASK[task]:
        raise ValueError(f"A playground {task} trains with {' or '.join(LOSSES_OF_TASK[task])}, not {loss!r}.")
    hidden = check_hidden(hidden)
    sizes = (n_in, *hidden, n_out)
    if isinstance(activation, str):
        activations = default_activations(len(sizes) - 1, hidden=activation)
    else:
        if len(activation) != len(hidden):
            raise ValueError(f"Give one activation per hidden layer: {len(hidden)} layers, {len(activation)} names.")
        activations = (*activation, "linear")
    return TrainConfig(
        sizes=sizes,
        activations=activations,
        loss=loss,
        optimizer=optimizer,
        lr=lr,
        batch_size=batch_size,
        epochs=epochs,
        l1=l1,
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
