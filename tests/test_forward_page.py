"""The forward-propagation page, driven headless: Step through a whole pass and check the numbers against torch."""

from __future__ import annotations

import torch

from nnviz.network import TracedMLP
from nnviz.network_text import num
from tests.apptest import open_page, plotly_specs, query

PAGE = "app_pages/forward.py"


def graph(at) -> dict:
    return next(spec for spec in plotly_specs(at) if spec.get("frames"))


def neuron_texts(at) -> list[str]:
    return next(trace for trace in graph(at)["data"] if trace.get("name") == "neurons")["text"]


def torch_reference(at) -> tuple[torch.Tensor, torch.Tensor]:
    """The page's network as a torch module, and its output for the page's input."""
    net: TracedMLP = at.session_state["fwd_net"]
    return net.to_torch(), torch.tensor([1.0, -0.5], dtype=torch.float64)


def test_step_through_a_whole_forward_pass_matches_torch():
    at = open_page(PAGE)
    assert not at.exception and not at.error
    module, x = torch_reference(at)
    hidden = module[1](module[0](x)).detach()
    output = module(x).detach()
    assert graph(at)["layout"]["title"]["text"].startswith("Step 0/2")
    at.button(key="fwd_next").click().run()
    texts = neuron_texts(at)
    assert texts[2:5] == [f"{v:.3g}".replace("-0", "0") if v == 0 else f"{v:.3g}" for v in hidden.tolist()]
    assert texts[5:] == ["", ""]
    latex = " ".join(element.value for element in at.latex)
    assert all(num(v) in latex for v in hidden)
    at.button(key="fwd_next").click().run()
    assert not at.exception
    texts = neuron_texts(at)
    assert texts[5:] == [f"{v:.3g}" for v in output.tolist()]
    assert any(num(output[0]) in element.value for element in at.success)
    softmax = next(spec for spec in plotly_specs(at) if spec["layout"]["title"]["text"].startswith("Softmax"))
    assert softmax["data"][0]["y"] == torch.softmax(module[2](module[1](module[0](x))), -1).detach().tolist()
    assert at.button(key="fwd_next").disabled
    at.button(key="fwd_reset").click().run()
    assert graph(at)["layout"]["title"]["text"].startswith("Step 0/2")


def test_neuron_by_neuron_mode_shows_each_weighted_sum():
    at = open_page(PAGE)
    at.toggle(key="fwd_detailed").set_value(True).run()
    assert graph(at)["layout"]["title"]["text"].startswith("Step 0/5")
    assert len(graph(at)["frames"]) == 6
    module, x = torch_reference(at)
    z = module[0](x).detach()
    for neuron in range(3):
        at.button(key="fwd_next").click().run()
        latex = [element.value.strip("$\n") for element in at.latex]
        assert any(line.startswith(f"z^{{(1)}}_{{{neuron}}}") and line.endswith(num(z[neuron])) for line in latex)


def test_editing_a_weight_changes_the_output_as_torch_says():
    at = open_page(PAGE)
    at.selectbox(key="fwd_edit_layer").set_value(2)
    at.selectbox(key="fwd_edit_i").set_value(1)
    at.selectbox(key="fwd_edit_j").set_value(0)
    at.number_input(key="fwd_edit_value").set_value(3.0)
    at.button(key="fwd_edit_set").click().run()
    assert not at.exception
    net: TracedMLP = at.session_state["fwd_net"]
    assert net.weights[1][1, 0] == 3.0
    expected = net.to_torch()(torch.tensor([1.0, -0.5], dtype=torch.float64)).detach()
    assert f"[{', '.join(num(v) for v in expected)}]" in " ".join(m.value for m in at.markdown)


def test_bad_input_gets_a_clear_message_not_a_traceback():
    at = open_page(PAGE)
    for key, text, message in [
        ("fwd_sizes", "2, 0, 2", "keep it from 1 to 6"),
        ("fwd_sizes", "2, 9, 2", "keep it from 1 to 6 (more neurons make the edges an unreadable hairball)"),
        ("fwd_sizes", "2, 3, 3, 3, 3, 2", "at most 4 weight layers"),
        ("fwd_x", "1, nan", "not a finite number"),
        ("fwd_x", "1, 2, 3", "type 2 values, got 3"),
        ("fwd_x", "1, 1e39", "out of range"),
    ]:
        at.text_input(key=key).set_value(text).run()
        assert not at.exception
        assert any(message in error.value for error in at.error), (text, [e.value for e in at.error])
        at.text_input(key=key).set_value("2, 3, 2" if key == "fwd_sizes" else "1.0, -0.5").run()
        assert not at.error


def test_changing_the_architecture_rebuilds_the_network():
    at = open_page(PAGE)
    at.text_input(key="fwd_sizes").set_value("2, 4, 4, 3").run()
    at.selectbox(key="fwd_act2").set_value("tanh").run()
    assert not at.exception and not at.error
    net: TracedMLP = at.session_state["fwd_net"]
    assert net.sizes == [2, 4, 4, 3] and net.activations == ["relu", "tanh", "softmax"]
    assert len(graph(at)["frames"]) == 4


def test_the_page_round_trips_through_its_url_at_its_step():
    at = open_page(PAGE)
    at.text_input(key="fwd_sizes").set_value("3, 4, 2")
    at.text_input(key="fwd_x").set_value("0.5, 2, -1").run()
    at.selectbox(key="fwd_act1").set_value("tanh")
    at.selectbox(key="fwd_out").set_value("sigmoid")
    at.toggle(key="fwd_detailed").set_value(True).run()
    for _ in range(3):
        at.button(key="fwd_next").click().run()
    link = query(at)
    assert link == {
        "sizes": "3, 4, 2",
        "x": "0.5, 2, -1",
        "act1": "tanh",
        "out": "sigmoid",
        "detailed": "1",
        "step": "3",
    }

    copied = open_page(PAGE, link)
    assert not copied.exception and not copied.error and not copied.toast
    net: TracedMLP = copied.session_state["fwd_net"]
    assert net.sizes == [3, 4, 2] and net.activations == ["tanh", "sigmoid"]
    assert graph(copied)["layout"]["title"]["text"] == graph(at)["layout"]["title"]["text"]  # the same step
    assert [latex.value for latex in copied.latex] == [latex.value for latex in at.latex]
    assert query(copied) == link
    copied.text_input(key="fwd_sizes").set_value("3, 5, 2").run()  # a new network starts its pass again
    assert query(copied).get("step") is None


def test_a_link_with_a_bad_activation_or_step_is_ignored_with_a_notice():
    at = open_page(PAGE, {"act1": "nope", "step": "999", "out": "relu"})
    assert not at.exception
    notice = " ".join(toast.value for toast in at.toast)
    assert "act1" in notice and "step" in notice
    assert at.session_state["fwd_net"].activations == ["relu", "relu"]


def test_it_asks_which_output_wins_and_tells_at_the_output_layer():
    at = open_page(PAGE)
    question = next(radio for radio in at.radio if "Predict" in radio.label)
    assert question.options == ["neuron 0", "neuron 1"]
    assert not any("Softmax" in spec["layout"]["title"]["text"] for spec in plotly_specs(at))  # no giveaway yet
    module, x = torch_reference(at)
    winner = int(module(x).argmax())
    question.set_value(f"neuron {winner}").run()
    at.button(key="fwd_next").click().run()
    at.button(key="fwd_next").click().run()
    assert f"You predicted neuron {winner}: right" in " ".join(s.value for s in at.success)
