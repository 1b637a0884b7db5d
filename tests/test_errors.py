"""ui.errors.explain_errors: our refusals as messages, anything else as a logged box; st.stop and st.rerun pass."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException
from streamlit.testing.v1 import AppTest

from ui.errors import DETAIL_CHARS, UNEXPECTED, explain_errors

SCRIPT = str(Path(__file__).parent / "scripts" / "errors_app.py")


def run(kind: str) -> AppTest:
    at = AppTest.from_file(SCRIPT, default_timeout=30)
    at.session_state["kind"] = kind
    return at.run()


def markdown_texts(at: AppTest) -> list[str]:
    return [element.value for element in at.markdown]


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (
            "nnviz_input_error",
            "Learning rate: “1e39” is out of range; keep it from 0 to 10 (larger rates always diverge).",
        ),
        ("nnviz_value_error", "A bound needs low <= high, got [2, 1]."),
    ],
)
def test_a_value_error_raised_by_nnviz_is_shown_as_its_message(kind, message, caplog):
    with caplog.at_level(logging.ERROR, logger="nnviz"):
        at = run(kind)
    assert not at.exception
    assert [error.value for error in at.error] == [message]
    assert not at.expander, "a refusal needs no details"
    assert "after" in markdown_texts(at), "the page goes on below the block"
    assert not caplog.records, "a refusal is not a fault: nothing to log"


@pytest.mark.parametrize(
    ("kind", "detail"),
    [
        ("library_value_error", "ValueError: invalid literal for int() with base 10: 'x'"),
        ("overflow", "OverflowError: cannot convert float infinity to integer"),
        ("runtime_error", "RuntimeError: DefaultCPUAllocator: can't allocate memory: you tried to allocate 2900"),
        ("memory_error", "MemoryError"),
        ("key_error", "KeyError: 'missing'"),
    ],
)
def test_anything_else_is_a_short_box_with_details_and_a_server_log(kind, detail, caplog):
    with caplog.at_level(logging.ERROR, logger="nnviz"):
        at = run(kind)
    assert not at.exception, "no traceback on the page"
    (error,) = at.error
    assert error.value.startswith(f"**{UNEXPECTED}.**")
    assert "Traceback" not in error.value and detail.split(":")[0] not in error.value
    (expander,) = at.expander
    assert expander.label == "Details"
    (code,) = expander.code
    assert code.value.startswith(detail)
    assert "after" in markdown_texts(at)
    (record,) = caplog.records
    assert record.name == "nnviz" and record.levelno == logging.ERROR
    assert record.exc_info is not None and record.exc_info[1].__class__.__name__ == detail.split(":")[0]


def test_the_details_quote_at_most_a_short_excerpt_of_the_message():
    (code,) = run("long_error").expander[0].code
    assert code.value == "RuntimeError: " + "x" * DETAIL_CHARS + "…"


def test_st_stop_inside_the_block_still_stops_the_page():
    at = run("stop")
    assert not at.exception and not at.error
    assert "after" not in markdown_texts(at)


def test_st_rerun_inside_the_block_still_reruns_the_page():
    at = run("rerun")
    assert not at.exception and not at.error
    assert at.session_state["reruns"] == 2, "the first run asked for a rerun, the second ran through"
    assert "after" in markdown_texts(at)


@pytest.mark.parametrize("control", [StopException(), RerunException(None), KeyboardInterrupt(), SystemExit(1)])
def test_control_flow_exceptions_are_not_caught(control):
    with pytest.raises(type(control)), explain_errors():
        raise control
