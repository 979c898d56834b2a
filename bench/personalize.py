"""Does learning from a user's corrections help that user? Simulated with real pen writers.

Each of the 30 pendigits writers plays one user: their digits are replayed as canvas strokes and
preprocessed like app drawings; 30 of them (3 per digit, chosen at random) are the samples the
user corrected or confirmed, and the writer's ~220 other digits measure the model before and
after fine-tuning on those 30 (`recognizer.training.finetune`, the code behind `train.py --fine-tune`).
Prints per writer: accuracy before -> after on their other digits, MNIST test accuracy after,
the share of 1,000 photographed Fashion-MNIST test objects still refused after (fine-tuning
replays no objects), and the fine-tuning time; then the means.
Usage: python bench/personalize.py [--writers N] [--samples 30]
"""

from __future__ import annotations

import argparse
from collections import defaultdict

import keras
import numpy as np

from recognizer.keras_model import KerasModel
from recognizer.model import DEFAULT_MODEL_PATH
from recognizer.preprocess import mnist_like_input, mnist_like_inputs
from recognizer.training.data import load_fashion_mnist, load_mnist
from recognizer.training.finetune import FineTuneConfig, fine_tune
from recognizer.training.shared_data import FASHION_MNIST, SHARED_DATA, fashion_photo, pendigits, render_strokes
from recognizer.training.trainer import as_model_input, evaluate
from recognizer.verdict import ANSWERED, judge

CANVAS = 280


def writers_inputs() -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per writer: uint8 `(N, 28, 28)` model inputs of their digits drawn on the canvas, and labels."""
    inputs: dict[int, list] = defaultdict(list)
    for digit in pendigits():
        model_input = mnist_like_input(render_strokes(digit.screen_strokes(CANVAS), CANVAS))
        if model_input is not None:
            inputs[digit.writer].append((model_input, digit.label))
    return {writer: (np.stack([i for i, _ in rows]), np.array([label for _, label in rows], np.uint8))
            for writer, rows in sorted(inputs.items())}


def object_inputs(count: int = 1000) -> np.ndarray:
    """Model inputs of Fashion-MNIST test items photographed dark on white (blank ones dropped)."""
    items = load_fashion_mnist(FASHION_MNIST).x_test[:count]
    return mnist_like_inputs(fashion_photo(item, CANVAS) for item in items)[0]


def refused(model: keras.Model, inputs: np.ndarray) -> float:
    probabilities = KerasModel(model).probabilities(as_model_input(inputs))
    return float(np.mean([judge(p)[0] not in ANSWERED for p in probabilities]))


def corrected(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of `count` samples, as even over the digits as possible: what a user would correct."""
    per_digit = [rng.permutation(np.flatnonzero(labels == d)) for d in range(10)]
    chosen = [members[turn] for turn in range(count) for members in per_digit if turn < len(members)]
    return np.array(chosen[:count])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=30)
    parser.add_argument("--samples", type=int, default=30, help="corrected samples per writer")
    args = parser.parse_args()
    mnist = load_mnist(SHARED_DATA / "mnist")
    base = keras.models.load_model(DEFAULT_MODEL_PATH, compile=False)
    mnist_before = evaluate(base, mnist.x_test, mnist.y_test).accuracy
    objects = object_inputs()
    objects_before = refused(base, objects)
    print(f"MNIST test accuracy of the shipped model: {mnist_before:.2%}; objects refused {objects_before:.2%}")
    rows = []
    for writer, (images, labels) in list(writers_inputs().items())[: args.writers]:
        rng = np.random.default_rng(writer)
        train = corrected(labels, args.samples, rng)
        others = np.setdiff1d(np.arange(len(labels)), train)
        model, seconds = fine_tune(base, images[train], labels[train], mnist, FineTuneConfig(seed=writer))
        before = evaluate(base, images[others], labels[others]).accuracy
        after = evaluate(model, images[others], labels[others]).accuracy
        mnist_after = evaluate(model, mnist.x_test, mnist.y_test).accuracy
        objects_after = refused(model, objects)
        rows.append((before, after, mnist_after, objects_after, seconds))
        print(f"writer {writer:2d}: {len(others)} other digits {before:7.2%} -> {after:7.2%}  "
              f"MNIST test {mnist_after:.2%}  objects refused {objects_after:.2%}  fine-tuning {seconds:4.1f} s",
              flush=True)
    before, after, mnist_after, objects_after, seconds = np.array(rows).T
    print(f"mean over {len(rows)} writers: {before.mean():.2%} -> {after.mean():.2%} on their other digits "
          f"({(after > before).sum()} better, {(after == before).sum()} same, {(after < before).sum()} worse); "
          f"MNIST test {mnist_before:.2%} -> {mnist_after.mean():.2%} (worst {mnist_after.min():.2%}); "
          f"objects refused {objects_before:.2%} -> {objects_after.mean():.2%} (worst {objects_after.min():.2%}); "
          f"fine-tuning {np.median(seconds):.1f} s median, {seconds.max():.1f} s max")


if __name__ == "__main__":
    main()
