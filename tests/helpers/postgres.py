"""A real PostgreSQL server for tests and benchmarks: Debian's postgresql, in a temporary folder, on 127.0.0.1.

PostgreSQL refuses to run as root, and CI runs as root, so the server runs as an unprivileged
user (`nobody` unless $MEDQA_PG_USER says otherwise) that owns a fresh temporary data folder.
It listens on a free port of 127.0.0.1 only, with trust authentication for local TCP (nothing
else can reach it), and is stopped with `immediate` mode and its folder removed on exit.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.net import free_port

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    for path in PG_BIN_DIRS:
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    return None


def _run(command: list[str], user: str | None) -> None:
    prefix = ["runuser", "-u", user, "--"] if user else []
    done = subprocess.run(prefix + command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed ({done.returncode}): {done.stderr.strip()[-800:]}")


class PostgresServer:
    """A started server: `url`, and `stop()` / `start()` to take it down and bring it back on the same port and
    data (what a restart or a failover looks like to the app)."""

    def __init__(self, bin_dir: Path, data: Path, root: Path, port: int, user: str | None, database: str) -> None:
        self.bin_dir, self.data, self.root, self.port, self.user = bin_dir, data, root, port, user
        self.url = f"postgresql://medqa@127.0.0.1:{port}/{database}"

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -c max_connections=200 -c shared_buffers=32MB"
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
              "-w", "-t", "60", "start"], self.user)

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: clients are disconnected, as in a restart; `immediate`: as in a crash)."""
        _run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"], self.user)


@contextmanager
def postgres_instance(database: str = "medqa"):
    """Start a throw-away server; yield its PostgresServer (stopped and removed on exit)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="medqa-pg-"))
    user = os.environ.get("MEDQA_PG_USER", "nobody") if os.geteuid() == 0 else None
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = PostgresServer(bin_dir, root / "data", root, free_port(), user, database)
    try:
        _run([str(bin_dir / "initdb"), "-D", str(server.data), "-U", "medqa", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"], user)
        server.start()
        try:
            _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(server.port), "-U", "medqa", database],
                 user)
            yield server
        finally:
            with contextlib.suppress(RuntimeError):  # already stopped by the test
                server.stop("immediate")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_server(database: str = "medqa"):
    """Start a throw-away server; yield its URL (postgresql://medqa@127.0.0.1:PORT/DATABASE)."""
    with postgres_instance(database) as server:
        yield server.url


def fresh_database(url: str, name: str) -> str:
    """Create an empty database `name` on the server of `url`; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name
