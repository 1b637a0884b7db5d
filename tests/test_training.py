"""nnviz.training: the stepwise Trainer against plain torch loops, on tiny data."""

from __future__ import annotations

import math
import time
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from nnviz.datasets import load_dataset, toy_2d, tutorial000_data
from nnviz.losses import LOSSES
from nnviz.models import ModelSpec, linear_layers
from nnviz.optimizers import OPTIMIZERS
from nnviz.toys import make_toy
from nnviz.training import TrainConfig, Trainer

GAUSS = toy_2d("gauss", n_samples=200, noise=0.1, seed=1)
XOR = toy_2d("xor", n_samples=200, seed=2)


def trainer(data=GAUSS, **settings) -> Trainer:
    base = {"sizes": (2, 8, 2), "batch_size": 16, "epochs": 3, "lr": 0.01}
    return Trainer(TrainConfig(**{**base, **settings}), data)


def losses(t: Trainer) -> list[float]:
    return t.history.batch["loss"]


# --- configuration ----------------------------------------------------------------------------------------------


def test_config_round_trips_through_a_dict():
    config = TrainConfig(sizes=(2, 8, 1), loss="bce", optimizer="nesterov", hyper={"momentum": 0.8}, l2=1e-3)
    assert config.activations == ("relu", "sigmoid")
    assert TrainConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"lr": 0.0}, "learning rate must be a positive"),
        ({"lr": math.nan}, "learning rate must be a positive"),
        ({"batch_size": 0}, "batch size must be at least 1"),
        ({"epochs": 0}, "Train for 1 to 5,000 epochs"),
        ({"epochs": 10**9}, "Train for 1 to 5,000 epochs"),
        ({"sizes": (2,)}, "at least an input and an output"),
        ({"optimizer": "lbfgs"}, "Unknown optimizer 'lbfgs'"),
        ({"loss": "hinge"}, "Unknown loss 'hinge'"),
        ({"optimizer": "adam", "hyper": {"momentum": 0.9}}, "Adam has no hyperparameter momentum"),
        ({"optimizer": "momentum", "hyper": {"momentum": 1.0}}, r"momentum must lie in \[0, 0.99\]"),
        ({"lr": 1e4}, "at most 100"),
        ({"activations": ("step", "linear")}, "Step has a zero gradient"),
        ({"loss": "bce"}, "bce needs one output unit"),
        ({"sizes": (2, 8, 1), "loss": "bce", "activations": ("relu", "linear")}, "bce compares probabilities"),
        ({"l2": -1.0}, "cannot be negative"),
    ],
)
def test_bad_settings_are_clear_value_errors(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**settings)


def test_unknown_settings_in_a_dict_are_refused():
    with pytest.raises(ValueError, match="Unknown training settings: colour"):
        TrainConfig.from_dict({**TrainConfig().to_dict(), "colour": "red"})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sizes": (3, 8, 2)}, "takes 3 inputs but 'gauss' has 2 features"),
        ({"sizes": (2, 8, 3)}, "3 outputs but 'gauss' has 2 classes"),
    ],
)
def test_network_must_fit_the_data(settings, message):
    with pytest.raises(ValueError, match=message):
        trainer(**settings)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_cuda_without_a_gpu_is_a_clear_error():
    with pytest.raises(ValueError, match="no GPU is available"):
        trainer(device="cuda")


