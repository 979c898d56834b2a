"""Every backend the store contract runs on: SQLite, a real PostgreSQL server, a session's memory."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from recognizer.store.interface import Store
from recognizer.store.session_store import SessionStore
from recognizer.store.sqlite_store import SQLiteStore
from tests.conftest import require
from tests.postgres_server import postgres_bin, postgres_server

KEPT_BACKENDS = ["sqlite", "postgres"]  # the ones that outlive the process: samples and models
ALL_BACKENDS = [*KEPT_BACKENDS, "session"]
DATABASE_NUMBERS = itertools.count()


def require_postgres() -> None:
    """Skip on a machine without PostgreSQL's server; fail in CI, whose set-up installs it."""
    require(postgres_bin() is not None, "PostgreSQL's server binaries (apt-get install postgresql)")


@pytest.fixture(scope="session")
def postgres_base_url() -> Iterator[str]:
    require_postgres()
    with postgres_server() as server:
        yield server.url


@pytest.fixture
def postgres_url(postgres_base_url) -> Iterator[str]:
    """A fresh, empty database on the session's server for one test."""
    import psycopg

    name = f"test_{next(DATABASE_NUMBERS)}"
    with psycopg.connect(postgres_base_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield postgres_base_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(postgres_base_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE {name} WITH (FORCE)")


def make_store(backend: str, request: pytest.FixtureRequest) -> Store:
    tmp_path = request.getfixturevalue("tmp_path")
    if backend == "sqlite":
        return SQLiteStore(tmp_path / "samples.sqlite3")
    if backend == "postgres":
        from recognizer.store.postgres_store import PostgresStore

        return PostgresStore(request.getfixturevalue("postgres_url"), cache_dir=tmp_path / "model-cache")
    return SessionStore()


@pytest.fixture(params=ALL_BACKENDS)
def store(request) -> Store:
    return make_store(request.param, request)


@pytest.fixture(params=KEPT_BACKENDS)
def kept_store(request) -> Store:
    return make_store(request.param, request)
