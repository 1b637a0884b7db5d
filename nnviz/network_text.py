"""The traced network's computations as text: LaTeX with the actual numbers, and a runnable PyTorch listing.

Neurons are numbered from 0, as in PyTorch (``W1[i, j]`` connects neuron ``j`` of layer 0 to neuron
``i`` of layer 1); layers are numbered from 1, layer 0 being the input ``a⁰ = x``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from nnviz.activations import ACTIVATIONS, SOFTMAX, activation_named
from nnviz.losses import LOSSES
from nnviz.network import BackwardTrace, LayerForward, TracedMLP

SIGNIFICANT_DIGITS = 4


def num(value: float | Tensor) -> str:
    """A number rounded to :data:`SIGNIFICANT_DIGITS` significant digits, e.g. ``0.1235`` or ``-2.5``."""
    text = f"{float(value):.{SIGNIFICANT_DIGITS}g}"
    return "0" if text == "-0" else text


def factor(value: float | Tensor) -> str:
    """A number ready to multiply in LaTeX: negative numbers in parentheses."""
    text = num(value)
    return f"({text})" if text.startswith("-") else text


def vector(values: Tensor) -> str:
    """A column vector as a LaTeX ``bmatrix``."""
    return r"\begin{bmatrix}" + r"\\".join(num(v) for v in values.flatten()) + r"\end{bmatrix}"


def matrix(values: Tensor) -> str:
    """A matrix (rows, cols) as a LaTeX ``bmatrix``."""
    rows = [" & ".join(num(v) for v in row) for row in values]
    return r"\begin{bmatrix}" + r"\\".join(rows) + r"\end{bmatrix}"


def sigma(name: str) -> str:
    """The activation's name as a LaTeX operator, e.g. ``\\mathrm{relu}``."""
    return r"\mathrm{" + name.replace("_", r"\_") + "}"


def neuron_forward_latex(net: TracedMLP, step: LayerForward, layer: int, neuron: int) -> list[str]:
    """The weighted sum of one neuron with its numbers, then its activation: two LaTeX lines."""
    weights = net.weights[layer - 1][neuron]
    bias = net.biases[layer - 1][neuron]
    z, a, name = step.z[neuron], step.a[neuron], net.activations[layer - 1]
    symbols = " + ".join(rf"w_{{{neuron}{j}}}a_{{{j}}}" for j in range(len(weights)))
    numbers = " + ".join(rf"{factor(w)}\cdot{factor(x)}" for w, x in zip(weights, step.a_prev, strict=True))
    lines = [rf"z^{{({layer})}}_{{{neuron}}} = {symbols} + b_{{{neuron}}} = {numbers} + {factor(bias)} = {num(z)}"]
    if name == SOFTMAX:
        lines.append(
            rf"a^{{({layer})}}_{{{neuron}}} = \frac{{e^{{z_{{{neuron}}}}}}}{{\sum_k e^{{z_k}}}}"
            rf" = \frac{{e^{{{num(z)}}}}}{{{num(torch.exp(step.z).sum())}}} = {num(a)}"
        )
    else:
        lines.append(rf"a^{{({layer})}}_{{{neuron}}} = {sigma(name)}({num(z)}) = {num(a)}")
    return lines


def layer_forward_latex(net: TracedMLP, step: LayerForward, layer: int) -> list[str]:
    """``z = W a + b`` and ``a = σ(z)`` for a whole layer, in matrix form with its numbers (two aligned blocks)."""
    name = net.activations[layer - 1]
    return [
        rf"\begin{{aligned}} z^{{({layer})}} &= W^{{({layer})}} a^{{({layer - 1})}} + b^{{({layer})}} \\ "
        rf"&= {matrix(net.weights[layer - 1])} {vector(step.a_prev)} + {vector(net.biases[layer - 1])} \\ "
        rf"&= {vector(step.z)} \end{{aligned}}",
        rf"a^{{({layer})}} = {sigma(name)}(z^{{({layer})}}) = {vector(step.a)}",
    ]


def _select(values: Tensor, neuron: int | None) -> Tensor:
    return values if neuron is None else values[neuron : neuron + 1]


def aligned(left: str, *right: str) -> str:
    """``left = right[0] = right[1] ...`` with each right-hand side on its own line."""
    return rf"\begin{{aligned}} {left} " + r" \\ ".join(f"&= {part}" for part in right) + r" \end{aligned}"


