"""Would an int8 export serve as well as the float one? Made afresh as training makes it
(recognizer/training/quantize.py: calibration inputs, what stays float) into a temporary folder,
then every dev figure of the float export and the int8 one on the same preprocessed inputs (only
the model differs), the rule's verdict (issue #21), and one picture's model time for each.

`--seeds` makes it from other draws of the calibration inputs (the same sources): whether int8
holds the rule can depend on the draw. With `--test`, also the final figure on CVL's test
writers (21,780 digits, 176 writers), which was never used to choose how to quantize.
Usage: PYTHONPATH=. python bench/quantization.py [--seeds 0 1 2] [--test]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from recognizer.model import DEFAULT_MODEL_PATH, EngineName, exported_path, model_version
from recognizer.onnx_model import OnnxModel
from recognizer.training import writer_sets
from recognizer.training.quantize import (
    SEED,
    calibration_inputs,
    compare,
    dev_sets,
    model_inputs,
    object_photos,
    quantize,
)
from recognizer.training.shared_data import FASHION_MNIST, SHARED_DATA


def one_picture_ms(model: OnnxModel, picture: np.ndarray) -> float:
    """Median CPU time of one model call on one picture, in ms."""
    model.probabilities(picture)
    times = []
    for _ in range(500):
        started = time.thread_time()
        model.probabilities(picture)
        times.append(time.thread_time() - started)
    return float(np.median(times) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[SEED], help="draws of the calibration inputs")
    parser.add_argument("--test", action="store_true", help="also CVL test (the final figure)")
    args = parser.parse_args()
    version = model_version(DEFAULT_MODEL_PATH)
    float_path = exported_path(DEFAULT_MODEL_PATH)
    float_model = OnnxModel.load(float_path, version)
    sets, objects = dev_sets(SHARED_DATA), object_photos(FASHION_MNIST)
    if args.test:
        test = writer_sets.cvl(SHARED_DATA).split("test")
        final = {"CVL test": (model_inputs(list(test.pictures())), test.labels)}
    with tempfile.TemporaryDirectory() as folder:
        for seed in args.seeds:
            calibration, counts = calibration_inputs(SHARED_DATA, seed)
            int8_path = Path(folder) / f"seed{seed}.int8.onnx"
            quantize(float_path, int8_path, calibration)
            int8_model = OnnxModel.load(int8_path, version, EngineName.INT8)
            print(f"seed {seed}: calibrated on {counts}")
            comparisons = compare(float_model, int8_model, sets, objects)
            for comparison in comparisons:
                print(f"  {comparison.line()}")
            print("  int8 holds every dev figure within the rule" if all(c.keeps for c in comparisons)
                  else "  int8 moves a dev figure by more than the rule allows: it must not serve")
            if args.test:
                result = compare(float_model, int8_model, final)[0]
                print(f"  final, {result.line()}: {'within' if result.keeps else 'outside'} the rule")
        speed = [one_picture_ms(model, sets["MNIST test"][0][:1]) for model in (float_model, int8_model)]
        print(f"one picture: float {speed[0]:.2f} ms -> int8 {speed[1]:.2f} ms CPU")


if __name__ == "__main__":
    main()
