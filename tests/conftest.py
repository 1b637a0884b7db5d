"""Shared test fixtures: the repository root as the working directory for AppTest."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True, scope="session")
def _run_from_repository_root():
    """AppTest resolves ``app.py`` and ``pages/...`` relative to the working directory."""
    previous = Path.cwd()
    os.chdir(ROOT)
    yield
    os.chdir(previous)
