"""Page helpers shared by every page script: header, figures, code, errors, next link.

This is the only place besides ``app.py`` and ``app_pages/`` that imports streamlit; the
``nnviz`` package never does. Pages read top to bottom as
``header -> controls -> nnviz calls -> show_figure -> code_expander -> next_concept``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Generic, TypeVar

import plotly.graph_objects as go
import streamlit as st

from nnviz import network
from nnviz.figures.style import PRESENTER_SCALE, presenter
from ui import lecture
from ui.canvas import live_canvas
from ui.errors import explain_errors  # noqa: F401
from ui.registry import HOME, all_pages

if TYPE_CHECKING:
    from ui.state import View

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


def live_scale() -> float:
    """How much the live canvas enlarges its figures: as presenter mode enlarges a plotly chart, or not at all."""
    return PRESENTER_SCALE if presenter_on() else 1.0


def page_header(title: str, intuition: str, formula: str | None = None) -> None:
    """Title, one sentence of intuition and, optionally, the page's formula in LaTeX."""
    st.title(title)
    st.markdown(intuition)
    if formula:
        st.latex(formula)


def show_figure(fig: go.Figure | dict, *, key: str | None = None, **kwargs):
    """Draw a plotly figure (or plotly's figure dict) full width, scaled up in presenter mode.

    Extra keyword arguments go to ``st.plotly_chart`` (for example ``on_select="rerun"``);
    its return value (the selection, when selectable) is returned.
    """
    if presenter_on():
        fig = presenter(go.Figure(fig))
    return st.plotly_chart(fig, width="stretch", theme=None, key=key, config={"displaylogo": False}, **kwargs)


def show_live_figure(
    fig: go.Figure | dict, *, key: str, on_select: Callable[[], None] | None = None, feed: dict | None = None
) -> None:
    """Draw a figure of a live area on the live canvas (:mod:`ui.canvas`): painted in a few milliseconds instead
    of plotly's tens, so it can follow a training run several times a second; scaled up in presenter mode.
    ``on_select`` is called on a click on a marker, with ``st.session_state[key].selection`` as plotly's; ``feed``
    (a link of :meth:`ui.training.LiveTraining.feed`) is where the canvas fetches the figure's newer scenes."""
    live_canvas(fig, key=key, on_select=on_select, scale=live_scale(), feed=feed)


def show_run_figure(
    fig: go.Figure | dict,
    *,
    key: str,
    live: bool,
    on_select: Callable[[str], None] | None = None,
    feed: dict | None = None,
) -> None:
    """A figure of a training run's live area: on the live canvas while the run trains (as element
    ``key + "_live"``, following ``feed`` if given), as a plotly chart with its hover and tools otherwise.
    ``on_select(element_key)`` is called on a click on a marker, where ``st.session_state[element_key].selection``
    holds it."""
    if live:
        key += "_live"
        show_live_figure(fig, key=key, on_select=on_select and functools.partial(on_select, key), feed=feed)
    elif on_select is None:
        show_figure(fig, key=key)
    else:
        show_figure(fig, key=key, on_select=functools.partial(on_select, key), selection_mode="points")


def layer_sizes(view: View, name: str = "sizes") -> list[int]:
    """The text input of the view's field ``name`` for a small traced network's layer sizes, parsed and checked
    (a ValueError explains a bad one)."""
    text = view.text_input(
        name,
        "Layer sizes (input, hidden…, output)",
        help=f"Up to {network.MAX_LAYERS} weight layers of up to {network.MAX_WIDTH} neurons, "
        "so that every number stays readable.",
    )
    return network.parse_sizes(text)


def code_expander(code: str, label: str = "PyTorch code") -> None:
    """A collapsed expander holding a runnable PyTorch listing for the current settings."""
    with st.expander(label, icon=":material/code:"):
        st.code(code, language="python")


def next_concept() -> None:
    """A link to the next page on the learning path, in the page registry's order (Home after the last)."""
    from ui import state  # ui.state reads this module's names: import it when a page runs, not before

    pages = all_pages()
    here = [spec.path for spec in pages].index(state.view().page_path)
    following = pages[here + 1] if here + 1 < len(pages) else HOME
    label = f"Next: {following.title}" if following is not HOME else "Back to the start"
    st.divider()
    st.page_link(following.path, label=label, icon=":material/arrow_forward:")


class Stepper:
    """A position ``0 .. n_steps - 1`` in the view's field ``field`` (so a link opens at its step), with Step and
    Reset buttons (the forward and backward passes).

    ``Stepper("bp", view)`` is the handle a page keeps at the top; callbacks rewind it with :meth:`rewind`.
    """

    def __init__(self, name: str, view: View, field: str = "step") -> None:
        self.name, self.view, self.field = name, view, field

    @property
    def index(self) -> int:
        """The current position (0 before the first step)."""
        return int(self.view[self.field])

    def rewind(self) -> None:
        """Back to position 0."""
        self.view[self.field] = 0

    def rewind_for_new_settings(self) -> None:
        """Back to position 0 after the page's settings changed, unless a link set them (and its step) this run."""
        if not self.view.linked:
            self.rewind()

    def _advance(self) -> None:
        self.view[self.field] = self.index + 1

    def controls(self, n_steps: int, *, label: str = "Step", icon: str = ":material/skip_next:") -> int:
        """Step and Reset buttons over positions ``0 .. n_steps - 1`` (the position is clamped when
        ``n_steps`` shrinks), pressed by the presenter's keys too (Space or →, Backspace); returns the current
        position. The buttons' keys are ``<name>_next`` and ``<name>_reset``."""
        if self.index > n_steps - 1:
            self.view[self.field] = n_steps - 1
        index = self.index
        step_column, reset_column = st.columns(2)
        step_column.button(
            label,
            key=f"{self.name}_next",
            icon=icon,
            on_click=self._advance,
            disabled=index == n_steps - 1,
            width="stretch",
        )
        reset_column.button(
            "Reset", key=f"{self.name}_reset", icon=":material/restart_alt:", on_click=self.rewind, width="stretch"
        )
        lecture.presenter_keys(step=f"{self.name}_next", reset=f"{self.name}_reset")
        return index


class PerUser(Generic[T]):
    """One object per user (a traced network, a trainer) kept in session state and built anew when the settings
    that define it change. ``PerUser("train")`` is the handle: :meth:`get` inside the page, :attr:`current`
    in its callbacks."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._key, self._settings_key = f"{name}_net", f"{name}_settings"

    @property
    def current(self) -> T:
        """The object built last (a KeyError before the first :meth:`get`)."""
        return st.session_state[self._key]

    def get(self, settings: Hashable, build: Callable[[], T], *, on_rebuild: Callable[[], None] | None = None) -> T:
        """The object for ``settings``: the kept one, or ``build()`` when ``settings`` differ from the last ones
        (then ``on_rebuild()`` runs if there was an old object, to drop what described it, e.g. rewind a
        :class:`Stepper`)."""
        if st.session_state.get(self._settings_key) != settings:
            replaced = self._key in st.session_state
            st.session_state[self._key] = build()
            st.session_state[self._settings_key] = settings
            if on_rebuild is not None and replaced:
                on_rebuild()
        return st.session_state[self._key]
