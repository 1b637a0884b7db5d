"""Figures of the traced network: the graph (forward, animated; backward, with gradients on the edges),
the matrix view of one layer, the softmax output and gradient norms per layer.

Pure functions: traces in, ``go.Figure`` out. Neurons are circles coloured by a signed value (blue
positive, orange negative, white at zero); edges are coloured by the sign of their weight (or gradient)
with a width proportional to its magnitude.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots
from torch import Tensor

from nnviz.figures.animation import play_pause
from nnviz.figures.probabilities import probability_bars
from nnviz.figures.style import DIVERGING_SCALE, HIGHLIGHT, NEGATIVE, POSITIVE, styled
from nnviz.network import (
    BackwardTrace,
    ForwardStep,
    LayerForward,
    TracedMLP,
    done_neurons,
)
from nnviz.network_text import num

PENDING_NODE = "#E8EAED"
PENDING_EDGE = "rgba(154,160,166,0.35)"
GLOW = "rgba(214,39,40,0.22)"
NODE_SIZE = 50
MAX_EDGE_WIDTH = 7.0
EDGE_HOVER_AT = 0.72  # where along an edge (0 = source, 1 = target) its hover point sits
GRAPH_HEIGHT = 430


def node_positions(sizes: Sequence[int]) -> list[list[tuple[float, float]]]:
    """(x, y) of every neuron: layer l at x = l, neurons centred on y = 0, neuron 0 on top."""
    return [[(float(layer), (n - 1) / 2 - i) for i in range(n)] for layer, n in enumerate(sizes)]


def short(value: float | Tensor) -> str:
    """A number short enough to sit inside a neuron's circle (3 significant digits)."""
    text = f"{float(value):.3g}"
    return "0" if text == "-0" else text


def _signed_colors(values: Tensor, scale: float) -> list[str]:
    positions = ((values / scale).clamp(-1, 1) + 1) / 2 if scale > 0 else torch.full_like(values, 0.5)
    return sample_colorscale(DIVERGING_SCALE, positions.tolist())


def _layer_name(net: TracedMLP, layer: int) -> str:
    if layer == 0:
        return "input"
    role = "output" if layer == net.n_layers else f"hidden {layer}"
    return f"{role} · {net.activations[layer - 1]}"


def _edge_traces(net: TracedMLP, values: Sequence[Tensor], shown: Sequence[Tensor], label: str) -> list[go.Scatter]:
    """Edges grouped into one trace per (colour, width), plus one invisible trace of hover points.

    ``values[l-1]`` (n_l, n_(l-1)) gives sign and width; ``shown[l-1]`` (bool, same shape) greys out the rest.
    """
    positions = node_positions(net.sizes)
    scale = max((v.abs().max().item() for v in values), default=0.0) or 1.0
    groups: dict[tuple[str, float], tuple[list, list]] = {}
    hover_x, hover_y, hover_text = [], [], []
    for layer, (value, visible) in enumerate(zip(values, shown, strict=True), start=1):
        for i, j in torch.cartesian_prod(torch.arange(value.shape[0]), torch.arange(value.shape[1])).tolist():
            (x0, y0), (x1, y1) = positions[layer - 1][j], positions[layer][i]
            v = value[i, j].item()
            if visible[i, j]:
                key = (POSITIVE if v >= 0 else NEGATIVE, round(0.5 + MAX_EDGE_WIDTH * abs(v) / scale * 2) / 2)
                hover_text.append(f"{label}<sup>({layer})</sup><sub>{i}{j}</sub> = {num(v)}")
            else:
                key = (PENDING_EDGE, 1.0)
                hover_text.append(f"{label}<sup>({layer})</sup><sub>{i}{j}</sub>: not computed yet")
            xs, ys = groups.setdefault(key, ([], []))
            xs += [x0, x1, None]
            ys += [y0, y1, None]
            hover_x.append(x0 + EDGE_HOVER_AT * (x1 - x0))
            hover_y.append(y0 + EDGE_HOVER_AT * (y1 - y0))
    traces = [
        go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=color, width=width), hoverinfo="skip", showlegend=False)
        for (color, width), (xs, ys) in sorted(groups.items(), key=lambda item: item[0][1])
    ]
    traces.append(
        go.Scatter(
            x=hover_x,
            y=hover_y,
            mode="markers",
            marker=dict(size=10, color="rgba(0,0,0,0)"),
            text=hover_text,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name="edges",
        )
    )
    return traces


