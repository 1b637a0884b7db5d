"""The shared figure style: presenter mode scales every font, line and marker, not just the page text."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from nnviz.figures.style import BASE_FONT_SIZE, PRESENTER_SCALE, presenter, styled


def test_presenter_scales_fonts_lines_markers_and_annotations():
    fig = styled(
        go.Figure(
            [
                go.Scatter(
                    x=[0, 1],
                    y=[0, 1],
                    mode="lines+markers+text",
                    line=dict(width=2),
                    marker=dict(size=8),
                    text=["a", "b"],
                    textfont=dict(size=12),
                    name="curve",
                ),
                go.Heatmap(z=[[0, 1], [1, 0]]),
                go.Bar(x=[1], y=[2], marker=dict(color="red")),  # a bar's marker has no size
            ]
        ),
        title="A title",
    )
    fig.add_annotation(x=0.5, y=0.5, text="note", font=dict(size=13))
    scaled = presenter(go.Figure(fig))
    curve = scaled.data[0]
    assert curve.line.width == pytest.approx(2 * PRESENTER_SCALE)
    assert curve.marker.size == pytest.approx(8 * PRESENTER_SCALE)
    assert curve.textfont.size == round(12 * PRESENTER_SCALE)
    assert scaled.layout.annotations[0].font.size == round(13 * PRESENTER_SCALE)
    assert scaled.layout.font.size == round(BASE_FONT_SIZE * PRESENTER_SCALE)
    assert fig.data[0].line.width == 2  # the original is left as it was (ui.show_figure scales a copy)
