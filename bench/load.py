"""Load check: many sessions recognizing at once on one shared `Recognizer`, as in the app.

N threads (default 16) each call `Recognizer.recognize` on 280x280 canvas drawings back to back for
a fixed time; prints throughput (recognitions/s), latency percentiles and, for comparison, one
thread alone. Drawings are pendigits strokes rendered like the canvas when ../shared/data has
them, else generated digits. Usage: python bench/load.py [--threads N] [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from recognizer import Recognizer
from recognizer.training.shared_data import SHARED_DATA, pendigits, render_strokes

CANVAS = 280


def canvases(count: int = 200) -> tuple[list[np.ndarray], str]:
    """RGBA canvas drawings (ink in the alpha channel) and where they came from."""
    if (SHARED_DATA / "pendigits").exists():
        return [render_strokes(d.screen_strokes(CANVAS), CANVAS) for d in pendigits()[:count]], "pendigits strokes"
    pictures = []
    for index in range(count):
        alpha = np.zeros((CANVAS, CANVAS), np.uint8)
        cv2.putText(alpha, str(index % 10), (60 + index % 30, 220), cv2.FONT_HERSHEY_SIMPLEX, 6 + index % 3 / 2, 255,
                    14 + index % 6, cv2.LINE_AA)
        pictures.append(np.dstack([np.zeros((CANVAS, CANVAS, 3), np.uint8), alpha]))
    return pictures, "generated digits"


def run(recognizer: Recognizer, pictures: list[np.ndarray], threads: int, seconds: float) -> tuple[np.ndarray, float]:
    """Latencies (s) of every recognition made by `threads` sessions in about `seconds`, and the
    time actually taken (the last calls end after the deadline)."""
    started_all = time.perf_counter()
    deadline = started_all + seconds

    def session(offset: int) -> list[float]:
        latencies: list[float] = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            recognizer.recognize(pictures[(offset * 7 + len(latencies)) % len(pictures)])
            latencies.append(time.perf_counter() - started)
        return latencies

    with ThreadPoolExecutor(threads) as pool:
        latencies = np.concatenate([np.array(part) for part in pool.map(session, range(threads))])
    return latencies, time.perf_counter() - started_all


def report(label: str, latencies: np.ndarray, elapsed: float) -> None:
    print(f"{label}: {len(latencies) / elapsed:.0f} recognitions/s, latency p50 "
          f"{np.median(latencies) * 1000:.1f} ms, p95 {np.percentile(latencies, 95) * 1000:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    recognizer = Recognizer.load()
    pictures, origin = canvases()
    for picture in pictures[:10]:
        recognizer.recognize(picture)  # warm-up: first calls build the model's graph
    print(f"{len(pictures)} {CANVAS}x{CANVAS} canvas drawings ({origin}), {os.cpu_count()} CPUs")
    report("1 session alone", *run(recognizer, pictures, 1, min(3.0, args.seconds)))
    report(f"{args.threads} concurrent sessions for {args.seconds:.0f} s", *run(recognizer, pictures, args.threads,
                                                                                 args.seconds))


if __name__ == "__main__":
    main()
