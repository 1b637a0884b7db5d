"""nnviz.figures.canvas: a figure's drawing instructions hold what plotly would draw, in plotly's own colours."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from plotly.colors import sample_colorscale

from nnviz.figures import canvas
from nnviz.figures import playground as pf
from nnviz.figures.data import image_grid
from nnviz.figures.style import DIVERGING_SCALE, NEGATIVE, POSITIVE, PRESENTER_SCALE, presenter, styled
from nnviz.figures.training import confusion_matrix, gradient_norms, learning_curves
from nnviz.network_view import Pick
from tests.test_playground_figures import BIASES, BUILT, FIGURES, WEIGHTS, _graph

LIVE_FIGURES = [name for name in FIGURES if name != "hidden space"]  # what the live canvas draws


def _pixels(item: dict) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(item["png"]))).convert("RGBA"))


def _rgb(color: str) -> np.ndarray:
    if color.startswith("#"):
        return np.array([int(color[k : k + 2], 16) for k in (1, 3, 5)])
    return np.array([float(v) for v in color[color.index("(") + 1 : -1].split(",")[:3]])


def _items(scene: dict, kind: str) -> list[dict]:
    return [item for item in scene["items"] if item["kind"] == kind]


@pytest.mark.parametrize("name", LIVE_FIGURES)
def test_every_live_figure_becomes_strict_json_in_both_modes(name):
    for fig in (FIGURES[name](), presenter(FIGURES[name]())):
        scene = canvas.scene(fig)
        text = json.dumps(scene, allow_nan=False)  # the browser's JSON.parse takes no NaN
        assert len(scene["items"]) == len(fig.data)
        assert scene["height"] == fig.layout.height
        assert scene["title"]["text"] == (fig.layout.title.text or "")
        assert len(text) < 200_000


@pytest.mark.parametrize("name", LIVE_FIGURES)
def test_a_figure_dict_draws_as_its_figure_and_scales_as_presenter_mode_scales_the_figure(name):
    """A live page hands the canvas the builders' dicts, and presenter mode scales the scene, not a figure: both
    must draw what the validated plotly figure draws."""
    assert canvas.scene(BUILT[name]()) == canvas.scene(FIGURES[name]())
    assert canvas.scene(BUILT[name](), scale=PRESENTER_SCALE) == canvas.scene(presenter(FIGURES[name]()))
    titled = pf.network_graph(WEIGHTS, BIASES, ["a", "b", "c"], ["tanh", "tanh", "linear"], title="Every neuron")
    assert canvas.scene(titled, scale=PRESENTER_SCALE) == canvas.scene(presenter(go.Figure(titled)))


def test_presenter_mode_reaches_the_canvas():
    plain, large = (canvas.scene(scale(_graph(title="Every neuron"))) for scale in (lambda fig: fig, presenter))
    assert large["font"]["size"] > plain["font"]["size"] and large["title"]["size"] > plain["title"]["size"]
    assert large["margin"][2] > plain["margin"][2] and large["title"]["pad"][0] > plain["title"]["pad"][0]


def test_a_heatmap_is_an_image_in_plotlys_colours_with_the_largest_y_on_top():
    z = np.array([[-1.0, 0.0, 1.0], [0.5, -0.5, np.nan]])
    fig = styled(go.Figure(go.Heatmap(z=z, x=[0, 1, 2], y=[10, 20], zmin=-1, zmax=1, colorscale=DIVERGING_SCALE)))
    fig.update_layout(xaxis_range=[-0.5, 2.5], yaxis_range=[5, 25])
    (item,) = canvas.scene(fig)["items"]
    pixels = _pixels(item)
    assert pixels.shape == (2, 3, 4)
    assert item["x"] == [-0.5, 0.5, 1.5, 2.5] and item["y"] == [5.0, 15.0, 25.0]  # centres given: edges between
    for row, column in [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]:
        expected = _rgb(sample_colorscale(DIVERGING_SCALE, [(z[row, column] + 1) / 2])[0])
        top_down = pixels[1 - row, column]  # z's row 1 (y = 20) is the image's top row
        assert np.abs(top_down[:3].astype(int) - expected).max() <= 1 and top_down[3] == 255
    assert pixels[0, 2, 3] == 0  # NaN is transparent


def test_a_heatmap_with_a_colour_scale_shown_brings_its_colour_bar():
    shown = _items(canvas.scene(FIGURES["neuron map"]()), "image")[0]["colorbar"]
    heatmap = FIGURES["neuron map"]().data[0]
    assert shown["range"] == [heatmap.zmin, heatmap.zmax]
    assert [shown["stops"][k][1] for k in (0, 10)] == [NEGATIVE.lower(), POSITIVE.lower()]
    assert _items(canvas.scene(FIGURES["regression"]()), "image")[0]["colorbar"] is None  # showscale=False


def test_the_mosaic_keeps_its_unequal_cells_and_every_tile():
    fig = FIGURES["network"]()
    mosaic = fig.data[0]
    (item,) = _items(canvas.scene(fig), "image")
    np.testing.assert_allclose(item["x"], mosaic.x, rtol=1e-6)
    np.testing.assert_allclose(item["y"], mosaic.y, rtol=1e-6)
    widths = np.diff(item["x"])
    assert widths.max() > 10 * widths.min()  # the gaps between the layers' columns are single wide cells
    codes = np.asarray(mosaic.z)[::-1]  # top row first, as the image
    background = _pixels(item)[codes == 0]
    assert (background[:, :3] == 255).all()  # code 0 is the white between tiles
    assert len(np.unique(_pixels(item)[codes > 0][:, :3], axis=0)) > 20  # the tiles' shades


def test_edges_keep_their_colour_width_and_one_path_each():
    fig = FIGURES["network"]()
    lines = _items(canvas.scene(fig), "lines")
    traces = [t for t in fig.data if t.type == "scatter" and t.mode == "lines"]
    assert [(item["color"], item["width"]) for item in lines] == [(t.line.color, t.line.width) for t in traces]
    assert sum(len(item["paths"]) for item in lines) == sum(w.size for w in WEIGHTS)
    assert all(len(path) == 4 for item in lines for path in item["paths"])  # one segment: source to target


def test_a_click_on_a_marker_reads_back_as_the_pick_plotly_would_give():
    fig = FIGURES["network"]()
    scene = canvas.scene(fig)
    (weights,) = [item for item in _items(scene, "markers") if fig.data[item["trace"]].name == "weights"]
    k = 7
    point = {  # what ui/canvas.js sends for a click on the marker's point k
        "curve_number": weights["trace"],
        "point_index": k,
        "x": weights["x"][k],
        "y": weights["y"][k],
        "customdata": weights["customdata"][k],
    }
    assert pf.picked({"points": [point]}) == pf.picked({"selection": {"points": [point]}}) == Pick("weight", 1, 2, 1)
    assert weights["hover"] == fig.data[weights["trace"]].hovertemplate and weights["interactive"]


def test_markers_coloured_by_value_take_the_colour_scale():
    fig = go.Figure(
        pf.network_graph(
            WEIGHTS, [np.array([-1.0, 0.0, 1.0, 5.0, -5.0]), *BIASES[1:]], ["a", "b", "c"], ["tanh", "tanh", "linear"]
        )
    )
    scene = canvas.scene(fig)
    (biases,) = [item for item in _items(scene, "markers") if fig.data[item["trace"]].name == "biases"]
    expected = [NEGATIVE, "#F7F7F7", POSITIVE, POSITIVE, NEGATIVE]  # saturating at ±1 (cmin, cmax)
    colours = np.array([_rgb(c) for c in biases["color"][:5]]) - np.array([_rgb(c) for c in expected])
    assert np.abs(colours).max() <= 2  # a 256-colour table
    assert biases["symbol"] == "square" and biases["line"][1] > 0


def test_invisible_click_markers_stay_clickable_without_a_label():
    scene = canvas.scene(FIGURES["class regions"]())
    click = _items(scene, "markers")[-1]
    assert click["interactive"] and click["hover"] is None and len(click["x"]) == pf.CLICK_GRID**2


def test_text_shapes_and_axes_carry_over():
    fig = _graph(selected=Pick("weight", 2, 1, 3))
    scene = canvas.scene(fig)
    (labels,) = _items(scene, "text")
    assert labels["text"] == list(fig.data[-1].text) and labels["position"] == "middle left"
    (outline,) = scene["shapes"]
    assert outline["kind"] == "line" and outline["x"] == [fig.layout.shapes[0].x0, fig.layout.shapes[0].x1]
    assert [label for _, label in scene["xaxis"]["ticks"]] == list(fig.layout.xaxis.ticktext)
    assert scene["equal"] and not scene["yaxis"]["visible"]
    regression = FIGURES["regression"]()
    plane = canvas.scene(regression)
    assert plane["xaxis"]["ticks"] is None  # placed by the browser, by the axis's length, as plotly does
    assert plane["xaxis"]["title"] == "x₁" and plane["xaxis"]["range"] == list(regression.layout.xaxis.range)


def test_what_the_canvas_cannot_draw_is_refused_not_dropped():
    def figure(*traces, **layout):
        fig = go.Figure(traces)
        fig.update_layout(xaxis_range=[0, 1], yaxis_range=[0, 1], **layout)
        return fig

    with pytest.raises(ValueError, match="bar"):
        canvas.scene(figure(go.Bar(x=[1], y=[1])))
    with pytest.raises(ValueError, match="fill"):
        canvas.scene(figure(go.Scatter(x=[0, 1], y=[0, 1], fill="tozeroy")))
    with pytest.raises(ValueError, match="mode"):
        canvas.scene(figure(go.Scatter(x=[0, 1], y=[0, 1], mode="markers+text", text=["a", "b"])))
    with pytest.raises(ValueError, match="symbol"):
        canvas.scene(figure(go.Scatter(x=[0], y=[0], marker_symbol="star")))
    with pytest.raises(ValueError, match="dash"):
        canvas.scene(figure(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line_dash="5px,10px")))
    with pytest.raises(ValueError, match="arrows"):
        canvas.scene(figure(annotations=[dict(text="a", x=0.5, y=0.5)]))  # plotly draws an arrow by default
    with pytest.raises(ValueError, match="paper"):
        canvas.scene(figure(annotations=[dict(text="a", x=0.5, y=0.5, xref="paper", showarrow=False)]))
    with pytest.raises(ValueError, match="45"):
        canvas.scene(figure(go.Scatter(x=[0], y=[0]), xaxis_tickangle=45))
    with pytest.raises(ValueError, match="text"):
        canvas.scene(figure(go.Heatmap(z=[[1]], text=[["a"]], texttemplate="%{z}")))
    with pytest.raises(ValueError, match="circle"):
        canvas.scene(figure(go.Scatter(x=[0], y=[0]), shapes=[dict(type="circle", x0=0, x1=1, y0=0, y1=1)]))
    with pytest.raises(ValueError, match="date"):
        canvas.scene(figure(go.Scatter(x=[1, 2], y=[1, 10]), xaxis_type="date"))


def test_learning_curves_draw_with_their_dashes_markers_legend_and_plotlys_autorange():
    """The live Train and Playground pages draw their loss and accuracy curves on the canvas while training."""
    steps, per_epoch = np.arange(1, 201), 20
    loss = 2.0 * np.exp(-steps / 80) + 0.1
    batch = pd.DataFrame({"step": steps, "loss": loss, "accuracy": 1 - loss / 3})
    epoch = pd.DataFrame({"epoch": np.arange(1, 11), "loss": loss[19::20], "test_loss": loss[19::20] + 0.05})
    epoch["accuracy"], epoch["test_accuracy"] = 1 - epoch["loss"] / 3, 1 - epoch["test_loss"] / 3
    fig = learning_curves(batch, epoch, per_epoch, loss_name="cross-entropy")
    scene = canvas.scene(fig)
    assert [item["kind"] for item in scene["items"]] == ["lines", "markers"] * 4  # lines + what hovers on them
    raw_hover, smooth, smooth_hover, train_line, train_points, test_line, test_points = scene["items"][1:]
    assert raw_hover["hover"] == fig.data[0].hovertemplate and raw_hover["size"] == 0  # hover, not drawn
    assert train_line["dash"] == "dot" and test_line["dash"] == "solid" and test_points["symbol"] == "diamond"
    assert train_points["x"] == list(epoch["epoch"]) and test_points["y"] == pytest.approx(list(epoch["test_loss"]))
    assert [entry["name"] for entry in scene["legend"]] == [t.name for t in fig.data if t.showlegend is not False]
    assert scene["legend"][1]["line"][2] == "dot" and scene["legend"][2]["marker"][1] == "diamond"
    low, high = scene["yaxis"]["range"]
    assert low == 0 and loss.max() < high < 1.1 * loss.max()  # rangemode tozero, padded for the markers
    assert scene["xaxis"]["range"][0] == 0 and scene["xaxis"]["range"][1] > 10
    accuracy = canvas.scene(learning_curves(batch, epoch, per_epoch, metric="accuracy", legend=False))
    assert accuracy["yaxis"]["range"] == [0, 101] and accuracy["yaxis"]["suffix"] == " %" and not accuracy["legend"]
    assert canvas.scene(fig, scale=PRESENTER_SCALE) == canvas.scene(presenter(go.Figure(fig)))
    empty = batch.iloc[:0], epoch.iloc[:0]
    (hint,) = canvas.scene(learning_curves(*empty, per_epoch))["annotations"]  # before training, as plotly says
    assert hint["text"] == learning_curves(*empty, per_epoch).layout.annotations[0].text


def test_the_confusion_matrix_keeps_its_categories_reversed_rows_counts_and_gaps():
    """The Train page's confusion matrix is painted while training: class names at plotly's category positions,
    the first true class on top, each cell's count written in plotly's contrasting colour."""
    names = ["T-shirt/top", "Trouser", "Pullover"]
    truth, guess = np.array([0, 0, 0, 0, 1, 1, 2]), np.array([0, 0, 0, 1, 1, 1, 0])
    fig = confusion_matrix(truth, guess, names)
    scene = canvas.scene(fig)
    image, counts = scene["items"]
    assert [name for _, name in scene["xaxis"]["ticks"]] == names == [name for _, name in scene["yaxis"]["ticks"]]
    assert [at for at, _ in scene["yaxis"]["ticks"]] == [0, 1, 2] and scene["yaxis"]["range"] == [2.5, -0.5]
    assert scene["xaxis"]["range"] == [-0.5, 2.5] and scene["xaxis"]["angle"] == fig.layout.xaxis.tickangle == -90
    assert image["x"] == image["y"] == [-0.5, 0.5, 1.5, 2.5] and image["gaps"] == [fig.data[0].xgap, fig.data[0].ygap]
    columns = (counts[k] for k in ("x", "y", "text", "colors"))
    cells = {(x, y): (text, color) for x, y, text, color in zip(*columns, strict=True)}
    assert cells[(0, 0)] == ("3", "#FFFFFF")  # 3 of 4: a dark cell, white text
    assert cells[(1, 0)] == ("1", "#444444") and cells[(0, 2)][0] == "1" and cells[(2, 2)][0] == "0"
    assert len(cells) == 9 and not scene["yaxis"]["zeroline"]
    assert canvas.scene(fig, scale=PRESENTER_SCALE) == canvas.scene(presenter(go.Figure(fig)))


def test_gradient_norms_draw_in_decades_and_hover_with_the_norms_themselves():
    steps = np.arange(1, 101)
    batch = pd.DataFrame({"step": steps, "grad_norm/fc1": np.exp(-steps / 30), "grad_norm/fc2": 0.3 + 0 * steps})
    fig = gradient_norms(batch, ["fc1", "fc2"], 20)
    scene = canvas.scene(fig)
    first, first_hover = scene["items"][:2]
    assert first_hover["values"]["y"] == pytest.approx(list(fig.data[0].y))  # hover reads the norm itself
    assert first_hover["y"] == pytest.approx(np.log10(fig.data[0].y)) and first["paths"][0][1] == first_hover["y"][0]
    norms = np.concatenate([fig.data[0].y, fig.data[1].y])
    assert scene["yaxis"]["range"] == pytest.approx(np.log10([norms.min(), norms.max()]))  # plotly's autorange
    shown = dict(zip(fig.layout.yaxis.tickvals, fig.layout.yaxis.ticktext, strict=True))
    low, high = scene["yaxis"]["range"]
    assert scene["yaxis"]["ticks"] == [
        [pytest.approx(np.log10(v)), text] for v, text in shown.items() if low <= np.log10(v) <= high
    ]  # the figure's own labels, inside the range
    assert len(scene["yaxis"]["ticks"]) >= 3 and not scene["yaxis"]["zeroline"]


def test_the_image_grid_keeps_its_equal_reversed_axes_tiles_and_labels_under_them():
    images = np.linspace(0, 1, 5 * 28 * 28).reshape(5, 28, 28)
    labels, predictions = np.array([0, 1, 2, 3, 4]), np.array([0, 1, 2, 3, 0])
    fig = image_grid(images, labels, n=5, predictions=predictions, columns=3)
    scene = canvas.scene(fig)
    (image,) = scene["items"]
    assert scene["equal"] and scene["yaxis"]["range"][0] > scene["yaxis"]["range"][1]  # the first row on top
    assert scene["xaxis"]["range"] == [image["x"][0], image["x"][-1]] and not scene["xaxis"]["visible"]
    pixels = _pixels(image)
    assert pixels.shape[:2] == fig.data[0].z.shape and (pixels[..., 3] == 0).any()  # the gaps stay transparent
    assert [note["text"] for note in scene["annotations"]] == [note.text for note in fig.layout.annotations]
    assert all(note["data"] for note in scene["annotations"])
    assert [(note["x"], note["y"], note["color"]) for note in scene["annotations"]] == [
        (note.x, note.y, note.font.color) for note in fig.layout.annotations
    ]
    assert scene["annotations"][4]["color"] != scene["annotations"][0]["color"]  # the wrong one in red
