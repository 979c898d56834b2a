"""The one store interface: samples and personal models, with an owner on every operation.

A backend implements a few primitives (insert, read a page, count, delete, and keeping and
opening model files), every one filtered by the owner it is given; adding, exporting and
importing are written once here on top of them. No operation lists or opens anything without
an owner, so no code path can reach another person's data. The contract tests in
`tests/store/` run the same checks against every backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

from recognizer.decode import ImageSource
from recognizer.errors import InputError
from recognizer.store.owners import Owner
from recognizer.store.samples import Sample, SampleRecord, read_samples_zip, samples_zip


class Store(ABC):
    """Samples and personal models of many owners; safe to share between threads."""

    def add(self, owner: Owner, source: ImageSource, label: int, *, predicted: int | None = None,
            probabilities: tuple[float, ...] = (), model_version: str = "", origin: str = "app") -> int:
        """Keep a picture with its right label for `owner`; returns the sample id. Raises
        `InputError` for a picture that cannot be read or holds no ink."""
        record = SampleRecord.make(source, label, predicted=predicted, probabilities=probabilities,
                                   model_version=model_version, origin=origin)
        return self._insert(owner, record)

    def samples(self, owner: Owner, limit: int | None = None, offset: int = 0,
                newest_first: bool = False) -> list[Sample]:
        """`owner`'s samples in the order they were kept (or newest first); `limit` and `offset`
        page through them, so a page of the app decodes only the pictures it shows."""
        return [record.decoded(sample_id) for sample_id, record in self._records(owner, limit, offset, newest_first)]

    def export_zip(self, owner: Owner) -> bytes:
        """All of `owner`'s samples as a zip of PNGs plus `labels.csv`."""
        return samples_zip(self._records(owner, None, 0, False))

    def import_zip(self, owner: Owner, data: bytes) -> tuple[int, list[str]]:
        """Add the samples of an exported zip to `owner`'s; returns (added, problems) with one
        sentence per file that was skipped, so one bad picture does not lose the others. Whatever
        the zip holds, it only becomes `owner`'s samples: nothing of it is written to disk."""
        added, problems = 0, []
        for name, picture, label in read_samples_zip(data):
            try:
                self.add(owner, picture, label, origin="import")
                added += 1
            except InputError as error:
                problems.append(f"{name}: {error}")
        return added, problems

    @abstractmethod
    def _insert(self, owner: Owner, record: SampleRecord) -> int:
        """Store one record in one transaction; returns its id once it is durable."""

    @abstractmethod
    def _records(self, owner: Owner, limit: int | None, offset: int,
                 newest_first: bool) -> list[tuple[int, SampleRecord]]:
        """(id, record) of `owner`'s samples, in id order."""

    @abstractmethod
    def count(self, owner: Owner) -> int:
        """How many samples `owner` has."""

    @abstractmethod
    def delete(self, owner: Owner, sample_id: int) -> bool:
        """Remove one of `owner`'s samples; False if `owner` has none with that id."""

    @abstractmethod
    def keep_personal_model(self, owner: Owner, model_file: Path) -> str:
        """Keep a fine-tuned model (its file and the files beside it with the same stem: card,
        converted forms) as `owner`'s; returns its name."""

    @abstractmethod
    def personal_models(self, owner: Owner) -> list[str]:
        """Names of `owner`'s personal models, newest first (their names hold the time)."""

    @abstractmethod
    def personal_model_file(self, owner: Owner, name: str) -> Path:
        """A local file of `owner`'s model `name`, with its companion files beside it; raises
        `LookupError` if `owner` has no model of that name."""
