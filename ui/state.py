"""Page state that round-trips through the URL, after TensorFlow Playground's ``State.PROPS``.

Every field is declared once, with its URL name, type, default and bounds (:class:`Fields`). ``app.py``
opens the :class:`View` of the page being shown (:func:`open_view`) before the page runs; the page gets it
with :func:`view` and creates its widgets through it::

    view = state.view()
    w = view.slider("w", "weight w")            # bounds, step and default come from the declaration
    view["start"] = (0.5, -1.0)                 # state not tied to one widget (a clicked point, a step)

The URL always shows the view: only values that differ from their defaults, numbers written compactly
(``/descent?lr=0.1&seed=3``). A URL that names any of the page's fields is a link: it sets every field of
the page (those it leaves out return to their defaults), and ``?hide=lr,seed`` keeps the named controls at
their linked values and out of sight. A URL without them (a click in the navigation) keeps what the
visitor last chose on that page. The app-wide fields (seed, presenter mode) are read from the URL only where
it names them. Malformed, out-of-bounds and unknown parameters are dropped with a quiet notice.

Values live in ``st.session_state``: under each field's widget key (``f"{prefix}_{name}"``), which the
widgets read, and in a shadow copy that survives Streamlit's clean-up of the widgets it did not draw
(another tab, another page, a hidden control).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import streamlit as st

from nnviz import descent, surfaces
from nnviz.activations import ACTIVATIONS, output_activations, trainable_activations
from nnviz.features import FEATURES, PLAIN
from nnviz.losses import BATCH_PRESETS, pair_losses, traced_losses
from nnviz.network import MAX_LAYERS, MAX_WIDTH
from nnviz.neuron import GATE_INPUTS, LOGIC_GATES, PERCEPTRON_EPOCHS
from nnviz.optimizers import MAX_LEARNING_RATE, OPTIMIZERS
from nnviz.playground import BATCH_SIZES, LEARNING_RATES, LOSSES_OF_TASK, PENALTIES
from nnviz.recipes import RECIPES
from nnviz.toys import MAX_CLASSES, MAX_SAMPLES, PROBLEMS
from nnviz.training import MAX_EPOCHS
from ui import DEFAULT_SEED, PRESENTER_KEY, SEED_KEY
from ui.predict import QUIZ_KEY
from ui.registry import HOME, all_pages

T = TypeVar("T")
HIDE = "hide"  # the URL parameter that names the controls a classroom link hides
EMBED = "embed"
_MEMORY_KEY = "_nnviz_state"
_VIEW_KEY = "_nnviz_view"
_RECENT_URLS = 4  # URLs this session wrote per page and may still see in a rerun the browser sent before it caught up

Query = dict[str, list[str]]


def _number(value: float) -> str:
    """A number as short as it reads: ``1.0 -> "1"``, ``0.1 -> "0.1"``, ``1e-5 -> "1e-05"``."""
    if isinstance(value, int):
        return str(value)
    return f"{value:.10g}"


def _words(texts: Iterable[str]) -> list[str]:
    """URL values split at commas: ``["lr,seed"]`` and ``["lr", "seed"]`` both give ``["lr", "seed"]``."""
    return [word.strip() for text in texts for word in text.split(",") if word.strip()]


def _last(texts: Sequence[str]) -> str:
    if not texts:
        raise ValueError("no value")
    return texts[-1]


class Field(ABC, Generic[T]):
    """One piece of page state: its default, its valid values and its text form in the URL."""

    default: T

    @property
    @abstractmethod
    def expects(self) -> str:
        """What a valid value is, in words (for the notice about a bad link)."""

    @abstractmethod
    def check(self, value: Any) -> T:
        """``value`` as this field stores it; raises ``ValueError`` if it is not a valid value."""

    @abstractmethod
    def decode(self, texts: Sequence[str]) -> T:
        """The value from the URL's texts for this field (repeated keys in order); raises ``ValueError``."""

    @abstractmethod
    def encode(self, value: T) -> list[str]:
        """The URL's texts for ``value`` (one per repeated key)."""

    def is_default(self, value: T) -> bool:
        return self.encode(value) == self.encode(self.default)

    def _validate_default(self) -> None:
        try:
            self.check(self.default)
        except (TypeError, ValueError) as error:
            raise ValueError(f"default {self.default!r} is not {self.expects}") from error


AUTO = "auto"  # the URL text of a value the page chooses (a field whose default is None)


