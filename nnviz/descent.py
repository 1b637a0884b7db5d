"""Optimizer paths on a 2-D loss surface, driven by ``torch.optim``.

A single ``torch.nn.Parameter`` of shape ``(2,)`` starts at a point and a real ``torch.optim`` optimizer moves it
downhill on a :class:`~nnviz.surfaces.Surface`; every position along the way is recorded. Nothing here writes an
update rule by hand: :func:`path` is exactly ``zero_grad(); loss.backward(); optimizer.step()``. The update rules in
LaTeX (:func:`update_rule_latex`) are for reading; :func:`step_detail` fills them with the numbers torch used.

Example::

    surface = make_surface("rosenbrock")
    run = path(surface, "Adam", start=(-1.5, 2.5), lr=0.05, steps=200)
    run.points.shape        # (201, 2)
    run.losses[-1]          # final loss
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from nnviz.optimizers import BUFFER_SYMBOLS, Optimizer, check_learning_rate, optimizer_named
from nnviz.surfaces import Surface

MAX_STEPS = 1000


SCHEDULES = ("constant", "step", "exponential", "cosine")


@dataclass(frozen=True)
class DescentSettings:
    """What defines one run: which optimizer, from where, how fast and how long (see :func:`path`).

    ``hyper`` holds the optimizer's hyperparameters as sorted ``(name, value)`` pairs (a dict is accepted), so
    that settings are hashable and compare equal when they mean the same run.
    """

    optimizer: str
    start: tuple[float, float]
    lr: float
    steps: int
    schedule: str = "constant"
    batch_size: int | None = None
    seed: int = 0
    hyper: tuple[tuple[str, float], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", tuple(float(v) for v in self.start))
        object.__setattr__(self, "hyper", tuple(sorted((str(k), float(v)) for k, v in dict(self.hyper).items())))

    @property
    def hyperparameters(self) -> dict[str, float]:
        return dict(self.hyper)


@dataclass(frozen=True)
class DescentPath:
    """The trajectory of one optimizer on one surface.

    Attributes:
        settings: the run that made it.
        points: positions ``w_0 .. w_n`` of shape ``(n+1, 2)``; ``n = steps`` unless the path diverged.
        losses: full-data loss at each position, shape ``(n+1,)``.
        lrs: learning rate used for each of the ``n`` steps, shape ``(n,)`` (changes under a schedule).
        diverged_at: the step whose result left the bounds or became NaN/inf (not included in ``points``),
            or ``None`` if the path ran all its steps.
    """

    settings: DescentSettings
    points: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray
    diverged_at: int | None = None

    @property
    def optimizer(self) -> str:
        """The optimizer's registry key."""
        return self.settings.optimizer

    @property
    def batch_size(self) -> int | None:
        """Samples per gradient (``None``: the analytic surface or the full data set)."""
        return self.settings.batch_size

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])


