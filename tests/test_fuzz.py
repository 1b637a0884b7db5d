"""The fuzzer: hostile values in every input of every registered page, and every selection at its ends.

For each page of ``ui.registry.all_pages()`` (one AppTest, reused for all of that page's reruns):

1. every text input and text area gets each of :data:`HOSTILE_TEXT`; every number input the values of
   :data:`HOSTILE_NUMBERS` inside its own bounds (a browser keeps to them) plus those bounds; every slider,
   select slider, selectbox, radio and multiselect its ends (all options when there are a few); every toggle
   and checkbox both states; every keyed tab group each tab; every keyed data editor huge, negative and emptied
   cells, :data:`MANY_ROWS` added rows and no rows at all.
   A control that appears only in some state (a tab's widgets, the target field of another loss) is found
   in that state and fuzzed there, before the control that revealed it goes back to its default.
2. hypothesis then sets several of those controls at once, :data:`COMBINATIONS_PER_PAGE` times per page.

Every rerun must show no exception and no "Something went wrong" box, no error message that speaks Python
(:data:`PYTHON_INTERNALS`) or runs past :data:`MAX_MESSAGE_CHARS`, finish within :data:`TIME_BUDGET_S` and
raise the peak resident memory by at most :data:`MEMORY_BUDGET_MB`. A page's failures are collected and
reported together, one line each: ``page · control = value → problem``.

So that a failing page cannot take this machine down while it fails, the process's address space is capped
at :data:`ADDRESS_HEADROOM_GB` above its size when the page opens: an allocation of many gigabytes fails at once
(and is reported) instead of swapping. Linux only (``/proc/self/status``, ``RLIMIT_AS``).
"""

from __future__ import annotations

import ctypes
import math
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from tests.apptest import open_page
from ui.errors import UNEXPECTED
from ui.registry import all_pages

PAGES = all_pages()
FAULTY_PAGE = str(Path(__file__).parent / "scripts" / "faulty_page.py")

TIME_BUDGET_S = 10.0
"""Longest rerun allowed on this 2-core machine: a normal rerun takes 0.1–0.5 s; the bombs took 39 s."""
MEMORY_BUDGET_MB = 500
"""Largest rise of the peak resident memory in one rerun: a shared server gives one visitor a few hundred MB."""
ADDRESS_HEADROOM_GB = 2
"""Address space a page may grow by before allocations fail: above the budget, far below this machine's memory."""
MAX_MESSAGE_CHARS = 300
"""Longest error message a page may show: a clear sentence or two, never the input echoed back whole."""
PYTHON_INTERNALS = (
    "invalid literal for",
    "could not convert string",
    "Exceeds the limit",
    "Traceback (most recent call last)",
    "object has no attribute",
    "unsupported operand type",
    "not supported between instances",
)
"""Phrases of Python's own error messages, which a page must translate for the person at the keyboard."""
FEW_OPTIONS = 4
"""A selectbox or radio with at most this many options visits them all; a longer one visits its ends."""
MAX_DEPTH = 2
"""How many levels of revealed controls are followed (a tab reveals a selectbox, which reveals a field)."""
COMBINATIONS_PER_PAGE = 8
"""Hypothesis examples per page, each setting two or three controls at once."""
RERUN_LIMIT_S = 15.0
"""A rerun still going after this long (it has failed the budget already) is interrupted, so the fuzzer ends in
bounded time while a page has a bomb."""
RUN_TIMEOUT_S = 120
"""AppTest's own timeout per rerun, for a rerun that even the interruption cannot end (a long C call)."""
SCRIPT_THREAD = "ScriptRunner.scriptThread"
"""The name Streamlit gives the thread that runs a page (streamlit/runtime/scriptrunner/script_runner.py)."""

