"""Which backend keeps the samples: chosen by one environment variable, as MLflow chooses by URI.

Unset, the embedded SQLite file under `$DIGIT_LENS_DATA_DIR` (nothing to install or run);
`DIGIT_LENS_DATABASE_URL=postgresql://user:password@host/db` for several replicas sharing one
database. Anything else is refused at start-up rather than silently kept in the wrong place.
"""

from __future__ import annotations

import os

from recognizer.store.interface import Store

DATABASE_URL_VARIABLE = "DIGIT_LENS_DATABASE_URL"
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store() -> Store:
    url = os.environ.get(DATABASE_URL_VARIABLE, "").strip()
    if not url:
        from recognizer.store.sqlite_store import SQLiteStore

        return SQLiteStore()
    if url.startswith(POSTGRES_SCHEMES):
        from recognizer.store.postgres_store import PostgresStore  # psycopg is loaded only when used

        return PostgresStore(url)
    raise ValueError(f"{DATABASE_URL_VARIABLE} must be a postgresql:// URL (or unset for SQLite), "
                     f"not {url.split(':', 1)[0]}:...")
