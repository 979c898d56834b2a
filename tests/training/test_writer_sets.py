"""The writer sets: read right, split by writer, and every look draws digits and non-digits alike."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.model import NOT_A_DIGIT, SEVERAL_DIGITS
from recognizer.preprocess import mnist_like_input
from recognizer.training import writer_sets
from recognizer.training.writer_mixture import WriterSplits
from recognizer.training.writer_sets import CVL_LOOK, OPTDIGITS_LOOK, USPS_LOOK, ScanLook, StrokeLook, look_negatives
from tests.conftest import SHARED_DATA, require_shared


@pytest.fixture(scope="module")
def splits() -> WriterSplits:
    for folder in ("cvl", "swiss", "pendigits", "usps", "optdigits", "digilets"):
        require_shared(folder)
    return WriterSplits.read(SHARED_DATA, learn_cvl_valid=False)


def ring() -> np.ndarray:
    """A round ring: square, so optdigits' stretching leaves it as it is."""
    return cv2.ellipse(np.zeros((280, 280), np.uint8), (140, 140), (70, 70), 0, 0, 360, 255, 14)


def test_cvl_has_the_official_splits_by_writer(splits):
    cvl = writer_sets.cvl()
    assert {name: int((cvl.splits == name).sum()) for name in ("train", "valid", "test")} == {
        "train": 7000, "valid": 7000, "test": 21780}
    writers = {name: set(cvl.writers[cvl.splits == name]) for name in ("train", "valid", "test")}
    assert [len(w) for w in writers.values()] == [67, 60, 176]
    assert not (writers["train"] & writers["valid"]) and not (writers["test"] & (writers["train"] | writers["valid"]))


def test_no_validation_writer_is_learnt(splits):
    trained = {(data.source.split()[0], w) for data in splits.trained for w in set(data.writers) - {""}}
    held = {(data.source.split()[0], w) for data in splits.validation + splits.never_trained for w in set(data.writers)}
    assert not trained & held
    assert {data.source for data in splits.validation} == {"CVL valid", "Swiss valid", "pendigits valid"}
    pen = next(data for data in splits.validation if data.source.startswith("pendigits"))
    assert set(pen.writers) == {"5", "10", "15", "20", "25", "30"}
    assert not any(data.source.startswith("DigiLeTs") for data in splits.trained)
    assert len(splits.never_trained[0]) == 3850 and len(set(splits.never_trained[0].writers)) == 77


def test_every_learnt_set_brings_all_ten_digits(splits):
    for data in splits.trained:
        assert set(data.labels) == set(range(10)), data.source


def test_the_card_names_every_file_with_its_checksum(splits):
    card = splits.card(SHARED_DATA)
    assert {"cvl/cvl_single_digits.tar.gz", "swiss/index.csv", "digilets/digilets_digits.tar.gz",
            "pendigits/pendigits-orig.tra", "usps/zip.train.gz", "optdigits/optdigits-orig.tra"} <= set(card["sha256"])
    assert card["sha256"]["cvl/cvl_single_digits.tar.gz"] == (
        "dcb9e7f2731cd6daeef662544a5dfbd89e7eea3c043d671760ca517eb629c25b")  # the README's figure
    assert card["trained"]["CVL train"] == {"digits": 7000, "writers": 67}


def test_digilets_strokes_drop_hover_and_stray_points():
    points = [(0.4, 0.8, 0.5, 1, 0), (0.6, 0.8, 0.5, 0, 0.02), (0.6, 0.8, 0.0, 0, 0.04),  # hover point
              (0.5, 0.2, 0.4, 1, 0.3), (0.5, 0.9, 0.4, 0, 0.32), (1.6, -1.5, 0.4, 0, 0.34)]  # stray point
    digit = writer_sets.trajectory_digit(" ".join(" ".join(map(str, p)) for p in points), 7, 3)
    assert [len(stroke) for stroke in digit.strokes] == [2, 2]
    assert np.concatenate(digit.strokes).max() <= 0.9


@pytest.mark.parametrize("unit", [1.0, 500.0])  # DigiLeTs' square is 0..1, pendigits' tablet 0..500
def test_a_pen_digit_fills_the_canvas_whatever_its_units(unit):
    """As a person draws on the canvas: the digit's box fills the square minus the margin, so a
    small digit in the writer's box is not drawn as a small blob of a canvas-sized brush."""
    small = writer_sets.PenDigit(4, 1, (np.array([[0.45, 0.55], [0.42, 0.45], [0.5, 0.45]]) * unit,
                                        np.array([[0.48, 0.52], [0.48, 0.42]]) * unit))
    points = np.concatenate(small.screen_strokes(280, margin=0.2))
    assert (points.max(0) - points.min(0)).max() == pytest.approx(280 * 0.6)