HOSTILE_TEXT = (
    "",
    "   ",
    "\t\n",
    "0",
    "-3",
    "0, 1",
    "1.5",
    "1e39",
    "-1e39",
    "1e-39",
    "1e308",
    "1e400",
    "99999",
    "999999",
    "nan",
    "inf",
    "-inf",
    "9" * 5000,
    "1, " * 3000 + "1",
    "x" * 20_000,
    "², 3",
    "²",
    "٣",
    "３",
    "1²",
    "😀",
    "8-8",
    "-",
    "1,,2",
    "0x10",
    "6, 6, 6, 6, 6, 6, 6, 6",
)
"""Typed text: empty and blank, negative, two values for one, huge, tiny, float64's edge and beyond, NaN and infinity, a
5000-digit number, thousands of list items, 20,000 characters, unicode digits and superscripts, an emoji, a
lone dash, an empty place, Python-only spellings, too many layers."""
HOSTILE_NUMBERS = (-1e39, -999999, -3, -1, 0, 1e-39, 0.5, 99999, 999999, 1e39, float("nan"), float("inf"))
"""Numbers for number inputs; each input gets those inside its own min/max (NaN and infinity only when unbounded)."""
HOSTILE_CELLS = (1e39, -1e39, -3, None)
"""Cell values a browser's number cell can hold: huge, negative, emptied."""
MANY_ROWS = 5000
"""Rows a data editor gets added at once (a paste from a spreadsheet)."""
MAX_BROWSER_INT = 2**53 - 1
"""Largest whole number a browser's number input can send (JavaScript's Number.MAX_SAFE_INTEGER)."""
UNCHANGED_EDITS: dict = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
WIDGETS = ("text_input", "text_area", "number_input", "slider", "select_slider", "selectbox", "radio", "multiselect")
WIDGETS += ("toggle", "checkbox")
LABELLED_KINDS = ("select_slider", "selectbox", "radio", "multiselect")
"""Widgets whose values are options, set by their labels as a browser does."""


# --- memory: the peak resident set of this process -------------------------------------------------------------------


def _status_kb(field_name: str) -> int:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``, ``VmSize``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field_name:
            return int(value.split()[0])
    raise KeyError(field_name)


def _reset_peak() -> int:
    """Reset the peak resident set to the current one where Linux allows it; return the peak to measure from (kB).

    Where ``/proc/self/clear_refs`` is not writable the peak only ever rises, and the rise is what is measured.
    """
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmHWM")


@contextmanager
def _address_space_capped(headroom_bytes: int) -> Iterator[None]:
    """Cap this process's address space at its current size plus ``headroom_bytes``, for the block only."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _status_kb("VmSize") * 1024 + headroom_bytes
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


class RerunInterrupted(Exception):
    """Raised inside a page's script thread by the fuzzer when a rerun passes :data:`RERUN_LIMIT_S`."""

    def __init__(self) -> None:
        super().__init__(f"the fuzzer stopped this rerun after {RERUN_LIMIT_S:g} s")


