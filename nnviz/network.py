"""A tiny multilayer perceptron whose forward and backward passes are traced layer by layer.

Notation, for weight layers ``l = 1 .. L`` with ``a⁰ = x``::

    z^l = W^l a^(l-1) + b^l          pre-activation, shape (n_l,)
    a^l = σ_l(z^l)                   activation,     shape (n_l,)

The backward pass is the chain rule in matrix form, written out by hand (no autograd)::

    dL/dz^l     = dL/da^l ⊙ σ_l'(z^l)
    dL/dW^l     = dL/dz^l (a^(l-1))ᵀ
    dL/db^l     = dL/dz^l
    dL/da^(l-1) = (W^l)ᵀ dL/dz^l

Everything is float64 so that finite differences agree with the chain rule to many digits.
:meth:`TracedMLP.to_torch` gives the same network as a ``torch.nn.Module``; the tests check every
number here against it and ``torch.autograd``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from nnviz.activations import ACTIVATIONS, SOFTMAX, activation_named
from nnviz.inputs import Bound, parse_class_index, parse_numbers, parse_whole_numbers
from nnviz.losses import LOSSES, PREDICTIONS, loss_named, traced_losses
from nnviz.optimizers import check_learning_rate

DTYPE = torch.float64
MAX_LAYERS = 4
"""Weight layers of the traced network: more do not fit a readable drawing on a 1280×720 screen."""
MAX_WIDTH = 6
"""Neurons per layer: more make the edges an unreadable hairball."""
MAX_ABS_INPUT = 1e3
"""Largest input or regression target, in absolute value: the drawing prints every number, and wider ones do not
read."""

WIDTHS = Bound(1, MAX_WIDTH, "more neurons make the edges an unreadable hairball")
SIZE_COUNTS = Bound(
    2, MAX_LAYERS + 1, f"an input and an output layer, and at most {MAX_LAYERS} weight layers fit a readable drawing"
)
READABLE = Bound(-MAX_ABS_INPUT, MAX_ABS_INPUT, "every number is printed in the drawing")


def check_sizes(sizes: Sequence[int], max_layers: int = MAX_LAYERS, max_width: int = MAX_WIDTH) -> list[int]:
    """Validate layer sizes ``[n_in, n_hidden..., n_out]`` and return them as ints.

    Raises:
        ValueError: with a message a student can act on (a size below 1, too few or too many layers).
    """
    sizes = [int(n) for n in sizes]
    if len(sizes) < 2:
        raise ValueError("A network needs at least an input and an output layer, e.g. 2, 3, 2.")
    if any(n < 1 for n in sizes):
        raise ValueError(f"Every layer needs at least one neuron; got sizes {sizes}.")
    if len(sizes) - 1 > max_layers:
        raise ValueError(
            f"At most {max_layers} weight layers ({max_layers + 1} sizes) so that every number stays readable "
            f"on screen; got {len(sizes) - 1}."
        )
    if max(sizes) > max_width:
        raise ValueError(
            f"At most {max_width} neurons per layer so that every weight can be drawn and read; got {max(sizes)}."
        )
    return sizes


def parse_sizes(text: str) -> list[int]:
    """Layer sizes typed as ``"2, 3, 2"``: ``[n_in, n_hidden..., n_out]``, each in :data:`WIDTHS`, 2 to
    ``MAX_LAYERS + 1`` of them.

    Raises:
        InputError: for anything else, saying the bound and why.
    """
    return parse_whole_numbers(text, what="layer sizes", values=WIDTHS, count=SIZE_COUNTS, example="2, 3, 2")


def parse_inputs(text: str, n_in: int) -> Tensor:
    """The input ``x`` typed as ``"1.0, -0.5"``, exactly ``n_in`` numbers within ±:data:`MAX_ABS_INPUT`, as the
    float64 vector (n_in,) of :func:`as_input`.

    Raises:
        InputError: for anything else, saying the bound and why.
    """
    count = Bound(n_in, n_in, f"the input layer has {n_in} neuron{'s' if n_in > 1 else ''}")
    return as_input(parse_numbers(text, what="input x", values=READABLE, count=count, example=_example(n_in)), n_in)


def parse_target(text: str, loss: str, n_out: int) -> int | list[float]:
    """The target ``y`` of ``loss`` typed as text, for an output layer of ``n_out`` neurons.

    A loss on classes (cross-entropy) takes one class index ``0 .. n_out - 1`` (``"0, 1"`` is refused, not cut to
    0); a loss on probabilities (BCE) ``n_out`` numbers in [0, 1]; any other ``n_out`` numbers within
    ±:data:`MAX_ABS_INPUT`. The result is what :func:`as_target` and :meth:`TracedMLP.backward_trace` take.

    Raises:
        InputError: for anything else, saying the bound and why.
    """
    entry = loss_named(loss)
    if entry.target == "class":
        return parse_class_index(text, n_out, what="target class")
    values = Bound(0, 1, f"{entry.label} compares probabilities") if entry.target == "binary" else READABLE
    count = Bound(n_out, n_out, f"the output layer has {n_out} neuron{'s' if n_out > 1 else ''}")
    return parse_numbers(text, what="target y", values=values, count=count, example=_example(n_out))


def _example(n: int) -> str:
    """``n`` numbers to show as an example: ``"1, 0"`` for 2."""
    return ", ".join(["1"] + ["0"] * (n - 1))


def as_input(x: Sequence[float] | Tensor, n_in: int) -> Tensor:
    """``x`` as a float64 vector of shape (n_in,), checked to be finite and of sane magnitude."""
    x = torch.as_tensor(x, dtype=DTYPE).flatten()
    if x.numel() != n_in:
        raise ValueError(f"The input layer has {n_in} neurons, so give {n_in} input values; got {x.numel()}.")
    if not torch.isfinite(x).all():
        raise ValueError("The inputs must be finite numbers (no NaN or infinity).")
    if x.abs().max() > MAX_ABS_INPUT:
        raise ValueError(f"Keep the inputs within ±{MAX_ABS_INPUT:g} so the numbers stay readable.")
    return x


@dataclass(frozen=True)
class LayerForward:
    """One weight layer of a forward pass: ``z = W a_prev + b``, ``a = σ(z)``; shapes (n_in,), (n_out,), (n_out,)."""

    a_prev: Tensor
    z: Tensor
    a: Tensor


@dataclass(frozen=True)
class LayerBackward:
    """One weight layer of a backward pass: dL/da, dL/dz (n_out,), dL/dW (n_out, n_in), dL/db (n_out,)."""

    dL_da: Tensor
    dL_dz: Tensor
    dL_dW: Tensor
    dL_db: Tensor


@dataclass(frozen=True)
class BackwardTrace:
    """A backward pass: the loss, per-layer gradients (layer 1 first) and dL/dx of shape (n_in,).

    ``combined`` tells whether the output layer's dL/dz came from the combined formula
    (softmax + cross-entropy or sigmoid + BCE: ``dL/dz = (a - y) / n``-style) instead of dL/da ⊙ σ'(z).
    """

    loss: float
    layers: list[LayerBackward]
    dL_dx: Tensor
    combined: bool


@dataclass(frozen=True)
class ForwardStep:
    """A position in a stepped pass: weight layer ``layer`` (1-based; 0 = only the input) and optionally one neuron."""

    layer: int
    neuron: int | None = None


def pass_steps(sizes: Sequence[int], detailed: bool = False, backward: bool = False) -> list[ForwardStep]:
    """The steps of a pass over a network of ``sizes``: one per layer, or one per neuron when ``detailed``.

    The first step is ``ForwardStep(0)`` (nothing computed yet). Forward runs layers 1..L, backward L..1.
    """
    layers = range(len(sizes) - 1, 0, -1) if backward else range(1, len(sizes))
    steps = [ForwardStep(0)]
    for layer in layers:
        if detailed:
            steps += [ForwardStep(layer, neuron) for neuron in range(sizes[layer])]
        else:
            steps.append(ForwardStep(layer))
    return steps


def done_neurons(sizes: Sequence[int], step: ForwardStep, backward: bool = False) -> list[Tensor]:
    """Which neurons a pass has reached at ``step``: one bool tensor per layer 0..L (layer 0 is the input).

    Forward, layers before ``step.layer`` are done (the input always is); backward, layers after it.
    Within ``step.layer``, neurons up to ``step.neuron`` (all when it is None).
    """
    masks = []
    for layer, n in enumerate(sizes):
        if step.layer == 0:
            done = layer == 0 and not backward
        else:
            done = layer > step.layer if backward else layer < step.layer
        mask = torch.full((n,), done)
        if layer == step.layer > 0:
            mask = torch.arange(n) <= (n if step.neuron is None else step.neuron)
        masks.append(mask)
    return masks


def activate(name: str, z: Tensor) -> Tensor:
    """σ(z) for an activation name (``"softmax"`` over the last dimension, any other elementwise)."""
    return activation_named(name).fn(z)


def activation_backward(name: str, z: Tensor, a: Tensor, dL_da: Tensor) -> Tensor:
    """dL/dz from dL/da through ``a = σ(z)``: ``dL/da ⊙ σ'(z)``; for softmax the Jacobian ``a ⊙ (g − ⟨a, g⟩)``."""
    if name == SOFTMAX:
        return a * (dL_da - (a * dL_da).sum())
    return dL_da * ACTIVATIONS[name].derivative(z)


