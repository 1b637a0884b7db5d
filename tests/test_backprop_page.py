"""The backpropagation page, driven headless: Step back through a whole pass; every number shown equals autograd."""

from __future__ import annotations

import pytest
import torch

from nnviz.network import TracedMLP, autograd_gradients
from nnviz.network_text import num
from tests.apptest import open_page, plotly_specs, query

PAGE = "app_pages/backprop.py"
NO_QUESTIONS = {"quiz": "0"}  # predict-then-reveal off: these tests read the gradients from step 0
X = [1.0, -0.5]


def latex(at) -> str:
    return " ".join(element.value for element in at.latex)


def neuron_texts(at) -> list[str]:
    graph = next(
        spec
        for spec in plotly_specs(at)
        if "∂L" in spec["layout"]["title"]["text"] or "loss" in spec["layout"]["title"]["text"]
    )
    return next(trace for trace in graph["data"] if trace.get("name") == "neurons")["text"]


def test_step_back_through_a_whole_pass_shows_autograd_numbers():
    at = open_page(PAGE)
    assert not at.exception and not at.error
    net: TracedMLP = at.session_state["bp_net"]
    assert net.activations == ["sigmoid", "sigmoid"]
    y = torch.tensor([1.0, 0.0], dtype=torch.float64)
    reference = autograd_gradients(net, X, y, "mse")
    assert num(net.loss(X, y, "mse")) in latex(at)
    for layer in (2, 1):
        at.button(key="bp_next").click().run()
        assert not at.exception
        shown = latex(at)
        dW, db = reference[layer - 1]
        assert all(num(v) in shown for v in dW.flatten()), layer
        assert all(num(v) in shown for v in db), layer
    assert at.button(key="bp_next").disabled
    module = net.to_torch()
    x = torch.tensor(X, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.mse_loss(module(x), y).backward()
    assert neuron_texts(at)[:2] == [f"{v:.3g}" for v in x.grad.tolist()]


def test_cross_entropy_uses_the_combined_formula_and_says_so():
    at = open_page(PAGE)
    at.selectbox(key="bp_loss").set_value("cross_entropy").run()
    assert not at.exception and not at.error
    net: TracedMLP = at.session_state["bp_net"]
    assert net.activations[-1] == "softmax"
    at.button(key="bp_next").click().run()
    assert "onehot" in latex(at)
    assert any("prediction − target" in info.value for info in at.info)
    reference = autograd_gradients(net, X, 1, "cross_entropy")
    assert all(num(v) in latex(at) for v in reference[-1][1])


def test_gradient_check_table_agrees_with_autograd():
    at = open_page(PAGE, NO_QUESTIONS)
    table = at.dataframe[0].value
    net: TracedMLP = at.session_state["bp_net"]
    reference = autograd_gradients(net, X, [1.0, 0.0], "mse")
    assert len(table) == 2 * 3 + 3 + 3 * 2 + 2
    w = table.set_index("parameter")
    assert w.loc["W1[2,1]", "autograd"] == pytest.approx(reference[0][0][2, 1].item())
    assert (w["|ours − autograd|"] < 1e-12).all()
    assert ((w["ours"] - w["finite diff."]).abs() < 1e-7).all()


def test_one_gradient_descent_step_lowers_the_loss():
    at = open_page(PAGE, NO_QUESTIONS)
    net: TracedMLP = at.session_state["bp_net"]
    before = net.loss(X, [1.0, 0.0], "mse")
    at.slider(key="bp_lr").set_value(1.0)
    at.button(key="bp_apply").click().run()
    assert not at.exception
    after = at.session_state["bp_net"].loss(X, [1.0, 0.0], "mse")
    assert after < before
    assert at.metric[0].value == num(after)


def test_computation_graph_and_vanishing_gradients():
    at = open_page(PAGE, NO_QUESTIONS)
    graphs = at.get("graphviz_chart")
    assert graphs and "digraph" in graphs[0].proto.spec
    at.slider(key="bp_graph_reveal_2").set_value(1).run()
    assert at.get("graphviz_chart")[0].proto.spec.count("grad ?") > 10
    at.slider(key="bp_depth").set_value(6).run()
    bars = next(spec for spec in plotly_specs(at) if spec["layout"]["yaxis"].get("type") == "log")
    sigmoid, relu = bars["data"]
    assert len(sigmoid["y"]) == 6 and sigmoid["y"][0] < relu["y"][0]


def test_bad_input_gets_a_clear_message():
    at = open_page(PAGE)
    at.text_input(key="bp_y").set_value("1, 0, 1").run()
    assert not at.exception
    assert any("type 2 values, got 3" in error.value for error in at.error)
    at.text_input(key="bp_y").set_value("1, 0").run()
    at.text_input(key="bp_sizes").set_value("2, 0").run()
    assert any("keep it from 1 to 6" in error.value for error in at.error)


def test_the_page_round_trips_through_its_url_at_its_step():
    at = open_page(PAGE, NO_QUESTIONS)
    at.selectbox(key="bp_loss").set_value("cross_entropy").run()
    assert at.selectbox(key="bp_out").value == "softmax"  # the only output that fits cross-entropy on 2 classes
    at.text_input(key="bp_y_class").set_value("0")
    at.selectbox(key="bp_act1").set_value("tanh")
    at.selectbox(key="bp_w_layer").set_value(2).run()
    at.selectbox(key="bp_w_j").set_value(2)
    at.slider(key="bp_lr").set_value(1.25).run()
    for _ in range(2):
        at.button(key="bp_next").click().run()
    link = query(at)
    assert link == {
        "quiz": "0",
        "loss": "cross_entropy",
        "y_class": "0",
        "act1": "tanh",
        "out": "softmax",
        "step": "2",
        "w_layer": "2",
        "w_j": "2",
        "lr": "1.25",
    }
    copied = open_page(PAGE, link)
    assert not copied.exception and not copied.error and not copied.toast
    assert copied.session_state["bp_net"].activations == ["tanh", "softmax"]
    assert latex(copied) == latex(at)  # the same step, the same weight's chain, the same numbers
    assert query(copied) == link


def test_sigmoid_layers_shrink_the_gradient_on_a_deep_network():
    at = open_page(PAGE, {"depth": "20"})
    shrink = next(caption.value for caption in at.caption if "sigmoid layers shrink it" in caption.value)
    assert "20 sigmoid layers" in shrink


def test_it_asks_for_the_sign_of_a_gradient_before_it_shows_any():
    at = open_page(PAGE)
    assert not at.dataframe and not at.get("graphviz_chart")  # no gradient on the page before the first step
    question = next(radio for radio in at.radio if "Predict" in radio.label)
    assert "positive, negative or zero" in question.label and question.value is None
    net: TracedMLP = at.session_state["bp_net"]
    x, y = torch.tensor(X, dtype=torch.float64), torch.tensor([1.0, 0.0], dtype=torch.float64)
    expected = float(autograd_gradients(net, x, y, "mse")[-1][0][0, 0])  # dL/dW of the output layer, [0, 0]
    sign = "positive" if expected > 0 else "negative"
    question.set_value("negative" if sign == "positive" else "positive").run()
    at.button(key="bp_next").click().run()
    assert at.dataframe  # the gradients show from the first step
    told = " ".join(w.value for w in at.warning)
    assert f"it is {sign}" in told and num(expected) in told
