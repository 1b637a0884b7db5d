"""The tutorials' training runs as data: what each one trains, how, and what it reported.

A :class:`Recipe` holds a tutorial's dataset, its :class:`~nnviz.training.TrainConfig` (architecture,
loss, optimizer, learning rate, batch size, epochs, early stop) and the numbers it printed.
:func:`prepare` loads the data, substituting Fashion-MNIST (or the bundled digits) when MNIST is
not on the machine, and :func:`compare` lays the tutorial's numbers beside ours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from nnviz.datasets import DATASETS, DataError, Dataset, load_dataset, load_images
from nnviz.training import TrainConfig, Trainer

NOT_SHOWN = "not shown"


@dataclass(frozen=True)
class Recipe:
    """One tutorial's training run, as written there.

    ``reported`` maps a result name (``"epoch 1 loss"``, ``"test accuracy"``) to the tutorial's own
    printed value; ``results`` lists the result rows :func:`compare` shows, in order.
    """

    tutorial: str
    title: str
    dataset: str
    config: TrainConfig
    results: tuple[str, ...]
    reported: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


_MNIST_LOOP = {"loss": "cross_entropy", "optimizer": "adam", "lr": 1e-3, "batch_size": 64}
_EPOCH_LOSSES = tuple(f"epoch {i} loss" for i in range(1, 6))

RECIPES: dict[str, Recipe] = {
    r.tutorial: r
    for r in (
        Recipe(
            "000",
            "One sigmoid neuron (Net), make_classification(1000, 5, random_state=123), full-batch Adam",
            "make-classification",
            TrainConfig(
                sizes=(5, 1),
                model="Net",
                loss="bce",
                optimizer="adam",
                lr=0.01,
                batch_size=None,
                epochs=100,
                early_stop_epsilon=1e-3,
            ),
            results=("epochs run", "final loss", "train accuracy"),
            notes=(
                "Trains on all 1,000 samples (no test split), one full-batch step per epoch, "
                "stopping when the loss changes by <= 1e-3.",
                "The tutorial prints the loss every 10 epochs but shows no output.",
            ),
        ),
        Recipe(
            "001",
            "BinaryClassifier 20-10-1, make_classification(1000, 20, random_state=42), Adam, batch 64",
            "make-classification-20",
            TrainConfig(
                sizes=(20, 10, 1),
                model="BinaryClassifier",
                loss="bce",
                optimizer="adam",
                lr=1e-3,
                batch_size=64,
                epochs=5,
            ),
            results=tuple(f"epoch {i} last-batch loss" for i in range(1, 6)) + ("test accuracy",),
            notes=(
                "The tutorial prints the last batch's loss each epoch and the test accuracy, but shows no output.",
                "Its train_test_split has no random_state; ours uses split seed 0.",
            ),
        ),
        Recipe(
            "002",
            "SimpleNN 784-128-10 on MNIST, Adam 1e-3, batch 64, 5 epochs",
            "mnist",
            TrainConfig(sizes=(784, 128, 10), model="SimpleNN", epochs=5, **_MNIST_LOOP),
            results=(*_EPOCH_LOSSES, "test accuracy"),
            reported={
                "epoch 1 loss": "0.2995",
                "epoch 2 loss": "0.1396",
                "epoch 3 loss": "0.1034",
                "epoch 4 loss": "0.0846",
                "epoch 5 loss": "0.0719",
                "test accuracy": "97.68%",
            },
            notes=("Epoch loss = mean of the batch losses, as the tutorial's running_loss / len(train_loader).",),
        ),
        Recipe(
            "003",
            "SimpleNN 784-128-64-10 (Flatten + Sequential) on MNIST, Adam 1e-3, batch 64, 5 epochs",
            "mnist",
            TrainConfig(sizes=(784, 128, 64, 10), model="SimpleNNDeep", epochs=5, **_MNIST_LOOP),
            results=(*_EPOCH_LOSSES, "test accuracy"),
            notes=("The tutorial prints the mean loss per epoch but shows no output, and does not evaluate.",),
        ),
        Recipe(
            "004",
            "Mnist_NN 784-50-10 on MNIST, one epoch, a fresh Adam(lr=1e-3) for every batch",
            "mnist",
            TrainConfig(sizes=(784, 50, 10), model="Mnist_NN", epochs=1, fresh_optimizer_per_batch=True, **_MNIST_LOOP),
            results=("epoch 1 loss", "test accuracy"),
            reported={"test accuracy": "96.1%"},
            notes=(
                "As written, update() builds a new optim.Adam every batch, so every step is Adam's first "
                "(about lr * sign(gradient)); we do the same.",
                "fast.ai's data.train_dl batches 64 images (its default); the tutorial reports validation accuracy.",
            ),
        ),
    )
}


def data_seed(recipe: Recipe, seed: int) -> int:
    """The seed the recipe's data depends on: ``seed`` for splits drawn from it, 0 where the data is fixed (MNIST's
    own split, tutorial 000's whole set), so that a cache keyed on it holds one copy of fixed data."""
    return 0 if recipe.dataset in ("mnist", "make-classification") else seed


