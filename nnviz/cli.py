"""``python -m nnviz``: headless training and the tutorials' runs, with a progress bar.

    python -m nnviz train --dataset fashion-mnist --arch 784-128-10 --epochs 5 --batch-size 64 \\
        --lr 1e-3 --optimizer adam --seed 0 [--data-dir DIR] [--device cpu|cuda] [--save PATH] [--json]
    python -m nnviz reproduce 002

``--json`` ends the output with one JSON line (``dataset``, ``test_accuracy`` 0-1, ``final_loss``,
``epochs_run``, ``train_seconds``, ...). Bad input prints ``error: ...`` and exits with status 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence

import torch
from tqdm import tqdm

from nnviz.activations import trainable_activations
from nnviz.datasets import DATASETS, IMAGE_DATASETS, Dataset, load_dataset
from nnviz.losses import LOSSES
from nnviz.models import default_activations, format_sizes, parse_sizes
from nnviz.optimizers import OPTIMIZERS
from nnviz.recipes import RECIPES, comparison, prepare
from nnviz.training import TrainConfig, Trainer

STEPS_PER_UPDATE = 50  # optimizer steps between progress-bar refreshes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nnviz", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train an MLP on a dataset")
    train.add_argument("--dataset", required=True, choices=list(DATASETS))
    train.add_argument("--arch", required=True, help="layer sizes, e.g. 784-128-10 (inputs-hidden...-outputs)")
    train.add_argument("--activation", default="relu", choices=[a for a in trainable_activations() if a != "linear"])
    train.add_argument("--loss", choices=list(LOSSES), help="default: cross_entropy, or bce_logits for one output")
    train.add_argument("--epochs", type=int, default=10)
    train.add_argument("--batch-size", default="32", help="samples per step: 1 (SGD) ... N, or 'full'")
    train.add_argument("--lr", type=float, default=1e-3, help="learning rate")
    train.add_argument("--optimizer", default="adam", choices=list(OPTIMIZERS))
    for hyper in dict.fromkeys(h for spec in OPTIMIZERS.values() for h in spec.hyper):
        users = ", ".join(name for name, spec in OPTIMIZERS.items() if hyper in spec.hyper)
        train.add_argument(
            f"--{hyper.name.replace('_', '-')}",
            type=float,
            help=f"{hyper.label} in [{hyper.low:g}, {hyper.high:g}] for {users} (default {hyper.default:g})",
        )
    train.add_argument("--l1", type=float, default=0.0, help="L1 penalty on the weights")
    train.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights")
    train.add_argument("--early-stop", type=float, metavar="EPS", help="stop when the epoch loss changes by <= EPS")
    _common_options(train)
    train.add_argument("--save", metavar="PATH", help="save the trained model (weights + architecture)")

    reproduce = commands.add_parser("reproduce", help="rerun a tutorial's training as written there")
    reproduce.add_argument("tutorial", choices=list(RECIPES), help="the tutorial: " + ", ".join(RECIPES))
    _common_options(reproduce)
    return parser


def _common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=0, help="seeds the weights, the batch order and data splits")
    parser.add_argument("--data-dir", help="where to look for MNIST / Fashion-MNIST IDX files first")
    parser.add_argument(
        "--download",
        action="store_true",
        help="download MNIST / Fashion-MNIST (torchvision's mirrors, MD5-checked) into the user cache when missing",
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--json", action="store_true", help="end with one JSON line of results")
    parser.add_argument("--threads", type=int, help="CPU threads for torch (default: torch's choice)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.threads is not None:
            if args.threads < 1:
                raise ValueError(f"--threads must be at least 1, got {args.threads}.")
            torch.set_num_threads(args.threads)
        return run_train(args) if args.command == "train" else run_reproduce(args)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def train_config(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` for ``train``'s arguments."""
    sizes = parse_sizes(args.arch)
    loss = args.loss or ("bce_logits" if sizes[-1] == 1 else "cross_entropy")
    output = "sigmoid" if loss == "bce" else "linear"
    given = [h.name for spec in OPTIMIZERS.values() for h in spec.hyper if getattr(args, h.name) is not None]
    foreign = sorted(set(given) - set(OPTIMIZERS[args.optimizer].hyper_names))
    if foreign:
        raise ValueError(f"--{foreign[0].replace('_', '-')} does not apply to --optimizer {args.optimizer}.")
    return TrainConfig(
        sizes=sizes,
        activations=default_activations(len(sizes) - 1, hidden=args.activation, output=output),
        loss=loss,
        optimizer=args.optimizer,
        lr=args.lr,
        hyper={h: getattr(args, h) for h in OPTIMIZERS[args.optimizer].hyper_names if getattr(args, h) is not None},
        batch_size=_batch_size(args.batch_size),
        epochs=args.epochs,
        l1=args.l1,
        l2=args.l2,
        early_stop_epsilon=args.early_stop,
        seed=args.seed,
        device=args.device,
    )


