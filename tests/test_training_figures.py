"""Training figures: learning curves and gradient norms read the history exactly; decision regions; confusion matrix."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

from nnviz.datasets import load_dataset
from nnviz.figures import training as figures
from nnviz.figures.data import image_grid
from nnviz.figures.style import validated
from nnviz.playground import playground_config
from nnviz.training import TrainConfig, Trainer


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(playground_config((6,), "tanh", "adam", 0.05, 20, 3), load_dataset("moons", noise=0.1))
    trainer.run()
    return trainer


def _traces(fig) -> dict:
    return {trace.name: trace for trace in fig.data}


def test_ema_is_the_bias_corrected_moving_average():
    values = np.random.default_rng(0).normal(size=50)
    m, expected = 0.0, []
    for t, v in enumerate(values, start=1):
        m = 0.8 * m + 0.2 * v
        expected.append(m / (1 - 0.8**t))
    np.testing.assert_allclose(figures.ema(values, 0.8), expected)
    np.testing.assert_allclose(figures.ema(values, 0.0), values)
    assert figures.ema(values, 0.9)[0] == pytest.approx(values[0])  # no pull towards 0 at the start
    with pytest.raises(ValueError, match="smoothing weight"):
        figures.ema(values, 1.0)


def test_thin_keeps_small_series_and_the_last_point():
    assert list(figures.thin(5, 10)) == [0, 1, 2, 3, 4]
    rows = figures.thin(10_000, 100)
    assert len(rows) <= 101 and rows[0] == 0 and rows[-1] == 9_999 and np.all(np.diff(rows) > 0)


def test_learning_curves_before_training_have_axes_and_empty_traces():
    trainer = Trainer(TrainConfig(sizes=(2, 4, 2)), load_dataset("xor"))
    batch, epoch = trainer.history.frame("batch"), trainer.history.frame("epoch")
    fig = figures.learning_curves(batch, epoch, trainer.batches_per_epoch, loss_name="cross-entropy")
    assert len(fig.data) == 4 and all(len(trace.x) == 0 for trace in fig.data)
    assert fig.layout.title.text == "Loss"
    assert fig.layout.xaxis.title.text == "epoch" and fig.layout.yaxis.title.text == "cross-entropy loss"
    grads = figures.gradient_norms(batch, ["fc1", "fc2"], trainer.batches_per_epoch)
    for empty in (fig, grads):  # an empty plot says how to start, instead of looking broken
        assert [note.text for note in empty.layout.annotations] == [figures.BEFORE_TRAINING]


def test_the_start_hint_goes_once_training_has_begun(trained):
    batch, epoch = trained.history.frame("batch"), trained.history.frame("epoch")
    assert not figures.learning_curves(batch, epoch, trained.batches_per_epoch).layout.annotations
    layers = [name.removeprefix("grad_norm/") for name in batch.columns if name.startswith("grad_norm/")]
    assert not figures.gradient_norms(batch, layers, trained.batches_per_epoch).layout.annotations


def test_loss_curves_are_the_history(trained):
    batch, epoch = trained.history.frame("batch"), trained.history.frame("epoch")
    fig = figures.learning_curves(batch, epoch, trained.batches_per_epoch, smoothing=0.5)
    traces = _traces(fig)
    raw, smooth = fig.data[0], traces["batches (smoothed)"]
    np.testing.assert_allclose(raw.y, trained.history.batch["loss"])
    np.testing.assert_allclose(raw.x, np.arange(1, trained.global_step + 1) / trained.batches_per_epoch)
    np.testing.assert_allclose(smooth.y, figures.ema(trained.history.batch["loss"], 0.5))
    assert list(traces["train (epoch)"].x) == [1, 2, 3]
    np.testing.assert_allclose(traces["train (epoch)"].y, trained.history.epoch["loss"])
    np.testing.assert_allclose(traces["test (epoch)"].y, trained.history.epoch["test_loss"])
    assert raw.x[trained.batches_per_epoch - 1] == pytest.approx(1.0)  # the last batch of epoch 1 sits at x = 1


def test_accuracy_curves_are_in_percent_without_legend(trained):
    batch, epoch = trained.history.frame("batch"), trained.history.frame("epoch")
    fig = figures.learning_curves(batch, epoch, trained.batches_per_epoch, metric="accuracy", legend=False)
    np.testing.assert_allclose(_traces(fig)["test (epoch)"].y, 100 * np.array(trained.history.epoch["test_accuracy"]))
    assert fig.layout.yaxis.range == (0, 101) and fig.layout.yaxis.ticksuffix == " %"
    assert fig.layout.showlegend is False and fig.layout.title.text == "Accuracy"
    with pytest.raises(ValueError, match="metric"):
        figures.learning_curves(batch, epoch, 1, metric="f1")


def test_long_histories_are_thinned_for_drawing():
    steps = 10_000
    batch = {"step": np.arange(1, steps + 1), "loss": np.linspace(2, 0, steps), "accuracy": np.zeros(steps)}
    epoch = pd.DataFrame({"epoch": [], "loss": [], "test_loss": []})
    fig = figures.learning_curves(pd.DataFrame(batch), epoch, 100)
    assert len(fig.data[0].y) <= figures.MAX_POINTS + 1 and fig.data[0].y[-1] == 0.0


def test_gradient_norms_one_log_line_per_layer(trained):
    fig = figures.gradient_norms(trained.history.frame("batch"), trained.history.layer_names, trained.batches_per_epoch)
    assert [trace.name for trace in fig.data] == ["layer 1 (fc1)", "layer 2 (fc2)"]
    np.testing.assert_allclose(fig.data[1].y, figures.ema(trained.history.batch["grad_norm/fc2"], 0.6))
    assert fig.layout.yaxis.type == "log" and "log" in fig.layout.yaxis.title.text


def test_log_ticks_are_one_two_five_around_the_values():
    assert figures.log_ticks([0.03, 0.4]) == pytest.approx([0.02, 0.05, 0.1, 0.2, 0.5])
    assert figures.log_ticks([]) == [] and figures.log_ticks([0.0, float("nan")]) == []


def test_gradient_norms_match_autograd():
    # a batch larger than the data: one full batch, whose order does not change the mean loss's gradient
    trainer = Trainer(playground_config((3,), "relu", "sgd", 0.1, 400, 1), load_dataset("xor"))
    model = trainer.model
    loss = torch.nn.functional.cross_entropy(model(trainer.x_train), trainer.y_train)
    loss.backward()
    expected = model.fc1.weight.grad.norm().item()
    model.zero_grad()
    trainer.step(1)
    assert trainer.history.batch["grad_norm/fc1"][0] == pytest.approx(expected, rel=1e-5)


def test_decision_boundary_draws_probabilities_boundary_and_both_splits(trained):
    gx, gy, proba = trained.decision_grid(resolution=30)
    data = trained.data
    fig = figures.decision_boundary(gx, gy, proba[..., 1], data.x_train, data.y_train, data.x_test, data.y_test)
    heatmap = fig.data[0]
    assert heatmap.type == "heatmap" and np.asarray(heatmap.z).shape == (30, 30)
    assert (heatmap.zmin, heatmap.zmax) == (0.0, 1.0)
    assert any(trace.type == "contour" for trace in fig.data)
    points = {trace.name: len(trace.x) for trace in fig.data if trace.type == "scatter"}
    assert points["class 0 (train)"] + points["class 1 (train)"] == data.n_train
    assert points["class 0 (test)"] + points["class 1 (test)"] == data.n_test
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.xaxis.title.text == "x₁"
    assert fig.layout.title.text == "Decision regions"


def test_decision_boundary_without_a_boundary_or_test_split():
    gx = gy = np.linspace(-1, 1, 5)
    fig = figures.decision_boundary(gx, gy, np.full((5, 5), 0.9), np.zeros((3, 2)), np.array([0, 1, 1]))
    assert [trace.type for trace in fig.data] == ["heatmap", "scatter", "scatter"]


def test_confusion_counts_match_sklearn():
    rng = np.random.default_rng(1)
    truth, guess = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    np.testing.assert_array_equal(
        figures.confusion_counts(truth, guess, 4), sklearn_confusion_matrix(truth, guess, labels=range(4))
    )
    with pytest.raises(ValueError, match="predictions"):
        figures.confusion_counts(truth, guess[:10], 4)


def test_confusion_matrix_figure():
    truth, guess = np.array([0, 0, 1, 2, 2, 2]), np.array([0, 1, 1, 2, 2, 0])
    fig = figures.confusion_matrix(truth, guess, ("cat", "dog", "bird"), title="Test")
    heatmap = fig.data[0]
    np.testing.assert_array_equal(np.asarray(heatmap.text), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    np.testing.assert_allclose(np.asarray(heatmap.z)[2], [1 / 3, 0, 2 / 3])  # shares of the true class
    assert list(heatmap.x) == ["cat", "dog", "bird"] and fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.title.text == "predicted class" and fig.layout.yaxis.title.text == "true class"
    assert fig.layout.title.text == "Test"


@pytest.mark.parametrize("when", ["before", "after"])
def test_live_figures_are_valid_plotly(trained, when):
    """The live figures are built without plotly's validation (style.figure): plotly must accept every property."""
    trainer = trained if when == "after" else Trainer(TrainConfig(sizes=(2, 6, 2)), load_dataset("moons"))
    batch, epoch = trainer.history.frame("batch"), trainer.history.frame("epoch")
    labels = trainer.y_test.numpy()
    for fig in (
        figures.learning_curves(batch, epoch, trainer.batches_per_epoch),
        figures.learning_curves(batch, epoch, trainer.batches_per_epoch, metric="accuracy", legend=False),
        figures.gradient_norms(batch, trainer.history.layer_names, trainer.batches_per_epoch),
        figures.confusion_matrix(labels, labels[::-1], ["a", "b"]),
        image_grid(np.random.default_rng(0).random((4, 9)), labels[:4], image_shape=(3, 3), predictions=labels[:4]),
    ):
        valid = validated(fig)  # raises ValueError for any property plotly does not know
        assert json.loads(valid.layout.to_json()) == json.loads(fig.layout.to_json())
        assert [trace.type for trace in valid.data] == [trace["type"] for trace in fig.to_dict()["data"]]


def test_curves_from_a_live_view_equal_those_from_the_history_frame(trained):
    from nnviz.live import HistoryView

    view = HistoryView.of(trained.history)
    per_epoch = trained.batches_per_epoch
    from_frame = figures.learning_curves(trained.history.frame("batch"), trained.history.frame("epoch"), per_epoch)
    from_view = figures.learning_curves(view.columns("batch"), view.columns("epoch"), per_epoch)
    for a, b in zip(from_frame.data, from_view.data, strict=True):
        np.testing.assert_array_equal(a.y, b.y)
    grads = figures.gradient_norms(view.columns("batch"), trained.history.layer_names, per_epoch)
    assert [len(trace.y) for trace in grads.data] == [len(from_frame.data[0].y)] * len(trained.history.layer_names)
