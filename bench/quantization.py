"""Would an int8 export serve as well as the float one? Made afresh as training makes it
(recognizer/training/quantize.py: calibration inputs, what stays float) in a temporary copy of the
shipped model, then every dev figure of both on the same preprocessed inputs (only the model
differs), one picture's model time for each, and the rule's verdict (issue #21).

With `--test`, also the final figure on CVL's test writers (21,780 digits, 176 writers), which
was never used to choose how to quantize.
Usage: PYTHONPATH=. python bench/quantization.py [--test]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from recognizer.model import DEFAULT_MODEL_PATH, EngineName, card_path, exported_path, model_version
from recognizer.onnx_model import OnnxModel
from recognizer.training import writer_sets
from recognizer.training.quantize import compare, int8_export, model_inputs
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
    parser.add_argument("--test", action="store_true", help="also CVL test (the final figure)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / DEFAULT_MODEL_PATH.name
        for source in (DEFAULT_MODEL_PATH, card_path(DEFAULT_MODEL_PATH), exported_path(DEFAULT_MODEL_PATH)):
            shutil.copy(source, Path(folder) / source.name)
        section, comparisons = int8_export(path, SHARED_DATA, FASHION_MNIST)
        print(f"calibrated on {section['calibration_inputs']}; kept float: {', '.join(section['kept_float'])}")
        for comparison in comparisons:
            print(comparison.line())
        print("int8 holds every dev figure within the rule" if section["kept"]
              else "int8 moves a dev figure by more than the rule allows: it must not serve")
        version = model_version(path)
        float_model = OnnxModel.load(exported_path(path), version)
        int8_model = OnnxModel.load(exported_path(path, EngineName.INT8), version, EngineName.INT8)
        if args.test:
            test = writer_sets.cvl(SHARED_DATA).split("test")
            final = compare(float_model, int8_model, {"CVL test": (model_inputs(list(test.pictures())), test.labels)})
            print(f"final, {final[0].line()}: {'within' if final[0].keeps else 'outside'} the rule")
        picture = model_inputs([np.pad(np.full((200, 40), 255, np.uint8), 40)])  # a drawn 1
        speed = [one_picture_ms(model, picture) for model in (float_model, int8_model)]
        print(f"one picture: float {speed[0]:.2f} ms -> int8 {speed[1]:.2f} ms CPU")


if __name__ == "__main__":
    main()
