"""Pieces of written numbers, cut the way number reading cuts them, labelled by the ink they hold.

Number reading (`recognizer/numbers.py`) reads every piece between two candidate cuts of a group
of touching digits and keeps the split whose digits the model is surest of. A model that only
ever saw whole digits is sure of pieces it should not be: two touching digits read as one digit
(a digit lost), a digit carrying a stroke of its neighbour read as another, a stroke's fragment
read as a 1 (a digit invented). So training also sees such pieces: training digits composed into
numbers whose digits touch or overlap (`written_numbers.composed_number`, which says which digit
owns each pixel), cut by number reading's own functions and prepared by its own `prepare`, so the
model learns exactly the inputs it will be shown.

A piece holding nearly all of one digit's ink and little of any other is that digit; one holding
most of two digits' ink is "several digits"; one holding under a fifth of every digit's ink is
"not a digit", unless it is shaped like a 1 (as with the generated negatives: a stroke like that
may well be a 1). Pieces in between are left out: no one could say what they should be read as.
Larger fragments are left out too: half of a digit often looks like a whole digit written another
way (a 7 without its crossbar, an open 4), and calling it "not a digit" would teach the model to
refuse such digits. The trainings with fragments up to 0.3 and under 0.2 of a digit's ink are
compared in the closing notes of the number-reading issue.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from recognizer.model import NOT_A_DIGIT, SEVERAL_DIGITS
from recognizer.numbers import Picture, group_piece, possible_pieces, prepare
from recognizer.preprocess import display_copy, extract_ink, to_working_size
from recognizer.segment import find_lines
from recognizer.training.negatives import looks_like_a_one
from recognizer.training.written_numbers import Gap, composed_number

WHOLE_DIGIT = 0.9  # a piece with at least this share of one digit's ink ...
RESIDUE = 0.15  # ... and at most this share of every other digit's ink is that digit
SEVERAL = 0.6  # a piece with at least this share of two digits' ink is "several digits"
FRAGMENT = 0.2  # a piece with less than this share of every digit's ink is "not a digit"
TOUCHING_SHARE = 0.2  # a group is cut when two digits each have this share of their ink in it
PER_LABEL = 2  # pieces kept per label and number: neighbouring cuts give nearly the same piece
LENGTHS = (2, 3, 4)
GAPS = (Gap.TOUCHING, Gap.OVERLAPPING)
CHUNK = 100  # numbers per task
NUMBERS_PER_SOURCE = {"MNIST": 2500, "CVL": 1500}  # what train.py --number-pieces composes
SOURCES = ("MNIST", "CVL", "USPS", "optdigits")  # whose digits may be composed (each has its seeds)


def piece_label(shares: np.ndarray, digits: Sequence[int]) -> int | None:
    """The class a piece should be read as, from the share of each digit's ink it holds (`digits`
    the number's digits, in order); None: too much of one digit to be a fragment, too little to
    be that digit."""
    order = np.argsort(shares)[::-1]
    first, second = shares[order[0]], shares[order[1]] if len(shares) > 1 else 0.0
    if first >= WHOLE_DIGIT and second <= RESIDUE:
        return digits[order[0]]
    if second >= SEVERAL:
        return SEVERAL_DIGITS
    if first < FRAGMENT:
        return NOT_A_DIGIT
    return None


def number_pieces(picture: np.ndarray, owners: np.ndarray, labels: Sequence[int],
                  rng: np.random.Generator) -> list[tuple[np.ndarray, int]]:
    """uint8 model inputs (28x28) and classes of the pieces of one composed number: every group
    where digits touch, whole and cut at number reading's candidate cuts, at most PER_LABEL per
    class (chosen at random)."""
    working = to_working_size(picture)
    owners = cv2.resize(owners, working.shape[1::-1], interpolation=cv2.INTER_NEAREST)
    ink, _ = extract_ink(working)
    layout = find_lines(ink)
    if layout is None:
        return []
    shown = Picture(display_copy(working), ink, picture.shape[:2])
    found: dict[int, list[np.ndarray]] = {}
    for line in layout.lines:
        for group in line.groups:
            whole = group_piece(layout, group)
            totals = owned_ink(whole.box, whole.mask, owners, len(labels))
            if (totals >= TOUCHING_SHARE * owned_ink_everywhere(owners, len(labels))).sum() < 2:
                continue
            for piece in [whole, *possible_pieces(layout, group, line).pieces.values()]:
                shares = owned_ink(piece.box, piece.mask, owners, len(labels)) / np.maximum(totals, 1)
                label = piece_label(shares, labels)
                if label is None or (label == NOT_A_DIGIT and looks_like_a_one(piece.mask)):
                    continue  # as with generated negatives: a stroke shaped like a 1 may well be one
                if (model_input := prepare(shown, piece, line.height).model_input) is not None:
                    found.setdefault(label, []).append(model_input)
    kept: list[tuple[np.ndarray, int]] = []
    for label, inputs in found.items():
        for index in rng.permutation(len(inputs))[:PER_LABEL]:
            kept.append(((inputs[index] * 255).round().astype(np.uint8), label))
    return kept


def owned_ink(box: tuple[int, int, int, int], mask: np.ndarray, owners: np.ndarray, digits: int) -> np.ndarray:
    """Pixels of a piece's ink (its `mask` inside `box`) that each digit owns."""
    x, y, w, h = box
    owner = owners[y : y + h, x : x + w][mask]
    return np.bincount(owner[owner >= 0], minlength=digits)[:digits].astype(np.float64)


