"""Helpers for driving the app headless with Streamlit's AppTest."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 120  # torch imports and first runs take seconds on a 2-core CI machine


def open_page(path: str) -> AppTest:
    """Run app.py (navigation + sidebar) and switch to the page script at ``path``."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S).run()
    return at.switch_page(path).run()


def plotly_specs(at: AppTest) -> list[dict]:
    """The plotly figures on the current page as dicts (``data``, ``layout``, ``frames``)."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]
