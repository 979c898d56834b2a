"""Readers for the development data sets in `../shared/data` (never shipped with the project).

Used by the benchmarks and by tests; each reader returns plain arrays or file lists so that the
caller renders them into pictures and sends them through the same `Recognizer` as user input.
"""

from __future__ import annotations

import csv
import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

SHARED_DATA = Path(os.environ.get("DIGIT_LENS_SHARED_DATA", Path(__file__).resolve().parents[3] / "shared" / "data"))
FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")  # Debian's package dataset-fashion-mnist
PENDIGITS_BOX = 500  # tablet units; y grows upwards


@dataclass(frozen=True)
class RealDigit:
    path: Path
    label: int
    kind: str  # "photo" or "digital"
    source: str  # the repository it was published in: one writer, one camera


def real_digits(root: Path = SHARED_DATA / "real_digits") -> list[RealDigit]:
    with (root / "labels.csv").open(newline="") as stream:
        return [RealDigit(root / row["file"], int(row["label"]), row["kind"], row["source_repo"])
                for row in csv.DictReader(stream)]


@dataclass(frozen=True)
class PenDigit:
    """One digit written on a tablet: strokes of (x, y) points, y grows upwards (UNIPEN)."""

    label: int
    writer: int
    strokes: tuple[np.ndarray, ...]

    def screen_strokes(self, size: int, margin: float = 0.2) -> list[np.ndarray]:
        """Strokes in screen pixels (y down), the digit's box scaled to fill a `size` square
        minus `margin` on each side, aspect ratio kept, as a person draws on a canvas."""
        points = np.concatenate(self.strokes).astype(np.float64)
        low, high = points.min(0), points.max(0)
        scale = size * (1 - 2 * margin) / max(*(high - low), 1e-6)  # any unit: pendigits pixels, DigiLeTs 0..1
        centre = (low + high) / 2
        return [np.column_stack([(s[:, 0] - centre[0]) * scale + size / 2,
                                 size / 2 - (s[:, 1] - centre[1]) * scale]) for s in self.strokes]


def pendigits(path: Path = SHARED_DATA / "pendigits" / "pendigits-orig.tra") -> list[PenDigit]:
    digits: list[PenDigit] = []
    label = writer = 0
    strokes: list[np.ndarray] = []
    current: list[tuple[int, int]] | None = None
    for line in path.read_text().splitlines():
        if line.startswith(".SEGMENT"):
            if strokes:
                digits.append(PenDigit(label, writer, tuple(strokes)))
            label, strokes = int(line.split('"')[1]), []
        elif line.startswith(".COMMENT"):
            writer = int(line.split()[2])
        elif line.startswith(".PEN_DOWN"):
            current = []
        elif line.startswith(".PEN_UP"):
            if current:
                strokes.append(np.array(current))
            current = None
        elif current is not None and line.strip():
            x, y = line.split()
            current.append((int(x), int(y)))
    if strokes:
        digits.append(PenDigit(label, writer, tuple(strokes)))
    return digits


def render_strokes(strokes: list[np.ndarray], size: int = 280, width: int = 18) -> np.ndarray:
    """Draw screen-space strokes like the app's canvas does: RGBA, ink only in the alpha channel."""
    alpha = np.zeros((size, size), np.uint8)
    for stroke in strokes:
        points = np.round(stroke * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(alpha, [points], False, 255, width, cv2.LINE_AA, shift=4)
        if len(stroke) == 1:
            cv2.circle(alpha, tuple(np.round(stroke[0]).astype(int)), width // 2, 255, -1, cv2.LINE_AA)
    image = np.zeros((size, size, 4), np.uint8)
    image[..., 3] = alpha
    return image


def fashion_photo(item: np.ndarray, size: int = 280) -> np.ndarray:
    """A Fashion-MNIST item (light on black) photographed whole-frame as a dark object on white
    paper: how the benchmarks and tests show the model objects it never trained on."""
    return 255 - cv2.resize(item, (size, size), interpolation=cv2.INTER_CUBIC)


def on_paper(bitmap: np.ndarray, side: int = 160, margin: int | None = None) -> np.ndarray:
    """A small dark-on-white bitmap enlarged to a scan-like picture, `side` pixels for the bitmap
    plus `margin` pixels of white paper on every side (default a quarter of `side`; 0 is a tight
    crop whose strokes reach the edge, as in a form box or a cropped photo)."""
    margin = side // 4 if margin is None else margin
    big = cv2.resize(bitmap, (side, side), interpolation=cv2.INTER_CUBIC)
    paper = float(np.percentile(bitmap, 90))  # ink may touch the bitmap's edge: the margin is plain paper
    return cv2.copyMakeBorder(big, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=paper)


def ink_box(picture: np.ndarray, grow: int = 0) -> tuple[int, int, int, int]:
    """The box (x, y, w, h) of a grey dark-on-light picture's ink, `grow` pixels of paper added on
    every side where the picture has them: a scan cut tightly around its digit."""
    rows, cols = np.nonzero(picture < (float(np.percentile(picture, 90)) + float(picture.min())) / 2)
    x0, y0 = max(0, cols.min() - grow), max(0, rows.min() - grow)
    x1, y1 = min(picture.shape[1], cols.max() + 1 + grow), min(picture.shape[0], rows.max() + 1 + grow)
    return x0, y0, x1 - x0, y1 - y0


def cropped(image: np.ndarray, box: tuple[int, int, int, int], inset: int = 0) -> np.ndarray:
    """The part of a picture inside box (x, y, w, h), `inset` pixels further in on every side:
    a tight crop around a digit, or one that cuts into its strokes."""
    x, y, w, h = box
    return image[y + inset : y + h - inset, x + inset : x + w - inset]


def usps(path: Path = SHARED_DATA / "usps" / "zip.train.gz") -> tuple[np.ndarray, np.ndarray]:
    """USPS digits as dark-on-paper uint8 `(N, 16, 16)` images and int labels."""
    with gzip.open(path, "rt") as stream:
        rows = np.loadtxt(stream)
    return ((1 - rows[:, 1:].reshape(-1, 16, 16)) * 127.5).astype(np.uint8), rows[:, 0].astype(int)


def optdigits(path: Path = SHARED_DATA / "optdigits" / "optdigits-orig.tra") -> tuple[np.ndarray, np.ndarray]:
    """optdigits as dark-on-paper uint8 `(N, 32, 32)` images and int labels."""
    lines = path.read_text().splitlines()[21:]
    images, labels = [], []
    for start in range(0, len(lines) - 32, 33):
        bits = np.array([[c == "1" for c in row.strip()] for row in lines[start : start + 32]])
        images.append(np.where(bits, 0, 255).astype(np.uint8))
        labels.append(int(lines[start + 32]))
    return np.stack(images), np.array(labels)

