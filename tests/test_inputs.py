"""nnviz.inputs: every typed value is read as typed or refused with a short message that says the bound and why."""

from __future__ import annotations

import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnviz.inputs import (
    EXCERPT_CHARS,
    MAX_NUMBER_CHARS,
    MAX_TEXT_CHARS,
    Bound,
    InputError,
    check_number,
    excerpt,
    parse_class_index,
    parse_number,
    parse_numbers,
    parse_whole_numbers,
)
from tests.test_fuzz import HOSTILE_TEXT, MAX_MESSAGE_CHARS, PYTHON_INTERNALS

INPUTS = Bound(-1e3, 1e3, "the numbers stay readable on screen")
SIX = Bound(1, 6, "a layer has at most 6 neurons")
WIDTHS = Bound(1, 256, "wider layers do not train live on a shared CPU")
LAYERS = Bound(0, 6, "deeper networks do not fit the drawing")


def inputs(text: str) -> list[float]:
    return parse_numbers(text, what="inputs x", values=INPUTS, count=SIX)


def widths(text: str) -> list[int]:
    return parse_whole_numbers(text, what="hidden layers", values=WIDTHS, count=LAYERS, dashes=True)


def target(text: str) -> int:
    return parse_class_index(text, 2, what="target class")


def rate(text: str) -> float:
    return parse_number(text, what="learning rate", values=Bound(0, 10, "larger rates always diverge"))


PARSERS = (inputs, widths, target, rate)


def refusal(parse, text: str) -> str:
    with pytest.raises(InputError) as refused:
        parse(text)
    return str(refused.value)


# --- read as typed ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1, -0.5 2", [1.0, -0.5, 2.0]),
        ("1;2", [1.0, 2.0]),
        ("1\t2\n3", [1.0, 2.0, 3.0]),
        (" -3 ", [-3.0]),
        ("+4, .5, 5., 2e-3, 1E2", [4.0, 0.5, 5.0, 0.002, 100.0]),
        ("1e-39", [1e-39]),
        ("-0", [0.0]),
    ],
)
def test_numbers_are_read_as_typed(text, numbers):
    assert inputs(text) == numbers


@pytest.mark.parametrize(
    ("text", "sizes"),
    [("8, 8", [8, 8]), ("8-8", [8, 8]), ("4;4 2", [4, 4, 2]), ("8.0, +16, 1e2", [8, 16, 100]), ("", []), (" ", [])],
)
def test_widths_are_read_as_typed_including_dashes(text, sizes):
    assert widths(text) == sizes


def test_dashes_separate_only_between_digits_and_only_when_asked():
    assert parse_whole_numbers(
        "784-128-10", what="sizes", values=Bound(1, 1024, "r"), count=Bound(2, 5, "r"), dashes=True
    ) == [
        784,
        128,
        10,
    ]
    assert "“8-8” is not a number" in refusal(inputs, "8-8")
    assert "“-3” is out of range; keep it from 1 to 256" in refusal(widths, "8, -3")
    assert "“8--8” is not a number" in refusal(widths, "8--8")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=6))
def test_any_list_in_bounds_round_trips_exactly(numbers):
    assert inputs(", ".join(repr(x) for x in numbers)) == numbers


# --- refused, with the bound and why ----------------------------------------------------------------------------------


def test_a_minus_sign_is_never_dropped():
    assert inputs("-3") == [-3.0]
    assert refusal(widths, "-3") == (
        "Hidden layers: “-3” is out of range; keep it from 1 to 256 (wider layers do not train live on a shared CPU)."
    )
    assert "“-3” is out of range; keep it from 0 to 1" in refusal(target, "-3")


def test_one_class_index_means_one_value():
    assert target("1") == 1
    assert refusal(target, "0, 1") == "Target class: type one class index from 0 to 1; got 2 values, “0, 1”."
    assert refusal(rate, "0.1 0.2") == "Learning rate: type 1 value, got 2 (this field holds a single number)."
    assert "not a whole number" in refusal(target, "0.5")
    assert "from 0 to 1" in refusal(target, "2")


@pytest.mark.parametrize("text", ["1e39", "-1e39", "1e400", "99999", "1e308"])
def test_huge_numbers_are_out_of_range_not_infinite(text):
    for parse in PARSERS:
        message = refusal(parse, text)
        assert f"“{text}” is out of range; keep it" in message
        assert "inf" not in message


@pytest.mark.parametrize("text", ["nan", "NaN", "-nan", "inf", "-inf", "+Infinity", "infinity"])
def test_nan_and_infinity_are_refused(text):
    for parse in PARSERS:
        assert f"“{text}” is not a finite number; NaN and infinity cannot be used." in refusal(parse, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("²", "“²” (superscript two) is not one of the digits 0–9; write it as 2."),
        ("٣", "“٣” (arabic-indic digit three) is not one of the digits 0–9; write it as 3."),
        ("３", "“３” (fullwidth digit three) is not one of the digits 0–9; write it as 3."),
        ("1²", "“1²” contains “²” (superscript two), not one of the digits 0–9; write it as 2."),
        ("², 3", "“²” (superscript two) is not one of the digits 0–9; write it as 2."),
        ("Ⅻ", "“Ⅻ” (roman numeral twelve) is not one of the digits 0–9; write it as 12."),
        ("½", "“½” (vulgar fraction one half) is not one of the digits 0–9; write it as 0.5."),
    ],
)
def test_unicode_digits_are_refused_with_a_readable_hint(text, message):
    assert float("٣") == 3.0, "Python's float reads some of these, which is why nnviz does not use it on raw text"
    assert refusal(inputs, text) == f"Inputs x: {message}"


