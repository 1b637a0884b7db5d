"""AppTest of the neuron, activations and losses pages: drive every control, check the numbers against torch."""

from __future__ import annotations

import re
import sys
import types

import pytest
import torch
import torch.nn.functional as F

from nnviz.activations import ACTIVATIONS
from tests.apptest import open_page, plotly_specs


def _ok(at):
    assert not at.exception, [e.message for e in at.exception]


def _metric(at, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def _figure(at, title_start: str) -> dict:
    return next(s for s in plotly_specs(at) if s["layout"]["title"]["text"].startswith(title_start))


def _title_numbers(at, title_start: str) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+\.\d+", _figure(at, title_start)["layout"]["title"]["text"])]


# --- neuron -------------------------------------------------------------------------------------


def test_neuron_diagram_follows_sliders_and_every_activation():
    at = open_page("app_pages/neuron.py")
    _ok(at)
    assert not at.error
    z, a = _title_numbers(at, "The neuron:")
    assert z == pytest.approx(0.8 * 1.0 + 1.2 * 0.5 + 0.2, abs=1e-3)
    assert a == pytest.approx(torch.sigmoid(torch.tensor(z)).item(), abs=1e-3)
    # sliders to their ends, three inputs
    at.radio(key="neuron_n").set_value(3).run()
    for key, value in [("neuron_x1", 3.0), ("neuron_w1", -3.0), ("neuron_x2", -3.0), ("neuron_w2", -3.0)]:
        at.slider(key=key).set_value(value)
    at.slider(key="neuron_x3").set_value(3.0)
    at.slider(key="neuron_w3").set_value(3.0)
    at.slider(key="neuron_b").set_value(-3.0).run()
    _ok(at)
    x, w = torch.tensor([3.0, -3.0, 3.0]), torch.tensor([-3.0, -3.0, 3.0])
    layer = torch.nn.Linear(3, 1)
    with torch.no_grad():
        layer.weight.copy_(w[None, :])
        layer.bias.fill_(-3.0)
    expected_z = layer(x).item()
    for name in ACTIVATIONS:
        at.selectbox(key="neuron_activation").set_value(name).run()
        _ok(at)
        z, a = _title_numbers(at, "The neuron:")
        assert z == pytest.approx(expected_z, abs=1e-3)
        assert a == pytest.approx(ACTIVATIONS[name].fn(torch.tensor(expected_z)).item(), abs=1e-3), name
    # the heatmap is drawn only for the sigmoid
    assert _figure(at, "The neuron as a classifier")["data"][0]["type"] == "scatter"


def test_perceptron_learns_and_but_not_xor():
    at = open_page("app_pages/neuron.py", {"quiz": "0"})  # the run's length in the metric, no question
    assert _metric(at, "Update step").startswith("0 /")
    at.button(key="perceptron_step_one").click().run()
    assert _metric(at, "Update step").startswith("1 /")
    at.button(key="perceptron_epoch").click().run()
    assert _metric(at, "Update step").startswith("5 /")
    at.button(key="perceptron_run").click().run()
    _ok(at)
    assert at.success and "AND learned" in at.success[0].value
    at.selectbox(key="neuron_gate").set_value("XOR").run()
    assert _metric(at, "Update step").startswith("0 /")  # changing the gate resets
    at.slider(key="neuron_lr").set_value(1.0).run()
    at.button(key="perceptron_run").click().run()
    _ok(at)
    assert at.warning and "not linearly separable" in at.warning[0].value
    assert "hidden layer" in at.warning[0].value
    errors = _figure(at, "Errors after each update")["data"][1]["y"]
    assert len(errors) == 25 * 4 and min(errors) >= 1
    at.button(key="perceptron_reset").click().run()
    assert _metric(at, "Update step").startswith("0 /")
    at.selectbox(key="neuron_gate").set_value("OR").run()
    at.button(key="perceptron_run").click().run()
    assert at.success and "OR learned" in at.success[0].value


def test_the_perceptron_asks_about_xor_without_showing_the_future():
    at = open_page("app_pages/neuron.py", {"gate": "XOR"})
    errors = _figure(at, "Errors after each update")
    assert all(len(trace.get("x", [])) == 0 for trace in errors["data"])  # step 0: no step drawn, none to come
    assert _metric(at, "Update step") == "0"  # "0 / 100" would say it runs all 25 epochs
    at.button(key="perceptron_epoch").click().run()
    assert max(len(trace["x"]) for trace in _figure(at, "Errors after each update")["data"]) == 4
    next(radio for radio in at.radio if "Predict" in radio.label).set_value("yes").run()
    at.button(key="perceptron_run").click().run()
    assert "it is no" in " ".join(w.value for w in at.warning)
    assert max(len(trace["x"]) for trace in _figure(at, "Errors after each update")["data"]) == 100


# --- activations --------------------------------------------------------------------------------


def test_activation_probe_matches_torch_for_every_activation_and_parameter():
    at = open_page("app_pages/activations.py")
    _ok(at)
    assert "Shaded" in at.caption[0].value or any("Shaded" in c.value for c in at.caption)
    at.multiselect(key="act_selected").set_value(list(ACTIVATIONS)).run()
    at.slider(key="act_leaky_relu_slope").set_value(0.5)
    at.slider(key="act_elu_alpha").set_value(3.0)
    at.slider(key="act_probe").set_value(-2.0).run()
    _ok(at)
    table = at.dataframe[0].value.set_index("activation")
    x = torch.tensor(-2.0, requires_grad=True)
    params = {"leaky_relu": {"slope": 0.5}, "elu": {"alpha": 3.0}}
    for name, activation in ACTIVATIONS.items():
        row = table.loc[activation.label]
        kw = params.get(name, {})
        reference = activation.torch_reference or activation.fn
        assert row["f(-2)"] == pytest.approx(reference(x.detach(), **kw).item(), abs=1e-4), name
        if name != "step":
            (grad,) = torch.autograd.grad(reference(x, **kw), x)
            assert row["f′ autograd"] == pytest.approx(grad.item(), abs=1e-4), name
        assert row["f′ analytic"] == pytest.approx(row["f′ autograd"], abs=1e-4), name
    curves = _figure(at, f"{len(ACTIVATIONS)} activations")
    assert len(curves["data"]) == 2 * len(ACTIVATIONS)  # no shading with an overlay
    at.slider(key="act_range").set_value((-10.0, 10.0))
    at.toggle(key="act_show_derivative").set_value(False).run()
    _ok(at)
    assert len(_figure(at, f"{len(ACTIVATIONS)} activations")["data"]) == len(ACTIVATIONS)
    at.multiselect(key="act_selected").set_value([]).run()
    _ok(at)
    assert at.warning and "at least one" in at.warning[0].value


def test_sigmoid_shading_and_softmax_explorer():
    at = open_page("app_pages/activations.py")
    sigmoid = _figure(at, "Sigmoid")
    assert len(sigmoid["layout"]["shapes"]) == 2  # both tails, |σ'| < 0.01
    seed = _figure(at, "Tutorial 000")
    assert seed["data"][0]["x"][0] == pytest.approx(-4.0) and len(seed["data"][0]["x"]) == 81
    for temperature in (0.1, 5.0):
        at.slider(key="act_temperature").set_value(temperature).run()
        _ok(at)
        bars = _figure(at, "softmax(z / T)")["data"][0]["y"]
        expected = torch.softmax(torch.tensor([2.0, 1.0, 0.1, -1.0]) / temperature, 0)
        assert bars == pytest.approx(expected.tolist(), abs=1e-6)
        jac = _figure(at, "Jacobian")["data"][0]["z"]
        logits = torch.tensor([2.0, 1.0, 0.1, -1.0], dtype=torch.float64)
        reference = torch.autograd.functional.jacobian(lambda z, t=temperature: torch.softmax(z / t, 0), logits)
        assert torch.tensor(jac, dtype=torch.float64) == pytest.approx(reference, abs=1e-6)
    at.text_input(key="act_logits").input("3, 3, 3").run()
    _ok(at)
    assert any("uniform" in i.value for i in at.info)
    for bad in ("1, nan", "", "1, two"):
        at.text_input(key="act_logits").input(bad).run()
        _ok(at)
        assert at.error, bad


# --- losses -------------------------------------------------------------------------------------


def test_loss_of_one_sample_for_every_loss_and_prediction_extremes():
    at = open_page("app_pages/losses.py")
    _ok(at)
    assert _metric(at, "BCE of this sample") == f"{F.binary_cross_entropy(torch.tensor(0.2), torch.tensor(1.0)):.4f}"
    for loss, fn in [("mse", F.mse_loss), ("mae", F.l1_loss), ("bce", F.binary_cross_entropy)]:
        at.selectbox(key="loss_kind").set_value(loss).run()
        for p in (0.0, 1.0):
            for label in (0, 1):
                at.radio(key="loss_label").set_value(label)
                at.slider(key="loss_prediction").set_value(p).run()
                _ok(at)
                expected = fn(torch.tensor(p), torch.tensor(float(label))).item()
                assert float(_metric(at, f"{loss.upper()} of this sample")) == pytest.approx(expected, abs=1e-4)
    at.radio(key="loss_label").set_value(0).run()  # p = 1 for a true 0: torch caps −log 0 at 100
    assert float(_metric(at, "BCE of this sample")) == pytest.approx(100.0)


def test_batch_table_presets_and_bad_input():
    at = open_page("app_pages/losses.py")
    preds, targets = torch.tensor([0.9, 0.2, 0.7, 0.1, 0.6]), torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0])
    assert float(_metric(at, "Batch BCE")) == pytest.approx(F.binary_cross_entropy(preds, targets).item(), abs=1e-4)
    bars = _figure(at, "Binary cross-entropy (BCE): each sample")["data"][0]["y"]
    assert bars == pytest.approx(F.binary_cross_entropy(preds, targets, reduction="none").tolist(), abs=1e-6)
    at.selectbox(key="loss_preset").set_value("One confident mistake").run()
    bars = _figure(at, "Binary cross-entropy (BCE): each sample")["data"][0]["y"]
    assert max(bars) == pytest.approx(-torch.log(torch.tensor(0.02)).item(), abs=1e-4)
    at.selectbox(key="loss_preset").set_value("Invalid: a probability of 1.3").run()
    _ok(at)
    assert at.error and "[0, 1]" in at.error[0].value
    at.selectbox(key="loss_kind").set_value("mse").run()  # the same numbers are a fine regression batch
    _ok(at)
    assert not at.error
    assert float(_metric(at, "Batch MSE")) == pytest.approx(
        F.mse_loss(torch.tensor([0.9, 1.3, 0.5]), torch.tensor([1.0, 0.0, 1.0])).item(), abs=1e-4
    )
    at.selectbox(key="loss_preset").set_value("Empty").run()
    _ok(at)
    assert at.error and "empty" in at.error[0].value


