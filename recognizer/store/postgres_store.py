"""The server backend: PostgreSQL through psycopg 3, for several app replicas sharing one database.

Chosen by `DIGIT_LENS_DATABASE_URL=postgresql://...`. Every call opens a connection and runs one
transaction, so any thread of any replica may call it, and a sample is acknowledged only after
PostgreSQL committed it (durably, with the default `synchronous_commit`).

Personal models live in the database too, as bytes: every replica already reaches the database,
so a model trained on one replica is at once usable on all of them without a shared file system,
it is kept and backed up with the samples it came from, and it can only be read through a query
that names its owner. Keras and ONNX Runtime load files, so a replica copies a model to a local
cache folder the first time it is opened (named by the content's hash: a replaced model is
fetched again, an unchanged one never).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from recognizer.store.interface import Store
from recognizer.store.owners import Owner
from recognizer.store.personal_models import PERSONAL_MODEL_PREFIX, is_model_name, model_set, write_files_atomically
from recognizer.store.samples import SampleRecord, default_data_dir

COLUMNS = "created, label, predicted, probabilities, model_version, source, original, model_input"
MIGRATIONS: list[tuple[str, ...]] = [
    ("""CREATE TABLE digit_lens_samples (
        id BIGSERIAL PRIMARY KEY,
        owner TEXT NOT NULL,
        created TEXT NOT NULL,
        label SMALLINT NOT NULL CHECK (label BETWEEN 0 AND 9),
        predicted SMALLINT CHECK (predicted BETWEEN 0 AND 9),
        probabilities TEXT NOT NULL,
        model_version TEXT NOT NULL,
        source TEXT NOT NULL,
        original BYTEA NOT NULL,
        model_input BYTEA NOT NULL
    )""",
     "CREATE INDEX digit_lens_samples_by_owner ON digit_lens_samples (owner, id)",
     """CREATE TABLE digit_lens_model_files (
        owner TEXT NOT NULL,
        model TEXT NOT NULL,
        file TEXT NOT NULL,
        digest TEXT NOT NULL,
        data BYTEA NOT NULL,
        PRIMARY KEY (owner, model, file)
    )"""),
]
SCHEMA_VERSION = len(MIGRATIONS)
MIGRATION_LOCK = 20_0001  # a pg_advisory lock id: replicas starting together migrate one at a time


class PostgresStore(Store):
    """Samples and personal models in one PostgreSQL database."""

    def __init__(self, url: str, cache_dir: Path | None = None) -> None:
        self.url = url
        self.cache_dir = cache_dir or default_data_dir() / "model-cache"
        with self._connection() as connection:
            self._migrate(connection)

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with psycopg.connect(self.url, connect_timeout=30) as connection:
            yield connection

    @staticmethod
    def _migrate(connection: psycopg.Connection) -> None:
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        connection.execute("CREATE TABLE IF NOT EXISTS digit_lens_schema (version INTEGER NOT NULL)")
        row = connection.execute("SELECT version FROM digit_lens_schema").fetchone()
        version = 0 if row is None else row[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"The database has Digit Lens schema version {version}; this Digit Lens reads up "
                               f"to {SCHEMA_VERSION}. Please update Digit Lens.")
        for migration in MIGRATIONS[version:]:
            for statement in migration:
                connection.execute(statement)
        connection.execute("DELETE FROM digit_lens_schema")
        connection.execute("INSERT INTO digit_lens_schema (version) VALUES (%s)", (SCHEMA_VERSION,))

    def _insert(self, owner: Owner, record: SampleRecord) -> int:
        with self._connection() as connection:
            row = connection.execute(
                f"INSERT INTO digit_lens_samples (owner, {COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "RETURNING id", (owner.key, record.created, record.label, record.predicted, record.probabilities,
                                 record.model_version, record.source, record.original, record.model_input)).fetchone()
        return int(row[0])

    def _records(self, owner: Owner, limit: int | None, offset: int,
                 newest_first: bool) -> list[tuple[int, SampleRecord]]:
        order = "DESC" if newest_first else "ASC"
        with self._connection() as connection:
            rows = connection.execute(f"SELECT id, {COLUMNS} FROM digit_lens_samples WHERE owner = %s "
                                      f"ORDER BY id {order} LIMIT %s OFFSET %s", (owner.key, limit, offset)).fetchall()
        return [(row[0], SampleRecord(*row[1:7], bytes(row[7]), bytes(row[8]))) for row in rows]

    def count(self, owner: Owner) -> int:
        with self._connection() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM digit_lens_samples WHERE owner = %s",
                                          (owner.key,)).fetchone()[0])

    def delete(self, owner: Owner, sample_id: int) -> bool:
        with self._connection() as connection:
            return connection.execute("DELETE FROM digit_lens_samples WHERE id = %s AND owner = %s",
                                      (sample_id, owner.key)).rowcount == 1

    def keep_personal_model(self, owner: Owner, model_file: Path) -> str:
        with self._connection() as connection:
            for path in model_set(model_file):
                data = path.read_bytes()
                connection.execute(
                    "INSERT INTO digit_lens_model_files (owner, model, file, digest, data) VALUES (%s, %s, %s, %s, %s) "
                    "ON CONFLICT (owner, model, file) DO UPDATE SET digest = EXCLUDED.digest, data = EXCLUDED.data",
                    (owner.key, model_file.name, path.name, hashlib.sha256(data).hexdigest(), data))
        return model_file.name

    def personal_models(self, owner: Owner) -> list[str]:
        with self._connection() as connection:
            rows = connection.execute("SELECT DISTINCT model FROM digit_lens_model_files WHERE owner = %s "
                                      "AND model LIKE %s ORDER BY model DESC",
                                      (owner.key, PERSONAL_MODEL_PREFIX + "%")).fetchall()
        return [row[0] for row in rows]

    def personal_model_file(self, owner: Owner, name: str) -> Path:
        with self._connection() as connection:
            digests = connection.execute("SELECT file, digest FROM digit_lens_model_files WHERE owner = %s AND "
                                         "model = %s ORDER BY file", (owner.key, name)).fetchall()
            if not is_model_name(name) or name not in {file for file, _ in digests}:
                raise LookupError(f"You have no personal model called {name!r}.")
            version = hashlib.sha256("".join(digest for _, digest in digests).encode()).hexdigest()[:16]
            folder = self.cache_dir / owner.folder_name / version
            if not (folder / name).is_file():
                files = connection.execute("SELECT file, data FROM digit_lens_model_files WHERE owner = %s AND "
                                           "model = %s ORDER BY file = %s, file", (owner.key, name, name)).fetchall()
                write_files_atomically(folder, [(file, bytes(data)) for file, data in files])  # model file last
        return folder / name
