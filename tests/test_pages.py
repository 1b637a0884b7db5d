"""Every registered page runs headless without an exception and draws at least one chart."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

from tests.apptest import APP, TIMEOUT_S, open_page, plotly_specs
from ui.registry import HOME, SECTIONS, all_pages

PAGES = all_pages()


def test_registry_lists_existing_unique_pages():
    paths = [spec.path for spec in PAGES]
    assert len(paths) == len(set(paths))
    for path in paths:
        assert Path(path).is_file(), path
    assert set(SECTIONS) == {"Foundations", "Learning", "Training"}


def test_no_pages_folder_beside_app_py():
    # Streamlit runs pages/<name>.py directly, without app.py's navigation and sidebar, when a fresh
    # server's first visitor opens /<name>: page scripts must live in a folder of another name.
    assert not Path("pages").exists()


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_page_runs_and_draws_a_chart(spec):
    at = open_page(spec.path)
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    specs = plotly_specs(at)
    assert specs, f"{spec.path} draws no chart"
    for fig in specs:
        assert fig["data"], f"{spec.path} draws an empty chart"


def test_home_teaser_neuron_follows_its_sliders():
    at = open_page(HOME.path)
    at.slider(key="home_w").set_value(2.0)
    at.slider(key="home_b").set_value(-1.0)
    at.slider(key="home_x").set_value(0.5).run()
    assert not at.exception
    curve, point = plotly_specs(at)[0]["data"]
    expected = torch.sigmoid(torch.tensor(2.0 * 0.5 - 1.0)).item()
    assert point["y"][0] == pytest.approx(expected, abs=1e-6)
    assert max(curve["y"]) <= 1.0 and min(curve["y"]) >= 0.0


def test_home_links_every_registered_page():
    at = open_page(HOME.path)
    linked = {link.proto.page for link in at.get("page_link")}
    for section_pages in SECTIONS.values():
        for spec in section_pages:
            assert any(spec.url_path in target for target in linked), spec.path


def test_sidebar_holds_presenter_mode_and_seed():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
    assert at.sidebar.toggle(key="presenter").value is False
    assert at.sidebar.number_input(key="seed").value == 0
    assert not any("font-size: 20px" in element.proto.body for element in at.get("html"))


def test_presenter_mode_enlarges_the_type():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.session_state["presenter"] = True
    at.run()
    assert not at.exception
    assert any("font-size: 20px" in element.proto.body for element in at.get("html"))


@pytest.mark.parametrize("path", ["app.py", *(spec.path for spec in PAGES)])
def test_no_script_has_a_bare_string_streamlit_would_draw(path):
    """Streamlit's "magic" writes every bare expression of a page script (and app.py) onto the page: an attribute
    docstring under a constant showed as a paragraph above the title. Only the module docstring is skipped."""
    tree = ast.parse(Path(path).read_text())
    strings = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    ]
    docstring = [tree.body[0].lineno] if ast.get_docstring(tree) is not None else []
    functions = {  # docstrings of functions and classes are not drawn
        node.body[0].lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and ast.get_docstring(node)
    }
    assert [line for line in strings if line not in docstring and line not in functions] == []
