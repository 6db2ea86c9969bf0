"""Broken copies of the real reports CSV: one bad quote or byte costs one report, named by file and line."""

import csv
import io

import pytest

from medqa.data.cli import main
from medqa.data.csvfile import InputError
from medqa.data.openi import read_kaggle_csv
from medqa.data.records import SkipLog


@pytest.fixture(scope="module")
def real_lines(openi_dir) -> list[str]:
    return (openi_dir / "indiana_reports.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def unquoted(line: str) -> str:
    """The same row with no quoted field (commas inside fields become semicolons)."""
    return ",".join(f.replace(",", ";").replace('"', "") for f in next(csv.reader(io.StringIO(line)))) + "\n"


def open_quote(line: str) -> str:
    """The row with a quote opened at the start of its last field and never closed."""
    head, _, last = line.rstrip("\n").rpartition(",")
    return f'{head},"{last}\n'


def line_of(lines: list[str]) -> dict[str, int]:
    """uid -> the physical line (1-based) its row starts on, for rows that start with a uid."""
    return {line.split(",", 1)[0]: n for n, line in enumerate(lines, start=1) if line[:1].isdigit()}


def test_unterminated_quote_costs_one_report_not_the_rest(real_lines, tmp_path):
    # Row 6 of 40 opens a quote that nothing after it closes: csv alone reads rows 7-40 into its impression.
    lines = real_lines[:7] + [unquoted(line) for line in real_lines[7:41]]
    lines[6] = open_quote(lines[6])
    path = tmp_path / "indiana_reports.csv"
    path.write_text("".join(lines), encoding="utf-8")
    skips = SkipLog()
    reports = read_kaggle_csv(path, None, skips)
    assert len(reports) == 39 and "6" not in {r.uid for r in reports}
    assert skips.counts == {"broken quote in report row": 1}
    assert skips.messages[0].startswith(f"{path}:7: broken quote in report row (field 'impression'")
    assert "reading resumes at line 8" in skips.messages[0]
    assert max(len(r.impression) for r in reports) < 1000  # nobody holds another patient's text
    assert all(r.source == f"{path}:{line_of(lines)[r.uid]}" for r in reports)


def test_line_numbers_stay_exact_after_a_broken_row_in_the_full_file(real_lines, tmp_path):
    lines = list(real_lines)
    lines[6] = open_quote(lines[6])  # closed by row 7's first quoted field: csv alone merges rows 6 and 7
    path = tmp_path / "indiana_reports.csv"
    path.write_text("".join(lines), encoding="utf-8")
    skips = SkipLog()
    reports = read_kaggle_csv(path, None, skips)
    assert len(reports) == 3559 and sum(skips.counts.values()) == 1
    where = line_of(lines)
    assert [r.source for r in reports[5:7]] == [f"{path}:8", f"{path}:9"]
    assert all(r.source == f"{path}:{where[r.uid]}" for r in reports)


def test_a_real_multiline_field_is_kept_and_an_endless_one_is_not(tmp_path):
    path = tmp_path / "r.csv"
    long_field = "\n".join(["Stable postoperative changes of the chest wall."] * 150)
    path.write_text(
        "uid,MeSH,findings,impression\n"
        '1,normal,"Heart size normal.\nLungs clear.",Normal.\n'
        "2,normal,Clear.,Normal.\n"
        f'3,normal,"{long_field}",Normal.\n'
        "4,normal,Clear.,No acute disease.\n", encoding="utf-8")
    skips = SkipLog()
    reports = read_kaggle_csv(path, None, skips)
    assert [(r.uid, r.source) for r in reports] == [("1", f"{path}:2"), ("2", f"{path}:4"), ("4", f"{path}:155")]
    assert reports[0].findings == "Heart size normal. Lungs clear."
    assert skips.messages == [f"{path}:5: broken quote in report row (field 'findings' runs over 150 lines and is far "
                              "longer than any other; lines 5-154 skipped, reading resumes at line 155)"]


def test_a_byte_that_is_not_utf8_costs_its_line_only(real_lines, tmp_path):
    path = tmp_path / "indiana_reports.csv"
    data = bytearray("".join(real_lines[:41]).encode("utf-8"))
    data[data.index(b"\n10,") + 12] = 0xFF  # inside row uid 10, line 11
    path.write_bytes(bytes(data))
    skips = SkipLog()
    reports = read_kaggle_csv(path, None, skips)
    assert len(reports) == 39 and "10" not in {r.uid for r in reports}
    assert skips.messages == [f"{path}:11: undecodable report line (byte 0xff at column 12 is not UTF-8)"]


def test_an_empty_csv_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "indiana_reports.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        read_kaggle_csv(path, None, SkipLog())
    assert main(["build", "--reports", str(path), "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == (f"error: {path}: the file is empty (expected a header line with uid, MeSH, "
                                       "findings, impression)\n")
