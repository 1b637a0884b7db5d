"""nnviz is a library: no module of it imports streamlit, and it has a version."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import nnviz

MODULES = sorted(
    name for _, name, _ in pkgutil.walk_packages(nnviz.__path__, prefix="nnviz.") if not name.endswith("__main__")
)


def test_version():
    assert nnviz.__version__.count(".") == 2


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_no_streamlit(module):
    code = f"import sys, {module}; assert 'streamlit' not in sys.modules, 'streamlit imported'"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
