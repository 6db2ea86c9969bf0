"""The lexicon as data: one table a clinician reviews, checked and exported by `python -m medqa.data lexicon`, and the
card counts the answers that use terms nobody has reviewed."""

import csv

import pytest

from medqa.data.cli import main
from medqa.data.lexicon_review import uses_unreviewed
from medqa.vocab.lexicon_table import COLUMNS, HEADS, QUALIFIERS, LexiconError, read_lexicon


def test_heads_and_qualifiers_come_from_the_table_file():
    rows = read_lexicon()
    assert {r["english"] for r in rows if r["table"] == "head"} == set(HEADS)
    assert {r["english"] for r in rows if r["table"] == "qualifier"} == set(QUALIFIERS)
    assert all(r["reviewed"] in ("yes", "no") for r in rows)


@pytest.mark.parametrize(("row", "message"), [
    ("head\tPneumothorax\t气胸\tfinding\t\tyes\t\t\tno\t", "lower case"),
    ("head\tpneumothorax\tpneumothorax\tfinding\t\tyes\t\t\tno\t", "no Chinese"),
    ("head\tx\t某\tdisease\t\t\t\t\tno\t", "kind 'disease'"),
    ("qualifier\tx\t某\tseverity\t\t\t\t\tmaybe\t", "reviewed must be yes or no"),
])
def test_a_bad_row_is_named_by_file_and_line(tmp_path, row, message):
    path = tmp_path / "lexicon.tsv"
    path.write_text("# a comment\n" + "\t".join(COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=rf"lexicon.tsv:3: .*{message}"):
        read_lexicon(path)


def test_cli_checks_and_exports_the_review_sheet(tmp_path, capsys):
    sheet = tmp_path / "sheet.csv"
    assert main(["lexicon", "--out", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert f"{len(read_lexicon())} entries" in out and "reviewed by a clinician: 0" in out
    with sheet.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {"head", "qualifier", "anatomy state"} <= {r["table"] for r in rows}
    assert any(r["english"] == "aorta/tortuous" and r["chinese"] == "主动脉|迂曲" for r in rows)
    bad = tmp_path / "bad.tsv"
    bad.write_text("\t".join(COLUMNS[:-1]) + "\n", encoding="utf-8")
    assert main(["lexicon", "--table", str(bad)]) == 2
    assert "columns must be" in capsys.readouterr().err


def test_answers_with_unreviewed_terms_are_recognised():
    assert uses_unreviewed("可见左侧少量胸腔积液。")
    assert not uses_unreviewed("这是侧位胸片。")


def test_subjects_and_normal_statements_come_from_the_table_too():
    from medqa.vocab.subjects import NORMAL_PREDICATES, SUBJECTS

    rows = read_lexicon()
    heart = next(r for r in rows if r["table"] == "subject" and r["english"] == "heart")
    assert SUBJECTS.match(("heart",), 0) == (1, (heart["chinese"], heart["key"], (), heart["kind"]))
    size = next(r for r in rows if r["table"] == "normal predicate" and r["english"].startswith("normal in size;"))
    assert NORMAL_PREDICATES.match(("normal", "in", "size"), 0) == (3, size["chinese"])


def test_the_english_vocabulary_is_data_and_a_bad_row_is_named(tmp_path):
    from medqa.vocab.words import FINDING_NOUNS, read_words

    rows = read_words()
    assert {r["english"] for r in rows if r["table"] == "finding noun"} == set(FINDING_NOUNS)
    bad = tmp_path / "words.tsv"
    bad.write_text("# a comment\ntable\tenglish\tvalue\tqualifiers\nfinding noun\tNodule\tnodule\t\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"words.tsv:3: .*lower case"):
        read_words(bad)


def test_the_clause_cues_are_data_and_a_bad_row_is_named(tmp_path):
    from medqa.vocab.clauses import read_cues

    cues = read_cues()
    assert next(v for k, v in cues["negation cue"].items() if k.startswith("no;")) == "未见{}"
    assert all(len(v) == 2 and v[0] in ("weak", "strong") for v in cues["hedge before"].values())
    bad = tmp_path / "clauses.tsv"
    bad.write_text("table\tenglish\tchinese\tstatus\thedge\nhedge before\tpossible\t不除外\t\tsometimes\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match=r"clauses.tsv:2: .*hedge weak, strong or empty"):
        read_cues(bad)
