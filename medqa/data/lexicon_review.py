"""The lexicon as a clinician reviews it: the table checked, a review sheet, and the answers using unreviewed terms.

The table itself is medqa/vocab/lexicon.tsv (read and checked by medqa.vocab.lexicon_table): heads, qualifiers and
the names composed from them (主动脉|迂曲 for Aorta/tortuous), so a reviewer sees every Chinese term an answer holds.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import Counter
from pathlib import Path

from medqa.core.files import write_atomic
from medqa.vocab.lexicon_table import COLUMNS, HEAD_TABLES, LEXICON_FILE, ROWS, read_lexicon

# The tables that name findings (a subject or a normal statement is no finding term).
_FINDING_NAMES = (*HEAD_TABLES, "anatomy state", "head with qualifier", "qualifier override", "place position",
                  "subject name")


def summary(rows: list[dict]) -> dict:
    """Entries, reviewed entries, and entries per table."""
    return {"entries": len(rows), "reviewed": sum(r["reviewed"] == "yes" for r in rows),
            "per table": dict(Counter(r["table"] for r in rows))}


def write_sheet(path: Path, rows: list[dict]) -> Path:
    """The review sheet: every entry of the table (UTF-8 with BOM, so a spreadsheet opens the Chinese)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return write_atomic(Path(path), "\ufeff" + buffer.getvalue())


@functools.lru_cache(maxsize=1)
def _unreviewed() -> re.Pattern | None:
    names = {r["chinese"].replace("|", "") for r in ROWS if r["reviewed"] != "yes"
             if r["table"] in _FINDING_NAMES}
    names = {n for n in names if len(n) >= 2}
    if not names:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))


def uses_unreviewed(answer: str) -> bool:
    """Whether an answer holds a finding name of the lexicon no clinician has reviewed yet."""
    pattern = _unreviewed()
    return bool(pattern and pattern.search(answer))


def check(path: Path | None = None) -> list[dict]:
    """The checked rows of a lexicon table (the package's own by default)."""
    return read_lexicon(Path(path or LEXICON_FILE))
