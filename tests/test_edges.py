"""Digits that fill the picture or reach its edge (tight crops, form boxes, small bitmaps) are
read like the same digits with paper around them; marks that only lie along the edge are
reported as such, never as a blank picture."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer import Status
from recognizer.decode import load_image
from recognizer.preprocess import preprocess
from recognizer.training.shared_data import cropped, ink_box, on_paper, optdigits, real_digits, usps
from recognizer.training.writer_sets import cvl, swiss
from recognizer.verdict import ANSWERED
from tests.conftest import require_shared
from tests.test_photos import paper, write

EDGE_ADVICE = "touches the edge"


def tight_crop(picture: np.ndarray, inset: int = 0) -> np.ndarray:
    """The picture cut to the box of its dark ink, `inset` pixels further in on every side."""
    rows, cols = np.nonzero(picture.min(axis=2) < 128)
    return picture[rows.min() + inset : rows.max() + 1 - inset, cols.min() + inset : cols.max() + 1 - inset]


@pytest.mark.parametrize("digit", range(10))
def test_a_digit_cropped_to_its_ink_is_read_and_told_it_touches_the_edge(recognizer, digit):
    result = recognizer.recognize(tight_crop(write(paper(), digit, (320, 240), 200)))
    assert result.digit == digit, result.message
    assert any(EDGE_ADVICE in tip for tip in result.advice), result.advice


@pytest.mark.parametrize("digit", [2, 4, 7, 8])
def test_a_digit_cut_by_the_edge_still_gets_an_answer(recognizer, digit):
    result = recognizer.recognize(tight_crop(write(paper(), digit, (320, 240), 200), inset=3))
    assert result.status in ANSWERED, result.message
    assert any(EDGE_ADVICE in tip for tip in result.advice)


@pytest.mark.parametrize("digit", [0, 3, 6, 9])
def test_a_tight_crop_gives_the_model_what_paper_around_it_gives(digit):
    written = write(paper(), digit, (320, 240), 200)
    with_paper = preprocess(written).model_input
    tight = preprocess(tight_crop(written)).model_input
    assert tight is not None
    assert np.abs(tight - with_paper).mean() < 0.03


def test_a_light_on_dark_tight_crop_is_read(recognizer):
    result = recognizer.recognize(255 - tight_crop(write(paper(), 5, (320, 240), 200)))
    assert result.digit == 5, result.message


def test_the_box_is_in_the_pixels_of_the_picture_as_given(recognizer):
    picture = write(paper(1200, 1600), 4, (1000, 500), 400)  # shrunk to the working size inside
    rows, cols = np.nonzero(picture.min(axis=2) < 128)
    x, y, w, h = recognizer.recognize(picture).box
    assert abs(x - cols.min()) <= 8 and abs(y - rows.min()) <= 8
    assert abs(x + w - cols.max()) <= 8 and abs(y + h - rows.max()) <= 8


def test_a_line_along_the_edge_alone_is_not_called_blank(recognizer):
    picture = paper()
    picture[-6:, :] = (30, 30, 30)  # a table edge along the bottom of the frame, nothing else
    result = recognizer.recognize(picture)
    assert result.status == Status.NOT_DIGIT
    assert "edge" in result.message


def test_a_digit_beside_a_line_along_the_edge_is_read(recognizer):
    picture = write(paper(), 3, (320, 240), 200)
    picture[-6:, :] = (30, 30, 30)
    assert recognizer.recognize(picture).digit == 3


def test_a_five_running_out_of_the_picture_keeps_its_lifted_bar(recognizer):
    """A scanned 5 whose tail leaves the cell at the bottom, its bar written apart: the bar,
    away from the edge, outweighs the body, which counts less for reaching the edge. The body
    must still join it: a thin bar's box is small, but the digit is as big as the bar is long
    (a Swiss writer's 5 was read from its bar alone, as "not a digit")."""
    picture = paper(100, 100)
    cv2.line(picture, (47, 20), (92, 16), (30, 30, 30), 6, cv2.LINE_AA)
    body = np.array([[38, 30], [34, 52], [55, 48], [68, 60], [66, 80], [50, 92], [30, 99]], np.int32)
    cv2.polylines(picture, [body], False, (30, 30, 30), 3, cv2.LINE_AA)
    result = recognizer.recognize(picture)
    assert result.digit == 5, result.message
    assert result.box[3] > 80, result.box


@pytest.mark.parametrize(("name", "loader"), [("usps", usps), ("optdigits", optdigits)])
def test_bitmaps_without_a_margin_are_read_like_with_one(recognizer, name, loader):
    """300 real scanned digits: none comes back "empty" without a margin, and accuracy stays
    within a point of the padded rendering (the bench holds the 0.5 point target on all)."""
    folder = {"usps": "usps/zip.train.gz", "optdigits": "optdigits/optdigits-orig.tra"}[name]
    images, labels = loader(require_shared(folder))
    images, labels = images[:300], labels[:300]
    padded = recognizer.recognize_many([on_paper(image) for image in images])
    tight = recognizer.recognize_many([on_paper(image, margin=0) for image in images])
    assert [r.status for r in tight].count(Status.EMPTY) == 0
    accuracy = {kind: np.mean([r.digit == label for r, label in zip(results, labels, strict=True)])
                for kind, results in (("padded", padded), ("tight", tight))}
    assert accuracy["tight"] >= accuracy["padded"] - 0.01, accuracy


def test_european_writers_digits_at_the_edge_are_read_like_with_paper_around(recognizer):
    """CVL bitmaps without a margin and Swiss scans cut to their ink (300 of each set's valid
    writers): none "empty", accuracy within a point of the same digits with paper around."""
    require_shared("cvl")
    require_shared("swiss")
    for data, tight, padded in [(cvl(), lambda item: on_paper(item, margin=0), on_paper),
                                (swiss(), lambda cell: cropped(cell, ink_box(cell)), lambda cell: cell)]:
        valid = data.split("valid")
        rows = np.random.default_rng(0).choice(len(valid), 300, replace=False)
        labels = valid.labels[rows]
        results = {kind: recognizer.recognize_many([render(valid.items[i]) for i in rows])
                   for kind, render in (("tight", tight), ("padded", padded))}
        assert [r.status for r in results["tight"]].count(Status.EMPTY) == 0, data.source
        accuracy = {kind: np.mean([r.digit == label for r, label in zip(answers, labels, strict=True)])
                    for kind, answers in results.items()}
        assert accuracy["tight"] >= accuracy["padded"] - 0.01, (data.source, accuracy)


def test_real_photos_cropped_to_the_digit_and_into_it_are_read(recognizer):
    """The 70 real photos and drawings cut to the digit's box, and 2 px into it (the strokes cut
    by the edge): none comes back "empty" and at least 95% are still read right."""
    samples = real_digits(require_shared("real_digits"))
    pictures = [load_image(sample.path) for sample in samples]
    boxes = [result.box for result in recognizer.recognize_many(pictures)]
    for inset in (0, 2):
        results = recognizer.recognize_many([cropped(p, box, inset) for p, box in zip(pictures, boxes, strict=True)])
        assert all(r.status != Status.EMPTY for r in results), inset
        assert np.mean([r.digit == s.label for r, s in zip(results, samples, strict=True)]) >= 0.95, inset
