"""Training, evaluation and the model card: the chapters that `train.py` tells in order."""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import numpy as np

from recognizer.calibration import expected_calibration_error, fit_temperature, logits_of, set_temperature, softmax
from recognizer.keras_model import KerasModel, build_model
from recognizer.model import CLASS_NAMES, DIGITS, NUM_CLASSES
from recognizer.preprocess import PREPROCESSING_VERSION
from recognizer.training.augment import Augmentation
from recognizer.training.cut_pieces import pieces_of_numbers
from recognizer.training.data import Mnist
from recognizer.training.negatives import TRAINING_FONTS, negative_examples
from recognizer.training.resume import Checkpoints
from recognizer.training.styles import flagged_ones, pen_sevens
from recognizer.training.writer_mixture import LookNegatives, WriterSplits, digit_inputs, mixed
from recognizer.training.writer_sets import BitmapLook


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides the trained weights; the model card records it."""

    epochs: int = 12
    batch_size: int = 128
    peak_learning_rate: float = 2e-3
    weight_decay: float = 1e-4
    validation_size: int = 5000  # held out from the training set, for calibration and checks
    not_a_digit_examples: int = 12000  # generated negatives (see negatives.py), 1/10 held out
    several_digits_examples: int = 4000
    object_photo_examples: int = 6000  # Fashion-MNIST training items, 1/10 held out (test items never)
    flagged_one_examples: int = 4000  # MNIST 1s redrawn with a flag (see styles.py), 1/10 held out
    pen_seven_examples: int = 2500  # and pen-drawn 7s, the other side of that boundary
    seed: int = 20261122
    augmentation: Augmentation = field(default_factory=Augmentation)
    # with --data-dir: the writer sets (writer_mixture.py), their look's negatives per digit,
    # how often each set is repeated per epoch, and whether CVL valid is learnt as well
    look_negatives: LookNegatives = field(default_factory=lambda: LookNegatives(0.15, 0.05))
    writer_set_repeats: dict[str, int] = field(default_factory=lambda: {"CVL": 2})
    learn_cvl_valid: bool = False
    # numbers composed of each source's training digits whose cut pieces are learnt too
    # (cut_pieces.py; train.py --number-pieces); empty: none
    number_pieces: dict[str, int] = field(default_factory=dict)
    # with --init: start from a trained model's weights, at a gentler peak learning rate
    warm_start_peak_learning_rate: float = 5e-4


def as_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 `(N, 28, 28)` -> the model contract: float32 `(N, 28, 28, 1)` in [0, 1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


class AugmentedBatches(keras.utils.PyDataset):
    """Shuffled, freshly augmented batches; each (epoch, batch) has its own seeded generator."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, config: TrainingConfig, first_epoch: int = 0) -> None:
        """`first_epoch`: where a resumed training goes on, so it draws the batches an uninterrupted one would."""
        super().__init__()
        self.images, self.labels, self.config = images, labels, config
        self.epoch = first_epoch
        self.order = self._shuffled_order()

    def __len__(self) -> int:
        return int(np.ceil(len(self.images) / self.config.batch_size))

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        size = self.config.batch_size
        rows = self.order[index * size : (index + 1) * size]
        rng = np.random.default_rng([self.config.seed, self.epoch, index])
        return as_model_input(self.config.augmentation.apply(self.images[rows], rng)), self.labels[rows]

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._shuffled_order()

    def _shuffled_order(self) -> np.ndarray:
        return np.random.default_rng([self.config.seed, self.epoch]).permutation(len(self.images))


