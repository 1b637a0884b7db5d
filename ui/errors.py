"""What a page shows when something goes wrong: our own refusals as a message, anything else as a short box.

A ``ValueError`` raised by nnviz (an :class:`~nnviz.inputs.InputError`, a ``DataError``, a bound check) is a
refusal written for the person at the keyboard: it is shown as it is. Anything else — an ``OverflowError``,
a ``RuntimeError`` from torch, a ``MemoryError``, a ``ValueError`` from a library, a bug — is ours to fix: the
page shows a short "Something went wrong" box with the exception's type and an excerpt of its message in a
collapsed expander (never a traceback), and the full exception goes to the server log (logger ``"nnviz"``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType

import streamlit as st

LOG = logging.getLogger("nnviz")
UNEXPECTED = "Something went wrong"
"""The title of the box an unexpected error gets (the fuzzer in tests/test_fuzz.py looks for it)."""
DETAIL_CHARS = 200
"""How much of an unexpected error's message the details expander shows."""


@contextmanager
def explain_errors() -> Iterator[None]:
    """Show errors raised inside the block on the page instead of a traceback.

    Use it around the nnviz calls that depend on user input::

        with ui.explain_errors():
            fig = figures.something(nnviz_call(user_values))
            ui.show_figure(fig)

    Only ``Exception`` is caught: Streamlit's ``st.stop()`` and ``st.rerun()`` raise ``StopException`` and
    ``RerunException``, which derive from ``BaseException`` (``ScriptControlException`` in
    ``streamlit.runtime.scriptrunner_utils.exceptions``), and so do ``KeyboardInterrupt`` and ``SystemExit``:
    they all pass through untouched.
    """
    try:
        yield
    except Exception as error:
        if isinstance(error, ValueError) and _raised_by_nnviz(error.__traceback__):
            st.error(str(error), icon=":material/error:")
        else:
            _show_unexpected(error)


def _raised_by_nnviz(traceback: TracebackType | None) -> bool:
    """Whether the innermost Python frame of ``traceback`` (where the error was raised) is in the nnviz package."""
    if traceback is None:
        return False
    while traceback.tb_next is not None:
        traceback = traceback.tb_next
    return traceback.tb_frame.f_globals.get("__name__", "").partition(".")[0] == "nnviz"


def _show_unexpected(error: Exception) -> None:
    """Log ``error`` with its traceback on the server; on the page, a short box and its type in an expander."""
    LOG.error("Unexpected error on a page", exc_info=error)
    st.error(
        f"**{UNEXPECTED}.** This is a fault in nnviz, not in what you typed; it has been logged. "
        "Try other settings, or reload the page.",
        icon=":material/bug_report:",
    )
    message = str(error)
    if len(message) > DETAIL_CHARS:
        message = message[:DETAIL_CHARS] + "…"
    with st.expander("Details"):
        st.code(f"{type(error).__name__}: {message}" if message else type(error).__name__, language=None)
