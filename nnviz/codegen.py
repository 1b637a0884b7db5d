"""The runnable PyTorch script for a training run: data, model, loss, optimizer and a plain loop.

:func:`training_script` writes out what :class:`nnviz.training.Trainer` does for a
:class:`~nnviz.training.TrainConfig` as a short, self-contained script a learner can paste into a
file and run. It builds the same ``nn.Linear`` layers in the same order after
``torch.manual_seed(config.seed)`` and shuffles with the same seeded generator, so it prints the
same epoch losses as the app (up to float rounding).

For the playground it also writes the input features (:meth:`nnviz.features.FeatureMap.code`: the same formulas
as the app's crosses), one's own points inline (the split the app trained on, every float32 exactly), and a
regression's loop, which prints the test loss (MSE) instead of an accuracy.

>>> from nnviz.training import TrainConfig
>>> print(training_script(TrainConfig(sizes=(2, 8, 2), epochs=3), "xor"))  # doctest: +SKIP
"""

from __future__ import annotations

import json
from textwrap import dedent, indent
from typing import TYPE_CHECKING

import numpy as np

from nnviz.activations import ACTIVATIONS
from nnviz.datasets import IMAGE_DATASETS, TOYS
from nnviz.features import PLAIN, FeatureMap
from nnviz.losses import LOSSES
from nnviz.optimizers import OPTIMIZERS
from nnviz.toys import PROBLEMS
from nnviz.training import TrainConfig

if TYPE_CHECKING:
    from nnviz.dataset import Dataset

MAKE_CLASSIFICATION = {"make-classification": (5, 123), "make-classification-20": (20, 42)}
"""The tutorials' make_classification data: name -> (n_features, random_state), 1,000 samples each."""
_TORCHVISION = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST"}


def training_script(
    config: TrainConfig,
    dataset: str,
    *,
    seed: int = 0,
    features: FeatureMap | None = None,
    points: Dataset | None = None,
    **data_args,
) -> str:
    """A runnable script that trains ``config`` on ``dataset`` as the app does and prints each epoch.

    Args:
        config: the run's settings (architecture, loss, optimizer, batch size, epochs, penalties, seed).
        dataset: a name from :data:`nnviz.datasets.DATASETS` or :data:`nnviz.toys.PROBLEMS` (or, with
            ``points``, the data's name for the script's docstring).
        seed: the data seed (the toys' and digits' generator, the make-classification split).
        features: the 2-D points' input features (the playground's crosses); the script computes them from
            x₁, x₂ with the app's formulas. ``None`` or the plain x₁, x₂ add nothing.
        points: 2-D data to write into the script itself (one's own points, split as the app split them),
            instead of loading ``dataset``.
        data_args: the loader's other settings as the app passed them: ``noise``, ``train_fraction``,
            ``n_samples`` for the toys (and ``n_classes`` for the K-class ones); ``test_size`` for
            make-classification and digits (``0`` keeps every sample for training, as tutorial 000); ``root`` for
            MNIST / Fashion-MNIST (default ``"./data"``).

    The script prints ``epoch E: loss L, <split> accuracy A`` per epoch (a regression: ``epoch E: loss L, test
    loss T``), where ``L`` is the mean batch loss (without penalties), as the app's history records it.
    """
    if points is not None:
        imports, data, task = [], _inline_data_code(points), points.task
    else:
        imports, data = _data_code(dataset, seed, data_args)
        task = PROBLEMS[dataset].task if dataset in PROBLEMS else "classification"
    if features is not None and features.names != PLAIN:
        data += f"\n\n\n{features.code()}\n\nx_train, x_test = features(x_train), features(x_test)  # the inputs"
    regression = task == "regression"
    has_test = data_args.get("test_size", 0.2) != 0
    targets = "float32 targets (n,)" if regression else "int64 class labels (n,)"
    sections = [
        f'"""Train {config.spec.describe()} on {dataset} with {OPTIMIZERS[config.optimizer].label} '
        f'(lr={config.lr:g}), as nnviz does."""',
        "\n".join(["import math", "", "import torch", *sorted([*imports, "from torch import nn"])]),
        f"# --- data: float32 features (n, d) and {targets}\n" + data,
        _model_code(config, regression),
        _training_loop(config, has_test, regression),
    ]
    return "\n\n".join(sections) + "\n"