@dataclass(frozen=True)
class Float(Field[float | None]):
    """A number in ``[lo, hi]`` (sliders, number inputs); ``step`` is the widgets' step.

    A default of ``None`` means "the page chooses" (a learning rate that suits the chosen surface, a surface's
    own start point): the page sets the value before it draws the widget, and ``?lr=auto`` asks for it again.
    """

    default: float | None
    lo: float
    hi: float
    step: float | None = None

    def __post_init__(self) -> None:
        self._validate_default()

    @property
    def expects(self) -> str:
        auto = f" or {AUTO}" if self.default is None else ""
        return f"a number from {_number(self.lo)} to {_number(self.hi)}{auto}"

    def check(self, value: Any) -> float | None:
        if value is None:
            if self.default is None:
                return None
            raise ValueError(self.expects)
        number = float(value)
        if not (math.isfinite(number) and self.lo <= number <= self.hi):
            raise ValueError(self.expects)
        return number

    def decode(self, texts: Sequence[str]) -> float | None:
        text = _last(texts)
        return self.check(None if text.lower() == AUTO else float(text))

    def encode(self, value: float | None) -> list[str]:
        return [AUTO if value is None else _number(float(value))]


@dataclass(frozen=True)
class Int(Field[int]):
    """A whole number in ``[lo, hi]``."""

    default: int
    lo: int
    hi: int
    step: int = 1

    def __post_init__(self) -> None:
        self._validate_default()

    @property
    def expects(self) -> str:
        return f"a whole number from {self.lo} to {self.hi}"

    def check(self, value: Any) -> int:
        number = float(value)
        if isinstance(value, bool) or not (number.is_integer() and self.lo <= number <= self.hi):
            raise ValueError(self.expects)
        return int(value)

    def decode(self, texts: Sequence[str]) -> int:
        return self.check(float(_last(texts)))

    def encode(self, value: int) -> list[str]:
        return [str(int(value))]


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


@dataclass(frozen=True)
class Bool(Field[bool]):
    """On or off (toggles, checkboxes); ``1``/``0`` in the URL (``true``/``false``, ``on``/``off`` read too)."""

    default: bool = False

    def __post_init__(self) -> None:
        self._validate_default()

    @property
    def expects(self) -> str:
        return "1 or 0"

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(self.expects)
        return value

    def decode(self, texts: Sequence[str]) -> bool:
        text = _last(texts).lower()
        if text not in _TRUE + _FALSE:
            raise ValueError(self.expects)
        return text in _TRUE

    def encode(self, value: bool) -> list[str]:
        return ["1" if value else "0"]


@dataclass(frozen=True)
class Text(Field[str]):
    """Free text of at most ``max_length`` characters (text inputs); the page parses it."""

    default: str
    max_length: int = 100

    def __post_init__(self) -> None:
        self._validate_default()

    @property
    def expects(self) -> str:
        return f"text of at most {self.max_length} characters"

    def check(self, value: Any) -> str:
        if not isinstance(value, str) or len(value) > self.max_length:
            raise ValueError(self.expects)
        return value

    def decode(self, texts: Sequence[str]) -> str:
        return self.check(_last(texts))

    def encode(self, value: str) -> list[str]:
        return [value]


def _option_text(option: Any) -> str:
    return option if isinstance(option, str) else _number(option)


def _match_option(options: Sequence[Any], text: str) -> Any:
    """The option whose URL text is ``text`` (numbers also match by value: ``0.10`` is ``0.1``)."""
    for option in options:
        if _option_text(option) == text:
            return option
    for option in options:
        if not isinstance(option, str):
            try:
                if math.isclose(float(text), option, rel_tol=1e-9, abs_tol=1e-12):
                    return option
            except ValueError:
                break
    lowered = [option for option in options if isinstance(option, str) and option.lower() == text.lower()]
    if lowered:
        return lowered[0]
    raise ValueError(text)


def _describe_options(options: Sequence[Any]) -> str:
    shown = ", ".join(_option_text(option) for option in options[:8])
    return f"one of {shown}" + (", …" if len(options) > 8 else "")


