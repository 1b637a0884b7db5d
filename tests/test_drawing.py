"""A drawn digit becomes the network's input the way MNIST (and scikit-learn's digits) were made."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from nnviz.datasets import load_dataset
from nnviz.drawing import MAX_CANVAS_SIDE, canvas_ink, centre_by_mass, prepare_drawing
from nnviz.training import TrainConfig, Trainer
from tests.drawn_digits import stroke_canvas


def test_a_drawing_becomes_a_28x28_input_like_mnist():
    drawing = prepare_drawing(stroke_canvas())
    assert drawing.image.shape == (28, 28) and drawing.features.shape == (784,)
    assert drawing.features.dtype == torch.float32
    assert float(drawing.image.min()) >= 0.0 and float(drawing.image.max()) <= 1.0
    assert float(drawing.image.max()) > 0.95  # full ink reaches 1, as MNIST's 255 / 255
    rows, cols = torch.nonzero(drawing.image > 0, as_tuple=True)
    height, width = int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1
    assert max(height, width) == 20  # the longer side fills the 20×20 box
    mass = drawing.image.sum()
    centre = [float((drawing.image.sum(dim=1 - axis) * torch.arange(28)).sum() / mass) for axis in (0, 1)]
    assert centre == pytest.approx([13.5, 13.5], abs=0.5)  # centre of mass at the centre, to the pixel


def test_the_steps_crop_to_the_ink_then_scale_keeping_the_aspect_ratio():
    bar = stroke_canvas((((100, 60), (100, 220)),), width=40)  # about 40 px tall, 200 px wide
    drawing = prepare_drawing(bar)
    ink = drawing.ink
    rows, cols = torch.nonzero(ink > 0.05, as_tuple=True)
    assert drawing.cropped.shape == (int(rows.max() - rows.min()) + 1, int(cols.max() - cols.min()) + 1)
    h, w = drawing.cropped.shape
    assert drawing.scaled.shape == (round(h * 20 / w), 20)
    assert drawing.scaled.shape[0] == pytest.approx(20 * h / w, abs=0.5)


def test_transparent_and_solid_backgrounds_give_the_same_input():
    clear = prepare_drawing(stroke_canvas())
    white_on_black = prepare_drawing(stroke_canvas(background=(0, 0, 0, 255)))
    blue_on_white = prepare_drawing(stroke_canvas(ink=(0, 0, 255), background=(255, 255, 255, 255)))
    rgb = prepare_drawing(stroke_canvas(ink=(0, 0, 0), background=(255, 255, 255, 255))[..., :3])
    for other in (white_on_black, blue_on_white, rgb):
        torch.testing.assert_close(other.image, clear.image, atol=0.01, rtol=0)


def test_an_empty_or_nearly_empty_canvas_holds_no_digit():
    assert prepare_drawing(np.zeros((280, 280, 4), np.uint8)) is None
    assert prepare_drawing(np.full((280, 280, 4), 255, np.uint8)) is None  # solid white, no strokes
    assert prepare_drawing(stroke_canvas((((140, 140), (140, 141)),), width=6)) is None  # a dot
    assert prepare_drawing(stroke_canvas((((140, 140), (140, 141)),), width=6), (8, 8)) is None


def test_centring_by_mass_puts_the_centre_in_the_middle_and_keeps_the_image_inside():
    block = centre_by_mass(torch.ones(2, 2), 28)
    assert torch.nonzero(block.sum(dim=1)).squeeze().tolist() == [13, 14]
    corner = torch.zeros(20, 20)
    corner[:3, :3] = 1.0  # mass far in a corner: the shift would push the image out of the field
    placed = centre_by_mass(corner, 28)
    assert placed.sum() == corner.sum()


def test_a_huge_canvas_is_subsampled_and_stays_fast():
    big = np.repeat(np.repeat(stroke_canvas(), 11, axis=0), 11, axis=1)  # 3080×3080
    start = time.perf_counter()
    drawing = prepare_drawing(big)
    seconds = time.perf_counter() - start
    assert max(drawing.ink.shape) <= MAX_CANVAS_SIDE
    assert seconds < 2.0
    small = prepare_drawing(stroke_canvas()).image
    assert float(torch.corrcoef(torch.stack([drawing.features, small.reshape(-1)]))[0, 1]) > 0.95


def test_malformed_canvases_and_shapes_are_refused():
    with pytest.raises(ValueError, match="RGBA"):
        canvas_ink(np.zeros((28, 28), np.uint8))
    with pytest.raises(ValueError, match="RGBA"):
        canvas_ink(np.zeros((28, 28, 4), np.float32))
    with pytest.raises(ValueError, match="RGBA"):
        canvas_ink(np.zeros((0, 28, 4), np.uint8))
    with pytest.raises(ValueError, match="28×28"):
        prepare_drawing(stroke_canvas(), (16, 16))


def test_the_8x8_input_counts_inked_pixels_per_block_as_scikit_learns_digits():
    drawing = prepare_drawing(stroke_canvas(), (8, 8))
    assert drawing.image.shape == (8, 8) and drawing.features.shape == (64,)
    counts = drawing.image * 16
    torch.testing.assert_close(counts, counts.round())  # counts / 16, like the dataset's pixels
    assert set(drawing.scaled.unique().tolist()) <= {0.0, 1.0}  # the 32×32 bitmap is bilevel
    rows = torch.nonzero(drawing.image.sum(dim=1)).squeeze(1)
    assert rows.min() == 0 and rows.max() == 7  # the taller digit fills the box from top to bottom
    digits = load_dataset("digits")
    assert torch.equal(digits.x_train * 16, (digits.x_train * 16).round())


def test_a_network_trained_on_digits_reads_the_drawn_seven():
    config = TrainConfig(sizes=(64, 32, 10), lr=0.05, batch_size=None, epochs=20, seed=0)
    trainer = Trainer(config, load_dataset("digits"))
    trainer.run()
    assert trainer.evaluate("test")[1] > 0.9
    probabilities = trainer.predict_proba(prepare_drawing(stroke_canvas(), (8, 8)).features[None])[0]
    assert int(probabilities.argmax()) == 7 and float(probabilities[7]) > 0.9
