"""The optimizers, one registry: each entry is a ``torch.optim`` class, its hyperparameters with their
ranges, and its update rule in LaTeX.

The gradient-descent page races them on 2-D surfaces, the trainer trains networks with them and the
code listings write them out; all of them read :data:`OPTIMIZERS`, so adding an optimizer is one entry::

    adam = OPTIMIZERS["adam"]
    optimizer = adam.build(model.parameters(), lr=1e-3, beta1=0.9)   # torch.optim.Adam(..., betas=(0.9, 0.999))
    adam.code("model.parameters()", lr=1e-3)                         # the same call as source code

Hyperparameters have flat names (``beta1``, ``beta2``) so that a control, a URL and a command-line flag
each carry one number; :meth:`Optimizer.torch_kwargs` turns them into torch's own keywords (``betas``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import torch

MAX_LEARNING_RATE = 100.0
"""Larger rates teach nothing a rate of 100 does not (every surface and network here diverges well below it)."""


def check_learning_rate(lr: float) -> float:
    """``lr`` as a float, or a ValueError saying why it cannot be a learning rate (0 < η ≤ 100, finite)."""
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not math.isfinite(lr) or lr <= 0:
        raise ValueError(f"The learning rate must be a positive number, got {lr}.")
    if lr > MAX_LEARNING_RATE:
        raise ValueError(f"Keep the learning rate at most {MAX_LEARNING_RATE:g}; every run here diverges long before.")
    return float(lr)


@dataclass(frozen=True)
class Hyperparameter:
    """A tunable constant of an optimizer, with the bounds its control and its validation share.

    Attributes:
        name: flat keyword (``"beta1"``), as in :meth:`Optimizer.build`, URLs and CLI flags.
        symbol: its LaTeX symbol in the update rule (``r"\\beta_1"``).
        label: the control's label (``"β₁ (momentum)"``).
        default: torch's default, or the classic value (0.9 for momentum).
        low, high: the closed range a control offers; values outside are refused.
        step: the control's step; ``format`` its printf format.
    """

    name: str
    symbol: str
    label: str
    default: float
    low: float
    high: float
    step: float
    format: str = "%.2f"

    def check(self, value: float) -> float:
        """``value`` as a float, or a ValueError naming the range."""
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{self.name} must be a number, got {value!r}.")
        if not self.low <= value <= self.high:
            raise ValueError(f"{self.name} must lie in [{self.low:g}, {self.high:g}], got {value:g}.")
        return float(value)


def _decay(
    name: str, symbol: str, label: str, default: float, high: float = 0.999, step: float = 0.001
) -> Hyperparameter:
    """A decay rate in [0, high]: at 1 or more the averages never forget, so the steps never fade out."""
    return Hyperparameter(name, symbol, label, default, 0.0, high, step, "%.3f")


MOMENTUM = _decay("momentum", r"\mu", "momentum μ", 0.9, high=0.99, step=0.01)
ALPHA = _decay("alpha", r"\alpha", "smoothing α", 0.99)
BETA1 = _decay("beta1", r"\beta_1", "β₁ (momentum)", 0.9, high=0.99, step=0.01)
BETA2 = Hyperparameter("beta2", r"\beta_2", "β₂ (square average)", 0.999, 0.5, 0.9999, 0.0001, "%.4f")
WEIGHT_DECAY = Hyperparameter("weight_decay", r"\lambda", "weight decay λ", 0.01, 0.0, 0.5, 0.01)

# torch.optim's per-parameter buffers, as the update rules name them
BUFFER_SYMBOLS = {"momentum_buffer": "b_t", "sum": "s_t", "square_avg": "v_t", "exp_avg": "m_t", "exp_avg_sq": "v_t"}


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: a ``torch.optim`` class with the keywords that make this variant.

    Attributes:
        name: registry key, lowercase (``"nesterov"``).
        label: display name (``"Nesterov"``).
        cls: the ``torch.optim`` class.
        fixed: keywords that define the variant (``nesterov=True``), not tunable.
        hyper: its tunable hyperparameters.
        adaptive: scales each coordinate's step by its gradient history, so its steps are about ``lr`` long
            whatever the gradient (the descent page picks its learning rate accordingly).
        rule: the update rule in LaTeX, one line per equation, with ``g_t = ∇L(w_t)``.
        blurb: one sentence on what it does.
    """

    name: str
    label: str
    cls: type[torch.optim.Optimizer]
    rule: tuple[str, ...]
    blurb: str
    fixed: dict = field(default_factory=dict)
    hyper: tuple[Hyperparameter, ...] = ()
    adaptive: bool = False

    @property
    def hyper_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyper)

    def defaults(self) -> dict[str, float]:
        """Every hyperparameter's default, by name."""
        return {h.name: h.default for h in self.hyper}

    def check(self, hyper: Mapping[str, float]) -> dict[str, float]:
        """The full set of hyperparameters (defaults filled in), each checked against its range."""
        unknown = set(hyper) - set(self.hyper_names)
        if unknown:
            raise ValueError(f"{self.label} has no hyperparameter {', '.join(sorted(unknown))}.")
        return {h.name: h.check(hyper.get(h.name, h.default)) for h in self.hyper}

    def torch_kwargs(self, lr: float, **hyper: float) -> dict:
        """The keywords for :attr:`cls`: ``lr``, the variant's fixed ones, and the hyperparameters in torch's
        spelling (``beta1``, ``beta2`` become ``betas=(β₁, β₂)``)."""
        values = self.check(hyper)
        kwargs = {"lr": check_learning_rate(lr), **self.fixed}
        if "beta1" in values:
            kwargs["betas"] = (values.pop("beta1"), values.pop("beta2"))
        return kwargs | values

    def build(self, params: Iterable, lr: float, **hyper: float) -> torch.optim.Optimizer:
        """``cls(params, **torch_kwargs(lr, **hyper))``."""
        return self.cls(params, **self.torch_kwargs(lr, **hyper))

    def code(self, params: str = "model.parameters()", lr: float = 1e-3, **hyper: float) -> str:
        """The constructor call as source code, e.g. ``torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)``:
        the learning rate and every keyword whose value is not torch's own default."""
        torch_defaults = {
            name: p.default for name, p in inspect.signature(self.cls.__init__).parameters.items() if name != "lr"
        }
        kwargs = ", ".join(
            f"{name}={value!r}"
            for name, value in self.torch_kwargs(lr, **hyper).items()
            if name == "lr" or torch_defaults.get(name, inspect.Parameter.empty) != value
        )
        return f"torch.optim.{self.cls.__name__}({params}, {kwargs})"

    def retune(self, optimizer: torch.optim.Optimizer, lr: float, **hyper: float) -> None:
        """Set new hyperparameters on a live ``torch.optim`` optimizer of this kind; its buffers are kept,
        so training carries on from the same state with the new settings at the next step."""
        for group in optimizer.param_groups:
            group.update(self.torch_kwargs(lr, **hyper))