def as_target(y: Sequence[float] | Tensor | int, loss: str, n_out: int) -> Tensor:
    """The target: a class index (0-dim long tensor) for a loss on classes, else a float64 vector (n_out,)."""
    if loss_named(loss).target == "class":
        label = torch.as_tensor(y, dtype=DTYPE).flatten()  # float64, so that 1e39 stays finite (and is refused)
        value = label.item() if label.numel() == 1 else math.nan
        if not (math.isfinite(value) and value.is_integer() and 0 <= value < n_out):
            raise ValueError(f"Cross-entropy needs one class index between 0 and {n_out - 1} as the target.")
        return torch.tensor(int(label.item()))
    target = torch.as_tensor(y, dtype=DTYPE).flatten()
    if target.numel() != n_out:
        raise ValueError(f"The output layer has {n_out} neurons, so give {n_out} target values; got {target.numel()}.")
    if not torch.isfinite(target).all():
        raise ValueError("The targets must be finite numbers.")
    if loss_named(loss).target == "binary" and ((target < 0) | (target > 1)).any():
        raise ValueError(f"{LOSSES[loss].label} needs targets between 0 and 1.")
    return target


def check_loss(loss: str, output_activation: str, n_out: int) -> None:
    """Raise ValueError unless ``loss`` makes sense on an output layer with this activation and width."""
    entry = loss_named(loss)
    if not entry.traced:
        choices = ", ".join(traced_losses())
        raise ValueError(f"{entry.label} is not written out by hand here; choose one of {choices}.")
    if not entry.fits(output_activation, n_out):
        outputs = " or ".join(entry.outputs)
        width = " with at least 2 neurons" if entry.target == "class" else ""
        what = PREDICTIONS[entry.prediction]
        raise ValueError(f"{entry.label} needs a {outputs} output layer{width}: it compares {what}.")


