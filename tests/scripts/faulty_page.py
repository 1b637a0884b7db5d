"""A page with one fault of each kind the fuzzer looks for, for tests/test_fuzz.py's test of the fuzzer itself.

Run with the fuzzer's time budget at 1 s and its memory budget at 100 MB.
"""

import time

import streamlit as st

from ui.errors import explain_errors

value = st.text_input("Value", "fine", key="value")
mode = st.selectbox("Mode", ["calm", "slow", "hungry"], key="mode")
level = st.slider("Level", 0, 10, 5, key="level")

if value == "-3":
    int(float("inf"))  # an exception on the page
if value == "0, 1":
    st.error("x" * 1000)  # a message that echoes a wall of text
if value == "²":
    st.error("invalid literal for int() with base 10: '²'")  # Python's words
if value == "1e39":
    with explain_errors():
        raise RuntimeError("a fault, not a refusal")  # the "Something went wrong" box
if mode == "slow":
    time.sleep(1.5)
if mode == "hungry":
    ballast = b"\x01" * (300 * 2**20)  # 300 MB, every page touched
st.write({0: "low", 5: "middle"}[level] if level < 10 else {}[level])
