"""The shared class-probability bar chart."""

import torch

from nnviz.figures.probabilities import probability_bars
from nnviz.figures.style import HIGHLIGHT, PALETTE


def test_bars_show_the_probabilities_as_percentages_and_mark_one_class():
    probabilities = torch.softmax(torch.tensor([0.3, 2.0, -1.0]), dim=0)
    fig = probability_bars(["a", "b", "c"], probabilities, marked=1, title="softmax")
    bars = fig.data[0]
    assert list(bars.y) == probabilities.tolist()
    assert list(bars.text) == [f"{p:.1%}" for p in probabilities.tolist()]
    assert list(bars.marker.color) == [PALETTE[0], HIGHLIGHT, PALETTE[0]]
    assert fig.layout.title.text == "softmax"
    assert fig.layout.xaxis.title.text == "class" and fig.layout.yaxis.title.text == "probability"
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] > 1  # room for the labels above 100 %
