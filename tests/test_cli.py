"""``python -m nnviz``: train and reproduce, on tiny data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

import nnviz.recipes
from nnviz import image_files
from nnviz.checkpoints import load
from nnviz.cli import main
from nnviz.dataset import DataError
from nnviz.models import Net
from nnviz.recipes import RECIPES, prepare
from nnviz.training import Trainer
from tests.image_fixtures import serve_mnist

ROOT = Path(__file__).resolve().parents[1]


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def write_tiny_mnist(root: Path, n_train: int = 256, n_test: int = 64) -> Path:
    """IDX files in torchvision's layout ``root/MNIST/raw``: class k is a bright k-th row band, plus noise."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 * k + 4 : 2 * k + 7, 4:24] = 250
        (raw / f"{prefix}-images-idx3-ubyte").write_bytes(
            np.array([0x803, n, 28, 28], dtype=">u4").tobytes() + images.tobytes()
        )
        (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(
            np.array([0x801, n], dtype=">u4").tobytes() + labels.tobytes()
        )
    return root


def test_module_entry_point_prints_one_json_line():
    command = [sys.executable, "-m", "nnviz", "train", "--dataset", "xor", "--arch", "2-8-2", "--epochs", "2", "--json"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr
    summary = last_json(result.stdout)
    assert summary["dataset"] == "xor" and summary["epochs_run"] == 2
    assert 0 <= summary["test_accuracy"] <= 1 and summary["final_loss"] > 0 and summary["train_seconds"] > 0
    assert "step" in result.stderr  # the progress bar (tqdm, on stderr)


def test_train_settings_reach_the_trainer(capsys, tmp_path):
    args = ["train", "--dataset", "gauss", "--arch", "2-6-1", "--activation", "tanh", "--epochs", "3"]
    args += ["--batch-size", "full", "--lr", "0.05", "--optimizer", "nesterov", "--momentum", "0.8"]
    args += ["--l2", "0.001", "--seed", "4", "--save", str(tmp_path / "m.pt"), "--json"]
    assert main(args) == 0
    summary = last_json(capsys.readouterr().out)
    config = summary["config"]
    assert config["sizes"] == [2, 6, 1] and config["activations"] == ["tanh", "linear"]
    assert config["loss"] == "bce_logits" and config["batch_size"] is None and config["hyper"] == {"momentum": 0.8}
    assert summary["steps"] == 3 and summary["epochs_run"] == 3
    assert load(tmp_path / "m.pt").spec.sizes == (2, 6, 1)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--arch", "2-x-2"], "Layer sizes: “2-x-2” is not a number"),
        (["--arch", "3-8-2"], "takes 3 inputs but 'xor' has 2 features"),
        (["--arch", "2-8-2", "--batch-size", "0"], "batch size must be at least 1"),
        (["--arch", "2-8-2", "--batch-size", "many"], "whole number or 'full'"),
        (["--arch", "2-8-2", "--epochs", "0"], "Train for 1 to 5,000 epochs"),
        (["--arch", "2-8-2", "--lr", "-1"], "learning rate"),
        (["--arch", "2-8-2", "--lr", "1e5"], "at most 100"),
        (["--arch", "2-8-2", "--optimizer", "adam", "--momentum", "0.9"], "--momentum does not apply to"),
        (["--arch", "2-8-2", "--optimizer", "momentum", "--momentum", "1.5"], "momentum must lie in [0, 0.99]"),
    ],
)
def test_bad_input_is_an_error_message_not_a_traceback(capsys, args, message):
    assert main(["train", "--dataset", "xor", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_divergence_is_reported_in_the_json(capsys):
    args = ["train", "--dataset", "gauss", "--arch", "2-8-2", "--loss", "mse", "--optimizer", "sgd", "--lr", "100"]
    assert main([*args, "--epochs", "3", "--json"]) == 0
    summary = last_json(capsys.readouterr().out)
    assert summary["stop_reason"].startswith("diverged at step")
    assert summary["test_accuracy"] is not None


def test_reproduce_000_prints_tutorial_beside_ours(capsys):
    assert main(["reproduce", "000", "--json"]) == 0
    out = capsys.readouterr().out
    assert "result" in out and "tutorial" in out and "ours" in out
    summary = last_json(out)
    rows = {row["result"]: row for row in summary["rows"]}
    assert rows["epochs run"]["tutorial"] == "not shown" and 1 <= int(rows["epochs run"]["ours"]) <= 100
    assert summary["config"]["early_stop_epsilon"] == 1e-3 and summary["config"]["batch_size"] is None


def test_reproduce_001(capsys):
    assert main(["reproduce", "001", "--json"]) == 0
    summary = last_json(capsys.readouterr().out)
    assert summary["epochs_run"] == 5 and summary["test_accuracy"] > 0.6
    assert [row["result"] for row in summary["rows"]][-1] == "test accuracy"


def test_reproduce_004_on_mnist_files_quotes_the_tutorial(capsys, tmp_path):
    root = write_tiny_mnist(tmp_path)
    data, config, note = prepare(RECIPES["004"], root)
    assert data.name == "mnist" and note == "" and config.fresh_optimizer_per_batch and config.model == "Mnist_NN"
    assert main(["reproduce", "004", "--data-dir", str(root), "--json"]) == 0
    summary = last_json(capsys.readouterr().out)
    assert summary["substitution"] is None and summary["epochs_run"] == 1 and summary["steps"] == 4
    assert {"result": "test accuracy", "tutorial": "96.1%", "ours": summary["rows"][-1]["ours"]} in summary["rows"]


def test_mnist_recipes_fall_back_to_digits_and_say_so(monkeypatch):
    def missing(name, *args, **kwargs):
        raise DataError(f"no {name} here")

    monkeypatch.setattr(nnviz.recipes, "load_images", missing)
    data, config, note = prepare(RECIPES["003"])
    assert data.name == "digits" and config.model == "mlp" and config.sizes == (64, 128, 64, 10)
    assert "no mnist here" in note and "8x8 digits" in note


def test_recipe_000_is_the_tutorials_own_loop():
    """Tutorial 000's code as written (same initial weights) gives the losses and stopping epoch of our recipe."""
    x, y = make_classification(n_samples=1000, n_features=5, n_classes=2, random_state=123)
    x_data, y_truth = torch.tensor(x, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    torch.manual_seed(0)
    net = Net(input_dim=5)
    optimizer = torch.optim.Adam(params=net.parameters(), lr=0.01)
    bce_loss = torch.nn.BCELoss()
    losses, last_loss, epsilon = [], 10.0, 1e-3
    for _epoch in range(100):
        optimizer.zero_grad()
        y_pred = net(x_data).squeeze()
        loss = bce_loss(y_pred, y_truth)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        change = abs(last_loss - loss.item())
        last_loss = loss.item()
        if change <= epsilon:
            break

    data, config, _ = prepare(RECIPES["000"], seed=0)
    trainer = Trainer(config, data)
    trainer.run()
    assert trainer.history.epoch["loss"] == pytest.approx(losses, rel=1e-5)


def test_reproduce_downloads_mnist_when_asked_and_names_the_data_of_each_column(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("NNVIZ_DATA", raising=False)
    monkeypatch.setattr(image_files, "SYSTEM_DATASET_DIRS", (tmp_path / "system",))
    with serve_mnist(monkeypatch, tmp_path / "served"):
        assert main(["reproduce", "004", "--download", "--json"]) == 0
    out = capsys.readouterr().out
    summary = last_json(out)
    assert summary["tutorial_dataset"] == "mnist" and summary["our_dataset"] == "mnist"
    assert "tutorial (MNIST)" in out and "this run (MNIST)" in out
    assert (tmp_path / "cache" / "nnviz" / "MNIST" / "raw" / "train-images-idx3-ubyte").is_file()
