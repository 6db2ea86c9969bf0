"""Study fixtures: one PostgreSQL server for the whole session, and a fresh database per test on either backend."""

import itertools

import pytest

from tests.helpers.postgres import fresh_database, postgres_server

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server started once per test session (about 2 s) and always stopped."""
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path):
    """An empty study database: a SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "study.db")
    return fresh_database(request.getfixturevalue("postgres_url"), f"t{next(_names)}")
