"""The project's data tables: tab-separated files with `#` comment lines, each row read with its file and line.

Every table a clinician or a user edits (the lexicon, the vocabulary, the verifier's readings) is read here, so an
error names the line a person sees in the file, comment lines counted.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from pathlib import Path


def read_tsv(path: str | Path, columns: Sequence[str] | None = None, error: type[Exception] = ValueError,
             quoting: int = csv.QUOTE_MINIMAL) -> Iterator[tuple[str, dict]]:
    """(where, row) for each row of the table: `where` is "path:line", the row's own line in the file.

    `error` (naming the file) when the header is not `columns`; `quoting` as csv's (QUOTE_NONE: a `"` is text).
    """
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as f:
        line = 0

        def content() -> Iterator[str]:
            nonlocal line
            for number, text in enumerate(f, 1):
                if not text.startswith("#"):
                    line = number
                    yield text

        reader = csv.DictReader(content(), delimiter="\t", quoting=quoting)
        if columns is not None and tuple(reader.fieldnames or ()) != tuple(columns):
            raise error(f"{path}: columns must be {', '.join(columns)}; got {reader.fieldnames}")
        for row in reader:
            yield f"{path}:{line}", row
