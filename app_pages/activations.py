"""Activation functions: f and f′ side by side, where gradients vanish, a comparison table, softmax."""

import streamlit as st
import torch

import ui
from nnviz.activations import (
    ACTIVATIONS,
    VANISHING_GRADIENT,
    activation_table,
    all_equal,
    parse_logits,
    probe_table,
    pytorch_listing,
    softmax,
    softmax_jacobian,
    vanishing_intervals,
)
from nnviz.figures.activations import Curve, activation_curves, jacobian_heatmap, softmax_bars, tutorial_sigmoid
from ui import state

view = state.view()
ui.page_header(
    "Activation functions",
    "Without a non-linear activation, stacked layers collapse into one linear map; the activation's *slope* "
    "decides how much gradient flows back through a neuron.",
    r"a = f(z), \qquad \frac{\partial a}{\partial z} = f'(z)",
)

controls, chart = st.columns([1, 2.4], gap="large")
with controls:
    selected = view.multiselect(
        "selected",
        "Activations",
        format_func=lambda name: ACTIVATIONS[name].label,
        help="Pick one, or overlay several to compare.",
    )
    low, high = view.slider("range", "x range", step=0.5)
    show_derivative = view.toggle("show_derivative", "Show the derivative f′ (dashed)")
    params: dict[str, dict[str, float]] = {}
    for name in selected:
        for p in ACTIVATIONS[name].parameters:
            value = st.slider(
                f"{ACTIVATIONS[name].label}: {p.symbol}", p.low, p.high, p.default, p.step, key=f"act_{name}_{p.name}"
            )
            params.setdefault(name, {})[p.name] = value
    if high <= low:  # a range slider set to one value: nothing to plot, and no probe slider can span it
        st.warning("The x range is empty: make its end larger than its start.", icon=":material/warning:")
        st.stop()
    view["probe"] = min(max(view["probe"], low), high)  # inside the range chosen above
    probe = view.slider("probe", "Read the values at x =", min_value=low, max_value=high)

if not selected:
    st.warning("Pick at least one activation to plot.", icon=":material/warning:")
    st.stop()

x = torch.linspace(low, high, 801, dtype=torch.float64)
curves = [
    Curve(
        ACTIVATIONS[n].label,
        ACTIVATIONS[n].fn(x, **params.get(n, {})),
        ACTIVATIONS[n].derivative(x, **params.get(n, {})),
    )
    for n in selected
]
shaded = vanishing_intervals(x, curves[0].derivative) if len(curves) == 1 else []
with chart:
    ui.show_figure(activation_curves(x, curves, shaded, show_derivative), key="act_curves")
    if len(curves) == 1:
        st.caption(
            f"Shaded: where |f′(x)| < {VANISHING_GRADIENT} — a neuron there passes almost no gradient back "
            "(it has *saturated* or is *dead*)."
            if shaded
            else f"|f′(x)| ≥ {VANISHING_GRADIENT} everywhere on this range."
        )
    else:
        st.caption("Pick a single activation to shade where its gradient vanishes.")

# --- the numbers at the probe, checked against autograd --------------------------------------
formulas, numbers = st.columns([1.3, 1], gap="large")
with formulas:
    for name in selected:
        a = ACTIVATIONS[name]
        st.latex(rf"{a.fn_latex} \qquad {a.derivative_latex}")
with numbers:
    st.dataframe(probe_table(selected, probe, params), hide_index=True, width="stretch", key="act_probe_table")

st.subheader("All of them at a glance")
st.dataframe(st.cache_data(activation_table)(), hide_index=True, width="stretch")
st.caption(
    f"f′(0), max |f′| and the share of [−6, 6] where |f′| < {VANISHING_GRADIENT} are computed by torch "
    "(default parameters). Step's derivative is 0 wherever it exists and undefined at 0."
)

# --- softmax ------------------------------------------------------------------------------------
st.subheader("Softmax: a whole layer at once")
st.latex(
    r"\mathrm{softmax}(\mathbf{z}/T)_i = \frac{e^{z_i/T}}{\sum_j e^{z_j/T}}, \qquad "
    r"\frac{\partial p_i}{\partial z_j} = \frac{1}{T}\,p_i\,(\delta_{ij} - p_j)"
)
soft_controls, soft_bars, soft_jacobian = st.columns([1, 1.4, 1.2], gap="medium")
with soft_controls:
    text = view.text_input("logits", "Logits z (comma-separated)")
    temperature = view.slider("temperature", "Temperature T")
    st.caption("Low T sharpens towards the largest logit (arg max); high T flattens towards uniform.")
code_logits = parse_logits("2.0, 1.0, 0.1, -1.0")  # the listing's logits until the typed ones parse
with ui.explain_errors():
    logits = parse_logits(text)
    code_logits = logits
    probabilities = softmax(logits, temperature)
    labels = [f"class {i}" for i in range(len(logits))]
    if all_equal(logits):
        soft_controls.info(
            "All logits are equal, so softmax is uniform (1/K each) whatever the temperature: "
            "only *differences* between logits matter.",
            icon=":material/info:",
        )
    with soft_bars:
        ui.show_figure(softmax_bars(labels, logits, probabilities, temperature), key="softmax_bars")
    with soft_jacobian:
        ui.show_figure(jacobian_heatmap(labels, softmax_jacobian(logits, temperature)), key="softmax_jacobian")
    soft_controls.metric("Sum of probabilities (torch)", f"{torch.softmax(logits / temperature, 0).sum().item():.6f}")

with st.expander("Tutorial 000's sigmoid plot, reproduced", icon=":material/history_edu:"):
    seed_x = torch.arange(-4.0, 4.0 + 1e-9, 0.1)
    ui.show_figure(tutorial_sigmoid(seed_x, torch.sigmoid(seed_x)), key="act_seed_sigmoid")
    st.caption(
        "The seed used the deprecated `torch.range(-4., 4., 0.1)`; "
        "`torch.arange` with an end of 4.0 + ε gives the same grid."
    )

ui.code_expander(pytorch_listing(selected, params, (low, high), code_logits, temperature))
ui.next_concept()
