"""Live training in a process of its own: the server's pages draw, the trainer process trains.

Why: in one process, a run's worker thread and every visitor's page scripts share one GIL, so the server trains
on at most one core minus the pages' share. Measured on the 2-core machine (``benchmarks/app_training.py``): the
playground trained at 0.28-0.54x the headless engine in the app, its worker getting ~0.69 of a core and doing
~1,000 steps per CPU-second against ~1,600 headless, the rest of the core going to Streamlit's reruns. Here it
trains at 0.69-0.84x headless beside a niced browser (~1,600 steps per CPU-second, 0.9 of a core).

* **One trainer process per server**, started by the app (or by the first run), runs every visitor's run with
  :mod:`nnviz.live`'s own engine (a :class:`~nnviz.live.LiveRun` worker per run, its
  :class:`~nnviz.live.Scheduler` sharing the process fairly), so commands, slices, evaluation and fair sharing are
  the ones tested there. Its own GIL belongs to training alone, so its scheduler needs no gap after a slice.
* **:class:`RemoteRun`** is a :class:`~nnviz.live.LiveRun` as the server sees it: the same commands, the same
  :class:`~nnviz.live.Snapshot` (rebuilt from what the trainer process sends after every slice: the new history
  records, the live numbers when they changed), ``wait``, ``call`` and ``close``. ``call`` sends its function
  with cloudpickle (a lambda too, and what it refers to: keep it to what the call needs, as
  :func:`nnviz.live.on_model` does).
* **Observers** run in the trainer process; what they hold for the page is their ``shared`` attribute, a
  picklable value *replaced* (never changed in place) when it changes, which is sent back after the slice and
  set on the server's observer (:class:`~nnviz.live.LatestModel`, :class:`~nnviz.inspection.TrainingHistograms`).
* **Data** goes to the trainer process once per dataset object (a Fashion-MNIST split: ~0.2 s), kept there while
  a run uses it or the server still holds it.
* **Failure.** If the trainer process dies, every run's snapshot says so (``FAILED``, and :attr:`RemoteRun.alive`
  turns False, so a page builds a new run) and the next run starts a new process. Where none can start, opening a
  run raises :class:`TrainerUnavailable` (``ui.training`` then trains in the server's process). The trainer process
  ends with the server: :meth:`TrainerProcess.stop` at interpreter exit, or, if the server is killed, when it reads
  the end of its socket.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import dataclasses
import functools
import io
import pickle
import signal
import socket
import subprocess
import sys
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cloudpickle
import torch

from nnviz.heap import freeze_imports
from nnviz.live import Commands, HistoryView, LiveRun, RunState, Scheduler, Snapshot
from nnviz.training import TrainConfig, Trainer

if TYPE_CHECKING:
    from nnviz.dataset import Dataset

_ROOT = Path(__file__).resolve().parents[1]  # where ``nnviz`` is importable from
_LAUNCH = "import sys; from nnviz.trainer_process import main; main(sys.argv[1:])"
SWITCH_INTERVAL_S = 0.0005
"""The trainer process's GIL switch interval (Python's default is 5 ms): a training worker gives the GIL up for every
torch op, and waits to get it back while another run's worker sends its snapshot."""
START_TIMEOUT_S = 60.0
"""How long opening a run waits for the trainer process to start and build the run's Trainer."""
_FIELDS = tuple(field.name for field in dataclasses.fields(Snapshot) if field.name not in ("history", "evaluation"))


class TrainerUnavailable(RuntimeError):
    """The trainer process cannot start, or stopped before it built the run (a page may train in its own process
    instead: :class:`nnviz.live.LiveRun`)."""


# --- the server's side --------------------------------------------------------------------------------------------


