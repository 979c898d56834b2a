"""Flagged 1s and pen-drawn 7s: the two sides of the boundary MNIST's writers left out."""

from __future__ import annotations

import numpy as np

from recognizer.training.styles import (
    FLAG_SLANT_DEG,
    SEVEN_BAR_SLANT_DEG,
    centre_line,
    flagged_one,
    flagged_ones,
    pen_seven,
    pen_sevens,
)


def upright_one() -> np.ndarray:
    one = np.zeros((28, 28), np.uint8)
    one[4:24, 13:16] = 255
    return one


def ink_of(picture: np.ndarray) -> np.ndarray:
    return picture < 128


def top_stroke_slant(ink: np.ndarray, stem_column: float) -> float:
    """Degrees below the horizontal from the top of the ink to the leftmost ink in its upper 70%
    (the end of a 1's flag or of a 7's bar)."""
    rows, cols = np.nonzero(ink)
    upper = rows < rows.min() + 0.7 * (rows.max() - rows.min())
    tip = np.argmin(np.where(upper, cols, 10**6))
    return float(np.rad2deg(np.arctan2(rows[tip] - rows.min(), stem_column - cols[tip])))


def test_the_flag_slants_down_to_the_left_from_the_top_of_the_stem():
    for seed in range(20):
        ink = ink_of(flagged_one(upright_one(), np.random.default_rng(seed)))
        rows, cols = np.nonzero(ink)
        stem = float(np.median(cols[rows > (rows.min() + rows.max()) / 2]))
        assert cols[rows < rows.min() + 20].min() < stem - 15, seed  # a flag reaches out to the left
        slant = top_stroke_slant(ink, stem)
        assert FLAG_SLANT_DEG[0] - 8 <= slant <= FLAG_SLANT_DEG[1] + 8, (seed, slant)  # never a level 7-bar


def test_the_stem_follows_the_mnist_one():
    leaning = np.zeros((28, 28), np.uint8)
    for row in range(4, 24):
        leaning[row, 18 - (row - 4) // 3 : 21 - (row - 4) // 3] = 255  # top right to bottom left
    line = centre_line(leaning)
    assert line[0][1] < line[-1][1] and line[0][0] > line[-1][0] + 4  # from the top down, leaning like the 1


def test_a_pen_seven_has_a_level_bar_over_a_leaning_stem():
    for seed in range(20):
        ink = ink_of(pen_seven(np.random.default_rng(seed)))
        rows, cols = np.nonzero(ink)
        top_right = cols[rows < rows.min() + 10].max()
        assert cols[rows < rows.min() + 10].min() < top_right - 40, seed  # a bar, not a flag
        slant = top_stroke_slant(ink, float(top_right))
        assert abs(slant) <= max(abs(a) for a in SEVEN_BAR_SLANT_DEG) + 10, (seed, slant)


def test_styles_are_reproducible_mnist_like_model_inputs(mnist):
    ones = mnist.x_train[mnist.y_train == 1][:50]
    for images in (flagged_ones(ones, 30, seed=1), pen_sevens(30, seed=1)):
        assert images.dtype == np.uint8 and images.shape == (30, 28, 28)
        mass = images.astype(np.float64).sum(axis=(0, 2))  # like MNIST: centre of mass in the middle
        assert abs(mass @ np.arange(28) / mass.sum() - 13.5) < 1.5
    np.testing.assert_array_equal(flagged_ones(ones, 30, seed=1), flagged_ones(ones, 30, seed=1))
