"""`Recognizer`: the one entry point that the app, the CLI, the benchmarks and the tests use."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import cv2
import numpy as np

from recognizer.advice import advise
from recognizer.decode import ImageSource, load_image
from recognizer.errors import InputError
from recognizer.model import DEFAULT_MODEL_PATH, DIGITS, NUM_CLASSES, Engine, EngineName, load_engine
from recognizer.numbers import NumberReading, read_number
from recognizer.preprocess import Measurements, Preprocessed, Stage, preprocess
from recognizer.second_look import with_second_look
from recognizer.verdict import ANSWERED, EDGE_ONLY_MESSAGE, EMPTY_MESSAGE, Status, judge, rejection_probability

BATCH_SIZE = 256
WORKERS = os.cpu_count() or 1
PICTURES_PER_TASK = 16  # per model call: the model costs the same per picture from 1 to 64 at once


@dataclass(frozen=True)
class Recognition:
    """The answer for one picture.

    `probabilities` are the model's NUM_CLASSES calibrated probabilities, summing to 1 (all 0 when
    the model saw nothing): digits 0-9, then "not a digit" and "several digits" (see
    `model.CLASS_NAMES`). `digit` is None unless a digit is named (`status` in `ANSWERED`);
    `confidence` is the probability of what `message` says.
    """

    digit: int | None
    probabilities: tuple[float, ...]
    confidence: float
    status: Status
    message: str
    stages: tuple[Stage, ...] = ()
    box: tuple[int, int, int, int] | None = None  # the digit's (x, y, w, h) in the picture as given
    measurements: Measurements | None = field(default=None, repr=False)

    @cached_property
    def advice(self) -> tuple[str, ...]:
        """What to change in the picture (see `recognizer.advice`), worked out when first asked
        for: the app shows it, the batch and the CLI never ask."""
        return advise(self.measurements)

    @property
    def model_input(self) -> np.ndarray | None:
        """The exact `(28, 28)` float32 array the model received (None if it received none)."""
        return self.stages[-1].image if self.stages and self.stages[-1].name == "model_input" else None

    @classmethod
    def failed(cls, error: InputError) -> Recognition:
        return cls(None, (0.0,) * NUM_CLASSES, 0.0, Status.ERROR, str(error))


def warm_up_drawing() -> np.ndarray:
    """One stroke on a transparent canvas, as the app sends a drawing: the whole path runs once
    at load, so ONNX Runtime's memory arena and OpenCV's lazy set-up are ready before anyone waits."""
    canvas = np.zeros((280, 280, 4), np.uint8)
    cv2.line(canvas, (140, 60), (140, 220), (0, 0, 0, 255), 18)
    return canvas


class Recognizer:
    """A loaded model; thread-safe, so one instance serves every session of the app."""

    def __init__(self, model: Engine) -> None:
        self.model = model

    @classmethod
    def load(cls, path: Path | str = DEFAULT_MODEL_PATH, engine: EngineName = EngineName.AUTO) -> Recognizer:
        """The model at `path` (a `.keras` file), served by ONNX Runtime when its verified export
        is beside it, else by Keras (see `recognizer.model.load_engine`)."""
        recognizer = cls(load_engine(Path(path), engine))
        recognizer.recognize(warm_up_drawing())  # the first call costs ~50 ms more: paid here, not by a person
        return recognizer

    def recognize(self, image: ImageSource) -> Recognition:
        """Recognize one picture; raises `InputError` (a user-facing message) on bad input."""
        return self.classify([preprocess(load_image(image))])[0]

    def read_number(self, image: ImageSource) -> NumberReading:
        """Read a written number (one or more lines of digits); raises `InputError` on bad input."""
        return read_number(load_image(image), self.classify)

    def recognize_many(self, sources: Iterable[ImageSource]) -> list[Recognition]:
        """Recognize many pictures, in order; a bad one gets status `error`.

        Worker threads, one per core, each read, preprocess and classify a few pictures at a
        time: OpenCV and ONNX Runtime release the GIL, so the cores work side by side. Pictures
        are taken a wave at a time so a long iterable is never all in memory at once."""
        results: list[Recognition] = []
        pictures = iter(sources)
        with ThreadPoolExecutor(WORKERS) as pool:
            while wave := list(itertools.islice(pictures, WORKERS * PICTURES_PER_TASK)):
                tasks = [wave[i : i + PICTURES_PER_TASK] for i in range(0, len(wave), PICTURES_PER_TASK)]
                results += itertools.chain.from_iterable(pool.map(self.recognize_together, tasks))
        return results

    def recognize_together(self, sources: list[ImageSource]) -> list[Recognition]:
        """Preprocess `sources` one by one, then classify them in one model call (on this thread:
        the unit of work of `recognize_many`'s threads and of the batch CLI's processes)."""
        prepared: list[Preprocessed | InputError] = []
        for source in sources:
            try:
                prepared.append(preprocess(load_image(source)))
            except InputError as error:
                prepared.append(error)
        good = [item for item in prepared if isinstance(item, Preprocessed)]
        answers = iter(self.classify(good))
        return [Recognition.failed(item) if isinstance(item, InputError) else next(answers) for item in prepared]

    def classify(self, prepared: Sequence[Preprocessed]) -> list[Recognition]:
        """Answers for already preprocessed pictures, in batched model calls: the path that
        `read_number` sends each digit (and each way of splitting touching digits) through."""
        inputs = [item.model_input for item in prepared if item.model_input is not None]
        batches = [np.stack(inputs[i : i + BATCH_SIZE])[..., None] for i in range(0, len(inputs), BATCH_SIZE)]
        rows = iter(np.concatenate([self.probabilities(b) for b in batches]) if batches else [])
        return [self._answer(item, next(rows) if item.model_input is not None else None) for item in prepared]

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """`(N, 28, 28, 1)` model inputs -> the `(N, NUM_CLASSES)` probabilities every answer is
        judged on: the model's, with a second look at the inputs it is unsure of
        (`recognizer.second_look`)."""
        return with_second_look(self.model.probabilities, batch)

    @staticmethod
    def _answer(prepared: Preprocessed, probabilities: np.ndarray | None) -> Recognition:
        if probabilities is None and prepared.edge_marks:
            return Recognition(None, (0.0,) * NUM_CLASSES, 1.0, Status.NOT_DIGIT, EDGE_ONLY_MESSAGE, prepared.stages)
        if probabilities is None:
            return Recognition(None, (0.0,) * NUM_CLASSES, 0.0, Status.EMPTY, EMPTY_MESSAGE, prepared.stages)
        probabilities = probabilities / probabilities.sum()
        marks = prepared.measurements.digit_sized_marks if prepared.measurements else 0
        status, message = judge(probabilities, marks)
        digit = int(np.argmax(probabilities[:DIGITS]))
        return Recognition(
            digit=digit if status in ANSWERED else None,
            probabilities=tuple(float(p) for p in probabilities),
            confidence=float(probabilities[digit]) if status in ANSWERED else rejection_probability(probabilities),
            status=status,
            message=message,
            stages=prepared.stages,
            box=prepared.measurements.box if prepared.measurements else None,
            measurements=prepared.measurements,
        )
