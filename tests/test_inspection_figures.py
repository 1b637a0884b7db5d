"""Figures of a model's insides: traces, axes, captions and the clickable overlay, checked without a browser."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest
import torch

from nnviz.datasets import load_dataset
from nnviz.drawing import prepare_drawing
from nnviz.figures import inspection as figures
from nnviz.figures.style import DIVERGING_SCALE, HIGHLIGHT, NEUTRAL, POSITIVE
from nnviz.figures.training import confusion_counts
from nnviz.inspection import HistogramRecorder, first_layer_weights, layer_activations, predict
from nnviz.models import SimpleNN, SimpleNNDeep, mlp
from tests.test_drawing import stroke_canvas


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def predictions(digits):
    model = mlp((64, 16, 10))
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.3)
    return predict(model, digits.x_test, digits.y_test)


def _heatmaps(fig):
    return [trace for trace in fig.data if trace.type == "heatmap"]


def test_the_input_image_is_one_heatmap_of_the_pixels_row_zero_on_top():
    image = prepare_drawing(stroke_canvas()).image
    fig = figures.input_image(image)
    (heatmap,) = _heatmaps(fig)
    np.testing.assert_array_equal(np.asarray(heatmap.z), image.numpy())
    assert (heatmap.zmin, heatmap.zmax) == (0.0, 1.0)
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.title.text == "What the network sees"


@pytest.mark.parametrize("shape", [(28, 28), (8, 8)])
def test_the_drawing_steps_show_crop_scale_and_input_side_by_side(shape):
    drawing = prepare_drawing(stroke_canvas(size=560), shape)
    fig = figures.drawing_steps(drawing)
    cropped, scaled, image = _heatmaps(fig)
    assert max(np.asarray(cropped.z).shape) <= figures.MAX_PANEL_SIDE  # a big crop is subsampled for display
    np.testing.assert_array_equal(np.asarray(scaled.z), drawing.scaled.numpy())
    np.testing.assert_array_equal(np.asarray(image.z), drawing.image.numpy())
    captions = [a.text for a in fig.layout.annotations]
    assert len(captions) == 3 and captions[0] == "cropped to the ink"
    assert f"{shape[0]}×{shape[1]}" in captions[2]


def test_hidden_activations_show_every_unit_of_every_layer_in_one_trace():
    model = SimpleNNDeep()
    layers = layer_activations(model, torch.rand(3, 784, generator=torch.Generator().manual_seed(0)))
    fig = figures.hidden_activations(layers[:-1], sample=2)
    (heatmap,) = fig.data
    data = np.asarray(heatmap.customdata)  # (rows, columns, [unit, a])
    cells = data[np.asarray(heatmap.z, dtype=float) == np.asarray(heatmap.z, dtype=float)]  # the non-NaN cells
    expected = np.concatenate([layer.a[2].numpy() for layer in layers[:-1]])
    np.testing.assert_allclose(cells[:, 1], expected)
    assert cells[:, 0].tolist() == list(range(1, 129)) + list(range(1, 65))
    assert (heatmap.zmin, heatmap.zmax) == (-1.0, 1.0)
    assert [tuple(c) for c in heatmap.colorscale] == [tuple(c) for c in DIVERGING_SCALE]
    z = np.asarray(heatmap.z, dtype=float)
    assert np.nanmax(np.abs(z)) == pytest.approx(1.0)  # a ReLU layer is scaled by its largest activation
    active = int((layers[0].a[2] != 0).sum())
    assert [a.text for a in fig.layout.annotations][0] == f"layer 1 · layers.0 · relu · {active} of 128 active"


def test_saturating_activations_keep_their_own_range():
    model = mlp((64, 12, 10), ("tanh", "linear"))
    layers = layer_activations(model, torch.full((1, 64), 0.01))
    (heatmap,) = figures.hidden_activations(layers[:1]).data
    z = np.asarray(heatmap.z, dtype=float)
    np.testing.assert_allclose(z[~np.isnan(z)], layers[0].a[0].numpy(), rtol=1e-6)  # a / 1, not a / max|a|


def test_the_weight_mosaic_is_one_heatmap_with_a_tile_per_unit_on_a_symmetric_scale():
    weights = first_layer_weights(SimpleNN(), (28, 28))
    fig = figures.weight_mosaic(weights)
    assert len(fig.data) == 1
    heatmap = fig.data[0]
    z = np.asarray(heatmap.z, dtype=np.float32)
    assert z.shape == (8 * 29 - 1, 16 * 29 - 1)  # 128 tiles: 16 across, 8 down, one pixel apart
    unit = 16 + 3  # unit 20: second tile row, fourth tile
    np.testing.assert_array_equal(z[29 : 29 + 28, 3 * 29 : 3 * 29 + 28], weights[unit].numpy())
    assert np.asarray(heatmap.customdata)[29, 3 * 29] == unit + 1
    assert np.isnan(z[28]).all() and np.isnan(z[:, 28]).all()  # the gaps
    limit = float(weights.abs().max())
    assert heatmap.zmax == pytest.approx(limit) and heatmap.zmin == -heatmap.zmax
    assert [tuple(c) for c in heatmap.colorscale] == [tuple(c) for c in DIVERGING_SCALE]
    assert len(pio.to_json(fig, validate=False)) < 1_000_000  # binary-encoded arrays, not 100k JSON numbers


def test_the_weight_mosaic_of_the_digits_network_has_8x8_tiles():
    fig = figures.weight_mosaic(torch.randn(32, 8, 8, generator=torch.Generator().manual_seed(0)))
    assert np.asarray(fig.data[0].z).shape == (4 * 9 - 1, 8 * 9 - 1)
    with pytest.raises(ValueError, match="units, rows, cols"):
        figures.weight_mosaic(torch.zeros(32, 64))


def test_the_mistake_gallery_captions_true_predicted_and_confidence(digits, predictions):
    mistakes = predictions.mistakes(limit=12)
    images = digits.images("test")[mistakes]
    fig = figures.mistake_gallery(
        images,
        predictions.true[mistakes],
        predictions.predicted[mistakes],
        predictions.confidence[mistakes],
        digits.class_names,
        columns=6,
    )
    assert len(_heatmaps(fig)) == 1
    captions = fig.layout.annotations
    assert len(captions) == 12
    first = int(mistakes[0])
    t, p, c = int(predictions.true[first]), int(predictions.predicted[first]), float(predictions.confidence[first])
    assert captions[0].text == f"{t}<br>→ {p} ({c:.0%})"
    assert all(a.font.size >= 11 and a.font.color == HIGHLIGHT for a in captions)
    empty = figures.mistake_gallery(np.zeros((0, 8, 8)), [], [], [], digits.class_names)
    assert [a.text for a in empty.layout.annotations] == ["No mistakes to show"]


def test_top_3_bars_per_test_image_sorted_and_coloured(digits, predictions):
    n = 8
    fig = figures.top_k_predictions(
        digits.images("test")[:n], predictions.probabilities[:n], predictions.true[:n], digits.class_names
    )
    bars = [trace for trace in fig.data if trace.type == "bar"]
    assert len(bars) == n and len(_heatmaps(fig)) == n
    for i, bar in enumerate(bars):
        order = torch.argsort(predictions.probabilities[i], descending=True)[:3].tolist()
        assert list(bar.y) == [digits.class_names[c] for c in order]
        np.testing.assert_allclose(bar.x, predictions.probabilities[i, order].numpy())
        truth = int(predictions.true[i])
        expected = [POSITIVE if c == truth else (HIGHLIGHT if rank == 0 else NEUTRAL) for rank, c in enumerate(order)]
        assert list(bar.marker.color) == expected
        assert bar.textfont.size >= 11
    titles = [a.text for a in fig.layout.annotations if a.text]
    assert titles == [f"true: {digits.class_names[int(t)]}" for t in predictions.true[:n]]
    with pytest.raises(ValueError, match="1 to 12 images"):
        figures.top_k_predictions(np.zeros((13, 8, 8)), np.zeros((13, 10)), np.zeros(13), digits.class_names)


def test_the_confusion_matrix_has_readable_counts_and_a_clickable_cell_overlay(digits, predictions):
    names = digits.class_names
    fig = figures.clickable_confusion_matrix(predictions.true, predictions.predicted, names)
    heatmap, overlay = fig.data
    counts = confusion_counts(predictions.true, predictions.predicted, 10)
    np.testing.assert_array_equal(np.asarray(heatmap.text), counts)
    assert heatmap.textfont.size >= 12 and heatmap.hoverinfo == "skip"
    assert overlay.type == "scatter" and overlay.mode == "markers" and len(overlay.x) == 100
    assert overlay.marker.symbol == "square" and overlay.marker.color == "rgba(0,0,0,0)"
    cells = np.asarray(overlay.customdata)
    for (i, j, count), x, y in zip(cells, overlay.x, overlay.y, strict=True):
        assert (x, y) == (names[j], names[i]) and count == counts[i, j]
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange
    assert not fig.layout.shapes
    chosen = figures.clickable_confusion_matrix(predictions.true, predictions.predicted, names, selected=(3, 8))
    (outline,) = chosen.layout.shapes
    assert (outline.x0, outline.x1, outline.y0, outline.y1) == (7.5, 8.5, 2.5, 3.5)
    assert list(chosen.data[1].selectedpoints) == [38] and fig.data[1].selectedpoints is None


def test_a_click_is_read_back_from_streamlits_selection():
    # The shape of st.plotly_chart(..., on_select="rerun").selection.points for a click on the overlay.
    points = [{"curve_number": 1, "point_number": 38, "point_index": 38, "x": "8", "y": "3", "customdata": [3, 8, 5]}]
    assert figures.clicked_cell(points) == (3, 8)
    assert figures.clicked_cell([]) is None
    assert figures.clicked_cell([{"curve_number": 0, "x": "8", "y": "3", "customdata": 5}]) is None
    assert figures.clicked_cell([{"customdata": "38"}]) is None
    fig = figures.clickable_confusion_matrix([3, 3, 1], [8, 3, 1], [str(c) for c in range(10)])
    overlay = json.loads(pio.to_json(fig, validate=False))["data"][1]  # what the browser receives
    assert (overlay["x"][38], overlay["y"][38], overlay["customdata"][38]) == ("8", "3", [3, 8, 1])
    assert figures.clicked_cell([{"customdata": overlay["customdata"][38]}]) == (3, 8)


@pytest.fixture(scope="module")
def recorder(digits):
    model = mlp((64, 16, 8, 10), ("relu", "sigmoid", "linear"))
    recorder = HistogramRecorder(model, digits.x_test[:128], digits.y_test[:128], bins=20)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    for step in range(1, 7):
        loss = torch.nn.functional.cross_entropy(model(digits.x_train[:256]), digits.y_train[:256])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        recorder.record(model, step)
    return recorder


def test_a_histogram_heatmap_has_steps_across_and_values_up(recorder):
    series = recorder.series("weight", "fc1")
    fig = figures.histogram_heatmap(series, title="fc1 weights", value_title="w")
    (heatmap,) = fig.data
    assert list(heatmap.x) == recorder.steps
    np.testing.assert_allclose(heatmap.y, (series.edges[:-1] + series.edges[1:]) / 2)
    shares = np.asarray(heatmap.customdata)
    assert shares.shape == (20, 6)
    np.testing.assert_allclose(shares.sum(axis=0), 1.0)
    np.testing.assert_allclose(np.asarray(heatmap.z), np.sqrt(shares))
    assert fig.layout.xaxis.title.text == "optimizer step" and fig.layout.yaxis.title.text == "w"


def test_the_training_histograms_grid_has_a_panel_per_layer_and_kind(recorder):
    fig = figures.training_histograms(recorder)
    assert len(fig.data) == 3 * 2
    titles = [a.text for a in fig.layout.annotations]
    assert titles[:2] == ["fc1 · weights W", "fc1 · gradients ∂L/∂W (probe batch)"]
    gradient = recorder.series("gradient", "fc3")
    np.testing.assert_allclose(np.asarray(fig.data[5].customdata), gradient.shares.T)


def test_dead_and_saturated_units_are_drawn_in_percent(recorder):
    fig = figures.inactive_units(recorder)
    assert [trace.name for trace in fig.data] == ["fc1 (relu): dead", "fc2 (sigmoid): saturated"]
    np.testing.assert_allclose(fig.data[0].y, 100 * np.asarray(recorder.inactive["fc1"]))
    assert list(fig.data[1].x) == recorder.steps


def test_before_any_snapshot_the_histogram_figures_say_how_to_fill_them(digits):
    empty = HistogramRecorder(mlp((64, 8, 10)), digits.x_test[:16], digits.y_test[:16])
    grid = figures.training_histograms(empty)
    assert figures.NOT_RECORDED in [a.text for a in grid.layout.annotations]
    assert [a.text for a in figures.inactive_units(empty).layout.annotations] == [figures.NOT_RECORDED]
    single = figures.histogram_heatmap(empty.series("weight", "fc1"), title="fc1", value_title="w")
    assert [a.text for a in single.layout.annotations] == [figures.NOT_RECORDED]