def grad(symbol: str) -> str:
    """``∂L/∂symbol`` in LaTeX."""
    return rf"\frac{{\partial L}}{{\partial {symbol}}}"


def layer_backward_latex(
    net: TracedMLP,
    forward: Sequence[LayerForward],
    backward: BackwardTrace,
    loss: str,
    layer: int,
    neuron: int | None = None,
) -> list[str]:
    """dL/da, dL/dz, dL/dW and dL/db of one layer (or of one neuron in it) with the numbers substituted."""
    grads, step, name = backward.layers[layer - 1], forward[layer - 1], net.activations[layer - 1]
    sub = "" if neuron is None else f"_{{{neuron}}}"
    a_sym, z_sym = rf"a^{{({layer})}}{sub}", rf"z^{{({layer})}}{sub}"
    if layer == net.n_layers:
        upstream = LOSSES[loss].gradient_latex
    else:
        w_next = net.weights[layer].T if neuron is None else net.weights[layer][:, neuron].unsqueeze(0)
        upstream = (
            rf"(W^{{({layer + 1})}}{'' if neuron is None else f'_{{:,{neuron}}}'})^\top {grad(f'z^{{({layer + 1})}}')}"
            rf" = {matrix(w_next)} {vector(backward.layers[layer].dL_dz)}"
        )
    lines = [aligned(grad(a_sym), upstream, vector(_select(grads.dL_da, neuron)))]
    dL_dz = vector(_select(grads.dL_dz, neuron))
    if layer == net.n_layers and backward.combined:
        rule = r"a - \mathrm{onehot}(y)" if name == SOFTMAX else r"\frac{1}{n}(a - y)"
        lines.append(rf"{grad(z_sym)} = {rule} = {dL_dz} \quad \text{{(softmax/sigmoid and loss combined)}}")
    elif name == SOFTMAX:
        lines.append(rf"{grad(z_sym)} = a \odot \left({grad('a')} - a^\top {grad('a')}\right) = {dL_dz}")
    else:
        slope = ACTIVATIONS[name].derivative(step.z)
        lines.append(
            aligned(
                grad(z_sym),
                rf"{grad(a_sym)} \odot {sigma(name)}'({z_sym}) = "
                rf"{vector(_select(grads.dL_da, neuron))} \odot {vector(_select(slope, neuron))}",
                dL_dz,
            )
        )
    w_sym = rf"W^{{({layer})}}" + ("" if neuron is None else f"_{{{neuron},:}}")
    lines.append(
        rf"\begin{{aligned}} {grad(w_sym)} &= {grad(z_sym)}\,(a^{{({layer - 1})}})^\top"
        rf" = {dL_dz} {matrix(step.a_prev.unsqueeze(0))} \\"
        rf" &= {matrix(grads.dL_dW if neuron is None else grads.dL_dW[neuron : neuron + 1])} \end{{aligned}}"
    )
    lines.append(rf"{grad(f'b^{{({layer})}}{sub}')} = {grad(z_sym)} = {dL_dz}")
    return lines


