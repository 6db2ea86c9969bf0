"""The lexicon as a clinician reviews it: the table checked, a review sheet, and the answers using unreviewed terms.

The table itself is medqa/vocab/lexicon.tsv (read and checked by medqa.vocab.lexicon_table). The review sheet adds
the names the renderer composes from it (主动脉|迂曲 for Aorta/tortuous), so a reviewer sees every Chinese term an
answer can hold; those rows are edited in medqa/vocab/lexicon_table.py.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import Counter
from pathlib import Path

from medqa.core.files import write_atomic
from medqa.vocab.lexicon_table import (
    ANATOMY_STATES,
    COLUMNS,
    HEAD_QUALIFIER_NAMES,
    LEXICON_FILE,
    PLACE_POSITIONS,
    ROWS,
    read_lexicon,
)

_COMPOSED = "composed in medqa/vocab/lexicon_table.py"


def summary(rows: list[dict]) -> dict:
    """Entries, reviewed entries, and entries per table."""
    return {"entries": len(rows), "reviewed": sum(r["reviewed"] == "yes" for r in rows),
            "per table": dict(Counter(r["table"] for r in rows))}


def composed_rows() -> list[dict]:
    """The names the renderer composes from the table's entries, as review-sheet rows (not reviewed)."""
    rows = []
    for (anatomy, state), (zh, key) in ANATOMY_STATES.items():
        rows.append({"table": "anatomy state", "english": f"{anatomy}/{state}".rstrip("/"), "chinese": zh,
                     "kind": "finding", "key": key})
    for (head, qual), zh in HEAD_QUALIFIER_NAMES.items():
        rows.append({"table": "head with qualifier", "english": f"{head}/{qual}", "chinese": zh, "kind": "finding"})
    for (place, position), zh in PLACE_POSITIONS.items():
        rows.append({"table": "place position", "english": f"{place}/{position}", "chinese": zh, "kind": "place"})
    return [{**dict.fromkeys(COLUMNS, ""), **r, "why": _COMPOSED, "reviewed": "no"} for r in rows]


def write_sheet(path: Path, rows: list[dict]) -> Path:
    """The review sheet: every entry of the table, then the composed names (UTF-8 with BOM for spreadsheets)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows + composed_rows())
    return write_atomic(Path(path), "\ufeff" + buffer.getvalue())


@functools.lru_cache(maxsize=1)
def _unreviewed() -> re.Pattern | None:
    names = {r["chinese"].replace("|", "") for r in ROWS if r["reviewed"] != "yes"
             if r["table"] in ("head", "text head")}
    names |= {zh.replace("|", "") for zh, _ in ANATOMY_STATES.values()} | set(HEAD_QUALIFIER_NAMES.values())
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
