"""Activation functions: the function, its analytic derivative, LaTeX for both, range and typical use.

Every entry of :data:`ACTIVATIONS` is elementwise on torch tensors of any shape::

    ACTIVATIONS["sigmoid"].fn(x)            # σ(x), same shape as x
    ACTIVATIONS["sigmoid"].derivative(x)    # σ'(x) = σ(x)(1 − σ(x)), written out, not autograd
    ACTIVATIONS["leaky_relu"].fn(x, slope=0.2)

Parametrised activations (leaky ReLU's ``slope``, ELU's ``alpha``) take their parameter as a keyword
with a default, so ``fn(x)`` and ``derivative(x)`` always work. The derivatives are the formulas a
student would derive by hand; the tests check each one against torch autograd.

Each entry also carries its ``torch.nn`` module (``module(**params)``) and that module as code, so the
models, the traced network, the code listings and every page that lists activations read this one registry:
adding an activation is one entry.

Softmax maps a whole vector rather than one number, so it is not in :data:`ACTIVATIONS` but is
:data:`SOFTMAX`, an output layer only (:func:`output_activations`): :func:`softmax` (with a temperature)
and its Jacobian :func:`softmax_jacobian`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from nnviz.inputs import Bound, parse_numbers

VANISHING_GRADIENT = 0.01  # |f'(x)| below this counts as a vanishing gradient on the activations page


@dataclass(frozen=True)
class Parameter:
    """A tunable constant of an activation (leaky ReLU's slope, ELU's alpha), with slider bounds."""

    name: str
    symbol: str
    default: float
    low: float
    high: float
    step: float


@dataclass(frozen=True)
class Activation:
    """One activation function.

    Attributes:
        name: registry key, lowercase (``"leaky_relu"``).
        label: display name (``"Leaky ReLU"``).
        symbol: short name for diagrams (``"σ"``).
        formula: f(x) as plain text, for tables.
        fn: ``fn(x, **params) -> Tensor``, elementwise, same shape as ``x``.
        derivative: ``derivative(x, **params) -> Tensor``, the analytic f'(x), same shape as ``x``.
        fn_latex, derivative_latex: LaTeX of f(x) and f'(x).
        output_range: the range of f, as text (``"(0, 1)"``).
        use: where it is typically used.
        parameters: the keyword parameters ``fn`` and ``derivative`` accept.
        torch_reference: the equivalent ``torch.nn.functional`` call, ``reference(x, **params)``, when there is one.
        torch_code: that call as source code, with ``{x}`` and ``{param}`` placeholders, for code listings.
        module: ``module(**params) -> nn.Module``, the layer a model puts after a Linear.
        module_code: that module as source code, with ``{param}`` placeholders (``"nn.LeakyReLU({slope})"``).
        module_source: source code a listing must define before using :attr:`module_code` (a class nn lacks).
        trainable: whether gradient descent can train through it (the step's gradient is 0 everywhere).
        elementwise: f acts on each number alone (False for softmax, which maps a whole vector).
    """

    name: str
    label: str
    symbol: str
    formula: str
    fn: Callable[..., Tensor]
    derivative: Callable[..., Tensor] | None
    fn_latex: str
    derivative_latex: str
    output_range: str
    use: str
    module: Callable[..., nn.Module]
    module_code: str
    parameters: tuple[Parameter, ...] = ()
    torch_reference: Callable[..., Tensor] | None = None
    torch_code: str = "{x}"
    module_source: str = ""
    trainable: bool = True
    elementwise: bool = True

    def defaults(self) -> dict[str, float]:
        """The default value of every parameter, by keyword."""
        return {p.name: p.default for p in self.parameters}

    def code(self, variable: str = "x", **params: float) -> str:
        """The PyTorch expression of f applied to ``variable``, e.g. ``F.elu(z, alpha=1.0)``."""
        return self.torch_code.format(x=variable, **(self.defaults() | params))

    def layer_code(self, **params: float) -> str:
        """The ``torch.nn`` module as source code, e.g. ``nn.LeakyReLU(0.01)``."""
        return self.module_code.format(**(self.defaults() | params))


# --- the functions and their derivatives -------------------------------------------------------


def step(x: Tensor) -> Tensor:
    """Heaviside step (Rosenblatt's perceptron): 1 where x > 0, else 0."""
    return (x > 0).to(x.dtype)


def step_derivative(x: Tensor) -> Tensor:
    """0 everywhere (undefined at 0, where the step jumps; taken as 0 as autograd does)."""
    return torch.zeros_like(x)


def linear(x: Tensor) -> Tensor:
    """Identity: f(x) = x."""
    return x.clone()


def linear_derivative(x: Tensor) -> Tensor:
    """f'(x) = 1."""
    return torch.ones_like(x)


def sigmoid(x: Tensor) -> Tensor:
    """σ(x) = 1 / (1 + e^(−x))."""
    return torch.sigmoid(x)


def sigmoid_derivative(x: Tensor) -> Tensor:
    """σ'(x) = σ(x)(1 − σ(x)); at most 1/4, at x = 0."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh(x: Tensor) -> Tensor:
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))."""
    return torch.tanh(x)


def tanh_derivative(x: Tensor) -> Tensor:
    """tanh'(x) = 1 − tanh²(x)."""
    return 1 - torch.tanh(x) ** 2


def relu(x: Tensor) -> Tensor:
    """ReLU(x) = max(0, x)."""
    return torch.where(x > 0, x, torch.zeros_like(x))


def relu_derivative(x: Tensor) -> Tensor:
    """1 where x > 0, else 0 (at 0 the subgradient 0, as in torch)."""
    return (x > 0).to(x.dtype)


def leaky_relu(x: Tensor, slope: float = 0.01) -> Tensor:
    """x where x > 0, else slope·x."""
    return torch.where(x > 0, x, slope * x)


def leaky_relu_derivative(x: Tensor, slope: float = 0.01) -> Tensor:
    """1 where x > 0, else slope (at 0: slope, as in torch)."""
    return torch.where(x > 0, torch.ones_like(x), torch.full_like(x, slope))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x where x > 0, else α(e^x − 1)."""
    return torch.where(x > 0, x, alpha * torch.expm1(x))


def elu_derivative(x: Tensor, alpha: float = 1.0) -> Tensor:
    """1 where x > 0, else α·e^x (at 0: α, as in torch)."""
    return torch.where(x > 0, torch.ones_like(x), alpha * torch.exp(x))


def _normal_cdf(x: Tensor) -> Tensor:
    """Φ(x), the standard normal cumulative distribution function."""
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def _normal_pdf(x: Tensor) -> Tensor:
    """φ(x), the standard normal density."""
    return torch.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)


def gelu(x: Tensor) -> Tensor:
    """GELU(x) = x·Φ(x), the exact (erf) form."""
    return x * _normal_cdf(x)


def gelu_derivative(x: Tensor) -> Tensor:
    """GELU'(x) = Φ(x) + x·φ(x)."""
    return _normal_cdf(x) + x * _normal_pdf(x)


def silu(x: Tensor) -> Tensor:
    """SiLU / swish: x·σ(x)."""
    return x * sigmoid(x)


def silu_derivative(x: Tensor) -> Tensor:
    """SiLU'(x) = σ(x)(1 + x(1 − σ(x)))."""
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def softplus(x: Tensor) -> Tensor:
    """softplus(x) = ln(1 + e^x), computed stably as logaddexp(x, 0)."""
    return torch.logaddexp(x, torch.zeros_like(x))


def softplus_derivative(x: Tensor) -> Tensor:
    """softplus'(x) = σ(x)."""
    return sigmoid(x)


class Step(nn.Module):
    """Heaviside step as a layer: 1 where z > 0, else 0 (its gradient is 0 everywhere)."""

    def forward(self, z: Tensor) -> Tensor:
        return (z > 0).to(z.dtype)


STEP_SOURCE = """
class Step(nn.Module):
    \"\"\"Heaviside step: 1 where z > 0, else 0 (its gradient is 0 everywhere).\"\"\"

    def forward(self, z):
        return (z > 0).to(z.dtype)
"""


# --- the registry ------------------------------------------------------------------------------

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation(
            "step",
            "Step",
            "H",
            "1 if x > 0 else 0",
            step,
            step_derivative,
            r"f(x)=\begin{cases}1 & x>0\\ 0 & x\le 0\end{cases}",
            r"f'(x)=0 \;(x\neq 0),\ \text{undefined at } x=0",
            "{0, 1}",
            "Rosenblatt's perceptron. Zero gradient everywhere, so it cannot be trained by backprop.",
            torch_reference=lambda x: torch.heaviside(x, torch.zeros_like(x)),
            torch_code="({x} > 0).float()",
            module=Step,
            module_code="Step()",
            module_source=STEP_SOURCE,
            trainable=False,
        ),
        Activation(
            "linear",
            "Linear",
            "id",
            "x",
            linear,
            linear_derivative,
            r"f(x)=x",
            r"f'(x)=1",
            "(−∞, +∞)",
            "Regression outputs. Stacked linear layers collapse into one linear map.",
            module=nn.Identity,
            module_code="nn.Identity()",
        ),
        Activation(
            "sigmoid",
            "Sigmoid",
            "σ",
            "1 / (1 + e^(−x))",
            sigmoid,
            sigmoid_derivative,
            r"\sigma(x)=\frac{1}{1+e^{-x}}",
            r"\sigma'(x)=\sigma(x)\,\bigl(1-\sigma(x)\bigr)",
            "(0, 1)",
            "Binary classification output: a probability. Saturates, so gradients vanish for large |x|.",
            torch_reference=torch.sigmoid,
            torch_code="torch.sigmoid({x})",
            module=nn.Sigmoid,
            module_code="nn.Sigmoid()",
        ),
        Activation(
            "tanh",
            "Tanh",
            "tanh",
            "(e^x − e^(−x)) / (e^x + e^(−x))",
            tanh,
            tanh_derivative,
            r"\tanh(x)=\frac{e^{x}-e^{-x}}{e^{x}+e^{-x}}",
            r"\tanh'(x)=1-\tanh^2(x)",
            "(−1, 1)",
            "Zero-centred alternative to sigmoid; used in RNNs.",
            torch_reference=torch.tanh,
            torch_code="torch.tanh({x})",
            module=nn.Tanh,
            module_code="nn.Tanh()",
        ),
        Activation(
            "relu",
            "ReLU",
            "ReLU",
            "max(0, x)",
            relu,
            relu_derivative,
            r"\mathrm{ReLU}(x)=\max(0,x)",
            r"\mathrm{ReLU}'(x)=\begin{cases}1 & x>0\\ 0 & x\le 0\end{cases}",
            "[0, +∞)",
            "Default for hidden layers: cheap, no saturation for x > 0 (but 'dead' units for x < 0).",
            torch_reference=F.relu,
            torch_code="F.relu({x})",
            module=nn.ReLU,
            module_code="nn.ReLU()",
        ),
        Activation(
            "leaky_relu",
            "Leaky ReLU",
            "LReLU",
            "x if x > 0 else a·x",
            leaky_relu,
            leaky_relu_derivative,
            r"f(x)=\begin{cases}x & x>0\\ a\,x & x\le 0\end{cases}",
            r"f'(x)=\begin{cases}1 & x>0\\ a & x\le 0\end{cases}",
            "(−∞, +∞)",
            "Hidden layers: like ReLU, but a small slope a keeps negative units alive.",
            parameters=(Parameter("slope", "a", 0.01, 0.0, 0.5, 0.01),),
            torch_reference=lambda x, slope=0.01: F.leaky_relu(x, negative_slope=slope),
            torch_code="F.leaky_relu({x}, negative_slope={slope})",
            module=lambda slope=0.01: nn.LeakyReLU(slope),
            module_code="nn.LeakyReLU({slope})",
        ),
        Activation(
            "elu",
            "ELU",
            "ELU",
            "x if x > 0 else α(e^x − 1)",
            elu,
            elu_derivative,
            r"f(x)=\begin{cases}x & x>0\\ \alpha\,(e^{x}-1) & x\le 0\end{cases}",
            r"f'(x)=\begin{cases}1 & x>0\\ \alpha\,e^{x} & x\le 0\end{cases}",
            "(−α, +∞)",
            "Hidden layers: smooth for x < 0, mean activations closer to zero.",
            parameters=(Parameter("alpha", "α", 1.0, 0.1, 3.0, 0.1),),
            torch_reference=lambda x, alpha=1.0: F.elu(x, alpha=alpha),
            torch_code="F.elu({x}, alpha={alpha})",
            module=lambda alpha=1.0: nn.ELU(alpha),
            module_code="nn.ELU({alpha})",
        ),
        Activation(
            "gelu",
            "GELU",
            "GELU",
            "x·Φ(x)",
            gelu,
            gelu_derivative,
            r"\mathrm{GELU}(x)=x\,\Phi(x)",
            r"\mathrm{GELU}'(x)=\Phi(x)+x\,\varphi(x)",
            "[≈ −0.17, +∞)",
            "Transformers (BERT, GPT): a smooth ReLU weighted by the normal CDF Φ.",
            torch_reference=F.gelu,
            torch_code="F.gelu({x})",
            module=nn.GELU,
            module_code="nn.GELU()",
        ),
        Activation(
            "silu",
            "SiLU / swish",
            "SiLU",
            "x·σ(x)",
            silu,
            silu_derivative,
            r"\mathrm{SiLU}(x)=x\,\sigma(x)",
            r"\mathrm{SiLU}'(x)=\sigma(x)\,\bigl(1+x\,(1-\sigma(x))\bigr)",
            "[≈ −0.28, +∞)",
            "Modern CNNs and LLMs (EfficientNet, LLaMA's SwiGLU): smooth, non-monotonic.",
            torch_reference=F.silu,
            torch_code="F.silu({x})",
            module=nn.SiLU,
            module_code="nn.SiLU()",
        ),
        Activation(
            "softplus",
            "Softplus",
            "sp",
            "ln(1 + e^x)",
            softplus,
            softplus_derivative,
            r"\mathrm{softplus}(x)=\ln\!\left(1+e^{x}\right)",
            r"\mathrm{softplus}'(x)=\sigma(x)",
            "(0, +∞)",
            "A smooth ReLU; outputs that must be positive (variances, rates).",
            torch_reference=F.softplus,
            torch_code="F.softplus({x})",
            module=nn.Softplus,
            module_code="nn.Softplus()",
        ),
    )
}


