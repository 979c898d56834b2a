"""Digit Lens: turn any picture of a handwritten digit into MNIST's form and recognize it."""

from recognizer.errors import InputError
from recognizer.recognize import Recognition, Recognizer
from recognizer.verdict import Status

__all__ = ["InputError", "Recognition", "Recognizer", "Status"]
