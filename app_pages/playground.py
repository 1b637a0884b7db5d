"""Placeholder while the page is built (this session): it says so instead of failing."""

import streamlit as st

import ui

ui.page_header("Playground", "This page is being built.")
st.info("Coming in this session's next commits.", icon=":material/construction:")
ui.next_concept()
