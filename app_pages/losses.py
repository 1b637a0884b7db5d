"""Loss functions: loss against the prediction, an editable batch, cross-entropy on softmax, MSE vs BCE."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

import ui
from nnviz.activations import softmax
from nnviz.figures.losses import cross_entropy_bars, gradient_comparison, loss_curves, per_sample_bars
from nnviz.losses import (
    BATCH_PRESETS,
    LOSSES,
    MAX_ABS_CELL,
    MAX_BATCH_ROWS,
    batch_from_table,
    cross_entropy,
    gradient_wrt_logit,
    per_sample_terms,
    pytorch_listing,
)
from ui import state


@st.cache_data(max_entries=4, show_spinner=False)
def _gradient_figure(label: float) -> go.Figure:
    """∂loss/∂z of MSE and BCE after a sigmoid for true label ``label`` (depends on nothing else, so cached)."""
    z = torch.linspace(-8, 8, 321, dtype=torch.float64)
    y = torch.full_like(z, label)
    gradients = {LOSSES[name].short: gradient_wrt_logit(z, y, name) for name in ("mse", "bce")}
    return gradient_comparison(z, gradients, label)


view = state.view()
ui.page_header(
    "Loss functions",
    "A loss turns *how wrong* the network is into one number to minimise; its shape decides which mistakes "
    "cost most, and how hard the gradient pushes back.",
    LOSSES["bce"].latex,
)

loss = view.selectbox(
    "kind", "Loss", format_func=lambda name: LOSSES[name].label, help="Used by the first two sections."
)
st.caption(LOSSES[loss].use)
if loss != "bce":
    st.latex(LOSSES[loss].latex)

# --- loss against the prediction ---------------------------------------------------------------
st.subheader("Loss of one sample, against its prediction")
curve_controls, curve_chart = st.columns([1, 2.2], gap="large")
with curve_controls:
    label = view.radio("label", "True label y", horizontal=True)
    p = view.slider("prediction", "Prediction ŷ (a probability)")
    point = per_sample_terms(torch.tensor([p]), torch.tensor([float(label)]), loss).item() + 0.0  # no "-0.0000"
    entry = LOSSES[loss]
    reference = entry.torch_fn(torch.tensor([p]), torch.tensor([float(label)])).item()
    st.metric(f"{entry.short} of this sample", f"{point:.4f}", help=f"torch {entry.torch_code}: {reference:.4f}")
    st.caption(f"Checked against `{entry.torch_code}`: {reference:.4f}.")
    if loss == "bce":
        st.markdown(
            "**Confident mistakes cost the most:** as ŷ → 0 for a true 1, −log ŷ → ∞ (torch caps it at 100). "
            "MSE would charge at most 1 for the same mistake."
        )
grid = torch.linspace(0.001, 0.999, 400, dtype=torch.float64)
curves = {f"y = {y}": LOSSES[loss].terms(grid, torch.full_like(grid, float(y))) for y in (0, 1)}
with curve_chart:
    ui.show_figure(
        loss_curves(
            grid,
            curves,
            f"{LOSSES[loss].label} for y = 0 and y = 1",
            y_max=5.0 if loss == "bce" else None,
            marker=(p, min(point, 5.0)),
        ),
        key="loss_curves",
    )

# --- an editable batch -------------------------------------------------------------------------
st.subheader("A batch: what each sample contributes")
table_controls, table_chart = st.columns([1, 2.2], gap="large")
with table_controls:
    preset = view.selectbox("preset", "Start from")
    which = list(BATCH_PRESETS).index(preset)
    n_rows = st.number_input(
        "Samples in the batch",
        0,
        MAX_BATCH_ROWS,
        len(BATCH_PRESETS[preset]["target"]),
        key=f"loss_rows_{which}",
        help=f"Up to {MAX_BATCH_ROWS}, one bar each; new rows start empty.",
    )
    # A fixed number of rows (a pasted spreadsheet cannot add thousands); the table as last edited is kept, so a
    # new length keeps the edits.
    edited = st.session_state.get(f"loss_batch_{which}", pd.DataFrame(BATCH_PRESETS[preset], dtype="float64"))
    cell = {"min_value": -MAX_ABS_CELL, "max_value": MAX_ABS_CELL}
    table = st.data_editor(
        edited.reindex(range(n_rows)),
        num_rows="fixed",
        key=f"loss_table_{which}",
        width="stretch",
        column_config={
            "target": st.column_config.NumberColumn("target y", step=1.0, **cell),
            "prediction": st.column_config.NumberColumn("prediction ŷ", step=0.01, **cell),
        },
    )
    st.session_state[f"loss_batch_{which}"] = table
predictions = targets = torch.empty(0)
with table_chart, ui.explain_errors():
    predictions, targets = batch_from_table(table)
    terms = per_sample_terms(predictions, targets, loss)
    ui.show_figure(per_sample_bars(terms, predictions, targets, LOSSES[loss].label), key="loss_batch")
    total, torch_total = terms.mean().item(), entry.torch_fn(predictions, targets).item()
    table_controls.metric(f"Batch {entry.short} (mean of the bars)", f"{total:.4f}")
    table_controls.caption(f"`{entry.torch_code}` on the same batch: {torch_total:.4f}.")

# --- cross-entropy on a softmax output ----------------------------------------------------------
st.subheader("Cross-entropy on a softmax output")
st.latex(r"\mathrm{CE}(\mathbf{z}, y) = -\log \mathrm{softmax}(\mathbf{z})_y = \log\sum_j e^{z_j} - z_y")
ce_controls, ce_chart = st.columns([1, 2.2], gap="large")
classes = ["cat", "dog", "bird"]
with ce_controls:
    logits = torch.tensor(
        [view.slider(f"z{i}", f"logit z ({name})") for i, name in enumerate(classes)], dtype=torch.float64
    )
    target = view.selectbox("target", "True class", format_func=lambda i: classes[i])
with ui.explain_errors():
    ce = cross_entropy(logits, target)
    torch_ce = LOSSES["cross_entropy"].torch_fn(logits[None, :], torch.tensor([target])).item()
    with ce_chart:
        ui.show_figure(cross_entropy_bars(classes, softmax(logits), target, ce), key="loss_ce")
    ce_controls.metric("Cross-entropy", f"{ce:.4f}")
    ce_controls.caption(f"`{LOSSES['cross_entropy'].torch_code}` (takes the raw logits): {torch_ce:.4f}.")
    if bool((logits == logits[0]).all()):
        ce_controls.info(f"All logits are equal: every class gets 1/3 and the loss is log 3 = {ce:.4f}.")

# --- MSE vs BCE: the gradients ------------------------------------------------------------------
st.subheader("Why classifiers use BCE, not MSE: the gradient")
grad_text, grad_chart = st.columns([1, 2.2], gap="large")
with grad_text:
    grad_label = view.radio("grad_label", "True label y", horizontal=True)
    st.latex(r"\frac{\partial\,\mathrm{MSE}}{\partial z} = 2(p-y)\,p(1-p)")
    st.latex(r"\frac{\partial\,\mathrm{BCE}}{\partial z} = p-y")
    st.markdown(
        "With a sigmoid output p = σ(z), MSE's gradient carries the factor σ′(z) = p(1 − p), which is ~0 when the "
        "neuron is **confidently wrong**: learning stalls exactly where it is most needed. BCE's log cancels that "
        "factor, so its gradient is largest on the worst mistakes."
    )
with grad_chart:
    ui.show_figure(_gradient_figure(float(grad_label)), key="loss_gradients")

ui.code_expander(pytorch_listing(loss, predictions, targets, logits, target, grad_label))
ui.next_concept()
