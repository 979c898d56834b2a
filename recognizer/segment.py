"""Where the digits of a written number are: lines of writing, digit groups, and candidate cuts.

Pure functions over the ink map of `preprocess.extract_ink` (float32 `(H, W)` in [0, 1]) and
boolean masks. Nothing here decides which digit a mark is; where shape alone cannot tell whether
a group of ink is one digit or several touching ones, `candidate_cuts` proposes ways to split it
and `recognizer/numbers.py` lets the model choose among them.

Heights are the yardstick throughout: all digits of a line are about as tall as each other, while
their widths differ by a factor of five (a 1 beside a 0).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from recognizer.preprocess import MIN_DIGIT_PIXELS, MIN_DIGIT_SIZE, Frame, segment_ink

Box = tuple[int, int, int, int]  # x, y, w, h

MIN_MARK_SHARE = 0.02  # marks smaller than this share of the largest are specks (as in find_digit)
TALL_MARK = 0.5  # a mark at least this share of the typical height can anchor a line
SAME_LINE_OVERLAP = 0.4  # two tall marks whose rows overlap by this share of the shorter are on one line
ATTACH_DISTANCE = 0.75  # a small mark further than this many line heights from every line is stray
SAME_DIGIT_OVERLAP = 0.5  # marks whose columns overlap by this share of the narrower are one digit
BROKEN_GAP = 0.25  # ... when one is above the other, if the rows between them are fewer than this share
STROKE_END = 0.1  # the share of a mark's height, at its top or bottom, where its stroke ends
END_REACH = 0.15  # a slanted stroke broken by a gap goes on within this share of the taller mark's height
BESIDE_GAP = 0.15  # a lifted-off bar this many line heights from a digit's top still belongs to it
PUNCTUATION_HEIGHT = 0.45  # groups lower than this share of the line's height are dots, commas, dashes
SPACE_GAP = 0.6  # a gap wider than this many line heights is a space between groups of digits
VALLEY_REACH = 0.35  # a cut joins an upper and a lower contour valley at most this many heights apart
CUTS_PER_DIGIT = 4  # candidate cuts kept per digit the group may hold: the model reads every piece between two
BEND_REACH = 0.2  # a cut may bend this many line heights away from its straight line to pass between strokes
BEND_COST = 1.0  # ... straying costing, in every row, this many ink pixels per line height strayed
SNAP_INK = 0.012  # a cut leaving less of a mark's ink than this (in line heights squared) on one side grazes it


@dataclass(frozen=True)
class Group:
    """Marks that make one digit, or several touching digits: their labels and their box."""

    labels: tuple[int, ...]
    box: Box


@dataclass(frozen=True)
class Line:
    """One line of writing: its groups left to right, its typical digit height in pixels, and
    which groups are preceded by a space."""

    groups: tuple[Group, ...]
    height: float
    spaces_before: tuple[bool, ...]


@dataclass(frozen=True)
class Layout:
    """The lines top to bottom, and the labels image their marks refer to."""

    labels: np.ndarray
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Cut:
    """A cut across a group, from column `top` in its first row to `bottom` in its last (group
    coordinates): straight, or bending row by row along `path` (its column in every row) to pass
    between strokes; pixels at or right of it are on its right side."""

    top: float
    bottom: float
    path: tuple[int, ...] | None = None

    def columns(self, rows: int) -> np.ndarray:
        """The cut's column in each of `rows` rows, float `(rows,)`."""
        if self.path is not None:
            return np.asarray(self.path, np.float64)
        return np.linspace(self.top, self.bottom, rows) if rows > 1 else np.array([self.top])

    @property
    def middle(self) -> float:
        return float(np.mean(self.path)) if self.path is not None else (self.top + self.bottom) / 2


GROUP_LEFT, GROUP_RIGHT = Cut(-1e9, -1e9), Cut(1e9, 1e9)  # the group's own edges


