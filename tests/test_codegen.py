"""The generated script runs and reproduces the app's training numbers (same init, batch order and loss)."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from nnviz.codegen import training_script
from nnviz.datasets import load_dataset, load_images
from nnviz.features import FeatureMap
from nnviz.playground import playground_config
from nnviz.recipes import RECIPES
from nnviz.toys import make_toy
from nnviz.training import TrainConfig, Trainer
from nnviz.user_data import UserData
from tests.image_fixtures import write_mnist

ROOT = Path(__file__).resolve().parents[1]
EPOCH_LINE = re.compile(r"epoch (\d+): loss ([-\d.naif]+), (test|train) accuracy ([\d.]+)")


def epochs_printed(output: str) -> list[tuple[float, float]]:
    """(loss, accuracy) per printed epoch line."""
    return [(float(m[2]), float(m[4])) for m in EPOCH_LINE.finditer(output)]


def run_in_process(code: str, cwd: Path | None = None) -> str:
    """exec the script with its stdout captured, leaving torch's global RNG as it was."""
    buffer = io.StringIO()
    with torch.random.fork_rng(devices=[]), contextlib.redirect_stdout(buffer), contextlib.chdir(cwd or ROOT):
        exec(compile(code, "<generated>", "exec"), {"__name__": "__main__"})
    return buffer.getvalue()


def run_script(code: str) -> str:
    """The script's output, run as a learner runs it: a fresh Python process."""
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_same_run(printed: list[tuple[float, float]], trainer: Trainer) -> None:
    """Same epoch losses; same test accuracy after every epoch (or, with no test split, train accuracy at the end)."""
    history = trainer.history.epoch
    assert [loss for loss, _ in printed] == pytest.approx(history["loss"], abs=2e-6)
    accuracies = [accuracy for _, accuracy in printed]
    if trainer.data.n_test:
        assert accuracies == pytest.approx(history["test_accuracy"], abs=1e-4)
    else:
        assert accuracies[-1] == pytest.approx(trainer.evaluate("train")[1], abs=1e-4)


def test_playground_script_runs_standalone_and_matches_the_app():
    config = playground_config((8,), "tanh", "adam", 0.03, 10, 4, l2=1e-3, seed=3)
    code = training_script(config, "xor", seed=3, noise=0.1, train_fraction=0.5)
    compile(code, "<generated>", "exec")
    printed = epochs_printed(run_script(code))
    trainer = Trainer(config, load_dataset("xor", seed=3, noise=0.1, train_fraction=0.5))
    trainer.run()
    assert_same_run(printed, trainer)
    assert printed[-1][0] < printed[0][0]  # it trains


def test_tutorial_000_script_full_batch_bce_and_early_stop():
    config = replace(RECIPES["000"].config, early_stop_epsilon=5e-3)  # a looser epsilon, so it stops within 100 epochs
    code = training_script(config, "make-classification", test_size=0)
    assert "make_classification(n_samples=1000, n_features=5, n_classes=2, random_state=123)" in code
    assert "nn.BCELoss()" in code and "early stop" in code
    trainer = Trainer(config, load_dataset("make-classification", test_size=0))
    trainer.run()
    printed = epochs_printed(run_in_process(code))
    assert_same_run(printed, trainer)
    assert trainer.stop_reason.startswith("early stop") and len(printed) < config.epochs


def test_tutorial_001_script_split_and_minibatches():
    config = replace(RECIPES["001"].config, epochs=2, seed=1)
    code = training_script(config, "make-classification-20", seed=1)
    trainer = Trainer(config, load_dataset("make-classification-20", seed=1))
    trainer.run()
    assert_same_run(epochs_printed(run_in_process(code)), trainer)


def test_penalties_momentum_and_mse_match_the_app():
    config = TrainConfig(
        sizes=(2, 5, 1),
        activations=("leaky_relu", "sigmoid"),
        loss="mse",
        optimizer="nesterov",
        lr=0.2,
        batch_size=16,
        epochs=3,
        l1=1e-3,
        l2=1e-2,
        seed=5,
    )
    code = training_script(config, "moons", seed=2, noise=0.2)
    assert "nesterov=True" in code and "w.abs().sum()" in code and "w.pow(2).sum()" in code
    trainer = Trainer(config, load_dataset("moons", seed=2, noise=0.2))
    trainer.run()
    assert_same_run(epochs_printed(run_in_process(code)), trainer)


def test_mnist_script_reads_torchvision_files_and_rebuilds_the_optimizer_each_batch(tmp_path):
    write_mnist(tmp_path / "data" / "MNIST" / "raw")
    config = replace(RECIPES["004"].config, batch_size=8, epochs=2)
    code = training_script(config, "mnist")
    assert code.count("torch.optim.Adam(model.parameters(), lr=0.001)") == 2  # once before, once per batch
    data = load_images("mnist", tmp_path / "data", fallback=False)
    trainer = Trainer(config, data)
    trainer.run()
    assert_same_run(epochs_printed(run_in_process(code, cwd=tmp_path)), trainer)


