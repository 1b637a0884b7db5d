"""nnviz.trainer_process: runs trained in the trainer process look, answer and fail as nnviz.live's runs do."""

from __future__ import annotations

import gc
import os
import signal

import pytest
import torch

from nnviz.inspection import TrainingHistograms
from nnviz.live import LatestModel, RunState, model_copy, on_model
from nnviz.network_view import Pick, parameter, set_parameter
from nnviz.toys import toy_2d
from nnviz.trainer_process import RemoteRun, TrainerProcess, training_runs
from nnviz.training import TrainConfig, Trainer

GAUSS = toy_2d("gauss", n_samples=200, noise=0.1, seed=1)


def config(**settings) -> TrainConfig:
    return TrainConfig(**({"sizes": (2, 8, 2), "batch_size": 16, "epochs": 500, "lr": 0.03} | settings))


@pytest.fixture(scope="module")
def process():
    """A trainer process of this module's own (not the app's)."""
    trainer_process = TrainerProcess()
    yield trainer_process
    trainer_process.stop()


def stepped(run: RemoteRun, n: int):
    command = run.step(n)
    return run.wait(lambda s: s.applied >= command and not s.running, timeout=30)


def test_a_run_there_takes_the_steps_asked_with_the_history_and_weights_of_the_same_run_here(process):
    with RemoteRun(config(seed=3), GAUSS, process=process) as run:
        snapshot = stepped(run, 25)
        here = Trainer(config(seed=3), GAUSS)
        here.step(25)
        assert (snapshot.step, snapshot.state) == (25, RunState.PAUSED)
        assert snapshot.history.batch("loss") == here.history.batch["loss"]  # every record came over, in order
        for name, records in here.history.batch.items():
            if name != "seconds":  # wall time differs
                assert snapshot.history.batch(name) == records, name
        assert snapshot.history.epoch("loss") == here.history.epoch["loss"]
        theirs = run.call(model_copy).state_dict()
        for name, tensor in here.model.state_dict().items():
            torch.testing.assert_close(theirs[name], tensor, rtol=0, atol=0)
        assert snapshot.evaluation is not None and snapshot.evaluation.step == 25


def test_reset_starts_a_new_history_from_the_initial_weights_of_the_seed(process):
    with RemoteRun(config(seed=5), GAUSS, process=process) as run:
        before = stepped(run, 10)
        command = run.reset()
        after = run.wait(lambda s: s.applied >= command, timeout=30)
        assert after.step == 0 and after.history.n_batches == 0
        assert before.history.n_batches == 10 and len(before.history.batch("loss")) == 10  # old snapshots stay
        initial = Trainer(config(seed=5), GAUSS).model.state_dict()
        theirs = run.call(model_copy).state_dict()
        assert all(torch.equal(theirs[name], tensor) for name, tensor in initial.items())
        assert stepped(run, 3).history.batch("step") == [1, 2, 3]


def test_play_trains_and_pause_stops_it(process):
    with RemoteRun(config(), GAUSS, process=process) as run:
        run.play()
        training = run.wait(lambda s: s.state is RunState.TRAINING and s.step > 50, timeout=30)
        assert training.step > 50 and training_runs(process) >= 1
        command = run.pause()
        paused = run.wait(lambda s: s.applied >= command and not s.running, timeout=30)
        assert paused.state is RunState.PAUSED and run.snapshot.step == paused.step


def test_observers_run_there_and_what_they_share_comes_back(process):
    latest = LatestModel()
    with RemoteRun(config(seed=2), GAUSS, observer=latest, process=process) as run:
        snapshot = stepped(run, 7)
        assert latest.step == 7
        assert all(
            torch.equal(a, b)
            for a, b in zip(latest.model.state_dict().values(), run.call(model_copy).state_dict().values(), strict=True)
        )
    histograms = TrainingHistograms(period_s=0.0)
    with RemoteRun(config(), GAUSS, observer=histograms, process=process) as run:
        stepped(run, 4)
        assert histograms.recorder is not None and histograms.recorder.steps[-1] == 4
        assert not hasattr(histograms.recorder, "probe_x")  # it came without its probe batch
    assert snapshot.step == 7


def test_calls_return_results_raise_errors_and_change_the_model(process):
    with RemoteRun(config(), GAUSS, process=process) as run:
        assert run.call(lambda trainer: trainer.global_step + 40) == 40  # a lambda travels too (cloudpickle)
        with pytest.raises(ZeroDivisionError):
            run.call(lambda trainer: 1 / 0)
        pick = Pick("weight", 1, 0, 1)
        old = run.call(on_model(set_parameter, pick, 1.25))
        assert old != 1.25 and parameter(run.call(model_copy), pick) == 1.25
        with pytest.raises(TypeError):  # a function that cannot be sent is refused here, and nothing is sent
            run.call(lambda trainer, lock=process._lock: lock)
        assert stepped(run, 2).step == 2  # and the command ids still match the run's there


def test_bad_settings_raise_at_once(process):
    with pytest.raises(ValueError, match="inputs"):
        RemoteRun(config(sizes=(3, 2)), GAUSS, process=process)
    with RemoteRun(config(), GAUSS, process=process) as run:
        with pytest.raises(ValueError):
            run.retune(lr=-1.0)
        command = run.retune(lr=0.5)
        assert run.wait(lambda s: s.applied >= command, timeout=30).config.lr == 0.5


def test_close_ends_the_run_there():
    process = TrainerProcess()
    try:
        run = RemoteRun(config(), GAUSS, process=process)
        run.play()
        assert run.close(timeout=10) and run.snapshot.state is RunState.CLOSED
        assert process.alive
    finally:
        process.stop()
    assert not process.alive


def test_if_the_trainer_process_dies_its_runs_say_so_and_the_next_run_starts_a_new_one():
    process = TrainerProcess()
    try:
        run = RemoteRun(config(), GAUSS, process=process)
        run.play()
        run.wait(lambda s: s.step > 0, timeout=30)
        os.kill(process._process.pid, signal.SIGKILL)
        failed = run.wait(lambda s: s.state is RunState.FAILED, timeout=30)
        assert failed.state is RunState.FAILED and "trainer process stopped" in failed.error
        with pytest.raises(RuntimeError, match="stopped"):
            run.call(model_copy, timeout=10)
        with RemoteRun(config(), GAUSS, process=process) as again:
            assert stepped(again, 3).step == 3
    finally:
        process.stop()


def test_the_trainer_process_scans_none_of_torchs_objects_in_a_full_collection():
    """torch and the optimizers' torch._dynamo (350,000 objects) are frozen before the first run (nnviz.heap):
    what a full collection there scans is what the run made."""
    process = TrainerProcess()
    try:
        with RemoteRun(config(seed=2), GAUSS, process=process) as run:
            stepped(run, 5)
            frozen, tracked = run.call(lambda trainer: (gc.get_freeze_count(), len(gc.get_objects())))  # counted there
        assert frozen > 300_000
        assert tracked < 10_000  # 391 after the 5 steps; unfrozen, torch's 350,000
    finally:
        process.stop()