@contextmanager
def _interrupted_after(seconds: float) -> Iterator[None]:
    """Raise :class:`RerunInterrupted` in the page's script thread if the block is still running after ``seconds``.

    CPython delivers it at the thread's next bytecode, so it ends pure-Python work (figure building) at once and a
    long torch call when that returns.
    """
    finished = threading.Event()

    def interrupt() -> None:
        if finished.wait(seconds):
            return
        for thread in threading.enumerate():
            if thread.name == SCRIPT_THREAD and thread.ident is not None:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(
                    ctypes.c_ulong(thread.ident), ctypes.py_object(RerunInterrupted)
                )

    watchdog = threading.Thread(target=interrupt, name="fuzz-watchdog", daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        finished.set()
        watchdog.join()


# --- controls: what can be set on a page, and its hostile values ------------------------------------------------------


@dataclass(frozen=True)
class Control:
    """One input of a page: its kind (an AppTest attribute, ``"tabs"`` or ``"data_editor"``), id and values to try.

    Option widgets are set by their labels (what the browser sends), so ``values`` and ``default`` are labels.
    Controls are found and compared by kind and label: the learning-rate field keyed per surface and optimizer
    is one control, fuzzed in the first state that shows it; ``ident`` (the key) names it in the report.
    """

    kind: str
    ident: str = field(compare=False)
    label: str
    values: tuple = field(compare=False)
    default: Any = field(compare=False)

    def settable(self, at: AppTest, value: Any) -> bool:
        """Whether the page shows this control now and a browser could give it ``value`` there."""
        if self.kind in ("tabs", "data_editor"):
            now = self._now(at)
            return now is not None and (value == now.default or value in now.values)
        widget = self._widget(at)
        if widget is None or widget.disabled:
            return False
        values = value if isinstance(value, (tuple, list)) else (value,)
        if self.kind in LABELLED_KINDS:
            return set(values) <= set(widget.options)
        if self.kind in ("slider", "number_input"):
            low = -math.inf if widget.min is None else widget.min
            high = math.inf if widget.max is None else widget.max
            return all(math.isnan(v) or low <= v <= high for v in values)
        return True

    def set(self, at: AppTest, value: Any) -> None:
        """Set ``value`` for the next ``at.run()``."""
        if self.kind in ("tabs", "data_editor"):
            at.session_state[self._now(at).ident] = value
            return
        widget = self._widget(at)
        if self.kind in LABELLED_KINDS:
            widget.__class__ = _by_label(type(widget))
        widget.set_value(value)

    def _now(self, at: AppTest) -> Control | None:
        """This tab group or table as the page shows it now (a table keyed per preset has another key)."""
        return next((c for c in _tabs(at) + _editors(at) if (c.kind, c.label) == (self.kind, self.label)), None)

    def _widget(self, at: AppTest):
        if self.kind in ("tabs", "data_editor"):
            return None
        return next((w for w in getattr(at, self.kind) if w.label == self.label), None)

    def __str__(self) -> str:
        return f"{self.kind} {self.ident}"


def _ident(widget) -> str:
    return widget.key or widget.id


_LABELLED: dict[type, type] = {}


def _by_label(cls: type) -> type:
    """``cls`` whose ``format_func`` is ``str``: AppTest then sends a label as the browser does, whatever the page's
    own ``format_func`` would make of it."""
    if cls not in _LABELLED:
        _LABELLED[cls] = type(f"{cls.__name__}ByLabel", (cls,), {"format_func": property(lambda self: str)})
    return _LABELLED[cls]


def _ends(options: list) -> tuple:
    return tuple(options) if len(options) <= FEW_OPTIONS else (options[0], options[-1])


def _whole(widget) -> bool:
    """Whether a number input or slider holds whole numbers (AppTest reports its bounds as floats either way)."""
    values = widget.value if isinstance(widget.value, (tuple, list)) else (widget.value,)
    return all(isinstance(v, int) for v in values)


def _number_values(widget) -> tuple:
    """HOSTILE_NUMBERS inside the widget's bounds (all of them when it has none), and the bounds themselves."""
    bounds = [b for b in (widget.min, widget.max) if b is not None]
    low = -math.inf if widget.min is None else widget.min
    high = math.inf if widget.max is None else widget.max
    candidates = [v for v in HOSTILE_NUMBERS if not bounds or (math.isfinite(v) and low <= v <= high)] + bounds
    if _whole(widget):
        candidates = [int(v) for v in candidates if abs(v) <= MAX_BROWSER_INT and float(v).is_integer()]
    return tuple(dict.fromkeys(candidates))


def _widget_control(kind: str, widget) -> Control:
    """The values to try for one widget: hostile ones for typed inputs, the ends for everything else."""
    control = partial(Control, kind, _ident(widget), widget.label)
    if kind in ("text_input", "text_area"):
        return control(HOSTILE_TEXT, widget.value)
    if kind == "number_input":
        return control(_number_values(widget), widget.value)
    if kind == "slider":
        low, high = (int(b) for b in (widget.min, widget.max)) if _whole(widget) else (widget.min, widget.max)
        if isinstance(widget.value, (tuple, list)):
            return control(((low, high), (low, low), (high, high)), tuple(widget.value))
        return control((low, high), widget.value)
    if kind == "select_slider":
        labels, value = widget.options, widget.value
        if isinstance(value, (tuple, list)):
            ends = ((labels[0], labels[-1]), (labels[0], labels[0]), (labels[-1], labels[-1]))
            return control(ends, tuple(widget.format_func(v) for v in value))
        return control((labels[0], labels[-1]), widget.format_func(value))
    if kind in ("selectbox", "radio"):
        return control(_ends(widget.options), None if widget.index is None else widget.options[widget.index])
    if kind == "multiselect":
        return control(((), tuple(widget.options)), tuple(widget.values))
    return control((not widget.value,), widget.value)  # toggle, checkbox


def _tabs(at: AppTest) -> list[Control]:
    """Keyed tab groups (``st.tabs(..., key=...)``): each tab is a value; the first is the default."""
    controls = []
    for node in _nodes(at._tree):
        if getattr(node, "type", None) == "tab_container" and node.proto.id:
            key = node.proto.id.rsplit("-", 1)[-1]
            labels = tuple(child.label for child in node.children.values())
            controls.append(Control("tabs", key, key, labels, labels[0]))
    return controls


def _editors(at: AppTest) -> list[Control]:
    """Keyed data editors, named by their columns, with edits a browser could make to the table they show now."""
    return [
        Control(
            "data_editor", e.key, f"table of {', '.join(map(str, e.value.columns))}", _edits(e.value), UNCHANGED_EDITS
        )
        for e in at.data_editor
        if e.key
    ]


def _edits(table) -> tuple[dict, ...]:
    """Edit states for ``table``: each HOSTILE_CELLS value in each column of its first row, a row of huge values,
    MANY_ROWS rows added, and every row deleted."""
    row = dict.fromkeys(table.columns, 1.0)
    cells = [{"edited_rows": {0: {column: v}}} for column in table.columns for v in HOSTILE_CELLS] if len(table) else []
    added = [{"added_rows": [dict.fromkeys(table.columns, 1e39)]}, {"added_rows": [row] * MANY_ROWS}]
    return (*cells, *added, {"deleted_rows": list(range(len(table)))})


def _nodes(node) -> Iterator:
    for child in getattr(node, "children", {}).values():
        yield child
        yield from _nodes(child)


def controls(at: AppTest) -> list[Control]:
    """Every control on the page as it is now (disabled widgets excluded: no browser can set them)."""
    found = [_widget_control(kind, w) for kind in WIDGETS for w in getattr(at, kind) if not w.disabled]
    return found + _tabs(at) + _editors(at)


# --- one rerun, checked -----------------------------------------------------------------------------------------------


def _problems(at: AppTest, seconds: float, growth_mb: float) -> list[str]:
    """Everything wrong with the page after one rerun that took ``seconds`` and raised the peak by ``growth_mb``."""
    problems = [
        f"exception {e.proto.type}: {e.message.splitlines()[0][:200] if e.message else ''}" for e in at.exception
    ]
    for error in at.error:
        message = str(error.value)
        if UNEXPECTED in message:
            details = [code.value for expander in at.expander for code in expander.code]
            problems.append(f"'{UNEXPECTED}' box: {details[0][:200] if details else ''}")
        elif len(message) > MAX_MESSAGE_CHARS:
            problems.append(f"a {len(message):,}-character message: {message[:80]!r}…")
        problems += [f"Python's words in the message: {message[:160]!r}" for p in PYTHON_INTERNALS if p in message]
    if seconds > TIME_BUDGET_S:
        problems.append(f"rerun took {seconds:.1f} s (budget {TIME_BUDGET_S:g} s)")
    if growth_mb > MEMORY_BUDGET_MB:
        problems.append(f"peak memory rose {growth_mb:,.0f} MB (budget {MEMORY_BUDGET_MB} MB)")
    return problems


def checked_run(at: AppTest) -> list[str]:
    """Rerun the page; the problems found (an exception out of AppTest itself counts as one)."""
    peak = _reset_peak()
    start = time.perf_counter()
    try:
        with _interrupted_after(RERUN_LIMIT_S):
            at.run(timeout=RUN_TIMEOUT_S)
    except Exception as error:  # a hung or crashed run is a finding, not the end of the fuzzing
        return [f"uncaught {type(error).__name__}: {str(error)[:200]}"]
    seconds = time.perf_counter() - start
    return _problems(at, seconds, (_status_kb("VmHWM") - peak) / 1024)


def _shown(value: Any) -> str:
    """A value for the report: short values as they are, long ones by their start and length (edits by their rows)."""
    text = repr(value)
    if len(text) <= 60:
        return text
    if isinstance(value, dict):  # a data editor's edit state
        return ", ".join(f"{len(rows):,} {name.replace('_', ' ')}" for name, rows in value.items() if rows)
    return f"{text[:28]}… ({len(text):,} chars)"


@dataclass
class Fuzzer:
    """The fuzzing of one page: the AppTest, the controls already done and the failures found."""

    page: str
    at: AppTest
    done: set[Control] = field(default_factory=set)
    failures: list[str] = field(default_factory=list)
    catalog: list[Control] = field(default_factory=list)

    def check(self, what: str) -> None:
        self.failures += [f"{self.page} · {what} → {problem}" for problem in checked_run(self.at)]

    def restore(self, changed: list[Control]) -> None:
        for control in changed:
            if control.settable(self.at, control.default):
                control.set(self.at, control.default)
        with _interrupted_after(RERUN_LIMIT_S):
            self.at.run(timeout=RUN_TIMEOUT_S)

    def sweep(self, depth: int = 0, known: frozenset[Control] = frozenset()) -> None:
        """Fuzz every control now on the page, then (in that state) the controls each of its values reveals.

        ``known`` are the controls of the states above this one: they are fuzzed there, not here.
        """
        here = controls(self.at)
        for control in here:
            if control in self.done or control in known:
                continue
            self.done.add(control)
            self.catalog.append(control)
            for value in control.values:
                if not control.settable(self.at, value):
                    continue
                control.set(self.at, value)
                self.check(f"{control} = {_shown(value)}")
                if depth < MAX_DEPTH:
                    self.sweep(depth + 1, known | set(here))
            self.restore([control])

    def combine(self, examples: int) -> None:
        """Hypothesis: set two or three controls at once (each to one of its values), rerun, check, restore."""
        setting = st.sampled_from(self.catalog).flatmap(lambda c: st.tuples(st.just(c), st.sampled_from(c.values)))
        combination = st.lists(setting, min_size=2, max_size=3, unique_by=lambda pair: pair[0])
        tried: set[str] = set()

        @settings(
            max_examples=examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(combination)
        def explore(chosen: list[tuple[Control, Any]]) -> None:
            applied = [(control, value) for control, value in chosen if control.settable(self.at, value)]
            what = " & ".join(f"{control} = {_shown(value)}" for control, value in applied)
            if not applied or what in tried:
                return
            tried.add(what)
            for control, value in applied:
                control.set(self.at, value)
            self.check(what)
            self.restore([control for control, _ in applied])

        explore()


def fuzz(page: str, examples: int = COMBINATIONS_PER_PAGE, opener: Callable[[str], AppTest] = open_page) -> list[str]:
    """Every failure the fuzzer finds on ``page``, opened by ``opener`` (a registered page inside app.py)."""
    at = opener(page)
    with _address_space_capped(ADDRESS_HEADROOM_GB * 2**30):
        fuzzer = Fuzzer(page, at)
        fuzzer.check("the default values")
        fuzzer.sweep()
        fuzzer.combine(examples)
    return fuzzer.failures


@pytest.mark.parametrize("spec", PAGES, ids=[spec.url_path for spec in PAGES])
def test_no_input_crashes_a_page_or_takes_the_server(spec):
    failures = fuzz(spec.path)
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


def test_the_fuzzer_finds_each_kind_of_failure(monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "TIME_BUDGET_S", 1.0)
    monkeypatch.setattr(sys.modules[__name__], "MEMORY_BUDGET_MB", 100)
    failures = fuzz(FAULTY_PAGE, examples=4, opener=lambda path: AppTest.from_file(path, default_timeout=30).run())
    expected = [
        "text_input value = '-3' → exception OverflowError: cannot convert float infinity to integer",
        "text_input value = '0, 1' → a 1,000-character message: 'xxxxxxxx",
        "text_input value = '²' → Python's words in the message: \"invalid literal for int() with base 10: '²'\"",
        f"text_input value = '1e39' → '{UNEXPECTED}' box: RuntimeError: a fault, not a refusal",
        "selectbox mode = 'slow' → rerun took ",
        "selectbox mode = 'hungry' → peak memory rose ",
        "slider level = 10 → exception KeyError: 10",
    ]
    for line in expected:
        assert any(line in failure for failure in failures), (line, failures)
    assert all(failure.startswith(f"{FAULTY_PAGE} · ") for failure in failures)
    harmless = ("the default values →", "slider level = 0 →", "text_input value = '0' →", "selectbox mode = 'calm' →")
    assert not [failure for failure in failures if any(f"· {setting}" in failure for setting in harmless)]