def test_digits_script_diverges_at_the_apps_step():
    config = TrainConfig(sizes=(64, 32, 10), activations=("linear", "linear"), loss="mse", optimizer="sgd", lr=100.0)
    code = training_script(config, "digits", seed=4)
    assert "from sklearn.datasets import load_digits" in code and "nnviz" not in code.split('"""', 2)[2]
    trainer = Trainer(config, load_dataset("digits", seed=4))
    trainer.run()
    assert trainer.stop_reason.startswith(f"diverged at step {trainer.global_step}:")
    with pytest.raises(SystemExit, match=rf"diverged at step {trainer.global_step}: lower the learning rate"):
        run_in_process(code)


def test_digits_script_reproduces_the_apps_run_without_nnviz():
    config = TrainConfig(sizes=(64, 16, 10), activations=("relu", "linear"), lr=0.01, batch_size=64, epochs=2, seed=1)
    code = training_script(config, "digits", seed=3)
    assert "import nnviz" not in code and "from nnviz" not in code
    trainer = Trainer(config, load_dataset("digits", seed=3))
    trainer.run()
    assert_same_run(epochs_printed(run_in_process(code)), trainer)


def test_mnist_script_reads_the_files_the_app_read(tmp_path):
    write_mnist(tmp_path / "elsewhere" / "MNIST" / "raw")
    data = load_images("mnist", tmp_path / "elsewhere", fallback=False)
    assert data.root == str(tmp_path / "elsewhere")
    code = training_script(replace(RECIPES["002"].config, batch_size=8, epochs=1), "mnist", root=data.root)
    assert f'datasets.MNIST("{data.root}", train=True, download=True)' in code  # downloads only when missing
    trainer = Trainer(replace(RECIPES["002"].config, batch_size=8, epochs=1), data)
    trainer.run()
    assert_same_run(epochs_printed(run_in_process(code, cwd=tmp_path)), trainer)


def test_unknown_dataset_is_refused():
    with pytest.raises(ValueError, match="No code template"):
        training_script(TrainConfig(), "cifar")


def test_playground_script_with_crosses_and_ones_own_points_reproduces_the_app():
    """Three classes of points one clicked (embedded in the script, split as the app split them) on crossed
    inputs: the script's epoch losses and test accuracies are the app's."""
    toy = make_toy("gauss-k", n_samples=120, noise=0.2, seed=4, n_classes=3)
    points = UserData.from_dataset(toy).add(0.25, -1.5, 2).split(0.6, seed=5)
    features = FeatureMap(("x1", "x2", "x1_squared", "x1_x2", "sin_x2"))
    config = playground_config((5, 3), ("tanh", "relu"), "adam", 0.03, 10, 3, l1=1e-3, n_in=5, n_out=3, seed=2)
    code = training_script(config, "your points", seed=5, features=features, points=points)
    assert "import nnviz" not in code and "from nnviz" not in code  # self-contained
    assert "x[:, 0] ** 2" in code and "torch.sin(x[:, 1])" in code and "(0.25, -1.5, 2)," in code
    trainer = Trainer(config, features.dataset(points))
    trainer.run()
    printed = epochs_printed(run_script(code))
    assert len(printed) == 3
    assert_same_run(printed, trainer)


REGRESSION_LINE = re.compile(r"epoch (\d+): loss ([-\d.naif]+), test loss ([-\d.naif]+)")


@pytest.mark.parametrize(("points", "loss"), [(False, "mse"), (True, "mse"), (False, "mae")])
def test_regression_script_prints_the_apps_losses(points, loss):
    """A regression toy loaded by nnviz, or its points embedded: the script's epoch losses and test losses (MSE or
    MAE) are the app's, and it prints no accuracy."""
    data = make_toy("reg-gauss", n_samples=160, noise=0.1, train_fraction=0.5, seed=6)
    features = FeatureMap(("x1", "x2", "sin_x1", "sin_x2"))
    config = playground_config((6,), "tanh", "sgd", 0.1, 16, 3, n_in=4, n_out=1, task="regression", seed=1, loss=loss)
    if points:
        code = training_script(config, "reg-gauss", features=features, points=data)
    else:
        code = training_script(config, "reg-gauss", seed=6, features=features, n_samples=160, noise=0.1)
        assert "make_toy(" in code
    assert "accuracy" not in code and {"mse": "nn.MSELoss()", "mae": "nn.L1Loss()"}[loss] in code
    trainer = Trainer(config, features.dataset(data))
    trainer.run()
    printed = [(float(m[2]), float(m[3])) for m in REGRESSION_LINE.finditer(run_in_process(code))]
    assert [loss for loss, _ in printed] == pytest.approx(trainer.history.epoch["loss"], abs=2e-6)
    assert [test for _, test in printed] == pytest.approx(trainer.history.epoch["test_loss"], abs=2e-6)
    assert len(printed) == 3 and printed[-1][0] < printed[0][0]