def find_lines(ink: np.ndarray) -> Layout | None:
    """The lines of writing in an ink map, or None when nothing digit-sized stands out."""
    height, width = ink.shape
    marks = segment_ink(ink, Frame(0, 0, width, height))
    if marks is None:
        return None
    labels, boxes, area = marks.labels, marks.boxes, marks.area * ~marks.edge_line  # no page edges, table lines
    if not area.any():
        return None
    kept = [int(k) for k in np.flatnonzero(area >= max(MIN_MARK_SHARE * area.max(), 1))]
    units = [Group(tuple(kept[i] for i in members), union_boxes(boxes[[kept[i] for i in members]]))
             for members in clusters(len(kept), lambda i, j: pieces_of_one_digit(boxes[kept[i]], boxes[kept[j]])
                                     or stroke_goes_on(labels, kept[i], kept[j], boxes))]
    unit_boxes = np.array([unit.box for unit in units])
    unit_ink = np.array([area[list(unit.labels)].sum() for unit in units])
    typical = float(np.median(unit_boxes[unit_ink >= 0.1 * unit_ink.max(), 3]))
    if typical < max(MIN_DIGIT_PIXELS, 0.5 * MIN_DIGIT_SIZE * max(height, width)):
        return None
    tall = [i for i in range(len(units)) if unit_boxes[i, 3] >= TALL_MARK * typical]
    rows_of = [[tall[i] for i in members] for members in clusters(len(tall), lambda i, j: rows_overlap(
        unit_boxes[tall[i]], unit_boxes[tall[j]]) >= SAME_LINE_OVERLAP)]
    line_units = attach_small_marks(rows_of, [i for i in range(len(units)) if i not in tall], unit_boxes)
    lines = [line for members in line_units if (line := make_line([units[i] for i in members])) is not None]
    lines.sort(key=lambda line: min(group.box[1] + group.box[3] / 2 for group in line.groups))
    return Layout(labels, tuple(lines)) if lines else None


def pieces_of_one_digit(a: np.ndarray, b: np.ndarray) -> bool:
    """Two marks one above the other, close and sharing most columns: a stroke broken where the
    ink was faint, or a digit written in two strokes (a 5's bar, the halves of an open 4)."""
    vertical_gap = max(a[1], b[1]) - min(a[1] + a[3], b[1] + b[3])
    return columns_overlap(a, b) >= SAME_DIGIT_OVERLAP and vertical_gap <= BROKEN_GAP * max(a[3], b[3])


def stroke_goes_on(labels: np.ndarray, a: int, b: int, boxes: np.ndarray) -> bool:
    """Two marks one above the other where the upper one's stroke ends right above where the
    lower one's begins: a slanted stroke broken where the pen ran dry. Their boxes may share few
    columns (a slanted 1 broken in the middle), so `pieces_of_one_digit` alone would part them."""
    upper, lower = (a, b) if boxes[a][1] <= boxes[b][1] else (b, a)
    top, bottom = boxes[upper], boxes[lower]
    taller = max(top[3], bottom[3])
    vertical_gap = bottom[1] - (top[1] + top[3])
    if not -STROKE_END * taller <= vertical_gap <= BROKEN_GAP * taller:
        return False
    reach = END_REACH * taller + max(vertical_gap, 0)
    return abs(end_column(labels, upper, top, at_top=False) - end_column(labels, lower, bottom, at_top=True)) <= reach


def end_column(labels: np.ndarray, mark: int, box: np.ndarray, at_top: bool) -> float:
    """The mean column of a mark's ink in its top (or bottom) STROKE_END of rows."""
    x, y, w, h = (int(v) for v in box)
    band = max(2, round(STROKE_END * h))
    rows = slice(y, y + band) if at_top else slice(y + h - band, y + h)
    columns = np.nonzero(labels[rows, x : x + w] == mark)[1]
    return x + float(columns.mean()) if len(columns) else float("inf")


def clusters(count: int, together) -> list[list[int]]:
    """Indices 0..count-1 grouped so that `together(i, j)` pairs share a group (union-find)."""
    parent = list(range(count))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(count):
        for j in range(i + 1, count):
            if root(i) != root(j) and together(i, j):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(count):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def rows_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Rows two boxes share, as a share of the shorter box's height."""
    shared = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(shared, 0) / max(min(a[3], b[3]), 1)


