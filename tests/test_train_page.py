"""AppTest of the Train page: Step / Epoch / Play / Pause drive a real Trainer, the numbers shown are its numbers,
every tutorial preset opens (MNIST from tiny IDX files, or the digits fallback), and bad input is explained."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from nnviz import image_files
from tests.apptest import open_page, plotly_specs
from tests.image_fixtures import write_mnist

PAGE = "app_pages/train.py"


def values(field) -> list[float]:
    """A plotly JSON array: a list, or numpy's typed array as {"dtype", "bdata"} (base64)."""
    if isinstance(field, dict):
        return np.frombuffer(base64.b64decode(field["bdata"]), dtype=field["dtype"]).tolist()
    return list(field)


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def trainer(at):
    return at.session_state["train_net"]


def run_until_idle(at, max_ticks: int = 40):
    """Each at.run() is one tick of the live fragment (AppTest runs no timers)."""
    for _ in range(max_ticks):
        if at.session_state["train_goal"] is None:
            return at
        at.run()
    raise AssertionError("training did not stop")


@pytest.fixture(scope="module")
def at():
    return open_page(PAGE)


def test_first_load_draws_empty_charts_and_zero_metrics(at):
    assert not at.exception and not at.error
    charts = {spec["layout"]["title"]["text"] for spec in plotly_specs(at)}
    assert {"Loss", "Accuracy", "Gradient norm per layer"} <= charts
    assert any(title.startswith("Decision regions") for title in charts)
    shown = metrics(at)
    assert (shown["Step"], shown["Epochs done"], shown["Train loss (last batch)"]) == ("0", "0", "—")
    assert "torch.optim.Adam(model.parameters(), lr=0.03)" in at.get("code")[0].value


def test_step_shows_the_trainers_own_numbers(at):
    for _ in range(3):
        at.button(key="train_step").click().run()
    assert not at.exception
    t = trainer(at)
    assert t.global_step == 3 and len(t.history.batch["loss"]) == 3
    shown = metrics(at)
    assert shown["Step"] == "3"
    assert shown["Train loss (last batch)"] == f"{t.history.batch['loss'][-1]:.4f}"
    test_loss, test_accuracy = t.evaluate("test")
    assert shown["Test loss"] == f"{test_loss:.4f}" and shown["Test accuracy"] == f"{100 * test_accuracy:.1f} %"
    loss_chart = next(spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"] == "Loss")
    assert values(loss_chart["data"][0]["y"]) == pytest.approx(t.history.batch["loss"])


def test_epoch_trains_to_the_end_of_the_epoch(at):
    at.button(key="train_epoch").click().run()
    run_until_idle(at)
    t = trainer(at)
    assert (t.epochs_done, t.batch_in_epoch, t.global_step) == (1, 0, t.batches_per_epoch)
    assert metrics(at)["Epochs done"] == "1"
    loss_chart = next(spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"] == "Loss")
    test_points = next(trace for trace in loss_chart["data"] if trace["name"] == "test (epoch)")
    assert values(test_points["y"]) == pytest.approx(t.history.epoch["test_loss"])


def test_play_then_pause(at):
    at.button(key="train_play").click().run()
    at.run()
    t = trainer(at)
    playing_steps = t.global_step
    assert playing_steps > t.batches_per_epoch and at.session_state["train_goal"] == "play"
    assert at.button(key="train_play").disabled and not at.button(key="train_pause").disabled
    at.button(key="train_pause").click().run()
    paused_at = t.global_step
    at.run()
    assert trainer(at).global_step == paused_at and at.session_state["train_goal"] is None
    assert metrics(at)["Step"] == f"{paused_at:,}"


def test_reset_starts_over(at):
    at.button(key="train_reset").click().run()
    assert trainer(at).global_step == 0 and metrics(at)["Step"] == "0"


def test_a_setting_change_rebuilds_the_trainer_and_the_listing(at):
    at.selectbox(key="train_toy").set_value("spiral")
    at.text_input(key="train_hidden").set_value("6").run()
    assert not at.exception
    t = trainer(at)
    assert t.config.sizes == (2, 6, 2) and t.data.name == "spiral" and t.global_step == 0
    assert 'load_dataset("spiral"' in at.get("code")[0].value


def test_a_diverging_learning_rate_stops_with_a_clear_error():
    at = open_page(PAGE)
    at.selectbox(key="train_activation").set_value("linear")
    at.selectbox(key="train_optimizer").set_value("sgd")
    at.select_slider(key="train_lr").set_value(10.0).run()
    at.button(key="train_play").click().run()
    run_until_idle(at)
    t = trainer(at)
    assert t.stop_reason.startswith("diverged")
    assert not at.exception
    assert any(
        f"diverged at step {t.global_step}" in e.value and "lower the learning rate" in e.value for e in at.error
    )
    assert len(plotly_specs(at)) >= 4  # the charts stay
    assert at.button(key="train_play").disabled


@pytest.mark.parametrize(
    ("text", "message"),
    [("8, x", "positive whole numbers"), ("3000, 3000", "the limit here is 5,000,000")],
)
def test_bad_architectures_are_explained(text, message):
    at = open_page(PAGE)
    at.text_input(key="train_hidden").set_value(text).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)


@pytest.fixture
def tiny_mnist(monkeypatch, tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw")
    monkeypatch.setenv("NNVIZ_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


@pytest.mark.parametrize("preset", ["000", "001", "002", "003", "004"])
def test_every_tutorial_preset_opens_and_trains(tiny_mnist, preset):
    at = open_page(PAGE)
    at.selectbox(key="train_preset").set_value(preset).run()
    assert not at.exception and not at.error
    assert plotly_specs(at)
    at.button(key="train_step").click().run()
    assert trainer(at).global_step == 1 and not at.exception


def test_mnist_preset_runs_to_the_end_and_compares_with_the_tutorial(tiny_mnist):
    at = open_page(PAGE)
    at.selectbox(key="train_preset").set_value("002").run()
    assert trainer(at).data.name == "mnist"
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]
    assert "Test images: true → predicted (red when wrong)" in titles and "Confusion matrix (test)" in titles
    at.button(key="train_play").click().run()
    run_until_idle(at)
    assert trainer(at).epochs_done == 5 and not at.exception
    table = at.dataframe[0].value
    assert list(table["result"])[-1] == "test accuracy" and list(table["tutorial"])[-1] == "97.68%"
    assert any("Done: 5 epochs" in s.value for s in at.success)


def test_missing_mnist_falls_back_with_a_message(monkeypatch, tmp_path):
    monkeypatch.setenv("NNVIZ_DATA", str(tmp_path / "empty"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(image_files, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))  # hide the system's Fashion-MNIST
    at = open_page(PAGE)
    at.selectbox(key="train_preset").set_value("004").run()
    assert not at.exception
    assert trainer(at).data.name == "digits" and trainer(at).config.sizes == (64, 50, 10)
    assert any("8x8 digits" in info.value for info in at.info)
