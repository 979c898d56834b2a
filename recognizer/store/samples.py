"""A corrected sample and how samples travel: what every store backend keeps, and the zip format.

Each sample keeps the picture as given (as a PNG, at most working size), the 28x28 model input
it produced, the right label, what the model answered and how sure it was, the model version and
the time. Samples travel as a zip of PNGs plus `labels.csv` (export and import), the format
`train.py --fine-tune --samples` also reads. A zip is only ever read in memory: no name inside
it becomes a path on disk, so an archive cannot write anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from recognizer.decode import MAX_FILE_BYTES, ImageSource, load_image
from recognizer.errors import InputError
from recognizer.preprocess import mnist_like_input, to_working_size

DATA_DIR_VARIABLE = "DIGIT_LENS_DATA_DIR"
MAX_IMPORT_FILES = 10_000
MAX_IMPORT_BYTES = 500 * 2**20  # uncompressed: a zip bomb stops here
ZIP_COLUMNS = ["file", "label", "predicted", "created", "model_version", "source"]


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


@dataclass(frozen=True)
class SampleRecord:
    """A sample as every backend stores it: checked, its pictures encoded as PNG bytes."""

    created: str
    label: int
    predicted: int | None
    probabilities: str  # JSON list
    model_version: str
    source: str
    original: bytes
    model_input: bytes

    @classmethod
    def make(cls, source: ImageSource, label: int, *, predicted: int | None, probabilities: tuple[float, ...],
             model_version: str, origin: str) -> SampleRecord:
        """Raises `InputError` for a bad label or a picture that cannot be read or holds no ink,
        before any backend is touched."""
        if not 0 <= int(label) <= 9:
            raise InputError(f"A label is a digit 0-9, not {label!r}.")
        picture = to_working_size(load_image(source))
        model_input = mnist_like_input(picture)
        if model_input is None:
            raise InputError("The picture looks blank: there is nothing to learn from.")
        return cls(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), int(label), predicted,
                   json.dumps([round(p, 6) for p in probabilities]), model_version, origin, png_bytes(picture),
                   png_bytes(model_input))

    def decoded(self, sample_id: int) -> Sample:
        return Sample(sample_id, self.created, self.label, self.predicted, tuple(json.loads(self.probabilities)),
                      self.model_version, self.source, load_image(self.original), load_image(self.model_input))


def samples_zip(rows: Iterable[tuple[int, SampleRecord]]) -> bytes:
    """(id, record) pairs as a zip: `images/<id>.png` (the pictures as given) and `labels.csv`."""
    buffer = io.BytesIO()
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(ZIP_COLUMNS)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sample_id, record in rows:
            name = f"images/{sample_id:06d}.png"
            archive.writestr(name, record.original)
            writer.writerow([name, record.label, "" if record.predicted is None else record.predicted,
                             record.created, record.model_version, record.source])
        archive.writestr("labels.csv", table.getvalue())
    return buffer.getvalue()


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
