"""Temperature scaling and ECE on synthetic data whose true calibration is known."""

from __future__ import annotations

import numpy as np
import pytest

from recognizer.calibration import expected_calibration_error, fit_temperature, softmax


def sampled_labels(probabilities: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Labels drawn from the given probabilities: then those probabilities are calibrated by construction."""
    cumulative = probabilities.cumsum(axis=1)
    return (rng.random((len(probabilities), 1)) > cumulative).sum(axis=1)


@pytest.fixture(scope="module")
def logits() -> np.ndarray:
    return np.random.default_rng(0).normal(0, 3, size=(20000, 12))


def test_calibrated_probabilities_have_near_zero_ece(logits):
    probabilities = softmax(logits)
    labels = sampled_labels(probabilities, np.random.default_rng(1))
    assert expected_calibration_error(probabilities, labels) < 0.01


def test_overconfident_probabilities_have_a_large_ece(logits):
    labels = sampled_labels(softmax(logits), np.random.default_rng(1))
    assert expected_calibration_error(softmax(logits, 0.4), labels) > 0.1


@pytest.mark.parametrize("true_temperature", [0.7, 1.0, 2.5])
def test_fitted_temperature_recovers_the_true_one(logits, true_temperature):
    """Labels follow softmax(z / T): the NLL fit on z must find T (to sampling error)."""
    labels = sampled_labels(softmax(logits, true_temperature), np.random.default_rng(2))
    assert fit_temperature(logits, labels) == pytest.approx(true_temperature, rel=0.05)


def test_temperature_scaling_lowers_the_ece_of_an_overconfident_model(logits):
    labels = sampled_labels(softmax(logits, 2.0), np.random.default_rng(3))
    temperature = fit_temperature(logits, labels)
    assert expected_calibration_error(softmax(logits, temperature), labels) < 0.01 < expected_calibration_error(
        softmax(logits), labels)


def test_temperature_changes_no_answer(logits):
    np.testing.assert_array_equal(softmax(logits, 3.0).argmax(1), softmax(logits).argmax(1))
