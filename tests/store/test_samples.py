"""The corrections store: round trip, concurrent writers, crash safety, schema, zip export/import."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from recognizer import InputError
from recognizer.store.samples import SCHEMA_VERSION, SampleStore, default_data_dir, read_samples_zip
from tests.conftest import ROOT


def drawing(digit: int, shift: int = 0) -> np.ndarray:
    """A canvas drawing (ink in the alpha channel), as the app's canvas gives it."""
    alpha = np.zeros((280, 280), np.uint8)
    cv2.putText(alpha, str(digit), (70 + shift, 220), cv2.FONT_HERSHEY_SIMPLEX, 6, 255, 16, cv2.LINE_AA)
    return np.dstack([np.zeros((280, 280, 3), np.uint8), alpha])


@pytest.fixture
def store(tmp_path) -> SampleStore:
    return SampleStore(tmp_path / "samples.sqlite3")


def test_a_sample_keeps_everything_it_was_given(store):
    picture = drawing(4)
    sample_id = store.add(picture, 4, predicted=9, probabilities=(0.1,) * 10, model_version="digits@abc",
                          origin="draw")
    [sample] = store.samples()
    assert (sample.id, sample.label, sample.predicted, sample.model_version, sample.source) == (
        sample_id, 4, 9, "digits@abc", "draw")
    np.testing.assert_array_equal(sample.original, picture)  # lossless, alpha kept
    assert sample.model_input.shape == (28, 28) and sample.model_input.max() > 200
    assert sample.created.endswith("Z")


def test_file_uses_wal_and_the_current_schema(store):
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused_not_damaged(tmp_path):
    path = tmp_path / "samples.sqlite3"
    SampleStore(path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="update Digit Lens"):
        SampleStore(path)


def test_bad_samples_are_refused_with_a_message(store):
    with pytest.raises(InputError, match="0-9"):
        store.add(drawing(3), 12)
    with pytest.raises(InputError, match="blank"):
        store.add(np.zeros((280, 280, 4), np.uint8), 3)
    with pytest.raises(InputError):
        store.add(b"not a picture", 3)
    assert store.count() == 0


def test_delete_removes_only_that_sample(store):
    first, second = store.add(drawing(1), 1), store.add(drawing(2), 2)
    assert store.delete(first) and not store.delete(first)
    assert [s.id for s in store.samples()] == [second]


def test_many_sessions_writing_at_once_lose_nothing(store):
    def write(index: int) -> int:
        return store.add(drawing(index % 10, index % 7), index % 10)

    with ThreadPoolExecutor(12) as pool:
        ids = list(pool.map(write, range(48)))
    assert len(set(ids)) == 48 and store.count() == 48
    assert sorted(s.label for s in store.samples()) == sorted(i % 10 for i in range(48))


def test_a_writer_killed_mid_write_leaves_a_sound_file(tmp_path):
    """A process adding samples in a loop is killed at a random moment: every sample it had
    committed is complete, and the file passes SQLite's integrity check."""
    path = tmp_path / "samples.sqlite3"
    SampleStore(path)
    writer = subprocess.Popen([sys.executable, "-c", (
        "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; from recognizer.store.samples import "
        "SampleStore; from tests.store.test_samples import drawing; store = SampleStore(Path(sys.argv[2]));\n"
        "while True: store.add(drawing(7), 7)"), str(ROOT), str(path)])
    try:
        deadline = time.monotonic() + 60
        while SampleStore(path).count() < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        writer.kill()
        writer.wait()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    samples = SampleStore(path).samples()
    assert len(samples) >= 5 and all(s.label == 7 and s.model_input.max() > 200 for s in samples)


def test_export_then_import_round_trips(store, tmp_path):
    for digit in (3, 5, 8):
        store.add(drawing(digit), digit)
    exported = store.export_zip()
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert "labels.csv" in archive.namelist() and len(archive.namelist()) == 4
    other = SampleStore(tmp_path / "other.sqlite3")
    assert other.import_zip(exported) == (3, [])
    assert [s.label for s in other.samples()] == [3, 5, 8]
    np.testing.assert_array_equal(other.samples()[1].original, store.samples()[1].original)


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


def test_a_broken_picture_in_a_zip_does_not_stop_the_others(store):
    store.add(drawing(6), 6)
    exported = store.export_zip()
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["images/broken.png"] = b"garbage"
    files["labels.csv"] += b"images/broken.png,2,,,,\n"
    added, problems = store.import_zip(zip_of(files))
    assert added == 1 and len(problems) == 1 and "broken.png" in problems[0]


def test_data_directory_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    assert SampleStore().path.parent == tmp_path / "mine"


def test_samples_page_newest_first(store):
    ids = [store.add(drawing(label), label) for label in range(7)]
    page = store.samples(limit=3, offset=3, newest_first=True)
    assert [s.id for s in page] == ids[::-1][3:6] and [s.label for s in page] == [3, 2, 1]
    assert [s.id for s in store.samples(limit=2)] == ids[:2]