def _inline_data_code(data: Dataset) -> str:
    """``x_train, y_train, x_test, y_test`` written out point by point: every float32 in its shortest exact form."""

    def rows(x, y) -> str:
        values = [", ".join(map(_float32, point)) for point in x.numpy()]
        targets = [_float32(t) for t in y.numpy()] if data.is_regression else [str(int(t)) for t in y.numpy()]
        return "".join(f"    ({v}, {t}),\n" for v, t in zip(values, targets, strict=True))

    dtype = "torch.float32" if data.is_regression else "torch.int64"
    header = "x1, x2, y" if data.is_regression else "x1, x2, label"
    return (
        f"# {data.name}: {data.n_train} training and {data.n_test} test points ({header}), as the app split them\n"
        f"TRAIN = [\n{rows(data.x_train, data.y_train)}]\n"
        f"TEST = [\n{rows(data.x_test, data.y_test)}]\n"
        "x_train = torch.tensor([point[:-1] for point in TRAIN], dtype=torch.float32)\n"
        f"y_train = torch.tensor([point[-1] for point in TRAIN], dtype={dtype})\n"
        "x_test = torch.tensor([point[:-1] for point in TEST], dtype=torch.float32)\n"
        f"y_test = torch.tensor([point[-1] for point in TEST], dtype={dtype})"
    )


def _float32(value: float) -> str:
    """The shortest decimal that reads back as the same float32 (``0.1``, not ``0.10000000149011612``)."""
    return np.format_float_positional(np.float32(value), unique=True, trim="-")


def _data_code(dataset: str, seed: int, data_args: dict) -> tuple[list[str], str]:
    """The imports and the code that define ``x_train, y_train, x_test, y_test`` for ``dataset``."""
    if dataset in MAKE_CLASSIFICATION:
        n_features, random_state = MAKE_CLASSIFICATION[dataset]
        test_size = data_args.get("test_size", 0.2)
        imports = ["from sklearn.datasets import make_classification"]
        make = (
            f"X, y = make_classification(n_samples=1000, n_features={n_features}, n_classes=2, "
            f"random_state={random_state})\n"
        )
        if test_size == 0:
            return (
                imports,
                make + "x_train, y_train = torch.tensor(X, dtype=torch.float32), torch.tensor(y)  # no test split",
            )
        return imports + ["from sklearn.model_selection import train_test_split"], make + (
            f"X_train, X_test, Y_train, Y_test = train_test_split(X, y, test_size={test_size}, random_state={seed})\n"
            "x_train, y_train = torch.tensor(X_train, dtype=torch.float32), torch.tensor(Y_train)\n"
            "x_test, y_test = torch.tensor(X_test, dtype=torch.float32), torch.tensor(Y_test)"
        )
    if dataset in IMAGE_DATASETS:
        cls, root = _TORCHVISION[dataset], _literal(data_args.get("root", "./data"))
        return ["from torchvision import datasets"], (
            f"train = datasets.{cls}({root}, train=True, download=True)\n"
            f"test = datasets.{cls}({root}, train=False, download=True)\n"
            "x_train, y_train = train.data.reshape(len(train.data), -1).float() / 255, train.targets  # (60000, 784)\n"
            "x_test, y_test = test.data.reshape(len(test.data), -1).float() / 255, test.targets"
        )
    if dataset == "digits":  # as nnviz.datasets.load_digits_dataset splits them
        test_size = data_args.get("test_size", 0.2)
        return ["from sklearn.datasets import load_digits", "from sklearn.model_selection import train_test_split"], (
            "digits = load_digits()  # 1,797 8x8 images, pixels counted 0..16\n"
            "X_train, X_test, Y_train, Y_test = train_test_split(\n"
            f"    digits.data / 16.0, digits.target, test_size={test_size}, random_state={seed},\n"
            "    stratify=digits.target,\n"
            ")\n"
            "x_train, y_train = torch.tensor(X_train, dtype=torch.float32), torch.tensor(Y_train)\n"
            "x_test, y_test = torch.tensor(X_test, dtype=torch.float32), torch.tensor(Y_test)"
        )
    if dataset in PROBLEMS:
        args = ", ".join(f"{k}={_literal(v)}" for k, v in {"seed": seed, **data_args}.items())
        module, load = ("nnviz.datasets", "load_dataset") if dataset in TOYS else ("nnviz.toys", "make_toy")
        return [f"from {module} import {load}  # nnviz's 2-D toys (pip install -e . in its repository)"], (
            f"data = {load}({_literal(dataset)}, {args})\n"
            "x_train, y_train, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test"
        )
    raise ValueError(f"No code template for dataset {dataset!r}.")


