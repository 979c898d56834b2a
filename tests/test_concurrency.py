"""One `Recognizer` is shared by every session of the app: threads must not disturb each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

THREADS = 16


def drawings() -> list[np.ndarray]:
    """16 different canvases: digits 0-9 and variations, strokes in the alpha channel."""
    pictures = []
    for index in range(THREADS):
        alpha = np.zeros((280, 280), np.uint8)
        cv2.putText(alpha, str(index % 10), (70 + index, 220), cv2.FONT_HERSHEY_SIMPLEX, 7 - index % 3, 255,
                    14 + index % 4, cv2.LINE_AA)
        canvas = np.zeros((280, 280, 4), np.uint8)
        canvas[..., 3] = alpha
        pictures.append(canvas)
    return pictures


def test_parallel_recognition_equals_sequential(recognizer):
    pictures = drawings() * 4
    sequential = [recognizer.recognize(p).probabilities for p in pictures]
    with ThreadPoolExecutor(THREADS) as pool:
        parallel = list(pool.map(lambda p: recognizer.recognize(p).probabilities, pictures))
    np.testing.assert_allclose(parallel, sequential, atol=1e-6)
    assert len({np.argmax(p) for p in sequential}) >= 8  # the pictures really differ
