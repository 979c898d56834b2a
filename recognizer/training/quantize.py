"""An int8 version of a model's ONNX export, kept only when it serves as well as the float one.

Why: the convolutions are nearly all of a drawing's model time, and in int8 (ONNX Runtime's
static quantization, QDQ format, weights per output channel) one picture takes ~0.3 ms of CPU
instead of ~0.5 ms: a fifth of a canvas drawing's whole answer.

What: every convolution but the last becomes int8; the last one, whose output is pooled straight
into the logits, stays float with the head (pooling, logits, temperature, softmax). Activation
ranges are the min/max over `CALIBRATION_PER_SOURCE` training inputs from each of MNIST, CVL,
Swiss and pendigits' training writers, all through the serving preprocessing. Chosen on the dev
sets below on 2026-12-04 among 13 variants (calibration on MNIST alone or on the four sources;
min/max, entropy or percentile ranges; all convolutions, or the first or the last kept float;
symmetric activations): the only one that held the rule on every set, changing 12 of ~17,500 dev
answers. All convolutions int8 with MNIST-only ranges (the first try) moved Swiss valid's ECE by
+0.24 point; the others each moved one figure too far (an accuracy by a picture or two, or an
ECE). But made from five other draws of the same four sources (seeds 0-4: `bench/quantization.py
--seeds`), it broke the rule every time, each time by a picture or two (one of the 70 real
photos on three draws, Swiss valid -0.24 to +0.15 point): at 0.05 point (one picture in 2,000)
int8 of today's model does not hold, so it serves in float and its card's `int8` section says
why. Training tries again with every shipped model.

Rule (issue #21): kept only if on every dev set (MNIST test, the real photos and drawings,
Swiss valid, pendigits' held-out writers, DigiLeTs, and refusals of Fashion-MNIST photos) the
accuracy stays within `ACCURACY_POINTS` and the calibration error (ECE) within `ECE_POINTS` of
the float export's, judged on the same inputs. Otherwise the file is deleted and the card says
why; serving then uses the float export.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import numpy as np
import onnx
from onnxruntime.quantization import (
    CalibrationDataReader,
    CalibrationMethod,
    QuantFormat,
    QuantType,
    quant_pre_process,
    quantize_static,
)

from recognizer.calibration import expected_calibration_error
from recognizer.decode import ImageSource, load_image
from recognizer.model import INPUT_SHAPE, EngineName, card_path, exported_path, model_version, sha256_of
from recognizer.onnx_model import OnnxModel
from recognizer.preprocess import preprocess
from recognizer.training import writer_sets
from recognizer.training.data import load_fashion_mnist, load_mnist
from recognizer.training.shared_data import fashion_photo, real_digits
from recognizer.verdict import ANSWERED, judge

ACCURACY_POINTS, ECE_POINTS = 0.05, 0.2
CALIBRATION_PER_SOURCE = 500
OBJECT_PHOTOS = 1500  # Fashion-MNIST test items, for refusals
SEED = 0
BATCH = 500


class Batches(CalibrationDataReader):
    """Model inputs handed to the calibrator a batch at a time."""

    def __init__(self, inputs: np.ndarray, batch: int = 50) -> None:
        self.batches = iter([{"image": inputs[i : i + batch]} for i in range(0, len(inputs), batch)])

    def get_next(self) -> dict | None:
        return next(self.batches, None)


@dataclass(frozen=True)
class Comparison:
    """One dev set's figures, float export vs int8, in percent."""

    name: str
    count: int
    accuracy: tuple[float, float]
    ece: tuple[float, float] | None  # None for refusals, which have no calibration figure

    @property
    def keeps(self) -> bool:
        accurate = abs(self.accuracy[1] - self.accuracy[0]) <= ACCURACY_POINTS
        return accurate and (self.ece is None or self.ece[1] - self.ece[0] <= ECE_POINTS)

    def line(self) -> str:
        text = (f"{self.name} ({self.count}): {self.accuracy[0]:.2f}% -> {self.accuracy[1]:.2f}% "
                f"({self.accuracy[1] - self.accuracy[0]:+.2f} pt)")
        if self.ece is not None:
            text += f", ECE {self.ece[0]:.2f}% -> {self.ece[1]:.2f}% ({self.ece[1] - self.ece[0]:+.2f} pt)"
        return text


def model_inputs(pictures: list[ImageSource]) -> np.ndarray:
    """`(N, 28, 28, 1)` float32 model inputs as served (a blank picture gives zeros)."""
    inputs = [preprocess(load_image(picture)).model_input for picture in pictures]
    return np.stack([np.zeros(INPUT_SHAPE[:2], np.float32) if x is None else x for x in inputs])[..., None]


def calibration_inputs(data_dir: Path, seed: int = SEED) -> tuple[np.ndarray, dict[str, int]]:
    """Training inputs from each source (none from a validation or test split) drawn with `seed`,
    and their counts."""
    rng = np.random.default_rng(seed)
    mnist = load_mnist(data_dir / "mnist")
    chosen = rng.choice(len(mnist.x_train), CALIBRATION_PER_SOURCE, replace=False)
    parts = {"MNIST train": (mnist.x_train[chosen].astype(np.float32) / 255)[..., None]}
    for data in (writer_sets.cvl(data_dir), writer_sets.swiss(data_dir), writer_sets.pendigits_writers(data_dir)):
        training = data.split("train")
        chosen = rng.choice(len(training), CALIBRATION_PER_SOURCE, replace=False)
        parts[training.source] = model_inputs([training.look.picture(training.items[i]) for i in chosen])
    return np.concatenate(list(parts.values())), {name: len(inputs) for name, inputs in parts.items()}


