"""Live training: a per-session worker thread that trains and publishes snapshots the page only reads.

The app runs these in the trainer process (:mod:`nnviz.trainer_process`), a process of their own; this module is
the engine, and works in any process (the tests, a notebook).

Why: training inside the page's fragment ran at ~0.13x the headless engine and collapsed with several
visitors, because every tick also evaluated the whole test split, rebuilt every figure and competed for
the GIL with every other session's script thread. Here the page and the training are decoupled:

* **One worker per run.** :class:`LiveRun` owns a :class:`~nnviz.training.Trainer` in a daemon thread.
  The UI thread sends commands (:meth:`~LiveRun.play`, :meth:`~LiveRun.pause`, :meth:`~LiveRun.step`,
  :meth:`~LiveRun.epoch`, :meth:`~LiveRun.reset`, :meth:`~LiveRun.retune`, :meth:`~LiveRun.close`);
  the worker applies them between *slices* of at most :data:`SLICE_S` of optimizer steps, so every
  command is answered within one slice. The UI thread never touches the Trainer: it reads
  :attr:`LiveRun.snapshot`, an immutable :class:`Snapshot` that the worker replaces after every slice
  (and :meth:`LiveRun.call` runs a function on the Trainer inside the worker, between slices).
* **Snapshots cost O(new data).** The history's columns are append-only lists; a :class:`HistoryView`
  holds the Trainer's own lists and their lengths at publishing time, so publishing copies nothing and
  a reader slices a consistent prefix. ``Snapshot.version`` increases with every publication;
  ``Evaluation.step`` says which weights the live numbers belong to.
* **Evaluation that does not eat the training time** (the schedule):

  - live numbers: loss, accuracy and predicted classes on a fixed subset of the test split (the training
    split when the test split is empty), at most :data:`EVAL_SAMPLES` rows taken as a strided *view*
    ``x[offset::stride]`` (evenly spread, offset from the seed, nothing copied); refreshed after every
    :data:`EVAL_PERIOD_S` of training time, and whenever the run stops (pause, end of a step command or
    epoch, end of training, reset), so a paused run always shows the numbers of its weights;
  - the full test split: the Trainer's own evaluation at every epoch end (``history.epoch``); on
    Fashion-MNIST (10,000 samples, 784-128-10) it costs 40-130 ms on this 2-core machine, against
    ~2.5 s for the epoch's 938 steps;
  - the live numbers take at most :data:`EVAL_SHARE` of a run's time: after an evaluation that took ``t``
    seconds the next waits at least ``t / EVAL_SHARE``;
  - pictures of the weights (the playground's maps) are the page's own work, drawn from :class:`LatestModel`.
* **Fair sharing** (a classroom on one 2-core server): one process-wide :class:`Scheduler` lets at
  most :data:`SLOTS` runs train at the same instant; the others show ``waiting for a free slot``.
  Each grant is one slice; a run that wants more goes to the back of the queue (round robin), so N runs
  each get about 1/N of the server. A :meth:`~LiveRun.step` command joins the queue at the front, so
  the Batch button answers within a slice or two even with a full classroom. After each slice the worker
  keeps its slot idle for :data:`GAP_S`, which leaves the GIL to the script threads of other visitors'
  pages (measured in ``benchmarks/live_engine.py``).
* **Shutdown.** :func:`stop_all` signals every worker and joins it; it runs at interpreter exit (an
  ``atexit`` hook, and those run before the interpreter freezes daemon threads), so no worker is left
  inside a torch op while the interpreter finalises (without it, 4 of 5 SIGTERMs to a process with two
  runs training ended in SIGABRT, "terminate called without an active exception"). :func:`install_shutdown_handler`
  also turns SIGTERM into that clean exit in a plain process (chaining to a previous handler, such as
  Streamlit's own, which stops the server, after which the atexit hook joins the workers).
* **Memory.** A run holds its model, optimizer and history; the dataset's tensors are shared read-only
  (the Trainer keeps references, the evaluation subset is a view).

Nothing here touches torch's process-wide state (seeds, thread counts): see :data:`SLOTS` for what the
default thread count does under several runs.

>>> from nnviz.datasets import load_dataset
>>> from nnviz.training import TrainConfig
>>> with LiveRun(TrainConfig(sizes=(2, 8, 2), epochs=2), load_dataset("xor")) as run:
...     command = run.step(5)
...     snapshot = run.wait(lambda s: s.applied >= command and not s.running)
>>> snapshot.step, snapshot.state
(5, <RunState.PAUSED: 'paused'>)
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import copy
import dataclasses
import functools
import itertools
import math
import signal
import threading
import time
import traceback
import weakref
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from nnviz.training import History, TrainConfig, Trainer

if TYPE_CHECKING:
    from nnviz.dataset import Dataset

SLICE_S = 0.04
"""Optimizer-step time per slice (seconds): the longest a command waits for a training run to answer it."""
SLOTS = 1
"""Runs that train at the same instant, process-wide. On the 2-core server one slot gives the highest
total rate and the most responsive concept pages: the Python parts of a step hold the GIL, so two runs
training at once mostly wait for each other, and torch's default intra-op threads (one per core) already
use both cores for the large matrix products. Measured in ``benchmarks/live_engine.py``."""
GAP_S = 0.005
"""Idle time after each slice (seconds), during which the GIL belongs to the other visitors' pages: for runs in a
process that also serves pages (the trainer process, which serves none, idles after no slice)."""
EVAL_SAMPLES = 1000
"""Rows of the fixed evaluation subset behind the live numbers."""
EVAL_PERIOD_S = 0.5
"""Training time (seconds) between two evaluations of the live numbers."""
EVAL_SHARE = 0.1
"""Largest share of a run's time spent on live evaluations."""
RATE_WINDOW_S = 1.0
"""Wall time over which ``Snapshot.samples_per_second`` is measured."""
JOIN_TIMEOUT_S = 2.0
"""How long :meth:`LiveRun.close` and :func:`stop_all` wait for a worker to finish its slice."""


