"""Pictures of written numbers for tests: real digits set on one line with chosen gaps and
punctuation (the benchmark's random numbers are in `recognizer/training/written_numbers.py`)."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.training.written_numbers import digit_crop

HEIGHT = 80


def number_of(clear, text: str, rng: np.random.Generator) -> list[np.ndarray]:
    return [clear[int(c)][rng.integers(len(clear[int(c)]))] for c in text]


def written(items: list, height: int = HEIGHT) -> np.ndarray:
    """One line, left to right, dark on light paper: white-on-black digit images (scaled to
    `height`), ints (the gap to the next item in pixels; negative overlaps) and marks ".", ","
    and "-" drawn where punctuation sits."""
    canvas = np.zeros((3 * height, 40 * height), np.uint8)
    top, x = height, height
    for item in items:
        if isinstance(item, int | np.integer):
            x += int(item)
            continue
        if isinstance(item, str):
            mark = punctuation(item, height)
            region = canvas[top : top + height, x : x + mark.shape[1]]
        else:
            crop = digit_crop(item)
            mark = cv2.resize(crop, (max(1, round(crop.shape[1] * height / crop.shape[0])), height))
            region = canvas[top : top + height, x : x + mark.shape[1]]
        np.maximum(region, mark, out=region)
        x += mark.shape[1]
    return 255 - digit_crop_with_margin(canvas, height)


def spaced(digits, gap: int) -> list:
    """Digits with `gap` pixels between neighbours, as items for `written`."""
    return [part for digit in digits for part in (digit, gap)][:-1]


def punctuation(mark: str, height: int) -> np.ndarray:
    """A dot or a comma on the baseline, or a dash at half height, white on black."""
    picture = np.zeros((height, height // 3), np.uint8)
    centre = (height // 6, height - height // 10)
    if mark in ".,":
        cv2.circle(picture, centre, height // 14, 255, -1, cv2.LINE_AA)
    if mark == ",":
        cv2.line(picture, centre, (0, height - 1), 255, height // 20, cv2.LINE_AA)
    if mark == "-":
        cv2.line(picture, (2, height // 2), (height // 3 - 3, height // 2), 255, height // 12, cv2.LINE_AA)
    return picture


def digit_crop_with_margin(canvas: np.ndarray, margin: int) -> np.ndarray:
    return np.pad(digit_crop(canvas), margin)