def test_cross_entropy_and_gradient_sections():
    at = open_page("app_pages/losses.py")
    for target in range(3):
        at.selectbox(key="loss_target").set_value(target)
        at.slider(key="loss_z0").set_value(-5.0)
        at.slider(key="loss_z1").set_value(5.0).run()
        _ok(at)
        expected = F.cross_entropy(torch.tensor([[-5.0, 5.0, -1.0]]), torch.tensor([target])).item()
        assert float(_metric(at, "Cross-entropy")) == pytest.approx(expected, abs=1e-4)
    for key in ("loss_z0", "loss_z1", "loss_z2"):
        at.slider(key=key).set_value(1.0)
    at.run()
    assert any("log 3" in i.value for i in at.info)
    assert float(_metric(at, "Cross-entropy")) == pytest.approx(torch.log(torch.tensor(3.0)).item(), abs=1e-4)
    for label in (1, 0):
        at.radio(key="loss_grad_label").set_value(label).run()
        _ok(at)
        fig = _figure(at, "Gradient reaching the logit")
        z = torch.tensor(fig["data"][0]["x"], dtype=torch.float64, requires_grad=True)
        p, y = torch.sigmoid(z), torch.full((len(fig["data"][0]["x"]),), float(label), dtype=torch.float64)
        (mse,) = torch.autograd.grad(F.mse_loss(p, y, reduction="sum"), z, retain_graph=True)
        (bce,) = torch.autograd.grad(F.binary_cross_entropy(p, y, reduction="sum"), z)
        assert fig["data"][0]["y"] == pytest.approx(mse.tolist(), abs=1e-6)
        assert fig["data"][1]["y"] == pytest.approx(bce.tolist(), abs=1e-6)


@pytest.mark.parametrize("path", ["app_pages/neuron.py", "app_pages/activations.py", "app_pages/losses.py"])
def test_code_listing_runs(path, tmp_path, monkeypatch):
    """The PyTorch listing in the expander runs as shown."""
    at = open_page(path)
    code = at.get("code")[0].proto.code_text
    monkeypatch.chdir(tmp_path)
    if "matplotlib" in code:  # not a dependency of nnviz: stand in a no-op pyplot, run the torch part for real
        pyplot = types.SimpleNamespace(plot=lambda *a, **k: None, legend=lambda *a, **k: None, show=lambda: None)
        monkeypatch.setitem(sys.modules, "matplotlib", types.SimpleNamespace(pyplot=pyplot))
        monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    exec(compile(code, path + ":listing", "exec"), {"__name__": "__listing__"})  # noqa: S102