class RunState(StrEnum):
    """What a run is doing, worded for people."""

    PAUSED = "paused"
    WAITING = "waiting for a free slot"
    TRAINING = "training"
    DONE = "done"
    FAILED = "failed"
    CLOSED = "closed"


class Goal(StrEnum):
    """What a run trains towards: forever (``PLAY``), the end of the epoch, or a number of steps."""

    PLAY = "play"
    EPOCH = "epoch"
    STEPS = "steps"


# --- what the page reads ------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class HistoryView:
    """The first ``n_batches`` / ``n_epochs`` records of a :class:`~nnviz.training.History`, copied by length.

    It holds the history's own (append-only) lists: taking a view copies nothing, and what it shows never
    changes, because training only appends and :meth:`~nnviz.training.Trainer.reset` starts new lists.
    """

    layer_names: tuple[str, ...]
    n_batches: int
    n_epochs: int
    batch_columns: Mapping[str, list]
    epoch_columns: Mapping[str, list]

    @classmethod
    def of(cls, history: History) -> HistoryView:
        """A view of ``history`` as it is now: O(number of columns)."""
        return cls(
            history.layer_names,
            len(history.batch["step"]),
            len(history.epoch["epoch"]),
            history.batch,
            history.epoch,
        )

    def batch(self, name: str, start: int = 0) -> list:
        """Per-step records ``start ..`` of column ``name`` (``"loss"``, ``"grad_norm/fc1"``, ...)."""
        return self.batch_columns[name][start : self.n_batches]

    def epoch(self, name: str, start: int = 0) -> list:
        """Per-epoch records ``start ..`` of column ``name`` (``"test_accuracy"``, ...)."""
        return self.epoch_columns[name][start : self.n_epochs]

    def frame(self, level: str = "batch") -> pd.DataFrame:
        """The ``"batch"`` or ``"epoch"`` records as a DataFrame, as :meth:`History.frame` gives them."""
        return pd.DataFrame(self.columns(level))

    def columns(self, level: str = "batch") -> dict[str, np.ndarray]:
        """The ``"batch"`` or ``"epoch"`` records as one float array ``(n,)`` per column: what the live figures
        read (:mod:`nnviz.figures.training`), about 10x cheaper than :meth:`frame` for a live redraw."""
        if level not in ("batch", "epoch"):
            raise ValueError(f"History level is 'batch' or 'epoch', got {level!r}.")
        columns, n = (self.batch_columns, self.n_batches) if level == "batch" else (self.epoch_columns, self.n_epochs)
        return {name: np.asarray(column[:n], dtype=float) for name, column in columns.items()}


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The live numbers: the model after ``step`` optimizer steps on the fixed evaluation subset.

    ``rows`` selects the subset of the ``split`` (``"test"``, or ``"train"`` when there is no test
    split) of the run's dataset: ``labels`` (n,) int64 are ``y_split[rows]`` and ``predicted`` (n,) int64
    the model's classes for ``x_split[rows]``. ``loss`` is the mean data loss, ``accuracy`` is 0-1. For a
    regression ``labels`` and ``predicted`` are the float32 targets and outputs and ``accuracy`` is NaN.
    """

    step: int
    split: str
    rows: slice
    loss: float
    accuracy: float
    labels: np.ndarray
    predicted: np.ndarray


@dataclass(frozen=True, eq=False)
class Snapshot:
    """Everything the page shows about a run, as it was after a slice; never changes once published.

    ``version`` increases with every publication; ``applied`` is the id of the last command the worker
    applied (each command method returns its id). ``goal`` is what the run trains towards (``None`` when
    paused) and ``steps_left`` the steps still to take for an epoch or step command. ``samples_per_second``
    is this run's recent rate in wall time while it trains (waiting for a slot included), else 0.
    ``error`` is the message of an exception raised in the worker (the run is then ``FAILED`` until a
    reset); ``stop_reason`` the Trainer's (divergence, early stop).
    """

    version: int
    applied: int
    state: RunState
    goal: Goal | None
    steps_left: int | None
    config: TrainConfig
    step: int
    epochs_done: int
    batch_in_epoch: int
    batches_per_epoch: int
    batch_size: int
    progress: float
    stop_reason: str | None
    error: str | None
    samples_per_second: float
    evaluation: Evaluation | None
    history: HistoryView

    @property
    def done(self) -> bool:
        """True once training has ended (all epochs, early stop or divergence)."""
        return self.state is RunState.DONE

    @property
    def running(self) -> bool:
        """True while the run wants to train (training now or waiting for a slot)."""
        return self.state in (RunState.TRAINING, RunState.WAITING)

    @property
    def epoch(self) -> int:
        """The epoch under way, counted from 1: the latest batch's, or between two epochs the one just done (0
        before the first batch)."""
        return min(self.epochs_done + 1, self.config.epochs) if self.batch_in_epoch else self.epochs_done


# --- fair sharing ---------------------------------------------------------------------------------------------------


class Scheduler:
    """Admits training slices: at most ``slots`` at once, first come first served, round robin.

    A ticket is a worker's :class:`threading.Event`: :meth:`request` queues it (at the back, or at the front
    when ``urgent``) and sets the event when a slot is granted; :meth:`release` gives the slot (or the place
    in the queue) back and grants the next tickets. One grant is one slice of ``slice_s`` seconds of
    optimizer steps followed by ``gap_s`` seconds of idling, so a run that trains on goes to the back of
    the queue after every slice.
    """

    def __init__(self, slots: int = SLOTS, slice_s: float = SLICE_S, gap_s: float = GAP_S) -> None:
        if slots < 1:
            raise ValueError(f"A scheduler needs at least 1 slot, got {slots}.")
        if slice_s <= 0 or gap_s < 0:
            raise ValueError(f"A slice lasts more than 0 s and a gap at least 0 s, got {slice_s} and {gap_s}.")
        self.slots, self.slice_s, self.gap_s = slots, slice_s, gap_s
        self._lock = threading.Lock()
        self._waiting: collections.deque[threading.Event] = collections.deque()
        self._holding: set[threading.Event] = set()

    def request(self, ticket: threading.Event, *, urgent: bool = False) -> bool:
        """Queue ``ticket`` for a slot (once); True if it holds one now, else its event is set when it does."""
        with self._lock:
            if ticket not in self._holding and ticket not in self._waiting:
                if urgent:
                    self._waiting.appendleft(ticket)
                else:
                    self._waiting.append(ticket)
                self._grant()
            return ticket in self._holding

    def release(self, ticket: threading.Event) -> None:
        """Give back ``ticket``'s slot or its place in the queue (either may be absent)."""
        with self._lock:
            self._holding.discard(ticket)
            with contextlib.suppress(ValueError):
                self._waiting.remove(ticket)
            self._grant()

    def load(self) -> tuple[int, int]:
        """(runs training now, runs waiting for a slot)."""
        with self._lock:
            return len(self._holding), len(self._waiting)

    def _grant(self) -> None:
        while self._waiting and len(self._holding) < self.slots:
            ticket = self._waiting.popleft()
            self._holding.add(ticket)
            ticket.set()


