"""nnviz.live: the per-session training worker, its snapshots, the fair scheduler and the clean shutdown."""

from __future__ import annotations

import gc
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from nnviz.inspection import TrainingHistograms
from nnviz.live import (
    SLICE_S,
    LatestModel,
    LiveRun,
    RunState,
    Scheduler,
    evaluation_rows,
    train_slice,
    training_runs,
)
from nnviz.models import build_model, linear_layers
from nnviz.toys import toy_2d
from nnviz.training import TrainConfig, Trainer

ROOT = Path(__file__).resolve().parents[1]
GAUSS = toy_2d("gauss", n_samples=200, noise=0.1, seed=1)
COMMAND_S = 0.5  # the bound for Pause / Batch / Reset; a slice is SLICE_S, the rest is slack for a busy CI


def config(**settings) -> TrainConfig:
    return TrainConfig(**({"sizes": (2, 8, 2), "batch_size": 16, "epochs": 500, "lr": 0.03} | settings))


def live(scheduler: Scheduler | None = None, **settings) -> LiveRun:
    """A run on its own scheduler, so that tests do not share slots with anything else."""
    return LiveRun(config(**settings), GAUSS, scheduler=scheduler or Scheduler())


def applied(run: LiveRun, command_id: int, timeout: float = 5.0):
    """The first snapshot after ``command_id`` was applied and the run stopped training (or timed out)."""
    return run.wait(lambda s: s.applied >= command_id and not s.running, timeout)


def weights(run: LiveRun) -> dict[str, torch.Tensor]:
    return run.call(lambda trainer: {k: v.clone() for k, v in trainer.model.state_dict().items()})


def training(run: LiveRun, steps: int = 1):
    """Play and wait until the run has taken at least ``steps`` steps while playing."""
    run.play()
    return run.wait(lambda s: s.state is RunState.TRAINING and s.step >= steps)


# --- commands -----------------------------------------------------------------------------------------------------


def test_step_takes_exactly_the_steps_asked_then_pauses():
    with live() as run:
        first = applied(run, run.step(1))
        assert (first.step, first.state, first.goal) == (1, RunState.PAUSED, None)
        later = applied(run, run.step(7))
        assert later.step == 8
        assert later.history.batch("step") == list(range(1, 9))


def test_pause_stops_the_step_counter():
    with live() as run:
        assert training(run, 20).step >= 20
        paused = applied(run, run.pause())
        assert paused.state is RunState.PAUSED
        time.sleep(5 * SLICE_S)
        assert run.snapshot.step == paused.step


