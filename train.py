"""Reproduce the shipped model, or make a personal one from a user's corrected samples.

`python train.py` (add `--data DIR` and `--objects DIR` to use local MNIST and Fashion-MNIST
files) reads top to bottom: load MNIST, add pen-drawn flagged 1s and 7s, photographed objects
(Fashion-MNIST's training items) and generated pictures that are not one digit, with
`--data-dir DIR` also real handwriting of writers unlike MNIST's (CVL, Swiss, pendigits, USPS,
optdigits; see recognizer/training/writer_mixture.py), train with augmentation, calibrate the
confidence, evaluate on the test set and the writer-disjoint validation sets, save the model, its
model card and a report image (confusion matrix and every misread test digit). Interrupted, the
same command resumes from the last finished epoch (recognizer/training/resume.py).

`python train.py --fine-tune --samples DB_OR_ZIP` starts from the shipped model instead, learns
the user's samples with MNIST replay and writes a new versioned personal model and its card,
with the accuracy before and after on held-out samples and on the MNIST test set.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import asdict
from pathlib import Path

import keras

from recognizer.model import DEFAULT_MODEL_PATH, sha256_of
from recognizer.store.personal_models import personal_model_path
from recognizer.training.cut_pieces import NUMBERS_PER_SOURCE
from recognizer.training.data import load_fashion_mnist, load_mnist
from recognizer.training.export import export_saved_model, save_for_serving
from recognizer.training.finetune import (
    FineTuneConfig,
    fine_tune,
    measure,
    model_inputs,
    read_samples,
    split,
    write_personal_card,
)
from recognizer.training.quantize import record_int8_export
from recognizer.training.resume import Checkpoints, DifferentTrainingError
from recognizer.training.trainer import (
    TrainingConfig,
    TrainingSet,
    calibrate,
    evaluate,
    evaluate_drawn,
    evaluate_writers,
    train,
    write_model_card,
    write_report,
)
from recognizer.training.writer_mixture import WriterSplits

MNIST_TEST = "MNIST test set"  # what every export is verified on


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder with the four MNIST IDX .gz files "
                        "(default: download through Keras)")
    parser.add_argument("--objects", type=Path, help="folder with the four Fashion-MNIST IDX .gz files, "
                        "photographed objects to learn 'not a digit' from (default: download through Keras)")
    parser.add_argument("--data-dir", type=Path, help="folder laid out like ../shared/data: learn the writer sets "
                        "in it too (MNIST from its mnist/ unless --data is given)")
    parser.add_argument("--learn-cvl-valid", action="store_true", help="with --data-dir, learn CVL's validation "
                        "writers too (once settings are chosen)")
    parser.add_argument("--number-pieces", action="store_true", help="also learn pieces of numbers composed of "
                        "training digits, cut as number reading cuts them (recognizer/training/cut_pieces.py)")
    parser.add_argument("--init", type=Path, help="start from this model's weights instead of fresh ones "
                        "(a warm start; the model card names it and its checksum)")
    parser.add_argument("--out", type=Path, help=f"model file to write (default: {DEFAULT_MODEL_PATH}, or a new "
                        "personal model in the data directory with --fine-tune)")
    parser.add_argument("--epochs", type=int, help="passes over the data (default: "
                        f"{TrainingConfig.epochs}, or {FineTuneConfig.epochs} with --fine-tune)")
    parser.add_argument("--fine-tune", action="store_true", help="start from --base and learn --samples")
    parser.add_argument("--samples", type=Path, help="samples database (.sqlite3) or exported zip")
    parser.add_argument("--export-only", action="store_true", help="re-save --out (an existing model) without "
                        "optimizer state and export it to ONNX, verified on MNIST test; no training")
    parser.add_argument("--quantize-only", action="store_true", help="with --data-dir, make the int8 export of "
                        "--out (an existing model with its float export), keep it only if it holds the dev figures "
                        "(recognizer/training/quantize.py) and record it in the card; no training")
    parser.add_argument("--base", type=Path, default=DEFAULT_MODEL_PATH, help="model to fine-tune")
    args = parser.parse_args()
    if args.fine_tune and args.samples is None:
        parser.error("--fine-tune needs --samples DB_OR_ZIP")
    return args


def command() -> str:
    return shlex.join(["python", *sys.argv])


def train_shipped_model(args: argparse.Namespace) -> None:
    config = TrainingConfig(epochs=args.epochs or TrainingConfig.epochs, learn_cvl_valid=args.learn_cvl_valid,
                            number_pieces=dict(NUMBERS_PER_SOURCE) if args.number_pieces else {})
    out = args.out or DEFAULT_MODEL_PATH
    initial = None if args.init is None else {"file": str(args.init), "sha256": sha256_of(args.init)}
    checkpoints = unfinished_training(out, config, initial, args)
    mnist = load_mnist(args.data or (args.data_dir / "mnist" if args.data_dir else None))
    print(f"MNIST from {mnist.source}: {len(mnist.x_train)} train, {len(mnist.x_test)} test")
    writers = WriterSplits.read(args.data_dir, config.learn_cvl_valid) if args.data_dir else None

    objects = load_fashion_mnist(args.objects)
    data = TrainingSet.build(mnist, objects, config, writers)
    print(f"{len(data.x_fit)} training images (MNIST, flagged 1s, objects, generated pictures that are not "
          f"one digit{', writer sets' if writers else ''}), {len(data.x_held_out)} held out", flush=True)
    model, seconds = train(data, config, args.init, checkpoints)
    calibration = calibrate(model, data, mnist)
    print(f"Temperature {calibration['temperature']}: MNIST test ECE {calibration['ece_mnist_test']}")
    export = save_for_serving(model, out, mnist.x_test, MNIST_TEST)

    evaluation = evaluate(model, mnist.x_test, mnist.y_test)
    drawn = evaluate_drawn(model, mnist)
    print(f"MNIST test accuracy {evaluation.accuracy:.4%} after {seconds / 60:.1f} min of training; "
          f"{drawn['accuracy']:.2%} when redrawn on a canvas and preprocessed")
    writer_card = None
    if writers:
        writer_card = {**writers.card(args.data_dir), "accuracy": evaluate_writers(model, writers)}
        print("Writer-disjoint accuracy: " + ", ".join(f"{name} {result['accuracy']:.2%}"
                                                      for name, result in writer_card["accuracy"].items()))
    write_report(out.with_name(out.stem + "_report.png"), evaluation, mnist, model)
    card = write_model_card(
        out.with_suffix(".json"), config=config, mnist=mnist, objects=objects, evaluation=evaluation, drawn=drawn,
        calibration=calibration, seconds=seconds, command=command(), model_file=out, export=export,
        writers=writer_card, initial_weights=initial,
    )
    print(f"Saved {out} ({card['model_bytes'] / 1e6:.1f} MB) and its model card")
    if args.data_dir:
        add_int8_export(out, args)
    checkpoints.finished()


def unfinished_training(out: Path, config: TrainingConfig, initial: dict | None,
                        args: argparse.Namespace) -> Checkpoints:
    """The checkpoint folder beside `out` (see recognizer/training/resume.py), checked before any
    data is read so a clash is told at once rather than after minutes of work."""
    recipe = {"training": asdict(config), "initial_weights": initial,
              "data": {name: str(getattr(args, name)) for name in ("data", "objects", "data_dir")}}
    checkpoints = Checkpoints(out.with_name(out.stem + ".unfinished"), recipe)
    try:
        resuming = checkpoints.check()
    except DifferentTrainingError as clash:
        sys.exit(str(clash))
    if resuming:
        print(f"Resuming the unfinished training saved in {checkpoints.folder}", flush=True)
    return checkpoints


def add_int8_export(out: Path, args: argparse.Namespace) -> None:
    """The int8 export beside the float one, if it serves as well (it needs the dev sets)."""
    comparisons = record_int8_export(out, args.data_dir, args.objects)
    print("int8 export vs float:\n  " + "\n  ".join(c.line() for c in comparisons))
    kept = all(c.keeps for c in comparisons)
    print("int8 export kept: it holds every dev figure" if kept else "int8 export deleted: a dev figure moved too much")


def train_personal_model(args: argparse.Namespace) -> None:
    config = FineTuneConfig(epochs=args.epochs or FineTuneConfig.epochs)
    pictures, labels = read_samples(args.samples)
    if len(labels) == 0:
        sys.exit(f"{args.samples} holds no samples: correct a few answers in the app first.")
    images = model_inputs(pictures)
    trained, held_out = split(labels, config.held_out_share, config.seed)
    print(f"{len(trained)} samples to learn from, {len(held_out)} held out to measure", flush=True)
    mnist = load_mnist(args.data)
    base = keras.models.load_model(args.base, compile=False)
    model, seconds = fine_tune(base, images[trained], labels[trained], mnist, config,
                               progress=lambda done, total: print(f"epoch {done}/{total}", flush=True))
    out = args.out or personal_model_path()
    export = save_for_serving(model, out, mnist.x_test, MNIST_TEST)
    before = measure(base, images[held_out], labels[held_out], mnist)
    after = measure(model, images[held_out], labels[held_out], mnist)
    write_personal_card(out.with_suffix(".json"), base_path=args.base, samples_path=args.samples, config=config,
                        trained=len(trained), held_out=len(held_out), before=before, after=after, seconds=seconds,
                        command=command(), export=export)
    print(f"before {before}\nafter {after}\nSaved {out} after {seconds:.0f} s of fine-tuning", flush=True)


def export_existing_model(args: argparse.Namespace) -> None:
    out = args.out or DEFAULT_MODEL_PATH
    card = export_saved_model(out, load_mnist(args.data).x_test, MNIST_TEST)
    print(f"Saved {out} without optimizer state and {card['onnx']['file']} "
          f"(largest difference {card['onnx']['max_abs_probability_difference_vs_keras']:.2g}); card updated")


def main() -> None:
    args = parse_args()
    if args.quantize_only:
        if not args.data_dir:
            sys.exit("--quantize-only needs --data-dir: the int8 export is calibrated and judged on those sets.")
        add_int8_export(args.out or DEFAULT_MODEL_PATH, args)
    elif args.export_only:
        export_existing_model(args)
    elif args.fine_tune:
        train_personal_model(args)
    else:
        train_shipped_model(args)


if __name__ == "__main__":
    main()
