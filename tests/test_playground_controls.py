"""AppTest of the Playground page's run controls: Batch trains the live model that is drawn, the learning rate
retunes the run, the architecture rebuilds it, and a bad architecture says why and keeps the run."""

from __future__ import annotations

import pytest

from nnviz.live import LiveRun
from tests.apptest import open_page, plotly_specs

PAGE = "app_pages/playground.py"


def run_of(at) -> LiveRun:
    return at.session_state["playground_run"]


def stepped(at, n: int = 1):
    """Press Batch ``n`` times, wait for the worker, rerun (one fragment tick)."""
    for _ in range(n):
        at.button(key="playground_step").click().run()
    target = run_of(at).snapshot.step
    run_of(at).wait(lambda snapshot: snapshot.step >= target and not snapshot.running, 30)
    return at.run()


@pytest.fixture
def at():
    page = open_page(PAGE)
    yield page
    run_of(page).close()


def test_batch_trains_the_run_whose_network_and_regions_are_drawn(at):
    at = stepped(at, 3)
    assert not at.exception and not at.error
    assert run_of(at).snapshot.config.sizes == (2, 4, 4, 2)
    titles = [spec["layout"]["title"]["text"] for spec in plotly_specs(at)]
    assert any(title.startswith("Every neuron") for title in titles)
    assert any(title.startswith("Decision regions") for title in titles)
    assert {m.label: m.value for m in at.metric}["Step"] == "3"


def test_the_learning_rate_retunes_the_run_and_the_architecture_rebuilds_it(at):
    at = stepped(at, 2)
    before = run_of(at)
    at.select_slider(key="pg_lr").set_value(0.1).run()
    assert run_of(at) is before and before.snapshot.step == 2
    assert before.call(lambda trainer: trainer.optimizer.param_groups[0]["lr"]) == 0.1
    at.text_input(key="pg_hidden").set_value("3").run()
    assert run_of(at) is not before and run_of(at).snapshot.config.sizes == (2, 3, 2)


def test_a_bad_architecture_says_why_and_keeps_the_run(at):
    before = run_of(at)
    at.text_input(key="pg_hidden").set_value("4, 999").run()
    assert not at.exception
    assert any("256" in error.value for error in at.error)
    assert run_of(at) is before
