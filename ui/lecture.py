"""The lecture hall: presenter mode sized for a 1280×720 projector, the lecture outline, presenter keys.

:func:`apply` is called by ``app.py`` on every run; :data:`TALKS` holds, for each page, the one-line talking
point and the prepared states (:class:`Lesson`) that the Home page's lecture outline links to;
:func:`presenter_keys` binds Space / → / Backspace / P to a stepping page's buttons.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import streamlit as st

from ui.registry import HOME, PageSpec, all_pages

# Both modes. A long display formula scrolls inside its own box instead of being cut at the right edge: a
# scrollbar under it, and a shadow at each edge that has more formula beyond it (for overlay scrollbars, which
# only show while scrolling). Less empty space above the title keeps a page's first chart above the fold.
BASE_CSS = """
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
.katex-display {
  overflow-x: auto; overflow-y: hidden; padding: 0.1rem 0 0.4rem;
  scrollbar-width: thin; scrollbar-color: rgba(0, 0, 0, 0.35) transparent;
  background:
    linear-gradient(to right, white 30%, rgba(255, 255, 255, 0)) left / 2rem 100% no-repeat local,
    linear-gradient(to left, white 30%, rgba(255, 255, 255, 0)) right / 2rem 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, 0.35), transparent) left / 1rem 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, 0.35), transparent) right / 1rem 100% no-repeat scroll;
}
"""

# Presenter mode: larger type, no toolbar (the sidebar's expand button stays), and nothing cut short with "…":
# labels, select boxes, metrics and navigation links wrap onto a second line instead.
PRESENTER_CSS = """
html { font-size: 20px; }
header[data-testid="stHeader"] { visibility: hidden; background: transparent; }
header[data-testid="stHeader"] [data-testid="stExpandSidebarButton"] { visibility: visible; }
[data-testid="stMainBlockContainer"] { padding: 1rem 2rem 1rem 3.5rem; max-width: 100%; }
h1 { font-size: 2.1rem !important; padding: 0.25rem 0 0.5rem !important; }
.katex-display { margin: 0.3em 0; }
[data-testid="stMetricValue"] > div, [data-testid="stMetricLabel"] p, [data-testid="stWidgetLabel"] p,
[data-testid="stSidebarNavLink"] *, [data-testid="stPageLink-NavLink"] *, [data-baseweb="select"] div,
[data-baseweb="tab"] p {
  white-space: normal !important; text-overflow: clip !important; overflow-wrap: break-word;
}
[data-testid="stMetricValue"] > div, [data-testid="stSidebarNavLink"] *, [data-testid="stPageLink-NavLink"] *,
[data-baseweb="select"] div { overflow: visible !important; }
[data-testid="stSidebarNavLink"] { height: auto; }
[data-testid="stMetricValue"] { font-size: 1.9rem; }
[data-testid="stWidgetLabel"] p { font-size: 0.95rem; }
"""


def apply(presenter: bool) -> None:
    """Set the page up for presenter mode or normal mode (call on every run, before the page draws).

    The sidebar collapses when presenter mode is switched on or opened by a link (``?presenter=1``) and
    expands again when it is switched off; its expand button (top left) stays visible throughout.
    """
    st.set_page_config(initial_sidebar_state="collapsed" if presenter else "auto")
    st.html(f"<style>{BASE_CSS}{PRESENTER_CSS if presenter else ''}</style>")


@dataclass(frozen=True)
class Lesson:
    """A prepared state of a page for the lecture: a label and the field values that make it."""

    label: str
    values: Mapping[str, object] = field(default_factory=dict)
    hide: tuple[str, ...] = ()


@dataclass(frozen=True)
class Talk:
    """What the lecturer says on a page (one line) and the prepared states to open from the outline."""

    point: str
    lessons: tuple[Lesson, ...] = ()


# By page path, for every registered page. (Proposed home: ``talking_point`` and ``lessons`` attributes of
# ui.registry's PageSpec.)
TALKS: dict[str, Talk] = {
    HOME.path: Talk(
        "One neuron: a weighted sum squashed by a sigmoid. The weight sets the steepness, the bias the place.",
        (
            Lesson("A steep step (w = 5)", {"w": 5.0, "b": 0.0}),
            Lesson("Facing the other way (w = −2)", {"w": -2.0}),
            Lesson("Off until pushed (b = −4)", {"w": 1.5, "b": -4.0, "x": 1.0}),
            Lesson("Only the input to move", {"w": 3.0, "b": -1.0}, hide=("w", "b")),
        ),
    ),
    "app_pages/neuron.py": Talk(
        "A perceptron learns AND and OR in a few updates, and never XOR: one straight line cannot split it.",
        (
            Lesson("XOR: the perceptron that never converges", {"gate": "XOR", "lr": 0.5}),
            Lesson("OR, learnt step by step", {"gate": "OR"}),
            Lesson("A neuron with three inputs", {"n": 3, "activation": "tanh"}),
        ),
    ),
    "app_pages/activations.py": Talk(
        "Without a nonlinearity depth adds nothing; where a derivative goes flat, gradients vanish.",
        (
            Lesson(
                "Sigmoid against ReLU: where the gradient vanishes",
                {"selected": ["sigmoid", "relu"], "range": (-10.0, 10.0)},
            ),
            Lesson("Softmax, hot and cold", {"temperature": 5.0}, hide=("logits",)),
        ),
    ),
    "app_pages/losses.py": Talk(
        "The loss turns 'wrong' into one number to minimise; cross-entropy punishes confident mistakes most.",
        (
            Lesson("One confident mistake dominates the batch", {"preset": "One confident mistake"}),
            Lesson("Confidently wrong: BCE against MSE", {"label": 0, "prediction": 0.95, "grad_label": 0}),
        ),
    ),
    "app_pages/forward.py": Talk(
        "A forward pass is matrix products and activations, layer by layer: numbers you can follow by hand.",
        (
            Lesson("One neuron at a time, from the second neuron", {"detailed": True, "step": 2}),
            Lesson("Three classes out of a softmax", {"sizes": "2, 4, 3", "out": "softmax", "step": 2}),
            Lesson(
                "Without activations a deep net is one matrix",
                {"sizes": "2, 3, 3, 2", "act1": "linear", "act2": "linear"},
            ),
        ),
    ),
    "app_pages/backprop.py": Talk(
        "Backpropagation is the chain rule run backwards; every gradient on screen matches autograd.",
        (
            Lesson(
                "Sigmoid vanishing gradients: 20 layers deep",
                {"sizes": "2, 3, 3, 3, 1", "y": "1", "depth": 20, "width": 6},
            ),
            Lesson(
                "Softmax with cross-entropy: prediction − target",
                {"loss": "cross_entropy", "out": "softmax", "step": 1},
            ),
            Lesson("One weight's chain, first layer", {"step": 2, "w_layer": 1, "w_i": 1, "w_j": 0}),
        ),
    ),
    "app_pages/descent.py": Talk(
        "Learning is a walk downhill: too small a learning rate crawls, too large diverges; momentum and Adam "
        "change the walk.",
        (
            Lesson("Learning rate too large: the path diverges", {"tab": "Learning rate", "preset": "Way too large"}),
            Lesson("Too small: it crawls", {"tab": "Learning rate", "preset": "Too small"}),
            Lesson(
                "SGD against Adam in Rosenbrock's valley",
                {"tab": "Race", "surface": "rosenbrock", "race": ["sgd", "momentum", "adam"], "steps": 300},
            ),
            Lesson("A narrow valley (κ = 50) with momentum", {"condition": 50.0, "optimizer": "momentum"}),
        ),
    ),
    "app_pages/playground.py": Talk(
        "A network bends a line into any boundary: watch each hidden neuron's map, and the classes untangle.",
        (
            Lesson(
                "XOR with one feature cross, no hidden layer", {"problem": "xor", "features": ["x1_x2"], "hidden": ""}
            ),
            Lesson(
                "A spiral needs depth", {"problem": "spiral", "hidden": "8, 8, 8", "activation": "relu", "lr": 0.01}
            ),
        ),
    ),
    "app_pages/train.py": Talk(
        "Everything at once on the tutorials' data: mini-batches, backprop and steps, thousands of times.",
        (
            Lesson("The MNIST MLP 784-128-64-10", {"tutorial": "003"}),
            Lesson("Adam with a learning rate too large", {"tutorial": "002", "lr": 0.1}),
        ),
    ),
    "app_pages/inspect.py": Talk(
        "Open the trained MNIST network: its first layer's weights are strokes, its mistakes are human ones.",
        (Lesson("The test images it is least sure of", {"order": "least confident first"}),),
    ),
}


def outline() -> list[tuple[PageSpec, Talk]]:
    """The lecture in teaching order: ``(page spec, talk)`` for Home and then every registered page."""
    return [(spec, TALKS[spec.path]) for spec in all_pages()]


_KEYS_SCRIPT = """
<script>
(() => {
  // KeyboardEvent.key -> the Streamlit widget keys of the buttons it presses (the first enabled one).
  window.nnvizPresenterKeys = %s;
  if (window.nnvizPresenterKeysBound) return;
  window.nnvizPresenterKeysBound = true;
  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select, [contenteditable=true], [role=slider]");
    if (typing || event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    const name = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const button = (window.nnvizPresenterKeys[name] || [])
      .map((key) => document.querySelector(`.st-key-${key} button:not([disabled])`))
      .find(Boolean);
    if (!button) return;
    event.preventDefault();
    button.click();
  });
})();
</script>
"""

_KEYS = {"step": ("ArrowRight", " "), "reset": ("Backspace",), "play": ("p",)}


def presenter_keys(
    *, step: str | tuple[str, ...] = (), reset: str | tuple[str, ...] = (), play: str | tuple[str, ...] = ()
) -> None:
    """Bind the presenter's keys to a page's buttons, given by their widget keys.

    Space or → presses ``step``, Backspace presses ``reset`` and P presses ``play``. Each takes one key or
    several, of which the first enabled button is pressed: ``play=("train_play", "train_pause")`` makes P
    toggle. Keys typed into a text or number box or on a focused slider are left alone, and so are
    combinations with Ctrl, Alt or Cmd. Call it once per run, anywhere on the page.
    """
    buttons = {"step": step, "reset": reset, "play": play}
    bindings = {
        key: [buttons[action]] if isinstance(buttons[action], str) else list(buttons[action])
        for action, keys in _KEYS.items()
        if buttons[action]
        for key in keys
    }
    st.html(_KEYS_SCRIPT % json.dumps(bindings), unsafe_allow_javascript=True)
