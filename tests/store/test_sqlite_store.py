"""The SQLite backend's own promises: WAL, the schema version, migrating a file from before owners."""

from __future__ import annotations

import sqlite3

import pytest

from recognizer.store.owners import LOCAL
from recognizer.store.sqlite_store import MIGRATIONS, SCHEMA_VERSION, SQLiteStore
from tests.store.test_contract import ALICE
from tests.store.test_samples import drawing


def test_file_uses_wal_and_the_current_schema(tmp_path):
    store = SQLiteStore(tmp_path / "samples.sqlite3")
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused_not_damaged(tmp_path):
    path = tmp_path / "samples.sqlite3"
    SQLiteStore(path)
    with sqlite3.connect(path) as connection:
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RuntimeError, match="update Digit Lens"):
        SQLiteStore(path)


def test_a_file_from_before_owners_becomes_the_local_users(tmp_path):
    """Version 1 had no owner: its samples and its models/ folder were the one local user's."""
    old = SQLiteStore(tmp_path / "scratch.sqlite3")
    old.add(LOCAL, drawing(3), 3)
    [(record_id, record)] = old._records(LOCAL, None, 0, False)
    path = tmp_path / "samples.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute(MIGRATIONS[0][0])
        connection.execute("INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           (record_id, record.created, record.label, record.predicted, record.probabilities,
                            record.model_version, record.source, record.original, record.model_input))
        connection.execute("PRAGMA user_version = 1")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "digits-personal-20250101-000000.keras").write_bytes(b"made before owners")
    store = SQLiteStore(path)
    assert [s.label for s in store.samples(LOCAL)] == [3] and store.count(ALICE) == 0
    assert store.personal_models(LOCAL) == ["digits-personal-20250101-000000.keras"]
    assert store.personal_models(ALICE) == []