class TrainerProcess:
    """The server's handle on the trainer process: starts it when a run first needs it, sends messages, and
    hands what comes back to the runs (a reader thread). ``torch_threads`` is torch's intra-op thread count there.
    """

    def __init__(self, torch_threads: int = 1) -> None:
        self.torch_threads = torch_threads
        self._lock = threading.Lock()  # starting, and sending (one message at a time on the pipe)
        self._connection: Connection | None = None
        self._process: subprocess.Popen | None = None
        self._runs: weakref.WeakValueDictionary[int, RemoteRun] = weakref.WeakValueDictionary()
        self._data: dict[int, tuple[int, weakref.finalize]] = {}  # id(dataset) -> (token, its finalizer)
        self._tokens = iter(range(1, 2**62))
        self._later: collections.deque[tuple] = collections.deque()  # messages from finalizers

    @property
    def alive(self) -> bool:
        """True while the trainer process runs."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> bool:
        """Start the process now if it is not running (it takes seconds to import torch); returns at once. False if
        it cannot start here (then opening a run raises :class:`TrainerUnavailable`)."""
        with self._lock:
            try:
                self._start()
            except (OSError, ValueError):
                return False
            return True

    def open(self, run: RemoteRun, config: TrainConfig, data: Dataset, observer: Any, name: str) -> int:
        """Register ``run`` and send what it needs to build its Trainer there; returns its id."""
        with self._lock:
            rid = next(self._tokens)
            self._runs[rid] = run  # before the message: the answer may come at once
            try:
                self._start()
                self._send_later()
                known = self._data.get(id(data))
                token = known[0] if known else next(self._tokens)
                _put(self._connection, ("open", rid, config, token, None if known else data, observer, name))
            except (OSError, ValueError) as exc:  # no process to start here (a platform without fd passing, ...)
                del self._runs[rid]
                raise TrainerUnavailable(f"The trainer process cannot start: {exc}") from exc
            if not known:
                self._data[id(data)] = (token, weakref.finalize(data, self._forget, id(data), token))
        return rid

    def send(self, message: tuple) -> bool:
        """Send one message (a command for a run); False when the process is gone (the reader thread tells every
        run). A message that cannot be pickled raises, and nothing is sent."""
        with self._lock:
            if self._connection is None:
                return False
            try:
                self._send_later()
                _put(self._connection, message)
            except (OSError, ValueError):
                return False
            return True

    def training_runs(self) -> int:
        """Runs that train now or wait for a slot there, as their latest snapshots say."""
        return sum(run.alive and run.snapshot.running for run in list(self._runs.values()))

    def stop(self, timeout: float = 3.0) -> None:
        """End the trainer process (its runs stop after their slice) and wait for it."""
        with self._lock:
            connection, process = self._connection, self._process
            self._connection = self._process = None
            if connection is not None:
                with contextlib.suppress(OSError, ValueError):
                    _put(connection, ("stop",))
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def _start(self) -> None:
        if self._connection is not None and self.alive:
            return
        if self._process is not None:  # gone: reap it
            self._process.kill()
            self._process.wait()
        # A fresh interpreter (not fork: that would copy the server's threads' locks mid-use; not multiprocessing's
        # spawn: that runs the parent's main module again), talking over a socket pair, which also tells it when
        # the server is gone (it then reads EOF and ends).
        ours, theirs = socket.socketpair()
        with theirs:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _LAUNCH, str(theirs.fileno()), str(self.torch_threads)],
                pass_fds=[theirs.fileno()],
                cwd=_ROOT,
                stdin=subprocess.DEVNULL,
            )
        ours = Connection(ours.detach())
        self._connection = ours
        for _, finalizer in self._data.values():  # a new process holds no data yet
            finalizer.detach()
        self._data.clear()
        threading.Thread(target=self._read, args=(ours,), name="nnviz-trainer-reader", daemon=True).start()

    def _read(self, connection: Connection) -> None:
        while True:
            try:
                message = _get(connection)
            except (EOFError, OSError):
                break
            run = self._runs.get(message[1])
            if run is not None:
                run._receive(message)
        with self._lock:
            if self._connection is connection:  # not a newer process's
                self._connection = None
            # A newer process starts only once the connection is None, so with none yet, every run is this one's.
            lost = list(self._runs.values()) if self._connection is None else []
            if lost:
                self._runs.clear()
        for run in lost:
            run._lost("The trainer process stopped")

    def close_later(self, rid: int) -> None:
        """Close run ``rid`` with the next message: what a run's finalizer does (it may run inside a send, so it
        takes no lock; a deque's append needs none)."""
        self._later.append(("close", rid))

    def _forget(self, key: int, token: int) -> None:
        """The server dropped a dataset (a finalizer: no lock, see :meth:`close_later`): the trainer process may
        too, once no run of its uses it."""
        if self._data.get(key, (None,))[0] == token:
            self._data.pop(key, None)
        self._later.append(("forget", 0, token))

    def _send_later(self) -> None:
        """Send what finalizers left for the next message (holding the lock)."""
        while self._later:
            _put(self._connection, self._later.popleft())


