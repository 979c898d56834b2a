"""The decision rule from probabilities to status, on hand-made probability vectors."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.model import NOT_A_DIGIT, NUM_CLASSES, SEVERAL_DIGITS
from recognizer.verdict import REJECT_AT, Status, judge


def probabilities(**mass: float) -> np.ndarray:
    """e.g. probabilities(d7=0.9, not_digit=0.1); the rest spread evenly."""
    vector = np.zeros(NUM_CLASSES)
    for name, value in mass.items():
        index = {"not_digit": NOT_A_DIGIT, "several": SEVERAL_DIGITS}.get(name) or int(name[1:])
        vector[index] = value
    vector[vector == 0] = (1 - vector.sum()) / np.count_nonzero(vector == 0)
    return vector


@pytest.mark.parametrize(("mass", "status", "words"), [
    ({"d7": 0.95}, Status.DIGIT, "It is a 7 (95% sure)"),
    ({"d4": 0.55, "d9": 0.35}, Status.UNSURE, "maybe a 4 (55%) or a 9 (35%)"),
    ({"d3": 0.30, "not_digit": 0.60}, Status.NOT_DIGIT, "does not look like a digit"),
    ({"d1": 0.30, "several": 0.60}, Status.SEVERAL, "several digits"),
    ({"d5": 0.45, "not_digit": 0.30, "several": 0.22}, Status.NOT_DIGIT, "closest digit would be a 5"),
])
def test_status_and_message(mass, status, words):
    found, message = judge(probabilities(**mass))
    assert found == status and words in message


def test_rejection_needs_even_odds():
    """Just under REJECT_AT the digit is still named (as unsure), at REJECT_AT it is not."""
    below = judge(probabilities(d2=0.45, not_digit=REJECT_AT - 0.01))[0]
    at = judge(probabilities(d2=0.45, not_digit=REJECT_AT))[0]
    assert (below, at) == (Status.UNSURE, Status.NOT_DIGIT)


def test_marks_as_large_as_a_digit_beside_it_mean_several_digits():
    """Digits written far apart reach the model one at a time: the preprocessing's count decides."""
    status, message = judge(probabilities(d8=0.99), digit_sized_marks=1)
    assert status == Status.SEVERAL and "one digit at a time" in message
