"""Pictures of written numbers made from real single digits, the way people write them.

The benchmark (`bench/number_reading.py`) and the tests read these through `Recognizer.read_number`,
so the digits must be ones the model never trained on (MNIST test, CVL test, pendigits writers
it never saw, real photos). Each number gets a random digit height, gaps of one kind (apart,
touching, overlapping), baseline drift, a slope of the whole line and an italic slant.
"""

from __future__ import annotations

from enum import StrEnum

import cv2
import numpy as np

from recognizer.training.shared_data import PenDigit, render_strokes

INK_THRESHOLD = 64  # uint8 ink above this counts as a stroke when placing digits against each other
PAPER_MARGIN = 0.8  # paper around the number, in digit heights


class Gap(StrEnum):
    APART = "apart"  # a clear gap between neighbours, from a hair to more than a digit's width
    TOUCHING = "touching"  # each neighbour moved in until the strokes meet
    OVERLAPPING = "overlapping"  # boxes overlap by 3-15% of a digit's width (strokes may cross)


def digit_crop(digit: np.ndarray) -> np.ndarray:
    """A white-on-black uint8 digit cut to its ink, the faint background (scans) set to 0."""
    top, bottom, left, right = ink_bounds(digit)
    return np.where(digit > 20, digit, 0)[top:bottom, left:right]


def ink_bounds(digit: np.ndarray) -> tuple[int, int, int, int]:
    """Top, bottom, left, right (exclusive) of the strokes of a white-on-black uint8 picture."""
    rows, cols = np.nonzero(digit > 20)
    return int(rows.min()), int(rows.max()) + 1, int(cols.min()), int(cols.max()) + 1


def compose_number(digits: list[np.ndarray], gap: Gap, rng: np.random.Generator) -> np.ndarray:
    """White-on-black uint8 digits (e.g. MNIST `(28, 28)`) -> uint8 grey picture of the number,
    dark ink on light paper: sizes, gaps, drift, slope and slant drawn from `rng`."""
    return composed_number(digits, gap, rng)[0]


def composed_number(digits: list[np.ndarray], gap: Gap, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """`compose_number`'s picture, and which digit each pixel's ink belongs to (int8, the index
    into `digits`, -1 for paper): where neighbours touch or overlap, the pixel goes to the digit
    whose stroke is darker there. Training learns cut pieces by what they hold (`cut_pieces.py`)."""
    height = rng.uniform(40, 120)
    pieces = []
    for digit in digits:
        crop = digit_crop(digit)
        scale = height * rng.uniform(0.9, 1.1) / crop.shape[0]
        pieces.append(cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC))
    width = sum(piece.shape[1] for piece in pieces) + int(2 * height * len(pieces))
    canvas = np.zeros((int(height * 1.6), width), np.uint8)
    layers = np.zeros((len(pieces), *canvas.shape), np.uint8)
    x = 0
    for index, piece in enumerate(pieces):
        y = int(np.clip(height * 0.3 + rng.normal(0, 0.06) * height, 0, canvas.shape[0] - piece.shape[0]))
        if index:
            x = next_position(canvas, piece, x, y, gap, rng)
        region = canvas[y : y + piece.shape[0], x : x + piece.shape[1]]
        np.maximum(region, piece, out=region)
        layers[index, y : y + piece.shape[0], x : x + piece.shape[1]] = piece
        x += piece.shape[1]
    top, bottom, left, right = ink_bounds(canvas)
    slant, slope = rng.uniform(-0.15, 0.15), rng.uniform(-3, 3)
    turned = sheared_and_turned(digit_crop(canvas), slant, slope)
    number = digit_crop(turned)
    up, down, start, end = ink_bounds(turned)
    turned_layers = np.stack([sheared_and_turned(layer[top:bottom, left:right], slant, slope)[up:down, start:end]
                              for layer in layers])
    owners = np.where(number > 0, turned_layers.argmax(axis=0), -1).astype(np.int8)
    margin = int(PAPER_MARGIN * height)
    number = np.pad(number, margin)
    paper = rng.uniform(200, 250)
    ink = rng.uniform(0.7, 1.0)
    picture = paper - ink * paper * number.astype(np.float32) / 255 + rng.normal(0, 3, number.shape)
    return np.clip(picture, 0, 255).astype(np.uint8), np.pad(owners, margin, constant_values=-1)