SCHEDULER = Scheduler()
"""The process-wide scheduler every :class:`LiveRun` uses unless given its own."""


# --- Trainer operations live training needs (candidates for nnviz.training.Trainer) -----------------------------


def retuned(config: TrainConfig, **settings: Any) -> TrainConfig:
    """``config`` with new :attr:`Trainer.RETUNABLE` settings, validated as ``Trainer.retune`` validates them.

    Lets :meth:`LiveRun.retune` refuse a bad value at once, in the caller's thread.
    """
    other = set(settings) - set(Trainer.RETUNABLE)
    if other:
        raise ValueError(f"{', '.join(sorted(other))} define(s) a new run; retune changes only {Trainer.RETUNABLE}.")
    return dataclasses.replace(config, **settings)


def train_slice(trainer: Trainer, seconds: float, max_steps: int | None = None) -> int:
    """Optimizer steps for about ``seconds`` of wall time (at least one), never more than ``max_steps``.

    Bounded runs take steps in chunks that double while they fit in the time left (each
    ``Trainer.step`` call syncs once), so they end within a step of the deadline. Returns the steps taken.
    """
    if max_steps is None:
        return trainer.step_for(seconds)
    deadline = time.perf_counter() + seconds
    taken, chunk = 0, 1
    while taken < max_steps and not trainer.done:
        started = time.perf_counter()
        ran = trainer.step(min(chunk, max_steps - taken))
        taken += ran
        now = time.perf_counter()
        if ran == 0 or now >= deadline:
            break
        chunk = max(1, min(2 * chunk, int((deadline - now) * ran / (now - started))))
    return taken


