"""The user's corrected samples: an SQLite file that many app sessions write at once.

Each sample keeps the picture as given (as a PNG, at most working size), the 28x28 model input
it produced, the right label, what the model answered and how sure it was, the model version and
the time. WAL mode lets readers and one writer work side by side; every write is one
transaction, so a crash mid-write leaves the file as it was before that write. The schema
version is SQLite's `user_version`; `MIGRATIONS[n]` brings a file from version n to n + 1.

Samples travel as a zip of PNGs plus `labels.csv` (export and import), the format `train.py
--fine-tune --samples` also reads.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import time
import zipfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from recognizer.decode import MAX_FILE_BYTES, ImageSource, load_image
from recognizer.errors import InputError
from recognizer.preprocess import mnist_like_input, to_working_size

DATA_DIR_VARIABLE = "DIGIT_LENS_DATA_DIR"
SAMPLES_FILE = "samples.sqlite3"
MAX_IMPORT_FILES = 10_000
MAX_IMPORT_BYTES = 500 * 2**20  # uncompressed: a zip bomb stops here

MIGRATIONS = [
    """CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        created TEXT NOT NULL,
        label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        predicted INTEGER CHECK (predicted BETWEEN 0 AND 9),
        probabilities TEXT NOT NULL,
        model_version TEXT NOT NULL,
        source TEXT NOT NULL,
        original BLOB NOT NULL,
        model_input BLOB NOT NULL
    )""",
]
SCHEMA_VERSION = len(MIGRATIONS)


def default_data_dir() -> Path:
    """`$DIGIT_LENS_DATA_DIR`, else `~/.digit-lens`: user data lives outside the code."""
    return Path(os.environ.get(DATA_DIR_VARIABLE) or Path.home() / ".digit-lens")


def png_bytes(image: np.ndarray) -> bytes:
    """Lossless, and what every image viewer opens (grey, RGB or RGBA uint8)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass(frozen=True)
class Sample:
    """One stored sample; images are decoded arrays (original: grey/RGB/RGBA, model input: uint8 28x28)."""

    id: int
    created: str
    label: int
    predicted: int | None
    probabilities: tuple[float, ...]
    model_version: str
    source: str
    original: np.ndarray
    model_input: np.ndarray


