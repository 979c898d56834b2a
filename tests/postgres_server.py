"""A real, throw-away PostgreSQL server for tests: Debian's `postgresql` binaries in a temp folder.

`initdb` and `pg_ctl` refuse to run as root, so under root (as in CI) they run as the `postgres`
user through `runuser`, in a folder that user owns. The server listens on localhost only, on a
free port, trusts local connections, and is stopped and deleted afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser_driver import free_port

POSTGRES_ROOT = Path("/usr/lib/postgresql")


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian puts each major version apart)."""
    folders = sorted(POSTGRES_ROOT.glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    return folders[-1].parent if folders else None


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yields the URL of its `postgres` database."""
    binaries = postgres_bin()
    assert binaries is not None, "no PostgreSQL server binaries under /usr/lib/postgresql"
    folder = Path(tempfile.mkdtemp(prefix="digit-lens-postgres-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()

    def run(*command: object) -> None:
        subprocess.run([*as_postgres, *map(str, command)], check=True, capture_output=True, cwd=folder)

    try:
        run(binaries / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8")
        run(binaries / "pg_ctl", "-D", data, "-l", folder / "server.log", "-w", "-t", "60", "-o",
            f"-p {port} -k {folder} -c listen_addresses=localhost", "start")
        try:
            yield f"postgresql://postgres@localhost:{port}/postgres"
        finally:
            run(binaries / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
