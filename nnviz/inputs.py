"""What people type, read strictly: a number, a list of numbers, whole numbers, a class index — each bounded.

Every text box of the app goes through here. A value is read exactly as typed or refused with an
:class:`InputError` whose message names the field, says what is wrong, the bound and why, and quotes at most
:data:`EXCERPT_CHARS` characters of the input. Nothing is silently changed or dropped:

- ``"-3"`` is minus three (a width of -3 is refused, never read as 3);
- ``"0, 1"`` is two values (refused where one class index is expected, never cut to ``0``);
- ``"1e39"`` is a finite number out of range (refused, never turned into infinity); ``nan`` and ``inf`` are refused;
- only the ASCII digits 0–9 make a number: ``"²"`` and ``"٣"`` are refused with a hint (Python's ``float`` would
  quietly read ``"٣"`` as 3), and so are ``"1_000"``, ``"0x10"`` and other Python-only spellings;
- an empty place between two commas (``"1,,2"``, ``"8, 8,"``) is refused rather than skipped.

Values are separated by commas, semicolons and/or whitespace; for layer widths a dash between two digits also
separates (``"784-128-10"``), so a leading minus still reads as a sign. Cost is bounded before any work: a text
longer than :data:`MAX_TEXT_CHARS` is refused on its length alone, and a number longer than
:data:`MAX_NUMBER_CHARS` characters is never converted.

>>> parse_numbers("1, -0.5 2", what="inputs", values=Bound(-1e3, 1e3, "readable"), count=Bound(1, 6, "6 neurons"))
[1.0, -0.5, 2.0]
>>> parse_whole_numbers("784-128-10", what="layer sizes", values=Bound(1, 1024, "fast"), count=Bound(2, 5, "5 layers"),
...                     dashes=True)
[784, 128, 10]
>>> parse_class_index("1", n_classes=3, what="target class")
1
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

MAX_TEXT_CHARS = 1_000
"""Longest text read at all: far more than any hand-typed list of numbers; a longer paste costs one ``len``."""
MAX_NUMBER_CHARS = 32
"""Longest single number: float64 holds about 17 significant digits, so more characters add cost, not precision."""
EXCERPT_CHARS = 24
"""How much of the input a message quotes: enough to recognise it, never a wall of pasted text."""

_SEPARATORS = re.compile(r"[,;]")
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=[0-9])-(?=[0-9])")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NAN = {"nan", "+nan", "-nan"}
_INFINITY = {sign + word for sign in ("", "+", "-") for word in ("inf", "infinity")}


class InputError(ValueError):
    """Typed input that nnviz refuses; the message is written for the person who typed it."""


@dataclass(frozen=True)
class Bound:
    """The closed range ``[low, high]`` a value (or a count of values) must lie in, and why, for the message.

    ``why`` completes "…, got 2,000 (<why>)", e.g. ``"more make the K×K Jacobian unreadable and slow"``.
    """

    low: float
    high: float
    why: str

    def __post_init__(self) -> None:
        if not self.low <= self.high:
            raise ValueError(f"A bound needs low <= high, got [{self.low}, {self.high}].")

    def __contains__(self, value: float) -> bool:
        return self.low <= value <= self.high

    def describe(self) -> str:
        """``"within ±1,000"`` for a symmetric range, else ``"from 1 to 6"``."""
        if self.low == -self.high:
            return f"within ±{_format(self.high)}"
        return f"from {_format(self.low)} to {_format(self.high)}"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` in quotes with whitespace runs shown as one space, cut to ``limit`` characters plus "…"."""
    flat = " ".join(text.split())
    return f"“{flat}”" if len(flat) <= limit else f"“{flat[:limit]}…”"


def check_number(value: float, *, what: str, values: Bound) -> float:
    """``value`` itself when it is finite and inside ``values``; else an :class:`InputError` saying the bound and why.

    For numbers that arrive already parsed (a ``number_input``, a table cell).
    """
    if math.isnan(value) or math.isinf(value):
        raise InputError(f"{_field(what)}: {_format(value)} is not a finite number; NaN and infinity cannot be used.")
    if value not in values:
        raise InputError(
            f"{_field(what)}: {_format(value)} is out of range; keep it {values.describe()} ({values.why})."
        )
    return value


def parse_number(text: str, *, what: str, values: Bound, example: str = "0.5") -> float:
    """One number typed as text, e.g. ``"-0.5"`` or ``"2e-3"``, inside ``values``."""
    (number,) = parse_numbers(
        text, what=what, values=values, count=Bound(1, 1, "this field holds a single number"), example=example
    )
    return number


def parse_numbers(text: str, *, what: str, values: Bound, count: Bound, example: str = "1, -0.5") -> list[float]:
    """Numbers separated by commas and/or spaces, e.g. ``"1, -0.5 2"``, each inside ``values``, as many as ``count``.

    Raises:
        InputError: for anything else (see the module docstring), naming the field, the bound and why.
    """
    numbers = [_to_number(token, what, values) for token in _split(text, what, example, dashes=False)]
    return _counted(numbers, what, count, example)


def parse_whole_numbers(
    text: str, *, what: str, values: Bound, count: Bound, example: str = "8, 8", dashes: bool = False
) -> list[int]:
    """Whole numbers such as layer widths, ``"8, 8"`` (and ``"8-8"`` when ``dashes``); ``count.low == 0`` allows none.

    A whole number may be written ``8``, ``+8``, ``8.0`` or ``1e2``; ``2.5`` is refused, and so is ``-3`` when
    ``values`` starts at 1 (the minus sign is read, never dropped).
    """
    numbers = [_to_whole(token, what, values) for token in _split(text, what, example, dashes=dashes)]
    return _counted(numbers, what, count, example)