@dataclass(frozen=True)
class Choice(Field[Any]):
    """One of ``options`` (select boxes, radios, select sliders, tabs); options are strings or numbers."""

    default: Any
    options: tuple[Any, ...]

    def __post_init__(self) -> None:
        if len({_option_text(option) for option in self.options}) != len(self.options):
            raise ValueError(f"options must differ in the URL: {self.options}")
        self._validate_default()

    @property
    def expects(self) -> str:
        return _describe_options(self.options)

    def check(self, value: Any) -> Any:
        if value not in self.options:
            raise ValueError(self.expects)
        return value

    def decode(self, texts: Sequence[str]) -> Any:
        try:
            return _match_option(self.options, _last(texts))
        except ValueError:
            raise ValueError(self.expects) from None

    def encode(self, value: Any) -> list[str]:
        return [_option_text(value)]


class _FromRegistry:
    """Options read from a registry at every use: an entry added to it (one line in :mod:`nnviz.activations`,
    :mod:`nnviz.optimizers`, ...) is an option on every page at once."""

    def __init__(self, default: Any, entries: Callable[[], Iterable[Any]]) -> None:
        object.__setattr__(self, "entries", entries)
        object.__setattr__(self, "default", default)
        self._validate_default()

    @property
    def options(self) -> tuple[Any, ...]:
        return tuple(self.entries())


class Registered(_FromRegistry, Choice):
    """A :class:`Choice` among a registry's entries."""


@dataclass(frozen=True)
class Choices(Field[list]):
    """Any number of ``options``, in order, without repeats (multiselects); ``?opt=`` is the empty list."""

    default: tuple[Any, ...]
    options: tuple[Any, ...]

    def __post_init__(self) -> None:
        if any("," in _option_text(option) for option in self.options):
            raise ValueError("options of a Choices field may not contain commas")
        self._validate_default()

    @property
    def expects(self) -> str:
        return f"a list of {_describe_options(self.options)}"

    def check(self, value: Any) -> list:
        chosen = list(value)
        if any(item not in self.options for item in chosen) or len(set(map(_option_text, chosen))) != len(chosen):
            raise ValueError(self.expects)
        return chosen

    def decode(self, texts: Sequence[str]) -> list:
        try:
            return self.check(_match_option(self.options, word) for word in _words(texts))
        except ValueError:
            raise ValueError(self.expects) from None

    def encode(self, value: Sequence[Any]) -> list[str]:
        return [_option_text(item) for item in value] or [""]


class RegisteredChoices(_FromRegistry, Choices):
    """A :class:`Choices` among a registry's entries."""

    def __init__(self, default: Sequence[Any], entries: Callable[[], Iterable[Any]]) -> None:
        super().__init__(tuple(default), entries)


@dataclass(frozen=True)
class FloatPair(Field[tuple[float, float]]):
    """Two numbers in ``[lo, hi]``, such as a start point ``(w1, w2)``; ``?start=0.5,-1`` in the URL."""

    default: tuple[float, float]
    lo: float
    hi: float

    def __post_init__(self) -> None:
        self._validate_default()

    @property
    def expects(self) -> str:
        return f"two numbers from {_number(self.lo)} to {_number(self.hi)}"

    def check(self, value: Any) -> tuple[float, float]:
        pair = tuple(float(number) for number in value)
        if len(pair) != 2 or not all(math.isfinite(v) and self.lo <= v <= self.hi for v in pair):
            raise ValueError(self.expects)
        return pair

    def decode(self, texts: Sequence[str]) -> tuple[float, float]:
        return self.check(float(word) for word in _words(texts))

    def encode(self, value: tuple[float, float]) -> list[str]:
        return [_number(float(number)) for number in value]


class Fields(Mapping[str, Field]):
    """A page's fields by URL name; each one's widget key in ``st.session_state`` is ``f"{prefix}_{name}"``.

    ``Fields("home", w=Float(1.5, -5.0, 5.0, 0.1))`` declares ``?w=`` with the widget key ``"home_w"``;
    the app-wide fields use the empty prefix, so their keys are their names.
    """

    def __init__(self, prefix: str = "", **fields: Field) -> None:
        reserved = {HIDE, EMBED, "embed_options"} & set(fields)
        if reserved:
            raise ValueError(f"reserved URL names: {sorted(reserved)}")
        self.prefix = prefix
        self._fields = fields

    def __getitem__(self, name: str) -> Field:
        return self._fields[name]

    def __iter__(self):
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    def key(self, name: str) -> str:
        """The ``st.session_state`` key (and widget key) of field ``name``."""
        if name not in self._fields:
            raise KeyError(f"no field {name!r}; the fields are {sorted(self._fields)}")
        return f"{self.prefix}_{name}" if self.prefix else name


