"""AppTest of the Train page: the buttons drive a real run in its background worker, the numbers shown are its
numbers, the learning rate changes the run without resetting it, every tutorial opens (MNIST from tiny IDX files,
or the digits fallback, or a download), and the tutorial's numbers sit beside this run's."""

from __future__ import annotations

import base64

import numpy as np
import pytest
import streamlit as st

from nnviz import image_files
from nnviz.live import LiveRun
from nnviz.trainer_process import RemoteRun, TrainerProcess
from tests.apptest import open_page, plotly_specs
from tests.image_fixtures import serve_mnist, write_mnist

PAGE = "app_pages/train.py"


def values(field) -> list[float]:
    """A plotly JSON array: a list, or numpy's typed array as {"dtype", "bdata"} (base64)."""
    if isinstance(field, dict):
        return np.frombuffer(base64.b64decode(field["bdata"]), dtype=field["dtype"]).tolist()
    return list(field)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def run_of(at) -> LiveRun | RemoteRun:
    return at.session_state["train_run"]


def settled(at, until=lambda snapshot: not snapshot.running, timeout: float = 60.0):
    """Wait until the run's published snapshot satisfies ``until``, then rerun the page (one fragment tick)."""
    snapshot = run_of(at).wait(until, timeout)
    assert until(snapshot), "the run did not get there in time"
    return at.run()