SOFTMAX = "softmax"
SOFTMAX_ACTIVATION = Activation(
    SOFTMAX,
    "Softmax",
    "softmax",
    "e^(z_i) / Σ_j e^(z_j)",
    lambda z: torch.softmax(z, dim=-1),
    None,
    r"\mathrm{softmax}(\mathbf{z})_i=\frac{e^{z_i}}{\sum_j e^{z_j}}",
    r"\frac{\partial p_i}{\partial z_j}=p_i\,(\delta_{ij}-p_j)",
    "(0, 1), summing to 1",
    "Multi-class outputs: turns a layer's scores into probabilities.",
    torch_reference=lambda z: torch.softmax(z, dim=-1),
    torch_code="torch.softmax({x}, dim=-1)",
    module=lambda: nn.Softmax(dim=-1),
    module_code="nn.Softmax(dim=-1)",
    elementwise=False,
)
"""Softmax, for output layers only: it maps the whole layer, so it is not in :data:`ACTIVATIONS`."""


def output_activations() -> list[str]:
    """Names allowed on an output layer: every elementwise activation plus ``"softmax"``."""
    return [*ACTIVATIONS, SOFTMAX]


def trainable_activations() -> list[str]:
    """The activations gradient descent can train through (all but the step, whose gradient is 0)."""
    return [name for name, a in ACTIVATIONS.items() if a.trainable]