class RemoteRun(Commands):
    """A training run in the trainer process, driven and observed as a :class:`~nnviz.live.LiveRun` is.

    ``config`` and ``data`` are as for :class:`~nnviz.training.Trainer`; a bad combination raises at once (the
    error the trainer process got). ``observer`` runs there after every slice; its ``shared`` value comes back
    to this object. ``call`` takes picklable functions only.
    """

    def __init__(
        self,
        config: TrainConfig,
        data: Dataset,
        *,
        observer: Any = None,
        name: str = "live-run",
        process: TrainerProcess | None = None,
    ) -> None:
        self.observer = observer
        self._process = process or TRAINER
        self._config = config
        self._next_id = 1
        self._lock = threading.RLock()  # command ids and their order on the pipe (retune and submit hold it too)
        self._published = threading.Condition()
        self._snapshot: Snapshot | None = None
        self._opened: Future = Future()
        self._replies: dict[int, Future] = {}
        self._history: tuple[dict, dict] = ({}, {})
        self._evaluation = None
        self._lost_reason: str | None = None
        self._rid = self._process.open(self, config, data, observer, name)
        self._finalizer = weakref.finalize(self, self._process.close_later, self._rid)
        try:
            error = self._opened.result(START_TIMEOUT_S)
        except TimeoutError:
            error = TrainerUnavailable(f"The trainer process did not answer within {START_TIMEOUT_S:g} s")
        if error is not None:
            self._finalizer.detach()
            raise error
        self.wait(lambda snapshot: snapshot is not None, timeout=START_TIMEOUT_S)

    # --- reading ---

    @property
    def snapshot(self) -> Snapshot:
        """The latest snapshot the trainer process sent (a plain attribute read; never blocks)."""
        return self._snapshot

    @property
    def alive(self) -> bool:
        """True until the run is closed or its process is gone (then a page builds a new run)."""
        return self._lost_reason is None and self._snapshot is not None and self._snapshot.state is not RunState.CLOSED

    def wait(self, until: Callable[[Snapshot], bool], timeout: float = 5.0) -> Snapshot:
        """Block until a snapshot satisfies ``until`` (or ``timeout`` seconds pass); return the latest."""
        with self._published:
            self._published.wait_for(
                lambda: self._snapshot is not None and (until(self._snapshot) or not self.alive), timeout
            )
            return self._snapshot

    def call(self, function: Callable[[Trainer], Any], timeout: float | None = 10.0) -> Any:
        """Run ``function(trainer)`` in the trainer process between slices and return its result (or raise its
        exception). ``function`` and its result travel by pickle."""
        return self.submit(function).result(timeout)

    def submit(self, function: Callable[[Trainer], Any]) -> Future:
        """Queue ``function(trainer)`` (picklable) to run between slices; the Future holds its result."""
        reply: Future = Future()
        with self._lock:
            command_id = self._next_id
            self._replies[command_id] = reply  # before sending: the reply may come back at once
            try:
                self._send("call", function=function)
            except BaseException:
                del self._replies[command_id]
                raise
        if self._lost_reason is not None:  # the process is gone (and _lost may have failed the replies already)
            self._replies.pop(command_id, None)
            with contextlib.suppress(InvalidStateError):
                reply.set_exception(RuntimeError(self._lost_reason))
        return reply

    # --- commands ---

    def watch(self, seconds: float) -> None:
        """Someone looks at the run (see :meth:`nnviz.live.LiveRun.watch`)."""
        self._process.send(("watch", self._rid, seconds))

    def close(self, timeout: float = 2.0) -> bool:
        """Stop the run and wait (up to ``timeout`` seconds) until it has; True if it has."""
        self._finalizer.detach()
        self._process.send(("close", self._rid))
        self.wait(lambda snapshot: snapshot.state is RunState.CLOSED, timeout)
        return not self.alive

    def __enter__(self) -> RemoteRun:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _send(self, name: str, **arguments: Any) -> int:
        """Send a command: its id is the one the run's LiveRun there gives it, as both count
        the commands from 1 in the order they are sent. A command that cannot be pickled raises and is not
        counted; one sent after the trainer process died is lost with the run (:attr:`alive` says so)."""
        with self._lock:
            command_id = self._next_id
            self._process.send(("command", self._rid, command_id, name, arguments))
            self._next_id += 1
            return command_id

    # --- what the trainer process sends (the reader thread) ---

    def _receive(self, message: tuple) -> None:
        kind = message[0]
        if kind == "opened":
            self._opened.set_result(message[2])
        elif kind == "reply":
            _, _, command_id, ok, value = message
            reply = self._replies.pop(command_id, None)
            if reply is not None:
                reply.set_result(value) if ok else reply.set_exception(value)
        elif kind == "snapshot":
            self._snapshot_arrived(*message[2:])

    def _snapshot_arrived(self, fields: dict, history: tuple, evaluation: Any, shared: tuple[bool, Any]) -> None:
        restarted, layer_names, batch, epoch = history
        if restarted:
            self._history = ({name: [] for name in batch}, {name: [] for name in epoch})
        for columns, new in zip(self._history, (batch, epoch), strict=True):
            for name, records in new.items():
                columns[name].extend(records)
        if evaluation is not None:
            self._evaluation = evaluation
        batch_columns, epoch_columns = self._history
        n_batches = len(batch_columns["step"]) if "step" in batch_columns else 0
        n_epochs = len(epoch_columns["epoch"]) if "epoch" in epoch_columns else 0
        view = HistoryView(layer_names, n_batches, n_epochs, batch_columns, epoch_columns)
        snapshot = Snapshot(**fields, evaluation=self._evaluation, history=view)
        changed, value = shared
        if changed and self.observer is not None:
            self.observer.shared = value
        with self._published:
            self._snapshot = snapshot
            self._published.notify_all()
        if snapshot.state is RunState.CLOSED:
            self._fail_replies(RuntimeError("The run was closed before it could answer."))

    def _lost(self, reason: str) -> None:
        """The trainer process is gone: the run shows it failed, and every pending call fails."""
        self._lost_reason = reason
        if not self._opened.done():
            self._opened.set_result(TrainerUnavailable(reason))
        if self._snapshot is not None and self._snapshot.state is not RunState.CLOSED:
            snapshot = dataclasses.replace(self._snapshot, state=RunState.FAILED, goal=None, error=reason)
            with self._published:
                self._snapshot = snapshot
                self._published.notify_all()
        self._fail_replies(RuntimeError(reason))

    def _fail_replies(self, error: Exception) -> None:
        while self._replies:
            _, reply = self._replies.popitem()
            with contextlib.suppress(InvalidStateError):
                reply.set_exception(error)