def loss_value(a: Tensor, y: Tensor, loss: str) -> Tensor:
    """The loss of output ``a`` (n_out,) against target ``y``, computed by ``torch.nn.functional`` (mean reduction)."""
    return LOSSES[loss].value(a, y)


def loss_gradient(a: Tensor, y: Tensor, loss: str) -> Tensor:
    """dL/da at the output, by the loss's explicit formula (shape (n_out,), n = n_out).

    mse: 2(a − y)/n;  bce: (a − y) / (a(1 − a)) / n;  cross-entropy: −onehot(y) / a.
    """
    return LOSSES[loss].output_gradient(a, y)


def combined_output_gradient(output_activation: str, a: Tensor, y: Tensor, loss: str) -> Tensor | None:
    """dL/dz at the output where σ and the loss simplify together, else None.

    softmax + cross-entropy: ``a − onehot(y)``;  sigmoid + BCE: ``(a − y) / n``.
    """
    entry = LOSSES[loss]
    return entry.combined_gradient(a, y) if entry.combined_with == output_activation else None


class TracedMLP:
    """A small fully connected network with traced forward and hand-written backward passes.

    Args:
        sizes: neurons per layer ``[n_in, n_hidden..., n_out]``.
        activations: one name per weight layer (``len(sizes) - 1``), from ``nnviz.activations.ACTIVATIONS``;
            the last may be ``"softmax"``.
        seed: initial weights and biases are drawn like ``nn.Linear``'s default,
            ``U(-1/√n_in, 1/√n_in)``, from a generator seeded with ``seed``; ``init="he"`` draws
            ``W ~ N(0, 2/n_in)`` with zero biases instead.
        max_layers, max_width: size caps (see :func:`check_sizes`).

    Attributes:
        weights: ``W^l`` of shape (n_l, n_(l-1)) for l = 1..L (float64).
        biases: ``b^l`` of shape (n_l,).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activations: Sequence[str],
        seed: int = 0,
        *,
        init: str = "pytorch",
        max_layers: int = MAX_LAYERS,
        max_width: int = MAX_WIDTH,
    ) -> None:
        self.sizes = check_sizes(sizes, max_layers, max_width)
        self.activations = list(activations)
        if len(self.activations) != len(self.sizes) - 1:
            raise ValueError(f"Give one activation per weight layer ({len(self.sizes) - 1}); got {len(activations)}.")
        for layer, name in enumerate(self.activations, start=1):
            if name not in ACTIVATIONS and not (name == SOFTMAX and layer == len(self.activations)):
                raise ValueError(f"Unknown activation {name!r} on layer {layer}; softmax only fits the output layer.")
        generator = torch.Generator().manual_seed(int(seed))
        self.weights: list[Tensor] = []
        self.biases: list[Tensor] = []
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:], strict=True):
            if init == "he":
                weight = torch.randn(n_out, n_in, generator=generator, dtype=DTYPE) * math.sqrt(2 / n_in)
                bias = torch.zeros(n_out, dtype=DTYPE)
            elif init == "pytorch":
                bound = 1 / math.sqrt(n_in)
                weight = (torch.rand(n_out, n_in, generator=generator, dtype=DTYPE) * 2 - 1) * bound
                bias = (torch.rand(n_out, generator=generator, dtype=DTYPE) * 2 - 1) * bound
            else:
                raise ValueError(f"Unknown init {init!r}; choose 'pytorch' or 'he'.")
            self.weights.append(weight)
            self.biases.append(bias)

    @property
    def n_layers(self) -> int:
        """The number of weight layers L."""
        return len(self.weights)

    def copy(self) -> TracedMLP:
        """An independent copy (same sizes, activations, weights)."""
        twin = object.__new__(TracedMLP)
        twin.sizes, twin.activations = list(self.sizes), list(self.activations)
        twin.weights = [w.clone() for w in self.weights]
        twin.biases = [b.clone() for b in self.biases]
        return twin

    def set_weight(self, layer: int, to_neuron: int, from_neuron: int, value: float) -> None:
        """Set ``W^layer[to_neuron, from_neuron] = value`` (layer 1-based, neurons 0-based)."""
        if not 1 <= layer <= self.n_layers:
            raise ValueError(f"Layer must be between 1 and {self.n_layers}; got {layer}.")
        weight = self.weights[layer - 1]
        if not (0 <= to_neuron < weight.shape[0] and 0 <= from_neuron < weight.shape[1]):
            raise ValueError(f"W^{layer} has shape {tuple(weight.shape)}; ({to_neuron}, {from_neuron}) is outside it.")
        if not math.isfinite(value):
            raise ValueError("A weight must be a finite number.")
        weight[to_neuron, from_neuron] = value

    def forward_trace(self, x: Sequence[float] | Tensor) -> list[LayerForward]:
        """The forward pass on one sample ``x`` (n_in,): per weight layer, ``a_prev``, ``z`` and ``a``."""
        a = as_input(x, self.sizes[0])
        trace = []
        for weight, bias, name in zip(self.weights, self.biases, self.activations, strict=True):
            z = weight @ a + bias
            trace.append(LayerForward(a_prev=a, z=z, a=activate(name, z)))
            a = trace[-1].a
        return trace

    def __call__(self, x: Sequence[float] | Tensor) -> Tensor:
        """The network's output a^L (n_out,) for one sample."""
        return self.forward_trace(x)[-1].a

    def loss(self, x: Sequence[float] | Tensor, y: Sequence[float] | Tensor | int, loss: str) -> float:
        """The loss on one sample (see :func:`loss_value`)."""
        check_loss(loss, self.activations[-1], self.sizes[-1])
        return loss_value(self(x), as_target(y, loss, self.sizes[-1]), loss).item()

    def backward_trace(
        self, x: Sequence[float] | Tensor, y: Sequence[float] | Tensor | int, loss: str
    ) -> BackwardTrace:
        """Every gradient of ``loss`` on one sample ``(x, y)`` by the explicit chain rule (no autograd).

        Args:
            x: input (n_in,).
            y: target: a class index for ``"cross_entropy"``, else a vector (n_out,).
            loss: a key of :data:`nnviz.losses.LOSSES` with a hand-written gradient (:func:`traced_losses`).
        """
        check_loss(loss, self.activations[-1], self.sizes[-1])
        forward = self.forward_trace(x)
        y = as_target(y, loss, self.sizes[-1])
        output = forward[-1]
        dL_da = loss_gradient(output.a, y, loss)
        combined = combined_output_gradient(self.activations[-1], output.a, y, loss)
        layers: list[LayerBackward] = []
        for layer in reversed(range(self.n_layers)):
            step = forward[layer]
            if layer == self.n_layers - 1 and combined is not None:
                dL_dz = combined
            else:
                dL_dz = activation_backward(self.activations[layer], step.z, step.a, dL_da)
            layers.append(LayerBackward(dL_da, dL_dz, torch.outer(dL_dz, step.a_prev), dL_dz))
            dL_da = self.weights[layer].T @ dL_dz
        layers.reverse()
        return BackwardTrace(loss_value(output.a, y, loss).item(), layers, dL_da, combined is not None)

    def to_torch(self) -> nn.Sequential:
        """An equivalent ``nn.Sequential`` of ``nn.Linear`` and activation modules holding copies of the weights."""
        modules: list[nn.Module] = []
        for weight, bias, name in zip(self.weights, self.biases, self.activations, strict=True):
            linear = nn.Linear(weight.shape[1], weight.shape[0], dtype=DTYPE)
            with torch.no_grad():
                linear.weight.copy_(weight)
                linear.bias.copy_(bias)
            modules += [linear, activation_named(name).module()]
        return nn.Sequential(*modules)

    def apply_gradient_step(self, gradients: BackwardTrace, learning_rate: float) -> None:
        """One step of gradient descent in place: ``W ← W − η dL/dW``, ``b ← b − η dL/db``."""
        check_learning_rate(learning_rate)
        for weight, bias, grads in zip(self.weights, self.biases, gradients.layers, strict=True):
            weight -= learning_rate * grads.dL_dW
            bias -= learning_rate * grads.dL_db


