"""Data tables (medqa.core.tables): every row is named by its own line in the file, comment lines counted."""

import pytest

from medqa.core.tables import read_tsv
from medqa.data.verify.places import load_places
from medqa.data.verify.reader import TableError


def test_rows_keep_their_file_lines_across_comments(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("# about the table\n# who reviewed it\na\tb\n1\t2\n# a note between rows\n3\t4\n", encoding="utf-8")
    rows = list(read_tsv(path, ("a", "b")))
    assert rows == [(f"{path}:4", {"a": "1", "b": "2"}), (f"{path}:6", {"a": "3", "b": "4"})]
    with pytest.raises(KeyError, match=r"columns must be a, c; got \['a', 'b'\]"):
        list(read_tsv(path, ("a", "c"), KeyError))


def test_a_bad_row_of_a_project_table_names_its_line(tmp_path):
    path = tmp_path / "places.tsv"
    path.write_text("# the verifier's places\nzh\tside\tpart\n肺门\tboth\tno\n# next\n肺尖\tnowhere\tno\n",
                    encoding="utf-8")
    load_places.cache_clear()
    with pytest.raises(TableError, match=f"^{path}:5: "):
        load_places(path)
