"""Backpropagation: the chain rule stepped backward through a tiny network, checked against autograd."""

import pandas as pd
import streamlit as st

import ui
from nnviz import network
from nnviz.activations import activation_named, output_activations
from nnviz.figures import network as figures
from nnviz.figures.computation_graph import computation_graph_dot, readable_first_layer, value_node_count
from nnviz.losses import LOSSES
from nnviz.network_text import layer_backward_latex, num, pytorch_listing, weight_chain_latex
from ui import predict, state

ui.page_header(
    "Backpropagation",
    "After the forward pass, the loss sends blame backward: each layer's gradient is the next layer's gradient "
    "times a local derivative — the **chain rule**, applied one layer at a time.",
    r"\frac{\partial L}{\partial z^{(l)}} = \frac{\partial L}{\partial a^{(l)}} \odot \sigma_l'\big(z^{(l)}\big),"
    r"\quad \frac{\partial L}{\partial W^{(l)}} = \frac{\partial L}{\partial z^{(l)}}\,a^{(l-1)\top},"
    r"\quad \frac{\partial L}{\partial a^{(l-1)}} = W^{(l)\top} \frac{\partial L}{\partial z^{(l)}}",
)
view = state.view()
STEPS = ui.Stepper("bp", view)
NETWORK: ui.PerUser[network.TracedMLP] = ui.PerUser("bp")


def apply_update(net: network.TracedMLP, x, y, loss: str) -> None:
    before = net.loss(x, y, loss)
    net.apply_gradient_step(net.backward_trace(x, y, loss), st.session_state.bp_lr)
    st.session_state.bp_update = (before, net.loss(x, y, loss), st.session_state.bp_lr)
    STEPS.rewind()


def forget_update() -> None:
    STEPS.rewind_for_new_settings()
    st.session_state.pop("bp_update", None)


controls, graph = st.columns([1, 2.4], gap="medium")
backward = None
with controls, ui.explain_errors():
    sizes = ui.layer_sizes(view)
    loss = view.selectbox("loss", "Loss", format_func=lambda name: LOSSES[name].label)
    by_class = LOSSES[loss].target == "class"
    x_col, y_col = st.columns(2)
    with x_col:
        x_text = view.text_input("x", "Input x")
    with y_col:
        y_text = view.text_input(
            "y_class" if by_class else "y",
            f"Target y ({'a class index' if by_class else 'one value per output neuron'})",
        )
    activations = []
    for layer, column in enumerate(st.columns(len(sizes) - 1), start=1):
        output = layer == len(sizes) - 1
        options = [a for a in output_activations() if LOSSES[loss].fits(a, sizes[-1])] if output else None
        with column:
            activations.append(
                view.selectbox(
                    "out" if output else f"act{layer}",
                    "Output" if output else f"Layer {layer}",
                    format_func=lambda name: activation_named(name).label,
                    **({"options": options} if options else {}),  # none fit (cross-entropy on one output): it says so
                )
            )
    config = (tuple(sizes), tuple(activations), ui.seed())
    net = NETWORK.get(config, lambda: network.TracedMLP(sizes, activations, seed=ui.seed()), on_rebuild=forget_update)
    x, y = network.parse_inputs(x_text, sizes[0]), network.parse_target(y_text, loss, sizes[-1])
    forward = net.forward_trace(x)
    backward = net.backward_trace(x, y, loss)
if backward is None:
    st.stop()

with controls:
    detailed = view.toggle("detailed", "One neuron at a time")
    steps = network.pass_steps(net.sizes, detailed=detailed, backward=True)
    index = STEPS.controls(len(steps), label="Step back", icon=":material/skip_previous:")

with graph:
    ui.show_figure(figures.backward_graph(net, forward, backward, steps, index), key="bp_graph")

output_grads = backward.layers[-1]
dW, dz, a_prev = output_grads.dL_dW[0, 0].item(), output_grads.dL_dz[0].item(), forward[-1].a_prev[0].item()
sign = "positive" if dW > 0 else "negative" if dW < 0 else "zero"
question = predict.Question(
    predict.key_of("bp", config, x_text, y_text, loss, repr(st.session_state.get("bp_update"))),
    f"will the gradient ∂L/∂W⁽{net.n_layers}⁾₀₀ of the output layer's first weight be positive, negative or zero?",
    ("positive", "negative", "zero"),
    sign,
    f"∂L/∂W₀₀ = ∂L/∂z₀ · a₀ = {num(dz)} × {num(a_prev)} = {num(dW)}: "
    + (
        "a gradient step lowers this weight."
        if dW > 0
        else "a gradient step raises this weight."
        if dW < 0
        else "this weight does not move."
    ),
)
pending = predict.asking() and index == 0  # the gradients below would give the answer away
predict.ask(question, revealed=index > 0)

