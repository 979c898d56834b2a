"""Speed and memory of serving, measured in one run so the figures compare like with like.

1. Canvas drawings (pen-written digits drawn as on the app's 280x280 canvas, some filling it to
   the edge): `Recognizer.recognize` (preprocessing + model), median, served by ONNX Runtime and
   by Keras (the reference), and the naive `model.predict`. Target <= 2 ms. Beside it, unpacking
   the drawing from what the canvas sends (`canvas_ink`). The light engine's figures (1 and 2)
   are timed before TensorFlow is loaded for the reference, as in the app and the CLI.
2. A 12-megapixel phone JPEG from bytes (decode, EXIF, preprocess, model). Target <= 150 ms.
3. The batch CLI, `python -m recognizer predict` on 1,000 canvas-size PNG files in a fresh
   process: pictures per second once it runs (target >= 300), and its peak memory (target
   <= 250 MB).
4. CLI cold start: a fresh `python -m recognizer predict one.png` until its answer. Target <= 1.5 s.

Medians are wall-clock, as a user waits; the CPU time of the same calls is printed beside them,
because on a machine shared with other work the wall clock also counts the waiting for a core.
Usage: PYTHONPATH=. python bench/speed.py
"""

from __future__ import annotations

import io
import os
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from recognizer import Recognizer
from recognizer.cli import FILES_PER_BATCH
from recognizer.decode import canvas_ink, load_image
from recognizer.model import EngineName
from recognizer.preprocess import preprocess
from recognizer.training.shared_data import PenDigit, pendigits, render_strokes

ROOT = Path(__file__).resolve().parent.parent
MARGINS = (0.0, 0.05, 0.1, 0.2, 0.3)  # share of the canvas left around the digit; 0 = touching the edge
BATCH_FILES = 1000


