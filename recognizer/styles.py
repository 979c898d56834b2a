"""Handwriting styles that MNIST's American writers hardly used, added to the training digits.

Across most of Europe, Turkey and Latin America a 1 is written with a long flag, often with a
foot as well. A model that learned its 1s from MNIST reads such a 1 as a 7 (the flag looks like
a 7's bar) or a 4 (flag and foot look like a 4's arms). We write MNIST's own 1s again with a
flag drawn from the top of the stem, slanting down to the left (a 7's bar is level and its stem
leans), sometimes with a foot, in the writer's stroke width. The picture then goes through the
same preprocessing as a user's input, like the negatives.
"""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.preprocess import mnist_like_input
from recognizer.synthetic import draw_on_paper

FLAG_SLANT_DEG = (25.0, 65.0)  # below the horizontal: a 7's bar is level
MIN_FLAG_TO_STEM_DEG = 20.0  # so that the flag stands out from a leaning stem
FLAG_LENGTH = (0.25, 0.55)  # of the stem's length: a 7's bar is longer
FOOT_PROBABILITY = 0.35
FOOT_HALF_WIDTH = (0.12, 0.3)  # of the stem's length, on each side


def continental_one(one: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST 1 (uint8 white on black, 28x28) redrawn on paper with a flag and maybe a foot:
    uint8 grey `(280, 280)`, dark on white."""
    ink = 255 - draw_on_paper(one, rng)
    rows, cols = np.nonzero(ink > 127)
    points = np.column_stack([cols, rows]).astype(np.float64)
    centre = points.mean(0)
    down = np.linalg.eigh(np.cov(points.T))[1][:, 1]  # the stem's direction
    down = down if down[1] > 0 else -down
    along = (points - centre) @ down
    length = along.max() - along.min()
    width = max(3, round(len(points) / length))  # ink area over length: the pen's width
    top = centre + (along.min() + width / 2) * down
    bottom = centre + (along.max() - width / 2) * down
    stem_slant = np.rad2deg(np.arctan2(down[1], -down[0]))  # 90 when upright, less when leaning right
    slant = np.deg2rad(min(rng.uniform(*FLAG_SLANT_DEG), stem_slant - MIN_FLAG_TO_STEM_DEG))
    flag_direction = np.array([-np.cos(slant), np.sin(slant)])
    flag = top + rng.uniform(*FLAG_LENGTH) * length * flag_direction
    strokes = np.zeros_like(ink)

    def line(start: np.ndarray, end: np.ndarray) -> None:
        cv2.line(strokes, tuple(np.round(start).astype(int)), tuple(np.round(end).astype(int)), 255, width,
                 cv2.LINE_AA)

    line(top, flag)
    if rng.random() < FOOT_PROBABILITY:
        half = np.array([rng.uniform(*FOOT_HALF_WIDTH) * length, 0.0])
        line(bottom - half, bottom + half)
    return 255 - np.maximum(ink, strokes)


def continental_ones(ones: np.ndarray, count: int, seed: int) -> np.ndarray:
    """`count` model inputs (uint8 `(N, 28, 28)`, as MNIST) of flagged 1s made from `ones`."""
    rng = np.random.default_rng(seed)
    chosen = ones[rng.choice(len(ones), count, replace=len(ones) < count)]
    images = [mnist_like_input(continental_one(one, rng)) for one in chosen]
    return np.stack([image for image in images if image is not None])