current = steps[index]
equations, chain = st.columns([1.1, 1], gap="medium")
with equations:
    st.subheader("This step, with its numbers")
    if current.layer == 0:
        st.latex(rf"L = \mathrm{{{LOSSES[loss].short}}}\big(a^{{({net.n_layers})}}, y\big) = {num(backward.loss)}")
        st.markdown("The forward pass is done. Press **Step back** to send the gradient into the output layer.")
    else:
        for line in layer_backward_latex(net, forward, backward, loss, current.layer, current.neuron):
            st.latex(line)
    if backward.combined and current.layer == net.n_layers:
        st.info(
            "Softmax with cross-entropy (or sigmoid with BCE) simplifies: the σ′ factor cancels and "
            "∂L/∂z is just *prediction − target*, so we use that directly.",
            icon=":material/lightbulb:",
        )


def show_gradients() -> None:
    """The chain for one weight, autograd's graph of the pass, the gradient check and one gradient step."""
    with chain:
        st.subheader("The chain for one weight")
        l_col, i_col, j_col = st.columns(3)
        with l_col:
            w_layer = view.selectbox("w_layer", "Layer", options=range(1, net.n_layers + 1))
        n_out, n_in = net.weights[w_layer - 1].shape
        with i_col:
            w_i = view.selectbox("w_i", "To neuron i", options=range(n_out))
        with j_col:
            w_j = view.selectbox("w_j", "From neuron j", options=range(n_in))
        for line in weight_chain_latex(net, forward, backward, w_layer, w_i, w_j):
            st.latex(line)

    st.subheader("The same computation as autograd sees it")
    graph_from_col, reveal_col = st.columns([1, 3])
    first_layer = graph_from_col.selectbox(
        "Graph from layer",
        range(1, net.n_layers + 1),
        index=readable_first_layer(net.sizes) - 1,
        key="bp_graph_from",
        help="The scalar graph of the whole network gets large; by default it starts where it stays readable.",
    )
    total = value_node_count(net.sizes, first_layer)
    reveal = reveal_col.slider(
        "Gradients filled in, node by node (reverse topological order, from the loss)",
        0,
        total,
        total,
        key=f"bp_graph_reveal_{first_layer}",
    )
    st.graphviz_chart(computation_graph_dot(net, forward, backward, loss, reveal, first_layer), width="stretch")

    check_col, update_col = st.columns([1.6, 1], gap="medium")
    with check_col:
        st.subheader("Gradient check")
        rows = network.gradient_check(net, x, y, loss)
        table = pd.DataFrame(
            {
                "parameter": [r.parameter for r in rows],
                "ours": [r.chain_rule for r in rows],
                "autograd": [r.autograd for r in rows],
                "finite diff.": [r.finite_difference for r in rows],
                "|ours − autograd|": [abs(r.chain_rule - r.autograd) for r in rows],
            }
        )
        st.dataframe(
            table,
            key="bp_check",
            hide_index=True,
            height=260,
            width="stretch",
            column_config={c: st.column_config.NumberColumn(format="%.4g") for c in table.columns[1:]}
            | {"|ours − autograd|": st.column_config.NumberColumn(format="%.1e")},
        )
        st.caption("ours: the chain rule above, by hand · autograd: torch · finite diff.: (L(θ+h) − L(θ−h)) / 2h")
    with update_col:
        st.subheader("One gradient step")
        st.latex(
            r"\begin{aligned} W &\leftarrow W - \eta\,\partial L / \partial W \\"
            r" b &\leftarrow b - \eta\,\partial L / \partial b \end{aligned}"
        )
        view.slider("lr", "Learning rate η")
        st.button(
            "Apply the update", key="bp_apply", icon=":material/south:", on_click=apply_update, args=(net, x, y, loss)
        )
        if "bp_update" in st.session_state:
            before, after, lr = st.session_state.bp_update
            st.metric(f"Loss after one step (η = {lr:g})", num(after), delta=num(after - before), delta_color="inverse")
            st.caption(f"Loss before: {num(before)}")
        else:
            st.metric("Loss now", num(backward.loss))


if pending:
    with chain:
        st.info(
            "Predict, then **Step back**: the gradients (the chain for one weight, autograd's graph, the gradient "
            "check) show from the first step.",
            icon=":material/hourglass:",
        )
else:
    show_gradients()

st.subheader("Vanishing gradients")
depth_col, width_col, _ = st.columns([1, 1, 2])
with depth_col:
    depth = view.slider("depth", "Depth (layers)")
with width_col:
    width = view.slider("width", "Width (neurons)")
norms = {name: network.layer_gradient_norms(name, depth, width, seed=ui.seed()) for name in ("sigmoid", "relu")}
ui.show_figure(figures.gradient_norms(norms), key="bp_vanishing")
st.caption(
    f"Each sigmoid layer multiplies the gradient by σ′(z) ≤ 0.25, so {depth} sigmoid layers shrink it to "
    f"{num(norms['sigmoid'][0] / norms['sigmoid'][-1])}× at the first layer; "
    f"ReLU passes it through (σ′ = 1 where active): "
    f"{num(norms['relu'][0] / norms['relu'][-1])}×. (He initialisation, MSE on random data, mean of 16 samples.)"
)

ui.code_expander(pytorch_listing(net, x, y, loss))
ui.next_concept()