def autograd_gradients(
    net: TracedMLP, x: Sequence[float] | Tensor, y: Sequence[float] | Tensor | int, loss: str
) -> list[tuple[Tensor, Tensor]]:
    """(dL/dW, dL/db) per layer computed by ``torch.autograd`` on :meth:`TracedMLP.to_torch` — the reference."""
    check_loss(loss, net.activations[-1], net.sizes[-1])
    module = net.to_torch()
    value = loss_value(module(as_input(x, net.sizes[0])), as_target(y, loss, net.sizes[-1]), loss)
    linears = [m for m in module if isinstance(m, nn.Linear)]
    if not value.requires_grad:  # a step output: the loss does not depend on any parameter
        return [(torch.zeros_like(linear.weight), torch.zeros_like(linear.bias)) for linear in linears]
    grads = torch.autograd.grad(value, list(module.parameters()), allow_unused=True, materialize_grads=True)
    return list(zip(grads[::2], grads[1::2], strict=True))


def finite_difference_gradients(
    net: TracedMLP, x: Sequence[float] | Tensor, y: Sequence[float] | Tensor | int, loss: str, eps: float = 1e-6
) -> list[tuple[Tensor, Tensor]]:
    """(dL/dW, dL/db) per layer by central differences ``(L(θ+ε) − L(θ−ε)) / 2ε``, one parameter at a time."""

    def derivative(parameter: Tensor, index: tuple[int, ...]) -> float:
        original = parameter[index].item()
        parameter[index] = original + eps
        above = probe.loss(x, y, loss)
        parameter[index] = original - eps
        below = probe.loss(x, y, loss)
        parameter[index] = original
        return (above - below) / (2 * eps)

    probe = net.copy()
    gradients = []
    for weight, bias in zip(probe.weights, probe.biases, strict=True):
        dW = torch.tensor(
            [[derivative(weight, (i, j)) for j in range(weight.shape[1])] for i in range(weight.shape[0])]
        )
        db = torch.tensor([derivative(bias, (i,)) for i in range(bias.shape[0])])
        gradients.append((dW.to(DTYPE), db.to(DTYPE)))
    return gradients


