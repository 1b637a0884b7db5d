"""Live training on a page: the session's run (a :class:`~nnviz.trainer_process.RemoteRun`), its buttons, and
the live area.

A training page reads top to bottom as::

    run = TRAINING.run(defines, config, data)            # kept, retuned or rebuilt as the settings say
    TRAINING.buttons(run)                                 # Play / Pause / Batch / Epoch / Reset
    TRAINING.live(run, draw)                              # a fragment that redraws from the latest snapshot
    TRAINING.live(run, draw_pictures, every=1.0, part="pictures")  # what changes less often, less often

The run trains in the trainer process (nnviz.trainer_process: its own GIL, so training does not wait for the
pages' scripts), driven by nnviz.live's engine there; the page never touches its Trainer. Buttons send commands
from their callbacks, so Pause answers within one slice; the live area is a fragment that reruns a few times a
second while the run trains and redraws only when a new snapshot was published.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

import streamlit as st
from torch import nn

import ui
from nnviz import live
from nnviz.live import LatestModel, LiveRun, Snapshot, model_copy
from nnviz.recipes import RECIPES, data_seed, prepare
from nnviz.trainer_process import RemoteRun, TrainerUnavailable, training_runs
from nnviz.training import TrainConfig, Trainer
from ui import feed, lecture
from ui.canvas import FEED_FAILED_KEY

Run = LiveRun | RemoteRun
"""A page's run: in the trainer process, or in the server's own when that cannot start."""

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from nnviz.dataset import Dataset

TICK_S = 0.4
"""How often the live area redraws while a run trains: charts update 2.5 times a second."""
RUNS_AT_FULL_RATE = 2
"""Runs training at once up to which the live areas redraw every :data:`TICK_S`. With N > 2 runs sharing the
server each advances about 1/N as fast, and its live areas redraw N/2 times less often: a classroom's redraws
then cost the server what two sessions' do (each redraw is one script run on the server and one re-render in
the browser)."""


WATCH_S = 20.0
"""A run nobody redraws any more (its tab closed, or hidden for minutes) pauses after this many seconds."""


def period(every: float) -> float:
    """The redraw period of a live area drawn every ``every`` seconds on a quiet server, under the current load."""
    return every * max(1.0, (training_runs() + live.training_runs()) / RUNS_AT_FULL_RATE)


@st.cache_resource(show_spinner="Loading the tutorial's data (MNIST-size data takes a few seconds)…", max_entries=6)
def _tutorial_data(tutorial: str, seed: int, data_dir: str | None):
    return prepare(RECIPES[tutorial], data_dir=data_dir, seed=seed)


def tutorial_data(tutorial: str, seed: int):
    """The tutorial's (dataset, config, substitution note), loaded once per process and shared by every visitor:
    cached on the seed only where the data depends on it (MNIST's images do not) and on ``$NNVIZ_DATA``."""
    dataset, config, note = _tutorial_data(tutorial, data_seed(RECIPES[tutorial], seed), os.environ.get("NNVIZ_DATA"))
    return dataset, config.__class__.from_dict(config.to_dict() | {"seed": seed}), note


def forget_tutorial_data() -> None:
    """Drop the loaded tutorial data (after a download, the tutorials read the new files)."""
    _tutorial_data.clear()


class LiveTraining:
    """The per-user live run of one page (``LiveTraining("train")``), kept in session state.

    Settings split in two, as in TensorFlow Playground: what defines the run (the data, the architecture, the
    seed: a change builds a new run and closes the old one) and what can change while it trains (the learning
    rate, the optimizer and its hyperparameters, L1 and L2: :meth:`run` retunes the live run, which keeps its
    weights and its place).
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._key, self._defines_key, self._observer_key = f"{name}_run", f"{name}_run_defines", f"{name}_observer"

    @property
    def current(self) -> Run | None:
        """The session's run, or None before the first :meth:`run`."""
        return st.session_state.get(self._key)

    @property
    def defines(self) -> Hashable | None:
        """What defines the current run (as given to :meth:`run`: the page's data key), or None."""
        return st.session_state.get(self._defines_key)

    @property
    def observer(self) -> Callable[[Trainer], None] | None:
        """What watches the current run (made by ``observe`` when the run was built), e.g. its histograms."""
        return st.session_state.get(self._observer_key)

    def run(
        self,
        defines: Hashable,
        config: TrainConfig,
        data: Dataset,
        *,
        observe: Callable[[], Callable[[Trainer], None]] | None = None,
    ) -> Run:
        """The run for these settings: the kept one (retuned if ``config`` differs from it only in
        :attr:`Trainer.RETUNABLE` settings), else a new one, watched by ``observe()`` (see :attr:`observer`).
        ``defines`` holds whatever else defines the run (the data's key); a ValueError (a bad setting) leaves the
        kept run as it is."""
        current = self.current
        if current is not None and st.session_state.get(self._defines_key) == defines and current.alive:
            changes = _retunable_changes(current.snapshot.config, config)
            if changes is not None:
                if changes:
                    current.retune(**changes)
                return current
        observer = observe() if observe is not None else None
        try:
            run = RemoteRun(config, data, observer=observer, name=f"{self.name}-run")
        except TrainerUnavailable:  # train in the server's own process: slower under load, but it trains
            run = LiveRun(config, data, observer=observer, name=f"{self.name}-run")
        if current is not None:
            current.close(timeout=0)  # its worker finishes its slice on its own
        st.session_state[self._key], st.session_state[self._defines_key] = run, defines
        st.session_state[self._observer_key] = observer
        run.wait(lambda snapshot: snapshot.evaluation is not None, timeout=2.0)  # the first picture has its numbers
        return run

    def model(self, run: Run) -> nn.Module:
        """A copy of ``run``'s model as of its latest snapshot (copied in the worker between two slices, once per
        published snapshot and kept in session state): what a page draws from, never the live model itself."""
        key, version = f"{self.name}_model_copy", (id(run), run.snapshot.version)
        cached = st.session_state.get(key)
        if cached is None or cached[0] != version:
            cached = st.session_state[key] = (version, run.call(model_copy))
        return cached[1]

    def edited(self) -> None:
        """The run's model was changed through ``run.call`` (a weight typed in, weights loaded): the next
        :meth:`model` copies it again, even before the run publishes a new snapshot."""
        st.session_state.pop(f"{self.name}_model_copy", None)

    def buttons(self, run: Run, container=st) -> None:
        """Play (or Pause), Batch, Epoch and Reset, each sending its command from its callback; P, Space or → and
        Backspace press Play/Pause, Batch and Reset (the presenter's keys)."""
        snapshot = run.snapshot
        play = ("Pause", "pause", ":material/pause:", run.pause, False, None)
        if not snapshot.running:
            play = ("Play", "play", ":material/play_arrow:", run.play, snapshot.done, None)
        buttons = (
            play,
            ("Batch", "step", ":material/skip_next:", run.step, snapshot.done, "One optimizer step on one mini-batch."),
            (
                "Epoch",
                "epoch",
                ":material/fast_forward:",
                run.epoch,
                snapshot.done or snapshot.running,
                "Train to the end of the current epoch.",
            ),
            (
                "Reset",
                "reset",
                ":material/restart_alt:",
                run.reset,
                False,
                "Back to step 0 and the same initial weights.",
            ),
        )
        for column, (label, name, icon, command, disabled, help_text) in zip(
            container.columns(4), buttons, strict=True
        ):
            column.button(
                label,
                key=f"{self.name}_{name}",
                icon=icon,
                on_click=_command,
                args=(run, command),
                disabled=disabled,
                type="primary" if name == "play" else "secondary",
                help=help_text,
                width="stretch",
            )
        lecture.presenter_keys(
            step=f"{self.name}_step", reset=f"{self.name}_reset", play=(f"{self.name}_play", f"{self.name}_pause")
        )

    def feeds_on(self) -> bool:
        """Whether this session's live areas may be fed (:mod:`ui.feed`): the server has the route and no canvas of
        the session found it missing."""
        return feed.served() and not st.session_state.get(FEED_FAILED_KEY, False)

    def feed(
        self, run: Run, part: str, figures: Callable[[Snapshot], dict[str, go.Figure | dict]], *, every: float
    ) -> Callable[[str], dict] | None:
        """A feed of the live area ``part``: ``figures(snapshot)`` draws the area's figures (name -> figure) from
        the run's latest snapshot (and, for a run watched by :class:`~nnviz.live.LatestModel`, from its latest
        model copy, which the function reads itself) whenever a canvas asks and the run has moved on, in the
        server's request threads: it must not touch ``st``. Each drawing renews the run's lease (:data:`WATCH_S`),
        as a rerun of a live area does. Returns what gives each figure's canvas its link
        (``link(name)``, for :func:`ui.show_run_figure`'s ``feed``), or None when the area cannot be fed (the run
        is not playing, or :meth:`feeds_on` is False): then it reruns."""
        if not (run.snapshot.running and self.feeds_on()):
            return None
        observer = self.observer
        token = st.session_state.setdefault(f"{self.name}_{part}_feed", feed.new_token())

        def version() -> tuple[int, int | None] | None:
            snapshot = run.snapshot
            if not snapshot.running:
                return None  # the feed is over: the page reruns and draws the stopped run
            return snapshot.version, observer.step if isinstance(observer, LatestModel) else None

        def drawn() -> dict[str, go.Figure | dict]:
            run.watch(WATCH_S)  # a canvas fetching is someone looking: a page whose areas are all fed does not rerun
            return figures(run.snapshot)

        url = feed.publish(
            token,
            feed.Feed(
                version=version,
                figures=drawn,
                every=lambda: period(every),
                scale=ui.live_scale(),
            ),
        )
        every_ms = round(1000 * period(every))
        return lambda name: {"url": url, "part": name, "every_ms": every_ms}

    def live(
        self,
        run: Run,
        draw: Callable[[Snapshot], None],
        *,
        every: float = TICK_S,
        part: str = "live",
        fed: bool = False,
    ) -> None:
        """A live area: ``draw(snapshot)`` now, then again every ``every`` seconds while the run trains.

        A page with parts that change at different rates draws each in its own area (its own ``part`` name): the
        curves every :data:`TICK_S`, the pictures of the live evaluation (refreshed every
        :data:`nnviz.live.EVAL_PERIOD_S` of training) about once a second, so no tick rebuilds what did not
        change. An area whose figures are ``fed`` (``draw`` gives their canvases links of :meth:`feed`) is not
        rerun while its canvases fetch them, only when :meth:`feeds_on` changes. When the run stops (paused, done,
        failed) the whole page reruns once, so the buttons follow."""
        key = f"{self.name}_{part}_running"
        feeding = fed and self.feeds_on()
        tick = period(every) if run.snapshot.running and not feeding else None
        # What this run of the page draws: a rerun of the page redraws every area, so only an area's own rerun
        # that finds the run stopped reruns the page (each area finding it by itself made a Pause rerun it 4 times).
        st.session_state[key] = run.snapshot.running

        @st.fragment(run_every=tick)
        def area() -> None:
            run.watch(max(WATCH_S, 3 * (tick or 0.0)))
            snapshot = run.snapshot
            was_running, st.session_state[key] = st.session_state[key], snapshot.running
            draw(snapshot)
            if was_running and not snapshot.running:
                st.rerun()  # the buttons and the timer follow the new state
            elif tick is not None and not 0.7 <= period(every) / tick <= 1.4:
                st.rerun()  # the load changed: the fragment's timer is set again
            elif fed and self.feeds_on() != feeding:
                st.rerun()  # a canvas found no feed: the area reruns instead

        area()


def _command(run: Run, command: Callable[[], int]) -> None:
    """Send a command and wait (briefly) until the worker has applied it, so that the rerun this click causes
    already shows the run playing, paused or rewound; after Batch, until its step is taken (a slice or two even
    with a full classroom: a step joins the queue at the front), so the rerun shows the new step at once instead
    of at the next tick of the live area."""
    command_id = command()
    if command == run.step:
        run.wait(lambda snapshot: snapshot.applied >= command_id and not snapshot.running, timeout=1.0)
    else:
        run.wait(lambda snapshot: snapshot.applied >= command_id, timeout=1.0)


def _retunable_changes(live: TrainConfig, wanted: TrainConfig) -> dict | None:
    """The :attr:`Trainer.RETUNABLE` settings in which ``wanted`` differs from ``live``, or None when it also differs
    in anything else (then it is another run)."""
    changes = {
        name: getattr(wanted, name) for name in Trainer.RETUNABLE if getattr(wanted, name) != getattr(live, name)
    }
    same_otherwise = dataclasses.replace(live, **changes) == wanted if changes else live == wanted
    return changes if same_otherwise else None
