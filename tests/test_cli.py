"""`python -m recognizer predict` and `number`: one line per file; broken files get an error line."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from recognizer.cli import PROCESSES_FROM, as_json
from recognizer.errors import InputError
from recognizer.recognize import Recognition
from tests.conftest import ROOT
from tests.number_pictures import number_of, spaced, written


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    seven = np.full((200, 200), 255, np.uint8)
    cv2.line(seven, (50, 40), (150, 40), 0, 12)
    cv2.line(seven, (150, 40), (80, 170), 0, 12)
    zero = np.full((200, 160, 3), 240, np.uint8)
    cv2.ellipse(zero, (80, 100), (45, 70), 0, 0, 360, (30, 30, 120), 10)
    paths = {"seven": folder / "seven.png", "zero": folder / "zero.jpg", "blank": folder / "blank.png",
             "broken": folder / "broken.png"}
    cv2.imwrite(str(paths["seven"]), seven)
    cv2.imwrite(str(paths["zero"]), zero)
    cv2.imwrite(str(paths["blank"]), np.full((100, 100), 255, np.uint8))
    paths["broken"].write_bytes(b"%PDF-1.4 not really an image")
    return paths


def run_cli(*args: str, command: str = "predict") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recognizer", command, *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=180)


def test_json_lines_for_good_blank_and_broken_files(files):
    done = run_cli("--json", *(str(p) for p in files.values()))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {line["file"].rsplit("/", 1)[1]: line for line in lines}
    assert len(lines) == 4
    assert by_name["seven.png"]["digit"] == 7 and by_name["seven.png"]["status"] == "digit"
    assert by_name["zero.jpg"]["digit"] == 0
    assert by_name["blank.png"]["status"] == "empty" and by_name["blank.png"]["digit"] is None
    assert by_name["broken.png"]["status"] == "error" and "not an image" in by_name["broken.png"]["message"]
    assert abs(sum(by_name["seven.png"]["probabilities"].values()) - 1) < 1e-3
    assert done.returncode == 1  # one file could not be read


def test_text_output_one_line_per_file(files):
    done = run_cli(str(files["seven"]), str(files["zero"]))
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[1] == "7" and lines[1].split("\t")[1] == "0"


def test_many_files_in_worker_processes_keep_their_order_and_their_errors(files, tmp_path):
    """Past PROCESSES_FROM files the work goes to worker processes: every file still gets its
    own line, in the order given, with the same answers as one by one."""
    kinds = ["seven", "zero", "blank", "broken"]
    paths = []
    for index in range(PROCESSES_FROM + 3):
        kind = kinds[index % 4]
        paths.append(tmp_path / f"{index:03d}-{files[kind].name}")
        paths[-1].write_bytes(files[kind].read_bytes())
    done = run_cli(*(str(p) for p in paths))
    lines = [line.split("\t") for line in done.stdout.splitlines()]
    assert [line[0] for line in lines] == [str(p) for p in paths]
    expected = {"seven": ("7", "digit"), "zero": ("0", "digit"), "blank": ("-", "empty"), "broken": ("-", "error")}
    assert [tuple(line[1:3]) for line in lines] == [expected[kinds[i % 4]] for i in range(len(paths))]
    assert done.returncode == 1


def test_worker_processes_print_what_recognize_answers_one_by_one(files, recognizer, tmp_path):
    """The batch path (worker processes, files read and classified in batches) prints for every
    kind of picture exactly the line of `Recognizer.recognize` on that file alone: a digit at the
    edge (read twice, once with paper added), light ink on dark, a transparent drawing, 16 bits."""
    at_edge = np.full((200, 200), 255, np.uint8)
    cv2.line(at_edge, (100, 0), (100, 150), 0, 14)
    canvas = np.zeros((280, 280, 4), np.uint8)
    cv2.circle(canvas, (140, 140), 80, (0, 0, 0, 255), 16)
    dark = np.zeros((160, 160, 3), np.uint8)
    cv2.line(dark, (40, 30), (120, 130), (255, 255, 200), 9)
    kinds = {"at_edge.png": at_edge, "canvas.png": cv2.cvtColor(canvas, cv2.COLOR_RGBA2BGRA), "dark.jpg": dark,
             "deep.png": (255 - at_edge.T).astype(np.uint16) * 257}
    originals = [*files.values()]
    for name, picture in kinds.items():
        originals.append(tmp_path / name)
        cv2.imwrite(str(originals[-1]), picture)
    paths = []
    for index in range(PROCESSES_FROM + 1):
        original = originals[index % len(originals)]
        paths.append(tmp_path / f"{index:03d}-{original.name}")
        paths[-1].write_bytes(original.read_bytes())
    expected = {}
    for original in originals:
        try:
            expected[original.name] = json.loads(as_json(original, recognizer.recognize(original)))
        except InputError as error:
            expected[original.name] = json.loads(as_json(original, Recognition.failed(error)))
    done = run_cli("--json", *(str(p) for p in paths))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.pop("file") for line in lines] == [str(p) for p in paths]
    for line, path in zip(lines, paths, strict=True):
        assert line == {k: v for k, v in expected[path.name.split("-", 1)[1]].items() if k != "file"}


@pytest.fixture(scope="module")
def number_files(files, clear_digits, tmp_path_factory):
    """A one-line number with a space, a two-line number, and the blank and broken files."""
    rng = np.random.default_rng(21)
    folder = tmp_path_factory.mktemp("numbers")
    year = written(spaced(number_of(clear_digits, "2024", rng), 15))
    top, bottom = (written(spaced(number_of(clear_digits, text, rng), 15)) for text in ("17", "305"))
    width = max(top.shape[1], bottom.shape[1])
    two_lines = np.vstack([np.pad(part, ((0, 0), (0, width - part.shape[1])), constant_values=255)
                           for part in (top, bottom)])
    grouped = written([*spaced(number_of(clear_digits, "12", rng), 15), 300, *number_of(clear_digits, "9", rng)])
    paths = {"year": folder / "year.png", "lines": folder / "lines.jpg", "grouped": folder / "grouped.png"}
    for name, picture in (("year", year), ("lines", two_lines), ("grouped", grouped)):
        cv2.imwrite(str(paths[name]), picture)
    return {**paths, "blank": files["blank"], "broken": files["broken"]}, {"year": year}


def test_number_json_lines_for_numbers_blank_and_broken_files(number_files):
    paths, pictures = number_files
    done = run_cli("--json", *(str(p) for p in paths.values()), command="number")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    by_name = {line["file"].rsplit("/", 1)[1].split(".")[0]: line for line in lines}
    assert len(lines) == 5
    year = by_name["year"]
    assert (year["status"], year["lines"], year["text"]) == ("number", ["2024"], "2024")
    assert year["confidence"] == pytest.approx(np.prod([d["confidence"] for d in year["digits"]]), abs=1e-3)
    assert [(d["line"], d["digit"], d["status"]) for d in year["digits"]] == [(0, 2, "digit"), (0, 0, "digit"),
                                                                             (0, 2, "digit"), (0, 4, "digit")]
    ink = pictures["year"] < 128
    for digit in year["digits"]:
        x, y, w, h = digit["box"]  # in the picture's pixels: each box holds about a quarter of the ink
        assert 0.1 < ink[y : y + h, x : x + w].sum() / ink.sum() < 0.45
    assert by_name["lines"]["lines"] == ["17", "305"] and by_name["lines"]["text"] == "17\n305"
    assert [d["line"] for d in by_name["lines"]["digits"]] == [0, 0, 1, 1, 1]
    assert by_name["grouped"]["lines"] == ["129"]  # the space between groups is not in `lines`
    assert by_name["blank"]["status"] == "empty" and by_name["blank"]["digits"] == []
    assert by_name["broken"]["status"] == "error" and "not an image" in by_name["broken"]["message"]
    assert done.returncode == 1  # one file could not be read


def test_number_text_output_one_line_per_file(number_files):
    paths, _ = number_files
    done = run_cli(str(paths["lines"]), str(paths["grouped"]), command="number")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].split("\t")[1:3] == ["17 / 305", "number"]
    assert lines[1].split("\t")[1] == "12 9"
