"""Handwriting styles that MNIST's American writers hardly used, added to the training digits.

Across most of Europe, Turkey and Latin America a 1 is written with a long flag, often with a
foot as well. A model that learned its 1s from MNIST reads such a 1 as a 7 (the flag looks like
a 7's bar) or a 4 (flag and foot look like a 4's arms). We redraw MNIST's own 1s as one pen
stroke along their centre line, starting with a flag that slants down to the left from the top
of the stem, sometimes with a foot. Drawn as pen strokes (as on the canvas), because flags
merely added to MNIST's scanned 1s were learnt from how they were drawn and did not carry over
to real pen strokes.

The 7 is the other side of that boundary, so pen-drawn 7s are added as well: a level bar, a
stem leaning far under it, sometimes crossed. Otherwise "drawn with a pen, with a bar on top"
would come to mean 1. Every picture goes through the same preprocessing as a user's input.
"""

from __future__ import annotations

import itertools

import cv2
import numpy as np

from recognizer.preprocess import mnist_like_inputs
from recognizer.training.negatives import placed, stroke_width
from recognizer.training.synthetic import CANVAS_SIDE, draw_on_paper

FLAG_SLANT_DEG = (15.0, 60.0)  # below the horizontal: a 7's bar is level
MIN_FLAG_TO_STEM_DEG = 25.0  # a 7's stem leans far under its bar; a 1's stem stands
FLAG_LENGTH = (0.3, 0.6)  # of the stem's length
FOOT_PROBABILITY = 0.35
FOOT_REACH = (0.05, 0.3)  # of the stem's length, to each side (feet are lopsided)
SEVEN_BAR_SLANT_DEG = (-12.0, 8.0)  # about level (positive: the left end lower)
SEVEN_BAR_LENGTH = (0.45, 0.9)  # of the height
SEVEN_STEM_SLANT_DEG = (58.0, 85.0)  # below the horizontal, leaning left under the bar
CROSSED_SEVEN_PROBABILITY = 0.2
CENTRE_LINE_POINTS = 8


def pen_stroke(canvas: np.ndarray, points: np.ndarray, width: int) -> None:
    """One anti-aliased pen stroke through `points` (x, y), drawn at sub-pixel precision."""
    cv2.polylines(canvas, [np.round(points * 16).astype(np.int32)], False, 255, width, cv2.LINE_AA, shift=4)


def centre_line(ink: np.ndarray) -> np.ndarray:
    """A stroke's centre line from top to bottom: the mean ink point in each of
    CENTRE_LINE_POINTS slices across its long axis."""
    rows, cols = np.nonzero(ink > 127)
    points = np.column_stack([cols, rows]).astype(np.float64)
    down = np.linalg.eigh(np.cov(points.T))[1][:, 1]  # the long direction
    along = (points - points.mean(0)) @ (down if down[1] > 0 else -down)
    edges = np.linspace(along.min(), along.max() + 1e-9, CENTRE_LINE_POINTS + 1)
    slices = [points[(along >= low) & (along < high)] for low, high in itertools.pairwise(edges)]
    return np.array([piece.mean(0) for piece in slices if len(piece)])


def flagged_one(one: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An MNIST 1 (uint8 white on black, 28x28) redrawn on the canvas as a pen stroke with a
    flag and maybe a foot: uint8 grey `(280, 280)`, dark on white."""
    line = centre_line(255 - draw_on_paper(one, rng))
    top, bottom = line[0], line[-1]
    length = float(np.linalg.norm(bottom - top))
    stem_slant = np.rad2deg(np.arctan2(bottom[1] - top[1], top[0] - bottom[0]))  # 90 when upright
    slant = np.deg2rad(min(rng.uniform(*FLAG_SLANT_DEG), stem_slant - MIN_FLAG_TO_STEM_DEG))
    flag = top + rng.uniform(*FLAG_LENGTH) * length * np.array([-np.cos(slant), np.sin(slant)])
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)
    width = stroke_width(rng)
    pen_stroke(canvas, np.vstack([flag, line]), width)
    if rng.random() < FOOT_PROBABILITY:
        left, right = rng.uniform(*FOOT_REACH, size=2) * length
        pen_stroke(canvas, np.array([bottom - np.array([left, 0.0]), bottom + np.array([right, 0.0])]), width)
    return 255 - canvas


def pen_seven(rng: np.random.Generator) -> np.ndarray:
    """A 7 drawn with a pen: uint8 grey `(280, 280)`, dark on white."""
    height = rng.uniform(100, 200)
    corner = np.array([190.0, 40.0])
    bar_slant, stem_slant = np.deg2rad(rng.uniform(*SEVEN_BAR_SLANT_DEG)), np.deg2rad(
        rng.uniform(*SEVEN_STEM_SLANT_DEG))
    bar = corner - rng.uniform(*SEVEN_BAR_LENGTH) * height * np.array([np.cos(bar_slant), np.sin(bar_slant)])
    foot = corner + height / np.sin(stem_slant) * np.array([-np.cos(stem_slant), np.sin(stem_slant)])
    bend = (corner + foot) / 2 + rng.uniform(-0.06, 0.06) * height * np.array([np.sin(stem_slant),
                                                                               np.cos(stem_slant)])
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)
    width = stroke_width(rng)
    pen_stroke(canvas, np.array([bar, corner, bend, foot]), width)
    if rng.random() < CROSSED_SEVEN_PROBABILITY:
        half = np.array([rng.uniform(0.15, 0.3) * height, 0.0])
        pen_stroke(canvas, np.array([(corner + foot) / 2 - half, (corner + foot) / 2 + half]), width)
    return 255 - placed(canvas, rng, max_rotation=8)


def flagged_ones(ones: np.ndarray, count: int, seed: int) -> np.ndarray:
    """`count` model inputs of flagged 1s made from the MNIST 1s `ones`."""
    rng = np.random.default_rng(seed)
    chosen = ones[rng.choice(len(ones), count, replace=len(ones) < count)]
    return mnist_like_inputs(flagged_one(one, rng) for one in chosen)[0]


def pen_sevens(count: int, seed: int) -> np.ndarray:
    """`count` model inputs of pen-drawn 7s."""
    rng = np.random.default_rng(seed)
    return mnist_like_inputs(pen_seven(rng) for _ in range(count))[0]
