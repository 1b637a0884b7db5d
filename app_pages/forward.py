"""Forward propagation: a tiny network computed layer by layer (or neuron by neuron), animated and stepped."""

import streamlit as st

import ui
from nnviz import network
from nnviz.activations import SOFTMAX, activation_named
from nnviz.figures import network as figures
from nnviz.network_text import layer_forward_latex, neuron_forward_latex, num, pytorch_listing, vector
from ui import predict, state

view = state.view()
STEPS = ui.Stepper("fwd", view)
NETWORK: ui.PerUser[network.TracedMLP] = ui.PerUser("fwd")

ui.page_header(
    "Forward propagation",
    "Data flows left to right: each neuron takes a **weighted sum** of the layer before, adds its **bias** and "
    "passes the result through its **activation**; the output of one layer is the input of the next.",
    r"z^{(l)} = W^{(l)} a^{(l-1)} + b^{(l)}, \qquad a^{(l)} = \sigma_l\big(z^{(l)}\big), \qquad a^{(0)} = x",
)


def set_weight(net: network.TracedMLP, x) -> None:
    layer, i, j = st.session_state.fwd_edit_layer, st.session_state.fwd_edit_i, st.session_state.fwd_edit_j
    before = net(x)
    net.set_weight(layer, i, j, st.session_state.fwd_edit_value)
    st.session_state.fwd_edit_result = (f"W{layer}[{i},{j}] = {st.session_state.fwd_edit_value:g}", before, net(x))


controls, graph = st.columns([1, 2.4], gap="medium")
trace = None
with controls, ui.explain_errors():
    sizes = ui.layer_sizes(view)
    x_text = view.text_input("x", "Input x")
    activations = [
        view.selectbox(
            "out" if layer == len(sizes) - 1 else f"act{layer}",
            f"Activation, layer {layer}" + (" (output)" if layer == len(sizes) - 1 else ""),
            format_func=lambda name: activation_named(name).label,
        )
        for layer in range(1, len(sizes))
    ]
    config = (tuple(sizes), tuple(activations), ui.seed())
    net = NETWORK.get(
        config,
        lambda: network.TracedMLP(sizes, activations, seed=ui.seed()),
        on_rebuild=lambda: (STEPS.rewind_for_new_settings(), st.session_state.pop("fwd_edit_result", None)),
    )
    x = network.parse_inputs(x_text, sizes[0])
    trace = net.forward_trace(x)
if trace is None:
    st.stop()

with controls:
    detailed = view.toggle("detailed", "One neuron at a time", help="Step through single neurons.")
    steps = network.pass_steps(net.sizes, detailed=detailed)
    index = STEPS.controls(len(steps), label="Step", icon=":material/skip_next:")
    st.caption("**Play** animates the whole pass in the browser; **Step** moves one step and shows its numbers below.")

with graph:
    ui.show_figure(figures.forward_graph(net, trace, steps, index), key="fwd_graph")

output = trace[-1].a
revealed = index == len(steps) - 1
question = None
if len(output) > 1:
    winner = int(output.argmax())
    question = predict.Question(
        predict.key_of("fwd", config, x_text, repr(st.session_state.get("fwd_edit_result"))),
        "which output neuron will end up largest?",
        [f"neuron {i}" for i in range(len(output))],
        f"neuron {winner}",
        f"The output layer's values are [{', '.join(num(v) for v in output)}]: neuron {winner}'s weighted sum of the "
        "layer before, plus its bias, is the largest"
        + (", and softmax keeps the order." if net.activations[-1] == SOFTMAX else "."),
    )
    predict.ask(question, revealed=revealed)

current = steps[index]
shown_layer = max(current.layer, 1)
computation, matrices = st.columns([1.2, 1], gap="medium")
with computation:
    st.subheader("This step, with its numbers")
    if current.layer == 0:
        st.latex(rf"a^{{(0)}} = x = {vector(x)}")
        st.markdown("Press **Step** to compute the first layer.")
    elif current.neuron is None:
        for line in layer_forward_latex(net, trace[current.layer - 1], current.layer):
            st.latex(line)
    else:
        for line in neuron_forward_latex(net, trace[current.layer - 1], current.layer, current.neuron):
            st.latex(line)
    if index == len(steps) - 1:
        st.success(f"Output a^({net.n_layers}) = [{', '.join(num(v) for v in trace[-1].a)}]", icon=":material/done:")
with matrices:
    ui.show_figure(figures.layer_matrices(net, trace, shown_layer), key="fwd_matrices")

output_col, edit_col = st.columns([1, 1.2], gap="medium")
with output_col:
    if question is not None and predict.asking() and not revealed:
        st.info("The output's probabilities show when the pass reaches the output layer.", icon=":material/hourglass:")
    elif net.activations[-1] == SOFTMAX:
        ui.show_figure(figures.softmax_output(output), key="fwd_softmax")
        st.caption("Softmax turns the output layer's z into probabilities that sum to 1; the largest one wins.")
    else:
        st.info("Choose **softmax** for the output layer to read the output as class probabilities.")
with edit_col:
    st.subheader("Edit one weight")
    layer_col, i_col, j_col = st.columns(3)
    edit_layer = layer_col.selectbox("Layer", range(1, net.n_layers + 1), key="fwd_edit_layer")
    n_out, n_in = net.weights[edit_layer - 1].shape
    i_col.selectbox("To neuron i", range(n_out), key="fwd_edit_i")
    j_col.selectbox("From neuron j", range(n_in), key="fwd_edit_j")
    value_col, button_col = st.columns([2, 1], vertical_alignment="bottom")
    value_col.number_input("New value", -10.0, 10.0, 1.0, 0.1, key="fwd_edit_value")
    button_col.button("Set weight", key="fwd_edit_set", on_click=set_weight, args=(net, x), width="stretch")
    if "fwd_edit_result" in st.session_state:
        label, before, after = st.session_state.fwd_edit_result
        before_text, after_text = (", ".join(num(v) for v in output) for output in (before, after))
        st.markdown(f"After **{label}**: output [{before_text}] → **[{after_text}]**")

ui.code_expander(pytorch_listing(net, x))
ui.next_concept()
