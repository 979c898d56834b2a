"""The samples formats: the zip every backend exports and imports, and where the data lives.
The backends themselves are tested by the contract (test_contract.py) and per backend."""

from __future__ import annotations

import io
import zipfile

import cv2
import numpy as np
import pytest

from recognizer import InputError
from recognizer.store.samples import default_data_dir, read_samples_zip
from recognizer.store.sqlite_store import SQLiteStore


def drawing(digit: int, shift: int = 0) -> np.ndarray:
    """A canvas drawing (ink in the alpha channel), as the app's canvas gives it."""
    alpha = np.zeros((280, 280), np.uint8)
    cv2.putText(alpha, str(digit), (70 + shift, 220), cv2.FONT_HERSHEY_SIMPLEX, 6, 255, 16, cv2.LINE_AA)
    return np.dstack([np.zeros((280, 280, 3), np.uint8), alpha])


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "words"), [
    (b"PK not really a zip", "not a zip"),
    (zip_of({"a.png": b"x"}), "no labels.csv"),
    (zip_of({"labels.csv": b"file,label\nmissing.png,3\n"}), "no such picture"),
    (zip_of({"labels.csv": b"file,label\na.png,x\n", "a.png": b"x"}), "not a digit"),
])
def test_bad_zips_are_refused_with_a_message(data, words):
    with pytest.raises(InputError, match=words):
        list(read_samples_zip(data))


def test_data_directory_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    assert SQLiteStore().path.parent == tmp_path / "mine"