def parse_class_index(text: str, n_classes: int, *, what: str = "class index") -> int:
    """Exactly one whole number from 0 to ``n_classes - 1``: ``"0, 1"`` is refused, not read as 0."""
    classes = Bound(0, n_classes - 1, f"one index per class, counted from 0, and there are {n_classes}")
    tokens = _split(text, what, example=str(n_classes - 1), dashes=False)
    if not tokens:
        raise InputError(f"{_field(what)}: type one class index {classes.describe()}, e.g. {n_classes - 1}.")
    if len(tokens) > 1:
        raise InputError(
            f"{_field(what)}: type one class index {classes.describe()}; got {_values(len(tokens))}, {excerpt(text)}."
        )
    return _to_whole(tokens[0], what, classes)


def _split(text: str, what: str, example: str, *, dashes: bool) -> list[str]:
    """The values in ``text`` as strings (``[]`` when it is blank), after the length and empty-place checks."""
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"{_field(what)}: the text is {len(text):,} characters long; at most {MAX_TEXT_CHARS:,} are read "
            "(a typed list of numbers is far shorter)."
        )
    pieces = [piece.split() for piece in _SEPARATORS.split(text)]
    if all(not piece for piece in pieces):
        return []
    if any(not piece for piece in pieces):
        raise InputError(
            f"{_field(what)}: {excerpt(text)} has an empty place between commas (or a comma at an end); "
            f"write one value between each two commas, e.g. {example}."
        )
    tokens = [token for piece in pieces for token in piece]
    if dashes:
        tokens = [part for token in tokens for part in _DASH_BETWEEN_DIGITS.split(token)]
    return tokens


def _counted(numbers: list, what: str, count: Bound, example: str) -> list:
    """``numbers`` when how many there are lies inside ``count``; blank input gets an example.

    Counted after each value is read (a text is at most :data:`MAX_TEXT_CHARS` long, so that is cheap), so that a
    value that is no number is named as such rather than miscounted (``"784-x-10"`` is one token).
    """
    if not numbers and count.low > 0:
        raise InputError(f"{_field(what)}: type at least one value, e.g. {example}.")
    if len(numbers) not in count:
        amount = _values(int(count.low)) if count.low == count.high else f"{count.describe()} values"
        raise InputError(f"{_field(what)}: type {amount}, got {len(numbers):,} ({count.why}).")
    return numbers


def _to_number(token: str, what: str, values: Bound | None) -> float:
    """One token as a float (inside ``values`` unless None), or the reason it is none."""
    if len(token) > MAX_NUMBER_CHARS:
        raise InputError(
            f"{_field(what)}: {excerpt(token)} is {len(token):,} characters long; a number here has at most "
            f"{MAX_NUMBER_CHARS} (float64 keeps about 17 significant digits)."
        )
    if not _NUMBER.fullmatch(token):
        raise InputError(f"{_field(what)}: {_not_a_number(token)}")
    number = float(token)
    if number == 0 and any(digit in "123456789" for digit in token.lower().partition("e")[0]):
        raise InputError(f"{_field(what)}: {excerpt(token)} is too close to 0 for float64, which ends near 1e-308.")
    if values is not None:
        _check_range(number, token, what, values)
    return number


def _to_whole(token: str, what: str, values: Bound) -> int:
    """One token as an int inside ``values`` (written as a whole number, in any float spelling)."""
    number = _to_number(token, what, None)
    if math.isfinite(number) and not number.is_integer():
        raise InputError(f"{_field(what)}: {excerpt(token)} is not a whole number; type one like {math.floor(number)}.")
    _check_range(number, token, what, values)
    return int(number)


def _check_range(number: float, token: str, what: str, values: Bound) -> None:
    """Refuse ``number`` (read from ``token``) outside ``values``; a literal like 1e400 arrives here as infinity."""
    if number not in values:
        raise InputError(
            f"{_field(what)}: {excerpt(token)} is out of range; keep it {values.describe()} ({values.why})."
        )


def _not_a_number(token: str) -> str:
    """Why ``token`` (which failed the number grammar) is not a number, with a hint where one helps."""
    if token.lower() in _NAN | _INFINITY:
        return f"{excerpt(token)} is not a finite number; NaN and infinity cannot be used."
    for char in token:
        if char not in "0123456789" and unicodedata.category(char) in ("Nd", "No", "Nl"):
            name = unicodedata.name(char, "a special digit").lower()
            value = unicodedata.numeric(char, None)
            hint = f"write it as {_format(value)}" if value is not None else "type it with the digits 0–9"
            culprit = f"“{char}” ({name}) is" if token == char else f"{excerpt(token)} contains “{char}” ({name}),"
            return f"{culprit} not one of the digits 0–9; {hint}."
    return f"{excerpt(token)} is not a number; type numbers like 1, -0.5 or 2e-3."


def _values(n: int) -> str:
    """``"1 value"``, ``"2,000 values"``."""
    return f"{n:,} value" if n == 1 else f"{n:,} values"


def _field(what: str) -> str:
    """The field's name at the start of a message: ``"layer sizes"`` -> ``"Layer sizes"``."""
    return what[:1].upper() + what[1:]


def _format(x: float) -> str:
    """A bound or value for a message: whole numbers with thousands separators, others in ``%g``."""
    if math.isfinite(x) and float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:g}"
