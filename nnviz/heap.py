"""The long-lived heap of a serving process (the web server, the trainer process): imported once, then frozen out
of the garbage collector's scans.

Python's full collections scan every object the collector tracks, holding the GIL. In the server, the imports
alone make 330,000 such objects (torch, plotly, Streamlit, pandas) and torch.optim's first optimizer imports 870
modules more (torch._dynamo and sympy: 130,000 objects): a full collection took 130 ms on an idle core and 200-640
ms under a classroom's load, during which every session's script, feed and websocket waited (one made a Pause
answer in 0.48 s in ``benchmarks/app_training.py``). :func:`freeze_imports` imports what the process will use,
then moves everything tracked so far into the permanent generation (:func:`gc.freeze`): never scanned again, so a
full collection scans what the visitors' scripts and runs made since, and collects it as before.
"""

from __future__ import annotations

import gc
import importlib
import pkgutil
from collections.abc import Iterable

LAZY = ("torch._dynamo",)
"""What torch imports on first use, for every process that builds an optimizer: ``torch.optim``'s first
``add_param_group`` imports torch._dynamo (and with it sympy and torch.fx)."""


def freeze_imports(modules: Iterable[str] = (), packages: Iterable[str] = ()) -> int:
    """Import ``modules`` and :data:`LAZY`, and every module of ``packages`` (their ``__main__`` excepted: it
    runs a command line), then collect and freeze every object the collector tracks. Returns how many are frozen.

    Call it once, at the process's start, before anything that is not meant to live as long as the process:
    what is frozen is never collected.
    """
    for name in (*LAZY, *modules):
        importlib.import_module(name)
    for name in packages:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if not module.name.endswith(".__main__"):
                importlib.import_module(module.name)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
