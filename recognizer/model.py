"""The model's contract and which engine runs it; no framework is imported here.

Model input contract: `(N, 28, 28, 1)` float32 in [0, 1], white ink on black, normalized like
MNIST (digit fitted into 20x20, centre of mass at the centre of 28x28). A model answers 12
calibrated probabilities: the digits 0-9, "not a digit" and "several digits".

A model is a Keras file (`digits.keras`, the reference, what training writes), its ONNX export
beside it (`digits.onnx`, softmax and temperature inside) and, when it serves as well, an int8
version of that export (`digits.int8.onnx`, see `recognizer/training/quantize.py`), whose
checksums the model card (`digits.json`) records. Serving uses ONNX Runtime when an export is
there and matches the card, the int8 one first (it answers a drawing in ~0.3 ms instead of
~0.5): it starts in a fraction of a second and uses a fraction of TensorFlow's memory. Otherwise
it falls back to Keras, so a model without an export (or a damaged one) still answers.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL_PATH = Path(__file__).resolve().parent.parent / "models" / "digits.keras"
DIGITS = 10  # classes 0-9 are the digits
NOT_A_DIGIT, SEVERAL_DIGITS = 10, 11  # the two answers that are not one digit (see negatives.py)
NUM_CLASSES = 12
CLASS_NAMES = (*map(str, range(DIGITS)), "not a digit", "several digits")
INPUT_SHAPE = (28, 28, 1)


class EngineName(StrEnum):
    AUTO = "auto"  # ONNX Runtime with the int8 export, else the float one, when it matches the card; else Keras
    INT8 = "int8"  # ONNX Runtime, the int8 export
    ONNX = "onnx"  # ONNX Runtime, the float export
    KERAS = "keras"


EXPORT_SUFFIXES = {EngineName.INT8: ".int8.onnx", EngineName.ONNX: ".onnx"}  # beside the .keras file
CARD_SECTIONS = {EngineName.INT8: "int8", EngineName.ONNX: "onnx"}  # where the card records each export


class Engine(Protocol):
    """What `Recognizer` needs from a loaded model, whichever library runs it."""

    name: EngineName
    version: str  # which model answered: stored with every corrected sample

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """`(N, 28, 28, 1)` float32 in [0, 1] -> `(N, NUM_CLASSES)` float64 softmax rows."""
        ...


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_version(path: Path) -> str:
    """File name and content hash of the Keras file: two files with one name (a retrained model)
    stay apart, and both engines report the same version for one model."""
    return f"{path.stem}@{sha256_of(path)[:12]}"


def exported_path(path: Path, engine: EngineName = EngineName.ONNX) -> Path:
    """Where the ONNX export (float, or int8) of the Keras model at `path` lives."""
    return path.with_suffix(EXPORT_SUFFIXES[engine])


def card_path(path: Path) -> Path:
    return path.with_suffix(".json")


def verified_export(path: Path, engine: EngineName = EngineName.ONNX) -> Path | None:
    """The export of `path` that `engine` runs if it exists and its checksum is the card's, else
    None: an export left over from an older model, or damaged, must not answer for this one."""
    export, card = exported_path(path, engine), card_path(path)
    if not (export.is_file() and card.is_file()):
        return None
    try:
        recorded = json.loads(card.read_text())[CARD_SECTIONS[engine]]["sha256"]
    except (ValueError, KeyError, TypeError):
        return None
    return export if recorded == sha256_of(export) else None


def load_engine(path: Path = DEFAULT_MODEL_PATH, engine: EngineName = EngineName.AUTO) -> Engine:
    """The model at `path` (a `.keras` file) run by `engine`. Each engine's module is imported
    only when chosen, so serving with ONNX Runtime never imports TensorFlow."""
    candidates = {EngineName.AUTO: (EngineName.INT8, EngineName.ONNX), EngineName.INT8: (EngineName.INT8,),
                  EngineName.ONNX: (EngineName.ONNX,), EngineName.KERAS: ()}[engine]
    for name in candidates:
        export = verified_export(path, name)
        if export is not None:
            from recognizer.onnx_model import OnnxModel

            return OnnxModel.load(export, version=model_version(path), name=name)
    if engine != EngineName.AUTO and candidates:
        raise FileNotFoundError(f"{exported_path(path, engine)} is missing or does not match {card_path(path)}; "
                                "export it with train.py (or serve with Keras)")
    from recognizer.keras_model import KerasModel

    return KerasModel.load(path)
