"""The shipped model meets its contract: plain Keras, MNIST test images / 255, the card's accuracy."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from recognizer.model import DEFAULT_MODEL_PATH
from recognizer.preprocess import PREPROCESSING_VERSION

CARD = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text())


@pytest.fixture(scope="module")
def plain_keras_accuracy(mnist):
    """Accuracy with nothing but keras.models.load_model: no recognizer code in the loop."""
    model = keras.models.load_model(DEFAULT_MODEL_PATH)
    x = (mnist.x_test.astype(np.float32) / 255)[..., None]
    return float((model.predict(x, batch_size=1000, verbose=0).argmax(1) == mnist.y_test).mean())


def test_shipped_model_reaches_the_target_on_mnist_test(plain_keras_accuracy):
    assert plain_keras_accuracy >= 0.995


def test_model_card_states_the_measured_accuracy(plain_keras_accuracy):
    assert CARD["mnist_test"]["accuracy"] == pytest.approx(plain_keras_accuracy, abs=2e-4)


def test_model_card_names_its_data_and_preprocessing(mnist):
    assert CARD["data"]["sha256_of_decoded_arrays"] == mnist.fingerprint()
    assert CARD["preprocessing_version"] == PREPROCESSING_VERSION
    assert CARD["command"].startswith("python train.py")
    assert CARD["training_seconds"] <= 20 * 60
    assert set(CARD["mnist_test"]["per_digit_accuracy"]) == {str(d) for d in range(10)}


def test_model_file_is_small():
    assert DEFAULT_MODEL_PATH.stat().st_size < 5e6
    assert DEFAULT_MODEL_PATH.with_name("digits_report.png").is_file()


def test_compiled_forward_pass_matches_keras(recognizer, mnist):
    x = (mnist.x_test[:64].astype(np.float32) / 255)[..., None]
    expected = recognizer.model.model.predict(x, verbose=0)
    np.testing.assert_allclose(recognizer.model.probabilities(x), expected, atol=1e-5)


def test_probabilities_are_a_distribution(recognizer, mnist):
    result = recognizer.recognize(255 - mnist.x_test[0])
    assert len(result.probabilities) == 10
    assert sum(result.probabilities) == pytest.approx(1)
    assert result.confidence == max(result.probabilities)
    assert result.digit == int(mnist.y_test[0])
