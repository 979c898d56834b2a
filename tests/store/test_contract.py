"""The store contract, written once and run against every backend (see conftest.py): what a
sample keeps, paging, export and import, personal models, and that owners never cross."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from recognizer import InputError
from recognizer.store.interface import Store
from recognizer.store.owners import LOCAL, Owner
from tests.conftest import ROOT
from tests.store.test_samples import drawing, zip_of

ALICE = Owner.signed_in("https://accounts.example.com", "alice-123")
BOB = Owner.signed_in("https://accounts.example.com", "bob-456")
OWNERS_WRITING_AT_ONCE = 20
SAMPLES_WRITTEN_AT_ONCE = 1_000


def test_a_sample_keeps_everything_it_was_given(store):
    picture = drawing(4)
    sample_id = store.add(ALICE, picture, 4, predicted=9, probabilities=(0.1,) * 10, model_version="digits@abc",
                          origin="draw")
    [sample] = store.samples(ALICE)
    assert (sample.id, sample.label, sample.predicted, sample.model_version, sample.source) == (
        sample_id, 4, 9, "digits@abc", "draw")
    assert sample.probabilities == (0.1,) * 10
    np.testing.assert_array_equal(sample.original, picture)  # lossless, alpha kept
    assert sample.model_input.shape == (28, 28) and sample.model_input.max() > 200
    assert sample.created.endswith("Z")


def test_bad_samples_are_refused_with_a_message(store):
    with pytest.raises(InputError, match="0-9"):
        store.add(ALICE, drawing(3), 12)
    with pytest.raises(InputError, match="blank"):
        store.add(ALICE, np.zeros((280, 280, 4), np.uint8), 3)
    with pytest.raises(InputError):
        store.add(ALICE, b"not a picture", 3)
    assert store.count(ALICE) == 0


def test_owners_never_see_each_others_samples(store):
    alice_id = store.add(ALICE, drawing(1), 1)
    bob_id = store.add(BOB, drawing(2), 2)
    assert [s.id for s in store.samples(ALICE)] == [alice_id] and [s.id for s in store.samples(BOB)] == [bob_id]
    assert (store.count(ALICE), store.count(BOB), store.count(LOCAL)) == (1, 1, 0)
    assert not store.delete(ALICE, bob_id), "Alice deleted Bob's sample"
    assert store.count(BOB) == 1
    with zipfile.ZipFile(io.BytesIO(store.export_zip(ALICE))) as archive:
        assert archive.read("labels.csv").decode().count("\n") == 2  # header and Alice's one sample


def test_delete_removes_only_that_sample(store):
    first, second = store.add(ALICE, drawing(1), 1), store.add(ALICE, drawing(2), 2)
    assert store.delete(ALICE, first) and not store.delete(ALICE, first)
    assert [s.id for s in store.samples(ALICE)] == [second]


def test_samples_page_newest_first(store):
    ids = [store.add(ALICE, drawing(label), label) for label in range(7)]
    store.add(BOB, drawing(9), 9)
    page = store.samples(ALICE, limit=3, offset=3, newest_first=True)
    assert [s.id for s in page] == ids[::-1][3:6] and [s.label for s in page] == [3, 2, 1]
    assert [s.id for s in store.samples(ALICE, limit=2)] == ids[:2]


def test_export_then_import_into_another_owner_round_trips(store):
    for digit in (3, 5, 8):
        store.add(ALICE, drawing(digit), digit)
    exported = store.export_zip(ALICE)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        assert "labels.csv" in archive.namelist() and len(archive.namelist()) == 4
    assert store.import_zip(BOB, exported) == (3, [])
    assert [s.label for s in store.samples(BOB)] == [3, 5, 8] and store.count(ALICE) == 3
    np.testing.assert_array_equal(store.samples(BOB)[1].original, store.samples(ALICE)[1].original)


def test_a_broken_picture_in_a_zip_does_not_stop_the_others(store):
    store.add(ALICE, drawing(6), 6)
    with zipfile.ZipFile(io.BytesIO(store.export_zip(ALICE))) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    files["images/broken.png"] = b"garbage"
    files["labels.csv"] += b"images/broken.png,2,,,,\n"
    added, problems = store.import_zip(ALICE, zip_of(files))
    assert added == 1 and len(problems) == 1 and "broken.png" in problems[0]


def test_an_import_zip_cannot_write_outside_its_owners_data(store, tmp_path, monkeypatch):
    """Names that climb out of a folder, absolute paths and an `owner` column in labels.csv:
    the pictures still become only the importer's samples, and no file appears anywhere."""
    monkeypatch.chdir(tmp_path)
    store.add(BOB, drawing(2), 2)
    picture = store.export_zip(BOB)
    with zipfile.ZipFile(io.BytesIO(picture)) as archive:
        png = archive.read(next(name for name in archive.namelist() if name.endswith(".png")))
    hostile = {"../../escaped.png": png, "/tmp/digit-lens-absolute.png": png, "images/../../up.png": png,
               "labels.csv": (b"file,label,owner\n../../escaped.png,2,bob\n/tmp/digit-lens-absolute.png,2,bob\n"
                              b"images/../../up.png,2,bob\n")}
    before = set(tmp_path.rglob("*"))
    added, problems = store.import_zip(ALICE, zip_of(hostile))
    assert (added, problems) == (3, [])
    assert (store.count(ALICE), store.count(BOB)) == (3, 1)
    assert {s.source for s in store.samples(ALICE)} == {"import"}
    new_files = {path for path in set(tmp_path.rglob("*")) - before if "samples.sqlite3" not in path.name}
    assert new_files == set() and not Path("/tmp/digit-lens-absolute.png").exists()