def evaluation_rows(n: int, seed: int, limit: int = EVAL_SAMPLES) -> slice:
    """At most ``limit`` of ``n`` rows, evenly spread: ``slice(offset, .., stride)`` with the offset from ``seed``.

    A slice of a tensor is a view, so the evaluation subset costs no memory.
    """
    count = min(n, limit)
    if count == 0:
        return slice(0, 0)
    stride = n // count
    offset = seed % stride
    return slice(offset, offset + stride * count, stride)


@torch.no_grad()
def evaluate_rows(trainer: Trainer, split: str, rows: slice) -> tuple[float, float, torch.Tensor]:
    """Mean loss, accuracy (0-1) and predicted classes (n,) of the model on ``rows`` of ``split`` (a regression:
    the loss, NaN and the predicted values (n,)).

    Uses the Trainer's own loss by pointing its test tensors at views of the rows for one call (the worker
    owns the Trainer, so nothing else sees it) until ``Trainer.evaluate`` takes the rows itself.
    """
    x, t, y = (getattr(trainer, f"{kind}_{split}")[rows] for kind in ("x", "t", "y"))
    whole = trainer.x_test, trainer.t_test, trainer.y_test
    trainer.x_test, trainer.t_test, trainer.y_test = x, t, y
    try:
        loss, accuracy = trainer.evaluate("test")
    finally:
        trainer.x_test, trainer.t_test, trainer.y_test = whole
    if trainer.data.is_regression:
        return loss, accuracy, trainer.predict(x)
    return loss, accuracy, trainer.predict_proba(x).argmax(dim=1)


def model_copy(trainer: Trainer) -> torch.nn.Module:
    """A copy of the trainer's model: a :meth:`LiveRun.call` function."""
    return copy.deepcopy(trainer.model)


def on_model(function: Callable[..., Any], *arguments: Any) -> Callable[[Trainer], Any]:
    """A :meth:`LiveRun.call` function: ``function(trainer.model, *arguments)``. Picklable (what a run in the
    trainer process needs, :mod:`nnviz.trainer_process`) when ``function`` and ``arguments`` are."""
    return functools.partial(_on_model, function, arguments)


def _on_model(function: Callable[..., Any], arguments: tuple, trainer: Trainer) -> Any:
    return function(trainer.model, *arguments)


# --- the run and its worker ---------------------------------------------------------------------------------------


class LatestModel:
    """A :class:`LiveRun` observer that keeps a copy of the model as it was after the run's latest slice, so that a
    page drawing from the weights several times a second need not wait for a slice to end (:meth:`LiveRun.call`
    does). Copying a playground network takes about 0.1 ms of the worker's time per slice; meant for small models.

    :attr:`shared` is all it holds: (step, model copy), replaced whole by every call, which is what a trainer
    process sends back to the server after a slice (:mod:`nnviz.trainer_process`).
    """

    def __init__(self) -> None:
        self.shared: tuple[int, torch.nn.Module] | None = None

    def __call__(self, trainer: Trainer) -> None:
        self.shared = (trainer.global_step, copy.deepcopy(trainer.model))  # one assignment: a reader sees a whole copy

    @property
    def model(self) -> torch.nn.Module | None:
        """The latest copy (never the live model; read only), None before the first slice."""
        return None if self.shared is None else self.shared[1]

    @property
    def step(self) -> int | None:
        """The run's step when :attr:`model` was copied."""
        return None if self.shared is None else self.shared[0]


