"""A real, throw-away PostgreSQL server for tests: Debian's `postgresql` binaries in a temp folder.

`initdb` and `pg_ctl` refuse to run as root, so under root (as in CI) they run as the `postgres`
user through `runuser`, in a folder that user owns. The server listens on localhost only, on a
free port, trusts local connections, and is stopped and deleted afterwards. A test may also
kill it with SIGKILL and start it again, as a crashed database server comes back.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.browser_driver import free_port

POSTGRES_ROOT = Path("/usr/lib/postgresql")


def postgres_bin() -> Path | None:
    """The newest installed server's bin folder (Debian puts each major version apart)."""
    folders = sorted(POSTGRES_ROOT.glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name))
    return folders[-1].parent if folders else None


class PostgresServer:
    """One server in a folder of its own; `kill()` is `kill -9` of it and all its processes."""

    def __init__(self, binaries: Path) -> None:
        self.binaries, self.folder = binaries, Path(tempfile.mkdtemp(prefix="digit-lens-postgres-"))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        self.url = f"postgresql://postgres@localhost:{self.port}/postgres"
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8")

    def _run(self, program: str, *arguments: object) -> None:
        subprocess.run([*self.as_postgres, str(self.binaries / program), *map(str, arguments)], check=True,
                       capture_output=True, cwd=self.folder)

    def start(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-l", self.folder / "server.log", "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.folder} -c listen_addresses=localhost", "start")

    def kill(self) -> None:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout.split()
        for pid in [postmaster, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in [postmaster, *map(int, children)]):
            assert time.monotonic() < deadline, "PostgreSQL did not die"
            time.sleep(0.05)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started server, stopped and deleted afterwards."""
    binaries = postgres_bin()
    assert binaries is not None, "no PostgreSQL server binaries under /usr/lib/postgresql"
    server = PostgresServer(binaries)
    try:
        server.start()
        yield server
    finally:
        server.stop()