TRAINER = TrainerProcess()
"""The server's trainer process (started by the first :class:`RemoteRun`)."""
atexit.register(TRAINER.stop)


def training_runs(process: TrainerProcess = TRAINER) -> int:
    """Runs that train now or wait for a slot in the trainer process (as their latest snapshots say)."""
    return process.training_runs()


# A message is a pickle (protocol 5) and the out-of-band buffers of the tensors in it, each sent as it lies in memory:
# pickling a tensor the usual way copies its data into the pickle (twice, with torch's own reduction), which for
# Fashion-MNIST raised the server's peak memory by ~640 MB (tests/test_fuzz.py's budget is 500 MB); multiprocessing's
# own pickler would pass torch storages as shared-memory handles, which only its own child processes may open.


class _Pickler(cloudpickle.Pickler):
    """cloudpickle (a call's function may be a lambda), with a CPU tensor's data out of band."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is torch.Tensor and obj.device.type == "cpu" and obj.layout is torch.strided:
            return _tensor, (obj.detach().numpy(),)  # numpy pickles its data out of band (a view's: in band)
        return super().reducer_override(obj)


def _tensor(array: Any) -> torch.Tensor:
    return torch.from_numpy(array)


def _put(connection: Connection, message: tuple) -> None:
    buffers: list[pickle.PickleBuffer] = []
    stream = io.BytesIO()
    _Pickler(stream, protocol=5, buffer_callback=buffers.append).dump(message)
    connection.send_bytes(pickle.dumps([buffer.raw().nbytes for buffer in buffers]))
    connection.send_bytes(stream.getbuffer())
    for buffer in buffers:
        connection.send_bytes(buffer.raw())


def _get(connection: Connection) -> tuple:
    sizes = pickle.loads(connection.recv_bytes())  # from our own trainer process, or our own server
    payload = connection.recv_bytes()
    buffers = [bytearray(size) for size in sizes]  # writable, so that the tensors are
    for buffer in buffers:
        connection.recv_bytes_into(buffer)
    return pickle.loads(payload, buffers=buffers)


# --- the trainer process's side -----------------------------------------------------------------------------------


class _Served:
    """A run in the trainer process, and what of it the server has already been sent."""

    def __init__(self, rid: int, token: int, observer: Any, send: Callable[[tuple], None]) -> None:
        self.rid, self.token, self.observer, self._send = rid, token, observer, send
        self._lock = threading.Lock()
        self._columns: object = None  # the history's batch columns last sent (reset starts new ones)
        self._sent = (0, 0)
        self._evaluation: object = None
        self._shared: object = None
        self._version = 0  # of the last snapshot sent
        self.run: LiveRun | None = None

    def publish(self, snapshot: Snapshot) -> None:
        """Send the server what changed with ``snapshot`` (in the run's worker thread; and once at the start, in the
        reader's, when the worker may already have sent a newer one: an older snapshot is not sent, or the server
        would show it, and the history records counted as sent would go back and be sent twice)."""
        with self._lock:
            if snapshot.version <= self._version:
                return
            self._version = snapshot.version
            view = snapshot.history
            restarted = view.batch_columns is not self._columns
            if restarted:
                self._columns, self._sent = view.batch_columns, (0, 0)
            (n_batch, n_epoch), self._sent = self._sent, (view.n_batches, view.n_epochs)
            history = (
                restarted,
                view.layer_names,
                {name: view.batch(name, n_batch) for name in view.batch_columns},
                {name: view.epoch(name, n_epoch) for name in view.epoch_columns},
            )
            evaluation = None if snapshot.evaluation is self._evaluation else snapshot.evaluation
            self._evaluation = snapshot.evaluation
            shared = getattr(self.observer, "shared", None)
            sent_shared = (shared is not self._shared, shared if shared is not self._shared else None)
            self._shared = shared
            fields = {name: getattr(snapshot, name) for name in _FIELDS}
            self._send(("snapshot", self.rid, fields, history, evaluation, sent_shared))


def main(arguments: list[str]) -> None:
    """The trainer process's entry point: ``[socket file descriptor, torch threads]``."""
    serve(Connection(int(arguments[0])), int(arguments[1]))


