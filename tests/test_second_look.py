"""The second look: inputs the model is unsure of are read again turned, and only those."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from recognizer.calibration import expected_calibration_error
from recognizer.second_look import SURE, TURNS, turned, with_second_look


def bar(degrees: float) -> np.ndarray:
    """A `(28, 28, 1)` input: one stroke through the centre, leaning about `degrees` from upright."""
    image = np.zeros((28, 28), np.float32)
    lean = np.tan(np.deg2rad(degrees)) * 9
    cv2.line(image, (round(14 - lean), 5), (round(14 + lean), 23), 1.0, 2)
    return image[..., None]


def lean_of(image: np.ndarray) -> float:
    """Degrees from upright of the ink's long axis, with the sign of `turned`'s angles (from the
    second image moments)."""
    moments = cv2.moments(image[..., 0])
    return float(np.rad2deg(0.5 * np.arctan2(2 * moments["mu11"], moments["mu02"] - moments["mu20"])))


class ReadsTheLean:
    """A stand-in model, sure of an upright stroke and less sure the more it leans; it records
    every batch it is given."""

    def __init__(self) -> None:
        self.batches: list[np.ndarray] = []

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(batch)
        sure = np.array([max(0.2, 1.0 - abs(lean_of(image)) / 20) for image in batch])
        return np.column_stack([sure, 1 - sure, np.zeros((len(batch), 10))])


def test_turning_turns_the_ink_about_the_centre_and_keeps_it():
    upright = bar(0)[None]
    for degrees in (-8.0, 8.0):
        image = turned(upright, degrees)
        assert image.shape == upright.shape and image.dtype == np.float32
        assert lean_of(image[0]) == pytest.approx(degrees, abs=0.5)
        assert image.sum() == pytest.approx(upright.sum(), rel=0.02)


def test_a_sure_reading_is_kept_as_it_is_and_costs_one_call():
    model = ReadsTheLean()
    batch = np.stack([bar(0), bar(1)])
    rows = with_second_look(model, batch)
    assert len(model.batches) == 1
    np.testing.assert_array_equal(rows, ReadsTheLean()(batch))
    assert rows.max(axis=1).min() >= SURE


def test_an_unsure_reading_becomes_the_mean_of_the_input_and_its_turns():
    model = ReadsTheLean()
    batch = np.stack([bar(0), bar(6), bar(0), bar(-10)])
    first = ReadsTheLean()(batch)
    rows = with_second_look(model, batch)
    assert len(model.batches) == 2 and len(model.batches[1]) == 2 * len(TURNS)  # the two unsure, each turn
    np.testing.assert_array_equal(rows[[0, 2]], first[[0, 2]])
    for index in (1, 3):
        readings = [first[index]] + [ReadsTheLean()(turned(batch[index : index + 1], d))[0] for d in TURNS]
        np.testing.assert_allclose(rows[index], np.mean(readings, axis=0))
        np.testing.assert_allclose(rows[index].sum(), 1.0)


def test_the_served_answers_on_mnist_are_no_worse_and_no_less_calibrated(recognizer, mnist):
    """The second look was chosen on writer-disjoint sets; on MNIST test it must not cost either."""
    inputs = (mnist.x_test.astype(np.float32) / 255)[..., None]
    once = recognizer.model.probabilities(inputs)
    served = recognizer.probabilities(inputs)
    looked_again = once.max(axis=1) < SURE
    assert 0 < looked_again.mean() < 0.05
    np.testing.assert_array_equal(served[~looked_again], once[~looked_again])
    assert (served.argmax(1) == mnist.y_test).mean() >= (once.argmax(1) == mnist.y_test).mean()
    assert expected_calibration_error(served, mnist.y_test) <= expected_calibration_error(once, mnist.y_test) + 0.002
