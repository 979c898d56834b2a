"""The embedded default backend: one SQLite file that many app sessions write at once.

WAL mode lets readers and one writer work side by side; every write is one transaction, so a
crash mid-write leaves the file as it was before that write. The schema version is SQLite's
`user_version`; `MIGRATIONS[n]` brings a file from version n to n + 1. Version 2 gave every
sample an owner: a file from before belonged to its one local user, so its rows become the
local user's. Personal models are files beside the database: the local user's where they always
were (`models/`), everyone else's in a folder of their own named by a hash of their key.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from recognizer.store.interface import Store
from recognizer.store.owners import LOCAL, LOCAL_KEY, Owner
from recognizer.store.personal_models import is_model_name, move_model_set, personal_models
from recognizer.store.samples import SampleRecord, default_data_dir

SAMPLES_FILE = "samples.sqlite3"
COLUMNS = "created, label, predicted, probabilities, model_version, source, original, model_input"
MIGRATIONS: list[tuple[str, ...]] = [
    ("""CREATE TABLE samples (
        id INTEGER PRIMARY KEY,
        created TEXT NOT NULL,
        label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
        predicted INTEGER CHECK (predicted BETWEEN 0 AND 9),
        probabilities TEXT NOT NULL,
        model_version TEXT NOT NULL,
        source TEXT NOT NULL,
        original BLOB NOT NULL,
        model_input BLOB NOT NULL
    )""",),
    (f"ALTER TABLE samples ADD COLUMN owner TEXT NOT NULL DEFAULT '{LOCAL_KEY}'",
     "CREATE INDEX samples_by_owner ON samples (owner, id)"),
]
SCHEMA_VERSION = len(MIGRATIONS)


class SQLiteStore(Store):
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
            for statement in migration:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _insert(self, owner: Owner, record: SampleRecord) -> int:
        with self._connection(write=True) as connection:
            cursor = connection.execute(f"INSERT INTO samples (owner, {COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                        (owner.key, record.created, record.label, record.predicted,
                                         record.probabilities, record.model_version, record.source,
                                         record.original, record.model_input))
            return int(cursor.lastrowid)

    def _records(self, owner: Owner, limit: int | None, offset: int,
                 newest_first: bool) -> list[tuple[int, SampleRecord]]:
        order = "DESC" if newest_first else "ASC"
        with self._connection() as connection:
            rows = connection.execute(f"SELECT id, {COLUMNS} FROM samples WHERE owner = ? ORDER BY id {order} "
                                      "LIMIT ? OFFSET ?", (owner.key, -1 if limit is None else limit, offset))
            return [(row[0], SampleRecord(*row[1:])) for row in rows.fetchall()]

    def count(self, owner: Owner) -> int:
        with self._connection() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM samples WHERE owner = ?", (owner.key,)).fetchone()[0])

    def delete(self, owner: Owner, sample_id: int) -> bool:
        with self._connection(write=True) as connection:
            return connection.execute("DELETE FROM samples WHERE id = ? AND owner = ?",
                                      (sample_id, owner.key)).rowcount == 1

    def models_dir(self, owner: Owner) -> Path:
        """The local user's models stay in `models/` beside the file, as before owners existed."""
        models = self.path.parent / "models"
        return models if owner == LOCAL else models / "owners" / owner.folder_name

    def keep_personal_model(self, owner: Owner, model_file: Path) -> str:
        return move_model_set(model_file, self.models_dir(owner)).name

    def personal_models(self, owner: Owner) -> list[str]:
        return [path.name for path in personal_models(self.models_dir(owner))]

    def personal_model_file(self, owner: Owner, name: str) -> Path:
        path = self.models_dir(owner) / name
        if not is_model_name(name) or not path.is_file():
            raise LookupError(f"You have no personal model called {name!r}.")
        return path
