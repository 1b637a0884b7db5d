"""Tiny IDX files in MNIST's format, written by the tests themselves (no MNIST on this machine)."""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.server
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray, *, gz: bool = False) -> Path:
    """Write ``array`` (uint8) as an IDX file: magic 00 00 08 ndim, big-endian uint32 sizes, the bytes."""
    payload = bytes([0, 0, 8, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    payload += np.ascontiguousarray(array, dtype=np.uint8).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(payload))
    else:
        path.write_bytes(payload)
    return path


def write_mnist(directory: Path, *, gz: bool = False, seed: int = 0, label: int | None = None) -> dict[str, np.ndarray]:
    """Four IDX files (20 train, 10 test images of 28×28) in ``directory``; returns what was written.

    ``label`` fixes every label to one value, so tests can tell which source was read.
    """
    rng = np.random.default_rng(seed)
    arrays = {}
    for split, n in (("train", 20), ("t10k", 10)):
        arrays[f"{split}-images-idx3-ubyte"] = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8) if label is None else np.full(n, label, np.uint8)
        arrays[f"{split}-labels-idx1-ubyte"] = labels
    for stem, array in arrays.items():
        write_idx(directory / stem, array, gz=gz)
    return arrays


def refused_url() -> str:
    """An http URL of a local port with nothing listening: connections to it are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


@contextmanager
def serve_mnist(monkeypatch, directory: Path, *, label: int | None = None) -> Iterator[Path]:
    """Serve MNIST-format .gz files from ``directory`` over local HTTP, with torchvision's MNIST mirrors (a refused
    one first) and MD5 sums pointing at them, for the download tests (there is no internet here)."""
    import torchvision

    arrays = write_mnist(directory, gz=True, label=label)
    resources = [(f"{stem}.gz", hashlib.md5((directory / f"{stem}.gz").read_bytes()).hexdigest()) for stem in arrays]

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setattr(torchvision.datasets.MNIST, "mirrors", [refused_url(), served])
    monkeypatch.setattr(torchvision.datasets.MNIST, "resources", resources)
    try:
        yield directory
    finally:
        server.shutdown()
        server.server_close()