def _node_trace(
    net: TracedMLP, values: Sequence[Tensor], done: Sequence[Tensor], hover: Sequence[Sequence[str]], focus: ForwardStep
) -> go.Scatter:
    """All neurons in one trace: done ones coloured by ``values`` and labelled, the rest pale; focus outlined."""
    positions = node_positions(net.sizes)
    scale = max((v[d].abs().max().item() for v, d in zip(values, done, strict=True) if d.any()), default=1.0) or 1.0
    xs, ys, colors, texts, text_colors, outlines, widths, hovers = [], [], [], [], [], [], [], []
    for layer, (value, mask) in enumerate(zip(values, done, strict=True)):
        fills = _signed_colors(value, scale)
        for i, (x, y) in enumerate(positions[layer]):
            xs.append(x)
            ys.append(y)
            finished = bool(mask[i])
            colors.append(fills[i] if finished else PENDING_NODE)
            texts.append(short(value[i]) if finished else "")
            text_colors.append("white" if finished and abs(value[i].item()) > 0.6 * scale else "#1F2328")
            focused = layer == focus.layer > 0 and focus.neuron in (None, i)
            outlines.append(HIGHLIGHT if focused else "#5F6368")
            widths.append(4 if focused else 1.5)
            hovers.append(hover[layer][i] if finished else f"{_layer_name(net, layer)}, neuron {i}: not computed yet")
    return go.Scatter(
        x=xs,
        y=ys,
        mode="markers+text",
        marker=dict(size=NODE_SIZE, color=colors, line=dict(color=outlines, width=widths)),
        text=texts,
        textfont=dict(color=text_colors, size=13),
        hovertext=hovers,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        name="neurons",
    )


def _glow_trace(net: TracedMLP, focus: ForwardStep) -> go.Scatter:
    """A wide translucent band under the edges that feed the focused layer (or neuron)."""
    positions = node_positions(net.sizes)
    xs: list[float | None] = []
    ys: list[float | None] = []
    if focus.layer > 0:
        targets = range(net.sizes[focus.layer]) if focus.neuron is None else [focus.neuron]
        for i in targets:
            for x0, y0 in positions[focus.layer - 1]:
                x1, y1 = positions[focus.layer][i]
                xs += [x0, x1, None]
                ys += [y0, y1, None]
    return go.Scatter(
        x=xs or [None],
        y=ys or [None],
        mode="lines",
        line=dict(color=GLOW, width=14),
        hoverinfo="skip",
        showlegend=False,
        name="focus",
    )


def neuron_sum_text(net: TracedMLP, step: LayerForward, layer: int, neuron: int, html: bool = True) -> str:
    """``z = 0.51·1 + (−0.3)·0.5 + 0.1 = 0.46 → relu → 0.46`` for one neuron, as plain text (or HTML)."""
    terms = " + ".join(
        f"{num(w) if w >= 0 else f'({num(w)})'}·{num(a) if a >= 0 else f'({num(a)})'}"
        for w, a in zip(net.weights[layer - 1][neuron], step.a_prev, strict=True)
    )
    bias = net.biases[layer - 1][neuron]
    name = net.activations[layer - 1]
    z = f"z<sub>{neuron}</sub>" if html else f"z{neuron}"
    return (
        f"{z} = {terms} + {num(bias) if bias >= 0 else f'({num(bias)})'} = {num(step.z[neuron])}"
        f"  →  {name}  →  a = {num(step.a[neuron])}"
    )