OPTIMIZERS: dict[str, Optimizer] = {
    spec.name: spec
    for spec in (
        Optimizer(
            "sgd",
            "SGD",
            torch.optim.SGD,
            rule=(r"w_{t+1} = w_t - \eta\, g_t",),
            blurb="A step against the gradient, proportional to it.",
        ),
        Optimizer(
            "momentum",
            "Momentum",
            torch.optim.SGD,
            hyper=(MOMENTUM,),
            rule=(r"b_t = \mu\, b_{t-1} + g_t", r"w_{t+1} = w_t - \eta\, b_t"),
            blurb="A heavy ball: past gradients keep it rolling through flat stretches and narrow valleys.",
        ),
        Optimizer(
            "nesterov",
            "Nesterov",
            torch.optim.SGD,
            fixed={"nesterov": True},
            hyper=(MOMENTUM,),
            rule=(r"b_t = \mu\, b_{t-1} + g_t", r"w_{t+1} = w_t - \eta\,(g_t + \mu\, b_t)"),
            blurb="Momentum that looks ahead, so it brakes before it overshoots.",
        ),
        Optimizer(
            "adagrad",
            "Adagrad",
            torch.optim.Adagrad,
            adaptive=True,
            rule=(r"s_t = s_{t-1} + g_t^2", r"w_{t+1} = w_t - \eta\, \frac{g_t}{\sqrt{s_t} + \epsilon}"),
            blurb="Each weight's step shrinks with the sum of its squared gradients so far.",
        ),
        Optimizer(
            "rmsprop",
            "RMSprop",
            torch.optim.RMSprop,
            hyper=(ALPHA,),
            adaptive=True,
            rule=(
                r"v_t = \alpha\, v_{t-1} + (1-\alpha)\, g_t^2",
                r"w_{t+1} = w_t - \eta\, \frac{g_t}{\sqrt{v_t} + \epsilon}",
            ),
            blurb="Divides each step by a running average of the squared gradients.",
        ),
        Optimizer(
            "adam",
            "Adam",
            torch.optim.Adam,
            hyper=(BETA1, BETA2),
            adaptive=True,
            rule=(
                r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
                r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
                r"w_{t+1} = w_t - \eta\, \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}",
            ),
            blurb="Momentum and RMSprop together, with a correction for the averages' start at zero.",
        ),
        Optimizer(
            "adamw",
            "AdamW",
            torch.optim.AdamW,
            hyper=(BETA1, BETA2, WEIGHT_DECAY),
            adaptive=True,
            rule=(
                r"m_t = \beta_1 m_{t-1} + (1-\beta_1)\, g_t",
                r"v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2",
                r"w_{t+1} = (1 - \eta\lambda)\, w_t"
                r" - \eta\, \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}",
            ),
            blurb="Adam with the weight decay applied to the weights directly, not through the gradient.",
        ),
    )
}


def optimizer_named(name: str) -> Optimizer:
    """The registry entry ``name``, or a ValueError listing the choices."""
    if name not in OPTIMIZERS:
        raise ValueError(f"Unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}.")
    return OPTIMIZERS[name]
