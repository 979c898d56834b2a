"""Command line, one line per file: `python -m recognizer predict [--json] PATH...` names the
digit in each picture, `python -m recognizer number [--json] PATH...` reads a whole written
number (one or more lines of digits).

`predict` reads and preprocesses files one by one but sends them to the model in batches, so a
folder of thousands of pictures costs one model call per batch; from PROCESSES_FROM files on,
one worker process per core does that side by side (threads would share one interpreter, and
much of the preprocessing is Python that holds it). A broken file gets its own error line; the
others still run. The status says whether a digit was named (`digit`, `unsure`)
or not (`not_digit`, `several_digits`, `empty`, `error`); for `number` it is `number`, `unsure`,
`not_digit`, `empty` or `error`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from recognizer.errors import InputError
from recognizer.model import CLASS_NAMES, DEFAULT_MODEL_PATH
from recognizer.numbers import NumberReading
from recognizer.recognize import Recognition, Recognizer

FILES_PER_BATCH = 64  # bounds memory: each result holds its stage images until printed
PROCESSES_FROM = 256  # fewer files are done sooner than worker processes start (~0.5 s)
WORKER_PROCESSES = os.cpu_count() or 1


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m recognizer", description="Recognize handwritten digits.")
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="recognize the digit in each picture")
    predict.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image files")
    predict.add_argument("--json", action="store_true", help="one JSON object per line")
    predict.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="model file (.keras)")
    number = commands.add_parser("number", help="read the written number (digits, lines) in each picture")
    number.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="image files")
    number.add_argument("--json", action="store_true", help="one JSON object per line")
    number.add_argument("--model", type=Path, default=DEFAULT_MODEL_PATH, help="model file (.keras)")
    return parser.parse_args(argv)


def as_json(path: Path, result: Recognition) -> str:
    return json.dumps({
        "file": str(path),
        "digit": result.digit,
        "status": str(result.status),
        "confidence": round(result.confidence, 4),
        "probabilities": {name: round(p, 4) for name, p in zip(CLASS_NAMES, result.probabilities, strict=True)},
        "message": result.message,
    })


def as_text(path: Path, result: Recognition) -> str:
    answer = "-" if result.digit is None else str(result.digit)
    return f"{path}\t{answer}\t{result.status}\t{result.message}"


def number_as_json(path: Path, reading: NumberReading) -> str:
    """`lines` are the digits of each line without the spaces between groups; `text` joins them."""
    lines = [text.replace(" ", "") for text in reading.line_texts]
    return json.dumps({
        "file": str(path),
        "status": str(reading.status),
        "lines": lines,
        "text": "\n".join(lines),
        "confidence": round(reading.confidence, 4),
        "digits": [{"line": d.line, "digit": d.digit, "status": str(d.status), "confidence": round(d.confidence, 4),
                    "box": list(d.box)} for d in reading.digits],
        "message": reading.message,
    })


def number_as_text(path: Path, reading: NumberReading) -> str:
    """Lines of the number separated by " / ", so each file stays on one line."""
    return f"{path}\t{' / '.join(reading.line_texts) or '-'}\t{reading.status}\t{reading.message}"


def read_numbers(recognizer: Recognizer, paths: list[Path], as_json: bool) -> int:
    """Print one reading per file; the number of files that could not be read."""
    format_line = number_as_json if as_json else number_as_text
    failures = 0
    for path in paths:
        try:
            reading = recognizer.read_number(path)
        except InputError as error:
            reading = NumberReading.failed(str(error))
            failures += 1
        print(format_line(path, reading), flush=True)
    return failures


def batches(paths: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(paths), size):
        yield paths[start : start + size]


def main(argv: Sequence[str] | None = None) -> int:
    """Exit status 0 when every file was read, 1 when at least one could not be."""
    args = parse_args(argv)
    if args.command == "number":
        return 1 if read_numbers(Recognizer.load(args.model), args.paths, args.json) else 0
    failures = 0
    for line, failed in predicted_lines(args.model, args.paths, as_json if args.json else as_text):
        failures += failed
        print(line, flush=True)
    return 1 if failures else 0


Line = tuple[str, bool]  # a file's output line, and whether it could not be read


def predicted_lines(model: Path, paths: list[Path], format_line: Callable[[Path, Recognition], str]) -> Iterator[Line]:
    """Each file's line, in the order given: in this process for a few files, else in worker
    processes, a batch of files each (only the lines come back, not the pictures)."""
    if len(paths) < PROCESSES_FROM or WORKER_PROCESSES == 1:
        recognizer = Recognizer.load(model)
        for chunk in batches(paths, FILES_PER_BATCH):
            yield from lines_of(chunk, recognizer.recognize_many(chunk), format_line)
        return
    with ProcessPoolExecutor(WORKER_PROCESSES, initializer=load_worker_recognizer, initargs=(model,)) as pool:
        for lines in pool.map(worker_lines, batches(paths, FILES_PER_BATCH), itertools.repeat(format_line)):
            yield from lines


def lines_of(paths: list[Path], results: list[Recognition], format_line: Callable[[Path, Recognition], str]
             ) -> list[Line]:
    return [(format_line(path, result), result.status == "error") for path, result in zip(paths, results, strict=True)]


_worker_recognizer: Recognizer | None = None  # one per worker process, loaded when it starts


def load_worker_recognizer(model: Path) -> None:
    global _worker_recognizer
    _worker_recognizer = Recognizer.load(model)


def worker_lines(paths: list[Path], format_line: Callable[[Path, Recognition], str]) -> list[Line]:
    """In a worker process: one batch of files, on one core."""
    return lines_of(paths, _worker_recognizer.recognize_together(paths), format_line)


if __name__ == "__main__":
    sys.exit(main())
