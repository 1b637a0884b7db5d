"""AppTest of the Inside-the-MNIST-network page: a drawn 7 is read by the Train page's live model; the weights,
the gallery, a confusion cell, the histograms; save and load, and a malicious file refused without running it."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

from nnviz import checkpoints, inspection
from nnviz.drawing import prepare_drawing
from nnviz.models import Mnist_NN
from nnviz.training import MAX_EPOCHS
from tests.apptest import click, open_page, plotly_specs
from tests.drawn_digits import stroke_canvas
from tests.image_fixtures import write_mnist
from tests.test_checkpoints import RunsCode, _payload, _saved
from tests.test_train_page import values
from ui import feed, training

PAGE = "app_pages/inspect.py"
SEVEN = stroke_canvas(background=(0, 0, 0, 255))  # white strokes on the page's black canvas


@pytest.fixture
def at(monkeypatch, tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw")
    monkeypatch.setenv("NNVIZ_DATA", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    page = open_page(PAGE)
    yield page
    page.session_state["train_run"].close()


def run_of(at):
    return at.session_state["train_run"]


def model_of(at):
    return run_of(at).call(lambda trainer: trainer.model)


def chart(at, title_start: str) -> dict:
    return next(spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"].startswith(title_start))


def test_an_empty_canvas_asks_for_a_digit(at):
    assert not at.exception and not at.error
    assert any("Draw a digit" in info.value for info in at.info)
    assert not [spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"].startswith("The network reads")]


def test_a_drawn_seven_is_read_by_the_live_model(at):
    run_of(at).step(5)
    run_of(at).wait(lambda snapshot: snapshot.step == 5 and not snapshot.running, 30)
    at.session_state["inspect_drawing"] = SEVEN
    at.run()
    assert not at.exception and not at.error
    x = prepare_drawing(SEVEN, (28, 28)).features.reshape(1, -1)
    expected = inspection.class_probabilities(model_of(at), x)[0]
    bars = chart(at, "The network reads")
    np.testing.assert_allclose(values(bars["data"][0]["y"]), expected.numpy(), rtol=1e-5)
    assert bars["layout"]["title"]["text"] == f"The network reads: {int(expected.argmax())}"
    seen = next(trace for trace in chart(at, "What the network sees")["data"] if trace["type"] == "heatmap")
    assert np.reshape(values(seen["z"]), (28, 28)).max() == pytest.approx(1.0, abs=0.05)
    activations = chart(at, "Every hidden unit")
    assert "128" in str(activations)  # the hidden layer's 128 units
    at.button(key="inspect_clear").click().run()
    assert "inspect_drawing" not in at.session_state


def test_the_weight_images_are_the_first_layers_weights(at):
    mosaic = next(trace for trace in chart(at, "First-layer weights")["data"] if trace["type"] == "heatmap")
    z = np.array(values(mosaic["z"]), dtype=float)
    weights = model_of(at).fc1.weight.detach().numpy()
    finite = z[np.isfinite(z)]
    assert len(finite) == weights.size  # one tile of 28 x 28 per hidden unit, gaps NaN
    np.testing.assert_allclose(np.sort(finite), np.sort(weights.reshape(-1)), rtol=1e-5)


def test_a_clicked_confusion_cell_shows_its_images(at):
    snapshot_model = model_of(at)
    n = at.session_state["train_run"].call(lambda trainer: min(2000, len(trainer.x_test)))
    data = run_of(at).call(lambda trainer: (trainer.x_test[:n].clone(), trainer.y_test[:n].clone()))
    predictions = inspection.predict(snapshot_model, *data)
    true, predicted = int(predictions.true[0]), int(predictions.predicted[0])
    count = len(predictions.in_cell(true, predicted))
    at = click(at, "inspect_confusion", [{"customdata": [true, predicted, count], "x": predicted, "y": true}])
    assert not at.exception and not at.error
    gallery = chart(at, f"True {true}, predicted {predicted}")
    assert f"{len(predictions.in_cell(true, predicted))} images" in gallery["layout"]["title"]["text"]
    at.button(key="inspect_all_mistakes").click().run()
    assert chart(at, "Misclassified")


def test_training_records_the_histograms(at):
    run_of(at).step(20)
    run_of(at).wait(lambda snapshot: snapshot.step == 20 and not snapshot.running, 30)
    at.run()
    assert chart(at, "Weights and gradients over training")["data"]
    assert chart(at, "Dead ReLUs")["data"]


def test_save_then_load_round_trip_puts_the_weights_into_the_run(at):
    saved = checkpoints.dumps(model_of(at))
    before = model_of(at).fc1.weight.detach().clone()
    run_of(at).step(10)
    run_of(at).wait(lambda snapshot: snapshot.step == 10 and not snapshot.running, 30)
    assert not torch.equal(model_of(at).fc1.weight, before)
    at.file_uploader(key="inspect_load").set_value(("model.pt", saved, "application/octet-stream")).run()
    assert not at.exception and not at.error
    assert any("Loaded" in s.value for s in at.success)
    assert torch.equal(model_of(at).fc1.weight.detach(), before)


def test_a_malicious_or_wrong_file_is_refused_and_nothing_runs(at, tmp_path):
    marker = tmp_path / "pwned"
    payload = _payload(model_of(at))
    payload["extra"] = RunsCode(marker)
    at.file_uploader(key="inspect_load").set_value(("evil.pt", _saved(payload), "application/octet-stream")).run()
    assert not at.exception
    assert any("could run code" in error.value for error in at.error)
    assert not marker.exists()
    other = checkpoints.dumps(Mnist_NN())  # 784-50-10, not this 784-128-10
    at.file_uploader(key="inspect_load").set_value(("other.pt", other, "application/octet-stream")).run()
    assert not at.exception
    assert any("784-50-10" in error.value for error in at.error)


def test_while_the_run_trains_its_weights_come_from_the_feed_and_each_drawing_keeps_it_training(at, monkeypatch):
    """The page's only live area is fed, so it is not rerun while the run trains: the feed's drawings renew the
    run's lease (here 2 s), and what the feed paints is the run's first layer as it is then."""
    monkeypatch.setattr(training, "WATCH_S", 2.0)
    monkeypatch.setattr(feed, "served", lambda: True)  # as under serve.py, whose route AppTest has not
    run = run_of(at)
    run.retune(epochs=MAX_EPOCHS)
    run.play()
    run.wait(lambda snapshot: snapshot.running, 10)
    at.run()
    assert not at.exception and not at.error
    fed = feed._FEEDS[at.session_state["train_inspect_weights_feed"]]
    for _ in range(15):  # 4.5 s of a canvas fetching, over twice the lease
        assert fed.scene("weights") is not None, "the run stopped: its lease was not renewed"
        time.sleep(0.3)
    assert run.snapshot.running
    drawn_at = run.snapshot.step
    time.sleep(0.6)  # past the feed's half period: the next fetch draws the run as it is now
    painted = json.loads(fed.scene("weights")[1])
    assert [item["kind"] for item in painted["items"]] == ["image"]
    step = int(painted["title"]["text"].removeprefix("First-layer weights at step ").replace(",", ""))
    assert step >= drawn_at > 0  # drawn from the run now, not from the page's last rerun
