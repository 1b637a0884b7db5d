"""The Playground's architecture controls and regression problems driven headless, each checked against the model:
the +/− buttons change the model's layer sizes (through the typed widths and the URL), a layer's activation
select puts that activation module in the model, and a regression run's loss is torch's MSE (or L1) of its output."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnviz.live import LiveRun
from nnviz.models import linear_layers
from tests.apptest import open_page, plotly_specs
from tests.test_playground_page import array

PAGE = "app_pages/playground.py"


def run_of(at) -> LiveRun:
    return at.session_state["playground_run"]


def hidden_sizes(at) -> list[int]:
    """The hidden widths of the run's model itself (not of its config)."""
    layers = run_of(at).call(lambda trainer: [layer.out_features for _, layer in linear_layers(trainer.model)])
    return layers[:-1]


def activation_modules(at) -> list[type]:
    """The classes of the model's modules after each hidden Linear layer."""

    def after_linear(trainer) -> list[type]:
        modules = list(trainer.model.children())
        return [type(modules[k + 1]) for k, m in enumerate(modules[:-1]) if isinstance(m, nn.Linear)]

    return run_of(at).call(after_linear)


@pytest.fixture
def at():
    page = open_page(PAGE)
    assert not page.exception and not page.error
    yield page
    run_of(page).close()


def test_plus_and_minus_change_the_models_layers_and_the_typed_widths(at):
    assert hidden_sizes(at) == [4, 4]
    at.button(key="playground_neurons_add_2").click().run()
    assert hidden_sizes(at) == [4, 5] and at.text_input(key="pg_hidden").value == "4, 5"
    assert at.query_params["hidden"] == "4, 5"  # the URL keeps the typed form
    at.button(key="playground_layer_add").click().run()
    assert hidden_sizes(at) == [4, 5, 5]
    at.button(key="playground_neurons_remove_1").click().run()
    assert hidden_sizes(at) == [3, 5, 5]
    for _ in range(3):
        at.button(key="playground_layer_remove").click().run()
    assert not at.exception and not at.error
    assert hidden_sizes(at) == [] and at.text_input(key="pg_hidden").value == ""
    assert at.button(key="playground_layer_remove").disabled
    at.text_input(key="pg_hidden").set_value("8, 1").run()  # the typed form stays the fast way
    assert at.button(key="playground_neurons_add_1").disabled and at.button(key="playground_neurons_remove_2").disabled
    assert hidden_sizes(at) == [8, 1]


def test_each_layers_activation_is_the_module_in_the_model_and_the_one_select_sets_all(at):
    at.selectbox(key="playground_act_2").set_value("relu").run()
    assert not at.exception and not at.error
    assert activation_modules(at) == [nn.Tanh, nn.ReLU]
    assert run_of(at).snapshot.config.activations == ("tanh", "relu", "linear")
    assert at.query_params["acts"] == "tanh, relu"
    at.button(key="playground_layer_add").click().run()  # a new layer takes the every-layer activation
    assert activation_modules(at) == [nn.Tanh, nn.ReLU, nn.Tanh]
    at.button(key="playground_layer_remove").click().run()
    at.button(key="playground_layer_remove").click().run()  # the relu layer goes, and its name with it
    assert activation_modules(at) == [nn.Tanh] and at.session_state["pg_acts"] == ""
    at.selectbox(key="pg_activation").set_value("sigmoid").run()
    assert activation_modules(at) == [nn.Sigmoid]


def test_a_link_with_activations_per_layer_builds_them():
    at = open_page(PAGE, {"hidden": "3,2,2", "acts": "relu,sigmoid"})
    try:
        assert not at.exception and not at.error
        assert hidden_sizes(at) == [3, 2, 2] and activation_modules(at) == [nn.ReLU, nn.Sigmoid, nn.Tanh]
        assert at.selectbox(key="playground_act_2").value == "sigmoid"
    finally:
        run_of(at).close()
    bad = open_page(PAGE, {"acts": "relu,step"})
    assert any("step" in error.value for error in bad.error)  # step cannot be trained: said, nothing built


LOSS_FUNCTIONS = {"mse": (F.mse_loss, "nn.MSELoss()"), "mae": (F.l1_loss, "nn.L1Loss()")}


@pytest.mark.parametrize(("problem", "loss_name"), [("reg-plane", "mse"), ("reg-gauss", "mse"), ("reg-gauss", "mae")])
def test_a_regression_trains_one_linear_output_on_torchs_loss(at, problem, loss_name):
    at.selectbox(key="pg_problem").set_value(problem).run()
    if loss_name != "mse":
        at.selectbox(key="pg_loss").set_value(loss_name).run()
    torch_loss, module_code = LOSS_FUNCTIONS[loss_name]
    at.button(key="playground_step").click().run()
    run = run_of(at)
    run.wait(lambda snapshot: snapshot.step >= 1 and not snapshot.running, 30)
    at.run()
    assert not at.exception and not at.error
    snapshot = run.snapshot
    assert snapshot.config.loss == loss_name and snapshot.config.sizes[-1] == 1 and snapshot.step == 1

    def losses(trainer):
        with torch.no_grad():
            expected = torch_loss(trainer.model(trainer.x_test).squeeze(-1), trainer.data.y_test)
        return float(expected), trainer.evaluate("test")

    expected, (loss, accuracy) = run.call(losses)
    assert loss == pytest.approx(expected, rel=1e-6) and accuracy != accuracy  # NaN: a regression has no accuracy
    script = at.code[0].value  # the exported script trains the same regression
    assert f'make_toy("{problem}", seed=' in script and module_code in script and "test loss" in script
    metrics = {m.label: m.value for m in at.metric}
    assert "Accuracy" not in metrics and metrics["Test loss"] == f"{snapshot.evaluation.loss:.3f}"

    output = next(t for spec in plotly_specs(at) for t in spec["data"] if t.get("name") == "output")
    axis = torch.as_tensor(array(output["x"]), dtype=torch.float32)
    grid = torch.stack([axis.repeat(len(axis)), axis.repeat_interleave(len(axis))], dim=1)  # row = x₂
    expected = run.call(lambda trainer: trainer.predict(grid)).reshape(len(axis), len(axis))
    torch.testing.assert_close(torch.as_tensor(array(output["z"])).reshape(expected.shape), expected, atol=1e-5, rtol=0)


def test_the_script_of_ones_own_points_embeds_them_and_builds_the_crosses(at):
    at.multiselect(key="pg_features").set_value(["x1", "x2", "x2_squared"]).run()
    at.radio(key="pg_data").set_value("yours").run()
    assert not at.exception and not at.error
    points = run_of(at).call(lambda trainer: trainer.data)
    script = at.code[0].value
    assert "x[:, 1] ** 2,  # x₂²" in script and "from nnviz" not in script
    assert script.count("\n    (") == points.n_train + points.n_test  # every point, one line each
