"""Pictures that are not one digit get no digit for an answer; digits still do.

None of these pictures were used in training: the letters are in TrueType fonts (training used
only Hershey stroke fonts), the digit groups are typeset (training used MNIST digits), the
digits are real pen strokes from pendigits.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from recognizer import Status
from recognizer.negatives import LETTERS
from recognizer.shared_data import pendigits, render_strokes
from recognizer.verdict import ANSWERED
from tests.conftest import require, require_shared

FONTS = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
         "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"]


def typed(text: str, font: str, size: int = 160) -> np.ndarray:
    picture = Image.new("L", (360, 300), 255)
    ImageDraw.Draw(picture).text((180, 150), text, fill=0, font=ImageFont.truetype(font, size), anchor="mm")
    return np.asarray(picture)


@pytest.fixture(scope="module")
def fonts() -> list[str]:
    from pathlib import Path

    available = [font for font in FONTS if Path(font).is_file()]
    require(len(available) == len(FONTS), "the DejaVu and Liberation fonts (Debian fonts-dejavu, fonts-liberation)")
    return available


def test_letters_in_unseen_fonts_are_refused(recognizer, fonts):
    letters = [typed(letter, font) for font in fonts for letter in LETTERS[::3]]
    statuses = [r.status for r in recognizer.recognize_many(letters)]
    refused = sum(status == Status.NOT_DIGIT for status in statuses)
    assert refused >= 0.8 * len(letters), statuses


@pytest.mark.parametrize("text", ["38", "72", "105", "46", "2024", "91"])
def test_several_typed_digits_are_called_several(recognizer, text):
    picture = np.full((300, 600), 255, np.uint8)
    cv2.putText(picture, text, (40, 220), cv2.FONT_HERSHEY_SIMPLEX, 6 if len(text) < 4 else 4.5, 0, 14, cv2.LINE_AA)
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
