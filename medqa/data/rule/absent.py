"""Which negated findings a report is asked about as absent: decided per report, from a fixed table of rates.

"Is there X?" answered "no" must not be guessable from the question alone, so a finding is asked about as absent
about as often as it is asked about as present. The rate of each finding lives in `absent_rates.tsv` (finding
key, rate in [0, 1], how it was measured), so a report's absent questions depend only on that report and the
seed: adding or removing another report never changes them. A finding missing from the table is never asked
about as absent. `python -m medqa.data.rule.rates --reports CSV` measures the rates again on a report file.
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections import Counter
from pathlib import Path

from medqa.core.tables import read_tsv

RATES_FILE = Path(__file__).with_name("absent_rates.tsv")
COLUMNS = ("finding", "rate", "present", "absent")


def report_rng(seed: int, uid: str, purpose: str = "") -> random.Random:
    """A random generator that depends only on the seed and the report (and what it is for)."""
    digest = hashlib.sha256(f"{seed}\x1f{uid}\x1f{purpose}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw(seed: int, uid: str, key: str) -> float:
    """A number in [0, 1) fixed by the seed, the report and the finding."""
    digest = hashlib.sha256(f"{seed}\x1f{uid}\x1f{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@functools.lru_cache(maxsize=4)
def load_rates(path: Path = RATES_FILE) -> dict[str, float]:
    """finding key -> rate; ValueError naming the file and line of a bad row."""
    rates: dict[str, float] = {}
    for where, row in read_tsv(path, COLUMNS):
        try:
            rate = float(row["rate"])
        except (TypeError, ValueError):
            rate = -1.0
        if not row["finding"] or not 0.0 <= rate <= 1.0 or row["finding"] in rates:
            raise ValueError(f"{where}: bad or repeated row {row}")
        rates[row["finding"]] = rate
    return rates


def measure(confirmed: Counter, negated: Counter, absent_per_present: float = 1.0) -> list[dict]:
    """Rows of the table: per negated finding, the rate that asks it as absent about as often as it is present."""
    rows = []
    for key in sorted(negated):
        rate = min(1.0, absent_per_present * confirmed[key] / negated[key]) if negated[key] else 0.0
        rows.append({"finding": key, "rate": f"{rate:.4f}", "present": confirmed[key], "absent": negated[key]})
    return rows