def owned_ink_everywhere(owners: np.ndarray, digits: int) -> np.ndarray:
    return np.bincount(owners[owners >= 0].ravel(), minlength=digits)[:digits].astype(np.float64)


def cut_pieces(images: np.ndarray, labels: np.ndarray, numbers: int,
               seed: int | list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of `numbers` composed numbers of white-on-black uint8 digits `images` (2-4 digits
    each, touching or overlapping): uint8 `(N, 28, 28)` inputs and their classes."""
    rng = np.random.default_rng(seed)
    inputs: list[np.ndarray] = []
    classes: list[int] = []
    for _ in range(numbers):
        chosen = rng.choice(len(images), int(rng.choice(LENGTHS)), replace=False)
        picture, owners = composed_number(list(images[chosen]), GAPS[int(rng.integers(len(GAPS)))], rng)
        for model_input, label in number_pieces(picture, owners, [int(d) for d in labels[chosen]], rng):
            inputs.append(model_input)
            classes.append(label)
    if not inputs:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8)
    return np.stack(inputs), np.array(classes, np.uint8)


def pieces_of_numbers(digits: dict[str, tuple[np.ndarray, np.ndarray]], numbers: dict[str, int],
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`cut_pieces` of `numbers[source]` numbers of each source's white-on-black digits (the
    sources named in `numbers` that `digits` has), CHUNK numbers per task on every core; each
    chunk has its own seed, so the pieces do not depend on how many cores there are."""
    tasks = [(source, start) for source in numbers if source in digits for start in range(0, numbers[source], CHUNK)]
    with ThreadPoolExecutor() as pool:
        made = list(pool.map(lambda task: cut_pieces(*digits[task[0]], min(CHUNK, numbers[task[0]] - task[1]),
                                                     [seed, SOURCES.index(task[0]), task[1]]), tasks))
    for source in dict.fromkeys(source for source, _ in tasks):
        classes = np.concatenate([y for (of, _), (_, y) in zip(tasks, made, strict=True) if of == source])
        print(f"Cut pieces of {numbers[source]} {source} numbers: {describe(classes)}", flush=True)
    return np.concatenate([x for x, _ in made]), np.concatenate([y for _, y in made])


def describe(classes: np.ndarray) -> str:
    return (f"{int((classes < NOT_A_DIGIT).sum())} digits, {int((classes == SEVERAL_DIGITS).sum())} several digits, "
            f"{int((classes == NOT_A_DIGIT).sum())} not a digit")