def last_convolution(path: Path) -> str:
    """The name of the export's last Conv node (ONNX graphs list nodes in running order)."""
    return [node.name for node in onnx.load(path).graph.node if node.op_type == "Conv"][-1]


def quantize(float_path: Path, int8_path: Path, calibration: np.ndarray) -> None:
    """Write the int8 version of the float export at `float_path` to `int8_path`."""
    with tempfile.TemporaryDirectory() as folder:
        prepared = Path(folder) / "prepared.onnx"
        quant_pre_process(str(float_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(str(prepared), str(int8_path), Batches(calibration), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=["Conv"], calibrate_method=CalibrationMethod.MinMax,
                        nodes_to_exclude=[last_convolution(float_path)])


def dev_sets(data_dir: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (model inputs, labels): MNIST test as the card measures it, the rest through preprocessing."""
    mnist = load_mnist(data_dir / "mnist")
    sets = {"MNIST test": ((mnist.x_test.astype(np.float32) / 255)[..., None], mnist.y_test)}
    photos = real_digits(data_dir / "real_digits")
    sets["real photos and drawings"] = (model_inputs([s.path for s in photos]), np.array([s.label for s in photos]))
    for name, data in (("Swiss valid", writer_sets.swiss(data_dir).split("valid")),
                       ("pendigits held-out writers", writer_sets.pendigits_writers(data_dir).split("valid")),
                       ("DigiLeTs", writer_sets.digilets(data_dir).split("test"))):
        sets[name] = (model_inputs(list(data.pictures())), data.labels)
    return sets


def object_photos(objects_dir: Path | None) -> np.ndarray:
    """Model inputs of `OBJECT_PHOTOS` Fashion-MNIST test items photographed: to be refused."""
    objects = load_fashion_mnist(objects_dir)
    chosen = np.random.default_rng(SEED).choice(len(objects.x_test), OBJECT_PHOTOS, replace=False)
    return model_inputs([fashion_photo(objects.x_test[i]) for i in chosen])


def probabilities(model: OnnxModel, inputs: np.ndarray) -> np.ndarray:
    return np.concatenate([model.probabilities(inputs[i : i + BATCH]) for i in range(0, len(inputs), BATCH)])


def compare(float_model: OnnxModel, int8_model: OnnxModel, sets: dict[str, tuple[np.ndarray, np.ndarray]],
            objects: np.ndarray | None = None) -> list[Comparison]:
    """Every figure of both models on `sets` (and refusals of `objects`), on the same inputs:
    only the model differs."""
    comparisons = []
    for name, (inputs, labels) in sets.items():
        rows = [probabilities(model, inputs) for model in (float_model, int8_model)]
        accuracy = tuple(100 * float((p.argmax(1) == labels).mean()) for p in rows)
        ece = tuple(100 * expected_calibration_error(p, labels) for p in rows)
        comparisons.append(Comparison(name, len(labels), accuracy, ece))
    if objects is None:
        return comparisons
    refused = tuple(100 * float(np.mean([judge(p)[0] not in ANSWERED for p in probabilities(model, objects)]))
                    for model in (float_model, int8_model))
    comparisons.append(Comparison("Fashion-MNIST photos refused", len(objects), refused, None))
    return comparisons


def record_int8_export(keras_path: Path, data_dir: Path, objects_dir: Path | None) -> list[Comparison]:
    """Quantize the float export of the model at `keras_path` (the int8 file written beside it),
    judge it by the rule and record it in the model card's `int8` section; a file that breaks the
    rule is deleted (the float export then serves). Returns the comparison."""
    float_path, int8_path = exported_path(keras_path), exported_path(keras_path, EngineName.INT8)
    calibration, counts = calibration_inputs(data_dir)
    quantize(float_path, int8_path, calibration)
    float_model = OnnxModel.load(float_path, model_version(keras_path))
    int8_model = OnnxModel.load(int8_path, model_version(keras_path), EngineName.INT8)
    comparisons = compare(float_model, int8_model, dev_sets(data_dir), object_photos(objects_dir))
    section = {
        "rule": f"every dev accuracy within {ACCURACY_POINTS} point and ECE within +{ECE_POINTS} point of the "
                "float export's",
        "kept": all(c.keeps for c in comparisons),
        "calibration_inputs": counts,
        "kept_float": ["the last convolution", "pooling, logits, temperature, softmax"],
        "dev_figures_percent": {c.name: {"float": round(c.accuracy[0], 3), "int8": round(c.accuracy[1], 3)} | (
            {} if c.ece is None else {"ece_float": round(c.ece[0], 3), "ece_int8": round(c.ece[1], 3)})
            for c in comparisons},
        "versions": {package: version(package) for package in ("onnx", "onnxruntime")},
    }
    if section["kept"]:
        section.update(file=int8_path.name, sha256=sha256_of(int8_path), bytes=int8_path.stat().st_size)
    else:
        int8_path.unlink()
    card = json.loads(card_path(keras_path).read_text())
    card["int8"] = section
    card_path(keras_path).write_text(json.dumps(card, indent=2) + "\n")
    return comparisons