def medians_ms(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """(wall-clock median, CPU-time median) of `action` in ms, after one warm-up call."""
    action()
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.thread_time()
        action()
        wall.append(time.perf_counter() - started)
        cpu.append(time.thread_time() - started_cpu)
    return float(np.median(wall) * 1000), float(np.median(cpu) * 1000)


def canvas_drawings(samples: list[PenDigit], count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """RGBA canvas drawings of `count` random pen digits, margins from MARGINS (some touch the edge)."""
    chosen = rng.choice(len(samples), count, replace=False)
    return [render_strokes(samples[i].screen_strokes(280, margin=float(rng.choice(MARGINS)))) for i in chosen]


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


def served_canvas_figures(recognizer: Recognizer, drawings: list[np.ndarray]) -> None:
    """The canvas figures of the light engine, timed before anything in this process imports
    TensorFlow: the app and the CLI never do (tests/test_layout.py), and once imported, its idle
    thread pools and memory make every other call here 10-25% slower."""
    cycle = iter(drawings * 10)
    served = medians_ms(lambda: recognizer.recognize(next(cycle)), 5 * len(drawings))
    inputs = [preprocess(load_image(d)).model_input[None, ..., None] for d in drawings[:30]]
    cycle = iter(inputs * 2)
    model_only = medians_ms(lambda: recognizer.model.probabilities(next(cycle)), len(inputs))
    sent = iter([zlib.compress(d[..., 3].tobytes()) for d in drawings] * 2)  # what pen_canvas sends
    unpacking = medians_ms(lambda: canvas_ink(next(sent), 280, 280), len(drawings))
    print(f"canvas drawing, preprocessing + ONNX Runtime: median {served[0]:.2f} ms wall, {served[1]:.2f} ms CPU "
          f"(target <= 2 ms; model alone {model_only[0]:.2f} ms wall, {model_only[1]:.2f} ms CPU)")
    print(f"canvas drawing as the canvas sends it (deflated alpha) unpacked to RGBA, before all of the above: "
          f"median {unpacking[0]:.2f} ms wall, {unpacking[1]:.2f} ms CPU")


def reference_canvas_figures(drawings: list[np.ndarray]) -> None:
    """The same drawings served by Keras (the reference) and by the naive `model.predict`."""
    reference = Recognizer.load(engine=EngineName.KERAS)
    cycle = iter(drawings * 10)
    keras = medians_ms(lambda: reference.recognize(next(cycle)), 2 * len(drawings))
    predict = reference.model.model.predict
    naive = medians_ms(lambda: predict(preprocess(load_image(drawings[0])).model_input[None, ..., None],
                                       verbose=0), 20)
    print(f"canvas drawing, preprocessing + Keras tf.function: median {keras[0]:.2f} ms wall, {keras[1]:.2f} ms CPU")
    print(f"canvas drawing, preprocessing + model.predict: median {naive[0]:.2f} ms wall")


def photo_figure(recognizer: Recognizer) -> None:
    photo = phone_photo_jpeg(np.random.default_rng(0))
    wall, cpu = medians_ms(lambda: recognizer.recognize(photo), 10)
    print(f"12-megapixel JPEG ({len(photo) / 1e6:.1f} MB): median {wall:.0f} ms wall, {cpu:.0f} ms CPU, "
          f"read as {recognizer.recognize(photo).digit} (target <= 150 ms)")


PEAK_MEMORY_PROBE = (  # the CLI as `python -m recognizer`, printing at exit its peak memory (VmHWM: since exec)
    # and its largest worker process's (ru_maxrss of the children it waited for), in kB
    "import atexit, resource, runpy, sys; atexit.register(lambda: print(next(line.split()[1] for line in "
    "open('/proc/self/status') if line.startswith('VmHWM')), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
    "file=sys.stderr)); runpy.run_module('recognizer', run_name='__main__', alter_sys=True)"
)


def run_cli(paths: list[Path]) -> tuple[list[float], list[str], float, float]:
    """Run the CLI on `paths` in a fresh process: when each answer line arrived (s after the
    start), the lines, the CPU seconds of it and its workers, and the peak memory in MB of the
    largest of its processes (each process is one core's share of the work)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    command = [sys.executable, "-c", PEAK_MEMORY_PROBE, "predict", *map(str, paths)]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}) as process:
        times, lines = [], []
        for line in process.stdout:
            times.append(time.perf_counter() - started)
            lines.append(line)
        peak_kb = max(map(float, process.stderr.read().split()[-2:]))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return times, lines, cpu, peak_kb / 1024


def cli_figures(samples: list[PenDigit], rng: np.random.Generator) -> None:
    chosen = rng.choice(len(samples), BATCH_FILES, replace=False)
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for index, sample in zip(range(BATCH_FILES), chosen, strict=True):
            drawing = render_strokes(samples[sample].screen_strokes(280, margin=float(rng.choice(MARGINS))))
            paths.append(Path(folder) / f"{index:04d}.png")
            cv2.imwrite(str(paths[-1]), 255 - drawing[..., 3])  # dark ink on white, as a paint program saves
        starts = sorted(run_cli(paths[:1])[0][0] for _ in range(3))
        one_cpu = run_cli(paths[:1])[2]
        times, lines, cpu, peak_mb = run_cli(paths)
    rate = (len(times) - FILES_PER_BATCH) / (times[-1] - times[FILES_PER_BATCH - 1])  # after the first batch
    cpu_per_picture = (cpu - one_cpu) / (len(paths) - 1)
    digits = [line.split("\t")[1] for line in lines]
    accuracy = np.mean([d == str(samples[s].label) for d, s in zip(digits, chosen, strict=True)])
    print(f"CLI cold start to first answer: median {starts[1]:.2f} s of 3, {one_cpu:.2f} s CPU (target <= 1.5 s)")
    print(f"batch CLI, {BATCH_FILES} canvas-size PNG files: {rate:.0f} pictures/s once started, accuracy "
          f"{accuracy:.1%}; {cpu_per_picture * 1000:.2f} ms CPU per picture, i.e. "
          f"{os.cpu_count() / cpu_per_picture:.0f} pictures/s on {os.cpu_count()} free cores (target >= 300/s)")
    print(f"serving process memory, peak of the batch CLI's largest process: {peak_mb:.0f} MB (target <= 250 MB)")


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    recognizer = Recognizer.load()
    assert recognizer.model.name == EngineName.ONNX, "the shipped model's ONNX export is missing or stale"
    samples = pendigits()
    drawings = canvas_drawings(samples, 100, np.random.default_rng(0))
    served_canvas_figures(recognizer, drawings)
    photo_figure(recognizer)
    reference_canvas_figures(drawings)
    cli_figures(samples, np.random.default_rng(1))


if __name__ == "__main__":
    main()
