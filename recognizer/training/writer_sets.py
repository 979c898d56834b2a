"""Real handwriting by writers unlike MNIST's, each set in the look it comes in.

MNIST's writers are American; elsewhere people flag their 1s, cross their 7s and leave their 4s
open. The sets in a data folder laid out like `../shared/data` (each folder has a README: source,
licence, format, split) hold such writers with writer ids, so the model can learn them and be
judged on writers it never saw. Every digit reaches the model the way a user's does: bitmaps and
scans as pictures of dark ink on paper, pen trajectories drawn as canvas strokes, all through
`preprocess`.

A look (small grey bitmap, scanned paper cell, canvas strokes) must never stand for one class: a
retrain once learnt "pen strokes mean not a digit". So every look can also draw any ink mask and
put several of its own digits side by side (`look_negatives`), and each set brings all ten digits.

Splits are writer-disjoint and fixed: CVL's official train/valid/test, Swiss' index.csv split,
every fifth pendigits writer (ids 5, 10, ..., 30) held out, and DigiLeTs (no licence) only ever
evaluated.
"""

from __future__ import annotations

import csv
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from recognizer.model import NOT_A_DIGIT, SEVERAL_DIGITS
from recognizer.training.negatives import not_a_digit_mask
from recognizer.training.shared_data import SHARED_DATA, PenDigit, optdigits, pendigits, render_strokes, usps
from recognizer.training.synthetic import CANVAS_SIDE

PAPER_SIDE = 160  # a small bitmap is shown enlarged to about this many pixels, as a scan would be
HELD_OUT_PENDIGITS_EVERY = 5  # pendigits writers whose id is a multiple of this are never trained on


