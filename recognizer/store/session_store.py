"""An anonymous visitor's corrections: kept in memory for one browser session, then gone.

The app keeps one of these in each anonymous session's state, so nothing of it reaches a disk,
a database or another session; it still answers to an owner like every backend, so the page code
and the contract tests treat it the same. Personal models need a kept identity: signing in.
"""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

from recognizer.errors import InputError
from recognizer.store.interface import Store
from recognizer.store.owners import Owner
from recognizer.store.samples import SampleRecord

SIGN_IN_TO_TRAIN = "Sign in to train a personal model: it is kept with your samples."
MAX_SESSION_SAMPLES = 500  # per visitor: no one can fill the server's memory


class SessionStore(Store):
    """Samples in this process's memory, for as long as the object lives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._rows: dict[int, tuple[str, SampleRecord]] = {}

    def _insert(self, owner: Owner, record: SampleRecord) -> int:
        with self._lock:
            if sum(key == owner.key for key, _ in self._rows.values()) >= MAX_SESSION_SAMPLES:
                raise InputError(f"This browser tab keeps at most {MAX_SESSION_SAMPLES} samples: sign in to keep more.")
            sample_id = next(self._ids)
            self._rows[sample_id] = (owner.key, record)
            return sample_id

    def _owned(self, owner: Owner) -> list[tuple[int, SampleRecord]]:
        with self._lock:
            return [(sample_id, record) for sample_id, (key, record) in sorted(self._rows.items()) if key == owner.key]

    def _records(self, owner: Owner, limit: int | None, offset: int,
                 newest_first: bool) -> list[tuple[int, SampleRecord]]:
        rows = self._owned(owner)[::-1] if newest_first else self._owned(owner)
        return rows[offset:None if limit is None else offset + limit]

    def count(self, owner: Owner) -> int:
        return len(self._owned(owner))

    def delete(self, owner: Owner, sample_id: int) -> bool:
        with self._lock:
            if self._rows.get(sample_id, ("", None))[0] != owner.key:
                return False
            del self._rows[sample_id]
            return True

    def keep_personal_model(self, owner: Owner, model_file: Path) -> str:
        raise InputError(SIGN_IN_TO_TRAIN)

    def personal_models(self, owner: Owner) -> list[str]:
        return []

    def personal_model_file(self, owner: Owner, name: str) -> Path:
        raise LookupError(SIGN_IN_TO_TRAIN)