def test_twenty_owners_writing_at_once_lose_nothing_and_never_cross(store):
    owners = [Owner.signed_in("https://issuer.example", f"person-{index}") for index in range(OWNERS_WRITING_AT_ONCE)]
    pictures = [drawing(digit, shift) for digit in range(10) for shift in (0, 9)]

    def write(index: int) -> tuple[Owner, int, str]:
        owner, tag = owners[index % len(owners)], f"write-{index}"
        return owner, store.add(owner, pictures[index % len(pictures)], index % 10, origin=tag), tag

    with ThreadPoolExecutor(OWNERS_WRITING_AT_ONCE) as pool:
        written = list(pool.map(write, range(SAMPLES_WRITTEN_AT_ONCE)))
    assert len({sample_id for _, sample_id, _ in written}) == SAMPLES_WRITTEN_AT_ONCE
    for owner in owners:
        expected = {(sample_id, tag) for who, sample_id, tag in written if who == owner}
        assert {(s.id, s.source) for s in store.samples(owner)} == expected
        assert store.count(owner) == SAMPLES_WRITTEN_AT_ONCE // OWNERS_WRITING_AT_ONCE


WRITER = """
import sys
from recognizer.store.backends import open_store
from recognizer.store.owners import Owner
from tests.store.test_samples import drawing
store, owner, picture = open_store(), Owner(sys.argv[1]), drawing(7)
while True:
    print(store.add(owner, picture, 7), flush=True)
"""


def backend_environment(store: Store) -> dict[str, str]:
    """What makes `open_store()` in a child process open this same store."""
    if hasattr(store, "url"):
        return {"DIGIT_LENS_DATABASE_URL": store.url}
    return {"DIGIT_LENS_DATA_DIR": str(store.path.parent), "DIGIT_LENS_DATABASE_URL": ""}


def test_kill_9_during_writes_loses_only_unacknowledged_writes(kept_store):
    """A process adds samples in a loop and prints each id the store acknowledged; it is killed
    with SIGKILL mid-stream. Every acknowledged sample is there, complete; at most the one write
    in flight may or may not have landed, and nothing of it is half there."""
    environment = {**os.environ, **backend_environment(kept_store), "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, ALICE.key], stdout=subprocess.PIPE, text=True,
                              env=environment, cwd=ROOT)
    acknowledged: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(acknowledged) < 25 and time.monotonic() < deadline:
            acknowledged.append(int(writer.stdout.readline()))
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    acknowledged += [int(line) for line in writer.stdout.read().split()]  # printed before the kill
    kept = {s.id: s for s in kept_store.samples(ALICE)}
    assert set(acknowledged) <= set(kept), "an acknowledged sample was lost"
    assert len(kept) - len(acknowledged) <= 1
    assert all(s.label == 7 and s.model_input.max() > 200 for s in kept.values())


def test_personal_models_belong_to_their_owner(kept_store, tmp_path):
    def trained(name: str, weights: bytes) -> Path:
        folder = tmp_path / "job" / name
        folder.mkdir(parents=True)
        (folder / f"{name}.keras").write_bytes(weights)
        (folder / f"{name}.json").write_text('{"kind": "personal"}')
        (folder / f"{name}.log").write_text("epoch 1/1")
        return folder / f"{name}.keras"

    older = kept_store.keep_personal_model(ALICE, trained("digits-personal-20260101-000000", b"alice old"))
    newer = kept_store.keep_personal_model(ALICE, trained("digits-personal-20260202-000000", b"alice new"))
    bobs = kept_store.keep_personal_model(BOB, trained("digits-personal-20260303-000000", b"bob"))
    assert kept_store.personal_models(ALICE) == [newer, older] and kept_store.personal_models(BOB) == [bobs]
    opened = kept_store.personal_model_file(ALICE, newer)
    assert opened.read_bytes() == b"alice new" and opened.with_suffix(".json").read_text() == '{"kind": "personal"}'
    assert not opened.with_suffix(".log").exists()  # the training log stays with the job
    for name in (bobs, "../" + bobs, f"owners/{BOB.folder_name}/{bobs}", "digits.keras"):
        with pytest.raises(LookupError):
            kept_store.personal_model_file(ALICE, name)
    assert kept_store.personal_models(LOCAL) == []
