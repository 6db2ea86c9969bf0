"""Reading a CSV file so that one bad line or one broken quote costs one record, never the rest of the file.

Python's csv module, given a field whose opening quote is never closed, reads every later line
into that field: rows vanish without a word and one record carries other patients' text. Here
each record is parsed on its own from a list of physical lines, and a record that spans lines is
checked before it is used: an unbalanced quote, a continuation line that looks like the next row
(the header's number of fields and the next uid in sequence), a wrong number of fields, or a field
far longer than any other, mean the record is skipped and reading resumes at the next line that
starts a row. Lines that are not UTF-8 are skipped one by one. Every skip names file and line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from medqa.data.records import SkipLog

BOM = b"\xef\xbb\xbf"
MAX_RECORD_LINES = 200  # no report spans this many lines; a record that does has swallowed rows
LONG_FIELD_FACTOR, LONG_FIELD_MIN = 8, 4000  # "far longer": 8x the longest field so far, and 4,000+ chars


class InputError(ValueError):
    """An input file that cannot be used at all (missing, empty, or missing required columns)."""


@dataclass
class CsvRow:
    """One record: its first physical line (1-based) and its values by column name."""

    line: int
    values: dict[str, str]


class _Undecodable(Exception):
    def __init__(self, index: int) -> None:
        super().__init__(index)
        self.index = index


def _decode(line: bytes) -> str | None:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_error(line: bytes) -> str:
    """Which byte of `line` is not UTF-8, and at which column."""
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = len(line[: exc.start].decode("utf-8", "replace")) + 1
        return f"byte 0x{line[exc.start]:02x} at column {column} is not UTF-8"
    return "not UTF-8"


class CsvLines:
    """A CSV file as decoded physical lines, read record by record; see the module doc."""

    def __init__(self, path: Path, required: tuple[str, ...], key: str, skips: SkipLog, what: str) -> None:
        self.path, self.key, self.skips, self.what = Path(path), key, skips, what
        if not self.path.is_file():
            raise InputError(f"{self.path}: file not found")
        raw = self.path.read_bytes().removeprefix(BOM)
        self.raw_lines = raw.splitlines(keepends=True)
        self.lines = [_decode(line) for line in self.raw_lines]
        if not self.raw_lines or not raw.strip():
            raise InputError(f"{self.path}: the file is empty (expected a header line with {', '.join(required)})")
        if self.lines[0] is None:
            raise InputError(f"{self.path}:1: header line: {_decode_error(self.raw_lines[0])}")
        self.header = next(csv.reader([self.lines[0]]))
        missing = [c for c in required if c not in self.header]
        if missing:
            raise InputError(f"{self.path}: missing column(s) {', '.join(missing)}; found {self.header}")
        self.longest = 0  # the longest field of any record accepted so far

    def where(self, index: int) -> str:
        return f"{self.path}:{index + 1}"

    def rows(self) -> Iterator[CsvRow]:
        """Every readable record in file order; the rest go to the skip log."""
        i = 1
        while i < len(self.lines):
            if self.lines[i] is None:
                self.skips.skip(f"undecodable {self.what} line", self.where(i), _decode_error(self.raw_lines[i]))
                i += 1
                continue
            if not self.lines[i].strip():
                i += 1
                continue
            i, row = self._record(i)
            if row is not None:
                yield row

    def _record(self, i: int) -> tuple[int, CsvRow | None]:
        """Parse the record starting at line index `i`: (index of the next record, the row or None)."""
        try:
            fields, used = self._parse(i)
        except _Undecodable as exc:
            also = f"; the record from line {i + 1} is skipped with it" if exc.index > i else ""
            self.skips.skip(f"undecodable {self.what} line", self.where(exc.index),
                            _decode_error(self.raw_lines[exc.index]) + also)
            return exc.index + 1, None
        except csv.Error as exc:
            self.skips.skip(f"unreadable {self.what} row", self.where(i), str(exc))
            return i + 1, None
        problem = self._problem(fields, i, used)
        if problem is not None:
            resume = self._next_row_start(i, used, fields)
            lost = f"line {i + 1}" if resume == i + 1 else f"lines {i + 1}-{resume}"
            reason = f"broken quote in {self.what} row" if used > 1 else f"unreadable {self.what} row"
            self.skips.skip(reason, self.where(i),
                            f"{problem}; {lost} skipped, reading resumes at line {resume + 1}")
            return resume, None
        self.longest = max([self.longest, *map(len, fields)])
        return i + used, CsvRow(i + 1, dict(zip(self.header, fields, strict=True)))

    def _parse(self, i: int) -> tuple[list[str], int]:
        """One record from line index `i` on: (fields, lines used)."""
        def feed():
            for j in range(i, min(len(self.lines), i + MAX_RECORD_LINES)):
                if self.lines[j] is None:
                    raise _Undecodable(j)
                yield self.lines[j]

        reader = csv.reader(feed())
        return next(reader), reader.line_num

    def _problem(self, fields: list[str], i: int, used: int) -> str | None:
        """Why the record at line index `i` (spanning `used` lines) cannot be trusted, or None."""
        if used > 1:
            text = "".join(self.lines[i : i + used])
            opened = next((name for name, value in zip(self.header, fields, strict=False) if "\n" in value
                           or "\r" in value), "?")
            start = self._first_row_start(i + 1, i + used, fields)
            if start is not None:
                return (f"field {opened!r} runs over {used} lines and line {start + 1} looks like the start of "
                        f"the next row")
            if text.count('"') % 2:
                return f"field {opened!r} opens a quote that is never closed"
            limit = max(LONG_FIELD_MIN, LONG_FIELD_FACTOR * self.longest)
            long_field = next((name for name, value in zip(self.header, fields, strict=False)
                               if len(value) > limit), None)
            if long_field:
                return f"field {long_field!r} runs over {used} lines and is far longer than any other"
        if len(fields) != len(self.header):
            return f"{len(fields)} fields where the header has {len(self.header)}"
        return None

    def _looks_like_row(self, j: int, uid: str) -> bool:
        """Whether line index `j` alone parses as a full row whose key comes after `uid`."""
        line = self.lines[j]
        if line is None:
            return False
        fields = next(csv.reader([line]), [])
        if len(fields) != len(self.header):
            return False
        candidate = fields[self.header.index(self.key)].strip()
        if not candidate:
            return False
        if uid.isdigit() and candidate.isdigit():
            return int(candidate) > int(uid)
        return candidate != uid

    def _first_row_start(self, start: int, stop: int, fields: list[str]) -> int | None:
        uid = fields[self.header.index(self.key)].strip() if len(fields) > self.header.index(self.key) else ""
        return next((j for j in range(start, stop) if self._looks_like_row(j, uid)), None)

    def _next_row_start(self, i: int, used: int, fields: list[str]) -> int:
        """Where to resume after a bad record at line index `i`: the first line inside it that starts a row,
        else the line after it (a record that swallowed no row costs only its own lines)."""
        found = self._first_row_start(i + 1, i + used, fields)
        return found if found is not None else i + used
