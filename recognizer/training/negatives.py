"""Pictures that are not one digit, for teaching the model to say so.

A ten-class model always names a digit. Ours has two more classes, "not a digit" and "several
digits", learned from the pictures made here: letters (from OpenCV's Hershey stroke fonts, which
look hand-drawn), scribbles, shapes, filled blobs and textures, shaded objects as in a photo,
and two or three MNIST digits side by side. Letters that people also write as digits (O for 0,
l for 1, S for 5, ...) are never used. Every picture is drawn at canvas size and goes through
the same preprocessing as a user's input, so the model learns what it will actually be shown.

Only some Hershey fonts are used for training (`TRAINING_FONTS`); the others and the system's
TrueType fonts are left for measuring how well rejection generalizes (`bench/rejection.py`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import cv2
import numpy as np

from recognizer.model import NOT_A_DIGIT, SEVERAL_DIGITS
from recognizer.preprocess import mnist_like_inputs
from recognizer.training.synthetic import CANVAS_SIDE, draw_on_paper

# Letters that do not double as digits (no O o Q D for 0, I l i j J for 1, Z z for 2, S s for 5,
# B for 8, b G for 6, a d g q for 9, T for 7, A for 4, y for 4/9)
LETTERS = "cefhkmnprtuvwxCEFHKLMNPRUVWXY"
TRAINING_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_TRIPLEX,
                  cv2.FONT_HERSHEY_SCRIPT_SIMPLEX)
HELD_OUT_FONTS = (cv2.FONT_HERSHEY_PLAIN, cv2.FONT_HERSHEY_COMPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL,
                  cv2.FONT_HERSHEY_SCRIPT_COMPLEX)


def blank() -> np.ndarray:
    return np.zeros((CANVAS_SIDE, CANVAS_SIDE), np.uint8)


def stroke_width(rng: np.random.Generator) -> int:
    return int(rng.integers(6, 22))


def fitted_text(text: str, font: int, rng: np.random.Generator, italic: bool = False) -> np.ndarray:
    """An ink mask of `text` in a Hershey font, scaled to 100-220 px wide and rotated a little."""
    thickness = int(rng.integers(2, 6))
    style = font | (cv2.FONT_ITALIC if italic else 0)
    (width, height), _ = cv2.getTextSize(text, style, 1.0, thickness)
    scale = rng.uniform(100, 220) / max(width, height)
    thickness = max(2, round(thickness * scale / 2))
    (width, height), baseline = cv2.getTextSize(text, style, scale, thickness)
    big = np.zeros((height + baseline + 2 * thickness + 20, width + 2 * thickness + 20), np.uint8)
    cv2.putText(big, text, (thickness + 10, height + thickness + 10), style, scale, 255, thickness, cv2.LINE_AA)
    return placed(big, rng)


def placed(mask: np.ndarray, rng: np.random.Generator, max_rotation: float = 15) -> np.ndarray:
    """The mask rotated by up to `max_rotation` degrees, shrunk to fit, at a random place."""
    rows, cols = np.nonzero(mask)
    mask = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    centre = (mask.shape[1] / 2, mask.shape[0] / 2)
    side = int(np.hypot(*mask.shape)) + 2
    matrix = cv2.getRotationMatrix2D(centre, rng.uniform(-max_rotation, max_rotation), 1.0)
    matrix[:, 2] += (side / 2 - centre[0], side / 2 - centre[1])
    mask = cv2.warpAffine(mask, matrix, (side, side))
    rows, cols = np.nonzero(mask)
    mask = mask[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    limit = CANVAS_SIDE - 20
    if max(mask.shape) > limit:
        mask = cv2.resize(mask, None, fx=limit / max(mask.shape), fy=limit / max(mask.shape),
                          interpolation=cv2.INTER_AREA)
    canvas = blank()
    top = rng.integers(0, CANVAS_SIDE - mask.shape[0] + 1)
    left = rng.integers(0, CANVAS_SIDE - mask.shape[1] + 1)
    canvas[top : top + mask.shape[0], left : left + mask.shape[1]] = mask
    return canvas


def letter(rng: np.random.Generator, fonts: tuple[int, ...] = TRAINING_FONTS) -> np.ndarray:
    return fitted_text(str(rng.choice(list(LETTERS))), int(rng.choice(fonts)), rng, italic=rng.random() < 0.3)


def word(rng: np.random.Generator, fonts: tuple[int, ...] = TRAINING_FONTS) -> np.ndarray:
    text = "".join(rng.choice(list(LETTERS), int(rng.integers(2, 5))))
    return fitted_text(text, int(rng.choice(fonts)), rng, italic=rng.random() < 0.3)


def scribble(rng: np.random.Generator) -> np.ndarray:
    """A smooth pen path through 8-14 random points: the doodle of someone testing the canvas."""
    points = rng.uniform(30, CANVAS_SIDE - 30, size=(int(rng.integers(8, 15)), 2))
    steps = np.linspace(0, len(points) - 1, 300)
    path = np.stack([np.interp(steps, np.arange(len(points)), points[:, axis]) for axis in (0, 1)], axis=1)
    path = cv2.GaussianBlur(path.astype(np.float32)[:, None, :], (1, 15), 0)[:, 0, :]
    canvas = blank()
    cv2.polylines(canvas, [path.round().astype(np.int32)], False, 255, stroke_width(rng), cv2.LINE_AA)
    return canvas


def shape(rng: np.random.Generator) -> np.ndarray:
    """An outlined or filled polygon, star, cross, arrow, grid, zigzag, spiral or dash."""
    canvas = blank()
    width, centre = stroke_width(rng), np.array([140.0, 140.0]) + rng.uniform(-40, 40, 2)
    radius = rng.uniform(50, 110)
    kind = rng.integers(0, 8)
    if kind <= 1:  # triangle, square ... octagon, or a star
        corners = int(rng.integers(3, 9))
        angles = np.linspace(0, 2 * np.pi, corners * (2 if kind else 1), endpoint=False) + rng.uniform(0, np.pi)
        radii = np.where(np.arange(len(angles)) % 2, radius * rng.uniform(0.3, 0.6), radius) if kind else radius
        polygon = centre + np.stack([np.cos(angles), np.sin(angles)], 1) * np.asarray(radii)[..., None]
        if rng.random() < 0.4:
            cv2.fillPoly(canvas, [polygon.round().astype(np.int32)], 255, cv2.LINE_AA)
        else:
            cv2.polylines(canvas, [polygon.round().astype(np.int32)], True, 255, width, cv2.LINE_AA)
    elif kind == 2:  # a cross + or x
        for angle in np.array([0, np.pi / 2]) + rng.choice([0, np.pi / 4]):
            offset = radius * np.array([np.cos(angle), np.sin(angle)])
            cv2.line(canvas, tuple((centre - offset).astype(int)), tuple((centre + offset).astype(int)), 255, width)
    elif kind == 3:  # an arrow
        tip, tail = centre + np.array([radius, 0]), centre - np.array([radius, 0])
        cv2.arrowedLine(canvas, tuple(tail.astype(int)), tuple(tip.astype(int)), 255, width, tipLength=0.35)
    elif kind == 4:  # a grid or hatching
        lines = int(rng.integers(3, 7))
        for position in np.linspace(-radius, radius, lines):
            cv2.line(canvas, (int(centre[0] + position), int(centre[1] - radius)),
                     (int(centre[0] + position), int(centre[1] + radius)), 255, width // 2 + 2)
            if rng.random() < 0.6:
                cv2.line(canvas, (int(centre[0] - radius), int(centre[1] + position)),
                         (int(centre[0] + radius), int(centre[1] + position)), 255, width // 2 + 2)
    elif kind == 5:  # a zigzag or wave
        xs = np.linspace(centre[0] - radius, centre[0] + radius, int(rng.integers(4, 9)))
        ys = centre[1] + np.where(np.arange(len(xs)) % 2, 1, -1) * rng.uniform(15, 50)
        cv2.polylines(canvas, [np.stack([xs, ys], 1).round().astype(np.int32)], False, 255, width, cv2.LINE_AA)
    elif kind == 6:  # a spiral of at least two turns
        turns = np.linspace(0, rng.uniform(4, 7) * np.pi, 300)
        spiral = centre + np.stack([np.cos(turns), np.sin(turns)], 1) * (radius * turns / turns[-1])[:, None]
        cv2.polylines(canvas, [spiral.round().astype(np.int32)], False, 255, width // 2 + 3, cv2.LINE_AA)
    else:  # a dash, lying (upright or slanted it would be a 1)
        cv2.line(canvas, (int(centre[0] - radius), int(centre[1])), (int(centre[0] + radius), int(centre[1])), 255,
                 width)
        return placed(canvas, rng, max_rotation=20)
    return placed(canvas, rng, max_rotation=180)


def blob(rng: np.random.Generator) -> np.ndarray:
    """A filled irregular blob or a texture: how objects and patterns come out of a photo."""
    noise = cv2.GaussianBlur(rng.random((CANVAS_SIDE, CANVAS_SIDE)).astype(np.float32), (0, 0), rng.uniform(6, 30))
    noise = (noise - noise.min()) / (noise.max() - noise.min() + 1e-9)
    level = rng.uniform(0.45, 0.7)
    mask = (noise > level).astype(np.uint8) * 255
    if rng.random() < 0.5:  # one big filled object
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
        if count > 1:
            mask = ((labels == 1 + int(stats[1:, cv2.CC_STAT_AREA].argmax())) * 255).astype(np.uint8)
    return mask if mask.any() else shape(rng)


def object_photo(rng: np.random.Generator) -> np.ndarray:
    """A photographed thing (a garment, a bag, a shoe): a large silhouette of 2-4 overlapping
    boxes, filled with shading and texture rather than drawn with strokes. (No ellipses: the
    preprocessing keeps an object's outline, and an oval outline is a fair 0.)"""
    silhouette = blank()
    for _ in range(int(rng.integers(2, 5))):
        centre = tuple(float(v) for v in rng.uniform(90, 190, 2))
        size = tuple(float(v) for v in rng.uniform(40, 200, 2))
        box = cv2.boxPoints((centre, size, rng.uniform(-30, 30)))
        cv2.fillPoly(silhouette, [box.round().astype(np.int32)], 255)
    shading = cv2.GaussianBlur(rng.random(silhouette.shape).astype(np.float32), (0, 0), rng.uniform(5, 25))
    shading = (shading - shading.min()) / (shading.max() - shading.min() + 1e-9)
    rows = np.arange(CANVAS_SIDE, dtype=np.float32)[:, None]
    stripes = 0.5 + 0.5 * np.sin(rows / rng.uniform(2, 12) + rng.uniform(0, 6)) if rng.random() < 0.3 else 1.0
    tone = rng.uniform(0.25, 1.0) * (0.6 + 0.4 * shading) * stripes
    return (silhouette * np.clip(tone, 0.1, 1.0)).astype(np.uint8)


def several_digits(rng: np.random.Generator, digits: np.ndarray) -> np.ndarray:
    """Two or three different digits from `digits` (uint8 MNIST images) written side by side."""
    chosen = digits[rng.choice(len(digits), int(rng.integers(2, 4)), replace=False)]
    return 255 - draw_on_paper(digits_in_a_row(chosen, rng), rng)


def digits_in_a_row(digits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digits' ink boxes left to right, half of the neighbours apart by a small gap, half
    touching or overlapping by up to 15% of the narrower one's width, as people write numbers:
    a pair that touches is still several digits."""
    crops = []
    for digit in digits:
        rows, cols = np.nonzero(digit)
        crops.append(digit[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1])
    starts = [0]
    for left, right in itertools.pairwise(crops):
        narrower = min(left.shape[1], right.shape[1])
        gap = int(rng.integers(1, 6)) if rng.random() < 0.5 else -int(rng.integers(0, int(0.15 * narrower) + 1))
        starts.append(starts[-1] + left.shape[1] + gap)
    row = np.zeros((max(c.shape[0] for c in crops), starts[-1] + crops[-1].shape[1]), np.uint8)
    for start, crop in zip(starts, crops, strict=True):
        place = row[: crop.shape[0], start : start + crop.shape[1]]
        np.maximum(place, crop, out=place)
    return row


NOT_A_DIGIT_KINDS: dict[str, Callable[[np.random.Generator], np.ndarray]] = {
    "letter": letter, "word": word, "scribble": scribble, "shape": shape, "blob": blob, "object": object_photo,
}


def as_user_picture(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """An ink mask as the app receives it: half as canvas strokes (RGBA, ink in the alpha
    channel), half as dark ink on slightly grey, slightly noisy paper."""
    if rng.random() < 0.5:
        return np.dstack([np.zeros((*mask.shape, 3), np.uint8), mask])
    paper = rng.uniform(200, 255) + rng.normal(0, 3, mask.shape)
    ink = rng.uniform(0, 80)
    picture = paper - (paper - ink) * (mask.astype(np.float32) / 255)
    return np.clip(picture, 0, 255).astype(np.uint8)


def looks_like_a_one(mask: np.ndarray) -> bool:
    """A long thin mark that is not lying flat: people write their 1s like that."""
    rows, cols = np.nonzero(mask)
    if len(rows) < 3:
        return False  # a dot
    variances, axes = np.linalg.eigh(np.cov(np.stack([cols, rows]).astype(np.float64)))
    main_axis = axes[:, 1]  # eigenvalues ascend: the last vector is the long direction
    steep = abs(main_axis[1]) > np.sin(np.deg2rad(30))
    return bool(variances[1] > 6.25 * max(variances[0], 1.0) and steep)  # 2.5 times longer than wide


def not_a_digit_mask(rng: np.random.Generator) -> np.ndarray:
    """The ink mask of one random thing that is not a digit (kinds in equal shares, none shaped
    like a 1), for drawing in any look."""
    kind = list(NOT_A_DIGIT_KINDS)[int(rng.integers(len(NOT_A_DIGIT_KINDS)))]
    mask = NOT_A_DIGIT_KINDS[kind](rng)
    while looks_like_a_one(mask):
        mask = NOT_A_DIGIT_KINDS[kind](rng)
    return mask


def not_a_digit(rng: np.random.Generator) -> np.ndarray:
    """One random picture that is not a digit, as the app receives it."""
    return as_user_picture(not_a_digit_mask(rng), rng)


def photographed_object(item: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A Fashion-MNIST item (uint8 28x28, the object light on black) enlarged to 120-260 px and
    placed on the canvas: a mask, like the other kinds."""
    side = int(rng.integers(120, 261))
    return placed(cv2.resize(item, (side, side), interpolation=cv2.INTER_CUBIC), rng)


def negative_examples(not_digit_count: int, several_count: int, digits: np.ndarray, seed: int,
                      objects: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs (uint8 `(N, 28, 28)`, as MNIST) and labels for the two extra classes, each
    picture sent through `preprocess` like a user's; pictures it finds blank are dropped.
    `objects` (Fashion-MNIST items), when given, are added as photographed objects, except the
    ones shaped like a 1 (a trouser leg, a thin dress seen from the side)."""
    rng = np.random.default_rng(seed)
    pictures = [(not_a_digit(rng), NOT_A_DIGIT) for _ in range(not_digit_count)]
    pictures += [(as_user_picture(several_digits(rng, digits), rng), SEVERAL_DIGITS) for _ in range(several_count)]
    masks = [photographed_object(item, rng) for item in ([] if objects is None else objects) if item.any()]
    pictures += [(as_user_picture(mask, rng), NOT_A_DIGIT) for mask in masks if not looks_like_a_one(mask)]
    images, kept = mnist_like_inputs(picture for picture, _ in pictures)
    return images, np.array([label for _, label in pictures], np.uint8)[kept]
