"""Would an int8 model serve as well? ONNX Runtime's static quantization of the shipped export's
convolutions, measured against the float model on the same preprocessed inputs.

Only the convolutions (nearly all of the model's work) become int8; the head (pooling, the
logits, the temperature and the softmax) stays float. Quantizing the head too rounds the
logits to 256 levels: the probabilities then lose their calibration (every ECE was 0.35-0.52
point worse, measured 2026-12-01), for no speed gained.

Rule (issue #21): int8 ships only if every accuracy below stays within 0.05 point of the float
model's and every calibration error (ECE) within 0.2 point. The model input is preprocessed once
and given to both, so only the model differs. Calibration data: 2,000 MNIST training digits.
The sets are the model's development figures: MNIST test, the real photos and drawings, and the
writer-disjoint validation sets of its model card (Swiss valid, pendigits' held-out writers,
DigiLeTs), each whole, plus Fashion-MNIST test photos for refusals. USPS, optdigits and the other
pendigits writers are in the shipped model's training data: their figures would say nothing.
Usage: PYTHONPATH=. python bench/quantization.py  (writes the int8 file to a temporary folder)
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quant_pre_process, quantize_static

from recognizer.calibration import expected_calibration_error
from recognizer.decode import ImageSource, load_image
from recognizer.model import DEFAULT_MODEL_PATH, INPUT_SHAPE, exported_path
from recognizer.onnx_model import OnnxModel
from recognizer.preprocess import preprocess
from recognizer.training import writer_sets
from recognizer.training.data import load_fashion_mnist, load_mnist
from recognizer.training.shared_data import FASHION_MNIST, SHARED_DATA, fashion_photo, real_digits
from recognizer.verdict import ANSWERED, judge

ACCURACY_POINTS, ECE_POINTS = 0.05, 0.2
OBJECT_PHOTOS = 1500  # Fashion-MNIST test items, for refusals
CALIBRATION_DIGITS = 2000


class MnistBatches(CalibrationDataReader):
    def __init__(self, inputs: np.ndarray, batch: int = 50) -> None:
        self.batches = iter([{"image": inputs[i : i + batch]} for i in range(0, len(inputs), batch)])

    def get_next(self) -> dict | None:
        return next(self.batches, None)


def quantized(folder: Path, calibration: np.ndarray) -> OnnxModel:
    prepared, int8 = folder / "prepared.onnx", folder / "int8.onnx"
    quant_pre_process(str(exported_path(DEFAULT_MODEL_PATH)), str(prepared), skip_symbolic_shape=True)
    quantize_static(str(prepared), str(int8), MnistBatches(calibration), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                    op_types_to_quantize=["Conv"])
    return OnnxModel.load(int8, "int8")


def model_inputs(pictures: list[ImageSource]) -> np.ndarray:
    """`(N, 28, 28, 1)` float32 model inputs (a blank picture gives zeros; none of these is blank)."""
    inputs = [preprocess(load_image(picture)).model_input for picture in pictures]
    return np.stack([np.zeros(INPUT_SHAPE[:2], np.float32) if x is None else x for x in inputs])[..., None]


def dev_sets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (model inputs, labels): MNIST test as the card measures it, and pictures through preprocessing."""
    mnist = load_mnist(SHARED_DATA / "mnist")
    sets = {"MNIST test": ((mnist.x_test.astype(np.float32) / 255)[..., None], mnist.y_test)}
    photos = real_digits()
    sets["real photos and drawings"] = (model_inputs([s.path for s in photos]), np.array([s.label for s in photos]))
    for name, data in (("Swiss valid", writer_sets.swiss().split("valid")),
                       ("pendigits held-out writers", writer_sets.pendigits_writers().split("valid")),
                       ("DigiLeTs", writer_sets.digilets().split("test"))):
        sets[name] = (model_inputs(list(data.pictures())), data.labels)
    return sets


def probabilities(model: OnnxModel, inputs: np.ndarray) -> np.ndarray:
    return np.concatenate([model.probabilities(inputs[i : i + 500]) for i in range(0, len(inputs), 500)])


def one_picture_ms(model: OnnxModel, picture: np.ndarray) -> float:
    model.probabilities(picture)
    times = []
    for _ in range(500):
        started = time.thread_time()
        model.probabilities(picture)
        times.append(time.thread_time() - started)
    return float(np.median(times) * 1000)


def main() -> None:
    rng = np.random.default_rng(0)
    mnist = load_mnist(SHARED_DATA / "mnist")
    calibration = (mnist.x_train[rng.choice(len(mnist.x_train), CALIBRATION_DIGITS, replace=False)]
                   .astype(np.float32) / 255)[..., None]
    with tempfile.TemporaryDirectory() as folder:
        float_model, int8_model = OnnxModel.load(exported_path(DEFAULT_MODEL_PATH), "float"), quantized(
            Path(folder), calibration)
        keeps = True
        for name, (inputs, labels) in dev_sets().items():
            exact, rough = probabilities(float_model, inputs), probabilities(int8_model, inputs)
            accuracy = [100 * float((p.argmax(1) == labels).mean()) for p in (exact, rough)]
            ece = [100 * expected_calibration_error(p, labels) for p in (exact, rough)]
            keeps &= abs(accuracy[1] - accuracy[0]) <= ACCURACY_POINTS and ece[1] - ece[0] <= ECE_POINTS
            print(f"{name} ({len(labels)}): accuracy {accuracy[0]:.2f}% -> {accuracy[1]:.2f}% "
                  f"({accuracy[1] - accuracy[0]:+.2f} pt), ECE {ece[0]:.2f}% -> {ece[1]:.2f}% "
                  f"({ece[1] - ece[0]:+.2f} pt)")
        objects = load_fashion_mnist(FASHION_MNIST)
        chosen = rng.choice(len(objects.x_test), OBJECT_PHOTOS, replace=False)
        inputs = model_inputs([fashion_photo(objects.x_test[i]) for i in chosen])
        refused = [100 * np.mean([judge(p)[0] not in ANSWERED for p in probabilities(model, inputs)])
                   for model in (float_model, int8_model)]
        keeps &= abs(refused[1] - refused[0]) <= ACCURACY_POINTS
        print(f"Fashion-MNIST test photos refused ({OBJECT_PHOTOS}): {refused[0]:.2f}% -> {refused[1]:.2f}%")
        speed = [one_picture_ms(model, calibration[:1]) for model in (float_model, int8_model)]
        print(f"one picture: {speed[0]:.2f} ms -> {speed[1]:.2f} ms CPU")
    print("int8 keeps every figure within the rule: ship it" if keeps else
          f"int8 moves a figure by more than {ACCURACY_POINTS} point (accuracy) or {ECE_POINTS} point (ECE): "
          "keep the float model")


if __name__ == "__main__":
    main()
