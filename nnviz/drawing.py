"""A digit drawn on a canvas, turned into what an MNIST (or scikit-learn digits) network sees.

MNIST was made this way (LeCun, Cortes & Burges): each bilevel NIST digit was scaled to fit a
20×20 box keeping its aspect ratio (anti-aliasing gave the grey levels), then pasted into a 28×28
field so that its centre of mass sits at the centre. scikit-learn's 8×8 digits (UCI optdigits)
were made from 32×32 bitmaps that the digit fills, cut into 4×4 blocks, each block's value the
number of inked pixels (0..16); :mod:`nnviz.datasets` divides those counts by 16.

:func:`prepare_drawing` follows the same steps on an RGBA canvas image (as
``streamlit-drawable-canvas`` returns with ``return_image_data=True``) and keeps every intermediate
picture, so a page can show the steps:

    ink (canvas, grey 0..1) -> cropped to the ink's bounding box -> scaled -> centred in the input field

Bounds: a canvas larger than :data:`MAX_CANVAS_SIDE` px on a side is first subsampled (every k-th
pixel) to at most that, so the work is bounded by ``MAX_CANVAS_SIDE²`` pixels whatever its size. A
canvas with almost no ink (see :data:`MIN_INK_SHARE`) holds no digit: :func:`prepare_drawing`
returns ``None`` and the page asks the user to draw one.

>>> canvas = np.zeros((280, 280, 4), np.uint8)
>>> canvas[40:240, 120:160] = 255  # a white "1" on a transparent background
>>> prepare_drawing(canvas).features.shape
torch.Size([784])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

MAX_CANVAS_SIDE = 1024
"""Longest canvas side processed, in px; larger canvases are subsampled to this first."""
INK_LEVEL = 0.05
"""Ink (0..1) above this belongs to the drawing's bounding box; fainter pixels are background."""
MIN_INK_SHARE = 0.002
"""A canvas whose inked pixels (ink > 0.5) cover less than this share of it holds no digit (a dot, a slip)."""

MNIST_FIELD, MNIST_BOX = 28, 20  # the 28×28 input; the digit is scaled to fit 20×20 inside it
DIGITS_FIELD, DIGITS_BITMAP, DIGITS_BLOCK = 8, 32, 4  # optdigits: a 32×32 bitmap of 4×4 blocks -> 8×8 counts


@dataclass(frozen=True)
class PreparedDrawing:
    """Each step from a canvas to a network input; every picture ``(rows, cols)`` float32 in [0, 1], 1 = ink.

    Attributes:
        ink: the canvas as ink, ``(H, W)`` (after any subsampling to :data:`MAX_CANVAS_SIDE`).
        cropped: ``ink`` cut to the bounding box of the ink.
        scaled: ``cropped`` resized keeping its aspect ratio: the longer side 20 px for MNIST (then
            centred by mass in 28×28); 32 px, binarised, for the digits' 32×32 bitmap.
        image: what the network sees, ``(28, 28)`` or ``(8, 8)``.
    """

    ink: Tensor
    cropped: Tensor
    scaled: Tensor
    image: Tensor

    @property
    def features(self) -> Tensor:
        """``image`` flattened row by row, ``(rows * cols,)`` float32 in [0, 1], as the datasets' ``x``."""
        return self.image.reshape(-1)


def prepare_drawing(canvas: np.ndarray, image_shape: tuple[int, int] = (28, 28)) -> PreparedDrawing | None:
    """Preprocess a drawn digit as MNIST (``image_shape=(28, 28)``) or scikit-learn's digits (``(8, 8)``).

    Args:
        canvas: ``(H, W, 4)`` RGBA or ``(H, W, 3)`` RGB, uint8. Strokes of any colour on a
            transparent background (ink = opacity) or on a solid one (ink = distance from the
            background colour, read from the canvas border).
        image_shape: the network's input image, (28, 28) or (8, 8).

    Returns:
        The steps and the features, or ``None`` when the canvas holds no digit (empty or nearly so).

    Raises:
        ValueError: a canvas that is not an (H, W, 3|4) uint8 image, or another ``image_shape``.
    """
    if image_shape not in ((MNIST_FIELD, MNIST_FIELD), (DIGITS_FIELD, DIGITS_FIELD)):
        raise ValueError(f"Drawings become 28×28 (MNIST) or 8×8 (digits) images, not {image_shape}.")
    ink = canvas_ink(canvas)
    pixels = ink.numpy()
    if (pixels > 0.5).mean() < MIN_INK_SHARE:
        return None
    inked = pixels > INK_LEVEL
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    cropped = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if image_shape == (DIGITS_FIELD, DIGITS_FIELD):
        scaled = (centre_in_box(fit_longer_side(cropped, DIGITS_BITMAP), DIGITS_BITMAP) >= 0.5).float()
        image = F.avg_pool2d(scaled[None, None], DIGITS_BLOCK)[0, 0]  # inked pixels per 4×4 block / 16
    else:
        scaled = fit_longer_side(cropped, MNIST_BOX)
        image = centre_by_mass(scaled, MNIST_FIELD)
    return PreparedDrawing(ink=ink, cropped=cropped, scaled=scaled, image=image)