@dataclass(frozen=True)
class _Command:
    id: int
    name: str
    arguments: dict
    reply: Future | None = None


class Commands:
    """What drives a run: every command goes to its worker through ``self._send(name, **arguments)``, which returns
    the command's id (:class:`LiveRun` here; :class:`nnviz.trainer_process.RemoteRun` in the trainer process)."""

    _lock: threading.Lock | threading.RLock
    _config: TrainConfig

    def _send(self, name: str, **arguments: Any) -> int:
        raise NotImplementedError

    def play(self) -> int:
        """Train until paused or done."""
        return self._send("play")

    def pause(self) -> int:
        """Stop after the current slice."""
        return self._send("pause")

    def step(self, n: int = 1) -> int:
        """Take exactly ``n`` optimizer steps (fewer if training ends), then pause."""
        if n < 1:
            raise ValueError(f"Step at least 1 batch, got {n}.")
        return self._send("step", n=int(n))

    def epoch(self) -> int:
        """Train to the end of the current epoch (a whole one at an epoch boundary), then pause."""
        return self._send("epoch")

    def reset(self) -> int:
        """Pause and rewind to step 0 and the initial weights of the seed (keeping retuned settings)."""
        return self._send("reset")

    def retune(self, **settings: Any) -> int:
        """Change :attr:`Trainer.RETUNABLE` settings (``lr=0.01``, ``l2=1e-3``, ...) from the next step on.

        The run keeps its weights, history and place (see :meth:`nnviz.training.Trainer.retune`).

        Validated here: raises ValueError at once for a setting that cannot change or an invalid value.
        """
        with self._lock:
            self._config = retuned(self._config, **settings)
            return self._send("retune", **settings)


class LiveRun(Commands):
    """A training run in its own worker thread, driven by commands, observed through :attr:`snapshot`.

    ``config`` and ``data`` are as for :class:`~nnviz.training.Trainer` (built here, so a bad
    combination raises ValueError at once); ``data`` is only read. ``observer(trainer)``, if given, runs in the
    worker after every slice and every stop (e.g. :class:`nnviz.inspection.TrainingHistograms`); it must be quick
    and read only. ``on_publish(snapshot)``, if given, runs in the worker after every snapshot it publishes (the
    trainer process forwards them with it: :mod:`nnviz.trainer_process`). Every command returns its id;
    ``run.wait(lambda s: s.applied >= id)`` waits until the worker has applied it. The run stops when
    :meth:`close` is called, when it is garbage collected, or at interpreter exit. Use it as a context manager to
    close it.
    """

    def __init__(
        self,
        config: TrainConfig,
        data: Dataset,
        *,
        scheduler: Scheduler | None = None,
        observer: Callable[[Trainer], None] | None = None,
        on_publish: Callable[[Snapshot], None] | None = None,
        name: str = "live-run",
    ) -> None:
        trainer = Trainer(config, data)
        self._config = config
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._worker = _Worker(trainer, scheduler or SCHEDULER, name, observer, on_publish)
        self._finalizer = weakref.finalize(self, self._worker.request_close)

    # --- reading ---

    @property
    def snapshot(self) -> Snapshot:
        """The latest published :class:`Snapshot` (a plain attribute read; never blocks)."""
        return self._worker.snapshot

    @property
    def alive(self) -> bool:
        """True while the worker thread runs."""
        return self._worker.thread.is_alive()

    def wait(self, until: Callable[[Snapshot], bool], timeout: float = 5.0) -> Snapshot:
        """Block until a published snapshot satisfies ``until`` (or ``timeout`` seconds pass); return the latest."""
        return self._worker.wait(until, timeout)

    def call(self, function: Callable[[Trainer], Any], timeout: float | None = 10.0) -> Any:
        """Run ``function(trainer)`` in the worker between slices and return its result (or raise its exception).

        For what needs the Trainer itself (a checkpoint, the tutorial comparison, a test's look at the weights).
        """
        return self.submit(function).result(timeout)

    def submit(self, function: Callable[[Trainer], Any]) -> Future:
        """Queue ``function(trainer)`` to run in the worker between slices; its Future holds the result."""
        reply: Future = Future()
        self._send("call", reply=reply, function=function)
        return reply

    # --- commands ---

    def watch(self, seconds: float) -> None:
        """Someone looks at the run: it may train on for ``seconds`` more without another :meth:`watch`, then it
        pauses by itself. A run never watched trains unwatched (headless use). A page renews the lease at every
        redraw, so a closed tab stops taking the server's training time within ``seconds`` (Streamlit keeps a
        disconnected session, and its run, for two minutes)."""
        self._worker.watch_s = seconds
        self._worker.watched_until = time.monotonic() + seconds

    def close(self, timeout: float = JOIN_TIMEOUT_S) -> bool:
        """Stop the worker and wait for it; True if it has ended."""
        self._finalizer.detach()
        self._worker.request_close()
        self._worker.thread.join(timeout)
        return not self.alive

    def __enter__(self) -> LiveRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, name: str, reply: Future | None = None, **arguments: Any) -> int:
        command = _Command(next(self._ids), name, arguments, reply)
        self._worker.send(command)
        return command.id


