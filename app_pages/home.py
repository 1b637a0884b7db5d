"""Home: what nnviz is, a neuron to play with, the learning path as cards, and the lecture outline."""

import streamlit as st

import ui
from nnviz.figures.home import neuron_response
from ui import lecture, state
from ui.registry import SECTIONS

view = state.view()
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
    w = view.slider("w", "weight w")
    b = view.slider("b", "bias b")
    x = view.slider("x", "input x")
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

with st.expander("Lecture outline: the pages in teaching order, with prepared states", icon=":material/school:"):
    st.caption(
        "Each link opens its page in a prepared state; the seed and the presenter setting stay as they are. "
        "*Link to this view* in the sidebar copies any state you set up yourself."
    )
    for number, (spec, talk) in enumerate(lecture.outline(), start=1):
        st.page_link(spec.path, label=f"{number}. {spec.title}", icon=spec.icon)
        st.caption(talk.point)
        if talk.lessons:
            with st.container(horizontal=True, gap="small"):
                for lesson in talk.lessons:
                    st.page_link(
                        spec.path,
                        label=lesson.label,
                        icon=":material/play_circle:",
                        query_params=state.query(spec.path, hide=lesson.hide, **lesson.values),
                    )