@dataclass
class _Memory:
    """What one session remembers between runs (in ``st.session_state``)."""

    values: dict[str, Any] = field(default_factory=dict)  # every field's value, by session key
    hidden: dict[str, frozenset[str]] = field(default_factory=dict)  # by page path
    written: dict[str, list[Query]] = field(default_factory=dict)  # recent URLs written, by page path
    drawn: dict[str, set[str]] = field(default_factory=dict)  # session keys of the widgets drawn last run, by page
    page: str | None = None  # the page of the last run


def _with_app_fields(page_fields: Fields) -> dict[str, tuple[Field, str]]:
    """The app-wide fields and then the page's, by URL name, each with its session key."""
    twice = set(APP) & set(page_fields)
    if twice:
        raise ValueError(f"page fields named like app-wide ones: {sorted(twice)}")
    return {name: (spec, fields.key(name)) for fields in (APP, page_fields) for name, spec in fields.items()}


def _memory() -> _Memory:
    return st.session_state.setdefault(_MEMORY_KEY, _Memory())


def _remembered(spec: Field, key: str) -> Any:
    """A field's value: its widget's (or session key's), else the shadow copy, else its default."""
    if key in st.session_state:
        return st.session_state[key]
    return _memory().values.get(key, spec.check(spec.default))


def _current_query() -> Query:
    return {name: st.query_params.get_all(name) for name in st.query_params}


