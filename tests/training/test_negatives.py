"""The generated pictures that teach "not a digit" and "several digits"."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.model import NOT_A_DIGIT, SEVERAL_DIGITS
from recognizer.training import negatives


def line(start: tuple[int, int], end: tuple[int, int]) -> np.ndarray:
    mask = np.zeros((280, 280), np.uint8)
    cv2.line(mask, start, end, 255, 12)
    return mask


@pytest.mark.parametrize(("mask", "is_one"), [
    (line((140, 40), (150, 240)), True),  # upright stroke
    (line((100, 40), (180, 240)), True),  # slanted stroke
    (line((40, 140), (240, 150)), False),  # a dash lying flat
    (cv2.circle(np.zeros((280, 280), np.uint8), (140, 140), 80, 255, 12), False),
])
def test_one_shaped_marks_are_recognized(mask, is_one):
    assert negatives.looks_like_a_one(mask) is is_one


def test_no_generated_negative_looks_like_a_one():
    rng = np.random.default_rng(5)
    for _ in range(200):
        picture = negatives.not_a_digit(rng)
        mask = picture[..., 3] if picture.ndim == 3 else (picture < 128).astype(np.uint8) * 255
        assert not negatives.looks_like_a_one(mask)


def test_no_letter_doubles_as_a_digit():
    assert not set(negatives.LETTERS) & set("OoQDIlijJZzSsBbGgqadTAy")


def test_training_and_held_out_fonts_differ():
    assert not set(negatives.TRAINING_FONTS) & set(negatives.HELD_OUT_FONTS)


def test_negative_examples_are_mnist_like_model_inputs(mnist):
    images, labels = negatives.negative_examples(40, 10, mnist.x_train[:100], seed=1)
    assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)
    assert set(labels) == {NOT_A_DIGIT, SEVERAL_DIGITS} and (labels == SEVERAL_DIGITS).sum() == 10
    assert len(images) >= 45  # a few may come out blank and are dropped
    # like MNIST: ink inside the 20x20 box region, nothing on the outermost rows and columns
    assert images[:, [0, -1], :].max() == 0 and images[:, :, [0, -1]].max() == 0


def test_negative_examples_are_reproducible(mnist):
    first = negatives.negative_examples(10, 5, mnist.x_train[:100], seed=3)
    second = negatives.negative_examples(10, 5, mnist.x_train[:100], seed=3)
    np.testing.assert_array_equal(first[0], second[0])


def test_photographed_objects_are_not_a_digit(mnist, fashion):
    items = fashion.x_train[:30]
    images, labels = negatives.negative_examples(2, 0, mnist.x_train[:10], seed=2, objects=items)
    assert set(labels) == {NOT_A_DIGIT} and len(images) >= 28


def test_objects_shaped_like_a_one_are_left_out(mnist, fashion):
    trouser_leg = np.zeros((28, 28), np.uint8)
    trouser_leg[3:25, 12:16] = 200
    items = np.concatenate([np.stack([trouser_leg] * 10), fashion.x_train[:10]])
    with_legs, _ = negatives.negative_examples(1, 0, mnist.x_train[:10], seed=2, objects=items)
    without, _ = negatives.negative_examples(1, 0, mnist.x_train[:10], seed=2, objects=fashion.x_train[:10])
    assert len(with_legs) <= len(without) <= 11


def test_several_digits_are_written_apart_and_touching(mnist):
    """People's numbers touch: about half of the neighbours in "several digits" pictures touch
    or overlap (the row is no wider than the digits' boxes together), the others stand apart."""
    rng = np.random.default_rng(2)
    touching = 0
    for _ in range(200):
        pair = mnist.x_train[rng.choice(1000, 2, replace=False)]
        widths = sum(int(np.ptp(np.nonzero(digit)[1])) + 1 for digit in pair)
        touching += negatives.digits_in_a_row(pair, rng).shape[1] <= widths
    assert 70 <= touching <= 130
