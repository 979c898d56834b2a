"""Photos and scans: each kind of difficulty, generated here, still gives the right digit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer import Status
from recognizer.training.shared_data import real_digits
from tests.conftest import require_shared

FONT = cv2.FONT_HERSHEY_SIMPLEX  # a stroke font: reads like careful handwriting


def paper(height: int = 480, width: int = 640, colour=(245, 245, 245)) -> np.ndarray:
    return np.full((height, width, 3), colour, np.uint8)


def write(picture: np.ndarray, digit: int, centre: tuple[int, int], height: int, colour=(25, 25, 25),
          thickness: int | None = None) -> np.ndarray:
    """Write `digit` about `height` pixels tall, centred at `centre`."""
    scale = height / 22
    thickness = thickness or max(2, height // 10)
    (text_width, text_height), _ = cv2.getTextSize(str(digit), FONT, scale, thickness)
    origin = (centre[0] - text_width // 2, centre[1] + text_height // 2)
    cv2.putText(picture, str(digit), origin, FONT, scale, colour, thickness, cv2.LINE_AA)
    return picture


def shade(picture: np.ndarray, darkest: float = 0.45) -> np.ndarray:
    """A diagonal light fall-off plus a hard-edged shadow over one corner, like a phone's."""
    height, width = picture.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width]
    light = 1 - (1 - darkest) * (rows + cols) / (height + width)
    light[(cols - rows) > width * 0.6] *= 0.7
    return (picture * light[..., None]).astype(np.uint8)


def noisy_jpeg_like(picture: np.ndarray, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, 5, picture.shape)
    return np.clip(cv2.GaussianBlur(picture, (3, 3), 0) + noise, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("digit", range(10))
def test_written_digits_on_clean_paper(recognizer, digit):
    assert recognizer.recognize(write(paper(), digit, (320, 240), 200)).digit == digit


CASES = {
    "shadow and light fall-off": lambda d: shade(write(paper(), d, (300, 220), 180)),
    "tinted paper, blue ink": lambda d: write(paper(colour=(215, 230, 240)), d, (320, 240), 200, (140, 40, 20)),
    "grey paper, red ink": lambda d: write(paper(colour=(170, 170, 170)), d, (320, 240), 200, (30, 30, 200)),
    "faint pencil": lambda d: noisy_jpeg_like(write(paper(), d, (320, 240), 200, (185, 185, 185), 6)),
    "thick marker": lambda d: write(paper(), d, (320, 240), 220, thickness=40),
    "hairline pen": lambda d: write(paper(), d, (320, 240), 300, thickness=2),
    "small and off-centre in a big photo": lambda d: noisy_jpeg_like(write(paper(1500, 2000), d, (1500, 400), 120)),
    "light on dark screenshot": lambda d: write(paper(colour=(30, 30, 30)), d, (320, 240), 200, (240, 240, 240)),
    "lined paper": lambda d: write(lined(paper(), spacing=60, colour=(230, 190, 160)), d, (320, 240), 200),
    "squared paper": lambda d: write(lined(paper(), spacing=40, colour=(200, 200, 200), squared=True), d,
                                     (320, 240), 200),
    "table and page edge in the frame": lambda d: page_edge(write(paper(), d, (360, 240), 200)),
}


def lined(picture: np.ndarray, spacing: int, colour, squared: bool = False) -> np.ndarray:
    for y in range(spacing // 2, picture.shape[0], spacing):
        cv2.line(picture, (0, y), (picture.shape[1], y), colour, 2)
    for x in range(spacing // 2, picture.shape[1], spacing) if squared else ():
        cv2.line(picture, (x, 0), (x, picture.shape[0]), colour, 2)
    return picture


def page_edge(picture: np.ndarray) -> np.ndarray:
    """A dark wooden table along the left edge and a fold shadow along the top."""
    picture[:, :90] = (40, 60, 90)
    picture[:25, :] = (120, 120, 120)
    return picture


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("digit", [2, 4, 7, 8])
def test_difficult_photos(recognizer, case, digit):
    result = recognizer.recognize(CASES[case](digit))
    assert result.digit == digit, f"{case}: {result.message}"


def strokes_canvas(*draws) -> np.ndarray:
    picture = paper(400, 400)
    for draw in draws:
        draw(picture)
    return picture


@pytest.mark.parametrize(("digit", "picture"), [
    (5, strokes_canvas(lambda p: cv2.line(p, (150, 80), (140, 190), (20, 20, 20), 14),
                       lambda p: cv2.ellipse(p, (195, 250), (70, 65), 0, -150, 150, (20, 20, 20), 14),
                       lambda p: cv2.line(p, (170, 75), (280, 75), (20, 20, 20), 14))),  # bar not touching
    (4, strokes_canvas(lambda p: cv2.line(p, (140, 70), (120, 230), (20, 20, 20), 14),
                       lambda p: cv2.line(p, (120, 230), (280, 230), (20, 20, 20), 14),
                       lambda p: cv2.line(p, (245, 60), (240, 340), (20, 20, 20), 14))),  # open top
    (7, strokes_canvas(lambda p: cv2.line(p, (110, 80), (290, 80), (20, 20, 20), 14),
                       lambda p: cv2.line(p, (290, 80), (170, 340), (20, 20, 20), 14),
                       lambda p: cv2.line(p, (170, 215), (270, 215), (20, 20, 20), 14))),  # crossed 7
])
def test_digits_written_in_separate_strokes(recognizer, digit, picture):
    assert recognizer.recognize(picture).digit == digit


def test_specks_and_dust_are_ignored(recognizer):
    picture = write(paper(), 3, (320, 240), 200)
    rng = np.random.default_rng(3)
    for x, y in rng.integers(0, [640, 480], size=(40, 2)):
        cv2.circle(picture, (int(x), int(y)), 2, (60, 60, 60), -1)
    assert recognizer.recognize(picture).digit == 3


def test_photo_of_blank_paper_is_empty(recognizer):
    assert recognizer.recognize(noisy_jpeg_like(paper(colour=(210, 200, 190)))).status == Status.EMPTY


def test_every_real_photo_and_drawing_is_read():
    """The 70 real pictures: nothing crashes, and at least 95% of each kind are read right."""
    from recognizer import Recognizer

    samples = real_digits(require_shared("real_digits"))
    results = Recognizer.load().recognize_many([s.path for s in samples])
    for kind in ("photo", "digital"):
        hits = [r.digit == s.label for s, r in zip(samples, results, strict=True) if s.kind == kind]
        assert np.mean(hits) >= 0.95, kind
    assert all(r.status != Status.ERROR for r in results)
