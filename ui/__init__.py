"""Page helpers shared by every page script: header, figures, code, errors, next link.

This is the only place besides ``app.py`` and ``app_pages/`` that imports streamlit; the
``nnviz`` package never does. Pages read top to bottom as
``header -> controls -> nnviz calls -> show_figure -> code_expander -> next_concept``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import plotly.graph_objects as go
import streamlit as st

from nnviz.figures.style import presenter

PRESENTER_KEY = "presenter"
SEED_KEY = "seed"
DEFAULT_SEED = 0
T = TypeVar("T")


def seed() -> int:
    """The global seed chosen in the sidebar (every random thing on a page derives from it)."""
    return int(st.session_state.get(SEED_KEY, DEFAULT_SEED))


def presenter_on() -> bool:
    """Whether presenter mode (large type, less chrome) is switched on in the sidebar."""
    return bool(st.session_state.get(PRESENTER_KEY, False))


def page_header(title: str, intuition: str, formula: str | None = None) -> None:
    """Title, one sentence of intuition and, optionally, the page's formula in LaTeX."""
    st.title(title)
    st.markdown(intuition)
    if formula:
        st.latex(formula)


def show_figure(fig: go.Figure, *, key: str | None = None, **kwargs):
    """Draw a plotly figure full width, scaled up in presenter mode.

    Extra keyword arguments go to ``st.plotly_chart`` (for example ``on_select="rerun"``);
    its return value (the selection, when selectable) is returned.
    """
    if presenter_on():
        fig = presenter(go.Figure(fig))
    return st.plotly_chart(fig, width="stretch", theme=None, key=key, config={"displaylogo": False}, **kwargs)


def code_expander(code: str, label: str = "PyTorch code") -> None:
    """A collapsed expander holding a runnable PyTorch listing for the current settings."""
    with st.expander(label, icon=":material/code:"):
        st.code(code, language="python")


def next_concept(path: str, label: str) -> None:
    """A link to the next page on the learning path."""
    st.divider()
    st.page_link(path, label=f"Next: {label}", icon=":material/arrow_forward:")


@contextmanager
def explain_errors() -> Iterator[None]:
    """Turn a ``ValueError`` raised by nnviz on bad input into a clear message instead of a traceback.

    Use it around the nnviz calls that depend on user input::

        with ui.explain_errors():
            fig = figures.something(nnviz_call(user_values))
            ui.show_figure(fig)
    """
    try:
        yield
    except ValueError as error:
        st.error(str(error), icon=":material/error:")


def _advance(key: str) -> None:
    st.session_state[key] += 1


def _rewind(key: str) -> None:
    st.session_state[key] = 0


def stepper(prefix: str, n_steps: int, *, label: str = "Step", icon: str = ":material/skip_next:") -> int:
    """Step and Reset buttons over positions ``0 .. n_steps - 1``; returns the current position.

    The position lives in ``st.session_state[f"{prefix}_index"]`` (clamped when ``n_steps`` shrinks);
    the buttons' keys are ``f"{prefix}_step"`` and ``f"{prefix}_reset"``.
    """
    key = f"{prefix}_index"
    index = st.session_state[key] = min(st.session_state.get(key, 0), n_steps - 1)
    step_column, reset_column = st.columns(2)
    step_column.button(
        label,
        key=f"{prefix}_step",
        icon=icon,
        on_click=_advance,
        args=(key,),
        disabled=index == n_steps - 1,
        width="stretch",
    )
    reset_column.button(
        "Reset", key=f"{prefix}_reset", icon=":material/restart_alt:", on_click=_rewind, args=(key,), width="stretch"
    )
    return index


def rebuilt_on_change(prefix: str, settings: tuple, build: Callable[[], T], *, forget: tuple[str, ...] = ()) -> T:
    """The per-user object ``st.session_state[f"{prefix}_net"]``, built anew by ``build()`` when ``settings`` change.

    A rebuild also rewinds the page's :func:`stepper` and drops the session-state keys in ``forget``
    (results that described the old object).
    """
    if st.session_state.get(f"{prefix}_settings") != settings:
        st.session_state[f"{prefix}_net"] = build()
        st.session_state[f"{prefix}_settings"] = settings
        st.session_state[f"{prefix}_index"] = 0
        for key in forget:
            st.session_state.pop(key, None)
    return st.session_state[f"{prefix}_net"]