def test_pen_trajectories_are_drawn_upright():
    """y grows upwards on a tablet: a 7's bar must come out at the top of the canvas."""
    seven = writer_sets.PenDigit(7, 1, (np.array([[0.2, 0.9], [0.6, 0.9], [0.35, 0.1]]),))
    alpha = StrokeLook().picture(seven)[..., 3]
    rows = np.nonzero(alpha)[0]
    top, bottom = alpha[rows.min() : rows.min() + 20], alpha[rows.max() - 20 : rows.max()]
    assert (top > 0).sum() > 3 * (bottom > 0).sum()


@pytest.mark.parametrize("look", [CVL_LOOK, USPS_LOOK, OPTDIGITS_LOOK, ScanLook(), StrokeLook()])
def test_each_look_draws_a_mask_that_the_pipeline_reads_as_the_same_shape(look):
    picture = look.dress(ring(), np.random.default_rng(0))
    assert picture.ndim == (3 if isinstance(look, StrokeLook) else 2)
    seen, expected = mnist_like_input(picture), mnist_like_input(255 - ring())
    assert np.corrcoef(seen.ravel().astype(float), expected.ravel().astype(float))[0, 1] > 0.7


@pytest.mark.parametrize("look", [CVL_LOOK, USPS_LOOK, ScanLook()])
def test_side_by_side_bitmaps_are_wider_than_one(look):
    one = 255 - cv2.resize(ring(), (look_side := 28, look_side))
    row = look.side_by_side([one, one, one], np.random.default_rng(1))
    assert row.shape[0] == one.shape[0] and row.shape[1] > 2 * writer_sets.ink_columns(one, 0).shape[1]


def test_negatives_come_in_the_sets_own_look(splits):
    pen = next(data for data in splits.trained if data.source.startswith("pendigits"))
    pictures, labels = look_negatives(pen, 3, 2, seed=0)
    pictures = list(pictures)
    assert list(labels) == [NOT_A_DIGIT] * 3 + [SEVERAL_DIGITS] * 2
    assert all(p.shape == (280, 280, 4) and p[..., :3].max() == 0 for p in pictures)  # canvas strokes, ink in alpha
    several = [mnist_like_input(p) for p in pictures[3:]]
    assert all(s is not None for s in several)


def tiny_set(source: str, split: str, count: int = 30) -> writer_sets.Handwriting:
    """`count` little CVL-like bitmaps of circles and bars (0s and 1s), all labels 0-9 cycled."""
    rng = np.random.default_rng(len(source) + count)
    items = []
    for number in range(count):
        mask = np.zeros((280, 280), np.uint8)
        if number % 2:
            cv2.line(mask, (140, 60), (150, 220), 255, 16)
        else:
            cv2.circle(mask, (140, 140), int(rng.integers(50, 90)), 255, 16)
        items.append(255 - cv2.resize(mask, (28, 28), interpolation=cv2.INTER_AREA))
    return writer_sets.Handwriting(source, tuple(items), np.arange(count) % 10, np.full(count, "w1"),
                                   np.full(count, split), CVL_LOOK, ())


def test_training_set_adds_learnt_writers_to_fit_and_validation_writers_to_held_out(mnist, fashion):
    from recognizer.training.trainer import TrainingConfig, TrainingSet
    from recognizer.training.writer_mixture import LookNegatives

    config = TrainingConfig(validation_size=100, not_a_digit_examples=20, several_digits_examples=10,
                            object_photo_examples=10, flagged_one_examples=10, pen_seven_examples=10,
                            look_negatives=LookNegatives(0.5, 0.5), writer_set_repeats={"CVL": 2})
    small = type(mnist)(mnist.x_train[:600], mnist.y_train[:600], mnist.x_test, mnist.y_test, "slice")
    plain = TrainingSet.build(small, fashion, config)
    writers = WriterSplits((tiny_set("CVL train", "train"),), (tiny_set("Swiss valid", "valid", 20),), ())
    mixed = TrainingSet.build(small, fashion, config, writers)
    assert len(mixed.x_fit) == len(plain.x_fit) + 2 * (30 + 15 + 15)  # digits and both negatives, twice
    assert len(mixed.x_held_out) == len(plain.x_held_out) + 20 + 10 + 10
    added = mixed.y_fit[len(plain.y_fit) :]
    assert (np.bincount(added, minlength=12) == [6] * 10 + [30, 30]).all()
