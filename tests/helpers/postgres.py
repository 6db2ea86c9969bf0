"""A real PostgreSQL server for tests and benchmarks: Debian's postgresql, in a temporary folder, on 127.0.0.1.

PostgreSQL refuses to run as root, and CI runs as root, so the server runs as an unprivileged
user (`nobody` unless $MEDQA_PG_USER says otherwise) that owns a fresh temporary data folder.
It listens on a free port of 127.0.0.1 only, with trust authentication for local TCP (nothing
else can reach it), and is stopped with `immediate` mode and its folder removed on exit.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def pg_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or None."""
    for path in PG_BIN_DIRS:
        if (path / "initdb").is_file() and (path / "pg_ctl").is_file():
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(command: list[str], user: str | None) -> None:
    prefix = ["runuser", "-u", user, "--"] if user else []
    done = subprocess.run(prefix + command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed ({done.returncode}): {done.stderr.strip()[-800:]}")


@contextmanager
def postgres_server(database: str = "medqa"):
    """Start a throw-away server; yield its URL (postgresql://medqa@127.0.0.1:PORT/DATABASE)."""
    bin_dir = pg_bin()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql (.ci/run does)")
    root = Path(tempfile.mkdtemp(prefix="medqa-pg-"))
    user = os.environ.get("MEDQA_PG_USER", "nobody") if os.geteuid() == 0 else None
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    data, port = root / "data", _free_port()
    options = f"-h 127.0.0.1 -p {port} -k {root} -c max_connections=200 -c shared_buffers=32MB"
    try:
        _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "medqa", "--auth=trust", "-E", "UTF8",
              "--locale=C.UTF-8", "--no-sync"], user)
        _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-o", options,
              "-w", "-t", "60", "start"], user)
        try:
            _run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "medqa", database], user)
            yield f"postgresql://medqa@127.0.0.1:{port}/{database}"
        finally:
            _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"], user)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def fresh_database(url: str, name: str) -> str:
    """Create an empty database `name` on the server of `url`; its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name