@dataclass(frozen=True)
class TrainingSet:
    """MNIST's training digits, pen-drawn flagged 1s and 7s, Fashion-MNIST objects and generated negatives, split
    into fit and held-out parts."""

    x_fit: np.ndarray
    y_fit: np.ndarray
    x_held_out: np.ndarray  # for validation during training and fitting the temperature
    y_held_out: np.ndarray

    @classmethod
    def build(cls, mnist: Mnist, objects: Mnist, config: TrainingConfig,
              writers: WriterSplits | None = None) -> TrainingSet:
        """The held-out part is made from other digits, objects and seeds than the fit part;
        with `writers`, their training splits join the fit part and their writer-disjoint
        validation splits the held-out part, each set with negatives in its own look."""
        split = len(mnist.x_train) - config.validation_size
        object_split = len(objects.x_train) - config.validation_size
        parts = [
            cls._part(mnist.x_train[:split], mnist.y_train[:split], objects.x_train[:object_split], 1, config,
                      config.seed),
            cls._part(mnist.x_train[split:], mnist.y_train[split:], objects.x_train[object_split:], 10, config,
                      config.seed + 1),
        ]
        if writers is not None:
            shares = config.look_negatives
            parts[0] = concatenated(parts[0], mixed(writers.trained, shares, config.seed + 2,
                                                    config.writer_set_repeats))
            parts[1] = concatenated(parts[1], mixed(writers.validation, shares, config.seed + 3, {}))
        if config.number_pieces:
            digits = {"MNIST": (mnist.x_train[:split], mnist.y_train[:split])}
            if writers is not None:
                digits |= {data.source.split()[0]: (255 - np.stack(data.items), data.labels)
                           for data in writers.trained if isinstance(data.look, BitmapLook)}
            parts[0] = concatenated(parts[0], pieces_of_numbers(digits, config.number_pieces, config.seed + 4))
        return cls(*parts[0], *parts[1])

    @staticmethod
    def _part(digits: np.ndarray, labels: np.ndarray, objects: np.ndarray, divisor: int, config: TrainingConfig,
              seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        chosen_objects = objects[rng.choice(len(objects), config.object_photo_examples // divisor, replace=False)]
        negatives, negative_labels = negative_examples(
            config.not_a_digit_examples // divisor, config.several_digits_examples // divisor, digits, seed,
            objects=chosen_objects)
        ones = flagged_ones(digits[labels == 1], config.flagged_one_examples // divisor, seed)
        sevens = pen_sevens(config.pen_seven_examples // divisor, seed)
        return (np.concatenate([digits, ones, sevens, negatives]),
                np.concatenate([labels, np.full(len(ones), 1, labels.dtype), np.full(len(sevens), 7, labels.dtype),
                                negative_labels]))


def concatenated(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([x for x, _ in parts]), np.concatenate([y for _, y in parts])


def train(data: TrainingSet, config: TrainingConfig, initial: Path | None = None,
          checkpoints: Checkpoints | None = None) -> tuple[keras.Model, float]:
    """Fit a fresh model (or, from `initial`'s weights, a warm start: the same recipe in fewer
    epochs, which a busy 2-core machine can afford) with augmentation and a cosine learning-rate
    decay; with `checkpoints`, resume an interrupted run and save each epoch. Returns (model, s of
    training, interrupted runs included)."""
    keras.utils.set_random_seed(config.seed)
    batches = AugmentedBatches(data.x_fit, data.y_fit, config, checkpoints.epochs_done() if checkpoints else 0)
    peak, warmup = (config.peak_learning_rate, len(batches) // 2) if initial is None else (
        config.warm_start_peak_learning_rate, len(batches) // 20)  # trained weights need no long warm-up
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, decay_steps=config.epochs * len(batches) - (0 if initial is None else warmup), warmup_target=peak,
        warmup_steps=warmup,
    )
    if initial is None:
        model = build_model()
    else:
        model = keras.models.load_model(initial, compile=False)
        set_temperature(model, 1.0)  # calibrated again after training
    model.compile(
        optimizer=keras.optimizers.AdamW(schedule, weight_decay=config.weight_decay),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = checkpoints.callbacks() if checkpoints else []
    started = time.perf_counter()
    # no Keras shuffle: the batches shuffle by their own seeds, and Keras's would draw from a global
    # generator that a resumed training does not replay
    model.fit(batches, epochs=config.epochs, validation_data=(as_model_input(data.x_held_out), data.y_held_out),
              verbose=2, callbacks=callbacks, shuffle=False)
    return model, checkpoints.progress.seconds if checkpoints else time.perf_counter() - started


def calibrate(model: keras.Model, data: TrainingSet, mnist: Mnist) -> dict:
    """Fit the temperature on the held-out part, store it in the model, and report the ECE
    (15 bins) before and after on the held-out part and on the MNIST test set."""
    held_out = logits_of(model, as_model_input(data.x_held_out))
    test = logits_of(model, as_model_input(mnist.x_test))
    temperature = fit_temperature(held_out, data.y_held_out)
    set_temperature(model, temperature)

    def ece(logits: np.ndarray, labels: np.ndarray, t: float) -> float:
        return round(expected_calibration_error(softmax(logits, t), labels), 5)

    return {
        "method": "temperature scaling, NLL on the held-out digits and negatives",
        "temperature": round(temperature, 4),
        "ece_held_out": {"before": ece(held_out, data.y_held_out, 1.0), "after": ece(held_out, data.y_held_out,
                                                                                     temperature)},
        "ece_mnist_test": {"before": ece(test, mnist.y_test, 1.0), "after": ece(test, mnist.y_test, temperature)},
    }


@dataclass(frozen=True)
class Evaluation:
    """Test-set results: overall and per-digit accuracy, confusion matrix, the misread digits.

    A digit answered "not a digit" or "several digits" counts as misread.
    """

    accuracy: float
    per_digit_accuracy: list[float]
    confusion: np.ndarray  # (10, NUM_CLASSES) counts, rows = true digit, columns = answer
    misread: np.ndarray  # indices into the test set

    @property
    def answered_a_digit(self) -> float:
        """Share of the digits that got a digit for an answer, right or wrong (not rejected)."""
        return float(self.confusion[:, :DIGITS].sum() / self.confusion.sum())

    def summary(self) -> dict:
        return {
            "accuracy": round(self.accuracy, 5),
            "answered_a_digit": round(self.answered_a_digit, 5),
            "per_digit_accuracy": {str(d): round(a, 5) for d, a in enumerate(self.per_digit_accuracy)},
            "misread_count": len(self.misread),
        }


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Classify uint8 MNIST-style images in batches through the compiled forward pass."""
    compiled = KerasModel(model)
    predicted = np.concatenate(
        [compiled.probabilities(as_model_input(images[i : i + 1000])).argmax(1) for i in range(0, len(images), 1000)]
    )
    confusion = np.zeros((DIGITS, NUM_CLASSES), np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_digit = (np.diag(confusion) / confusion.sum(1)).tolist()
    return Evaluation(
        accuracy=float((predicted == labels).mean()),
        per_digit_accuracy=per_digit,
        confusion=confusion,
        misread=np.flatnonzero(predicted != labels),
    )


def evaluate_writers(model: keras.Model, writers: WriterSplits) -> dict[str, dict]:
    """Each writer-disjoint validation set and each never-trained set, through the user-input
    preprocessing: accuracy (argmax of the 12 classes) and per-digit accuracy."""
    return {data.source: evaluate(model, *digit_inputs(data)).summary()
            for data in writers.validation + writers.never_trained}


def evaluate_drawn(model: keras.Model, mnist: Mnist, count: int = 2000, seed: int = 0) -> dict:
    """Accuracy on MNIST test digits redrawn dark on a 280x280 canvas and sent through the full
    preprocessing, i.e. the path every user input takes."""
    from recognizer.recognize import Recognizer
    from recognizer.training.synthetic import draw_on_paper

    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(mnist.x_test), count, replace=False)
    results = Recognizer(KerasModel(model)).recognize_many(draw_on_paper(mnist.x_test[i], rng) for i in chosen)
    hits = np.array([r.digit for r in results]) == mnist.y_test[chosen]
    return {"accuracy": round(float(hits.mean()), 5), "count": count, "seed": seed}


def write_report(path: Path, evaluation: Evaluation, mnist: Mnist, model: keras.Model) -> None:
    """One PNG: the confusion matrix beside every misread test digit with its labels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    misread = evaluation.misread
    predicted = KerasModel(model).probabilities(as_model_input(mnist.x_test[misread])).argmax(1)
    columns = 12
    rows = max(1, int(np.ceil(len(misread) / columns)))
    figure = plt.figure(figsize=(8 + columns * 0.9, max(7.0, rows * 1.0)))
    grid = figure.add_gridspec(rows, columns + 8)
    matrix = figure.add_subplot(grid[:, :8])
    matrix.imshow(np.log1p(evaluation.confusion), cmap="Blues")
    for (true, guess), count in np.ndenumerate(evaluation.confusion):
        if count:
            matrix.text(guess, true, str(count), ha="center", va="center", fontsize=7)
    matrix.set(xlabel="answer", ylabel="true", xticks=range(NUM_CLASSES), yticks=range(DIGITS),
               title=f"MNIST test confusion (accuracy {evaluation.accuracy:.2%})")
    matrix.set_xticklabels([name.split()[0] for name in CLASS_NAMES])
    for slot, (index, guess) in enumerate(zip(misread, predicted, strict=True)):
        axis = figure.add_subplot(grid[slot // columns, 8 + slot % columns])
        axis.imshow(mnist.x_test[index], cmap="gray")
        axis.set_title(f"{mnist.y_test[index]}→{CLASS_NAMES[guess].split()[0]}", fontsize=8)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)


def write_model_card(
    path: Path, *, config: TrainingConfig, mnist: Mnist, objects: Mnist, evaluation: Evaluation, drawn: dict,
    calibration: dict, seconds: float, command: str, model_file: Path, export: dict, writers: dict | None = None,
    initial_weights: dict | None = None,
) -> dict:
    """The JSON next to the model: data, metrics, versions, preprocessing and the exact command."""
    import tensorflow as tf

    card = {
        "model_file": model_file.name,
        "model_bytes": model_file.stat().st_size,
        "command": command,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "training_seconds": round(seconds, 1),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
        "versions": {
            "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__,
        },
        "data": {
            "source": mnist.source,
            "sha256_of_decoded_arrays": mnist.fingerprint(),
            "train_images_used": len(mnist.x_train) - config.validation_size,
            "validation_images_held_out": config.validation_size,
            "generated_negatives": "recognizer/training/negatives.py: letters in Hershey fonts "
                                   f"{'/'.join(map(str, sorted(TRAINING_FONTS)))}, scribbles, shapes, blobs, textures "
                                   "(class 10); 2-3 MNIST training digits side by side (class 11)",
            "photographed_objects": {"source": objects.source, "training_items_only": True,
                                     "sha256_of_decoded_x_train": objects.fingerprint()["x_train"]},
            "added_digit_styles": "recognizer/training/styles.py: MNIST training 1s redrawn as pen strokes with a flag "
                                  "(and a foot); pen-drawn 7s",
            "writer_sets": writers or "none: MNIST only (train.py without --data-dir)",
        },
        "classes": list(CLASS_NAMES),
        "training": {k: v for k, v in asdict(config).items() if k != "augmentation"},
        "initial_weights": initial_weights or "fresh",
        "augmentation": config.augmentation.describe(),
        "preprocessing_version": PREPROCESSING_VERSION,
        "input_contract": "(N, 28, 28, 1) float32 in [0, 1], white ink on black, MNIST-normalized",
        "mnist_test": evaluation.summary(),
        "mnist_test_drawn_through_preprocessing": drawn,
        "calibration": calibration,
        "onnx": export,
    }
    path.write_text(json.dumps(card, indent=2) + "\n")
    return card
