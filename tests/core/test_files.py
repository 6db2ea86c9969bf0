"""Atomic writes: a write that fails or is interrupted leaves the old file and no temporary file."""

import pytest

from medqa.core import files
from medqa.core.files import write_atomic


def test_a_failed_write_keeps_the_old_file_and_leaves_no_tmp(tmp_path, monkeypatch):
    path = tmp_path / "fold_0.jsonl"
    write_atomic(path, "old\n")

    def interrupted(src, dst):
        raise OSError(28, "No space left on device")  # fails between writing the temporary file and the rename

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(path, "new\n")
    monkeypatch.undo()
    assert path.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["fold_0.jsonl"]
    assert write_atomic(path, "new\n").read_text() == "new\n"
