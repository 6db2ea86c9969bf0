"""Study fixtures: a fresh database per test on either backend (the PostgreSQL server is tests/conftest.py's)."""

import itertools

import pytest

from tests.helpers.postgres import fresh_database

_names = itertools.count(1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request, tmp_path):
    """An empty study database: a SQLite file, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        return str(tmp_path / "study.db")
    return fresh_database(request.getfixturevalue("postgres_url"), f"t{next(_names)}")
