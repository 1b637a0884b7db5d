"""One registry per concept: a new activation, loss or optimizer is one entry, and it shows up everywhere.

Each test adds an entry that nnviz does not ship (Mish, the Huber loss, NAdam) to its registry and checks
that every page that lists such things offers it, that models, the trainer and the code listings use it,
and that its math is torch's.
"""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from nnviz import activations, losses, optimizers
from nnviz.activations import Activation
from nnviz.cli import build_parser
from nnviz.codegen import training_script
from nnviz.datasets import load_dataset
from nnviz.losses import Loss
from nnviz.models import ModelSpec, build_model
from nnviz.optimizers import BETA1, BETA2, Optimizer
from nnviz.trainer_process import TrainerProcess
from nnviz.training import TrainConfig, Trainer
from tests.apptest import open_page

MISH = Activation(
    "mish",
    "Mish",
    "Mish",
    "x·tanh(softplus(x))",
    lambda x: x * torch.tanh(F.softplus(x)),
    lambda x: torch.tanh(F.softplus(x)) + x * torch.sigmoid(x) * (1 - torch.tanh(F.softplus(x)) ** 2),
    r"\mathrm{Mish}(x)=x\tanh(\mathrm{softplus}(x))",
    r"\mathrm{Mish}'(x)=\tanh(\mathrm{sp}(x))+x\,\sigma(x)\,\mathrm{sech}^2(\mathrm{sp}(x))",
    "[≈ −0.31, +∞)",
    "A smooth, self-gated ReLU (YOLOv4).",
    module=nn.Mish,
    module_code="nn.Mish()",
    torch_reference=F.mish,
    torch_code="F.mish({x})",
)
HUBER = Loss(
    "huber",
    "Huber loss",
    "Huber",
    r"\frac{1}{n}\sum_i \begin{cases}\tfrac12 (\hat y_i-y_i)^2 & |\hat y_i-y_i|<1\\ |\hat y_i-y_i|-\tfrac12\end{cases}",
    "Regression: quadratic near the target, linear far from it.",
    prediction="value",
    target="value",
    terms=lambda p, y: F.huber_loss(p, y, reduction="none"),
    torch_fn=F.huber_loss,
    torch_code="F.huber_loss",
    module_code="nn.HuberLoss()",
    outputs=("*",),
    prediction_gradient=lambda p, y: torch.clamp(p - y, -1.0, 1.0),
)
NADAM = Optimizer(
    "nadam",
    "NAdam",
    torch.optim.NAdam,
    rule=(r"w_{t+1} = w_t - \eta\,\mathrm{NAdam}(g_t)",),
    blurb="Adam with Nesterov momentum.",
    hyper=(BETA1, BETA2),
    adaptive=True,
)


TRAIN = ["train", "--dataset", "xor", "--arch", "2-4-2"]


@pytest.fixture
def train_here(monkeypatch):
    """The pages' runs train in this process: an entry added here at run time is not in the trainer process's
    registries (one added to the registry's module is in both)."""

    def cannot_start(self) -> None:
        raise OSError("entries added at run time live in this process only")

    monkeypatch.setattr(TrainerProcess, "_start", cannot_start)


@pytest.fixture
def mish(monkeypatch, train_here):
    monkeypatch.setitem(activations.ACTIVATIONS, "mish", MISH)


@pytest.fixture
def huber(monkeypatch, train_here):
    monkeypatch.setitem(losses.LOSSES, "huber", HUBER)


@pytest.fixture
def nadam(monkeypatch, train_here):
    monkeypatch.setitem(optimizers.OPTIMIZERS, "nadam", NADAM)


def options(at, kind: str, key: str) -> list:
    return list(getattr(at, kind)(key=key).options)


