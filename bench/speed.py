"""Speed, measured in one run so the ratios compare like with like.

1. One 280x280 canvas drawing, preprocess + compiled model (`Recognizer.recognize`): median.
   Against the naive path (same preprocessing, then `model.predict` per image). Target <= 5 ms.
2. A 12-megapixel phone JPEG from bytes (decode, EXIF, preprocess, model). Target < 300 ms.
3. Batch throughput: 1,000 canvas-size PNG files through `recognize_many`, 64 files per call
   as the CLI does: images per second.
Usage: python bench/speed.py
"""

from __future__ import annotations

import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from recognizer import Recognizer
from recognizer.cli import FILES_PER_BATCH, batches
from recognizer.decode import load_image
from recognizer.keras_model import KerasModel
from recognizer.preprocess import preprocess
from recognizer.training.shared_data import pendigits, render_strokes


def median_ms(action: Callable[[], object], repeats: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def phone_photo_jpeg(rng: np.random.Generator) -> bytes:
    """4000x3000 grey-ish paper with a shading gradient, noise and a dark handwritten 4."""
    rows = np.linspace(0, 1, 3000)[:, None]
    paper = 200 - 50 * rows + 15 * np.linspace(0, 1, 4000)[None, :]
    photo = np.clip(paper + rng.normal(0, 4, (3000, 4000)), 0, 255).astype(np.uint8)
    for start, end in [((1800, 1100), (1650, 1700)), ((1650, 1700), (2150, 1700)), ((2000, 1200), (2000, 2100))]:
        cv2.line(photo, start, end, 40, 28, cv2.LINE_AA)
    buffer = io.BytesIO()
    Image.fromarray(photo).convert("RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def main() -> None:
    recognizer = Recognizer.load()
    samples = pendigits()
    drawing = render_strokes(samples[0].screen_strokes(280))

    fast = median_ms(lambda: recognizer.recognize(drawing), 200)
    keras_model = KerasModel.load().model
    naive = median_ms(lambda: keras_model.predict(preprocess(load_image(drawing)).model_input[None, ..., None],
                                                  verbose=0), 30)
    print(f"canvas drawing, preprocess + compiled model: median {fast:.2f} ms (target <= 5 ms)")
    print(f"canvas drawing, preprocess + model.predict:  median {naive:.2f} ms")
    print(f"speed-up: {naive / fast:.1f}x")

    photo = phone_photo_jpeg(np.random.default_rng(0))
    photo_ms = median_ms(lambda: recognizer.recognize(photo), 10)
    print(f"12-megapixel JPEG ({len(photo) / 1e6:.1f} MB): median {photo_ms:.0f} ms, "
          f"read as {recognizer.recognize(photo).digit} (target < 300 ms)")

    rng = np.random.default_rng(1)
    chosen = [samples[i] for i in rng.choice(len(samples), 1000, replace=False)]
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, sample in enumerate(chosen):
            path = Path(folder) / f"{index:04d}.png"
            cv2.imwrite(str(path), 255 - render_strokes(sample.screen_strokes(280))[..., 3])
            paths.append(path)
        started = time.perf_counter()
        digits = [r.digit for chunk in batches(paths, FILES_PER_BATCH) for r in recognizer.recognize_many(chunk)]
        seconds = time.perf_counter() - started
    accuracy = np.mean(np.array(digits) == [s.label for s in chosen])
    print(f"batch of 1,000 canvas-size PNG files: {len(paths) / seconds:.0f} images/s "
          f"({seconds:.1f} s, accuracy {accuracy:.1%})")


if __name__ == "__main__":
    main()
