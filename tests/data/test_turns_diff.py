"""bench/turns_diff.py: the turns a landing build adds to or removes from the blind-read build."""

import json
import runpy

import pytest

from tests.helpers.paths import REPO

DIFF = runpy.run_path(str(REPO / "bench/turns_diff.py"))


def _build(folder, turns):
    folder.mkdir()
    lines = []
    for uid, question, answer in turns:
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": question}]},
                    {"role": "assistant", "content": [{"type": "text", "text": answer}]}]
        lines.append(json.dumps({"uid": uid, "messages": messages}, ensure_ascii=False))
    (folder / "fold_0.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "dataset.json").write_text('{"folds": 1}', encoding="utf-8")


def test_counts_added_and_removed_turns(tmp_path, capsys):
    _build(tmp_path / "a", [("1", "有积液吗？", "可见积液。"), ("2", "正常吗？", "正常。")])
    _build(tmp_path / "b", [("1", "有积液吗？", "可见积液。"), ("3", "有结节吗？", "未见结节。")])
    assert DIFF["main"]([str(tmp_path / "a"), str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "distinct turns added 1, removed 1 (of 1 reports)" in out
    assert "added: 3 | 有结节吗？ | 未见结节。" in out and "removed: 2 | 正常吗？ | 正常。" in out


def test_a_bad_line_is_named_by_file_and_line(tmp_path):
    _build(tmp_path / "a", [("1", "q", "a")])
    _build(tmp_path / "b", [("1", "q", "a")])
    (tmp_path / "b/fold_0.jsonl").write_text('{"uid": "1", "messages": []}\n{oops\n', encoding="utf-8")
    with pytest.raises(SystemExit, match=r"fold_0.jsonl:2: not JSON"):
        DIFF["main"]([str(tmp_path / "a"), str(tmp_path / "b")])