def test_a_5000_digit_number_is_refused_in_our_words():
    for parse in PARSERS:
        message = refusal(parse, "9" * 5000)
        assert "5,000 characters long; at most 1,000 are read" in message
        assert "Exceeds the limit" not in message and "digits" not in message
    long_number = "9" * 100
    assert f"is 100 characters long; a number here has at most {MAX_NUMBER_CHARS}" in refusal(inputs, long_number)
    assert refusal(widths, long_number).count("9") <= EXCERPT_CHARS + 2  # "17 significant digits" has none


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_empty_input_is_refused_with_an_example(parse, text):
    if parse is widths:
        assert widths(text) == [], "no hidden layer is a valid network"
        return
    assert "e.g." in refusal(parse, text)


@pytest.mark.parametrize("text", ["1,,2", "8, 8,", ", 1"])
def test_an_empty_place_between_commas_is_refused_not_skipped(text):
    assert "has an empty place between commas" in refusal(inputs, text)


@pytest.mark.parametrize("text", ["0x10", "1_000", "1e", "-", "😀", "1, 😀", "True", "[1, 2]", "1/2"])
def test_anything_else_is_not_a_number(text):
    message = refusal(inputs, text)
    assert "is not a number" in message or "not one of the digits 0–9" in message


def test_too_many_values_name_the_bound_and_why():
    assert refusal(inputs, "1, 2, 3, 4, 5, 6, 7") == (
        "Inputs x: type from 1 to 6 values, got 7 (a layer has at most 6 neurons)."
    )
    assert refusal(widths, "8 8 8 8 8 8 8").endswith("got 7 (deeper networks do not fit the drawing).")
    assert "2.5” is not a whole number; type one like 2" in refusal(widths, "2.5")


def test_a_tiny_number_that_float64_cannot_hold_is_refused_not_zeroed():
    assert "“1e-400” is too close to 0 for float64" in refusal(inputs, "1e-400")
    assert inputs("0e-400, 0.000") == [0.0, 0.0]


def test_messages_quote_only_a_short_excerpt():
    junk = "x" * (MAX_TEXT_CHARS - 1)
    message = refusal(inputs, junk)
    assert f"“{'x' * EXCERPT_CHARS}…”" in message and "x" * (EXCERPT_CHARS + 1) not in message
    assert len(refusal(inputs, "x" * 20_000)) < 150
    assert excerpt("a  b\n\nc") == "“a b c”"
    assert excerpt("y" * 30, limit=5) == "“yyyyy…”"


def test_a_huge_paste_is_refused_on_its_length_alone():
    paste = "1, " * 3_500_000  # about 10 MB
    start = time.perf_counter()
    message = refusal(inputs, paste)
    assert time.perf_counter() - start < 0.02, "no splitting or parsing before the length check"
    assert message.startswith("Inputs x: the text is 10,500,000 characters long; at most 1,000 are read")


@pytest.mark.parametrize("parse", PARSERS)
@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_every_hostile_value_is_read_or_refused_in_plain_words(parse, text):
    try:
        parse(text)
    except InputError as error:
        message = str(error)
        assert len(message) <= MAX_MESSAGE_CHARS
        assert not [phrase for phrase in PYTHON_INTERNALS if phrase in message]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_values_in_bounds_or_an_input_error(text):
    for parse, values, count in ((inputs, INPUTS, SIX), (widths, WIDTHS, LAYERS)):
        try:
            result = parse(text)
        except InputError as error:
            assert len(str(error)) <= MAX_MESSAGE_CHARS
            continue
        assert len(result) in count
        assert all(x in values and math.isfinite(x) for x in result)


# --- numbers that arrive parsed, and the bounds themselves ------------------------------------------------------------


def test_check_number_passes_values_in_range_and_refuses_the_rest():
    lr = Bound(0, 10, "larger rates always diverge")
    assert check_number(0.1, what="learning rate", values=lr) == 0.1
    assert check_number(10, what="learning rate", values=lr) == 10
    with pytest.raises(InputError) as refused:
        check_number(1e39, what="learning rate", values=lr)
    assert (
        str(refused.value)
        == "Learning rate: 1e+39 is out of range; keep it from 0 to 10 (larger rates always diverge)."
    )
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(InputError, match="not a finite number"):
            check_number(bad, what="learning rate", values=lr)


def test_bounds_describe_themselves_and_refuse_to_be_upside_down():
    assert Bound(-1e3, 1e3, "r").describe() == "within ±1,000"
    assert Bound(1, 6, "r").describe() == "from 1 to 6"
    assert Bound(1e-5, 10, "r").describe() == "from 1e-05 to 10"
    assert 3 in Bound(1, 6, "r") and 7 not in Bound(1, 6, "r")
    with pytest.raises(ValueError, match="low <= high"):
        Bound(2, 1, "r")
    assert issubclass(InputError, ValueError), "pages and ui.explain_errors treat it as a refusal"
