"""The neuron and the perceptron: a = f(w·x + b) with live numbers, as a classifier, and Rosenblatt's rule."""

import plotly.graph_objects as go
import streamlit as st
import torch

import ui
from nnviz.activations import ACTIVATIONS
from nnviz.figures.neuron import decision_plane, neuron_diagram, perceptron_errors, perceptron_plane
from nnviz.neuron import (
    GATE_INPUTS,
    LOGIC_GATES,
    PERCEPTRON_EPOCHS,
    PerceptronRun,
    classifier_view,
    neuron_forward,
    pytorch_listing,
    substituted_formula,
    train_perceptron,
    two_blobs,
)
from ui import lecture, predict, state

view = state.view()
ui.page_header(
    "The neuron and the perceptron",
    "A neuron weighs its inputs, adds a bias and passes the sum through an activation: "
    "the weights say *how much each input matters*, the bias *how easily it fires*.",
    r"z = \mathbf{w}\cdot\mathbf{x} + b = \sum_{i=1}^{n} w_i x_i + b, \qquad a = f(z)",
)

# --- one neuron with live numbers ------------------------------------------------------------
st.subheader("One neuron, live")
controls, diagram = st.columns([1, 2], gap="large")
with controls:
    n_inputs = view.radio("n", "Number of inputs", horizontal=True)
    activation = view.selectbox("activation", "Activation f", format_func=lambda name: ACTIVATIONS[name].label)
    xs, ws = [], []
    for i in range(1, n_inputs + 1):
        x_col, w_col = st.columns(2)
        with x_col:
            xs.append(view.slider(f"x{i}", f"input x{i}"))
        with w_col:
            ws.append(view.slider(f"w{i}", f"weight w{i}"))
    b = view.slider("b", "bias b")
x, w = torch.tensor(xs), torch.tensor(ws)
with diagram, ui.explain_errors():
    out = neuron_forward(x, w, b, activation)
    symbol = ACTIVATIONS[activation].symbol
    ui.show_figure(neuron_diagram(x, w, b, out.z, out.a, symbol), key="neuron_diagram")
with ui.explain_errors():
    st.latex(substituted_formula(x, w, b, neuron_forward(x, w, b, activation), ACTIVATIONS[activation].symbol))

# --- the neuron as a classifier ----------------------------------------------------------------
st.subheader("The neuron as a classifier")
text, plane = st.columns([1, 2], gap="large")
points, labels = two_blobs(80, seed=ui.seed())
w_plane = w[:2]
b_plane = b + (ws[2] * xs[2] if n_inputs == 3 else 0.0)
classifier = classifier_view(points, labels, w_plane, b_plane, activation)
with text:
    st.markdown(
        "With two inputs the neuron sees a point (x₁, x₂). Everything on one side of the line "
        "**w₁x₁ + w₂x₂ + b = 0** gives z > 0, everything on the other z < 0: a neuron is a *linear* classifier."
    )
    st.markdown(
        "Move **w₁**, **w₂** and **b** above: the weights turn the line, the bias slides it. "
        + ("With the sigmoid the background is the output a = P(class 1)." if classifier.output is not None else "")
    )
    if n_inputs == 3:
        st.caption(f"x₃ is held at {xs[2]:.1f}, so w₃·x₃ = {ws[2] * xs[2]:.2f} joins the bias.")
    st.metric("Accuracy (z > 0 ⇒ class 1)", f"{classifier.accuracy:.0%}")
with plane:
    ui.show_figure(
        decision_plane(
            points,
            labels,
            w_plane,
            b_plane,
            classifier.grid_x1,
            classifier.grid_x2,
            classifier.output,
            classifier.accuracy,
        ),
        key="neuron_plane",
    )

# --- the perceptron ----------------------------------------------------------------------------
st.subheader("The perceptron learns (Rosenblatt, 1958)")
st.latex(
    r"\hat y = \mathrm{step}(\mathbf{w}\cdot\mathbf{x} + b), \qquad "
    r"\mathbf{w} \leftarrow \mathbf{w} + \eta\,(y - \hat y)\,\mathbf{x}, \qquad b \leftarrow b + \eta\,(y - \hat y)"
)


@st.cache_data(max_entries=256, show_spinner=False)
def _perceptron_run(gate: str, lr: float, seed: int) -> PerceptronRun:
    """The whole run for these settings (pure and read-only, so shared between reruns)."""
    return train_perceptron(GATE_INPUTS, LOGIC_GATES[gate], lr=lr, epochs=PERCEPTRON_EPOCHS, seed=seed)


