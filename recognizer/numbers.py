"""Reading a whole written number: every digit found, read and shown as the model saw it.

`segment.py` finds the lines and the groups of ink; each group goes through the same
`preprocess.prepare_digit` as a single-digit picture and is read in one batch. A group the model
is not sure is one digit (two touching digits, or one wider than a digit) is cut at the places
`segment.candidate_cuts` proposes; every piece between two cuts is read, all in one more batch,
and the split whose digits the model is surest of wins (a shortest-path search over the cuts).
So touching digits are split by what the model recognizes, not by a fixed rule about widths.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

from recognizer.model import DIGITS, SEVERAL_DIGITS
from recognizer.preprocess import (
    FoundDigit,
    Frame,
    Preprocessed,
    Stage,
    display_copy,
    extract_ink,
    mask_overview,
    prepare_digit,
    preprocess,
    to_working_size,
)
from recognizer.segment import (
    GROUP_LEFT,
    GROUP_RIGHT,
    Box,
    Group,
    Layout,
    Line,
    between,
    candidate_cuts,
    crossing,
    find_lines,
)
from recognizer.verdict import ANSWERED, Status

if TYPE_CHECKING:
    from recognizer.recognize import Recognition

Classify = Callable[[Sequence[Preprocessed]], list["Recognition"]]

SEVERAL_ODDS = 0.25  # a group no wider than a digit is cut when P(several digits) reaches this
WIDE = 1.3  # a group wider than this many line heights may be two digits even if one reads well
# log-probability per unit of log aspect ratio beyond DIGIT_ASPECTS; chosen with bench-like numbers
# composed from MNIST *training* digits (2, 4, 6 digits; apart, touching, overlapping), as were
# segment.BEND_REACH and BEND_COST: every extra piece already costs its own log-probability
SHAPE_PENALTY = 2.0
LOW_PENALTY = 5.0  # ... and per unit of log height below LOW_PIECE line heights: a stroke's end is no digit
LOW_PIECE = 0.7
# width / height of each digit's ink in MNIST's training set, 2nd and 98th percentile (measured)
DIGIT_ASPECTS = ((0.6, 1.33), (0.2, 0.9), (0.6, 1.43), (0.5, 1.21), (0.5, 1.18),
                 (0.55, 1.54), (0.5, 1.09), (0.5, 1.18), (0.5, 1.11), (0.45, 1.0))
MIN_PIECE_HEIGHT = 0.5  # a piece lower than this share of the line's height is no digit
MAX_PIECE_WIDTH = 1.6  # ... and one wider than this many heights is no single digit
SLIVER_SHARE = 0.08  # a low piece with less than this share of a group's ink may be left out (a ligature)
SKIP_PENALTY = 20.0  # log-probability per share of the group's ink left out
MARGIN = 0.15  # stage pictures show this share of the line height around the digit


class NumberStatus(StrEnum):
    NUMBER = "number"
    UNSURE = "unsure"
    NOT_DIGIT = "not_digit"
    EMPTY = "empty"
    ERROR = "error"


@dataclass(frozen=True)
class ReadDigit:
    """One digit of a number: where it is (`box` x, y, w, h in the original picture's pixels),
    which line and place it has, and the model's answer for its own 28x28 input."""

    line: int
    position: int
    box: Box
    recognition: Recognition

    @property
    def digit(self) -> int | None:
        return self.recognition.digit

    @property
    def status(self) -> Status:
        return self.recognition.status

    @property
    def confidence(self) -> float:
        return self.recognition.confidence

    @property
    def probabilities(self) -> tuple[float, ...]:
        return self.recognition.probabilities

    @property
    def model_input(self) -> np.ndarray:
        return self.recognition.model_input

    @property
    def stages(self) -> tuple[Stage, ...]:
        return self.recognition.stages

    @property
    def alone(self) -> np.ndarray:
        """The digit by itself, its neighbours' ink left out, as a picture of its own (light ink
        on dark, with a margin): what a correction keeps as a single-digit sample."""
        crop = next(stage.image for stage in self.stages if stage.name == "crop")
        return np.pad(crop, max(crop.shape) // 4)

    @property
    def symbol(self) -> str:
        """The digit, or "?" where the model names none."""
        return "?" if self.digit is None else str(self.digit)


@dataclass(frozen=True)
class NumberReading:
    """The answer for a picture of a written number.

    `digits` run line by line (top to bottom), each line left to right; `line_texts` are the
    lines as text, "?" for a mark that is not a digit and a space where the writer left a wide
    gap. `confidence` is the product of the digits' confidences: how likely all of it is right.
    `picture` is what the person gave (transparency on white), which the boxes refer to.
    """

    digits: tuple[ReadDigit, ...]
    line_texts: tuple[str, ...]
    status: NumberStatus
    confidence: float
    message: str
    picture: np.ndarray | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        return "\n".join(self.line_texts)

    @property
    def lines(self) -> tuple[tuple[ReadDigit, ...], ...]:
        return tuple(tuple(d for d in self.digits if d.line == index) for index in range(len(self.line_texts)))

    @classmethod
    def failed(cls, message: str) -> NumberReading:
        return cls((), (), NumberStatus.ERROR, 0.0, message)


@dataclass(frozen=True)
class Piece:
    """Ink taken as one digit: its box in working pixels and its mask inside that box."""

    box: Box
    mask: np.ndarray


@dataclass(frozen=True)
class Chains:
    """The ways of cutting a group: the pieces that could be digits and the slivers that may be
    left out, each keyed by the cuts it lies between (the group's edges are 0 and -1)."""

    pieces: dict[tuple[int, int], Piece]
    slivers: dict[tuple[int, int], float]


@dataclass(frozen=True)
class Picture:
    """The picture at working size (as shown, and its ink) and the shape of the picture as given."""

    shown: np.ndarray
    ink: np.ndarray
    given_shape: tuple[int, int]


EMPTY_MESSAGE = "No digits found: the picture looks blank. Write or photograph a number."


def read_number(image: np.ndarray, classify: Classify) -> NumberReading:
    """uint8 grey, RGB or RGBA picture of a written number -> `NumberReading`."""
    working = to_working_size(image)
    ink, _ = extract_ink(working)
    picture = Picture(display_copy(working), ink, image.shape[:2])
    shown = display_copy(image)
    layout = find_lines(ink)
    if layout is None:
        return NumberReading((), (), NumberStatus.EMPTY, 0.0, EMPTY_MESSAGE, shown)
    groups = [(line, group) for line in layout.lines for group in line.groups]
    if len(groups) == 1 and not is_wide(*groups[0]) and (lone := read_as_one_digit(image, classify)) is not None:
        return judge_number((lone,), (lone.symbol,), shown)
    wholes = [group_piece(layout, group) for _, group in groups]
    first = classify([prepare(picture, piece, line.height) for piece, (line, _) in zip(wholes, groups, strict=True)])
    splits = {index: possible_pieces(layout, group, line) for index, ((line, group), answer)
              in enumerate(zip(groups, first, strict=True)) if needs_cutting(answer, group, line)}
    answers = iter(classify([prepare(picture, piece, groups[index][0].height) for index, chains in splits.items()
                             for piece in chains.pieces.values()]))
    read = [[(piece, answer)] for piece, answer in zip(wholes, first, strict=True)]
    for index, chains in splits.items():
        scored = {span: (piece, next(answers)) for span, piece in chains.pieces.items()}
        scored[(0, -1)] = read[index][0]
        read[index] = best_split(scored, chains.slivers, groups[index][0].height)
    return assemble(layout, read, shown)


def read_as_one_digit(image: np.ndarray, classify: Classify) -> ReadDigit | None:
    """A picture with one group of ink is read by the single-digit path itself, so a lone digit
    gets the same answer either way; None when the model gives "several digits" real odds (two
    touching digits are one group too), and the group is then cut like any other."""
    answer = classify([preprocess(image)])[0]
    if answer.box is None or answer.probabilities[SEVERAL_DIGITS] >= SEVERAL_ODDS:
        return None
    return ReadDigit(0, 0, answer.box, answer)


def group_piece(layout: Layout, group: Group) -> Piece:
    x, y, w, h = group.box
    return Piece(group.box, np.isin(layout.labels[y : y + h, x : x + w], group.labels))


def needs_cutting(answer: Recognition, group: Group, line: Line) -> bool:
    """Whether a group may hold several digits: the model gives "several digits" real odds, or
    names no digit at all (two digits glued together often look like no one digit), or it is
    wider than a digit. A digit the model is merely unsure of is not cut: its strokes cut apart
    could pass for confident 1s and 7s."""
    return (answer.probabilities[SEVERAL_DIGITS] >= SEVERAL_ODDS or answer.digit is None
            or is_wide(line, group))


def is_wide(line: Line, group: Group) -> bool:
    """Wider than a digit of the line is tall: possibly two digits, whatever the model says."""
    return group.box[2] > WIDE * line.height


def possible_pieces(layout: Layout, group: Group, line: Line) -> Chains:
    """The ways to read a group as several digits: the pieces between any two candidate cuts."""
    x, y, w, h = group.box
    labels = layout.labels[y : y + h, x : x + w]
    mask = np.isin(labels, group.labels)
    marks = np.where(mask, labels, 0)
    cuts = [GROUP_LEFT, *candidate_cuts(mask, marks, line.height), GROUP_RIGHT]
    between_cuts = {(left, right): between(mask, marks, cuts[left], cuts[right], line.height)
                    for left in range(len(cuts) - 1) for right in range(left + 1, len(cuts))
                    if not crossing(cuts[left], cuts[right], h)}
    return chains_of(between_cuts, len(cuts) - 1, mask.sum(), group, line)


def chains_of(inks: dict[tuple[int, int], np.ndarray], last: int, total: int, group: Group, line: Line) -> Chains:
    """The pieces (ink between two boundaries 0..last, in group coordinates) that could be a digit,
    keyed by their boundaries with `last` written -1; and the slivers that may be left out (a
    ligature, a stroke end), with their share of the group's ink. The whole group is not listed."""
    pieces: dict[tuple[int, int], Piece] = {}
    slivers: dict[tuple[int, int], float] = {}
    for (left, right), inside in inks.items():
        if (left, right) == (0, last):
            continue
        key = (left, -1 if right == last else right)
        rows, cols = np.nonzero(inside)
        if not len(rows):
            slivers[key] = 0.0
            continue
        height, width = rows.max() - rows.min() + 1, cols.max() - cols.min() + 1
        if height >= MIN_PIECE_HEIGHT * line.height and width <= MAX_PIECE_WIDTH * line.height:
            box = (group.box[0] + int(cols.min()), group.box[1] + int(rows.min()), int(width), int(height))
            pieces[key] = Piece(box, inside[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1])
        elif len(rows) < SLIVER_SHARE * total:
            slivers[key] = len(rows) / total
    return Chains(pieces, slivers)


def best_split(scored: dict[tuple[int, int], tuple[Piece, Recognition]],
               skippable: dict[tuple[int, int], float], line_height: float) -> list[tuple[Piece, Recognition]]:
    """The chain of pieces from the group's left edge (0) to its right edge (-1) whose digits the
    model is surest of (see `piece_score`); leaving out a sliver costs SKIP_PENALTY per share of
    the group's ink it holds. The whole group is one such chain."""
    ends = [*sorted({right for _, right in [*scored, *skippable] if right != -1}), -1]
    best: dict[int, tuple[float, list[tuple[Piece, Recognition]]]] = {0: (0.0, [])}
    for cut in ends:
        options = [(best[left][0] + piece_score(*scored[(left, cut)], line_height),
                    best[left][1] + [scored[(left, cut)]]) for left in best if (left, cut) in scored]
        options += [(best[left][0] - SKIP_PENALTY * skippable[(left, cut)], best[left][1])
                    for left in best if (left, cut) in skippable]
        if options:
            best[cut] = max(options, key=lambda option: option[0])
    return best[-1][1] if best.get(-1, (0.0, []))[1] else [scored[(0, -1)]]


def piece_score(piece: Piece, answer: Recognition, line_height: float) -> float:
    """log P(the piece's likeliest digit), less SHAPE_PENALTY per unit of log aspect ratio outside
    what that digit has in MNIST (half of a 0 may look like a 6 to the model, but no 6 is that
    narrow), less LOW_PENALTY per unit of log height below LOW_PIECE of the line's."""
    digit = int(np.argmax(answer.probabilities[:DIGITS]))
    aspect = piece.box[2] / piece.box[3]
    narrowest, widest = DIGIT_ASPECTS[digit]
    outside = max(math.log(narrowest / aspect), math.log(aspect / widest), 0.0)
    low = max(math.log(LOW_PIECE * line_height / piece.box[3]), 0.0)
    return math.log(max(answer.probabilities[digit], 1e-12)) - SHAPE_PENALTY * outside - LOW_PENALTY * low


def prepare(picture: Picture, piece: Piece, line_height: float) -> Preprocessed:
    """A piece -> its model input through `prepare_digit`, with stage pictures cropped around it
    (the piece in its neighbourhood, the ink, what was kept)."""
    x, y, w, h = piece.box
    margin = round(MARGIN * line_height)
    rows, cols = picture.ink.shape
    top, left = max(y - margin, 0), max(x - margin, 0)
    bottom, right = min(y + h + margin, rows), min(x + w + margin, cols)
    ink = picture.ink[top:bottom, left:right]
    mask = np.zeros(ink.shape, bool)
    mask[y - top : y - top + h, x - left : x - left + w] = piece.mask
    stages = (Stage("original", "Where it is in your picture", picture.shown[top:bottom, left:right]),
              Stage("ink", "Ink, white on black", ink),
              Stage("digit", "Ink kept as this digit (grey: its neighbours)", partial(mask_overview, ink, mask)))
    digit = FoundDigit(mask, (x - left, y - top, w, h), separate_marks=0, digit_sized_marks=0)
    return prepare_digit(ink, digit, stages, Frame(-left, -top, cols, rows), picture.given_shape)


def assemble(layout: Layout, read: list[list[tuple[Piece, Recognition]]], shown: np.ndarray) -> NumberReading:
    """Digits numbered by line and place, the lines' texts, the overall status and message."""
    digits: list[ReadDigit] = []
    texts: list[str] = []
    index = 0
    for line_number, line in enumerate(layout.lines):
        text = ""
        for space in line.spaces_before:
            text += " " if space and text else ""
            for _, answer in read[index]:
                digits.append(ReadDigit(line_number, len(text.replace(" ", "")), answer.box, answer))
                text += digits[-1].symbol
            index += 1
        texts.append(text)
    return judge_number(tuple(digits), tuple(texts), shown)


def judge_number(digits: tuple[ReadDigit, ...], texts: tuple[str, ...], shown: np.ndarray) -> NumberReading:
    """The whole reading's status and a sentence for it; confidence is the product of the digits'."""
    confidence = float(np.prod([digit.confidence for digit in digits]))
    text = " / ".join(texts)
    rejected = [d for d in digits if d.status not in ANSWERED]
    unsure = [d for d in digits if d.status == Status.UNSURE]
    if rejected:
        where = ", ".join(place(d, len(texts), "mark") for d in rejected)
        status, message = NumberStatus.NOT_DIGIT, (f"Not read as a number: {where} does not look like one digit "
                                                   f"(shown as ?). Read so far: {text}.")
    elif unsure:
        doubts = "; ".join(f"{place(d, len(texts))} may be a {d.digit} ({d.confidence:.0%})" for d in unsure)
        status, message = NumberStatus.UNSURE, f"Probably {text}, but not sure: {doubts}."
    else:
        status, message = NumberStatus.NUMBER, f"It reads {text} ({confidence:.0%} sure)."
    return NumberReading(digits, texts, status, confidence, message, shown)


def place(digit: ReadDigit, line_count: int, noun: str = "digit") -> str:
    """"the 3rd digit" (" of line 2" when there are several lines), counted from 1."""
    number = digit.position + 1
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10 if number not in (11, 12, 13) else 0, "th")
    return f"the {number}{suffix} {noun}" + (f" of line {digit.line + 1}" if line_count > 1 else "")
