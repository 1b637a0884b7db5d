"""Home: what nnviz is, the learning path as cards, and a neuron to play with."""

import streamlit as st

import ui
from nnviz.figures.home import neuron_response
from ui.registry import SECTIONS

ui.page_header(
    "nnviz — see and touch neural networks",
    "Every concept of a first course on neural networks, from a single neuron to a trained MNIST classifier, "
    "as something you can move. Every number on screen is computed by **real PyTorch**.",
)

teaser_controls, teaser_figure = st.columns([1, 2], gap="large")
with teaser_controls:
    st.subheader("Try a neuron")
    st.markdown(
        "A neuron multiplies its input by a **weight**, adds a **bias** and squashes the sum with an activation."
    )
    w = st.slider("weight w", -5.0, 5.0, 1.5, 0.1, key="home_w")
    b = st.slider("bias b", -5.0, 5.0, 0.0, 0.1, key="home_b")
    x = st.slider("input x", -6.0, 6.0, 1.0, 0.1, key="home_x")
    st.latex(rf"a = \sigma({w:.1f}\cdot{x:.1f} + {b:.1f})")
    st.caption("The weight sets how steep the step is and which way it faces; the bias slides it left and right.")
with teaser_figure:
    ui.show_figure(neuron_response(w, b, x), key="home_teaser")

registered = [(section, pages) for section, pages in SECTIONS.items() if pages]
if registered:
    st.header("The learning path")
    step = 0
    for section, pages in registered:
        st.subheader(section)
        for row_start in range(0, len(pages), 3):
            for column, spec in zip(st.columns(3), pages[row_start : row_start + 3], strict=False):
                step += 1
                with column.container(border=True):
                    st.page_link(spec.path, label=f"{step}. {spec.title}", icon=spec.icon)
                    st.caption(spec.blurb)