class View:
    """The state of the page being shown: the app-wide fields and the page's own, and the hidden controls.

    Read a value with ``view[name]``; set one (not tied to a widget, or from a callback) with
    ``view[name] = value``. The widget methods draw a control for a field, or nothing when a classroom link
    hides it, and return the field's value either way. Extra keyword arguments go to the Streamlit widget.
    """

    def __init__(self, page_path: str, page_fields: Fields) -> None:
        self.page_path = page_path
        self._page_fields = page_fields
        self._fields = _with_app_fields(page_fields)
        self.notices: list[str] = []
        self.linked = False  # whether this run opened a link (its values are the ones to show, not to reset)

    # --- values ------------------------------------------------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        spec, key = self._field(name)
        return _remembered(spec, key)

    def __setitem__(self, name: str, value: Any) -> None:
        """Set a field (checked against its declaration) and the URL; a widget's field only before the widget."""
        self.update(**{name: value})

    def update(self, **values: Any) -> None:
        """Set several fields at once (checked), writing the URL once."""
        checked = {name: (self._field(name)[1], self._field(name)[0].check(value)) for name, value in values.items()}
        for key, value in checked.values():
            _memory().values[key] = st.session_state[key] = value
        self._publish()

    @property
    def hidden(self) -> frozenset[str]:
        """The fields a classroom link hides on this page."""
        return _memory().hidden.get(self.page_path, frozenset())

    def query(self) -> Query:
        """The URL parameters of the view: fields that differ from their defaults, then ``hide``."""
        values = {name: (spec, _remembered(spec, key)) for name, (spec, key) in self._fields.items()}
        query = {name: spec.encode(value) for name, (spec, value) in values.items() if not spec.is_default(value)}
        if self.hidden:
            query[HIDE] = sorted(self.hidden)
        return query

    def url(self, *, embed: bool = False) -> str:
        """The full URL of this view (relative when the browser's address is unknown, as in AppTest)."""
        query = self.query() | ({EMBED: ["true"]} if embed else {})
        base = st.context.url or "/" + _url_path(self.page_path)
        return base + ("?" + urlencode(query, doseq=True) if query else "")

    def _field(self, name: str) -> tuple[Field, str]:
        if name not in self._fields:
            raise KeyError(f"{self.page_path} has no field {name!r}; its fields are {sorted(self._fields)}")
        return self._fields[name]

    # --- reading the URL ---------------------------------------------------------------------------------------

    def _sync(self) -> None:
        """Take the link's values (if the URL is a new link), restore what Streamlit cleaned up, write the URL."""
        memory = _memory()
        drawn = memory.drawn.pop(self.page_path, set()) if memory.page == self.page_path else set()
        incoming = _current_query()
        new_page = memory.page != self.page_path
        seen = memory.written.get(self.page_path, [])
        page_names = set(self._page_fields) | {HIDE}
        page_part = {name: texts for name, texts in incoming.items() if name in page_names}
        is_link = bool(page_part) and (new_page or all(page_part != _part(q, page_names) for q in seen))

        for name in sorted(incoming.keys() - self._fields.keys() - {HIDE}):
            self.notices.append(f"`{name}` (unknown here)")
        for name, (spec, key) in self._fields.items():
            texts = incoming.get(name)
            if name in self._page_fields and is_link:  # a link sets every field of its page
                self._take(name, texts, otherwise=spec.check(spec.default))
            elif name in APP and texts is not None and (new_page or all(texts != q.get(name) for q in seen)):
                self._take(name, texts, otherwise=_remembered(spec, key))  # named in the URL: taken
            elif key in st.session_state and (key in drawn or key not in memory.values):
                memory.values[key] = st.session_state[key]  # the widget's value, as the visitor left it
            else:  # Streamlit dropped the state of a widget it did not draw (another tab or page), or kept a stale
                st.session_state[key] = memory.values.get(key, spec.check(spec.default))  # value: the remembered one
        self.linked = is_link
        if is_link:
            hide = _words(incoming.get(HIDE, []))
            unknown = [name for name in hide if name not in self._fields]
            if unknown:
                self.notices.append(f"`hide={','.join(unknown)}` (no such controls)")
            memory.hidden[self.page_path] = frozenset(hide) - set(unknown)
        memory.page = self.page_path
        self._publish()

    def _take(self, name: str, texts: list[str] | None, otherwise: Any) -> None:
        """Set field ``name`` from the URL's ``texts``, or to ``otherwise`` if they are missing or no valid value."""
        spec, key = self._fields[name]
        value = otherwise
        if texts is not None:
            try:
                value = spec.decode(texts)
            except ValueError:
                self.notices.append(f"`{name}={','.join(texts)}` (expects {spec.expects})")
        _memory().values[key] = st.session_state[key] = value

    def _publish(self) -> None:
        """Make the browser's URL show this view (one message, only when it changed)."""
        query = self.query()
        if _current_query() != query:
            st.query_params.from_dict(query)
        written = _memory().written.setdefault(self.page_path, [])
        if query not in written:
            written.append(query)
            del written[:-_RECENT_URLS]

    # --- what the page shows -----------------------------------------------------------------------------------

    def show_notices(self) -> None:
        """A quiet toast naming what the link had that could not be used (nothing when all was fine)."""
        if self.notices:
            st.toast("Ignored in this link: " + "; ".join(self.notices), icon=":material/link_off:")

    def show_hidden_note(self) -> None:
        """A one-line note for the lecturer when a classroom link hides controls, with a way to show them."""
        if not self.hidden:
            return
        with st.container(horizontal=True, vertical_alignment="center", key="state_hidden_note"):
            st.caption(
                f":material/visibility_off: This link fixes {len(self.hidden)} control"
                f"{'s' if len(self.hidden) > 1 else ''} and hides {'them' if len(self.hidden) > 1 else 'it'}: "
                + ", ".join(f"`{name}`" for name in sorted(self.hidden))
            )
            st.button("Show all controls", key="state_show_hidden", on_click=self._show_all, type="tertiary")

    def _show_all(self) -> None:
        _memory().hidden.pop(self.page_path, None)

    def share(self) -> None:
        """ "Link to this view": the URL with the current state, and the embed variant for slides (copy buttons)."""
        with st.popover("Link to this view", icon=":material/link:", width="stretch"):
            st.caption("This view (hover the box for the copy button):")
            st.code(self.url(), language=None, wrap_lines=True)
            st.caption("For a slide (`embed=true`: no Streamlit toolbar; in an iframe on Community Cloud):")
            st.code(self.url(embed=True), language=None, wrap_lines=True)
            st.caption("Add `hide=` and names, e.g. `&hide=seed`, to fix controls and hide them.")

    # --- widgets -----------------------------------------------------------------------------------------------

    def _draw(self, name: str, kinds: tuple[type, ...], widget: Callable[..., Any], label: str, **kwargs) -> Any:
        spec, key = self._field(name)
        if not isinstance(spec, kinds):
            raise TypeError(f"field {name!r} is a {type(spec).__name__}, not one of {[k.__name__ for k in kinds]}")
        if name in self.hidden:
            return self[name]
        _memory().drawn.setdefault(self.page_path, set()).add(key)
        return widget(label, key=key, **kwargs)

    def slider(self, name: str, label: str, **kwargs) -> float | int | tuple[float, float]:
        """A slider over the field's bounds (a range slider for a :class:`FloatPair`); ``min_value`` /
        ``max_value`` / ``step`` given here narrow them for this drawing (the URL still accepts the field's)."""
        spec = self._field(name)[0]
        bounds = dict(min_value=spec.lo, max_value=spec.hi, step=getattr(spec, "step", None)) | kwargs
        return self._draw(name, (Float, Int, FloatPair), st.slider, label, **bounds)

    def number_input(self, name: str, label: str, **kwargs) -> float | int:
        """A number box over the field's bounds and step (``min_value`` / ``max_value`` / ``step`` given here
        narrow them for this drawing)."""
        spec = self._field(name)[0]
        bounds = dict(min_value=spec.lo, max_value=spec.hi, step=spec.step) | kwargs
        return self._draw(name, (Float, Int), st.number_input, label, **bounds)

    def select_slider(self, name: str, label: str, **kwargs) -> Any:
        return self._draw(name, (Choice,), st.select_slider, label, options=self._field(name)[0].options, **kwargs)

    def selectbox(self, name: str, label: str, **kwargs) -> Any:
        """A select box over the field's options; ``options`` given here narrow them for this drawing (a value
        outside them moves to the field's default if it is among them, else to the first)."""
        return self._draw(name, (Choice,), st.selectbox, label, options=self._narrowed(name, kwargs), **kwargs)

    def radio(self, name: str, label: str, **kwargs) -> Any:
        """Radio buttons over the field's options (narrowed as for :meth:`selectbox`)."""
        return self._draw(name, (Choice,), st.radio, label, options=self._narrowed(name, kwargs), **kwargs)

    def _narrowed(self, name: str, kwargs: dict) -> list:
        spec = self._field(name)[0]
        options = list(kwargs.pop("options", spec.options))
        if not options or any(option not in spec.options for option in options):
            raise ValueError(f"options for {name!r} must be some of {spec.options}")
        if self[name] not in options:
            self[name] = spec.default if spec.default in options else options[0]
        return options

    def multiselect(self, name: str, label: str, **kwargs) -> list:
        return self._draw(name, (Choices,), st.multiselect, label, options=self._field(name)[0].options, **kwargs)

    def text_input(self, name: str, label: str, **kwargs) -> str:
        spec = self._field(name)[0]
        return self._draw(name, (Text,), st.text_input, label, max_chars=spec.max_length, **kwargs)

    def toggle(self, name: str, label: str, **kwargs) -> bool:
        return self._draw(name, (Bool,), st.toggle, label, **kwargs)

    def checkbox(self, name: str, label: str, **kwargs) -> bool:
        return self._draw(name, (Bool,), st.checkbox, label, **kwargs)

    def tabs(self, name: str, **kwargs):
        """``st.tabs`` over the field's options, the open tab kept in the view (tabs are never hidden)."""
        spec, key = self._field(name)
        if not isinstance(spec, Choice):
            raise TypeError(f"field {name!r} is a {type(spec).__name__}, not a Choice")
        _memory().drawn.setdefault(self.page_path, set()).add(key)
        return st.tabs(list(spec.options), key=key, on_change="rerun", **kwargs)


