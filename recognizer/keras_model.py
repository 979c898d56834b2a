"""The Keras engine: the CNN's architecture, loading, and a fast compiled forward pass.

Training builds and saves the model here; serving uses this engine only when a model has no
verified ONNX export (see `recognizer.model.load_engine`), and tests keep it as the reference
the export is compared with.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # TensorFlow's start-up chatter is not for users

import keras
import numpy as np
import tensorflow as tf

from recognizer.model import CLASS_NAMES, DEFAULT_MODEL_PATH, INPUT_SHAPE, NUM_CLASSES, EngineName, model_version


def conv_block(filters: int) -> list[keras.layers.Layer]:
    """Two 3x3 convolutions with batch norm: the workhorse of small, accurate MNIST nets."""
    layers: list[keras.layers.Layer] = []
    for _ in range(2):
        layers += [
            keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
            keras.layers.BatchNormalization(),
            keras.layers.ReLU(),
        ]
    return layers


def build_model() -> keras.Model:
    """A VGG-style CNN (~0.3 M parameters) that reaches >99.5% on MNIST with augmentation.

    The logits are divided by a temperature before the softmax, inside the saved model, so every
    user of the file (app, CLI, a plain `keras.models.load_model`) gets calibrated probabilities.
    """
    return keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            *conv_block(32),
            keras.layers.MaxPooling2D(),
            *conv_block(64),
            keras.layers.MaxPooling2D(),
            *conv_block(128),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(NUM_CLASSES, name="logits"),
            keras.layers.Rescaling(1.0, name="temperature"),  # 1 / T, set by calibration after training
            keras.layers.Softmax(),
        ],
        name="digit_lens_cnn",
    )


def prefer_one_thread_per_call() -> None:
    """Run each model call on one core: for this small net, splitting one image across cores
    costs more in hand-offs than it saves (3 ms instead of 4-7 ms, and steadier), and
    concurrent sessions then use the cores side by side. Only possible before TensorFlow
    starts; training, which wants every core, never calls it."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow already runs (e.g. a test loaded a model first): keep its threads


class KerasModel:
    """A loaded model plus one traced forward function.

    `model.predict` builds a data pipeline on every call (~80 ms per image here); a traced
    `tf.function` with a fixed signature costs ~1.5 ms and is safe to call from many threads.
    """

    name = EngineName.KERAS

    def __init__(self, model: keras.Model, version: str = "unsaved") -> None:
        self.model = model
        self.version = version  # which model answered: stored with every corrected sample
        self._forward = tf.function(
            lambda x: model(x, training=False),
            input_signature=[tf.TensorSpec((None, *INPUT_SHAPE), tf.float32)],
        )
        self.probabilities(np.zeros((1, *INPUT_SHAPE), np.float32))  # trace now, not on first use

    @classmethod
    def load(cls, path: Path = DEFAULT_MODEL_PATH) -> KerasModel:
        prefer_one_thread_per_call()
        model = keras.models.load_model(path, compile=False)
        if model.output_shape != (None, NUM_CLASSES):
            raise ValueError(f"{path} answers {model.output_shape[-1]} classes, not the {NUM_CLASSES} of "
                             f"{', '.join(CLASS_NAMES)}; retrain it with train.py")
        return cls(model, version=model_version(path))

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """`(N, 28, 28, 1)` float32 in [0, 1] -> `(N, NUM_CLASSES)` float64 softmax rows."""
        return self._forward(tf.convert_to_tensor(batch, tf.float32)).numpy().astype(np.float64)