def _forward_hover(net: TracedMLP, trace: Sequence[LayerForward]) -> list[list[str]]:
    hover = [[f"input x<sub>{j}</sub> = {num(v)}" for j, v in enumerate(trace[0].a_prev)]]
    for layer, step in enumerate(trace, start=1):
        hover.append(
            [
                f"<b>{_layer_name(net, layer)}, neuron {i}</b><br>{neuron_sum_text(net, step, layer, i)}"
                f"<br>z = {num(step.z[i])}, a = {num(step.a[i])}"
                for i in range(net.sizes[layer])
            ]
        )
    return hover


def forward_step_title(net: TracedMLP, trace: Sequence[LayerForward], steps: Sequence[ForwardStep], index: int) -> str:
    """What step ``index`` of a forward pass computes: a headline and, below it, the computation (HTML)."""
    step = steps[index]
    prefix = f"Step {index}/{len(steps) - 1}"
    if step.layer == 0:
        headline = f"{prefix}: the input enters"
        detail = f"a<sup>(0)</sup> = x = [{', '.join(num(v) for v in trace[0].a_prev)}]"
    elif step.neuron is not None:
        headline = f"{prefix} · layer {step.layer}, neuron {step.neuron}"
        detail = neuron_sum_text(net, trace[step.layer - 1], step.layer, step.neuron)
    else:
        layer = trace[step.layer - 1]
        headline = f"{prefix} · layer {step.layer}: z = W·a + b, then a = {net.activations[step.layer - 1]}(z)"
        detail = f"z = [{', '.join(short(v) for v in layer.z)}]  →  a = [{', '.join(short(v) for v in layer.a)}]"
    return f"{headline}<br><span style='font-size:13px;font-weight:normal'>{detail}</span>"


def _frame_state(net: TracedMLP, trace: Sequence[LayerForward], steps: Sequence[ForwardStep], index: int):
    values = [trace[0].a_prev] + [step.a for step in trace]
    done = done_neurons(net.sizes, steps[index])
    node = _node_trace(net, values, done, _forward_hover(net, trace), steps[index])
    return _glow_trace(net, steps[index]), node, forward_step_title(net, trace, steps, index)


def _graph_layout(fig: go.Figure, net: TracedMLP, extra_x: float = 0.0) -> None:
    height = max(net.sizes)
    fig.update_xaxes(
        range=[-0.45, net.n_layers + 0.45 + extra_x],
        tickvals=list(range(len(net.sizes))),
        ticktext=[_layer_name(net, layer) for layer in range(len(net.sizes))],
        showgrid=False,
        zeroline=False,
        fixedrange=True,
    )
    fig.update_yaxes(
        range=[-(height - 1) / 2 - 0.6, (height - 1) / 2 + 0.6], visible=False, showgrid=False, fixedrange=True
    )


def forward_graph(
    net: TracedMLP, trace: Sequence[LayerForward], steps: Sequence[ForwardStep], index: int, frame_ms: int = 1100
) -> go.Figure:
    """The network drawn as a graph at forward step ``index``, with one animation frame per step.

    Neurons show their activation a (the input layer shows x); edges show their weight. The focused
    layer (or neuron) is outlined and its incoming edges glow. Play / Pause buttons animate all
    ``steps`` in the browser; the base figure shows step ``index`` (for server-side stepping).

    Trace order: 0 = glow, then edge groups, then edge hover points, last = neurons (what frames update).
    """
    weights_shown = [torch.ones_like(w, dtype=torch.bool) for w in net.weights]
    glow, node, title = _frame_state(net, trace, steps, index)
    fig = go.Figure([glow, *_edge_traces(net, net.weights, weights_shown, "w"), node])
    last = len(fig.data) - 1
    fig.frames = [
        go.Frame(data=[g, n], traces=[0, last], name=str(k), layout=dict(title_text=t))
        for k, (g, n, t) in ((k, _frame_state(net, trace, steps, k)) for k in range(len(steps)))
    ]
    fig.update_layout(updatemenus=[play_pause(frame_ms, redraw=True, restart=True)])
    styled(fig, title=title, x_title="layer (activation)", height=GRAPH_HEIGHT, legend=False)
    _graph_layout(fig, net)
    fig.update_layout(title_font_size=15, margin_t=80)
    return fig