def weight_chain_latex(
    net: TracedMLP, forward: Sequence[LayerForward], backward: BackwardTrace, layer: int, i: int, j: int
) -> list[str]:
    """The chain of factors for one weight ``W^layer[i, j]``, written out with its numbers.

    ``∂L/∂w = ∂L/∂a_i · σ'(z_i) · a_j`` (or ``∂L/∂z_i · a_j`` where the output layer's dL/dz is combined
    or softmax), followed, for a hidden layer, by where ``∂L/∂a_i`` comes from: ``Σ_k w_ki ∂L/∂z_k``.
    """
    grads, step, name = backward.layers[layer - 1], forward[layer - 1], net.activations[layer - 1]
    w, a_i, z_i = rf"w^{{({layer})}}_{{{i}{j}}}", rf"a^{{({layer})}}_{{{i}}}", rf"z^{{({layer})}}_{{{i}}}"
    a_j = rf"a^{{({layer - 1})}}_{{{j}}}"
    result = num(grads.dL_dW[i, j])
    if name == SOFTMAX or (layer == net.n_layers and backward.combined):
        lines = [
            rf"\begin{{aligned}} {grad(w)} &= {grad(z_i)} \cdot \frac{{\partial {z_i}}}{{\partial {w}}}"
            rf" = {grad(z_i)} \cdot {a_j} \\ &= {factor(grads.dL_dz[i])} \cdot {factor(step.a_prev[j])} = {result}"
            r" \end{aligned}"
        ]
    else:
        slope = ACTIVATIONS[name].derivative(step.z)[i]
        lines = [
            rf"\begin{{aligned}} {grad(w)} &= {grad(a_i)} \cdot \frac{{\partial {a_i}}}{{\partial {z_i}}} \cdot "
            rf"\frac{{\partial {z_i}}}{{\partial {w}}} \\ &= {grad(a_i)} \cdot {sigma(name)}'({z_i}) \cdot {a_j} \\"
            rf" &= {factor(grads.dL_da[i])} \cdot {factor(slope)} \cdot {factor(step.a_prev[j])} = {result}"
            r" \end{aligned}"
        ]
    if layer < net.n_layers:
        upstream = backward.layers[layer].dL_dz
        products = [rf"{factor(net.weights[layer][k, i])}\cdot{factor(upstream[k])}" for k in range(len(upstream))]
        terms = r" \\ &\quad + ".join(products)  # a product a line: the sum fits its column at any width
        lines.append(
            rf"\begin{{aligned}} {grad(a_i)} &= \sum_k w^{{({layer + 1})}}_{{k{i}}} {grad(f'z^{{({layer + 1})}}_k')} \\"
            rf" &= {terms} \\ &= {num(grads.dL_da[i])} \end{{aligned}}"
        )
    return lines


def pytorch_listing(
    net: TracedMLP, x: Sequence[float] | Tensor, y: Sequence[float] | int | None = None, loss: str | None = None
) -> str:
    """A runnable PyTorch script building this exact network, running ``x`` forward and, given ``y`` and
    ``loss``, backward with autograd, printing the same numbers the page shows."""

    def literal(values: Tensor) -> str:
        return (
            repr([[round(float(v), 6) for v in row] for row in values])
            if values.dim() == 2
            else repr([round(float(v), 6) for v in values])
        )

    layers = []
    for layer, name in enumerate(net.activations, start=1):
        n_out, n_in = net.weights[layer - 1].shape
        layers += [f"    nn.Linear({n_in}, {n_out}),", f"    {activation_named(name).layer_code()},"]
    weights = "\n".join(
        f"    model[{2 * k}].weight.copy_(torch.tensor({literal(w)}, dtype=torch.float64))\n"
        f"    model[{2 * k}].bias.copy_(torch.tensor({literal(b)}, dtype=torch.float64))"
        for k, (w, b) in enumerate(zip(net.weights, net.biases, strict=True))
    )
    lines = [
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "",
        *dict.fromkeys(filter(None, (activation_named(name).module_source for name in net.activations))),
        "model = nn.Sequential(",
        *layers,
        ").double()  # float64, as on the page",
        "with torch.no_grad():",
        weights,
        "",
        f"x = torch.tensor({literal(torch.as_tensor(x, dtype=torch.float64))}, dtype=torch.float64)",
        "activations = [x]",
        "for module in model:  # keep every intermediate z and a",
        "    activations.append(module(activations[-1]))",
        "for layer, (z, a) in enumerate(zip(activations[1::2], activations[2::2]), start=1):",
        "    print(f'layer {layer}: z = {z.tolist()}  a = {a.tolist()}')",
    ]
    if loss is not None and y is not None:
        entry = LOSSES[loss]
        if entry.target == "class":
            target = f"torch.tensor({int(torch.as_tensor(y).item())})"
        else:
            target = f"torch.tensor({literal(torch.as_tensor(y, dtype=torch.float64).flatten())}, dtype=torch.float64)"
        value = entry.output_code("output", "y")
        lines += [
            "",
            f"y = {target}",
            "output = model(x)",
            f"loss = {value}",
            "loss.backward()  # autograd: the same numbers as the chain rule on the page",
            "print('loss', loss.item())",
            "for name, parameter in model.named_parameters():",
            "    print(name, None if parameter.grad is None else parameter.grad.tolist())  # None: cut off by a step",
        ]
    return "\n".join(lines) + "\n"