def _part(query: Query, names: set[str]) -> Query:
    return {name: texts for name, texts in query.items() if name in names}


def _url_path(page_path: str) -> str:
    """The path of the page's URL: ``""`` for Home (the default page), else the script's name."""
    paths = {spec.path: "" if spec is HOME else spec.url_path for spec in all_pages()}
    if page_path not in paths:
        raise KeyError(f"no registered page {page_path!r}")
    return paths[page_path]


def open_view(page_path: str, fields: Fields | None = None) -> View:
    """Open the view of the page at ``page_path`` for this run: read the URL, restore the state, write the URL.

    ``fields`` are the page's own (by default ``PAGES[page_path]``; none for a page that declares none).
    ``app.py`` calls it once per run, after ``st.navigation`` and before the sidebar's widgets.
    """
    opened = View(page_path, PAGES.get(page_path, Fields()) if fields is None else fields)
    opened._sync()
    st.session_state[_VIEW_KEY] = opened
    return opened


def view() -> View:
    """The view ``app.py`` opened for this run (a page script's handle on its state)."""
    return st.session_state[_VIEW_KEY]


def query(page_path: str, *, hide: Iterable[str] = (), **values: Any) -> Query:
    """URL parameters that open the page at ``page_path`` in the state ``values`` (names checked, values too).

    Unlike the view's own URL this keeps values equal to their defaults, since a link sets every field of
    its page. Raises ``KeyError`` for a name the page does not declare and ``ValueError`` for a bad value.
    """
    fields = _with_app_fields(PAGES.get(page_path, Fields()))
    params: Query = {}
    for name, value in values.items():
        if name not in fields:
            raise KeyError(f"{page_path} has no field {name!r}; its fields are {sorted(fields)}")
        spec = fields[name][0]
        params[name] = spec.encode(spec.check(value))
    for name in hide:
        if name not in fields:
            raise KeyError(f"cannot hide {name!r}: {page_path} has no such field")
    if hide:
        params[HIDE] = sorted(hide)
    return params


