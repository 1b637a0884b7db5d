"""nnviz.descent: every path is exactly a plain torch.optim loop; convergence, divergence, schedules, batches."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import torch

from nnviz.descent import (
    MAX_STEPS,
    SCHEDULES,
    learning_rate_presets,
    path,
    step_detail,
    suggested_lr,
    update_rule_latex,
)
from nnviz.optimizers import OPTIMIZERS
from nnviz.surfaces import make_surface

# The same optimizers written the way a tutorial writes them.
PLAIN = {
    "sgd": lambda p, lr, h: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr, h: torch.optim.SGD(p, lr=lr, momentum=h.get("momentum", 0.9)),
    "nesterov": lambda p, lr, h: torch.optim.SGD(p, lr=lr, momentum=h.get("momentum", 0.9), nesterov=True),
    "adagrad": lambda p, lr, h: torch.optim.Adagrad(p, lr=lr),
    "rmsprop": lambda p, lr, h: torch.optim.RMSprop(p, lr=lr, alpha=h.get("alpha", 0.99)),
    "adam": lambda p, lr, h: torch.optim.Adam(p, lr=lr, betas=(h.get("beta1", 0.9), h.get("beta2", 0.999))),
    "adamw": lambda p, lr, h: torch.optim.AdamW(
        p, lr=lr, betas=(h.get("beta1", 0.9), h.get("beta2", 0.999)), weight_decay=h.get("weight_decay", 0.01)
    ),
}


def plain_loop(loss_fn, optimizer, start, lr, steps, scheduler=None, **hyper):
    w = torch.tensor(start, requires_grad=True)
    opt = PLAIN[optimizer]([w], lr, hyper)
    sched = scheduler(opt) if scheduler else None
    points = [w.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(w).backward()
        opt.step()
        if sched:
            sched.step()
        points.append(w.detach().clone())
    return torch.stack(points).numpy()


def test_every_registered_optimizer_is_tested():
    assert set(OPTIMIZERS) == set(PLAIN)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("key", ["bowl", "himmelblau", "rastrigin"])
def test_path_equals_a_plain_torch_optim_loop(key, optimizer):
    surface = make_surface(key)
    generator = torch.Generator().manual_seed(zlib.crc32(f"{key}/{optimizer}".encode()))  # the same in every process
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    u = torch.rand(2, generator=generator, dtype=torch.float64).tolist()
    start = (x_lo / 2 + u[0] * (x_hi - x_lo) / 2, y_lo / 2 + u[1] * (y_hi - y_lo) / 2)
    lr = suggested_lr(surface, optimizer) * 0.5
    hyper = {"momentum": 0.7} if "momentum" in OPTIMIZERS[optimizer].hyper_names else {}
    run = path(surface, optimizer, start, lr, 30, **hyper)
    expected = plain_loop(surface, optimizer, start, lr, 30, **hyper)
    assert run.diverged_at is None
    assert run.points.shape == (31, 2)
    np.testing.assert_allclose(run.points, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(run.losses, surface(torch.tensor(expected)).numpy(), rtol=1e-6, atol=1e-7)
    assert run.final_loss == pytest.approx(float(run.losses[-1]))


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_paths_converge_to_the_bowl_minimum(optimizer):
    surface = make_surface("bowl", condition=10)
    run = path(surface, optimizer, (-2.5, 1.5), suggested_lr(surface, optimizer), 400)
    assert not run.diverged
    assert np.linalg.norm(run.points[-1]) < 0.1, run.points[-1]
    assert run.losses[-1] < 1e-2 * run.losses[0]


@pytest.mark.parametrize(
    ("schedule", "make"),
    [
        ("step", lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)),
        ("exponential", lambda opt: torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.01 ** (1 / 40))),
        ("cosine", lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40)),
    ],
)
def test_schedules_are_torch_lr_schedulers(schedule, make):
    surface = make_surface("rosenbrock")
    run = path(surface, "adam", (-1.0, 1.5), 0.1, 40, schedule=schedule)
    expected = plain_loop(surface, "adam", (-1.0, 1.5), 0.1, 40, scheduler=make)
    np.testing.assert_allclose(run.points, expected, rtol=1e-6, atol=1e-7)
    assert run.lrs.shape == (40,)
    assert run.lrs[0] == pytest.approx(0.1) and run.lrs[-1] < 0.1


def test_constant_schedule_keeps_the_rate():
    run = path(make_surface("bowl"), "sgd", (1.0, 1.0), 0.05, 10)
    assert np.all(run.lrs == 0.05)
    assert set(SCHEDULES) == {"constant", "step", "exponential", "cosine"}


def test_divergence_is_reported_not_raised():
    surface = make_surface("bowl", condition=10)
    run = path(surface, "sgd", (-2.5, 1.5), 0.3, 200)  # 0.3 > 2/κ: |1 - 0.3·10| = 2, doubling every step
    assert run.diverged and run.diverged_at is not None
    assert 1 <= run.diverged_at < 200
    assert run.points.shape == (run.diverged_at, 2)
    assert run.lrs.shape == (run.diverged_at - 1,)
    assert np.all(np.isfinite(run.points))
    expected = plain_loop(surface, "sgd", (-2.5, 1.5), 0.3, run.diverged_at)
    assert not surface.contains(torch.tensor(expected[-1]))  # the step it stopped at really left the bounds
    np.testing.assert_allclose(run.points, expected[:-1], rtol=1e-6)


def test_nan_stops_the_path():
    surface = make_surface("beale")
    run = path(surface, "sgd", (-4.0, 4.0), 10.0, 50)  # gradients ~1e5 there: the first step flies off
    assert run.diverged_at == 1 and run.points.shape == (1, 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "learning rate"),
        ({"lr": -0.1}, "learning rate"),
        ({"lr": float("nan")}, "learning rate"),
        ({"steps": MAX_STEPS + 1}, "steps"),
        ({"steps": 0}, "steps"),
        ({"optimizer": "momentum", "momentum": 1.0}, "momentum"),
        ({"optimizer": "adam", "beta1": 1.2}, "beta1"),
        ({"optimizer": "sgd", "momentum": 0.5}, "no hyperparameter"),
        ({"optimizer": "Lion"}, "Unknown optimizer"),
        ({"start": (9.0, 0.0)}, "inside"),
        ({"schedule": "warmup"}, "Unknown schedule"),
        ({"batch_size": 4}, "not computed from data"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, message):
    args = {"optimizer": "sgd", "start": (1.0, 1.0), "lr": 0.01, "steps": 10} | kwargs
    with pytest.raises(ValueError, match=message):
        path(make_surface("rosenbrock"), **args)


def test_minibatch_paths_equal_a_dataloader_style_loop():
    from nnviz.surfaces import classification_data, logistic_loss

    surface = make_surface("logistic", seed=0)
    X, y = classification_data(seed=0)
    run = path(surface, "sgd", surface.start, 0.5, 30, batch_size=16, seed=5)
    generator = torch.Generator().manual_seed(5)
    w = torch.tensor(surface.start, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.5)
    expected, batches = [w.detach().clone()], []
    for _ in range(30):
        if not batches:
            batches = list(torch.randperm(len(X), generator=generator).split(16))
        index = batches.pop(0)
        opt.zero_grad()
        logistic_loss(w, X[index], y[index]).backward()
        opt.step()
        expected.append(w.detach().clone())
    np.testing.assert_allclose(run.points, torch.stack(expected).numpy(), rtol=1e-6)
    assert run.batch_size == 16


def test_smaller_batches_are_noisier_but_seeded():
    surface = make_surface("logistic", seed=0)
    full = path(surface, "sgd", surface.start, 0.5, 150, batch_size=surface.n_samples)
    plain = path(surface, "sgd", surface.start, 0.5, 150)
    np.testing.assert_allclose(full.points, plain.points, rtol=1e-5, atol=1e-6)  # B = n is batch gradient descent

    def spread(run):  # mean distance from the batch-gradient path, step by step
        return float(np.linalg.norm(run.points - full.points, axis=1).mean())

    mini = path(surface, "sgd", surface.start, 0.5, 150, batch_size=16, seed=1)
    single = path(surface, "sgd", surface.start, 0.5, 150, batch_size=1, seed=1)
    assert 0.01 < spread(mini) < spread(single)
    assert np.all(np.diff(full.losses) <= 1e-7)  # batch descent never goes uphill here
    assert np.any(np.diff(single.losses) > 1e-3)  # one sample at a time often does
    np.testing.assert_array_equal(
        single.points, path(surface, "sgd", surface.start, 0.5, 150, batch_size=1, seed=1).points
    )
    assert not np.array_equal(single.points, path(surface, "sgd", surface.start, 0.5, 150, batch_size=1, seed=2).points)
    with pytest.raises(ValueError, match="batch size"):
        path(surface, "sgd", surface.start, 0.5, 10, batch_size=0)


def hand_update(optimizer, d, hyper):
    """The update rules of Optimizer.rule, applied to the numbers of a StepDetail."""
    h = OPTIMIZERS[optimizer].defaults() | hyper
    w, g, lr, before, after, t = d.w, d.grad, d.lr, d.state_before, d.state_after, d.t
    if optimizer == "sgd":
        return w - lr * g
    if optimizer in ("momentum", "nesterov"):
        b = h["momentum"] * before["momentum_buffer"] + g if before else g
        np.testing.assert_allclose(after["momentum_buffer"], b, rtol=1e-5)
        return w - lr * (g + h["momentum"] * b if optimizer == "nesterov" else b)
    if optimizer == "adagrad":
        s = before["sum"] + g**2
        return w - lr * g / (np.sqrt(s) + 1e-10)
    if optimizer == "rmsprop":
        v = h["alpha"] * before.get("square_avg", 0 * g) + (1 - h["alpha"]) * g**2
        return w - lr * g / (np.sqrt(v) + 1e-8)
    b1, b2 = h["beta1"], h["beta2"]
    m = b1 * before.get("exp_avg", 0 * g) + (1 - b1) * g
    v = b2 * before.get("exp_avg_sq", 0 * g) + (1 - b2) * g**2
    if optimizer == "adamw":
        w = w * (1 - lr * h["weight_decay"])
    return w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_step_detail_numbers_follow_the_latex_rule(optimizer):
    surface = make_surface("himmelblau")
    lr = suggested_lr(surface, optimizer)
    run = path(surface, optimizer, (0.5, 0.5), lr, 12)
    for k in (0, 7):
        detail = step_detail(surface, run.settings, k)
        np.testing.assert_allclose(detail.w, run.points[k], rtol=1e-6)
        np.testing.assert_allclose(detail.w_next, run.points[k + 1], rtol=1e-6)
        w = torch.tensor(run.points[k], requires_grad=True)
        surface(w).backward()
        np.testing.assert_allclose(detail.grad, w.grad.numpy(), rtol=1e-5)
        np.testing.assert_allclose(hand_update(optimizer, detail, {}), detail.w_next, rtol=1e-4, atol=1e-6)
        lines = update_rule_latex(run.settings, detail)
        assert lines[: len(OPTIMIZERS[optimizer].rule)] == list(OPTIMIZERS[optimizer].rule)
        assert f"{detail.w_next[0]:.4g}" in lines[-1] and f"t = {k + 1}" in "".join(lines)


def test_learning_rate_presets_tell_the_story_on_the_bowl():
    surface = make_surface("bowl", condition=10)
    presets = {p.name: p for p in learning_rate_presets(10)}
    assert list(presets) == ["Too small", "Good", "Too large", "Way too large"]
    runs = {name: path(surface, "sgd", surface.start, p.lr, 100) for name, p in presets.items()}
    assert runs["Good"].final_loss < 1e-6
    assert runs["Too small"].points[-1, 0] < -1.5  # still crawling along the flat direction
    assert runs["Too small"].final_loss > 1e4 * runs["Good"].final_loss
    w2 = runs["Too large"].points[:, 1]
    assert np.all(np.sign(w2[1:20]) != np.sign(w2[:19]))  # zig-zags across the valley every step
    assert not runs["Too large"].diverged
    assert runs["Way too large"].diverged
    assert all(p.lesson for p in presets.values())


@pytest.mark.parametrize(
    ("key", "optimizer", "kwargs"),
    [
        ("rastrigin", "nesterov", {"momentum": 0.5, "schedule": "step"}),
        ("beale", "adamw", {"weight_decay": 0.1, "schedule": "exponential"}),
        ("logistic", "adam", {"beta1": 0.8, "beta2": 0.99, "schedule": "cosine", "batch_size": 16, "seed": 4}),
        ("logistic", "rmsprop", {}),
    ],
)
def test_the_code_listing_runs_and_makes_the_same_path(key, optimizer, kwargs, capsys):
    from nnviz.descent import pytorch_listing

    surface = make_surface(key, seed=2)
    start = (0.5, 0.5) if key != "logistic" else surface.start
    lr = suggested_lr(surface, optimizer)
    namespace: dict = {}
    run = path(surface, optimizer, start, lr, 25, **kwargs)
    exec(pytorch_listing(surface, run.settings), namespace)
    expected = run.points
    # the listing writes the loss as X @ w, nnviz as w @ X.T: equal up to float32 rounding
    np.testing.assert_allclose(namespace["path"].numpy(), expected, rtol=1e-4, atol=1e-5)
    assert "final loss" in capsys.readouterr().out
