"""Fixtures for the data-stage tests: the real shared Open-i files and the synthetic XML fixtures."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OPENI = REPO.parent / "shared" / "data" / "openi"
XML_FIXTURES = REPO / "tests" / "fixtures" / "ecgen-radiology"


@pytest.fixture(scope="session")
def openi_dir() -> Path:
    """The real Open-i files beside the checkout; missing data is a failure, never a quiet skip."""
    if not (OPENI / "indiana_reports.csv").is_file():
        pytest.fail(f"real Open-i data not found at {OPENI}: the tests read ../shared/data/openi beside the repo")
    return OPENI


@pytest.fixture(scope="session")
def xml_dir() -> Path:
    return XML_FIXTURES