def backward_graph(
    net: TracedMLP,
    forward: Sequence[LayerForward],
    backward: BackwardTrace,
    steps: Sequence[ForwardStep],
    index: int,
) -> go.Figure:
    """The network at backward step ``index``: reached neurons coloured by dL/dz (the input by dL/dx once
    the pass is complete), reached edges coloured and sized by dL/dW; the loss sits to the right."""
    step = steps[index]
    done = done_neurons(net.sizes, step, backward=True)
    if index == len(steps) - 1:
        done[0] = torch.ones(net.sizes[0], dtype=torch.bool)
    values = [backward.dL_dx] + [grads.dL_dz for grads in backward.layers]
    hover = [
        [
            f"input x<sub>{j}</sub> = {num(x)}<br>∂L/∂x = {num(g)}"
            for j, (x, g) in enumerate(zip(forward[0].a_prev, backward.dL_dx, strict=True))
        ]
    ]
    for layer, (f, g) in enumerate(zip(forward, backward.layers, strict=True), start=1):
        hover.append(
            [
                f"<b>{_layer_name(net, layer)}, neuron {i}</b><br>z = {num(f.z[i])}, a = {num(f.a[i])}"
                f"<br>∂L/∂a = {num(g.dL_da[i])}<br>∂L/∂z = {num(g.dL_dz[i])} = ∂L/∂b"
                for i in range(net.sizes[layer])
            ]
        )
    edges_shown = [mask.unsqueeze(1).expand(-1, n_in) for mask, n_in in zip(done[1:], net.sizes[:-1], strict=True)]
    gradients = [grads.dL_dW for grads in backward.layers]
    node = _node_trace(net, values, done, hover, step)
    loss_x = net.n_layers + 0.8
    loss_node = go.Scatter(
        x=[loss_x],
        y=[0.0],
        mode="markers+text",
        marker=dict(size=NODE_SIZE + 8, color="#FFF4E5", symbol="square", line=dict(color=HIGHLIGHT, width=2)),
        text=[f"L={short(backward.loss)}"],
        textfont=dict(size=12),
        hovertext=[f"loss L = {num(backward.loss)}"],
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
        name="loss",
    )
    feeds = go.Scatter(
        x=[v for x, y in node_positions(net.sizes)[-1] for v in (x, loss_x, None)],
        y=[v for x, y in node_positions(net.sizes)[-1] for v in (y, 0.0, None)],
        mode="lines",
        line=dict(color="#9AA0A6", width=1.5, dash="dot"),
        hoverinfo="skip",
        showlegend=False,
    )
    fig = go.Figure(
        [_glow_trace(net, step), feeds, *_edge_traces(net, gradients, edges_shown, "∂L/∂w"), node, loss_node]
    )
    if step.layer == 0:
        title = f"Step 0/{len(steps) - 1}: forward pass done, loss L = {num(backward.loss)}; now go backward"
    else:
        where = f"layer {step.layer}" + ("" if step.neuron is None else f", neuron {step.neuron}")
        title = f"Step {index}/{len(steps) - 1} · {where}: ∂L/∂z in the neurons, ∂L/∂W on the edges"
    styled(fig, title=title, x_title="layer (activation)", height=GRAPH_HEIGHT, legend=False)
    _graph_layout(fig, net, extra_x=0.8)
    fig.update_layout(title_font_size=15)
    return fig