def columns_overlap(a: np.ndarray | Box, b: np.ndarray | Box) -> float:
    """Columns two boxes share, as a share of the narrower box's width."""
    shared = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    return max(shared, 0) / max(min(a[2], b[2]), 1)


def attach_small_marks(lines: list[list[int]], small: list[int], boxes: np.ndarray) -> list[list[int]]:
    """Each small mark (a 5's bar, a piece of a broken stroke, a dot) joins the line whose centre
    line passes closest to it; a slanted line's centre is fitted through its marks' centres."""
    if not lines:
        return []
    centres = [fit_centre_line(boxes[marks]) for marks in lines]
    heights = [float(np.median(boxes[marks, 3])) for marks in lines]
    joined = [list(marks) for marks in lines]
    for mark in small:
        x, y = boxes[mark, 0] + boxes[mark, 2] / 2, boxes[mark, 1] + boxes[mark, 3] / 2
        distances = [abs(y - (slope * x + offset)) / h for (slope, offset), h in zip(centres, heights, strict=True)]
        nearest = int(np.argmin(distances))
        if distances[nearest] <= ATTACH_DISTANCE:
            joined[nearest].append(mark)
    return joined


def fit_centre_line(boxes: np.ndarray) -> tuple[float, float]:
    """Slope and offset of y = slope * x + offset through the boxes' centres (flat for one box)."""
    x, y = boxes[:, 0] + boxes[:, 2] / 2, boxes[:, 1] + boxes[:, 3] / 2
    if len(boxes) < 2 or np.ptp(x) < 1:
        return 0.0, float(np.mean(y))
    slope, offset = np.polyfit(x, y, 1)
    return float(slope), float(offset)


def make_line(units: list[Group]) -> Line | None:
    """Pieces of one line -> its digit groups left to right, punctuation dropped, spaces noted.

    Pieces sharing most of their columns are one digit (or touching digits); then low pieces
    that belong to a digit (`part_of`) join it, and the other low pieces (dots, commas, dashes)
    are dropped.
    """
    boxes = np.array([unit.box for unit in units])
    members = clusters(len(units), lambda i, j: columns_overlap(boxes[i], boxes[j]) >= SAME_DIGIT_OVERLAP)
    groups = [Group(tuple(label for i in group for label in units[i].labels), union_boxes(boxes[group]))
              for group in members]
    tallest = max(group.box[3] for group in groups)
    height = float(np.median([g.box[3] for g in groups if g.box[3] >= TALL_MARK * tallest]))
    digits = [g for g in groups if g.box[3] >= PUNCTUATION_HEIGHT * height]
    for low in (g for g in groups if g.box[3] < PUNCTUATION_HEIGHT * height):
        hosts = [i for i, digit in enumerate(digits) if part_of(low.box, digit.box, height)]
        if hosts:
            host = max(hosts, key=lambda i: columns_overlap(low.box, digits[i].box))
            digits[host] = Group(digits[host].labels + low.labels,
                                 union_boxes(np.array([digits[host].box, low.box])))
    if not digits:
        return None
    digits.sort(key=lambda g: g.box[0])
    spaces = [False] + [right.box[0] - (left.box[0] + left.box[2]) > SPACE_GAP * height
                        for left, right in itertools.pairwise(digits)]
    return Line(tuple(digits), height, tuple(spaces))


def part_of(low: Box, digit: Box, height: float) -> bool:
    """Whether a low mark is a stroke of a digit: above its foot and sharing its columns (a 7's
    crossbar, a 4's bar), or right beside its top (a 5's bar lifted off). Dots and commas sit on
    the baseline, dashes in the gap at half height."""
    centre = low[1] + low[3] / 2
    beside = max(low[0], digit[0]) - min(low[0] + low[2], digit[0] + digit[2]) <= BESIDE_GAP * height
    return bool((columns_overlap(low, digit) > 0 and centre < digit[1] + 0.7 * digit[3])
                or (beside and centre < digit[1] + 0.3 * digit[3]))