def activation_named(name: str) -> Activation:
    """The entry ``name`` of :data:`ACTIVATIONS`, or :data:`SOFTMAX_ACTIVATION`; a ValueError otherwise."""
    if name == SOFTMAX:
        return SOFTMAX_ACTIVATION
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {', '.join(output_activations())}.")
    return ACTIVATIONS[name]


def activation_table(x: Tensor | None = None) -> pd.DataFrame:
    """The comparison table of tutorial 003, extended: one row per activation, with numbers computed by torch.

    Columns: Function, Formula, Range, f′(0), max |f′| and "vanishing share" (fraction of the grid ``x``,
    shape (n,), default −6..6, where |f′| < 0.01), Typical use. Parameters take their defaults.
    """
    x = torch.linspace(-6, 6, 1201, dtype=torch.float64) if x is None else x
    rows = []
    for a in ACTIVATIONS.values():
        slope = a.derivative(x)
        slope_at_zero = a.derivative(torch.zeros(1, dtype=torch.float64)).item()
        rows.append(
            {
                "Function": a.label,
                "Formula": a.formula,
                "Range": a.output_range,
                "f′(0)": "undefined" if a.name == "step" else f"{slope_at_zero:.3g}",
                "max |f′|": round(slope.abs().max().item(), 3),
                "vanishing share": round((slope.abs() < VANISHING_GRADIENT).double().mean().item(), 3),
                "Typical use": a.use,
            }
        )
    return pd.DataFrame(rows)


