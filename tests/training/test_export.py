"""Saving for serving: no optimizer state in the Keras file, an ONNX export verified against Keras
and recorded in the card, and an export that answers differently is refused."""

from __future__ import annotations

import json

import keras
import numpy as np
import pytest

from recognizer.keras_model import KerasModel
from recognizer.model import EngineName, card_path, exported_path, load_engine, sha256_of
from recognizer.training import export


def test_export_is_verified_recorded_and_served(trained_model, mnist, tmp_path):
    path = tmp_path / "model.keras"
    section = export.save_for_serving(trained_model, path, mnist.x_test[:500], "500 MNIST test images")
    assert section["sha256"] == sha256_of(exported_path(path))
    assert section["max_abs_probability_difference_vs_keras"] <= export.TOLERANCE
    assert (section["different_answers_vs_keras"], section["verified_on"]) == (0, "500 MNIST test images (500 images)")
    card_path(path).write_text(json.dumps({"onnx": section}))
    served, reference = load_engine(path), KerasModel.load(path)
    assert served.name == EngineName.ONNX
    inputs = (mnist.x_test[500:600, ..., None] / 255).astype(np.float32)
    np.testing.assert_allclose(served.probabilities(inputs), reference.probabilities(inputs), atol=export.TOLERANCE)
    np.testing.assert_allclose(reference.probabilities(inputs), trained_model.predict(inputs, verbose=0), atol=1e-6)


def test_the_saved_keras_file_has_no_optimizer_state(trained_model, tmp_path):
    path = tmp_path / "model.keras"
    export.save_without_optimizer(trained_model, path)
    trained_model.save(tmp_path / "with_optimizer.keras")
    assert path.stat().st_size < 0.5 * (tmp_path / "with_optimizer.keras").stat().st_size
    assert keras.models.load_model(path, compile=False).get_layer("temperature").scale == pytest.approx(1 / 1.7)


def test_an_export_that_answers_differently_is_refused_and_deleted(trained_model, mnist, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "TOLERANCE", -1.0)  # no export can be that close
    path = tmp_path / "model.keras"
    with pytest.raises(export.ExportMismatchError, match="differs from Keras"):
        export.save_for_serving(trained_model, path, mnist.x_test[:100], "100 MNIST test images")
    assert not exported_path(path).exists()
