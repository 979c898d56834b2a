"""Pieces of composed numbers, cut as number reading cuts them and labelled by the ink they hold."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.model import NOT_A_DIGIT, SEVERAL_DIGITS
from recognizer.training.cut_pieces import cut_pieces, number_pieces, piece_label
from recognizer.training.written_numbers import Gap, compose_number, composed_number


@pytest.mark.parametrize(("shares", "label"), [
    ([0.97, 0.05], 3),  # nearly all of the first digit, a trace of its neighbour
    ([0.08, 1.0], 8),
    ([0.95, 0.3], None),  # a digit with a third of its neighbour: neither one digit nor two
    ([0.7, 0.65], SEVERAL_DIGITS),
    ([1.0, 1.0, 0.2], SEVERAL_DIGITS),
    ([0.15, 0.1], NOT_A_DIGIT),  # a stroke of a digit
    ([0.3, 0.1], None),  # a third of a digit: it may look like a digit written another way
    ([0.7, 0.0], None),  # most of a digit: it might still pass for it
])
def test_a_piece_is_named_by_the_ink_it_holds(shares, label):
    assert piece_label(np.array(shares), [3, 8, 5]) == label


@pytest.mark.parametrize("gap", list(Gap))
def test_every_stroke_of_a_composed_number_has_its_digit(mnist, gap):
    digits = list(mnist.x_train[:4])
    picture, owners = composed_number(digits, gap, np.random.default_rng(1))
    np.testing.assert_array_equal(picture, compose_number(digits, gap, np.random.default_rng(1)))
    assert owners.shape == picture.shape
    dark = picture < 0.5 * np.median(picture)  # the strokes (light paper)
    assert (owners[dark] >= 0).mean() > 0.99
    middles = [np.nonzero(owners == index)[1].mean() for index in range(len(digits))]
    assert middles == sorted(middles), "digits are written left to right"


def test_touching_digits_give_each_digit_and_the_pair(mnist):
    rng = np.random.default_rng(2)
    labels: set[int] = set()
    for _ in range(10):
        chosen = rng.choice(len(mnist.x_train), 2, replace=False)
        picture, owners = composed_number(list(mnist.x_train[chosen]), Gap.TOUCHING, rng)
        pieces = number_pieces(picture, owners, [int(d) for d in mnist.y_train[chosen]], rng)
        assert all(model_input.shape == (28, 28) and model_input.dtype == np.uint8 for model_input, _ in pieces)
        labels |= {label for _, label in pieces}
    assert SEVERAL_DIGITS in labels
    assert len(labels - {SEVERAL_DIGITS, NOT_A_DIGIT}) >= 8


def test_pieces_are_reproducible(mnist):
    first = cut_pieces(mnist.x_train[:500], mnist.y_train[:500], 6, 9)
    second = cut_pieces(mnist.x_train[:500], mnist.y_train[:500], 6, 9)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert len(first[1]) > 6


def test_a_wide_digit_overlapping_a_hairline_one_stays_on_the_paper():
    one = np.zeros((28, 28), np.uint8)
    one[4:24, 13:15] = 255  # two pixels wide: scaled, narrower than the overlap
    zero = np.zeros((28, 28), np.uint8)
    zero[4:24, 2:26] = 255
    for seed in range(20):
        _, owners = composed_number([one, zero], Gap.OVERLAPPING, np.random.default_rng(seed))
        assert (owners == 0).any() and (owners == 1).any()
