"""Save a trained model for serving: the Keras file without optimizer state, and its ONNX export
verified against Keras.

The export holds the calibrated model (temperature and softmax inside) and is made by Keras' own
exporter (`model.export(format="onnx")`, through tf2onnx). It is trusted only after ONNX Runtime
reproduced Keras' probabilities on the whole MNIST test set: at most `TOLERANCE` apart and the
same answer for every image. Its checksum then goes into the model card, which is how serving
knows the export belongs to this model (`recognizer.model.verified_export`).
"""

from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import keras
import numpy as np
import onnx
import tensorflow as tf

from recognizer.keras_model import KerasModel
from recognizer.model import INPUT_SHAPE, card_path, exported_path, sha256_of
from recognizer.onnx_model import OnnxModel

TOLERANCE = 1e-5  # largest difference of any probability between ONNX Runtime and Keras
BATCH = 1000


class ExportMismatchError(RuntimeError):
    """The export does not answer like the Keras model; it is deleted, never served."""


def save_without_optimizer(model: keras.Model, path: Path) -> None:
    """Save `model` for serving and fine-tuning: the optimizer's state (2/3 of a compiled
    model's file) is only needed to resume the same training, which never happens."""
    serving = type(model).from_config(model.get_config())  # uncompiled: `clone_model` would compile it
    serving.set_weights(model.get_weights())
    path.parent.mkdir(parents=True, exist_ok=True)
    serving.save(path)


def largest_difference(reference: KerasModel, export: OnnxModel, inputs: np.ndarray) -> tuple[float, int]:
    """(largest |probability difference|, number of different answers) over float32 `inputs`."""
    largest, disagreements = 0.0, 0
    for start in range(0, len(inputs), BATCH):
        batch = inputs[start : start + BATCH]
        expected, got = reference.probabilities(batch), export.probabilities(batch)
        largest = max(largest, float(np.abs(expected - got).max()))
        disagreements += int((expected.argmax(1) != got.argmax(1)).sum())
    return largest, disagreements


def export_onnx(model: keras.Model, keras_path: Path, check_images: np.ndarray, checked_on: str) -> dict:
    """Write `keras_path`'s ONNX export, verify it on uint8 `(N, 28, 28)` `check_images`, and
    return the model card's `onnx` section. Raises `ExportMismatchError` if it answers differently."""
    path = exported_path(keras_path)
    signature = [tf.TensorSpec((None, *INPUT_SHAPE), tf.float32, name="image")]
    model.export(str(path), format="onnx", input_signature=signature, verbose=False)
    inputs = (check_images.astype(np.float32) / 255)[..., None]
    largest, disagreements = largest_difference(KerasModel(model), OnnxModel.load(path, "checking"), inputs)
    if largest > TOLERANCE or disagreements:
        path.unlink()
        raise ExportMismatchError(f"the ONNX export differs from Keras by up to {largest:.2g} and answers "
                             f"{disagreements} of {len(inputs)} images differently")
    return {
        "file": path.name,
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "opset": max(entry.version for entry in onnx.load(path).opset_import if entry.domain in ("", "ai.onnx")),
        "verified_on": f"{checked_on} ({len(inputs)} images)",
        "max_abs_probability_difference_vs_keras": float(f"{largest:.3g}"),
        "different_answers_vs_keras": disagreements,
        "versions": {package: version(package) for package in ("tf2onnx", "onnx", "onnxruntime")},
    }


def save_for_serving(model: keras.Model, path: Path, check_images: np.ndarray, checked_on: str) -> dict:
    """Save `model` at `path` without optimizer state, export it, and return the card's `onnx` section."""
    save_without_optimizer(model, path)
    return export_onnx(model, path, check_images, checked_on)


def export_saved_model(path: Path, check_images: np.ndarray, checked_on: str) -> dict:
    """Re-save an existing model (shipped or personal) for serving and record its export in its
    card, without retraining: for models made before exports existed, or a newer exporter."""
    model = keras.models.load_model(path, compile=False)
    card = json.loads(card_path(path).read_text())
    card["onnx"] = save_for_serving(model, path, check_images, checked_on)
    if "model_bytes" in card:
        card["model_bytes"] = path.stat().st_size
    card_path(path).write_text(json.dumps(card, indent=2) + "\n")
    return card
