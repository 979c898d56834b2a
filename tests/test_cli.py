"""`python -m recognizer predict`: one line per file; broken files get an error line."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT


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


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "recognizer", "predict", *args], cwd=ROOT,
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