def _batch_size(text: str) -> int | None:
    if text == "full":
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"--batch-size is a whole number or 'full', got {text!r}.") from None


def run_train(args: argparse.Namespace) -> int:
    config = train_config(args)
    images = {"download": args.download} if args.dataset in IMAGE_DATASETS else {}
    data = load_dataset(args.dataset, data_dir=args.data_dir, seed=args.seed, **images)
    _note(data)
    trainer = Trainer(config, data)
    train_with_progress(trainer, f"{data.name} {format_sizes(config.sizes)}")
    print_epochs(trainer)
    summary = summarize(trainer)
    if args.save:
        summary["saved"] = str(trainer.save(args.save))
        print(f"saved {summary['saved']}")
    if args.json:
        print(json.dumps(summary))
    return 0


def run_reproduce(args: argparse.Namespace) -> int:
    recipe = RECIPES[args.tutorial]
    data, config, substitution = prepare(recipe, args.data_dir, args.seed, download=args.download)
    config = TrainConfig.from_dict({**config.to_dict(), "device": args.device})
    print(f"tutorial {recipe.tutorial}: {recipe.title}")
    print(
        f"  {config.model} {format_sizes(config.sizes)}, {config.loss}, {config.optimizer} lr={config.lr:g}, ", end=""
    )
    print(f"batch {config.batch_size or 'full'}, {config.epochs} epochs; data: {data.source}")
    trainer = Trainer(config, data)
    train_with_progress(trainer, f"tutorial {recipe.tutorial}")
    table = comparison(recipe, trainer)
    print_table(table)
    for note in (substitution, *recipe.notes, trainer.stop_reason):
        if note:
            print(f"note: {note}")
    if args.json:
        summary = summarize(trainer) | {
            "tutorial": recipe.tutorial,
            "substitution": substitution or None,
            "tutorial_dataset": recipe.dataset,
            "our_dataset": data.name,
        }
        summary["rows"] = [{"result": r, "tutorial": t, "ours": o} for r, t, o in table[1:]]
        print(json.dumps(summary))
    return 0


def train_with_progress(trainer: Trainer, description: str) -> None:
    """Run ``trainer`` to the end with a tqdm bar (on stderr) over optimizer steps."""
    total = trainer.config.epochs * trainer.batches_per_epoch
    with tqdm(total=total, desc=description, unit="step", file=sys.stderr, leave=False) as bar:
        while not trainer.done:
            bar.update(trainer.step(STEPS_PER_UPDATE))
            epochs = trainer.history.epoch
            if epochs["epoch"]:
                bar.set_postfix(epoch=epochs["epoch"][-1], loss=f"{epochs['loss'][-1]:.4f}", refresh=False)


def print_epochs(trainer: Trainer) -> None:
    """One line per epoch: loss, train and test accuracy, seconds (at most 20 lines, then every k-th)."""
    frame = trainer.history.frame("epoch")
    stride = max(1, math.ceil(len(frame) / 20))
    rows = [("epoch", "loss", "train acc", "test loss", "test acc", "seconds")]
    for _, r in frame.iloc[::stride].iterrows():
        rows.append(
            (
                str(int(r.epoch)),
                f"{r.loss:.4f}",
                f"{100 * r.accuracy:.2f}%",
                f"{r.test_loss:.4f}",
                f"{100 * r.test_accuracy:.2f}%",
                f"{r.seconds:.2f}",
            )
        )
    print_table(rows)
    if trainer.stop_reason:
        print(f"note: {trainer.stop_reason}")


def summarize(trainer: Trainer) -> dict:
    """The run's results as a JSON-ready dict (non-finite numbers become null)."""
    history = trainer.history
    test_loss, test_accuracy = trainer.evaluate("test")
    final_loss = history.epoch["loss"][-1] if history.epoch["loss"] else (history.batch["loss"] or [math.nan])[-1]
    summary = {
        "dataset": trainer.data.name,
        "source": trainer.data.source,
        "model": trainer.config.spec.describe(),
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "final_loss": final_loss,
        "epochs_run": history.batch["epoch"][-1] if history.batch["epoch"] else 0,
        "steps": trainer.global_step,
        "train_seconds": history.train_seconds,
        "stop_reason": trainer.stop_reason,
        "config": trainer.config.to_dict(),
    }
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in summary.items()}


def print_table(rows: Sequence[Sequence[str]]) -> None:
    """Left-aligned columns, a rule under the header row."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    print("\n".join(lines))


def _note(data: Dataset) -> None:
    if data.message:
        print(f"note: {data.message}", file=sys.stderr)


__all__ = ["build_parser", "main"]