def canvas_ink(canvas: np.ndarray) -> Tensor:
    """How much ink each pixel holds, ``(H, W)`` float32 in [0, 1], the strongest ink scaled to 1.

    Transparent background (the border mostly transparent): ink = alpha. Solid background: ink =
    the largest per-channel distance from the border's median colour. Canvases beyond
    :data:`MAX_CANVAS_SIDE` are subsampled first.
    """
    array = np.asarray(canvas)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] not in (3, 4) or 0 in array.shape:
        raise ValueError(
            f"A canvas is an (H, W, 4) RGBA or (H, W, 3) RGB uint8 image, not {array.dtype} {array.shape}."
        )
    stride = math.ceil(max(array.shape[:2]) / MAX_CANVAS_SIDE)
    pixels = array[::stride, ::stride].astype(np.float32) / 255.0  # numpy: one thread, no pool wake-ups
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])  # (perimeter, channels)
    transparent = pixels.shape[2] == 4 and float(np.median(border[:, 3])) < 0.5
    if transparent:
        ink = pixels[..., 3]
    else:
        background = np.median(border[:, :3], axis=0)
        ink = np.abs(pixels[..., :3] - background).max(axis=2)
    strongest = float(ink.max())
    return torch.from_numpy(ink / strongest if strongest > 0 else ink)


def fit_longer_side(image: Tensor, side: int) -> Tensor:
    """Resize ``image`` (h, w) so that its longer side is ``side`` px, keeping the aspect ratio.

    Bilinear with anti-aliasing (area-weighted when shrinking), values clamped to [0, 1].
    """
    h, w = image.shape
    scale = side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    resized = F.interpolate(image[None, None], size=size, mode="bilinear", antialias=True, align_corners=False)
    return resized[0, 0].clamp(0.0, 1.0)


def centre_in_box(image: Tensor, side: int) -> Tensor:
    """Paste ``image`` (h, w), both at most ``side``, into the middle of a ``side``×``side`` zero field."""
    h, w = image.shape
    return _paste(image, side, (side - h) // 2, (side - w) // 2)


def centre_by_mass(image: Tensor, side: int) -> Tensor:
    """Paste ``image`` (h, w) into a ``side``×``side`` field with its centre of mass at the centre (MNIST).

    The shift is a whole number of pixels, limited so that the image stays inside the field.
    """
    h, w = image.shape
    mass = image.sum()
    centre_row = (image.sum(dim=1) * torch.arange(h)).sum() / mass
    centre_col = (image.sum(dim=0) * torch.arange(w)).sum() / mass
    middle = (side - 1) / 2
    top = min(max(round(middle - float(centre_row)), 0), side - h)
    left = min(max(round(middle - float(centre_col)), 0), side - w)
    return _paste(image, side, top, left)


def _paste(image: Tensor, side: int, top: int, left: int) -> Tensor:
    """A ``side``×``side`` zero field with ``image`` placed at row ``top``, column ``left``."""
    field = torch.zeros(side, side)
    field[top : top + image.shape[0], left : left + image.shape[1]] = image
    return field


__all__ = [
    "MAX_CANVAS_SIDE",
    "MIN_INK_SHARE",
    "PreparedDrawing",
    "canvas_ink",
    "centre_by_mass",
    "centre_in_box",
    "fit_longer_side",
    "prepare_drawing",
]