def _literal(value) -> str:
    """A Python literal for ``value``, strings in double quotes."""
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _model_code(config: TrainConfig, regression: bool = False) -> str:
    """The model as ``nn.Sequential``, the loss module, the optimizer and how outputs become targets/classes
    (a regression's outputs are its predictions: no classes)."""
    layers = []
    for n_in, n_out, act in zip(config.sizes[:-1], config.sizes[1:], config.activations, strict=True):
        layers.append(f"nn.Linear({n_in}, {n_out}),")
        if act != "linear":
            layers.append(f"{ACTIVATIONS[act].layer_code()},")
    n_out = config.sizes[-1]
    loss = LOSSES[config.loss]
    if regression:
        targets = "y  # real-valued targets"
    elif loss.target == "class":
        targets = "y  # class indices"
    elif n_out == 1:
        targets = "y.float()  # 0.0 / 1.0"
    else:
        targets = f"nn.functional.one_hot(y, {n_out}).float()"
    if n_out > 1:
        output, predict = "model(x)", "model(x).argmax(dim=1)"
    else:
        threshold = 0.0 if loss.prediction == "logit" else 0.5
        output, predict = "model(x).squeeze(-1)  # (n, 1) -> (n,)", f"(model(x).squeeze(-1) > {threshold}).long()"
    return (
        f"# --- model, loss, optimizer\ntorch.manual_seed({config.seed})  # the app's initial weights\n"
        f"model = nn.Sequential(\n{indent(chr(10).join(layers), '    ')}\n)\n"
        f"loss_fn = {loss.module_code}\n"
        f"optimizer = {_optimizer_code(config)}\n\n\n"
        f"def output(x):\n    return {output}\n\n\n"
        f"def targets(y):\n    return {targets}\n"
        + ("" if regression else f"\n\ndef predict(x):\n    return {predict}\n")
    )


def _optimizer_code(config: TrainConfig) -> str:
    return OPTIMIZERS[config.optimizer].code("model.parameters()", config.lr, **dict(config.hyper))


def _training_loop(config: TrainConfig, has_test: bool, regression: bool = False) -> str:
    """The epoch loop over shuffled mini-batches, with penalties, divergence check, evaluation (the accuracy, or a
    regression's loss) and early stop."""
    batch_size = "len(x_train)  # full batch" if config.batch_size is None else str(config.batch_size)
    penalty_terms = []
    if config.l1:
        penalty_terms.append(f"{config.l1!r} * w.abs().sum()")
    if config.l2:
        penalty_terms.append(f"{config.l2!r} * w.pow(2).sum()")
    body = []
    if config.fresh_optimizer_per_batch:
        body.append(f"optimizer = {_optimizer_code(config)}  # a fresh optimizer every batch, as tutorial 004")
    body.append("loss = loss_fn(output(x_train[index]), t_train[index])")
    body.append(
        'if not math.isfinite(loss.item()):\n    raise SystemExit(f"diverged at step {step}: lower the learning rate")'
    )
    if penalty_terms:
        body.append(f"penalty = sum({' + '.join(penalty_terms)} for w in weights)  # weights only, not biases")
        body.append("(loss + penalty).backward()")
    else:
        body.append("loss.backward()")
    body += ["optimizer.step()", "optimizer.zero_grad()", "batch_losses.append(loss.item())"]
    split = "test" if has_test else "train"
    early_stop = ""
    if config.early_stop_epsilon is not None:
        early_stop = dedent(
            f"""
            if previous is not None and abs(previous - epoch_loss) <= {config.early_stop_epsilon!r}:
                print("early stop: the loss changed by <= {config.early_stop_epsilon!r}")
                break
            previous = epoch_loss"""
        )
    if regression:
        evaluation = (
            f"        {split}_loss = loss_fn(output(x_{split}), targets(y_{split})).item()\n"
            f'    print(f"epoch {{epoch}}: loss {{epoch_loss:.6f}}, {split} loss {{{split}_loss:.6f}}")'
        )
    else:
        evaluation = (
            f"        accuracy = (predict(x_{split}) == y_{split}).float().mean().item()\n"
            f'    print(f"epoch {{epoch}}: loss {{epoch_loss:.6f}}, {split} accuracy {{accuracy:.4f}}")'
        )
    setup = [
        "# --- training: shuffled mini-batches, one optimizer step each",
        "t_train = targets(y_train)",
        f"batch_size = {batch_size}",
        f"generator = torch.Generator().manual_seed({config.seed})  # the app's batch order",
    ]
    if penalty_terms:
        setup.append("weights = [layer.weight for layer in model if isinstance(layer, nn.Linear)]")
    setup += ["step, previous = 0, None" if config.early_stop_epsilon is not None else "step = 0", ""]
    loop = (
        f"for epoch in range(1, {config.epochs} + 1):\n"
        "    model.train()\n"
        "    order = torch.randperm(len(x_train), generator=generator)\n"
        "    batch_losses = []\n"
        "    for start in range(0, len(x_train), batch_size):\n"
        "        index = order[start : start + batch_size]\n"
        "        step += 1\n"
        f"{indent(chr(10).join(body), ' ' * 8)}\n"
        "    epoch_loss = sum(batch_losses) / len(batch_losses)\n"
        "    model.eval()\n"
        "    with torch.no_grad():\n"
        f"{evaluation}"
        f"{indent(early_stop, ' ' * 4)}"
    )
    return "\n".join(setup) + loop