def _validate(surface: Surface, run: DescentSettings) -> Optimizer:
    spec = optimizer_named(run.optimizer)
    check_learning_rate(run.lr)
    if not 1 <= run.steps <= MAX_STEPS:
        raise ValueError(f"The number of steps must be between 1 and {MAX_STEPS}, got {run.steps}.")
    if len(run.start) != 2 or not surface.contains(torch.as_tensor(run.start, dtype=torch.float32)):
        (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
        raise ValueError(f"The start {run.start} must lie inside w1 ∈ [{x_lo}, {x_hi}], w2 ∈ [{y_lo}, {y_hi}].")
    spec.check(run.hyperparameters)
    return spec


def make_scheduler(
    optimizer: torch.optim.Optimizer, schedule: str, steps: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """A ``torch.optim.lr_scheduler`` for a run of ``steps`` steps.

    ``"step"`` halves the rate every quarter of the run, ``"exponential"`` decays it to 1 % by the end,
    ``"cosine"`` anneals it to 0 along half a cosine, ``"constant"`` returns ``None``.
    """
    if schedule == "constant":
        return None
    if schedule == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=max(1, steps // 4), gamma=0.5)
    if schedule == "exponential":
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1 / steps))
    if schedule == "cosine":
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    raise ValueError(f"Unknown schedule {schedule!r}; choose one of {', '.join(SCHEDULES)}.")


def _objective(surface: Surface, batch_size: int | None, seed: int):
    """The loss the optimizer sees at step ``k``: the full surface, or a shuffled mini-batch of its data.

    Mini-batches walk through a fresh random permutation of the data each epoch (seeded), as a
    ``DataLoader(shuffle=True, drop_last=False)`` does.
    """
    if batch_size is None:
        return lambda w, k: surface(w)
    if surface.batch_loss is None:
        raise ValueError(f"{surface.title} is not computed from data, so it has no mini-batches.")
    n = surface.n_samples
    if not 1 <= batch_size <= n:
        raise ValueError(f"The batch size must be between 1 and {n} (the number of samples), got {batch_size}.")
    generator = torch.Generator().manual_seed(seed)
    batches: list[Tensor] = []

    def batch_objective(w: Tensor, k: int) -> Tensor:
        if not batches:
            batches.extend(torch.randperm(n, generator=generator).split(batch_size))
        return surface.batch_loss(w, batches.pop(0))

    return batch_objective


def _steps(surface: Surface, run: DescentSettings) -> Iterator[tuple[int, Tensor, torch.optim.Optimizer]]:
    """Run the torch loop, yielding ``(k, w, optimizer)`` just before step ``k`` and once more after the last.

    At each yield ``w.grad`` holds ``∇L(w_k)`` of the loss the step will use and ``optimizer.state`` the
    state accumulated by steps ``0 .. k-1``.
    """
    spec = _validate(surface, run)
    w = torch.nn.Parameter(torch.tensor(run.start, dtype=torch.float32))
    opt = spec.build([w], run.lr, **run.hyperparameters)
    scheduler = make_scheduler(opt, run.schedule, run.steps)
    objective = _objective(surface, run.batch_size, run.seed)
    steps = run.steps
    for k in range(steps):
        opt.zero_grad()
        objective(w, k).backward()
        yield k, w, opt
        opt.step()
        if scheduler is not None:
            scheduler.step()
    yield steps, w, opt


def path(
    surface: Surface,
    optimizer: str,
    start: tuple[float, float],
    lr: float,
    steps: int,
    *,
    schedule: str = "constant",
    batch_size: int | None = None,
    seed: int = 0,
    **hyper: float,
) -> DescentPath:
    """The path of ``torch.optim`` optimizer ``optimizer`` from ``start`` on ``surface``.

    Args:
        surface: the loss surface.
        optimizer: a key of :data:`nnviz.optimizers.OPTIMIZERS`.
        start: the initial point ``(w1, w2)``, inside the surface's bounds.
        lr: the (initial) learning rate, > 0.
        steps: number of optimizer steps, 1 .. :data:`MAX_STEPS`.
        schedule: one of :data:`SCHEDULES` (a ``torch.optim.lr_scheduler``).
        batch_size: for surfaces computed from data: samples per gradient (1 = stochastic, ``n_samples`` = full
            batch); ``None`` uses the full loss without shuffling.
        seed: seed of the mini-batch shuffling.
        **hyper: the optimizer's hyperparameters (``momentum``, ``beta1``, ``beta2``, ``alpha``, ``weight_decay``).

    Returns:
        A :class:`DescentPath`. A step that leaves the bounds or produces NaN/inf ends the path; it is reported in
        ``diverged_at``, never raised.

    Raises:
        ValueError: on bad input (unknown names, ``lr ≤ 0``, too many steps, ``momentum ≥ 1``, start outside).
    """
    settings = DescentSettings(optimizer, start, lr, steps, schedule, batch_size, seed, hyper)
    points, lrs = [], []
    diverged_at = None
    for k, w, opt in _steps(surface, settings):
        if not surface.contains(w.detach()):
            diverged_at = k
            break
        points.append(w.detach().clone())
        if k < steps:
            lrs.append(opt.param_groups[0]["lr"])
    stacked = torch.stack(points)
    with torch.no_grad():
        losses = surface(stacked)
    return DescentPath(
        settings=settings,
        points=stacked.numpy(),
        losses=losses.numpy(),
        lrs=np.asarray(lrs[: len(points) - 1] if diverged_at is not None else lrs, dtype=float),
        diverged_at=diverged_at,
    )


def suggested_lr(surface: Surface, optimizer: str) -> float:
    """A learning rate that makes ``optimizer`` behave reasonably on ``surface``.

    Adaptive optimizers take steps of roughly ``lr`` in parameter units whatever the gradient, so they share
    :attr:`Surface.adaptive_lr`; plain SGD takes steps of ``lr × gradient`` (:attr:`Surface.sgd_lr`) and momentum
    builds them up to about ``1/(1-μ)`` times that (:attr:`Surface.momentum_lr`).
    """
    spec = optimizer_named(optimizer)
    if spec.adaptive:
        return surface.adaptive_lr
    return surface.momentum_lr if "momentum" in spec.hyper_names else surface.sgd_lr


@dataclass(frozen=True)
class StepDetail:
    """Every number in one update ``w_t -> w_{t+1}``, as torch computed it.

    Attributes:
        t: the step count, 1-based as in the update rules (``t = k + 1`` for path index ``k``).
        w: ``w_t``, shape ``(2,)``.
        grad: ``g_t = ∇L(w_t)``, shape ``(2,)``.
        lr: ``η`` used by this step.
        state_before: the optimizer's buffers before the step (names as torch calls them), each ``(2,)``.
        state_after: the buffers after the step.
        w_next: ``w_{t+1}``, shape ``(2,)``.
    """

    t: int
    w: np.ndarray
    grad: np.ndarray
    lr: float
    state_before: dict[str, np.ndarray]
    state_after: dict[str, np.ndarray]
    w_next: np.ndarray


def _buffers(opt: torch.optim.Optimizer, w: Tensor) -> dict[str, np.ndarray]:
    return {
        name: value.detach().clone().numpy()
        for name, value in opt.state.get(w, {}).items()
        if isinstance(value, Tensor) and value.shape == w.shape
    }


def step_detail(surface: Surface, run: DescentSettings, k: int) -> StepDetail:
    """The numbers of step ``k`` (from ``w_k`` to ``w_{k+1}``) of the run :func:`path` makes with ``run``."""
    if not 0 <= k < run.steps:
        raise ValueError(f"Step {k} is outside a run of {run.steps} steps.")
    for index, w, opt in _steps(surface, run):
        if index == k:
            before, w_now, grad = _buffers(opt, w), w.detach().clone(), w.grad.detach().clone()
            step_lr = opt.param_groups[0]["lr"]
        elif index == k + 1:
            return StepDetail(
                t=k + 1,
                w=w_now.numpy(),
                grad=grad.numpy(),
                lr=step_lr,
                state_before=before,
                state_after=_buffers(opt, w),
                w_next=w.detach().clone().numpy(),
            )
    raise AssertionError("unreachable: the loop yields k + 1")


def _vec(v: np.ndarray) -> str:
    return rf"\begin{{pmatrix}}{v[0]:.4g} \\ {v[1]:.4g}\end{{pmatrix}}"


def update_rule_latex(run: DescentSettings, detail: StepDetail) -> list[str]:
    """The update rule of the run's optimizer in LaTeX, then the same step with the numbers torch used.

    Returns:
        LaTeX lines: the symbolic rule, the gradient, the optimizer's buffers after the step and the new point.
    """
    spec = optimizer_named(run.optimizer)
    values = spec.check(run.hyperparameters)
    symbols = {h.name: h.symbol for h in spec.hyper}
    constants = ",\\; ".join([rf"\eta = {detail.lr:.4g}"] + [rf"{symbols[n]} = {v:g}" for n, v in values.items()])
    buffers = [rf"{BUFFER_SYMBOLS[n]} = {_vec(v)}" for n, v in detail.state_after.items() if n in BUFFER_SYMBOLS]
    numbers = [
        rf"t = {detail.t},\; {constants}",
        rf"w_t = {_vec(detail.w)},\quad g_t = \nabla L(w_t) = {_vec(detail.grad)}",
    ]
    if buffers:
        numbers.append(r",\quad ".join(buffers))
    numbers.append(rf"w_{{t+1}} = {_vec(detail.w_next)}")
    return list(spec.rule) + numbers


@dataclass(frozen=True)
class LearningRatePreset:
    """A learning rate for the lesson on the bowl, with one sentence on what it does."""

    name: str
    lr: float
    lesson: str


def learning_rate_presets(condition: float) -> list[LearningRatePreset]:
    """Four learning rates for plain SGD on the bowl ``(w1² + κ w2²)/2``, from its stability limit ``2/κ``.

    On a quadratic, gradient descent multiplies the distance to the minimum along each axis by ``|1 - η λ|``
    per step (``λ = 1`` and ``κ``), so it converges iff ``η < 2/κ`` and oscillates when ``η > 1/κ``.
    """
    limit = 2.0 / condition
    return [
        LearningRatePreset(
            "Too small", 0.02 * limit, "Tiny steps: every step goes the right way, but it crawls and runs out of steps."
        ),
        LearningRatePreset(
            "Good",
            0.4 * limit,
            "Steps of the right size: it drops into the valley quickly, then glides to the minimum.",
        ),
        LearningRatePreset(
            "Too large",
            0.95 * limit,
            "It overshoots the steep direction every step and zig-zags across the valley, barely settling.",
        ),
        LearningRatePreset(
            "Way too large",
            1.05 * limit,
            f"Above 2/κ = {limit:.3g} each overshoot is bigger than the last: the loss explodes and the path diverges.",
        ),
    ]


def pytorch_listing(surface: Surface, run: DescentSettings) -> str:
    """A standalone PyTorch script that makes the same path as :func:`path` with these settings and prints it."""
    spec = optimizer_named(run.optimizer)
    start, steps, schedule, batch_size, seed = run.start, run.steps, run.schedule, run.batch_size, run.seed
    lines = ["import math", "", "import torch", "import torch.nn.functional as F", ""]
    if surface.batch_loss is not None:
        lines += [
            "from sklearn.datasets import make_classification",
            "",
            f"X, y = make_classification(n_samples={surface.n_samples}, n_features=2, n_informative=2,",
            "                           n_redundant=0, n_clusters_per_class=1, class_sep=1.0, flip_y=0.05,",
            f"                           random_state={surface.data_seed})",
            "X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)",
            "y = torch.tensor(y, dtype=torch.float32)",
            "",
        ]
    lines += [
        "",
        "def loss_fn(w, X, y):" if surface.batch_loss is not None else "def loss_fn(w):",
        f"    return {surface.source}",
        "",
        "",
        f"w = torch.nn.Parameter(torch.tensor({list(start)!r}))",
        f"optimizer = {spec.code('[w]', run.lr, **run.hyperparameters)}",
    ]
    scheduler = {
        "step": f"torch.optim.lr_scheduler.StepLR(optimizer, step_size={max(1, steps // 4)}, gamma=0.5)",
        "exponential": f"torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.01 ** (1 / {steps}))",
        "cosine": f"torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max={steps})",
    }.get(schedule)
    if scheduler:
        lines.append(f"scheduler = {scheduler}")
    loss_call = "loss_fn(w)"
    if batch_size is not None:
        lines += [f"generator = torch.Generator().manual_seed({seed})", "batches = []"]
        loss_call = "loss_fn(w, X[batch], y[batch])"
    elif surface.batch_loss is not None:
        loss_call = "loss_fn(w, X, y)"
    lines += ["path = [w.detach().clone()]", f"for step in range({steps}):"]
    if batch_size is not None:
        lines += [
            "    if not batches:  # a new epoch: reshuffle and cut into mini-batches",
            f"        batches = list(torch.randperm(len(X), generator=generator).split({batch_size}))",
            "    batch = batches.pop(0)",
        ]
    lines += [
        "    optimizer.zero_grad()",
        f"    loss = {loss_call}",
        "    loss.backward()",
        "    optimizer.step()",
    ]
    if scheduler:
        lines.append("    scheduler.step()")
    lines += [
        "    path.append(w.detach().clone())",
        "path = torch.stack(path)  # shape (steps + 1, 2)",
        'print(f"final point {path[-1].tolist()}, final loss {loss_fn(w'
        + (", X, y" if surface.batch_loss else "")
        + ').item():.4g}")',
    ]
    return "\n".join(lines) + "\n"
