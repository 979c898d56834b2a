"""One `Recognizer` is shared by every session of the app: threads must not disturb each other,
in the model or in the input gate."""

from __future__ import annotations

import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest
from PIL import Image

from recognizer import InputError
from recognizer.decode import load_image
from tests.test_decode import encoded
from tests.test_hostile_files import png_header_only

THREADS = 16


def drawings() -> list[np.ndarray | bytes]:
    """16 different pictures: digits 0-9 in varied sizes and strokes, as canvases and as PNG uploads."""
    pictures = []
    for index in range(THREADS):
        alpha = np.zeros((280, 280), np.uint8)
        cv2.putText(alpha, str(index % 10), (70 + index, 220), cv2.FONT_HERSHEY_SIMPLEX, 7 - index % 3, 255,
                    14 + index % 4, cv2.LINE_AA)
        canvas = np.dstack([np.zeros((280, 280, 3), np.uint8), alpha])
        pictures.append(canvas if index % 2 else encoded(Image.fromarray(255 - alpha), "PNG"))
    return pictures


def all_at_once(work, inputs: list) -> list:
    """Run `work` on each input, THREADS threads released together by a barrier, results in input order."""
    start = threading.Barrier(THREADS)

    def thread(part: int) -> list:
        start.wait()
        return [work(item) for item in inputs[part::THREADS]]

    with ThreadPoolExecutor(THREADS) as pool:
        parts = list(pool.map(thread, range(THREADS)))
    results = [None] * len(inputs)
    for part, answers in enumerate(parts):
        results[part::THREADS] = answers
    return results


def test_parallel_recognition_equals_sequential(recognizer):
    pictures = drawings() * 4  # each thread recognizes 4 different pictures
    sequential = [recognizer.recognize(picture) for picture in pictures]
    parallel = all_at_once(recognizer.recognize, pictures)
    assert [(r.status, r.digit) for r in parallel] == [(r.status, r.digit) for r in sequential]
    for alone, together in zip(sequential, parallel, strict=True):
        assert np.array_equal(alone.model_input, together.model_input)  # preprocessing: exactly the same
        np.testing.assert_allclose(together.probabilities, alone.probabilities, atol=1e-6)
    assert len({r.digit for r in sequential}) == 10  # the pictures really differ


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_refusing_bombs_in_parallel_leaves_the_warning_filters_alone():
    """Switching warnings to errors with `warnings.catch_warnings` is process-wide and not thread-safe:
    concurrent refusals used to leave a stray filter behind (changing warnings for the whole app)."""
    before = list(warnings.filters)

    def refuse(data: bytes) -> str:
        with pytest.raises(InputError) as refusal:
            load_image(data)
        return str(refusal.value)

    messages = all_at_once(refuse, [png_header_only(9000, 9000), png_header_only(20_000, 20_000)] * 4000)
    assert warnings.filters == before
    assert all("megapixels" in message for message in messages)