def link(page_path: str, *, hide: Iterable[str] = (), **values: Any) -> str:
    """The app-relative URL of the page at ``page_path`` in the state ``values``, e.g. ``"/descent?lr=0.1"``."""
    params = query(page_path, hide=hide, **values)
    return f"/{_url_path(page_path)}" + ("?" + urlencode(params, doseq=True) if params else "")


# --- The app's fields ----------------------------------------------------------------------------------------------
# The app-wide fields, then each page's, by script path. (Proposed home: a ``fields`` attribute of ui.registry's
# PageSpec, so that a page is one registry entry; until then they are declared here.)

APP = Fields(
    **{
        PRESENTER_KEY: Bool(False),
        QUIZ_KEY: Bool(True),
        SEED_KEY: Int(DEFAULT_SEED, 0, 2**31 - 1),
    }
)

DESCENT_TABS = ("Explore", "Race", "Learning rate", "Batch size")
START_BOUND = 10.0  # every surface's plotted square lies within ±10 (the page narrows its sliders to the surface)


MAX_PASS_STEPS = 1 + MAX_LAYERS * MAX_WIDTH  # a pass stepped one neuron at a time through the largest traced network


def _hidden_activation_fields(default: str) -> dict[str, Registered]:
    """``act1`` .. : the activation of each hidden layer a traced network can have."""
    return {f"act{layer}": Registered(default, ACTIVATIONS.keys) for layer in range(1, MAX_LAYERS)}


def _hyperparameter_fields() -> dict[str, Float]:
    """One field per optimizer hyperparameter of the registry (momentum, β₁, ...), with its range and default."""
    return {h.name: Float(h.default, h.low, h.high, h.step) for spec in OPTIMIZERS.values() for h in spec.hyper}