def prepare(
    recipe: Recipe, data_dir: str | Path | None = None, seed: int = 0, *, download: bool = False
) -> tuple[Dataset, TrainConfig, str]:
    """The recipe's data and config, and a note on any data substitution ("" when none).

    MNIST recipes use MNIST when found (or downloaded, with ``download``), else Fashion-MNIST (same shape), else
    scikit-learn's 8x8 digits with an MLP of the same hidden sizes on 64 inputs.
    """
    config = replace(recipe.config, seed=seed)
    if recipe.dataset == "make-classification":
        return load_dataset(recipe.dataset, test_size=0), config, ""
    if recipe.dataset != "mnist":
        return load_dataset(recipe.dataset, seed=seed), config, ""
    tried = []
    for name in ("mnist", "fashion-mnist"):
        try:
            data = load_images(name, data_dir, download=download and name == "mnist", fallback=False)
        except DataError as err:
            tried.append(f"{name}: {str(err).splitlines()[0]}")
            continue
        note = "" if name == "mnist" else "MNIST is not on this machine: trained on Fashion-MNIST (same shape) instead."
        return data, config, note
    data = load_dataset("digits", seed=seed)
    sizes = (data.n_features, *config.sizes[1:])
    note = f"Neither MNIST nor Fashion-MNIST was found ({'; '.join(tried)}): trained an MLP {sizes} on 8x8 digits."
    return data, replace(config, model="mlp", sizes=sizes), note


def compare_headers(recipe: Recipe, trainer: Trainer) -> tuple[str, str, str]:
    """The columns of :func:`compare`, each naming its data: MNIST's 97.68 % is not Fashion-MNIST's."""
    return "result", f"tutorial ({DATASETS[recipe.dataset]})", f"this run ({DATASETS[trainer.data.name]})"


def comparison(recipe: Recipe, trainer: Trainer) -> list[tuple[str, str, str]]:
    """:func:`compare_headers` and the rows of :func:`compare`: the table the Train page shows."""
    return [compare_headers(recipe, trainer), *compare(recipe, trainer)]


def compare(recipe: Recipe, trainer: Trainer) -> list[tuple[str, str, str]]:
    """Rows of (result, the tutorial's value, ours) for :attr:`Recipe.results`."""
    epoch, batch = trainer.history.epoch, trainer.history.batch
    ours: dict[str, str] = {
        "epochs run": str(batch["epoch"][-1]) if batch["epoch"] else "0",
        "final loss": _number(epoch["loss"][-1] if epoch["loss"] else math.nan),
        "train accuracy": _percent(trainer.evaluate("train")[1]),
        "test accuracy": _percent(trainer.evaluate("test")[1]),
    }
    for i, loss in enumerate(epoch["loss"], start=1):
        ours[f"epoch {i} loss"] = _number(loss)
    for i in range(1, len(epoch["loss"]) + 1):
        last = max(j for j, e in enumerate(batch["epoch"]) if e == i)
        ours[f"epoch {i} last-batch loss"] = _number(batch["loss"][last])
    return [(name, recipe.reported.get(name, NOT_SHOWN), ours.get(name, "-")) for name in recipe.results]


def _number(value: float) -> str:
    return f"{value:.4f}"


def _percent(fraction: float) -> str:
    return "n/a" if math.isnan(fraction) else f"{100 * fraction:.2f}%"