def union_boxes(boxes: np.ndarray) -> Box:
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    x1, y1 = (boxes[:, 0] + boxes[:, 2]).max(), (boxes[:, 1] + boxes[:, 3]).max()
    return int(x0), int(y0), int(x1 - x0), int(y1 - y0)


def candidate_cuts(mask: np.ndarray, marks: np.ndarray, height: float) -> list[Cut]:
    """Places where a group (bool mask `(h, w)`, `marks` its int labels image) may be cut into
    digits: minima of the vertical ink projection, valleys of the upper and lower contour (and
    straight slanted cuts joining an upper to a lower valley), and the gaps between separate
    marks. At most CUTS_PER_DIGIT straight cuts per half line height of width (a 1 is about that
    wide), the ones through the least ink first, each joined by its `bent` version where that
    crosses less ink; sorted left to right."""
    rows, width = mask.shape
    projection = np.convolve(mask.sum(axis=0).astype(np.float32), np.ones(3) / 3, mode="same")
    inked = mask.any(axis=0)
    top = np.where(inked, mask.argmax(axis=0), rows).astype(np.float32)
    bottom = np.where(inked, rows - 1 - mask[::-1].argmax(axis=0), -1).astype(np.float32)
    reach = max(2, round(0.1 * height))
    upper = local_extrema(np.where(inked, top, -1), reach, highest=True)  # the upper contour dips down
    lower = local_extrema(np.where(inked, bottom, rows), reach, highest=False)  # the lower one rises
    cuts = [Cut(x, x) for x in [*local_extrema(projection, reach, highest=False), *upper, *lower]]
    for x_top in upper:
        for x_bottom in lower:
            if 0 < abs(x_top - x_bottom) <= VALLEY_REACH * height:
                cuts.append(slanted_cut(x_top, top[x_top], x_bottom, bottom[x_bottom], rows))
    cuts += gaps_between_marks(marks)
    inside = [cut for cut in cuts if 1 <= cut.top <= width - 2 and 1 <= cut.bottom <= width - 2]
    straight = {(round(cut.top / 2), round(cut.bottom / 2)): cut for cut in inside}.values()
    budget = CUTS_PER_DIGIT * max(1, round(width / (0.5 * height)))
    cheapest = sorted(straight, key=lambda cut: ink_crossed(mask, cut))[:budget]
    bends = [bend for cut, bend in zip(cheapest, bent(mask, cheapest, height), strict=True)
             if ink_crossed(mask, bend) < ink_crossed(mask, cut)]
    return sorted([*cheapest, *{bend.path: bend for bend in bends}.values()], key=lambda cut: cut.middle)


def bent(mask: np.ndarray, cuts: list[Cut], height: float) -> list[Cut]:
    """Each straight cut bent, row by row, to cross as little ink as it can within BEND_REACH
    line heights of its line; in every row, straying from the line costs BEND_COST ink pixels per
    line height strayed, so a cut bends only to avoid a stroke. Where digits touch, one often
    reaches under or over the other (a 2's foot, a 7's bar) and no straight line passes between
    them. One dynamic-programming pass down the rows serves all cuts; a step moves at most one
    column sideways, so a cut never jumps across a stroke."""
    if not cuts:
        return []
    rows, width = mask.shape
    ink = mask.astype(np.float32)
    lines = np.stack([cut.columns(rows) for cut in cuts]).astype(np.float32)  # (cuts, rows)
    columns = np.arange(width, dtype=np.float32)

    def stray(row: int) -> np.ndarray:  # (cuts, width): what straying costs in this row, made row by row
        distance = np.abs(columns[None, :] - lines[:, row, None]) / np.float32(height)
        return np.where(distance <= BEND_REACH, np.float32(BEND_COST) * distance, np.float32(np.inf))

    cost = ink[0] + stray(0)
    steps = np.zeros((len(cuts), rows, width), np.int8)
    blocked = np.full((len(cuts), 1), np.inf, np.float32)
    for row in range(1, rows):
        from_left = np.concatenate([blocked, cost[:, :-1]], axis=1)
        from_right = np.concatenate([cost[:, 1:], blocked], axis=1)
        choices = np.stack([from_left, cost, from_right])
        step = choices.argmin(axis=0)
        steps[:, row] = step - 1
        cost = np.take_along_axis(choices, step[None], axis=0)[0] + ink[row] + stray(row)
    paths = np.empty((len(cuts), rows), np.int64)
    paths[:, -1] = cost.argmin(axis=1)
    every = np.arange(len(cuts))
    for row in range(rows - 1, 0, -1):
        paths[:, row - 1] = paths[:, row] + steps[every, row, paths[:, row]]
    return [Cut(float(path[0]), float(path[-1]), tuple(int(x) for x in path)) for path in paths]


