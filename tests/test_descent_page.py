"""The gradient-descent page headless: every surface × optimizer, each tab, bad input, the start sliders."""

from __future__ import annotations

import pytest

from nnviz import descent
from nnviz.descent import MAX_STEPS
from nnviz.optimizers import OPTIMIZERS
from nnviz.surfaces import SURFACES, make_surface
from tests.apptest import click, open_page, plotly_specs, query

PAGE = "app_pages/descent.py"


@pytest.fixture(scope="module")
def page():
    at = open_page(PAGE)
    at.number_input(key="descent_steps").set_value(15).run()
    return at


def charts(at) -> dict[str, dict]:
    return {spec["layout"]["title"]["text"]: spec for spec in plotly_specs(at)}


def reveal(at) -> None:
    next(button for button in at.button if button.label == "Reveal").click().run()


def test_every_surface_and_optimizer_runs(page):
    at = page
    for surface in SURFACES:
        at.selectbox(key="descent_surface").set_value(surface).run()
        for optimizer in OPTIMIZERS:
            at.selectbox(key="descent_optimizer").set_value(optimizer).run()
            assert not at.exception, (surface, optimizer, [e.message for e in at.exception])
            assert not at.error, (surface, optimizer, [e.value for e in at.error])
            specs = charts(at)
            label = OPTIMIZERS[optimizer].label
            contour = next(spec for title, spec in specs.items() if title.startswith(label))
            path = next(t for t in contour["data"] if t.get("name", "").startswith(label))
            assert len(path["x"]) >= 2
            assert any("update rule" in md.value for md in at.markdown)


def test_moving_the_start_slider_moves_the_path(page):
    at = page
    at.selectbox(key="descent_surface").set_value("himmelblau").run()
    at.selectbox(key="descent_optimizer").set_value("sgd").run()
    at.slider(key="descent_w1").set_value(2.0)
    at.slider(key="descent_w2").set_value(-3.0).run()
    contour = next(s for t, s in charts(at).items() if t.startswith("SGD"))
    start = next(t for t in contour["data"] if t.get("name") == "start")
    assert (start["x"][0], start["y"][0]) == (2.0, -3.0)
    code = at.get("code")[0].value
    assert "[2.0, -3.0]" in code and "torch.optim.SGD" in code


def test_bad_learning_rate_and_steps_get_a_clear_message(page):
    at = page
    at.selectbox(key="descent_surface").set_value("bowl").run()
    at.selectbox(key="descent_optimizer").set_value("adam").run()
    lr_key = "descent_lr"
    assert at.number_input(key=lr_key).value == pytest.approx(descent.suggested_lr(make_surface("bowl"), "adam"))
    at.number_input(key=lr_key).set_value(0.0).run()
    assert not at.exception
    assert any("learning rate must be a positive" in e.value for e in at.error)
    at.number_input(key=lr_key).set_value(0.2).run()
    assert not at.error
    steps = at.number_input(key="descent_steps")
    assert steps.max == MAX_STEPS  # the widget itself cannot go past the bound path() enforces
    steps.set_value(MAX_STEPS).run()
    assert not at.error and not at.exception
    at.number_input(key="descent_steps").set_value(15).run()


def test_race_draws_an_animation_with_final_losses():
    at = open_page(PAGE)
    at.selectbox(key="descent_surface").set_value("rosenbrock").run()
    at.number_input(key="descent_steps").set_value(40).run()
    at.session_state["descent_tab"] = "Race"
    at.run()
    at.multiselect(key="descent_race").set_value(["sgd", "nesterov", "adam"]).run()
    assert not at.exception and not at.error
    race = next(s for t, s in charts(at).items() if t.startswith("Race"))
    assert not any("final loss" in t.get("name", "") for t in race["data"])  # the winner is not told yet
    assert race["layout"]["sliders"][0]["active"] == 0 and "Race loss" not in " ".join(charts(at))
    question = next(radio for radio in at.radio if "Predict" in radio.label)
    assert question.options == ["SGD", "Nesterov", "Adam"]
    question.set_value("Adam").run()
    reveal(at)
    race = next(s for t, s in charts(at).items() if t.startswith("Race"))
    assert race["frames"] and race["layout"]["sliders"]
    legend = [t["name"] for t in race["data"] if "final loss" in t.get("name", "") or "diverged" in t.get("name", "")]
    assert [name.split(":")[0] for name in legend] == ["SGD", "Nesterov", "Adam"]
    at.select_slider(key="descent_scale").set_value(10.0).run()
    assert not at.exception


