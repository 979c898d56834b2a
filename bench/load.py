"""Load check: many sessions recognizing at once on one shared `Recognizer`, as in the app.

N threads (default 16) each recognize canvas drawings back to back for a fixed time; prints
throughput and latency percentiles. Usage: python bench/load.py [--threads N] [--seconds S]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from recognizer import Recognizer
from recognizer.shared_data import pendigits, render_strokes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    recognizer = Recognizer.load()
    canvases = [render_strokes(sample.screen_strokes(280)) for sample in pendigits()[:200]]
    deadline = time.perf_counter() + args.seconds

    def session(offset: int) -> list[float]:
        latencies = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            recognizer.recognize(canvases[(offset + len(latencies)) % len(canvases)])
            latencies.append(time.perf_counter() - started)
        return latencies

    with ThreadPoolExecutor(args.threads) as pool:
        latencies = np.concatenate([np.array(part) for part in pool.map(session, range(args.threads))])
    print(f"{args.threads} concurrent sessions for {args.seconds:.0f} s: {len(latencies) / args.seconds:.0f} "
          f"recognitions/s, latency p50 {np.median(latencies) * 1000:.0f} ms, "
          f"p95 {np.percentile(latencies, 95) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
