"""Pictures that are not one digit get no digit for an answer; digits still do.

None of these pictures were used in training: the letters are in Aileron, the TrueType font
bundled with Pillow (training used only Hershey stroke fonts), the digit groups are typeset
(training used MNIST digits), the objects are Fashion-MNIST *test* items (training used its
training items), the digits are real pen strokes from pendigits.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from recognizer import Status
from recognizer.training.negatives import LETTERS
from recognizer.training.shared_data import fashion_photo, pendigits, render_strokes
from recognizer.verdict import ANSWERED
from tests.conftest import require_shared


def typed(text: str, size: int = 160) -> np.ndarray:
    """Dark text on white in Pillow's bundled font."""
    picture = Image.new("L", (360, 300), 255)
    ImageDraw.Draw(picture).text((180, 150), text, fill=0, font=ImageFont.load_default(size), anchor="mm")
    return np.asarray(picture)


def test_letters_in_an_unseen_font_are_refused(recognizer):
    letters = [typed(letter, size) for letter in LETTERS for size in (120, 200)]
    statuses = [r.status for r in recognizer.recognize_many(letters)]
    refused = sum(status == Status.NOT_DIGIT for status in statuses)
    assert refused >= 0.9 * len(letters), list(zip(LETTERS, statuses[::2], strict=True))


def typed_number(text: str) -> np.ndarray:
    picture = np.full((300, 600), 255, np.uint8)
    cv2.putText(picture, text, (40, 220), cv2.FONT_HERSHEY_SIMPLEX, 6 if len(text) < 4 else 4.5, 0, 14, cv2.LINE_AA)
    return picture


@pytest.mark.parametrize("text", ["38", "72", "105", "46", "913"])
def test_two_or_three_typed_digits_are_called_several(recognizer, text):
    assert recognizer.recognize(typed_number(text)).status == Status.SEVERAL


@pytest.mark.parametrize("text", ["2024", "31415"])
def test_longer_numbers_get_no_digit_for_an_answer(recognizer, text):
    """Training showed 2-3 digits together; longer numbers must at least not be read as one digit."""
    assert recognizer.recognize(typed_number(text)).status not in ANSWERED


def test_digits_written_apart_are_called_several(recognizer):
    """Far apart, the model sees only one of them: the preprocessing's count of digit-sized marks decides."""
    picture = np.full((300, 900), 255, np.uint8)
    for index, digit in enumerate("274"):
        cv2.putText(picture, digit, (60 + 300 * index, 220), cv2.FONT_HERSHEY_SIMPLEX, 6, 0, 14, cv2.LINE_AA)
    assert recognizer.recognize(picture).status == Status.SEVERAL


@pytest.mark.parametrize("seed", range(4))
def test_a_photo_of_texture_is_not_a_digit(recognizer, seed):
    """Blurred noise thresholded into blotches, like a patterned cloth or gravel."""
    rng = np.random.default_rng(seed)
    blotches = cv2.GaussianBlur(rng.random((400, 400)).astype(np.float32), (0, 0), 6)
    picture = np.where(blotches > np.median(blotches) + 0.01, 60, 220).astype(np.uint8)
    assert recognizer.recognize(picture).status not in ANSWERED


def test_real_handwritten_digits_are_not_refused(recognizer):
    require_shared("pendigits")
    drawings = [render_strokes(d.screen_strokes(280)) for d in pendigits()[::25]]  # 300 digits, all writers
    answered = np.mean([r.status in ANSWERED for r in recognizer.recognize_many(drawings)])
    assert answered >= 0.97


def test_photographed_objects_are_refused(recognizer, fashion):
    """Clothes, shoes and bags photographed dark on white paper, whole-frame."""
    pictures = [fashion_photo(item) for item in fashion.x_test[-400:]]
    seen = [r for r in recognizer.recognize_many(pictures) if r.model_input is not None]  # blank ones are `empty`
    refused = np.mean([r.status not in ANSWERED for r in seen])
    assert len(seen) >= 300 and refused >= 0.95, refused


def test_flagged_ones_of_real_writers_are_read_as_one(recognizer):
    """pendigits' writers flag their 1s (see recognizer/training/styles.py); MNIST-only training read
    about one in five of them as a 7."""
    require_shared("pendigits")
    ones = [render_strokes(d.screen_strokes(280)) for d in pendigits() if d.label == 1][::2]  # 390, all writers
    read = np.mean([r.digit == 1 for r in recognizer.recognize_many(ones)])
    assert read >= 0.93, read