@st.cache_data(max_entries=256, show_spinner=False)
def _perceptron_figures(gate: str, lr: float, seed: int, current: int, future: bool) -> tuple[go.Figure, go.Figure]:
    """The plane and the error curve at step ``current`` (with the steps still to come faint, if ``future``):
    moving the neuron's sliders does not rebuild them."""
    run = _perceptron_run(gate, lr, seed)
    w_now, b_now = run.state(current)
    sample = run.steps[current - 1].sample if current else None
    plane = perceptron_plane(GATE_INPUTS, LOGIC_GATES[gate], w_now, b_now, gate, sample)
    return plane, perceptron_errors([step.errors for step in run.steps], 4, current, future=future)


def _reset_perceptron() -> None:
    view["step"] = 0


def _advance(by: int, last: int) -> None:
    view["step"] = min(view["step"] + by, last)


settings, perceptron_figure, error_figure = st.columns([1, 1.3, 1.3], gap="medium")
with settings:
    gate = view.selectbox("gate", "Logic gate", on_change=_reset_perceptron)
    lr = view.slider("lr", "learning rate η", on_change=_reset_perceptron)
    run = _perceptron_run(gate, lr, ui.seed())
    last = len(run.steps)
    current = min(view["step"], last)
    buttons = st.columns(2)
    for column, (label, key, by, tip) in zip(
        buttons * 2,
        [
            ("Step", "perceptron_step_one", 1, "Show the perceptron the next single sample."),
            ("Epoch", "perceptron_epoch", 4, "Show it all four samples once."),
            ("Run", "perceptron_run", last, "Run to convergence, or to the last epoch."),
        ],
        strict=False,
    ):
        column.button(label, key=key, on_click=_advance, args=(by, last), help=tip, width="stretch")
    buttons[1].button("Reset", key="perceptron_reset", on_click=_reset_perceptron, width="stretch")
    lecture.presenter_keys(step="perceptron_step_one", reset="perceptron_reset", play="perceptron_run")
    w_now, b_now = run.state(current)
    errors_now = run.steps[current - 1].errors if current else None
    question = predict.Question(
        predict.key_of("perceptron", gate, lr, ui.seed()),
        f"will the perceptron reach 0 errors on {gate}?",
        ("yes", "no"),
        "yes" if run.converged_epoch is not None else "no",
        f"{gate} is linearly separable: one line splits its 1s from its 0s, and the rule finds one "
        f"(epoch {run.converged_epoch})."
        if run.converged_epoch is not None
        else f"No line splits {gate}'s 1s from its 0s, so every epoch some sample is wrong and the line moves on.",
    )
    hide_future = predict.asking() and current < last  # the run's length and its error curve would tell
    st.metric("Update step", str(current) if hide_future else f"{current} / {last}")
    st.caption(f"w = ({w_now[0]:.2f}, {w_now[1]:.2f}), b = {b_now:.2f}")
    if current:
        step = run.steps[current - 1]
        sample = GATE_INPUTS[step.sample].tolist()
        target = LOGIC_GATES[gate][step.sample].item()
        st.caption(
            f"Epoch {step.epoch}: sample x = ({sample[0]:.0f}, {sample[1]:.0f}), y = {target:.0f}, "
            f"ŷ = {step.prediction:.0f} → "
            + (
                "correct, no change."
                if step.prediction == target
                else f"update by η(y − ŷ) = {lr * (target - step.prediction):+.2f}."
            )
        )
plane_figure, errors_figure = _perceptron_figures(gate, lr, ui.seed(), current, not hide_future)
with perceptron_figure:
    ui.show_figure(plane_figure, key="perceptron_plane")
with error_figure:
    ui.show_figure(errors_figure, key="perceptron_errors")
if current == last and run.converged_epoch is not None:
    st.success(
        f"{gate} learned: an epoch without a single mistake (epoch {run.converged_epoch}). "
        f"The line w·x + b = 0 separates the two classes.",
        icon=":material/check_circle:",
    )
elif current == last:
    st.warning(
        f"After {PERCEPTRON_EPOCHS} epochs the perceptron still gets {errors_now} of 4 wrong, and it never will: "
        "**XOR is not linearly separable.** No single line puts (0,1) and (1,0) on one side and (0,0) and (1,1) "
        "on the other, so the rule keeps moving the line forever. A network with a **hidden layer** of neurons "
        "can bend the boundary — see *Forward pass*.",
        icon=":material/block:",
    )
elif gate == "XOR" and not predict.asking():
    st.info("Watch the error count on XOR: does it ever reach 0?", icon=":material/help:")
predict.ask(question, revealed=current == last)

ui.code_expander(pytorch_listing(xs, ws, b, activation, gate, lr, PERCEPTRON_EPOCHS, ui.seed()))
ui.next_concept()