@dataclass(frozen=True)
class GradientCheckRow:
    """One parameter's gradient three ways: our chain rule, torch.autograd and a central difference."""

    parameter: str
    chain_rule: float
    autograd: float
    finite_difference: float


def gradient_check(
    net: TracedMLP, x: Sequence[float] | Tensor, y: Sequence[float] | Tensor | int, loss: str
) -> list[GradientCheckRow]:
    """Every weight and bias gradient three ways; parameter names as ``W1[i,j]`` and ``b1[i]`` (layer 1-based)."""
    ours = net.backward_trace(x, y, loss).layers
    reference = autograd_gradients(net, x, y, loss)
    numeric = finite_difference_gradients(net, x, y, loss)
    rows = []
    for layer, (grads, (auto_W, auto_b), (fd_W, fd_b)) in enumerate(zip(ours, reference, numeric, strict=True), 1):
        n_out, n_in = grads.dL_dW.shape
        for i, j in itertools.product(range(n_out), range(n_in)):
            rows.append(
                GradientCheckRow(f"W{layer}[{i},{j}]", grads.dL_dW[i, j].item(), auto_W[i, j].item(), fd_W[i, j].item())
            )
        for i in range(n_out):
            rows.append(GradientCheckRow(f"b{layer}[{i}]", grads.dL_db[i].item(), auto_b[i].item(), fd_b[i].item()))
    return rows