class Look(Protocol):
    """How one set's digits reach the pipeline, and how anything else is drawn like them."""

    def picture(self, item: object) -> np.ndarray:
        """The picture the pipeline receives for one item of the set."""

    def dress(self, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The picture of a canvas-sized ink mask (white on black) drawn in this look."""

    def side_by_side(self, items: list, rng: np.random.Generator) -> object:
        """One item showing several items next to each other."""


def ink_crop(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]


def resized(image: np.ndarray, width: int, height: int) -> np.ndarray:
    shrinking = width < image.shape[1] or height < image.shape[0]
    return cv2.resize(image, (max(1, width), max(1, height)),
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def ink_columns(item: np.ndarray, margin: int) -> np.ndarray:
    """The columns of a dark-on-light item that hold ink, plus `margin` paper columns each side."""
    columns = np.flatnonzero((item < 128).any(0))
    if len(columns) == 0:
        return item
    return item[:, max(0, columns[0] - margin) : columns[-1] + 1 + margin]


@dataclass(frozen=True)
class BitmapLook:
    """Small bitmaps of dark ink on light paper (CVL 28x28 grey, USPS 16x16 grey, optdigits 32x32
    binary), shown to the pipeline enlarged with a paper margin, like a scan of a form."""

    side: int  # the bitmap's height
    box: int  # the long side of a digit inside it
    stretch: bool  # NIST-style normalisation: the digit fills the box in both directions
    binary: bool
    paper: tuple[float, float]  # grey level range of the paper

    def picture(self, item: np.ndarray) -> np.ndarray:
        scale = PAPER_SIDE / self.side
        big = resized(item, round(item.shape[1] * scale), round(item.shape[0] * scale))
        border = PAPER_SIDE // 4
        paper = float(np.percentile(item, 90))  # ink may touch the bitmap's edge: the margin is plain paper
        return cv2.copyMakeBorder(big, border, border, border, border, cv2.BORDER_CONSTANT, value=paper)

    def dress(self, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ink = ink_crop(mask)
        height, width = ink.shape
        if self.stretch:
            width = height = self.box
        else:
            scale = self.box / max(height, width)
            width, height = round(width * scale), round(height * scale)
        small = resized(ink, width, height).astype(np.float32) / 255
        canvas = np.zeros((self.side, self.side), np.float32)
        top, left = (self.side - small.shape[0]) // 2, (self.side - small.shape[1]) // 2
        canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
        if self.binary:
            canvas = (canvas > 0.5).astype(np.float32)
        paper = rng.uniform(*self.paper)
        return self.picture(np.clip(paper * (1 - canvas), 0, 255).astype(np.uint8))

    def side_by_side(self, items: list, rng: np.random.Generator) -> np.ndarray:
        pieces = [ink_columns(item, int(rng.integers(0, 3))) for item in items]
        return np.hstack(pieces)


@dataclass(frozen=True)
class ScanLook:
    """Scanned paper cells (Swiss: about 100x100 px, grey or black pen, white margins): the
    pipeline receives the cell as it is."""

    def picture(self, item: np.ndarray) -> np.ndarray:
        return item

    def dress(self, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        ink = ink_crop(mask).astype(np.float32) / 255
        cell_height, cell_width = int(rng.integers(87, 105)), int(rng.integers(79, 101))
        scale = min(rng.uniform(45, 80) / ink.shape[0], (cell_width - 8) / ink.shape[1])
        small = resized(ink, round(ink.shape[1] * scale), round(ink.shape[0] * scale))
        canvas = np.zeros((cell_height, cell_width), np.float32)
        top = int(rng.integers(2, cell_height - small.shape[0] - 1))
        left = int(rng.integers(2, cell_width - small.shape[1] - 1))
        canvas[top : top + small.shape[0], left : left + small.shape[1]] = small
        paper, pen = rng.uniform(230, 255), rng.uniform(0, 110)
        scan = paper - (paper - pen) * canvas + rng.normal(0, 2, canvas.shape)
        return np.clip(scan, 0, 255).astype(np.uint8)

    def side_by_side(self, items: list, rng: np.random.Generator) -> np.ndarray:
        height = min(item.shape[0] for item in items)
        return np.hstack([ink_columns(item[:height], int(rng.integers(1, 6))) for item in items])


@dataclass(frozen=True)
class StrokeLook:
    """Pen trajectories (pendigits, DigiLeTs) drawn as strokes on the app's canvas: RGBA, ink in
    the alpha channel."""

    def picture(self, item: PenDigit) -> np.ndarray:
        return render_strokes(item.screen_strokes(CANVAS_SIDE))

    def dress(self, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.dstack([np.zeros((*mask.shape, 3), np.uint8), mask])

    def side_by_side(self, items: list, rng: np.random.Generator) -> PenDigit:
        strokes: list[np.ndarray] = []
        left = 0.0
        for item in items:
            drawn = item.screen_strokes(100, margin=0.05)
            points = np.concatenate(drawn)
            shift = left - points[:, 0].min()
            strokes += [stroke + np.array([shift, 0.0]) for stroke in drawn]
            left += points[:, 0].max() - points[:, 0].min() + rng.uniform(10, 30)
        flipped = tuple(stroke * (1.0, -1.0) for stroke in strokes)  # PenDigit keeps y upwards
        return PenDigit(SEVERAL_DIGITS, 0, flipped)


@dataclass(frozen=True)
class Handwriting:
    """The digits of one set: items in the set's own form, with labels, writers and splits."""

    source: str
    items: tuple
    labels: np.ndarray
    writers: np.ndarray  # writer ids as strings ("" when the set has none)
    splits: np.ndarray  # "train", "valid" or "test" per item
    look: Look
    files: tuple[Path, ...]  # the files it was read from, for the model card's checksums

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, *names: str) -> Handwriting:
        """Only the items in the named splits."""
        keep = np.isin(self.splits, names)
        return Handwriting(f"{self.source} {'+'.join(names)}", tuple(i for i, k in zip(self.items, keep, strict=True)
                                                                     if k),
                           self.labels[keep], self.writers[keep], self.splits[keep], self.look, self.files)

    def pictures(self) -> Iterator[np.ndarray]:
        return (self.look.picture(item) for item in self.items)


def look_negatives(data: Handwriting, not_digit_count: int, several_count: int,
                   seed: int) -> tuple[Iterator[np.ndarray], np.ndarray]:
    """Pictures that are not one digit, in `data`'s look: generated non-digits (letters,
    scribbles, shapes, blobs, objects), then two or three of the set's own digits side by side.
    Returns the pictures (made lazily, they are canvas-sized) and their labels."""
    labels = np.array([NOT_A_DIGIT] * not_digit_count + [SEVERAL_DIGITS] * several_count, np.uint8)

    def pictures() -> Iterator[np.ndarray]:
        rng = np.random.default_rng(seed)
        for _ in range(not_digit_count):
            yield data.look.dress(not_a_digit_mask(rng), rng)
        for _ in range(several_count):
            chosen = rng.choice(len(data), int(rng.integers(2, 4)), replace=False)
            yield data.look.picture(data.look.side_by_side([data.items[i] for i in chosen], rng))

    return pictures(), labels