def test_pause_step_and_reset_are_answered_within_a_slice_while_training():
    with live() as run:
        latencies = []
        for command in (run.pause, lambda: run.step(1), run.reset) * 3:
            training(run)
            started = time.perf_counter()
            applied(run, command())
            latencies.append(time.perf_counter() - started)
        assert sorted(latencies)[len(latencies) // 2] < COMMAND_S, latencies


def test_epoch_trains_to_the_end_of_the_current_epoch():
    with live() as run:  # 100 training samples in batches of 16: 7 steps an epoch
        assert run.snapshot.epoch == 0  # before the first batch
        mid = applied(run, run.step(3))
        assert (mid.batch_in_epoch, mid.epoch) == (3, 1)
        end = applied(run, run.epoch())  # between two epochs, its epoch is the one just done
        assert (end.step, end.epochs_done, end.batch_in_epoch, end.epoch) == (7, 1, 0, 1)
        assert applied(run, run.epoch()).step == 14


def test_reset_rewinds_to_the_initial_weights_of_the_seed():
    with live() as run:
        initial = weights(run)
        training(run, 30)
        reset = applied(run, run.reset())
        assert (reset.step, reset.epochs_done, reset.history.n_batches, reset.history.n_epochs) == (0, 0, 0, 0)
        assert reset.state is RunState.PAUSED
        after = weights(run)
        assert initial.keys() == after.keys()
        assert all(torch.equal(initial[k], after[k]) for k in initial)
        assert reset.evaluation.step == 0


def test_retune_changes_the_optimizer_and_penalty_at_the_next_step_and_keeps_the_run():
    with live(lr=0.03, optimizer="momentum", hyper={"momentum": 0.5}, batch_size=None) as run:
        applied(run, run.step(5))
        before = weights(run)
        run.retune(lr=0.1, optimizer="sgd", hyper={}, l2=0.01)
        snapshot = applied(run, run.step(1))
        assert snapshot.step == 6 and snapshot.config.lr == 0.1
        assert snapshot.history.batch("lr") == [0.03] * 5 + [0.1]
        assert [g["lr"] for g in run.call(lambda trainer: trainer.optimizer.param_groups)] == [0.1]
        # Step 6 is plain SGD at the new rate on loss + l2 * sum W^2: replay it with torch, on the whole
        # training set (full batch, so the shuffled order does not matter).
        model = build_model(snapshot.config.spec)
        model.load_state_dict(before)
        loss = F.cross_entropy(model(GAUSS.x_train), GAUSS.y_train)
        loss = loss + 0.01 * sum(layer.weight.pow(2).sum() for _, layer in linear_layers(model))
        loss.backward()
        after = weights(run)
        for name, p in model.named_parameters():
            torch.testing.assert_close(after[name], (p - 0.1 * p.grad).detach(), atol=1e-6, rtol=1e-5)


def test_retune_refuses_at_once_what_needs_a_new_run_and_invalid_values():
    with live() as run:
        with pytest.raises(ValueError, match="batch_size define"):
            run.retune(batch_size=32)
        with pytest.raises(ValueError, match="learning rate"):
            run.retune(lr=-1.0)
        snapshot = applied(run, run.step(1))
        assert snapshot.config.lr == 0.03 and snapshot.error is None


def test_a_diverging_run_reports_it():
    with live(loss="mse", optimizer="sgd", lr=10.0) as run:
        run.play()
        done = run.wait(lambda s: s.state is RunState.DONE)
        assert done.stop_reason.startswith("diverged at step")
        assert done.goal is None and done.samples_per_second == 0.0


def test_an_exception_in_the_worker_is_shown_in_the_snapshot(monkeypatch):
    def broken(self, seconds):
        raise RuntimeError("the optimizer caught fire")

    with live() as run:
        monkeypatch.setattr(Trainer, "step_for", broken)
        run.play()
        failed = run.wait(lambda s: s.state is RunState.FAILED)
        assert failed.error == "RuntimeError: the optimizer caught fire"
        assert run.alive and failed.goal is None
        monkeypatch.undo()
        recovered = applied(run, run.reset())
        assert recovered.state is RunState.PAUSED and recovered.error is None
        assert training(run, 3).step >= 3


def test_call_returns_the_result_or_raises_the_functions_exception():
    with live() as run:
        assert run.call(lambda trainer: trainer.global_step) == 0
        with pytest.raises(ZeroDivisionError):
            run.call(lambda trainer: 1 / 0)
        assert run.snapshot.error is None


# --- snapshots ----------------------------------------------------------------------------------------------------


def test_snapshots_are_consistent_and_never_change_after_publication():
    with live() as run:
        run.play()
        seen = []
        while len(seen) < 20:
            seen.append(run.wait(lambda s, v=seen[-1].version if seen else 0: s.version > v))
        applied(run, run.pause())
        versions = [s.version for s in seen]
        assert versions == sorted(set(versions))
        for snapshot in seen:
            history = snapshot.history
            frame = history.frame("batch")
            assert len(frame) == history.n_batches == len(history.batch("loss"))
            assert {len(history.batch(name)) for name in frame.columns} == {history.n_batches}
            assert history.batch("step") == list(range(1, history.n_batches + 1))
            assert history.n_batches >= snapshot.step - 1  # a step's record is written when its slice ends
        early = seen[2]
        frozen = early.history.frame("batch")
        applied(run, run.step(10))
        assert early.history.frame("batch").equals(frozen)


def test_live_numbers_are_the_loss_and_accuracy_of_the_evaluation_subset():
    with live() as run:
        snapshot = applied(run, run.step(12))
        evaluation = snapshot.evaluation
        assert evaluation.step == 12 and evaluation.split == "test"
        with torch.no_grad():
            logits = run.call(lambda trainer: trainer.model(GAUSS.x_test[evaluation.rows]))
        labels = GAUSS.y_test[evaluation.rows]
        assert evaluation.loss == pytest.approx(F.cross_entropy(logits, labels).item(), rel=1e-5)
        assert evaluation.accuracy == pytest.approx((logits.argmax(1) == labels).float().mean().item())
        assert (evaluation.predicted == logits.argmax(1).numpy()).all()
        assert (evaluation.labels == labels.numpy()).all()


def test_a_run_shares_the_datasets_memory_and_publishes_read_only_arrays():
    with live() as run:
        snapshot = applied(run, run.step(2))
        assert run.call(lambda trainer: trainer.x_train.data_ptr()) == GAUSS.x_train.data_ptr()
        assert np.shares_memory(snapshot.evaluation.labels, GAUSS.y_test.numpy())
        for array in (snapshot.evaluation.labels, snapshot.evaluation.predicted):
            with pytest.raises(ValueError, match="read-only"):
                array[0] = 0


def test_evaluation_rows_are_an_evenly_spread_view():
    rows = evaluation_rows(10_000, seed=3)
    x = torch.arange(10_000.0)
    assert len(x[rows]) == 1000 and x[rows].untyped_storage().data_ptr() == x.untyped_storage().data_ptr()
    assert (rows.start, rows.step) == (3, 10)
    assert evaluation_rows(250, seed=7) == slice(0, 250, 1)
    assert evaluation_rows(0, seed=7) == slice(0, 0)


def test_train_slice_never_takes_more_than_asked():
    trainer = Trainer(config(), GAUSS)
    assert train_slice(trainer, seconds=10.0, max_steps=13) == 13
    assert train_slice(trainer, seconds=0.0, max_steps=50) >= 1
    assert trainer.global_step == len(trainer.history.batch["step"])


# --- fair sharing -------------------------------------------------------------------------------------------------


def test_the_scheduler_grants_slots_first_come_first_served():
    scheduler = Scheduler(slots=2)
    a, b, c, d = (threading.Event() for _ in range(4))
    assert scheduler.request(a) and scheduler.request(b)
    assert not scheduler.request(c) and not scheduler.request(d)
    assert scheduler.load() == (2, 2)
    scheduler.release(a)
    assert c.is_set() and not d.is_set()
    assert not scheduler.request(a)  # back of the queue, behind d
    scheduler.release(b)
    assert d.is_set() and not scheduler.request(a)
    urgent = threading.Event()
    assert not scheduler.request(urgent, urgent=True)
    scheduler.release(c)
    assert urgent.is_set() and scheduler.load() == (2, 1)


def test_runs_on_one_slot_take_turns_and_all_progress():
    scheduler = Scheduler(slots=1)
    runs = [live(scheduler) for _ in range(3)]
    try:
        for run in runs:
            run.play()
        states = set()
        deadline = time.perf_counter() + 1.5
        while time.perf_counter() < deadline:
            states |= {run.snapshot.state for run in runs}
            assert scheduler.load()[0] <= 1
            time.sleep(0.01)
        steps = [run.snapshot.step for run in runs]
        assert min(steps) > 0.3 * max(steps), steps
        assert {RunState.TRAINING, RunState.WAITING} <= states
        assert training_runs(scheduler) == 3  # what the live areas slow their redraws by
        runs[0].pause()
        runs[0].wait(lambda snapshot: not snapshot.running)
        assert training_runs(scheduler) == 2
    finally:
        for run in runs:
            run.close()


def test_a_run_nobody_watches_pauses_by_itself_and_plays_again_on_play():
    with live() as run:
        run.watch(0.3)
        run.play()
        paused = run.wait(lambda snapshot: snapshot.step > 0 and not snapshot.running, timeout=5.0)
        assert not paused.running and paused.step > 0
        time.sleep(0.2)
        assert run.snapshot.step == paused.step  # it stays paused: no one is looking
        command = run.play()  # a click is someone looking: the lease starts again
        playing = run.wait(lambda snapshot: snapshot.applied >= command and snapshot.step > paused.step, timeout=5.0)
        assert playing.step > paused.step


# --- threads, seeds and shutdown ----------------------------------------------------------------------------------


def built_in_threads(build, n_threads: int, per_thread: int) -> list[int]:
    """Call ``build(seed)`` from ``n_threads`` threads at once; per thread, how many models differ from the seed's."""
    tiny = toy_2d("gauss", n_samples=40, seed=1)
    alone = {seed: build(seed, tiny) for seed in range(n_threads * per_thread)}
    start, wrong = threading.Barrier(n_threads), [0] * n_threads

    def work(i: int) -> None:
        start.wait()
        for seed in range(i * per_thread, (i + 1) * per_thread):
            state = build(seed, tiny)
            wrong[i] += any(not torch.equal(state[k], alone[seed][k]) for k in state)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return wrong


def test_trainers_built_in_several_threads_at_once_get_the_weights_of_their_seeds():
    def build(seed, data):
        return Trainer(TrainConfig(sizes=(2, 4, 2), epochs=1, seed=seed), data).model.state_dict()

    assert built_in_threads(build, n_threads=4, per_thread=200) == [0] * 4


def test_the_latest_model_is_a_copy_of_the_model_as_of_the_last_slice():
    latest = LatestModel()
    assert latest.model is None and latest.step is None
    with LiveRun(config(), GAUSS, scheduler=Scheduler(), observer=latest) as run:
        applied(run, run.step(5))
        assert latest.step == run.snapshot.step == 5
        now = weights(run)
        assert all(torch.equal(latest.model.state_dict()[name], value) for name, value in now.items())
        with torch.no_grad():
            next(latest.model.parameters()).add_(1.0)  # a copy: the run's model stays as it is
        assert all(torch.equal(weights(run)[name], value) for name, value in now.items())
        first = latest.model
        applied(run, run.step(3))
        assert latest.step == 8 and latest.model is not first


def threads_named(name: str) -> int:
    return sum(thread.name == name for thread in threading.enumerate())


def test_close_joins_the_worker_and_a_forgotten_run_stops_by_itself():
    # Counted by thread name: runs left by other tests may stop while this one runs.
    run = LiveRun(config(), GAUSS, scheduler=Scheduler(), name="closed-run")
    training(run)
    assert threads_named("closed-run") == 1
    assert run.close()
    assert not run.alive and run.snapshot.state is RunState.CLOSED
    assert threads_named("closed-run") == 0
    forgotten = LiveRun(config(), GAUSS, scheduler=Scheduler(), name="forgotten-run")
    training(forgotten)
    del forgotten
    gc.collect()
    deadline = time.monotonic() + 2.0
    while threads_named("forgotten-run") and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threads_named("forgotten-run") == 0


TWO_RUNS_TRAINING = """
import sys, time
from nnviz.live import LiveRun, install_shutdown_handler
from nnviz.toys import toy_2d
from nnviz.training import TrainConfig

data = toy_2d("spiral", n_samples=400, seed=0)
runs = [LiveRun(TrainConfig(sizes=(2, 64, 64, 2), batch_size=8, epochs=5_000, seed=s), data) for s in (1, 2)]
for run in runs:
    run.play()
for run in runs:
    run.wait(lambda s: s.step > 0, timeout=30)
"""
LAUNCHERS = {
    # A plain process: the handler turns SIGTERM into a normal exit, whose atexit hook joins the workers.
    "python": 'assert install_shutdown_handler()\nprint("ready", flush=True)\ntime.sleep(60)\n',
    # `streamlit run`: Streamlit installs its own SIGTERM handler (stop the server); the process then exits
    # normally and the atexit hook joins the workers, with nothing installed by the app.
    "streamlit": (
        "from streamlit.web import cli\n"
        "sys.argv = ['streamlit', 'run', sys.argv[1], '--server.headless=true', '--server.address=127.0.0.1',\n"
        "            f'--server.port={sys.argv[2]}', '--browser.gatherUsageStats=false']\n"
        "cli.main()\n"
    ),
}
READY = {"python": "ready", "streamlit": "URL:"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("launcher", LAUNCHERS)
def test_sigterm_while_two_runs_train_exits_cleanly(tmp_path, launcher):
    """The issue saw SIGABRT ("terminate called without an active exception") on SIGTERM while training."""
    page = tmp_path / "page.py"
    page.write_text("import streamlit as st\nst.write('hello')\n")
    process = subprocess.Popen(
        [sys.executable, "-c", TWO_RUNS_TRAINING + LAUNCHERS[launcher], str(page), str(free_port())],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(90, process.kill)
    watchdog.start()
    try:
        for line in process.stdout:
            if READY[launcher] in line:
                break
        time.sleep(0.5)  # the runs keep training
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    finally:
        watchdog.cancel()
        process.kill()
    assert "terminate called" not in stderr
    assert process.returncode == 0, stderr


def test_an_observer_records_histograms_while_training_and_starts_over_after_a_reset():
    histograms = TrainingHistograms(period_s=0.0)
    with LiveRun(config(), GAUSS, scheduler=Scheduler(), observer=histograms) as run:
        applied(run, run.step(30))
        recorder = histograms.recorder
        assert recorder is not None and recorder.steps and recorder.steps[-1] == 30
        weights_now = run.call(lambda trainer: trainer.model.fc1.weight.detach().clone())
        series = recorder.series("weight", "fc1")
        expected = np.histogram(weights_now.numpy(), bins=series.edges)[0] / weights_now.numel()
        np.testing.assert_allclose(series.shares[-1], expected, atol=1e-6)  # the histogram of exactly these weights
        applied(run, run.reset())
        applied(run, run.step(5))
        assert histograms.recorder is not recorder and histograms.recorder.steps[-1] == 5


def test_the_histograms_record_on_the_training_threads_time_so_runs_sharing_a_process_record_less_often_each():
    trainer = Trainer(config(), GAUSS)
    histograms = TrainingHistograms(period_s=0.05)
    histograms(trainer)
    assert histograms.recorder.steps == [0]
    trainer.step()
    time.sleep(0.1)  # the thread idles (another run trains): a wall-time period would record again
    histograms(trainer)
    assert histograms.recorder.steps == [0]
    busy_until = time.thread_time() + 0.06
    while time.thread_time() < busy_until:  # this run's own training time
        trainer.step()
    histograms(trainer)
    assert histograms.recorder.steps == [0, trainer.global_step]