# --- ground truth: a plain torch loop ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"optimizer": "adam"},
        {"optimizer": "nesterov", "hyper": {"momentum": 0.9}, "l1": 1e-3, "l2": 1e-2},
        {"sizes": (2, 8, 1), "loss": "bce", "optimizer": "rmsprop", "batch_size": 7},
        {"sizes": (2, 8, 2), "loss": "mse", "optimizer": "adagrad"},
    ],
)
def test_trainer_matches_a_plain_torch_loop(settings):
    """Same initial weights and batch order: every loss, gradient norm and final weight equals torch's loop."""
    t = trainer(**settings)
    cfg = t.config
    model = type(t.model)(cfg.sizes, cfg.activations)
    model.load_state_dict(t.model.state_dict())
    optimizer = type(t.optimizer)(model.parameters(), **{k: v for k, v in t.optimizer.defaults.items()})
    generator = torch.Generator().manual_seed(cfg.seed)
    x, y = GAUSS.x_train, GAUSS.y_train
    expected_losses, expected_norms = [], []
    for _ in range(cfg.epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), cfg.batch_size):
            idx = order[start : start + cfg.batch_size]
            out = model(x[idx])
            if cfg.loss == "cross_entropy":
                loss = F.cross_entropy(out, y[idx])
            elif cfg.loss == "bce":
                loss = F.binary_cross_entropy(out.squeeze(-1), y[idx].float())
            else:
                loss = F.mse_loss(out, F.one_hot(y[idx], 2).float())
            weights = [layer.weight for _, layer in linear_layers(model)]
            penalty = sum(cfg.l1 * w.abs().sum() + cfg.l2 * (w**2).sum() for w in weights)
            optimizer.zero_grad()
            (loss + penalty).backward()
            expected_losses.append(loss.item())
            expected_norms.append([w.grad.norm().item() for w in weights])
            optimizer.step()
    t.run()
    assert losses(t) == pytest.approx(expected_losses, rel=1e-5, abs=1e-6)
    frame = t.history.frame()
    got_norms = frame[[f"grad_norm/{name}" for name in t.history.layer_names]].to_numpy().tolist()
    assert got_norms == [pytest.approx(row, rel=1e-4) for row in expected_norms]
    for a, b in zip(t.model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_evaluate_matches_torch_on_the_test_split():
    t = trainer()
    t.run()
    with torch.no_grad():
        out = t.model(GAUSS.x_test)
    loss, accuracy = t.evaluate("test")
    assert loss == pytest.approx(F.cross_entropy(out, GAUSS.y_test).item(), rel=1e-5)
    assert accuracy == pytest.approx((out.argmax(1) == GAUSS.y_test).float().mean().item())
    assert t.history.epoch["test_accuracy"][-1] == pytest.approx(accuracy)


# --- steps, pause/resume, reproducibility -----------------------------------------------------------------------


def test_same_seed_same_history_other_seed_other_history():
    a, b, c = trainer(seed=3), trainer(seed=3), trainer(seed=4)
    for t in (a, b, c):
        t.run()
    columns = ["loss", "accuracy", *[f"grad_norm/{n}" for n in a.history.layer_names]]
    assert a.history.frame()[columns].equals(b.history.frame()[columns])
    assert losses(a) != losses(c)


def test_reproducible_whatever_the_global_rng_does():
    torch.manual_seed(0)
    a = trainer(seed=5)
    torch.manual_seed(1)
    b = trainer(seed=5)
    a.run(), b.run()
    assert losses(a) == losses(b)


def test_pausing_anywhere_gives_the_same_run():
    """Stepping in odd slices (pausing mid-epoch) equals one uninterrupted run."""
    whole, sliced = trainer(), trainer()
    whole.run()
    taken = [sliced.step(5), sliced.step(1), sliced.epoch(), sliced.step(100)]
    assert sum(taken) == whole.global_step == 3 * whole.batches_per_epoch
    assert losses(sliced) == losses(whole)
    assert sliced.history.epoch == whole.history.epoch | {"seconds": sliced.history.epoch["seconds"]}
    assert sliced.done and sliced.step(3) == 0


def test_reset_starts_over_with_the_same_weights():
    t = trainer()
    first = {k: v.clone() for k, v in t.model.state_dict().items()}
    t.run()
    run_losses = list(losses(t))
    t.reset()
    assert t.global_step == 0 and not t.history.batch["loss"] and not t.done
    for k, v in t.model.state_dict().items():
        torch.testing.assert_close(v, first[k])
    t.run()
    assert losses(t) == run_losses


def test_history_columns_and_epoch_numbers():
    t = trainer(batch_size=30, epochs=2)  # 100 samples -> batches of 30, 30, 30, 10
    t.run()
    batch, epoch = t.history.frame("batch"), t.history.frame("epoch")
    assert t.batches_per_epoch == 4 and len(batch) == 8 and list(batch.step) == list(range(1, 9))
    assert list(batch.epoch) == [1] * 4 + [2] * 4
    assert list(epoch.epoch) == [1, 2]
    assert epoch.loss[0] == pytest.approx(batch.loss[:4].mean())
    assert set(batch.lr) == {0.01} and (batch.seconds > 0).all()
    assert batch.accuracy.between(0, 1).all() and epoch.test_accuracy.between(0, 1).all()
    assert list(t.history.layer_names) == ["fc1", "fc2"]


def test_batch_size_one_is_sgd_and_none_is_full_batch():
    data = GAUSS.subset(20, 10)
    assert trainer(data, batch_size=1).batches_per_epoch == 20
    full = trainer(data, batch_size=None)
    assert full.batches_per_epoch == 1 and full.batch_size == 20
    assert trainer(data, batch_size=1000).batches_per_epoch == 1


def test_step_for_a_time_budget():
    t = trainer(epochs=50)
    start = time.perf_counter()
    taken = t.step_for(0.05)
    assert taken >= 1 and t.global_step == taken
    assert time.perf_counter() - start < 1.0
    with pytest.raises(ValueError, match="at least 1 batch"):
        t.step(0)


# --- every optimizer and loss learns -----------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("loss", list(LOSSES))
def test_every_optimizer_and_loss_lowers_the_loss(optimizer, loss):
    sizes = (2, 8, 1) if LOSSES[loss].target == "binary" else (2, 8, 2)
    t = trainer(XOR, sizes=sizes, loss=loss, optimizer=optimizer, lr=0.05, epochs=8)
    start, _ = t.evaluate("train")
    t.run()
    end, _ = t.evaluate("train")
    assert end < 0.9 * start, f"{optimizer}/{loss}: {start:.4f} -> {end:.4f}"
    assert t.stop_reason is None


# --- stopping: divergence and early stop ------------------------------------------------------------------------


def test_divergence_stops_training_and_says_where():
    t = trainer(loss="mse", optimizer="sgd", lr=100.0, epochs=5)
    t.run()  # no exception
    assert t.done and t.stop_reason.startswith("diverged at step ")
    step = int(t.stop_reason.split()[3].rstrip(":"))
    assert t.history.batch["step"][-1] == step == t.global_step
    assert not math.isfinite(t.history.batch["loss"][-1])
    assert all(math.isfinite(v) for v in t.history.batch["loss"][:-1])
    assert t.step(5) == 0


def test_non_finite_probabilities_for_bce_are_divergence_not_an_exception():
    t = trainer(sizes=(2, 8, 1), loss="bce")
    t.step(2)
    with torch.no_grad():
        t.model[0].weight.fill_(math.nan)
    assert t.step(5) == 0
    assert t.stop_reason.startswith("diverged at step 3")


def test_early_stop_fires_when_the_loss_stops_changing():
    eps = 5e-3
    t = trainer(batch_size=None, epochs=500, lr=0.01, early_stop_epsilon=eps)
    t.run()
    epoch_losses = t.history.epoch["loss"]
    changes = [abs(a - b) for a, b in zip(epoch_losses, epoch_losses[1:], strict=False)]
    assert t.stop_reason.startswith(f"early stop after epoch {len(epoch_losses)}")
    assert len(epoch_losses) < 500 and changes[-1] <= eps and all(c > eps for c in changes[:-1])


def test_tutorial000_setup_full_batch_without_a_test_split():
    data = tutorial000_data(test_size=0)
    t = Trainer(
        TrainConfig(
            sizes=(5, 1), model="Net", loss="bce", batch_size=None, epochs=100, lr=0.01, early_stop_epsilon=1e-3
        ),
        data,
    )
    t.run()
    assert t.batches_per_epoch == 1 and t.history.epoch["loss"][-1] < t.history.epoch["loss"][0]
    assert math.isnan(t.history.epoch["test_accuracy"][-1])


def test_fresh_adam_per_batch_moves_every_weight_by_about_lr():
    """Tutorial 004 builds a new Adam each batch: every step is Adam's first, a step of ~lr * sign(grad)."""
    t = trainer(lr=1e-3, fresh_optimizer_per_batch=True)
    for _ in range(2):
        before = [p.detach().clone() for p in t.model.parameters()]
        t.step(1)
        for p, b in zip(t.model.parameters(), before, strict=True):
            moved = (p.detach() - b).abs()
            moved = moved[moved > 0]
            torch.testing.assert_close(moved, torch.full_like(moved, 1e-3), rtol=1e-2, atol=1e-6)


# --- predictions and checkpoints ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("sizes", "loss"), [((2, 8, 2), "cross_entropy"), ((2, 8, 1), "bce_logits")])
def test_predict_proba_and_decision_grid(sizes, loss):
    t = trainer(sizes=sizes, loss=loss)
    t.run()
    proba = t.predict_proba(GAUSS.x_test)
    assert proba.shape == (len(GAUSS.x_test), 2)
    torch.testing.assert_close(proba.sum(1), torch.ones(len(proba)))
    assert (proba.argmax(1) == GAUSS.y_test).float().mean() == pytest.approx(t.evaluate("test")[1])
    gx, gy, grid = t.decision_grid(resolution=20)
    assert gx.shape == gy.shape == (20,) and grid.shape == (20, 20, 2)
    torch.testing.assert_close(grid[3, 7], t.predict_proba(torch.tensor([[gx[7], gy[3]]]))[0])


def test_decision_grid_needs_2d_inputs():
    digits = load_dataset("digits").subset(50, 20)
    t = trainer(digits, sizes=(64, 10))
    with pytest.raises(ValueError, match="needs 2-D inputs"):
        t.decision_grid()


def test_trainer_checkpoint_round_trip_and_refusal(tmp_path):
    t = trainer()
    t.run()
    path = t.save(tmp_path / "run.pt")
    other = trainer(seed=9)
    other.load(path)
    assert other.evaluate("test") == pytest.approx(t.evaluate("test"))
    wider = trainer(sizes=(2, 16, 2))
    with pytest.raises(ValueError, match="holds mlp 2-8-2"):
        wider.load(path)
    assert t.config.spec == ModelSpec("mlp", (2, 8, 2), ("relu", "linear"))


def test_config_replace_revalidates():
    with pytest.raises(ValueError, match="learning rate"):
        replace(TrainConfig(), lr=-1.0)


# --- regression -------------------------------------------------------------------------------------------------

REG_GAUSS = make_toy("reg-gauss", n_samples=200, noise=0.1, seed=3)


def test_a_regression_trains_one_output_on_torchs_mse_and_records_no_accuracy():
    """Float targets as they are, the output squeezed to (n,): every batch loss and the final weights equal a plain
    torch loop on F.mse_loss; every accuracy is NaN and the test loss is torch's MSE on the test split."""
    t = trainer(REG_GAUSS, sizes=(2, 6, 1), activations=("tanh", "linear"), loss="mse", optimizer="sgd", lr=0.1)
    model = type(t.model)(t.config.sizes, t.config.activations)
    model.load_state_dict(t.model.state_dict())
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    generator = torch.Generator().manual_seed(t.config.seed)
    x, y = REG_GAUSS.x_train, REG_GAUSS.y_train
    expected = []
    for _ in range(t.config.epochs):
        order = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), t.config.batch_size):
            idx = order[start : start + t.config.batch_size]
            loss = F.mse_loss(model(x[idx]).squeeze(-1), y[idx])
            optimizer.zero_grad()
            loss.backward()
            expected.append(loss.item())
            optimizer.step()
    t.run()
    assert losses(t) == pytest.approx(expected, rel=1e-5, abs=1e-7)
    for a, b in zip(t.model.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    with torch.no_grad():
        test_mse = F.mse_loss(model(REG_GAUSS.x_test).squeeze(-1), REG_GAUSS.y_test).item()
    loss, accuracy = t.evaluate("test")
    assert loss == pytest.approx(test_mse, rel=1e-5) and t.history.epoch["test_loss"][-1] == pytest.approx(test_mse)
    assert math.isnan(accuracy)
    assert all(math.isnan(a) for a in t.history.batch["accuracy"] + t.history.epoch["accuracy"])
    assert all(math.isnan(a) for a in t.history.epoch["test_accuracy"])
    torch.testing.assert_close(t.predict(REG_GAUSS.x_test), model(REG_GAUSS.x_test).squeeze(-1).detach())
    with pytest.raises(ValueError, match="regression: it has predicted values"):
        t.predict_proba(REG_GAUSS.x_test)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"sizes": (2, 8, 2), "loss": "mse"}, "one output and a loss on values"),
        ({"sizes": (2, 8, 1), "loss": "bce", "activations": ("relu", "sigmoid")}, "not 1 outputs and bce"),
    ],
)
def test_a_regression_needs_one_output_and_a_loss_on_values(settings, message):
    with pytest.raises(ValueError, match=message):
        trainer(REG_GAUSS, **settings)
