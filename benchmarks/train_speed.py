"""Training speed: tutorial 002's own loop against nnviz's Trainer, same data and settings, one process.

Both train 784-128-10 (ReLU) with Adam(lr=1e-3), cross-entropy, batch 64, 5 epochs on Fashion-MNIST
(MNIST's shape; MNIST itself is not on this machine) and then measure test accuracy:

* the tutorial loop: ``FashionMNIST(root, transform=ToTensor())`` + ``DataLoader(batch_size=64,
  shuffle=True)``, a ``loss.item()`` per batch, exactly as tutorial 002 writes it;
* nnviz: :class:`nnviz.training.Trainer` on tensors already in memory (and it also evaluates the
  test split after every epoch, which the tutorial loop does only once).

Timed: training plus test evaluation (reading the files from disk is timed separately).
Target: nnviz <= 0.35x the tutorial loop's time, test accuracy >= the tutorial's minus 0.5 points.

Measured on the shared 2-core build machine (torch 2.14.1, heavily loaded by other jobs, so the
absolute times are inflated; the ratio is what counts):

* torch's default 2 threads: tutorial 331.5 s / 86.32 %, nnviz 63.3 s / 87.17 %: ratio 0.191, +0.85 points;
* ``--threads 1``:           tutorial 44.6 s / 86.06 %, nnviz  9.4 s / 87.12 %: ratio 0.211, +1.06 points.
* peak RSS 810 MiB after imports, 901 MiB after the tutorial loop, 1,100 MiB after nnviz (+199 MiB: the
  70,000 images as float32 tensors, 4 bytes a pixel against torchvision's 1).

    .venv/bin/python benchmarks/train_speed.py [--data-dir /usr/share/datasets/fashion-mnist] [--threads N]
"""

from __future__ import annotations

import argparse
import gzip
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch
from torch import nn, optim
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnviz.datasets import load_images  # noqa: E402
from nnviz.image_files import IDX_FILES  # noqa: E402
from nnviz.models import SimpleNN  # noqa: E402
from nnviz.training import TrainConfig, Trainer  # noqa: E402

EPOCHS, BATCH_SIZE, LR = 5, 64, 1e-3
TARGET_RATIO, ACCURACY_MARGIN = 0.35, 0.005


def torchvision_root(source: Path, into: Path) -> Path:
    """Gunzip (or copy) the four IDX files from ``source`` into torchvision's ``into/FashionMNIST/raw``."""
    raw = into / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for stem in IDX_FILES:
        packed, plain = source / f"{stem}.gz", source / stem
        if packed.is_file():
            with gzip.open(packed, "rb") as src, open(raw / stem, "wb") as dst:
                shutil.copyfileobj(src, dst)
        else:
            shutil.copyfile(plain, raw / stem)
    return into


def tutorial_loop(root: Path) -> tuple[float, float, float]:
    """Tutorial 002's code on Fashion-MNIST: (load seconds, train+eval seconds, test accuracy 0-1)."""
    t0 = time.perf_counter()
    transform = transforms.Compose([transforms.ToTensor()])
    train_dataset = datasets.FashionMNIST(root=root, train=True, download=False, transform=transform)
    test_dataset = datasets.FashionMNIST(root=root, train=False, download=False, transform=transform)
    train_loader = DataLoader(dataset=train_dataset, batch_size=BATCH_SIZE, shuffle=True)
    test_loader = DataLoader(dataset=test_dataset, batch_size=BATCH_SIZE, shuffle=False)
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    model = SimpleNN()
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=LR)
    for epoch in range(EPOCHS):
        model.train()
        running_loss = 0.0
        for images, labels in train_loader:
            optimizer.zero_grad()
            outputs = model(images)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        print(f"  tutorial  epoch {epoch + 1}/{EPOCHS}, loss {running_loss / len(train_loader):.4f}", flush=True)
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in test_loader:
            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return load_s, time.perf_counter() - t0, correct / total


def nnviz_loop(root: Path, seed: int) -> tuple[float, float, float]:
    """nnviz's Trainer on the same files: (load seconds, train+eval seconds, test accuracy 0-1)."""
    t0 = time.perf_counter()
    data = load_images("fashion-mnist", root, fallback=False)
    load_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    config = TrainConfig(
        sizes=(784, 128, 10), model="SimpleNN", loss="cross_entropy", optimizer="adam", lr=LR, batch_size=BATCH_SIZE
    )
    trainer = Trainer(TrainConfig.from_dict({**config.to_dict(), "epochs": EPOCHS, "seed": seed}), data)
    while not trainer.done:
        trainer.epoch()
        e = trainer.history.epoch
        print(f"  nnviz epoch {e['epoch'][-1]}/{EPOCHS}, loss {e['loss'][-1]:.4f}", flush=True)
    accuracy = trainer.history.epoch["test_accuracy"][-1]
    return load_s, time.perf_counter() - t0, accuracy


def peak_rss_mb() -> float:
    """The process's peak resident memory so far, MiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist", help="the four IDX files (.gz ok)")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads for both loops (default: torch's)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, Fashion-MNIST from {args.data_dir}")
    with tempfile.TemporaryDirectory() as tmp:
        root = torchvision_root(Path(args.data_dir), Path(tmp))
        rss_start = peak_rss_mb()
        torch.manual_seed(args.seed)
        tutorial_load, tutorial_s, tutorial_acc = tutorial_loop(root)
        rss_tutorial = peak_rss_mb()
        nnviz_load, nnviz_s, nnviz_acc = nnviz_loop(root, args.seed)
        rss_nnviz = peak_rss_mb()
    ratio = nnviz_s / tutorial_s
    print(
        f"tutorial 002 loop : {tutorial_s:6.2f} s train+eval, test accuracy {tutorial_acc:.2%} "
        f"({tutorial_load:.2f} s to open)"
    )
    print(f"nnviz Trainer : {nnviz_s:6.2f} s train+eval, test accuracy {nnviz_acc:.2%} ({nnviz_load:.2f} s to load)")
    print(f"time ratio nnviz/tutorial: {ratio:.3f} (target <= {TARGET_RATIO})")
    difference = 100 * (nnviz_acc - tutorial_acc)
    print(f"accuracy difference: {difference:+.2f} points (target >= {-100 * ACCURACY_MARGIN:.1f})")
    print(
        f"peak RSS: {rss_start:.0f} MiB at start, {rss_tutorial:.0f} MiB after the tutorial loop, "
        f"{rss_nnviz:.0f} MiB after nnviz (+{rss_nnviz - rss_tutorial:.0f} MiB: float32 tensors of 70,000 images)"
    )
    ok = ratio <= TARGET_RATIO and nnviz_acc >= tutorial_acc - ACCURACY_MARGIN
    print("target met" if ok else "target NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
