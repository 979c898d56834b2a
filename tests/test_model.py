"""The shipped model meets its contract: plain Keras, MNIST test images / 255, the card's accuracy."""

from __future__ import annotations

import io
import json
import zipfile

import h5py
import keras
import numpy as np
import pytest

from recognizer.calibration import expected_calibration_error
from recognizer.model import DEFAULT_MODEL_PATH, DIGITS, NUM_CLASSES, sha256_of
from recognizer.preprocess import PREPROCESSING_VERSION
from recognizer.verdict import ANSWERED, Status, judge
from tests.conftest import require_shared

CARD = json.loads(DEFAULT_MODEL_PATH.with_suffix(".json").read_text())


@pytest.fixture(scope="module")
def plain_keras_probabilities(mnist) -> np.ndarray:
    """MNIST test probabilities with nothing but keras.models.load_model: no recognizer code."""
    model = keras.models.load_model(DEFAULT_MODEL_PATH)
    return model.predict((mnist.x_test.astype(np.float32) / 255)[..., None], batch_size=1000, verbose=0)


@pytest.fixture(scope="module")
def plain_keras_accuracy(plain_keras_probabilities, mnist) -> float:
    """A digit answered "not a digit" or "several digits" counts as wrong."""
    return float((plain_keras_probabilities.argmax(1) == mnist.y_test).mean())


def test_shipped_model_reaches_the_target_on_mnist_test(plain_keras_accuracy):
    assert plain_keras_accuracy >= 0.995


def test_model_card_states_the_measured_accuracy(plain_keras_accuracy):
    assert CARD["mnist_test"]["accuracy"] == pytest.approx(plain_keras_accuracy, abs=2e-4)


def test_model_card_names_its_data_and_preprocessing(mnist):
    assert CARD["data"]["sha256_of_decoded_arrays"] == mnist.fingerprint()
    assert CARD["preprocessing_version"] == PREPROCESSING_VERSION
    assert CARD["command"].startswith("python train.py")
    assert CARD["training_seconds"] <= 90 * 60  # on a 2-core CPU
    assert set(CARD["mnist_test"]["per_digit_accuracy"]) == {str(d) for d in range(10)}


def test_model_card_names_every_writer_set_file_its_count_and_accuracy():
    """The shipped model learnt the writer sets: the card gives each file's checksum (checked
    against the files), each set's size, and the writer-disjoint accuracy of each held-out set."""
    writers = CARD["data"]["writer_sets"]
    data_dir = require_shared(".")
    assert writers["sha256"], "no writer set files listed"
    for name, checksum in writers["sha256"].items():
        assert sha256_of(data_dir / name) == checksum, name
    assert {"CVL", "Swiss", "pendigits", "USPS", "optdigits"} <= {name.split()[0] for name in writers["trained"]}
    assert all(counts["digits"] > 0 for counts in writers["trained"].values())
    assert "DigiLeTs" in " ".join(writers["never_trained"])
    assert set(writers["accuracy"]) == set(writers["validation_writer_disjoint"]) | set(writers["never_trained"])
    assert all(0.9 < result["accuracy"] <= 1 for result in writers["accuracy"].values())


def test_model_file_is_small_and_holds_no_optimizer_state():
    assert DEFAULT_MODEL_PATH.stat().st_size < 2e6
    with zipfile.ZipFile(DEFAULT_MODEL_PATH) as archive:
        weights = h5py.File(io.BytesIO(archive.read("model.weights.h5")))
    assert "optimizer" not in weights
    assert DEFAULT_MODEL_PATH.with_name("digits_report.png").is_file()


def test_compiled_forward_pass_matches_keras(keras_recognizer, mnist):
    x = (mnist.x_test[:64].astype(np.float32) / 255)[..., None]
    expected = keras_recognizer.model.model.predict(x, verbose=0)
    np.testing.assert_allclose(keras_recognizer.model.probabilities(x), expected, atol=1e-5)


def test_probabilities_are_a_distribution(recognizer, mnist):
    result = recognizer.recognize(255 - mnist.x_test[0])
    assert len(result.probabilities) == NUM_CLASSES
    assert sum(result.probabilities) == pytest.approx(1)
    assert result.confidence == max(result.probabilities[:DIGITS])
    assert result.digit == int(mnist.y_test[0])


def test_probabilities_are_calibrated_on_mnist_test(plain_keras_probabilities, mnist):
    """ECE (15 bins) at most 1%: "90% sure" means right about 9 times in 10."""
    assert expected_calibration_error(plain_keras_probabilities, mnist.y_test) <= 0.01


def test_model_holds_the_temperature_its_card_states(keras_recognizer):
    assert 1 / keras_recognizer.model.model.get_layer("temperature").scale == pytest.approx(
        CARD["calibration"]["temperature"], rel=1e-3)
    assert CARD["calibration"]["ece_mnist_test"]["after"] <= 0.01


def test_almost_every_mnist_test_digit_gets_a_digit_for_an_answer(plain_keras_probabilities):
    statuses = [judge(p)[0] for p in plain_keras_probabilities]
    assert np.mean([s in ANSWERED for s in statuses]) >= 0.99
    assert np.mean([s == Status.DIGIT for s in statuses]) >= 0.98