def vanishing_intervals(
    x: Tensor, derivative: Tensor, threshold: float = VANISHING_GRADIENT
) -> list[tuple[float, float]]:
    """The intervals of a sorted grid ``x`` (shape (n,)) where |f'(x)| < ``threshold``, as (start, end) pairs."""
    if x.shape != derivative.shape or x.dim() != 1:
        raise ValueError("x and derivative must be 1-D tensors of the same length.")
    small = (derivative.abs() < threshold).tolist()
    xs = x.tolist()
    intervals: list[tuple[float, float]] = []
    start = None
    for i, flag in enumerate(small):
        if flag and start is None:
            start = xs[i]
        if start is not None and (not flag or i == len(small) - 1):
            intervals.append((start, xs[i - 1] if not flag else xs[i]))
            start = None
    return intervals


# --- softmax -----------------------------------------------------------------------------------

MAX_LOGITS = 10
"""Logits typed on the softmax demo: K of them draw a K×K Jacobian of K² printed numbers; 10 (MNIST's classes) read."""
MAX_ABS_LOGIT = 100.0
"""Largest logit typed, in absolute value: a gap of 100 already makes softmax one-hot to 43 decimal places."""
MAX_JACOBIAN_CLASSES = 1_000
"""Most classes :func:`softmax_jacobian` computes: the K×K float64 matrix takes 8·K² bytes, 8 MB at 1,000."""
LOGIT_COUNT = Bound(1, MAX_LOGITS, "K logits draw a K×K Jacobian; more do not read")
LOGIT_VALUES = Bound(-MAX_ABS_LOGIT, MAX_ABS_LOGIT, "a gap of 100 already makes softmax one-hot")