def read_index(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as stream:
        return {row["member"]: row for row in csv.DictReader(stream)}


def tar_pictures(archive: Path, index: dict[str, dict[str, str]]) -> Iterator[tuple[dict[str, str], np.ndarray]]:
    """Every indexed PNG member of a .tar.gz, decoded to grey, read without unpacking."""
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name in index:
                raw = np.frombuffer(tar.extractfile(member).read(), np.uint8)
                yield index[member.name], cv2.imdecode(raw, cv2.IMREAD_GRAYSCALE)


def from_tar(source: str, folder: Path, archive: str, look: Look) -> Handwriting:
    index = read_index(folder / "index.csv")
    rows = sorted(tar_pictures(folder / archive, index), key=lambda pair: pair[0]["member"])
    return Handwriting(
        source, tuple(picture for _, picture in rows), np.array([int(row["label"]) for row, _ in rows]),
        np.array([row["writer"] for row, _ in rows]), np.array([row["split"] for row, _ in rows]), look,
        (folder / archive, folder / "index.csv"))


CVL_LOOK = BitmapLook(side=28, box=20, stretch=False, binary=False, paper=(238.0, 252.0))
USPS_LOOK = BitmapLook(side=16, box=16, stretch=False, binary=False, paper=(255.0, 255.0))
OPTDIGITS_LOOK = BitmapLook(side=32, box=32, stretch=True, binary=True, paper=(255.0, 255.0))


def cvl(data_dir: Path = SHARED_DATA) -> Handwriting:
    """CVL single digits (TU Wien, ICDAR 2013): 28x28 grey, 303 writers, official splits."""
    return from_tar("CVL", data_dir / "cvl", "cvl_single_digits.tar.gz", CVL_LOOK)


def swiss(data_dir: Path = SHARED_DATA) -> Handwriting:
    """Swiss scanned digit cells: 21 writers, the README's writer-disjoint train/valid split."""
    return from_tar("Swiss", data_dir / "swiss", "swiss_numbers.tar.gz", ScanLook())


def pen_writing(source: str, digits: list[PenDigit], files: tuple[Path, ...], splits: np.ndarray) -> Handwriting:
    return Handwriting(source, tuple(digits), np.array([d.label for d in digits]),
                       np.array([str(d.writer) for d in digits]), splits, StrokeLook(), files)


def pendigits_writers(data_dir: Path = SHARED_DATA) -> Handwriting:
    """pendigits' 30 writers; every fifth writer (by id) is held out as "valid"."""
    path = data_dir / "pendigits" / "pendigits-orig.tra"
    digits = pendigits(path)
    held_out = np.array([d.writer % HELD_OUT_PENDIGITS_EVERY == 0 for d in digits])
    return pen_writing("pendigits", digits, (path,), np.where(held_out, "valid", "train"))


def digilets(data_dir: Path = SHARED_DATA) -> Handwriting:
    """DigiLeTs' 77 writers' pen trajectories. No licence: evaluation only, all split "test"."""
    folder = data_dir / "digilets"
    index = list(csv.DictReader((folder / "index.csv").open(newline="")))
    lines: dict[str, list[str]] = {}
    with tarfile.open(folder / "digilets_digits.tar.gz") as tar:
        for member in tar:
            if member.isfile():
                lines[member.name] = tar.extractfile(member).read().decode().splitlines()
    digits = [trajectory_digit(lines[row["member"]][int(row["line"]) - 1], int(row["label"]), int(row["writer"]))
              for row in index]
    return pen_writing("DigiLeTs", digits, (folder / "digilets_digits.tar.gz", folder / "index.csv"),
                       np.full(len(digits), "test"))


def trajectory_digit(line: str, label: int, writer: int) -> PenDigit:
    """One DigiLeTs line (x y pressure pen_down t per point, y up, the square 0..1) as strokes:
    a stroke starts at each pen-down; hover points (pressure 0) and stray points outside the
    square the writer saw are dropped."""
    points = np.array(line.split(), np.float64).reshape(-1, 5)
    starts = np.cumsum(points[:, 3] == 1)
    inside = (points[:, 2] > 0) & (np.abs(points[:, :2] - 0.5) <= 0.55).all(1)
    strokes = tuple(points[inside & (starts == s), :2] for s in np.unique(starts[inside]))
    return PenDigit(label, writer, strokes)


def bitmaps(source: str, loader, path: Path, look: BitmapLook) -> Handwriting:
    images, labels = loader(path)
    return Handwriting(source, tuple(images), labels, np.full(len(labels), ""), np.full(len(labels), "train"), look,
                       (path,))


def usps_train(data_dir: Path = SHARED_DATA) -> Handwriting:
    return bitmaps("USPS", usps, data_dir / "usps" / "zip.train.gz", USPS_LOOK)


def optdigits_train(data_dir: Path = SHARED_DATA) -> Handwriting:
    return bitmaps("optdigits", optdigits, data_dir / "optdigits" / "optdigits-orig.tra", OPTDIGITS_LOOK)
