"""Which writers the shipped model learns from and which it is judged on, as model inputs.

`train.py --data-dir DIR` adds the sets of `writer_sets` to MNIST. The splits are fixed here and
written into the model card: the model learns CVL train (and, if asked, CVL valid), Swiss train,
pendigits' writers except every fifth, USPS train and optdigits' .tra; it is checked on the other
writers (CVL valid, Swiss valid, the held-out pendigits writers) and on DigiLeTs, which it never
learns. CVL test is left to `bench/writers.py` for the final figure. Each set's digits come with
"not a digit" and "several digits" pictures in the same look (see `writer_sets`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recognizer.model import sha256_of
from recognizer.preprocess import mnist_like_inputs
from recognizer.training import writer_sets
from recognizer.training.writer_sets import Handwriting, look_negatives


@dataclass(frozen=True)
class WriterSplits:
    """The writer sets' training and writer-disjoint validation splits."""

    trained: tuple[Handwriting, ...]
    validation: tuple[Handwriting, ...]  # for choosing settings, watching training and the temperature
    never_trained: tuple[Handwriting, ...]  # evaluated only (DigiLeTs: no licence to train on)

    @classmethod
    def read(cls, data_dir: Path, learn_cvl_valid: bool) -> WriterSplits:
        cvl, swiss = writer_sets.cvl(data_dir), writer_sets.swiss(data_dir)
        pen = writer_sets.pendigits_writers(data_dir)
        cvl_learnt = ("train", "valid") if learn_cvl_valid else ("train",)
        return cls(
            trained=(cvl.split(*cvl_learnt), swiss.split("train"), pen.split("train"),
                     writer_sets.usps_train(data_dir), writer_sets.optdigits_train(data_dir)),
            validation=(() if learn_cvl_valid else (cvl.split("valid"),)) + (swiss.split("valid"), pen.split("valid")),
            never_trained=(writer_sets.digilets(data_dir),),
        )

    def card(self, data_dir: Path) -> dict:
        """Counts per set and split, and the SHA-256 of every file read, for the model card."""
        every = self.trained + self.validation + self.never_trained
        files = sorted({path for data in every for path in data.files})
        return {
            "data_dir": str(data_dir),
            "sha256": {str(path.relative_to(data_dir)): sha256_of(path) for path in files},
            "trained": {data.source: counts(data) for data in self.trained},
            "validation_writer_disjoint": {data.source: counts(data) for data in self.validation},
            "never_trained": {data.source: counts(data) for data in self.never_trained},
            "held_out_pendigits_writers": "ids divisible by "
                                          f"{writer_sets.HELD_OUT_PENDIGITS_EVERY}",
        }


def counts(data: Handwriting) -> dict:
    return {"digits": len(data), "writers": len(set(data.writers) - {""}) or "not recorded"}


@dataclass(frozen=True)
class LookNegatives:
    """How many pictures that are not one digit each set brings in its own look, per digit."""

    not_a_digit_share: float
    several_digits_share: float


def digit_inputs(data: Handwriting) -> tuple[np.ndarray, np.ndarray]:
    """Model inputs and labels of a set's digits, through the user-input preprocessing (the
    few it finds blank are dropped)."""
    inputs, kept = mnist_like_inputs(data.pictures())
    return inputs, data.labels[kept].astype(np.uint8)


def with_look_negatives(data: Handwriting, shares: LookNegatives, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A set's digits plus its look's negatives, as model inputs and labels."""
    inputs, labels = digit_inputs(data)
    pictures, negative_labels = look_negatives(data, round(len(data) * shares.not_a_digit_share),
                                               round(len(data) * shares.several_digits_share), seed)
    negatives, kept = mnist_like_inputs(pictures)
    return np.concatenate([inputs, negatives]), np.concatenate([labels, negative_labels[kept]])


def mixed(sets: tuple[Handwriting, ...], shares: LookNegatives, seed: int,
          repeats: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """All sets with their look negatives, each repeated `repeats[source]` times (default 1)
    so that a small set weighs more per epoch; augmentation makes the copies differ."""
    parts = [with_look_negatives(data, shares, seed + number) for number, data in enumerate(sets)]
    times = [repeats.get(data.source.split()[0], 1) for data in sets]
    return (np.concatenate([np.concatenate([x] * n) for (x, _), n in zip(parts, times, strict=True)]),
            np.concatenate([np.concatenate([y] * n) for (_, y), n in zip(parts, times, strict=True)]))
