"""From probabilities to an honest answer: a digit, "not sure", or nothing to recognize."""

from __future__ import annotations

from enum import StrEnum

import numpy as np

CONFIDENT = 0.80  # below this the top answer is shown as a guess beside the runner-up


class Status(StrEnum):
    DIGIT = "digit"
    UNSURE = "unsure"
    EMPTY = "empty"
    ERROR = "error"


def judge(probabilities: np.ndarray) -> tuple[Status, str]:
    """Status and a one-sentence message for 10 softmax probabilities."""
    ranked = np.argsort(probabilities)[::-1]
    first, second = int(ranked[0]), int(ranked[1])
    if probabilities[first] >= CONFIDENT:
        return Status.DIGIT, f"It is a {first} ({probabilities[first]:.0%} sure)."
    return Status.UNSURE, (
        f"Not sure: maybe a {first} ({probabilities[first]:.0%}) or a {second} "
        f"({probabilities[second]:.0%})."
    )


EMPTY_MESSAGE = "No digit found: the picture looks blank. Draw or photograph one digit."