def layer_gradient_norms(activation: str, depth: int, width: int = 4, seed: int = 0, samples: int = 16) -> Tensor:
    """Mean Frobenius norm ‖dL/dW^l‖ for l = 1..depth in a deep stack, averaged over random samples.

    The stack has ``depth`` weight layers of ``width`` neurons, ``activation`` on every hidden layer and
    a linear output, He-initialised (``W ~ N(0, 2/n_in)``) and trained on MSE to a random target, so a
    saturating activation (sigmoid, σ' ≤ 1/4) shrinks the gradient layer by layer where ReLU keeps it.

    Returns:
        Tensor of shape (depth,), layer 1 (nearest the input) first.
    """
    if not 2 <= depth <= 20:
        raise ValueError("Choose a depth between 2 and 20 layers.")
    net = TracedMLP(
        [width] * (depth + 1), [activation] * (depth - 1) + ["linear"], seed, init="he", max_layers=20, max_width=16
    )
    generator = torch.Generator().manual_seed(int(seed) + 1)
    norms = torch.zeros(depth, dtype=DTYPE)
    for _ in range(samples):
        x = torch.randn(width, generator=generator, dtype=DTYPE)
        y = torch.randn(width, generator=generator, dtype=DTYPE)
        norms += torch.stack([torch.linalg.norm(g.dL_dW) for g in net.backward_trace(x, y, "mse").layers])
    return norms / samples