def _check_logits(logits: Tensor, temperature: float) -> None:
    if logits.dim() != 1 or logits.numel() == 0:
        raise ValueError("Give at least one logit (a non-empty vector of numbers).")
    if not torch.isfinite(logits).all():
        raise ValueError("Every logit must be a finite number (no NaN or infinity).")
    if not temperature > 0 or not math.isfinite(temperature):
        raise ValueError(f"The temperature must be a positive number, got {temperature}.")


def softmax(logits: Tensor, temperature: float = 1.0) -> Tensor:
    """softmax(z / T)_i = e^(z_i/T) / Σ_j e^(z_j/T) for a logit vector ``z`` of shape (K,).

    The maximum is subtracted first (the result is unchanged) so that large logits do not overflow.
    Raises ``ValueError`` for an empty or non-finite vector or a temperature that is not positive.
    """
    _check_logits(logits, temperature)
    scaled = logits / temperature
    e = torch.exp(scaled - scaled.max())
    return e / e.sum()


def softmax_jacobian(logits: Tensor, temperature: float = 1.0) -> Tensor:
    """∂p_i/∂z_j = p_i (δ_ij − p_j) / T for p = softmax(z / T); shape (K, K), K at most :data:`MAX_JACOBIAN_CLASSES`."""
    if logits.numel() > MAX_JACOBIAN_CLASSES:
        raise ValueError(
            f"A softmax Jacobian of {logits.numel():,} classes has {logits.numel() ** 2:,} entries; "
            f"at most {MAX_JACOBIAN_CLASSES:,} classes are computed here."
        )
    p = softmax(logits, temperature)
    return (torch.diag(p) - torch.outer(p, p)) / temperature