def serve(connection: Connection, torch_threads: int) -> None:
    """The trainer process: build runs, apply commands, send snapshots, until told to stop or the server is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the server's terminal: the server ends us
    torch.set_num_threads(torch_threads)
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    freeze_imports()  # a full collection holds the GIL of every run here: it scans none of torch's objects (nnviz.heap)
    scheduler = Scheduler(gap_s=0.0)
    send_lock = threading.Lock()

    def send(message: tuple) -> None:
        with send_lock, contextlib.suppress(OSError, ValueError):  # the server is gone: the loop ends too
            _put(connection, message)

    served: dict[int, _Served] = {}
    data: dict[int, Any] = {}
    forgotten: set[int] = set()
    while True:
        try:
            message = _get(connection)
        except (EOFError, OSError):
            break
        kind = message[0]
        if kind == "stop":
            break
        rid = message[1]
        if kind == "open":
            _, _, config, token, dataset, observer, name = message
            if dataset is not None:
                data[token] = dataset
            entry = served[rid] = _Served(rid, token, observer, send)
            try:
                entry.run = LiveRun(
                    config, data[token], scheduler=scheduler, observer=observer, on_publish=entry.publish, name=name
                )
            except Exception as exc:
                del served[rid]
                send(("opened", rid, exc))
            else:
                send(("opened", rid, None))
                entry.publish(entry.run.snapshot)
        elif kind == "forget":
            forgotten.add(message[2])
        elif rid in served:
            entry = served[rid]
            if kind == "command":
                _, _, command_id, name, arguments = message
                if name == "call":
                    reply = entry.run.submit(arguments["function"])
                    reply.add_done_callback(functools.partial(_reply, send, rid, command_id))
                else:
                    getattr(entry.run, name)(**arguments)
            elif kind == "watch":
                entry.run.watch(message[2])
            elif kind == "close":
                entry.run.close(timeout=0)
                del served[rid]
        for token in [token for token in forgotten if all(entry.token != token for entry in served.values())]:
            forgotten.discard(token)
            data.pop(token, None)
    for entry in served.values():
        entry.run.close(timeout=0)


def _reply(send: Callable[[tuple], None], rid: int, command_id: int, reply: Future) -> None:
    error = reply.exception()
    message = ("reply", rid, command_id, error is None, reply.result() if error is None else error)
    try:
        send(message)
    except Exception as exc:  # the result does not pickle: the caller gets why
        send(("reply", rid, command_id, False, TypeError(f"The call's result cannot be sent back: {exc}")))