def test_a_new_activation_is_on_every_page_that_lists_activations(mish):
    at = open_page("app_pages/activations.py")
    assert "Mish" in options(at, "multiselect", "act_selected")
    at.multiselect(key="act_selected").set_value(["mish"]).run()
    assert not at.exception and not at.error
    at = open_page("app_pages/neuron.py")
    assert "Mish" in options(at, "selectbox", "neuron_activation")
    at = open_page("app_pages/forward.py")
    assert "Mish" in options(at, "selectbox", "fwd_act1") and "Mish" in options(at, "selectbox", "fwd_out")
    at.selectbox(key="fwd_act1").set_value("mish").run()
    assert not at.exception and not at.error
    at = open_page("app_pages/backprop.py")
    assert "Mish" in options(at, "selectbox", "bp_act1")
    at = open_page("app_pages/playground.py")
    assert "Mish" in options(at, "selectbox", "pg_activation")
    at.selectbox(key="pg_activation").set_value("mish").run()
    assert not at.exception and not at.error
    assert at.session_state["playground_run"].snapshot.config.activations[0] == "mish"
    assert build_parser().parse_args([*TRAIN, "--activation", "mish"]).activation == "mish"


def test_a_new_activation_builds_models_and_listings(mish):
    model = build_model(ModelSpec("mlp", (3, 5, 2), ("mish", "linear")), seed=0)
    assert isinstance(model.act1, nn.Mish)
    x = torch.linspace(-5, 5, 101, dtype=torch.float64, requires_grad=True)
    (slope,) = torch.autograd.grad(F.mish(x).sum(), x)
    torch.testing.assert_close(MISH.derivative(x.detach()), slope)
    code = training_script(TrainConfig(sizes=(2, 6, 2), activations=("mish", "linear"), epochs=1), "xor")
    assert "nn.Mish()," in code


def test_a_new_loss_is_on_the_losses_page_and_trains(huber):
    at = open_page("app_pages/losses.py")
    assert "Huber loss" in options(at, "selectbox", "loss_kind")
    at.selectbox(key="loss_kind").set_value("huber").run()
    assert not at.exception and not at.error
    assert any("F.huber_loss" in c.value for c in at.caption)
    config = TrainConfig(sizes=(2, 8, 2), loss="huber", optimizer="adam", lr=0.01, epochs=2)
    trainer = Trainer(config, load_dataset("xor"))
    trainer.run()
    assert trainer.stop_reason is None and math.isfinite(trainer.history.epoch["loss"][-1])
    assert "loss_fn = nn.HuberLoss()" in training_script(config, "xor")
    assert build_parser().parse_args([*TRAIN, "--loss", "huber"]).loss == "huber"


def test_a_new_optimizer_races_on_the_descent_page_and_trains(nadam):
    at = open_page("app_pages/descent.py")
    assert "NAdam" in options(at, "selectbox", "descent_optimizer")
    at.selectbox(key="descent_optimizer").set_value("nadam").run()
    assert not at.exception and not at.error
    assert {s.label for s in at.slider} >= {BETA1.label, BETA2.label}  # its hyperparameters get their controls
    at.session_state["descent_tab"] = "Race"
    at.run()
    assert "NAdam" in options(at, "multiselect", "descent_race")
    at.multiselect(key="descent_race").set_value(["sgd", "nadam"]).run()
    assert not at.exception and not at.error
    at = open_page("app_pages/playground.py")
    assert "NAdam" in options(at, "selectbox", "pg_optimizer")
    at.selectbox(key="pg_optimizer").set_value("nadam").run()
    assert not at.exception and not at.error
    assert at.session_state["playground_run"].snapshot.config.optimizer == "nadam"
    config = TrainConfig(sizes=(2, 8, 2), optimizer="nadam", lr=0.01, hyper={"beta1": 0.8}, epochs=1)
    trainer = Trainer(config, load_dataset("xor"))
    assert isinstance(trainer.optimizer, torch.optim.NAdam) and trainer.optimizer.defaults["betas"] == (0.8, 0.999)
    assert "torch.optim.NAdam(model.parameters(), lr=0.01, betas=(0.8, 0.999))" in training_script(config, "xor")
    assert build_parser().parse_args([*TRAIN, "--optimizer", "nadam"]).optimizer == "nadam"