class _Worker:
    """The thread behind a :class:`LiveRun`: owns the Trainer, applies commands, trains slices, publishes.

    It holds no reference to its LiveRun, so dropping the run lets the finalizer stop the worker.
    """

    def __init__(
        self,
        trainer: Trainer,
        scheduler: Scheduler,
        name: str,
        observer: Callable[[Trainer], None] | None = None,
        on_publish: Callable[[Snapshot], None] | None = None,
    ) -> None:
        self.trainer = trainer
        self.observer = observer
        self.on_publish = on_publish
        self.scheduler = scheduler
        self.wake = threading.Event()  # set by a command and by the scheduler's grant; also the ticket
        self.inbox: collections.deque[_Command] = collections.deque()
        self.published = threading.Condition()
        self.goal: Goal | None = None
        self.steps_left: int | None = None
        self.urgent = False  # the next slot request goes to the front of the queue (a step command)
        self.closing = False
        self.error: str | None = None
        self.applied = 0
        self.version = 0
        self.waiting = False
        self.rate = collections.deque()  # (wall time, samples trained) while training
        self.watched_until = math.inf  # LiveRun.watch: past it, the run pauses by itself
        self.watch_s = math.inf  # the lease a command renews (someone just clicked)
        self._restart()
        self.snapshot = self._snapshot()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        _register(self)
        self.thread.start()

    # --- UI side ---

    def send(self, command: _Command) -> None:
        self.inbox.append(command)
        self.wake.set()

    def request_close(self) -> None:
        self.closing = True
        self.wake.set()

    def wait(self, until: Callable[[Snapshot], bool], timeout: float) -> Snapshot:
        with self.published:
            self.published.wait_for(lambda: until(self.snapshot) or not self.thread.is_alive(), timeout)
            return self.snapshot

    # --- worker side ---

    def _main(self) -> None:
        try:
            while not self.closing:
                self.wake.clear()
                self._apply_commands()
                if self.closing:
                    break
                if self._wants_to_train():
                    if self.scheduler.request(self.wake, urgent=self.urgent):
                        self._slice()
                        continue
                    self.waiting = True
                else:
                    self.scheduler.release(self.wake)
                    if self.error is None:
                        self._guarded(self._refresh, final=True)
                        if self.observer is not None:
                            self._guarded(self.observer, self.trainer)
                self._publish()
                self.wake.wait()
        except BaseException as exc:  # a bug here must show in the last snapshot, not vanish with the thread
            self.error = _message(exc)
            raise
        finally:
            self.scheduler.release(self.wake)
            self.goal = None
            for command in self.inbox:
                if command.reply is not None:
                    command.reply.set_exception(RuntimeError("The run was closed before it could answer."))
            self._publish(closed=True)
            _unregister(self)

    def _wants_to_train(self) -> bool:
        if self.goal is not None and time.monotonic() > self.watched_until:
            self.goal, self.steps_left = None, None  # nobody watches any more: pause (Play goes on)
        return self.goal is not None and self.error is None and not self.trainer.done

    def _apply_commands(self) -> None:
        while self.inbox:
            command = self.inbox.popleft()
            if command.name == "call":
                try:
                    command.reply.set_result(command.arguments["function"](self.trainer))
                except Exception as exc:  # the caller gets it, the run goes on
                    command.reply.set_exception(exc)
            else:
                self._guarded(getattr(self, f"_{command.name}"), **command.arguments)
            self.applied = command.id

    def _play(self) -> None:
        self.goal, self.steps_left = Goal.PLAY, None
        self._watched()

    def _pause(self) -> None:
        self.goal, self.steps_left = None, None

    def _step(self, n: int) -> None:
        self.goal, self.steps_left, self.urgent = Goal.STEPS, n, True
        self._watched()

    def _epoch(self) -> None:
        self.goal, self.steps_left = Goal.EPOCH, self.trainer.batches_per_epoch - self.trainer.batch_in_epoch
        self._watched()

    def _watched(self) -> None:
        """A command to train came from someone looking: their lease starts again."""
        self.watched_until = max(self.watched_until, time.monotonic() + self.watch_s)

    def _reset(self) -> None:
        self.goal, self.steps_left, self.error = None, None, None
        self.trainer.reset()
        self._restart()

    def _retune(self, **settings: Any) -> None:
        self.trainer.retune(**settings)

    def _restart(self) -> None:
        """Forget the live views of the previous weights; choose the evaluation subset (fixed for the run)."""
        trainer = self.trainer
        self.split = "test" if len(trainer.x_test) else "train"
        self.rows = evaluation_rows(len(getattr(trainer, f"x_{self.split}")), trainer.config.seed)
        self.evaluation: Evaluation | None = None
        self.train_s = 0.0  # optimizer-step time since the restart
        self.eval_due = 0.0  # train_s at which the live numbers are next due
        self.rate.clear()

    def _slice(self) -> None:
        """One slice: optimizer steps while holding a slot, then the live views that are due, then the gap."""
        try:
            if self.waiting:  # the page shows "training" from the grant on, not from the end of the slice
                self.waiting = False
                self._publish()
            self.urgent = False
            started = time.perf_counter()
            taken = self._guarded(train_slice, self.trainer, self.scheduler.slice_s, self.steps_left) or 0
            self.train_s += time.perf_counter() - started
            if self.steps_left is not None:
                self.steps_left -= taken
                if self.steps_left <= 0:
                    self._pause()
            if self.trainer.done:
                self._pause()
            self.rate.append((time.perf_counter(), self.trainer.global_step * self.trainer.batch_size))
            self._guarded(self._refresh, final=self.goal is None)
            if self.observer is not None:
                self._guarded(self.observer, self.trainer)
            time.sleep(self.scheduler.gap_s)
        finally:
            self.scheduler.release(self.wake)
        self._publish()

    def _refresh(self, final: bool) -> None:
        """Evaluate the live numbers when due (``final``: when the run has stopped, if stale)."""
        if self.rows.stop and _due(self.evaluation, self.trainer.global_step, final or self.train_s >= self.eval_due):
            cost = _timed(self._evaluate)
            self.eval_due = self.train_s + max(EVAL_PERIOD_S, cost / EVAL_SHARE)

    def _evaluate(self) -> None:
        loss, accuracy, predicted = evaluate_rows(self.trainer, self.split, self.rows)
        labels = getattr(self.trainer, f"y_{self.split}")[self.rows]
        self.evaluation = Evaluation(
            self.trainer.global_step, self.split, self.rows, loss, accuracy, _read_only(labels), _read_only(predicted)
        )

    def _guarded(self, function: Callable, *args: Any, **kwargs: Any) -> Any:
        """Call ``function``; an exception becomes the run's error (shown in the snapshot) and pauses it."""
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            self.error = _message(exc)
            self.goal, self.steps_left = None, None
            return None

    def _publish(self, closed: bool = False) -> None:
        snapshot = self._snapshot(closed)
        with self.published:
            self.snapshot = snapshot
            self.published.notify_all()
        if self.on_publish is not None:
            self.on_publish(snapshot)

    def _snapshot(self, closed: bool = False) -> Snapshot:
        trainer = self.trainer
        self.version += 1
        return Snapshot(
            version=self.version,
            applied=self.applied,
            state=self._state(closed),
            goal=self.goal,
            steps_left=self.steps_left,
            config=trainer.config,
            step=trainer.global_step,
            epochs_done=trainer.epochs_done,
            batch_in_epoch=trainer.batch_in_epoch,
            batches_per_epoch=trainer.batches_per_epoch,
            batch_size=trainer.batch_size,
            progress=trainer.progress,
            stop_reason=trainer.stop_reason,
            error=self.error,
            samples_per_second=self._samples_per_second(),
            evaluation=self.evaluation,
            history=HistoryView.of(trainer.history),
        )

    def _state(self, closed: bool) -> RunState:
        if closed:
            return RunState.CLOSED
        if self.error is not None:
            return RunState.FAILED
        if self.trainer.done:
            return RunState.DONE
        if self.goal is None:
            return RunState.PAUSED
        return RunState.WAITING if self.waiting else RunState.TRAINING

    def _samples_per_second(self) -> float:
        """Samples per wall-clock second over the last :data:`RATE_WINDOW_S` of training (0 when not training)."""
        if self.goal is None:
            self.rate.clear()
            return 0.0
        while len(self.rate) > 2 and self.rate[-1][0] - self.rate[1][0] >= RATE_WINDOW_S:
            self.rate.popleft()
        if len(self.rate) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self.rate[0], self.rate[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


def _due(view: Evaluation | None, step: int, time_has_come: bool) -> bool:
    """A live view is recomputed when there is none yet, or when it is stale and its time has come."""
    return view is None or (view.step != step and time_has_come)


def _read_only(tensor: torch.Tensor) -> np.ndarray:
    """The tensor's data as a NumPy array that cannot be written to (it may share the dataset's memory)."""
    array = tensor.numpy()
    array.flags.writeable = False
    return array


def _message(exc: BaseException) -> str:
    """``"ValueError: the message"``, as the last line of a traceback reads."""
    return "".join(traceback.format_exception_only(exc)).strip()


def _timed(function: Callable[[], None]) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


# --- every worker of the process, for a clean exit ----------------------------------------------------------------

_WORKERS: set[_Worker] = set()
_WORKERS_LOCK = threading.Lock()


def _register(worker: _Worker) -> None:
    with _WORKERS_LOCK:
        _WORKERS.add(worker)


def _unregister(worker: _Worker) -> None:
    with _WORKERS_LOCK:
        _WORKERS.discard(worker)


def training_runs(scheduler: Scheduler = SCHEDULER) -> int:
    """Runs that train now or wait for a slot (the runs sharing the server's training time)."""
    return sum(scheduler.load())


def request_stop_all() -> None:
    """Tell every worker to stop after its current slice; returns at once (safe inside a signal handler)."""
    with _WORKERS_LOCK:
        workers = list(_WORKERS)
    for worker in workers:
        worker.request_close()


def stop_all(timeout: float = JOIN_TIMEOUT_S) -> int:
    """Stop every live run of the process and join the workers within ``timeout`` seconds in all.

    Returns how many are still running (0 normally). Runs at interpreter exit by itself.
    """
    with _WORKERS_LOCK:
        workers = list(_WORKERS)
    request_stop_all()
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.thread.join(max(0.0, deadline - time.monotonic()))
    return sum(worker.thread.is_alive() for worker in workers)


atexit.register(stop_all)  # atexit hooks run before the interpreter freezes daemon threads


class _StopOnSigterm:
    """A SIGTERM handler: stop the live runs, then do what the previous handler did (or exit with status 0)."""

    def __init__(self, previous: Callable | None) -> None:
        self.previous = previous

    def __call__(self, signal_number: int, frame: Any) -> None:
        request_stop_all()
        if self.previous is None:
            raise SystemExit(0)  # the interpreter exits normally, and the atexit hook joins the workers
        self.previous(signal_number, frame)


def install_shutdown_handler() -> bool:
    """Make SIGTERM end the process cleanly with its live runs stopped first; True if the handler was installed.

    Chains to the SIGTERM handler already installed (Streamlit installs its own, which stops the server; the
    process then exits normally and the atexit hook joins the workers); with none, SIGTERM exits with status
    0. Signal handlers can only be installed from the main thread: elsewhere (a Streamlit script thread)
    this does nothing and returns False, and the atexit hook alone stops the runs when the server exits.
    Idempotent.
    """
    if threading.current_thread() is not threading.main_thread():
        return False
    previous = signal.getsignal(signal.SIGTERM)
    if isinstance(previous, _StopOnSigterm):
        return True
    if previous == signal.SIG_IGN:
        return False
    signal.signal(signal.SIGTERM, _StopOnSigterm(previous if callable(previous) else None))
    return True


__all__ = [
    "EVAL_PERIOD_S",
    "EVAL_SAMPLES",
    "GAP_S",
    "SCHEDULER",
    "SLICE_S",
    "SLOTS",
    "Evaluation",
    "Commands",
    "Goal",
    "HistoryView",
    "LatestModel",
    "LiveRun",
    "RunState",
    "Scheduler",
    "Snapshot",
    "evaluate_rows",
    "evaluation_rows",
    "install_shutdown_handler",
    "model_copy",
    "on_model",
    "request_stop_all",
    "retuned",
    "stop_all",
    "train_slice",
]