def test_learning_rate_presets_and_batch_sizes():
    at = open_page(PAGE)
    at.session_state["descent_tab"] = "Learning rate"
    at.run()
    for preset in ["Too small", "Good", "Too large", "Way too large"]:
        at.radio(key="descent_preset").set_value(preset).run()
        assert not any(preset.lower() in title for title in charts(at))  # hidden until the prediction is revealed
        reveal(at)
        assert not at.exception and not at.error
        told = " ".join(info.value for info in at.info)
        answer = "diverge" if preset == "Way too large" else "converge"
        assert f"The answer: {answer}." in told.replace("**", "")
        assert any(preset.lower() in title for title in charts(at))
    assert any("diverged" in t["name"] for t in charts(at)["All four learning rates"]["data"])
    at.session_state["descent_tab"] = "Batch size"
    at.run()
    at.slider(key="descent_batch").set_value(8).run()
    assert not at.exception and not at.error
    contour = charts(at)["Logistic regression: the true BCE surface"]
    names = [t.get("name", "") for t in contour["data"]]
    assert any(n.startswith("full batch (B=200)") for n in names)
    assert any(n.startswith("mini-batch (B=8)") for n in names)
    assert any(n.startswith("stochastic (B=1)") for n in names)


def test_the_start_point_and_race_settings_survive_tabs_and_other_controls():
    at = open_page(PAGE)
    at.selectbox(key="descent_surface").set_value("beale").run()
    at.slider(key="descent_w1").set_value(-2.0).run()
    at = click(at, "descent_contour", [{"x": 2.5, "y": -1.25}])  # a click on the map sets the start
    assert (at.slider(key="descent_w1").value, at.slider(key="descent_w2").value) == (2.5, -1.25)
    at.session_state["descent_tab"] = "Race"
    at.run()
    at.select_slider(key="descent_scale").set_value(0.3).run()
    assert "[2.5, -1.25]" in at.get("code")[0].value  # the race starts where Explore's click put it
    at.session_state["descent_tab"] = "Learning rate"
    at.run()
    at.session_state["descent_tab"] = "Explore"
    at.run()
    at.number_input(key="descent_steps").set_value(30).run()  # another control changes: the start stays
    assert (at.slider(key="descent_w1").value, at.slider(key="descent_w2").value) == (2.5, -1.25)
    at.session_state["descent_tab"] = "Race"
    at.run()
    assert at.select_slider(key="descent_scale").value == 0.3
    at.selectbox(key="descent_surface").set_value("bowl").run()  # a new surface starts from its own start
    at.session_state["descent_tab"] = "Explore"
    at.run()
    assert (at.slider(key="descent_w1").value, at.slider(key="descent_w2").value) == make_surface("bowl").start


def test_the_page_round_trips_through_its_url():
    at = open_page(PAGE)
    at.selectbox(key="descent_surface").set_value("rosenbrock").run()
    at.selectbox(key="descent_optimizer").set_value("adam").run()
    at.slider(key="descent_beta1").set_value(0.8)
    at.number_input(key="descent_lr").set_value(0.05)
    at.slider(key="descent_w1").set_value(1.0).run()
    at.slider(key="descent_t").set_value(7).run()
    shown = [latex.value for latex in at.latex]
    at.session_state["descent_tab"] = "Race"
    at.run()
    at.multiselect(key="descent_race").set_value(["adam", "sgd"])
    at.select_slider(key="descent_scale").set_value(3.0).run()
    link = query(at)
    assert link["tab"] == "Race" and link["race"] == ["adam", "sgd"] and link["scale"] == "3" and link["t"] == "7"

    copied = open_page(PAGE, link)
    assert not copied.toast and not copied.exception
    assert copied.multiselect(key="descent_race").value == ["adam", "sgd"]
    assert copied.select_slider(key="descent_scale").value == 3.0
    assert query(copied) == link
    copied.session_state["descent_tab"] = "Explore"
    copied.run()
    assert copied.selectbox(key="descent_optimizer").value == "adam"
    assert copied.slider(key="descent_beta1").value == pytest.approx(0.8)
    assert copied.number_input(key="descent_lr").value == pytest.approx(0.05)
    assert copied.slider(key="descent_w1").value == pytest.approx(1.0)
    assert copied.slider(key="descent_t").value == 7
    assert [latex.value for latex in copied.latex] == shown  # the rule with the numbers of the linked step


def test_a_link_without_a_learning_rate_gets_the_one_that_suits_it():
    at = open_page(PAGE, {"surface": "himmelblau", "optimizer": "rmsprop", "lr": "auto", "w1": "99"})
    assert at.number_input(key="descent_lr").value == pytest.approx(
        descent.suggested_lr(make_surface("himmelblau"), "rmsprop")
    )
    assert "w1" in " ".join(toast.value for toast in at.toast)  # out of bounds: ignored with a notice
    assert at.slider(key="descent_w1").value == make_surface("himmelblau").start[0]