PAGES: dict[str, Fields] = {
    HOME.path: Fields(
        "home",
        w=Float(1.5, -5.0, 5.0, 0.1),
        b=Float(0.0, -5.0, 5.0, 0.1),
        x=Float(1.0, -6.0, 6.0, 0.1),
    ),
    "app_pages/neuron.py": Fields(
        "neuron",
        n=Choice(2, (2, 3)),
        activation=Registered("sigmoid", ACTIVATIONS.keys),
        x1=Float(1.0, -3.0, 3.0, 0.1),
        w1=Float(0.8, -3.0, 3.0, 0.1),
        x2=Float(0.5, -3.0, 3.0, 0.1),
        w2=Float(1.2, -3.0, 3.0, 0.1),
        x3=Float(-1.0, -3.0, 3.0, 0.1),
        w3=Float(-0.6, -3.0, 3.0, 0.1),
        b=Float(0.2, -3.0, 3.0, 0.1),
        gate=Choice("AND", tuple(LOGIC_GATES)),
        lr=Float(0.1, 0.05, 1.0, 0.05),
        step=Int(0, 0, len(GATE_INPUTS) * PERCEPTRON_EPOCHS),
    ),
    "app_pages/losses.py": Fields(
        "loss",
        kind=Registered("bce", pair_losses),
        label=Choice(1, (1, 0)),
        prediction=Float(0.2, 0.0, 1.0, 0.01),
        preset=Choice(next(iter(BATCH_PRESETS)), tuple(BATCH_PRESETS)),
        z0=Float(2.0, -5.0, 5.0, 0.1),
        z1=Float(0.5, -5.0, 5.0, 0.1),
        z2=Float(-1.0, -5.0, 5.0, 0.1),
        target=Choice(0, (0, 1, 2)),
        grad_label=Choice(1, (1, 0)),
    ),
    "app_pages/activations.py": Fields(
        "act",
        selected=RegisteredChoices(("sigmoid",), ACTIVATIONS.keys),
        range=FloatPair((-6.0, 6.0), -10.0, 10.0),
        show_derivative=Bool(True),
        probe=Float(1.0, -10.0, 10.0, 0.1),
        logits=Text("2.0, 1.0, 0.1, -1.0", 200),
        temperature=Float(1.0, 0.1, 5.0, 0.1),
    ),
    "app_pages/forward.py": Fields(
        "fwd",
        sizes=Text("2, 3, 2", 60),
        x=Text("1.0, -0.5", 200),
        **_hidden_activation_fields("relu"),
        out=Registered("softmax", output_activations),
        detailed=Bool(False),
        step=Int(0, 0, MAX_PASS_STEPS),
    ),
    "app_pages/backprop.py": Fields(
        "bp",
        sizes=Text("2, 3, 2", 60),
        loss=Registered("mse", traced_losses),
        x=Text("1.0, -0.5", 200),
        y=Text("1, 0", 200),  # the target of a loss on values or probabilities
        y_class=Text("1", 20),  # the target class of a loss on classes
        **_hidden_activation_fields("sigmoid"),
        out=Registered("sigmoid", output_activations),
        detailed=Bool(False),
        step=Int(0, 0, MAX_PASS_STEPS),
        w_layer=Choice(1, tuple(range(1, MAX_LAYERS + 1))),
        w_i=Choice(0, tuple(range(MAX_WIDTH))),
        w_j=Choice(0, tuple(range(MAX_WIDTH))),
        lr=Float(0.5, 0.01, 2.0, 0.01),
        depth=Int(10, 2, 20),
        width=Int(6, 2, 16),
    ),
    "app_pages/descent.py": Fields(
        "descent",
        tab=Choice("Explore", DESCENT_TABS),
        surface=Choice("bowl", tuple(surfaces.SURFACES)),
        condition=Float(10.0, 1.0, 50.0, 1.0),
        steps=Int(200, 1, descent.MAX_STEPS, 50),
        schedule=Choice("constant", descent.SCHEDULES),
        optimizer=Registered("sgd", OPTIMIZERS.keys),
        lr=Float(None, -MAX_LEARNING_RATE, MAX_LEARNING_RATE),  # None: the rate that suits surface and optimizer
        **_hyperparameter_fields(),
        w1=Float(None, -START_BOUND, START_BOUND, 0.01),  # None: the surface's own start
        w2=Float(None, -START_BOUND, START_BOUND, 0.01),
        t=Int(0, 0, descent.MAX_STEPS),
        arrow=Bool(True),
        view3d=Bool(False),
        race=RegisteredChoices(("sgd", "momentum", "rmsprop", "adam"), OPTIMIZERS.keys),
        scale=Choice(1.0, (0.1, 0.3, 1.0, 3.0, 10.0)),
        preset=Choice("Good", tuple(preset.name for preset in descent.learning_rate_presets(10.0))),
        batch=Int(16, 2, 100),
        batch_lr=Float(0.5, 0.05, 2.0, 0.05),
    ),
    "app_pages/playground.py": Fields(
        "pg",
        problem=Registered("circle", PROBLEMS.keys),
        classes=Int(3, 2, MAX_CLASSES),
        noise=Float(0.1, 0.0, 0.5, 0.05),
        points=Int(400, 40, MAX_SAMPLES, 40),
        train=Float(0.5, 0.1, 0.9, 0.1),
        data=Choice("toy", ("toy", "yours")),
        features=Choices(PLAIN, tuple(FEATURES)),
        hidden=Text("4, 4", 60),
        activation=Registered("tanh", trainable_activations),
        acts=Text("", 100),  # one activation per hidden layer, "relu, tanh"; "" = `activation` everywhere
        optimizer=Registered("sgd", OPTIMIZERS.keys),
        lr=Choice(0.03, LEARNING_RATES),
        batch=Choice(10, BATCH_SIZES),
        l1=Choice(0.0, PENALTIES),
        l2=Choice(0.0, PENALTIES),
        loss=Choice(LOSSES_OF_TASK["regression"][0], LOSSES_OF_TASK["regression"]),  # a regression's
        epochs=Int(2000, 1, MAX_EPOCHS),
        discretize=Bool(False),
        test=Bool(True),
    ),
    "app_pages/inspect.py": Fields(
        "inspect",
        order=Choice("most confident first", ("most confident first", "least confident first")),
        image=Int(0, 0, 9_999),
    ),
    "app_pages/train.py": Fields(
        "train",
        tutorial=Choice("002", tuple(RECIPES)),
        lr=Choice(1e-3, LEARNING_RATES),
        epochs=Int(5, 1, MAX_EPOCHS),
    ),
}
