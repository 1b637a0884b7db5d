"""Shared test fixtures: the repository root as the working directory for AppTest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _run_from_repository_root():
    """AppTest resolves ``app.py`` and ``app_pages/...`` relative to the working directory."""
    previous = Path.cwd()
    os.chdir(ROOT)
    yield
    os.chdir(previous)


@pytest.fixture(autouse=True)
def _torch_global_state_is_left_alone():
    """A test (or code it runs) must not change torch's process-wide defaults under the tests after it."""
    import torch

    dtype, threads = torch.get_default_dtype(), torch.get_num_threads()
    yield
    assert torch.get_default_dtype() == dtype, "torch's default dtype was changed"
    assert torch.get_num_threads() == threads, "torch's thread count was changed"
