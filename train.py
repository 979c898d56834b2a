"""Reproduce the shipped model: `python train.py` (add `--data DIR` to use local MNIST files).

Reads top to bottom: load MNIST, train with augmentation, evaluate on the test set, save the
model, its model card and a report image (confusion matrix and every misread test digit).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from recognizer.data import load_mnist
from recognizer.model import DEFAULT_MODEL_PATH
from recognizer.training import TrainingConfig, evaluate, evaluate_drawn, train, write_model_card, write_report


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with the four MNIST IDX .gz files "
                        "(default: download through Keras)")
    parser.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH, help="model file to write")
    parser.add_argument("--epochs", type=int, default=TrainingConfig.epochs)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    config = TrainingConfig(epochs=args.epochs)
    mnist = load_mnist(args.data)
    print(f"MNIST from {mnist.source}: {len(mnist.x_train)} train, {len(mnist.x_test)} test")

    model, seconds = train(mnist, config)
    evaluation = evaluate(model, mnist.x_test, mnist.y_test)
    drawn = evaluate_drawn(model, mnist)
    print(f"MNIST test accuracy {evaluation.accuracy:.4%} after {seconds / 60:.1f} min of training; "
          f"{drawn['accuracy']:.2%} when redrawn on a canvas and preprocessed")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    write_report(args.out.with_name(args.out.stem + "_report.png"), evaluation, mnist, model)
    card = write_model_card(
        args.out.with_suffix(".json"), config=config, mnist=mnist, evaluation=evaluation, drawn=drawn,
        seconds=seconds, command=shlex.join(["python", *sys.argv]), model_file=args.out,
    )
    print(f"Saved {args.out} ({card['model_bytes'] / 1e6:.1f} MB) and its model card")


if __name__ == "__main__":
    main()