def chart(at, title: str) -> dict:
    return next(spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"] == title)


@pytest.fixture
def tiny_mnist(monkeypatch, tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw")
    monkeypatch.setenv("NNVIZ_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.fixture
def at(tiny_mnist):
    page = open_page(PAGE)
    yield page
    run_of(page).close()


def test_first_load_draws_empty_charts_and_zero_metrics(at):
    assert not at.exception and not at.error
    titles = {spec["layout"]["title"]["text"] for spec in plotly_specs(at)}
    assert {"Loss", "Accuracy", "Gradient norm per layer"} <= titles
    shown = metrics(at)
    assert (shown["Step"], shown["Train loss (last batch)"]) == ("0", "—")
    assert "torch.optim.Adam(model.parameters(), lr=0.001)" in at.get("code")[0].value
    assert run_of(at).snapshot.config.sizes == (784, 128, 10)


def test_batch_shows_the_runs_own_numbers(at):
    for _ in range(3):
        at.button(key="train_step").click().run()
    at = settled(at, lambda s: s.step == 3 and not s.running)
    history = run_of(at).snapshot.history
    shown = metrics(at)
    assert shown["Step"] == "3"
    assert shown["Train loss (last batch)"] == f"{history.batch('loss')[-1]:.4f}"
    evaluation = run_of(at).snapshot.evaluation
    assert shown["Test loss"] == f"{evaluation.loss:.4f}"
    assert "10 test samples" in next(m for m in at.metric if m.label == "Test loss").help
    assert values(chart(at, "Loss")["data"][0]["y"]) == pytest.approx(history.batch("loss"))


def test_epoch_then_play_then_pause_then_reset(at):
    at.button(key="train_epoch").click().run()
    at = settled(at)
    snapshot = run_of(at).snapshot
    assert (snapshot.epochs_done, snapshot.batch_in_epoch) == (1, 0)
    test_points = next(trace for trace in chart(at, "Loss")["data"] if trace["name"] == "test (epoch)")
    assert values(test_points["y"]) == pytest.approx(snapshot.history.epoch("test_loss"))
    at.number_input(key="train_epochs").set_value(500).run()  # long enough to catch it playing
    at.button(key="train_play").click().run()
    assert run_of(at).snapshot.running and at.button(key="train_pause")  # the button says Pause now
    at.button(key="train_pause").click().run()
    at = settled(at)
    paused_at = run_of(at).snapshot.step
    assert paused_at > snapshot.step and metrics(at)["Step"] == f"{paused_at:,}"
    at.button(key="train_reset").click().run()
    at = settled(at, lambda s: s.step == 0)
    assert metrics(at)["Step"] == "0"


def test_pause_reruns_the_page_once_not_once_per_live_area(at, monkeypatch):
    """The click's own rerun draws every live area stopped: none of them reruns the page again (each did, so a
    Pause ran the page four times)."""
    reruns = []
    rerun = st.rerun
    monkeypatch.setattr(st, "rerun", lambda *args, **kwargs: (reruns.append(args), rerun(*args, **kwargs)))
    at.number_input(key="train_epochs").set_value(500).run()
    at.button(key="train_play").click().run()
    assert run_of(at).snapshot.running
    at.button(key="train_pause").click().run()
    assert not run_of(at).snapshot.running and at.button(key="train_play")
    assert reruns == []


def test_runs_train_in_the_trainer_process_or_here_when_it_cannot_start(tiny_mnist, monkeypatch):
    page = open_page(PAGE)
    try:
        assert isinstance(run_of(page), RemoteRun)
    finally:
        run_of(page).close()

    def cannot_start(self) -> None:
        raise OSError("no processes here")

    monkeypatch.setattr(TrainerProcess, "_start", cannot_start)
    page = open_page(PAGE)
    try:
        assert isinstance(run_of(page), LiveRun) and not page.exception
        page.button(key="train_step").click().run()
        page = settled(page, lambda s: s.step == 1 and not s.running)
        assert metrics(page)["Step"] == "1"
    finally:
        run_of(page).close()


def test_the_learning_rate_changes_the_run_from_its_next_step_without_a_reset(at):
    at.button(key="train_step").click().run()
    at = settled(at, lambda s: s.step == 1 and not s.running)
    before = run_of(at)
    at.select_slider(key="train_lr").set_value(0.01).run()
    assert run_of(at) is before  # the same run, retuned
    at = settled(at, lambda s: s.config.lr == 0.01)
    assert run_of(at).snapshot.step == 1
    assert run_of(at).call(lambda trainer: trainer.optimizer.param_groups[0]["lr"]) == 0.01
    at.selectbox(key="train_tutorial").set_value("004").run()  # another tutorial is another run
    assert run_of(at) is not before and run_of(at).snapshot.step == 0 and not before.alive


@pytest.mark.parametrize("tutorial", ["000", "001", "002", "003", "004"])
def test_every_tutorial_opens_and_trains(at, tutorial):
    at.selectbox(key="train_tutorial").set_value(tutorial).run()
    assert not at.exception and not at.error
    assert plotly_specs(at)
    at.button(key="train_step").click().run()
    at = settled(at, lambda s: s.step == 1)
    assert not at.exception


def test_a_finished_mnist_run_shows_the_tutorials_numbers_beside_its_own_naming_each_dataset(at):
    assert run_of(at).snapshot.config.sizes == (784, 128, 10)
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]
    assert "Test images and the network's guesses (wrong: true → guess, in red)" in titles
    at.button(key="train_play").click().run()
    at = settled(at)
    assert run_of(at).snapshot.epochs_done == 5 and not at.exception
    table = at.dataframe[0].value
    assert list(table.columns) == ["result", "tutorial (MNIST)", "this run (MNIST)"]
    assert list(table["result"])[-1] == "test accuracy" and list(table["tutorial (MNIST)"])[-1] == "97.68%"
    assert any("Done: 5 epochs" in s.value for s in at.success)
    assert at.button(key="train_play").disabled and at.button(key="train_step").disabled


def test_missing_mnist_falls_back_and_offers_a_download(monkeypatch, tmp_path):
    monkeypatch.setenv("NNVIZ_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(image_files, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))  # hide Debian's Fashion-MNIST
    at = open_page(PAGE)
    at.selectbox(key="train_tutorial").set_value("004").run()
    assert not at.exception
    assert run_of(at).snapshot.config.sizes == (64, 50, 10)
    assert any("8x8 digits" in info.value for info in at.info)
    with serve_mnist(monkeypatch, tmp_path / "served"):
        at.button(key="train_download").click().run()
    assert not at.exception and not at.error
    assert run_of(at).snapshot.config.sizes == (784, 50, 10)
    assert not any("8x8 digits" in info.value for info in at.info)
    run_of(at).close()


def test_offline_the_download_fails_quickly_and_the_digits_stay(monkeypatch, tmp_path):
    from tests.image_fixtures import refused_url

    monkeypatch.setenv("NNVIZ_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(image_files, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))
    import torchvision

    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [refused_url()])
    at = open_page(PAGE)
    at.button(key="train_download").click().run()
    assert not at.exception
    assert any("failed to download" in e.value for e in at.error)
    assert run_of(at).snapshot.config.sizes == (64, 128, 10)
    run_of(at).close()
