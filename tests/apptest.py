"""Helpers for driving the app headless with Streamlit's AppTest."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT_S = 120  # torch imports and first runs take seconds on a 2-core CI machine


def open_page(path: str, query: dict | None = None) -> AppTest:
    """A fresh session running app.py (navigation + sidebar) on the page script at ``path``, with ``query`` in
    its URL (a copied link)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT_S)
    at.switch_page(path)
    at.query_params.update(query or {})
    return at.run()


def query(at: AppTest) -> dict:
    """The URL parameters the page wrote (what the browser's address bar shows), a list for repeated ones."""
    return {name: at.query_params[name] for name in at.query_params}


def plotly_specs(at: AppTest) -> list[dict]:
    """The plotly figures on the current page as dicts (``data``, ``layout``, ``frames``)."""
    return [json.loads(element.proto.spec) for element in at.get("plotly_chart")]


def click(at, key: str, points: list[dict]):
    """Run the page as the browser does after a click on the plotly chart ``key`` (its on_select event)."""
    chart = next(el for el in at.get("plotly_chart") if key in el.proto.id)
    states = at._tree.get_widget_states()
    merged = WidgetStates()
    merged.widgets.extend(w for w in states.widgets if w.id != chart.proto.id)
    event = merged.widgets.add()
    event.id = chart.proto.id
    event.string_value = json.dumps({"selection": {"points": points, "point_indices": [0], "box": [], "lasso": []}})
    return at._run(merged)