def parse_logits(text: str) -> Tensor:
    """The logit vector typed as numbers separated by commas or spaces, e.g. ``"2, 1, 0.1"``: 1 to
    :data:`MAX_LOGITS` of them, each within ±:data:`MAX_ABS_LOGIT`; shape (K,), float64.

    Raises:
        InputError: for anything else, saying the bound and why.
    """
    return torch.tensor(
        parse_numbers(text, what="logits", values=LOGIT_VALUES, count=LOGIT_COUNT, example="2, 1, 0.1"),
        dtype=torch.float64,
    )


def all_equal(logits: Tensor) -> bool:
    """Whether every logit is the same, so that softmax is uniform whatever the temperature."""
    return logits.numel() > 0 and bool((logits == logits[0]).all())


def probe_table(
    names: Sequence[str], x: float, params: Mapping[str, Mapping[str, float]] | None = None
) -> pd.DataFrame:
    """The value and the slope of each named activation at one point ``x``: f(x), the analytic f′(x) and
    f′(x) by ``torch.autograd`` (they must agree), rounded to 5 decimals. ``params`` gives each activation's
    parameters by name (default: their defaults)."""
    params = params or {}
    point = torch.tensor([float(x)], dtype=torch.float64, requires_grad=True)
    rows = []
    for name in names:
        a, kw = ACTIVATIONS[name], params.get(name, {})
        value = a.fn(point, **kw)
        autograd = torch.autograd.grad(value.sum(), point)[0].item() if value.requires_grad else 0.0
        rows.append(
            {
                "activation": a.label,
                f"f({x:g})": round(value.item(), 5),
                "f′ analytic": round(a.derivative(point.detach(), **kw).item(), 5),
                "f′ autograd": round(autograd, 5),
            }
        )
    return pd.DataFrame(rows)


def pytorch_listing(
    names: Sequence[str],
    params: Mapping[str, Mapping[str, float]],
    x_range: tuple[float, float],
    logits: Tensor,
    temperature: float,
) -> str:
    """The activations page as a runnable script: each named activation and its autograd derivative on
    ``x_range``, plotted; then softmax of ``logits`` (K,) at ``temperature`` and its Jacobian."""
    curves = "\n".join(f"    {ACTIVATIONS[n].label!r}: {ACTIVATIONS[n].code('x', **params.get(n, {}))}," for n in names)
    low, high = x_range
    return f"""import torch
import torch.nn.functional as F
import matplotlib.pyplot as plt

x = torch.linspace({low}, {high}, 801, requires_grad=True)
activations = {{
{curves}
}}
for name, y in activations.items():
    dy = torch.autograd.grad(y.sum(), x)[0] if y.requires_grad else torch.zeros_like(x)  # f'(x) by autograd
    plt.plot(x.detach(), y.detach(), label=f"{{name}} f(x)")
    plt.plot(x.detach(), dy, "--", label=f"{{name}} f'(x)")
plt.legend()
plt.show()

# softmax with temperature and its Jacobian
z = torch.tensor([{", ".join(repr(v) for v in logits.tolist())}])
p = torch.softmax(z / {temperature}, dim=0)
J = torch.autograd.functional.jacobian(lambda v: torch.softmax(v / {temperature}, dim=0), z)
print(p, J)
"""
