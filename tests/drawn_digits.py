"""Digits drawn as the canvas would send them: RGBA strokes, for the drawing and the Inside-MNIST page tests."""

from __future__ import annotations

import numpy as np

SEVEN = (((60, 80), (60, 200)), ((60, 200), (230, 120)), ((145, 120), (145, 210)))
"""A "7" on a 280×280 canvas, crossed as the digits' writers wrote it: a bar across the top, a stroke
down to the lower left, a short bar across its middle ((row, col) end points of each stroke)."""


def stroke_canvas(
    segments=SEVEN,
    *,
    size: int = 280,
    width: float = 22.0,
    ink: tuple[int, int, int] = (255, 255, 255),
    background: tuple[int, int, int, int] = (0, 0, 0, 0),
) -> np.ndarray:
    """An RGBA uint8 canvas ``(size, size, 4)`` with round, anti-aliased strokes along ``segments``.

    Scaled by ``size / 280``. The default is what streamlit-drawable-canvas gives for white strokes
    on a transparent background; pass an opaque ``background`` for a solid one.
    """
    scale = size / 280
    rows, cols = np.mgrid[0:size, 0:size].astype(float)
    cover = np.zeros((size, size))
    for (r0, c0), (r1, c1) in segments:
        r0, c0, r1, c1 = (v * scale for v in (r0, c0, r1, c1))
        dr, dc = r1 - r0, c1 - c0
        t = np.clip(((rows - r0) * dr + (cols - c0) * dc) / (dr * dr + dc * dc), 0, 1)
        distance = np.hypot(rows - (r0 + t * dr), cols - (c0 + t * dc))
        cover = np.maximum(cover, np.clip(width * scale / 2 - distance + 0.5, 0, 1))
    bg = np.array(background, dtype=float)
    fg = np.array([*ink, 255], dtype=float)
    if bg[3] == 0:  # transparent: the stroke's colour, its coverage as opacity
        pixels = np.concatenate([np.broadcast_to(fg[:3], (size, size, 3)), 255 * cover[..., None]], axis=2)
    else:  # solid: blend the stroke over the background
        pixels = bg + cover[..., None] * (fg - bg)
    return pixels.round().astype(np.uint8)
