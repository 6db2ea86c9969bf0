"""Where the tests find the repository and the real Open-i data (../shared beside the checkout, never copied in)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OPENI = REPO.parent / "shared" / "data" / "openi"
XML_FIXTURES = REPO / "tests" / "fixtures" / "ecgen-radiology"
SLAKE_FIXTURE = REPO / "tests" / "fixtures" / "slake"
