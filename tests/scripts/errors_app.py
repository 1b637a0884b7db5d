"""A one-screen app for tests/test_errors.py: raises the error named by ``st.session_state.kind`` inside
``ui.errors.explain_errors`` and then writes "after", so a test can see what the page shows and that it goes on."""

import streamlit as st

from nnviz.inputs import Bound, parse_number
from ui.errors import explain_errors


def nnviz_input_error() -> None:
    parse_number("1e39", what="learning rate", values=Bound(0, 10, "larger rates always diverge"))


def nnviz_value_error() -> None:
    Bound(2, 1, "a bound upside down")


def library_value_error() -> None:
    int("x")


def overflow() -> None:
    int(float("inf"))


def runtime_error() -> None:
    raise RuntimeError("DefaultCPUAllocator: can't allocate memory: you tried to allocate 29000000000 bytes")


def long_error() -> None:
    raise RuntimeError("x" * 20_000)


def memory_error() -> None:
    raise MemoryError


def key_error() -> None:
    {}["missing"]


def stop() -> None:
    st.stop()


def rerun() -> None:
    st.session_state.reruns = st.session_state.get("reruns", 0) + 1
    if st.session_state.reruns == 1:
        st.rerun()


KINDS = {
    f.__name__: f
    for f in (
        nnviz_input_error,
        nnviz_value_error,
        library_value_error,
        overflow,
        runtime_error,
        long_error,
        memory_error,
        key_error,
        stop,
        rerun,
    )
}

with explain_errors():
    KINDS[st.session_state.kind]()
st.write("after")
