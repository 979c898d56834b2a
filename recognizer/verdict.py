"""From probabilities to an honest answer: a digit, "not sure", "not a digit", several digits, or
nothing to recognize.

The model has two classes besides the digits, "not a digit" and "several digits", and its
probabilities are calibrated (see calibration.py). So the decision needs no tuned score: a
picture is rejected when the model gives "not one digit" at least even odds (REJECT_AT), which
is the Bayes decision for equal costs of a wrong answer and a wrong refusal. `bench/rejection.py`
prints where this point sits on the trade-off curve.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from recognizer.model import DIGITS, NOT_A_DIGIT, SEVERAL_DIGITS

CONFIDENT = 0.80  # below this the top answer is shown as a guess beside the runner-up
REJECT_AT = 0.5  # P(not a digit) + P(several digits) at or above this: no digit is named


class Status(StrEnum):
    DIGIT = "digit"
    UNSURE = "unsure"
    NOT_DIGIT = "not_digit"
    SEVERAL = "several_digits"
    EMPTY = "empty"
    ERROR = "error"


ANSWERED = (Status.DIGIT, Status.UNSURE)  # statuses that name a digit


def judge(probabilities: np.ndarray, digit_sized_marks: int = 0) -> tuple[Status, str]:
    """Status and a one-sentence message for the model's NUM_CLASSES probabilities.

    `digit_sized_marks` counts marks the preprocessing set aside that are as large as the digit
    it kept: digits written apart, which the model never sees together.
    """
    digits = probabilities[:DIGITS]
    if digit_sized_marks:
        return Status.SEVERAL, ("There are several digits (or other marks as large as one) in the picture. "
                                "Please show one digit at a time.")
    ranked = np.argsort(digits)[::-1]
    first, second = int(ranked[0]), int(ranked[1])
    rejection = rejection_probability(probabilities)
    if rejection >= REJECT_AT:
        if probabilities[SEVERAL_DIGITS] > probabilities[NOT_A_DIGIT]:
            return Status.SEVERAL, (f"This looks like several digits ({rejection:.0%} sure). Please show one digit "
                                    "at a time.")
        return Status.NOT_DIGIT, (f"This does not look like a digit ({rejection:.0%} sure); the closest digit would "
                                  f"be a {first} ({digits[first]:.0%}).")
    if digits[first] >= CONFIDENT:
        return Status.DIGIT, f"It is a {first} ({digits[first]:.0%} sure)."
    return Status.UNSURE, (f"Not sure: maybe a {first} ({digits[first]:.0%}) or a {second} ({digits[second]:.0%}).")


def rejection_probability(probabilities: np.ndarray) -> float:
    """P(not one digit): the score that `judge` compares with REJECT_AT."""
    return float(probabilities[NOT_A_DIGIT] + probabilities[SEVERAL_DIGITS])


EMPTY_MESSAGE = "No digit found: the picture looks blank. Draw or photograph one digit."
EDGE_ONLY_MESSAGE = ("No digit found: the only marks lie along the edge of the picture (a page edge, a shadow or "
                     "a line), and they were set aside. Photograph the digit with some paper around it.")