class SampleStore:
    """Samples in one SQLite file. Opens a connection per call, so it is safe from any thread."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_data_dir() / SAMPLES_FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as connection:
            connection.execute("PRAGMA journal_mode=WAL")  # persistent: set once for the file
        with self._connection(write=True) as connection:
            self._migrate(connection)

    @contextmanager
    def _connection(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """One transaction: committed on success, rolled back on any error. A writing one takes
        the write lock at its start (waiting up to 30 s for other writers), so it cannot fail
        half-way on a lock; readers never wait in WAL mode."""
        with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as connection:
            connection.execute("PRAGMA synchronous=FULL")  # a committed sample survives a power cut
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    @staticmethod
    def _migrate(connection: sqlite3.Connection) -> None:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"The samples file has schema version {version}; this Digit Lens reads up to "
                               f"{SCHEMA_VERSION}. Please update Digit Lens.")
        for migration in MIGRATIONS[version:]:
            connection.execute(migration)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def add(self, source: ImageSource, label: int, *, predicted: int | None = None,
            probabilities: tuple[float, ...] = (), model_version: str = "", origin: str = "app") -> int:
        """Store a picture with its right label; returns the sample id. Raises `InputError` for
        a picture that cannot be read or holds no ink."""
        if not 0 <= int(label) <= 9:
            raise InputError(f"A label is a digit 0-9, not {label!r}.")
        picture = to_working_size(load_image(source))
        model_input = mnist_like_input(picture)
        if model_input is None:
            raise InputError("The picture looks blank: there is nothing to learn from.")
        row = (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), int(label), predicted,
               json.dumps([round(p, 6) for p in probabilities]), model_version, origin, png_bytes(picture),
               png_bytes(model_input))
        with self._connection(write=True) as connection:
            cursor = connection.execute(
                "INSERT INTO samples (created, label, predicted, probabilities, model_version, source, original, "
                "model_input) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
            return int(cursor.lastrowid)

    def samples(self, limit: int | None = None, offset: int = 0, newest_first: bool = False) -> list[Sample]:
        """Samples in the order they were kept (or newest first); `limit` and `offset` page
        through them, so a page of the app decodes only the pictures it shows."""
        order = "DESC" if newest_first else "ASC"
        with self._connection() as connection:
            rows = connection.execute("SELECT id, created, label, predicted, probabilities, model_version, source, "
                                      f"original, model_input FROM samples ORDER BY id {order} LIMIT ? OFFSET ?",
                                      (-1 if limit is None else limit, offset)).fetchall()
        return [Sample(id, created, label, predicted, tuple(json.loads(probabilities)), version, source,
                       load_image(original), load_image(model_input))
                for id, created, label, predicted, probabilities, version, source, original, model_input in rows]

    def count(self) -> int:
        with self._connection() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM samples").fetchone()[0])

    def delete(self, sample_id: int) -> bool:
        """Remove one sample; False if there was none with that id."""
        with self._connection(write=True) as connection:
            return connection.execute("DELETE FROM samples WHERE id = ?", (sample_id,)).rowcount == 1

    def export_zip(self) -> bytes:
        """All samples as a zip: `images/<id>.png` (the pictures as given) and `labels.csv`."""
        buffer = io.BytesIO()
        table = io.StringIO()
        writer = csv.writer(table)
        writer.writerow(["file", "label", "predicted", "created", "model_version", "source"])
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            with self._connection() as connection:
                rows = connection.execute("SELECT id, label, predicted, created, model_version, source, original "
                                          "FROM samples ORDER BY id").fetchall()
            for sample_id, label, predicted, created, version, source, original in rows:
                name = f"images/{sample_id:06d}.png"
                archive.writestr(name, original)
                writer.writerow([name, label, "" if predicted is None else predicted, created, version, source])
            archive.writestr("labels.csv", table.getvalue())
        return buffer.getvalue()

    def import_zip(self, data: bytes) -> tuple[int, list[str]]:
        """Add the samples of an exported zip; returns (added, problems) with one sentence per
        file that was skipped, so one bad picture does not lose the others."""
        added, problems = 0, []
        for name, picture, label in read_samples_zip(data):
            try:
                self.add(picture, label, origin="import")
                added += 1
            except InputError as error:
                problems.append(f"{name}: {error}")
        return added, problems


def read_samples_zip(data: bytes) -> Iterator[tuple[str, bytes, int]]:
    """(file name, picture bytes, label) for each row of `labels.csv` in a samples zip.

    Raises `InputError` for a file that is not such a zip; rows that name a missing file or a bad
    label raise too, with the row's file name, since the whole zip is then suspect.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise InputError("This is not a zip file of samples (export one from “My samples”).") from error
    with archive:
        members = {info.filename: info for info in archive.infolist()}
        if "labels.csv" not in members:
            raise InputError("The zip has no labels.csv, so the right digit of each picture is unknown.")
        if len(members) > MAX_IMPORT_FILES or sum(i.file_size for i in members.values()) > MAX_IMPORT_BYTES:
            raise InputError(f"The zip is too large: at most {MAX_IMPORT_FILES} files and "
                             f"{MAX_IMPORT_BYTES // 2**20} MB unpacked.")
        rows = list(csv.DictReader(io.StringIO(archive.read("labels.csv").decode("utf-8", errors="replace"))))
        for row in rows:
            name, label = row.get("file") or "", (row.get("label") or "").strip()
            if name not in members or not label.isdigit() or not 0 <= int(label) <= 9:
                raise InputError(f"labels.csv names {name!r} with label {label!r}: no such picture or not a digit.")
            if members[name].file_size > MAX_FILE_BYTES:
                raise InputError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
            yield name, archive.read(name), int(label)
