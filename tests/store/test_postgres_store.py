"""The PostgreSQL backend's own promises and the choice of backend by environment variable."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from recognizer.store.backends import open_store
from recognizer.store.postgres_store import SCHEMA_VERSION, PostgresStore
from recognizer.store.sqlite_store import SQLiteStore
from tests.postgres_server import postgres_server
from tests.store.conftest import require_postgres
from tests.store.test_contract import ALICE
from tests.store.test_samples import drawing


def test_the_database_url_chooses_postgresql_and_replicas_share_it(postgres_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DIGIT_LENS_DATABASE_URL", postgres_url)
    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(tmp_path))
    one, other = open_store(), open_store()  # two replicas starting side by side
    assert isinstance(one, PostgresStore)
    sample_id = one.add(ALICE, drawing(5), 5)
    assert [s.id for s in other.samples(ALICE)] == [sample_id]
    assert not (tmp_path / "samples.sqlite3").exists()


def test_without_a_database_url_the_store_is_sqlite(monkeypatch, tmp_path):
    monkeypatch.delenv("DIGIT_LENS_DATABASE_URL", raising=False)
    monkeypatch.setenv("DIGIT_LENS_DATA_DIR", str(tmp_path))
    assert isinstance(open_store(), SQLiteStore) and (tmp_path / "samples.sqlite3").exists()


def test_an_unknown_database_url_is_refused(monkeypatch):
    monkeypatch.setenv("DIGIT_LENS_DATABASE_URL", "mysql://somewhere/db")
    with pytest.raises(ValueError, match="postgresql://"):
        open_store()


def test_a_newer_schema_is_refused_not_damaged(postgres_url, tmp_path):
    PostgresStore(postgres_url, cache_dir=tmp_path)
    with psycopg.connect(postgres_url) as connection:
        connection.execute("UPDATE digit_lens_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(RuntimeError, match="update Digit Lens"):
        PostgresStore(postgres_url, cache_dir=tmp_path)


def test_a_replaced_model_is_fetched_again_from_the_database(postgres_url, tmp_path):
    """Replicas cache model files; the cache is keyed by content, so it never serves stale bytes."""
    store = PostgresStore(postgres_url, cache_dir=tmp_path / "cache")
    model = tmp_path / "digits-personal-20260101-000000.keras"
    model.write_bytes(b"first")
    name = store.keep_personal_model(ALICE, model)
    assert store.personal_model_file(ALICE, name).read_bytes() == b"first"
    model.write_bytes(b"second")
    store.keep_personal_model(ALICE, model)
    assert store.personal_model_file(ALICE, name).read_bytes() == b"second"


def test_the_database_server_killed_mid_write_keeps_every_acknowledged_sample(tmp_path):
    """kill -9 of PostgreSQL itself (all its processes) while a writer adds samples: after the
    restart, every sample the store had acknowledged is there; the write in flight failed loudly
    and is either wholly there or not at all."""
    require_postgres()
    with postgres_server() as server:
        store = PostgresStore(server.url, cache_dir=tmp_path)
        acknowledged: list[int] = []
        failure: list[BaseException] = []

        def write() -> None:
            picture = drawing(7)
            try:
                while True:
                    acknowledged.append(store.add(ALICE, picture, 7))
            except psycopg.OperationalError as error:
                failure.append(error)

        writer = threading.Thread(target=write)
        writer.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.kill()
        writer.join(60)
        assert failure, "the writer did not notice the database was gone"
        server.start()
        kept = {s.id for s in store.samples(ALICE)}
        assert len(acknowledged) >= 20 and set(acknowledged) <= kept
        assert len(kept - set(acknowledged)) <= 1
