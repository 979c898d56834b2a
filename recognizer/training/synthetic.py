"""MNIST digits redrawn the way users give them: big, dark on white, anywhere on a canvas.

Training-time evaluation, the tests and the benchmarks use this to send MNIST through the very
preprocessing that serves the app, so a gap between "MNIST accuracy" and "accuracy on drawings"
shows up in the model card instead of in front of a user.
"""

from __future__ import annotations

import cv2
import numpy as np

CANVAS_SIDE = 280


def draw_on_paper(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 white-on-black `(28, 28)` MNIST digit -> uint8 grey `(280, 280)` dark-on-white
    drawing, the digit's box enlarged to 80-180 pixels at a random place."""
    rows, cols = np.nonzero(digit)
    crop = digit[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    scale = rng.uniform(4, 9) * 20 / max(crop.shape)
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    big = big[: CANVAS_SIDE - 10, : CANVAS_SIDE - 10]
    canvas = np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)
    top = rng.integers(0, CANVAS_SIDE - big.shape[0] + 1)
    left = rng.integers(0, CANVAS_SIDE - big.shape[1] + 1)
    canvas[top : top + big.shape[0], left : left + big.shape[1]] = big
    return 255 - canvas
