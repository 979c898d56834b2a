"""Fixtures of the training tests."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from recognizer.calibration import set_temperature
from recognizer.keras_model import build_model


@pytest.fixture(scope="session")
def trained_model(mnist) -> keras.Model:
    """A model after a few training steps (so its optimizer has state) and a calibrated temperature."""
    model = build_model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit((mnist.x_train[:256, ..., None] / 255).astype(np.float32), mnist.y_train[:256], epochs=1, verbose=0)
    set_temperature(model, 1.7)
    return model
