"""nnviz.heap: the serving processes import what they will use and freeze it out of the collector's full scans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FIRST_USE = """
import gc, json
import serve
import torch
torch.optim.Adam([torch.zeros(1, requires_grad=True)])  # torch.optim's first optimizer imports torch._dynamo
import torchvision.datasets  # the first MNIST load (nnviz.image_files)
print(json.dumps([gc.get_freeze_count(), len(gc.get_objects())]))
"""


def test_the_server_freezes_the_app_and_what_torch_imports_on_first_use():
    """Without the freeze a full collection scans the 330,000 objects of the imports, and torch.optim's first
    optimizer adds 130,000 (torch._dynamo): after serve.py, they are all frozen and an optimizer adds none."""
    done = subprocess.run([sys.executable, "-c", FIRST_USE], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    frozen, tracked = json.loads(done.stdout.splitlines()[-1])
    assert frozen > 400_000
    assert tracked < 5_000