def next_position(canvas: np.ndarray, piece: np.ndarray, right_edge: int, y: int, gap: Gap,
                  rng: np.random.Generator) -> int:
    """Left column for the next digit, given the previous digit's right edge."""
    width = piece.shape[1]
    if gap == Gap.APART:
        return right_edge + max(2, int(rng.uniform(0.05, 0.8) * canvas.shape[0] / 1.6))
    if gap == Gap.OVERLAPPING:  # not left of the paper when a hairline 1 comes first
        return max(0, right_edge - max(1, int(rng.uniform(0.03, 0.15) * width)))
    strokes = piece > INK_THRESHOLD
    for x in range(right_edge, max(0, right_edge - width) - 1, -1):
        placed = canvas[y : y + piece.shape[0], x : x + width] > INK_THRESHOLD
        if (placed & strokes).any():
            return x  # the first place, coming in from the right, where the strokes meet
    return right_edge


def slant_and_slope(image: np.ndarray, slant: float, slope_degrees: float) -> np.ndarray:
    """Shear the writing by `slant` (x shift per row, italic) and turn it by `slope_degrees`."""
    return digit_crop(sheared_and_turned(image, slant, slope_degrees))


def sheared_and_turned(image: np.ndarray, slant: float, slope_degrees: float) -> np.ndarray:
    """`slant_and_slope` before cutting to the ink: the same frame for any image of this size."""
    height, width = image.shape
    shear = np.array([[1, -slant, slant * height / 2], [0, 1, 0]], np.float32)
    grown = int(abs(slant) * height) + 2
    sheared = cv2.warpAffine(np.pad(image, ((0, 0), (grown, grown))), shear, (width + 2 * grown, height))
    diagonal = int(np.hypot(*sheared.shape)) + 2
    padded = np.pad(sheared, ((diagonal - sheared.shape[0]) // 2, (diagonal - sheared.shape[1]) // 2))
    centre = (padded.shape[1] / 2, padded.shape[0] / 2)
    return cv2.warpAffine(padded, cv2.getRotationMatrix2D(centre, slope_degrees, 1.0), padded.shape[::-1])


def pen_number(digits: list[PenDigit], rng: np.random.Generator, height: int = 150,
               brush: int = 14) -> np.ndarray:
    """Pen trajectories written one after another on a wide transparent canvas (RGBA, ink in the
    alpha channel), as a person writes a number with a mouse or a finger in the app."""
    strokes: list[np.ndarray] = []
    x = rng.uniform(0.3, 0.6) * height
    for digit in digits:
        points = np.concatenate(digit.strokes).astype(np.float64)
        low, high = points.min(0), points.max(0)
        scale = height * rng.uniform(0.9, 1.05) / max(high[1] - low[1], 1.0)
        top = rng.uniform(0.35, 0.5) * height
        for stroke in digit.strokes:
            strokes.append(np.column_stack([x + (stroke[:, 0] - low[0]) * scale,
                                            top + (high[1] - stroke[:, 1]) * scale]))
        x += (high[0] - low[0]) * scale + rng.uniform(0.15, 0.5) * height
    side = int(x + 0.5 * height)
    square = render_strokes(strokes, size=max(side, 2 * height), width=brush)
    return square[: 2 * height, :side]


def side_by_side(photos: list[np.ndarray], height: int = 400) -> np.ndarray:
    """Photos of single digits (RGB uint8) scaled to one height and set next to each other."""
    scaled = [cv2.resize(photo, (max(1, round(photo.shape[1] * height / photo.shape[0])), height),
                         interpolation=cv2.INTER_AREA) for photo in photos]
    return np.concatenate(scaled, axis=1)
