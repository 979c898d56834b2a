"""Fine-tuning on a user's own corrected samples, without forgetting MNIST.

Starts from a trained model (normally the shipped one) and trains briefly at a low learning rate
on the user's samples, each shown several times with fresh augmentation, mixed with a replay of
MNIST training digits and generated negatives so that nothing already learnt is lost. Only the
last convolution block and the classifier learn (the early layers find strokes, which are the
same for everyone), and batch normalization statistics stay frozen: a few dozen samples must not
redefine what "normal" ink looks like. The temperature stays the base model's.

Samples are split before training: a stratified share is held out, and the before/after
accuracy on those, plus on the MNIST test set, is what the personal model card reports.
Pictures are preprocessed again with the current pipeline rather than reusing stored model
inputs, so a model is never trained on inputs an older preprocessing made.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np

from recognizer.decode import ImageSource, load_image
from recognizer.errors import InputError
from recognizer.preprocess import mnist_like_input
from recognizer.store.owners import LOCAL
from recognizer.store.samples import read_samples_zip
from recognizer.store.sqlite_store import SQLiteStore
from recognizer.training.data import Mnist
from recognizer.training.negatives import negative_examples
from recognizer.training.trainer import AugmentedBatches, TrainingConfig, evaluate

Progress = Callable[[int, int], None]  # (epochs done, epochs in all)


@dataclass(frozen=True)
class FineTuneConfig:
    """Everything that decides a personal model; its model card records it."""

    epochs: int = 5
    learning_rate: float = 2e-4
    copies_per_sample: int = 10  # each user sample appears this often per epoch, augmented anew
    replay_digits: int = 3000  # MNIST training digits mixed in
    replay_negatives: int = 300  # generated "not a digit" / "several digits" pictures mixed in
    held_out_share: float = 0.3  # of each digit's samples, kept for the honest before/after
    top_block_only: bool = True  # train only the last convolution block and the classifier
    batch_size: int = 64
    seed: int = 0


def read_samples(path: Path) -> tuple[list[ImageSource], np.ndarray]:
    """Pictures and labels from an exported zip, or the local user's in a samples database
    (.sqlite3); the app hands a fine-tuning job a zip of its owner's samples."""
    if path.suffix.lower() == ".zip":
        rows = list(read_samples_zip(path.read_bytes()))
        return [picture for _, picture, _ in rows], np.array([label for _, _, label in rows], np.uint8)
    samples = SQLiteStore(path).samples(LOCAL)
    return [s.original for s in samples], np.array([s.label for s in samples], np.uint8)


def model_inputs(pictures: list[ImageSource]) -> np.ndarray:
    """uint8 `(N, 28, 28)` MNIST-like inputs made by today's preprocessing."""
    inputs = []
    for picture in pictures:
        model_input = mnist_like_input(load_image(picture))
        if model_input is None:
            raise InputError("A sample looks blank; delete it and try again.")
        inputs.append(model_input)
    return np.stack(inputs)


def split(labels: np.ndarray, held_out_share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices (train, held out): per digit, `held_out_share` of its samples rounded, at least
    one sample always trained on; so every digit the user gave is learnt and, if it has 2 or
    more samples, also tested."""
    rng = np.random.default_rng(seed)
    train, held_out = [], []
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        count = min(len(members) - 1, round(len(members) * held_out_share))
        held_out += list(members[:count])
        train += list(members[count:])
    return np.sort(np.array(train, int)), np.sort(np.array(held_out, int))


def measure(model: keras.Model, images: np.ndarray, labels: np.ndarray, mnist: Mnist) -> dict:
    """Accuracy on the held-out user samples (None if there are none) and on the MNIST test set."""
    return {
        "held_out_samples_accuracy": round(evaluate(model, images, labels).accuracy, 5) if len(labels) else None,
        "mnist_test_accuracy": round(evaluate(model, mnist.x_test, mnist.y_test).accuracy, 5),
    }


class ProgressCallback(keras.callbacks.Callback):
    def __init__(self, progress: Progress, epochs: int) -> None:
        super().__init__()
        self.progress, self.epochs = progress, epochs

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.progress(epoch + 1, self.epochs)


def fine_tune(base: keras.Model, images: np.ndarray, labels: np.ndarray, mnist: Mnist, config: FineTuneConfig,
              progress: Progress = lambda done, total: None) -> tuple[keras.Model, float]:
    """A copy of `base` trained on (images, labels) with replay; returns (model, seconds)."""
    started = time.perf_counter()
    keras.utils.set_random_seed(config.seed)
    model = keras.models.clone_model(base)
    model.set_weights(base.get_weights())
    last_pooling = max(i for i, layer in enumerate(model.layers) if isinstance(layer, keras.layers.MaxPooling2D))
    for index, layer in enumerate(model.layers):
        # frozen BatchNormalization runs in inference mode in Keras 3: its statistics stay MNIST's
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization) and (
            index > last_pooling or not config.top_block_only)
    rng = np.random.default_rng(config.seed)
    replay = rng.choice(len(mnist.x_train), min(config.replay_digits, len(mnist.x_train)), replace=False)
    negatives = negative_examples(config.replay_negatives * 3 // 4, config.replay_negatives // 4,
                                  mnist.x_train[replay], seed=config.seed)
    x = np.concatenate([np.repeat(images, config.copies_per_sample, axis=0), mnist.x_train[replay], negatives[0]])
    y = np.concatenate([np.repeat(labels, config.copies_per_sample), mnist.y_train[replay], negatives[1]])
    batches = AugmentedBatches(x, y, TrainingConfig(batch_size=config.batch_size, seed=config.seed))
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="sparse_categorical_crossentropy")
    model.fit(batches, epochs=config.epochs, verbose=0, callbacks=[ProgressCallback(progress, config.epochs)])
    return model, time.perf_counter() - started


def write_personal_card(path: Path, *, base_path: Path, samples_path: Path, config: FineTuneConfig,
                        trained: int, held_out: int, before: dict, after: dict, seconds: float, command: str,
                        export: dict) -> dict:
    """The JSON next to a personal model: what it was made from and the honest before/after."""
    import json

    from recognizer.preprocess import PREPROCESSING_VERSION

    card = {
        "model_file": path.with_suffix(".keras").name,
        "kind": "personal (fine-tuned on the user's samples)",
        "base_model": str(base_path),
        "samples": str(samples_path),
        "samples_trained_on": trained,
        "samples_held_out": held_out,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "fine_tuning_seconds": round(seconds, 1),
        "fine_tuning": asdict(config),
        "preprocessing_version": PREPROCESSING_VERSION,
        "before": before,
        "after": after,
        "onnx": export,
    }
    path.write_text(json.dumps(card, indent=2) + "\n")
    return card