def _heatmap(values: Tensor, scale: float) -> go.Heatmap:
    grid = values if values.dim() == 2 else values.unsqueeze(1)
    return go.Heatmap(
        z=grid.tolist(),
        text=[[short(v) for v in row] for row in grid],
        texttemplate="%{text}",
        textfont=dict(size=12),
        colorscale=DIVERGING_SCALE,
        zmin=-scale,
        zmax=scale,
        showscale=False,
        xgap=2,
        ygap=2,
        hovertemplate="%{text}<extra></extra>",
    )


def layer_matrices(net: TracedMLP, trace: Sequence[LayerForward], layer: int) -> go.Figure:
    """The matrix view of one layer: W, a_prev, b, z = W·a_prev + b and a = σ(z) as annotated heatmaps."""
    step = trace[layer - 1]
    weight, bias = net.weights[layer - 1], net.biases[layer - 1]
    n_out, n_in = weight.shape
    parts = [
        (f"W<sup>({layer})</sup> ({n_out}×{n_in})", weight),
        (f"a<sup>({layer - 1})</sup>", step.a_prev),
        (f"b<sup>({layer})</sup>", bias),
        (f"z<sup>({layer})</sup>", step.z),
        (f"a<sup>({layer})</sup>", step.a),
    ]
    widths = [1.5 * n_in] + [1.5] * 4
    fig = make_subplots(
        rows=1, cols=5, column_widths=widths, horizontal_spacing=0.035, subplot_titles=[p[0] for p in parts]
    )
    scale = max(v.abs().max().item() for _, v in parts) or 1.0
    for col, (_, values) in enumerate(parts, start=1):
        fig.add_trace(_heatmap(values, scale), row=1, col=col)
        fig.update_yaxes(autorange="reversed", showticklabels=col == 1, row=1, col=col)
        fig.update_xaxes(showticklabels=col == 1, row=1, col=col)
    # a_prev has n_in rows while the others have n_out: let each subplot keep its own y range
    fig.update_xaxes(title_text="from neuron j", tickvals=list(range(n_in)), row=1, col=1)
    fig.update_yaxes(title_text="to neuron i", tickvals=list(range(n_out)), row=1, col=1)
    for col in range(2, 6):
        fig.update_xaxes(title_text="", row=1, col=col)
    title = f"Layer {layer} as matrices: z = W·a + b, a = {net.activations[layer - 1]}(z)"
    styled(fig, title=title, height=300, legend=False)
    fig.update_annotations(font_size=13)
    return fig


def softmax_output(probabilities: Tensor) -> go.Figure:
    """The output probabilities (K,) as bars, the predicted class (argmax) highlighted."""
    predicted = int(torch.argmax(probabilities))
    return probability_bars(
        [str(k) for k in range(len(probabilities))],
        probabilities,
        marked=predicted,
        title=f"Softmax output: predicted class {predicted} ({probabilities[predicted].item():.1%})",
        height=300,
        other_color=POSITIVE,
        hovertemplate="class %{x}: p = %{y:.4f}<extra></extra>",
    )


def gradient_norms(norms: dict[str, Tensor]) -> go.Figure:
    """‖∂L/∂W‖ per layer (layer 1 nearest the input) for each named network, as grouped bars on a log scale."""
    fig = go.Figure(
        [
            go.Bar(
                x=[str(layer) for layer in range(1, len(values) + 1)],
                y=values.tolist(),
                name=name,
                hovertemplate=f"{name}, layer %{{x}}: %{{y:.3g}}<extra></extra>",
            )
            for name, values in norms.items()
        ]
    )
    styled(
        fig,
        title="Gradient size per layer: where does the signal vanish?",
        x_title="layer (1 = nearest the input, gradients flow right to left)",
        y_title="‖∂L/∂W‖ (log scale)",
        height=360,
    )
    fig.update_yaxes(type="log")
    fig.update_layout(barmode="group")
    return fig