def local_extrema(values: np.ndarray, reach: int, highest: bool) -> list[int]:
    """Columns whose value is the max (or min) within `reach` on both sides, plateaus once."""
    signed = values if highest else -values
    kernel = np.ones(2 * reach + 1, np.uint8)
    peak = cv2.dilate(signed.astype(np.float32)[None, :], kernel[None, :], borderType=cv2.BORDER_REPLICATE)[0]
    found = np.flatnonzero((signed >= peak) & (signed > signed.min()))
    return [int(x) for i, x in enumerate(found) if i == 0 or x - found[i - 1] > 1]


def slanted_cut(x_top: float, y_top: float, x_bottom: float, y_bottom: float, rows: int) -> Cut:
    """The straight cut through (x_top, y_top) and (x_bottom, y_bottom), extended to the first
    and the last row."""
    slope = (x_bottom - x_top) / max(y_bottom - y_top, 1.0)
    return Cut(x_top - slope * y_top, x_top + slope * (rows - 1 - y_top))


def gaps_between_marks(marks: np.ndarray) -> list[Cut]:
    """A straight cut midway between each pair of neighbouring separate marks (left to right)."""
    labels = [label for label in np.unique(marks) if label]
    spans = sorted((int(cols.min()), int(cols.max())) for cols in (np.flatnonzero((marks == label).any(axis=0))
                                                                    for label in labels))
    middles = [(left[1] + right[0]) / 2 + 0.5 for left, right in itertools.pairwise(spans)]
    return [Cut(x, x) for x in middles]


def ink_crossed(mask: np.ndarray, cut: Cut) -> int:
    """How many ink pixels a cut passes through."""
    columns = np.round(cut.columns(mask.shape[0])).astype(int)
    valid = (columns >= 0) & (columns < mask.shape[1])
    return int(mask[np.flatnonzero(valid), columns[valid]].sum())


def between(mask: np.ndarray, marks: np.ndarray, left: Cut, right: Cut, height: float) -> np.ndarray:
    """The ink of a group between two cuts (bool, same shape).

    A separate mark that a cut only grazes (less ink on one side than SNAP_INK line heights
    squared: a tenth of a 1's ink) goes wholly to the side that holds the rest of it, so a
    neighbour's overhanging stroke stays with its digit. Pieces between consecutive cuts still
    share out the group's ink exactly once.
    """
    rows, width = mask.shape
    columns = np.arange(width)[None, :]
    left_of = columns < left.columns(rows)[:, None]
    right_of = columns >= right.columns(rows)[:, None]
    inside = mask & ~left_of & ~right_of
    count = marks.max() + 1
    in_band = np.bincount(marks[inside], minlength=count)
    on_left = np.bincount(marks[mask & left_of], minlength=count)
    on_right = np.bincount(marks[mask & right_of], minlength=count)
    grazed = SNAP_INK * height**2
    whole = on_left + on_right <= grazed
    elsewhere = (in_band + on_right <= grazed) | (in_band + on_left <= grazed)
    return mask & ((inside & ~elsewhere[marks]) | whole[marks])


def crossing(left: Cut, right: Cut, rows: int) -> bool:
    """Whether two cuts meet or cross inside a group of `rows` rows (then they bound no piece)."""
    return bool(np.any(left.columns(rows) >= right.columns(rows)))
