"""The scalar computation graph of a traced network, drawn like micrograd's ``draw_dot``: a record
``name | data | grad`` per value, a small node per operation between them, as Graphviz DOT text
(for ``st.graphviz_chart``). Gradients are filled in node by node in reverse topological order,
which is exactly the order backpropagation visits them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from nnviz.activations import SOFTMAX
from nnviz.losses import LOSSES
from nnviz.network import BackwardTrace, LayerForward, TracedMLP

MAX_VALUE_NODES = 24  # more and the picture stops being readable
REVEALED_FILL = "#DCEEFB"
LATEST_FILL = "#FFD8B0"
PENDING_FILL = "#F1F3F4"


@dataclass
class _Graph:
    """Value nodes in topological order plus operation nodes and edges, as DOT lines."""

    values: list[tuple[str, str, float, float]] = field(default_factory=list)  # id, name, data, grad
    lines: list[str] = field(default_factory=list)

    def value(self, name: str, data: float, grad: float) -> str:
        node = f"v{len(self.values)}"
        self.values.append((node, name, data, grad))
        return node

    def op(self, symbol: str, inputs: Sequence[str], outputs: Sequence[str]) -> None:
        node = f"op{len(self.lines)}"
        self.lines.append(f'  {node} [label="{symbol}", shape=circle, width=0.45, fixedsize=true, fontsize=11];')
        self.lines += [f"  {source} -> {node};" for source in inputs]
        self.lines += [f"  {node} -> {target};" for target in outputs]


def value_node_count(sizes: Sequence[int], first_layer: int = 1) -> int:
    """How many value nodes the graph from weight layer ``first_layer`` to the loss has."""
    leaves = sizes[first_layer - 1]
    per_layer = sum(
        n_out * (2 * n_in + 3) for n_in, n_out in zip(sizes[first_layer - 1 : -1], sizes[first_layer:], strict=True)
    )
    return leaves + per_layer + 1


def readable_first_layer(sizes: Sequence[int], max_nodes: int = MAX_VALUE_NODES) -> int:
    """The earliest weight layer from which the graph to the loss stays within ``max_nodes`` value nodes."""
    for first in range(1, len(sizes)):
        if value_node_count(sizes, first) <= max_nodes:
            return first
    return len(sizes) - 1


def _fmt(value: float) -> str:
    text = f"{value:.4g}"
    return "0" if text == "-0" else text


def computation_graph_dot(
    net: TracedMLP,
    forward: Sequence[LayerForward],
    backward: BackwardTrace,
    loss: str,
    revealed: int,
    first_layer: int = 1,
) -> str:
    """DOT text of the scalar graph from weight layer ``first_layer`` to the loss.

    Args:
        revealed: how many value nodes, counted from the loss in reverse topological order, already show
            their gradient; the rest show ``grad ?``. The last one revealed is highlighted.
        first_layer: weight layer where the graph starts; its inputs become leaves.
    """
    graph = _Graph()
    prev_layer = first_layer - 1
    prev_name = "x" if prev_layer == 0 else f"a{prev_layer}"
    prev_grad = backward.dL_dx if prev_layer == 0 else backward.layers[prev_layer - 1].dL_da
    inputs = [
        graph.value(f"{prev_name}[{j}]", v.item(), g.item())
        for j, (v, g) in enumerate(zip(forward[prev_layer].a_prev, prev_grad, strict=True))
    ]
    for layer in range(first_layer, net.n_layers + 1):
        step, grads, name = forward[layer - 1], backward.layers[layer - 1], net.activations[layer - 1]
        weight, bias = net.weights[layer - 1], net.biases[layer - 1]
        zs, outputs = [], []
        for i in range(weight.shape[0]):
            products = []
            for j, source in enumerate(inputs):
                w = graph.value(f"W{layer}[{i},{j}]", weight[i, j].item(), grads.dL_dW[i, j].item())
                product = graph.value("w·a", weight[i, j].item() * step.a_prev[j].item(), grads.dL_dz[i].item())
                graph.op("×", [w, source], [product])
                products.append(product)
            b = graph.value(f"b{layer}[{i}]", bias[i].item(), grads.dL_db[i].item())
            z = graph.value(f"z{layer}[{i}]", step.z[i].item(), grads.dL_dz[i].item())
            graph.op("+", [*products, b], [z])
            zs.append(z)
            if name != SOFTMAX:
                a = graph.value(f"a{layer}[{i}]", step.a[i].item(), grads.dL_da[i].item())
                graph.op(name, [z], [a])
                outputs.append(a)
        if name == SOFTMAX:
            outputs = [graph.value(f"a{layer}[{i}]", step.a[i].item(), grads.dL_da[i].item()) for i in range(len(zs))]
            graph.op("softmax", zs, outputs)
        inputs = outputs
    loss_node = graph.value("L", backward.loss, 1.0)
    graph.op(LOSSES[loss].short, inputs, [loss_node])

    order = [node for node, *_ in reversed(graph.values)]
    shown = set(order[:revealed])
    latest = order[revealed - 1] if 0 < revealed <= len(order) else None
    lines = [
        "digraph backprop {",
        '  graph [rankdir=LR, bgcolor="transparent", nodesep=0.12, ranksep=0.35];',
        '  node [shape=record, fontname="Helvetica", fontsize=11, style=filled, color="#5F6368"];',
        '  edge [color="#9AA0A6", arrowsize=0.6];',
    ]
    for node, name, data, grad in graph.values:
        fill = LATEST_FILL if node == latest else REVEALED_FILL if node in shown else PENDING_FILL
        grad_text = _fmt(grad) if node in shown else "?"
        lines.append(f'  {node} [label="{{ {name} | data {_fmt(data)} | grad {grad_text} }}", fillcolor="{fill}"];')
    return "\n".join([*lines, *graph.lines, "}"])
