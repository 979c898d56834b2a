"""Reading whole written numbers (`Recognizer.read_number`) made of real digits: MNIST test digits
the model reads clearly on their own, pendigits pen strokes of writers it never saw."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.numbers import NumberStatus
from recognizer.training.shared_data import pendigits
from recognizer.training.synthetic import draw_on_paper
from recognizer.training.writer_sets import HELD_OUT_PENDIGITS_EVERY
from recognizer.training.written_numbers import Gap, compose_number, digit_crop, pen_number, slant_and_slope
from recognizer.verdict import Status
from tests.conftest import require_shared
from tests.number_pictures import HEIGHT, number_of, spaced, written


def test_a_single_digit_reads_as_the_single_digit_path_does(recognizer, mnist):
    rng = np.random.default_rng(5)
    pictures = [draw_on_paper(mnist.x_test[i], rng) for i in rng.choice(len(mnist.x_test), 40, replace=False)]
    for picture, single in zip(pictures, recognizer.recognize_many(pictures), strict=True):
        reading = recognizer.read_number(picture)
        assert len(reading.digits) == 1
        digit = reading.digits[0]
        np.testing.assert_allclose(digit.model_input, single.model_input, atol=1e-4)
        assert (digit.digit, digit.status) == (single.digit, single.status)
        # the same input in a batch of another size: equal up to float rounding
        np.testing.assert_allclose(digit.probabilities, single.probabilities, atol=1e-4)


@pytest.mark.parametrize("gap", [3, 25, 300])
def test_digits_apart_are_read_whatever_the_gap(recognizer, clear_digits, gap):
    rng = np.random.default_rng(gap)
    for number in ("2024", "731", "90"):
        digits = number_of(clear_digits, number, rng)
        assert recognizer.read_number(written(spaced(digits, gap))).text.replace(" ", "") == number


def test_touching_and_overlapping_neighbours_are_split(recognizer, clear_digits):
    rng = np.random.default_rng(11)
    right = {Gap.TOUCHING: 0, Gap.OVERLAPPING: 0}
    for gap in right:
        for _ in range(20):
            number = "".join(str(d) for d in rng.integers(0, 10, 2))
            reading = recognizer.read_number(compose_number(number_of(clear_digits, number, rng), gap, rng))
            right[gap] += reading.text == number
    assert right[Gap.TOUCHING] >= 16, right
    assert right[Gap.OVERLAPPING] >= 16, right


def test_digits_written_in_two_strokes_stay_one_digit(recognizer):
    require_shared("pendigits")
    rng = np.random.default_rng(4)
    two_strokes = [d for d in pendigits() if d.label in (4, 5, 7) and len(d.strokes) >= 2
                   and d.writer % HELD_OUT_PENDIGITS_EVERY == 0]  # writers no model trains on
    right = 0
    for _ in range(15):
        digits = [two_strokes[i] for i in rng.choice(len(two_strokes), 3, replace=False)]
        reading = recognizer.read_number(pen_number(digits, rng))
        assert len(reading.digits) == 3, reading.text
        right += reading.text.replace(" ", "") == "".join(str(d.label) for d in digits)
    assert right >= 13


def test_broken_faint_strokes_join_into_their_digit(recognizer, clear_digits):
    rng = np.random.default_rng(8)
    for number in ("174", "790", "235"):
        items = []
        for digit in number_of(clear_digits, number, rng):
            broken = cv2.resize(digit_crop(digit), None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC)
            row = int(rng.uniform(0.3, 0.7) * broken.shape[0])
            broken[row : row + 4] = 0  # a gap across the strokes where the pen ran dry
            items += [(broken * 0.35).astype(np.uint8), 30]
        reading = recognizer.read_number(written(items[:-1]))
        assert len(reading.digits) == 3
        assert all(digit.box[3] >= 0.9 * HEIGHT for digit in reading.digits)  # both halves of each digit


def test_dots_commas_and_dashes_are_skipped_and_wide_gaps_are_spaces(recognizer, clear_digits):
    rng = np.random.default_rng(9)
    one, two, three, four, five = number_of(clear_digits, "12345", rng)
    picture = written([one, 8, two, 8, ".", 8, three, 8, ",", 8, four, 8, "-", 8, five, 3 * HEIGHT, one, 8, two])
    assert recognizer.read_number(picture).text == "12345 12"


def test_several_lines_are_read_top_to_bottom(recognizer, clear_digits):
    rng = np.random.default_rng(10)
    first = written(spaced(number_of(clear_digits, "305", rng), 20))
    second = written(spaced(number_of(clear_digits, "4718", rng), 20))
    width = max(first.shape[1], second.shape[1])
    page = np.vstack([np.pad(first, ((0, 0), (0, width - first.shape[1])), constant_values=255),
                      np.pad(second, ((0, 0), (0, width - second.shape[1])), constant_values=255)])
    reading = recognizer.read_number(page)
    assert reading.line_texts == ("305", "4718")
    assert [d.line for d in reading.digits] == [0, 0, 0, 1, 1, 1, 1]


@pytest.mark.parametrize("slope", [-10, 10])
def test_a_sloping_line_is_read_in_order(recognizer, clear_digits, slope):
    rng = np.random.default_rng(12)
    line = written(spaced(number_of(clear_digits, "86420", rng), 25))
    turned = 255 - np.pad(slant_and_slope(255 - line, 0.0, slope), HEIGHT)
    assert recognizer.read_number(turned).text == "86420"


def test_twelve_digits_in_one_line(recognizer, clear_digits):
    rng = np.random.default_rng(13)
    number = "314159265358"
    picture = written(spaced(number_of(clear_digits, number, rng), 15), height=60)
    reading = recognizer.read_number(picture)
    assert reading.text == number
    assert reading.status == NumberStatus.NUMBER


def test_boxes_are_in_the_original_pictures_pixels(recognizer, clear_digits):
    rng = np.random.default_rng(14)
    small = written(spaced(number_of(clear_digits, "58", rng), 40))
    large = cv2.resize(small, None, fx=5, fy=5, interpolation=cv2.INTER_CUBIC)  # beyond the working size
    boxes = [np.array(d.box) for d in recognizer.read_number(small).digits]
    large_boxes = [np.array(d.box) for d in recognizer.read_number(large).digits]
    assert len(boxes) == len(large_boxes) == 2
    for box, large_box in zip(boxes, large_boxes, strict=True):
        assert np.abs(large_box - 5 * box).max() <= 12
    ink = small < 128
    for box in boxes:
        x, y, w, h = box
        assert ink[y : y + h, x : x + w].sum() > 0.45 * ink.sum()  # each box holds one of the two digits


def test_the_reading_holds_each_digits_input_probabilities_and_confidence(recognizer, clear_digits):
    rng = np.random.default_rng(15)
    reading = recognizer.read_number(written(spaced(number_of(clear_digits, "907", rng), 20)))
    assert reading.status == NumberStatus.NUMBER
    for digit in reading.digits:
        assert digit.model_input.shape == (28, 28)
        assert len(digit.probabilities) == 12 and abs(sum(digit.probabilities) - 1) < 1e-5
        assert digit.status == Status.DIGIT
        assert digit.stages[-1].image is digit.model_input
    assert reading.confidence == pytest.approx(np.prod([d.confidence for d in reading.digits]))
    assert "907" in reading.message


def test_blank_paper_is_empty_and_letters_are_not_a_number(recognizer):
    assert recognizer.read_number(np.full((200, 600), 255, np.uint8)).status == NumberStatus.EMPTY
    letters = np.full((200, 600), 255, np.uint8)
    cv2.putText(letters, "WAX", (40, 150), cv2.FONT_HERSHEY_SIMPLEX, 4, 0, 12)
    reading = recognizer.read_number(letters)
    assert reading.status == NumberStatus.NOT_DIGIT
    assert "?" in reading.text


def test_an_unsure_digit_makes_the_whole_reading_unsure(recognizer, mnist):
    rng = np.random.default_rng(16)
    readings = (recognizer.read_number(written(spaced(mnist.x_test[rng.choice(10000, 3)], 30)))
                for _ in range(200))
    reading = next(r for r in readings if any(d.status == Status.UNSURE for d in r.digits)
                   and all(d.status in (Status.DIGIT, Status.UNSURE) for d in r.digits))
    assert reading.status == NumberStatus.UNSURE
    assert "not sure" in reading.message
