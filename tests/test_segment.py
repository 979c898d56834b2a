"""Cuts between touching digits (pure functions of `recognizer/segment.py`, no model)."""

from __future__ import annotations

import cv2
import numpy as np

from recognizer.segment import GROUP_LEFT, GROUP_RIGHT, between, candidate_cuts, find_lines, ink_crossed

HEIGHT = 80


def foot_under_neighbour() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two touching digits no straight line parts cleanly: the left one's foot (a 2's, an L's)
    reaches under the right one, and a thin link joins them halfway up. Returns the group's mask
    and the left and right digits' own masks."""
    left, right = np.zeros((HEIGHT, 45), bool), np.zeros((HEIGHT, 45), bool)
    left[:, 10:15] = True  # stem
    left[74:, 10:29] = True  # foot, under the right digit
    right[:55, 20:25] = True  # stem, ending above the foot
    link = np.zeros_like(left)
    link[38:41, 15:20] = True  # where the digits touch
    return left | right | link, left, right


def test_a_cut_bends_over_a_foot_crossing_only_where_the_digits_touch():
    mask, left, right = foot_under_neighbour()
    marks = mask.astype(np.int32)  # one connected mark
    cuts = candidate_cuts(mask, marks, HEIGHT)
    parting = [cut for cut in cuts
               if (between(mask, marks, GROUP_LEFT, cut, HEIGHT) >= left).all()
               and not (between(mask, marks, cut, GROUP_RIGHT, HEIGHT) & left).any()
               and (between(mask, marks, cut, GROUP_RIGHT, HEIGHT) >= right).all()]
    assert parting, "no candidate cut keeps each digit whole on its own side"
    assert min(ink_crossed(mask, cut) for cut in parting) == 3, "the cut should cross only the 3-pixel link"


def slanted_stroke(top: tuple[int, int], bottom: tuple[int, int], gap_rows: range | None) -> np.ndarray:
    """Ink (float32 in [0, 1]) of one slanted stroke on a page, with paper across `gap_rows`."""
    ink = np.zeros((3 * HEIGHT, 4 * HEIGHT), np.float32)
    cv2.line(ink, top, bottom, 1.0, 7)
    if gap_rows is not None:
        ink[gap_rows] = 0
    return ink


def test_a_slanted_stroke_broken_in_the_middle_stays_one_digit():
    # a 1 slanting by half its height, broken by a 4-row gap: its halves share few columns
    ink = slanted_stroke((200, HEIGHT), (160, 2 * HEIGHT), range(118, 122))
    layout = find_lines(ink)
    assert layout is not None and [len(line.groups) for line in layout.lines] == [1]


def test_two_digits_one_above_the_other_with_far_apart_ends_stay_apart():
    # the lower stroke starts 0.6 heights left of where the upper one ends: two lines of writing
    ink = slanted_stroke((200, 40), (190, 40 + HEIGHT), None)
    cv2.line(ink, (140, 40 + HEIGHT + 10), (140, 40 + 2 * HEIGHT + 10), 1.0, 7)
    layout = find_lines(ink)
    assert layout is not None and sum(len(line.groups) for line in layout.lines) == 2
