"""The hand-written faithfulness table (issue 10): report sentences + MeSH -> the expected Chinese, or no question.

Each row of faithfulness_cases.tsv names its error class (hedge, qualifier, followup, crosscheck, normality,
impression, lexicon, film, hygiene, dedupe, grammar, masked: a de-identified word beside a finding) and what it
checks:

* render: the findings sentence(s) -> the description in Chinese ("not rendered" when the grammar must refuse);
* presence / location / severity: the answer about finding `target` (its label key), canonical phrasing;
* normality / impression / description / projection: that answer;
* count: the card counter `target` after generating the report.

"no question asked" means the generator must not ask that question at all. The rows were written by hand from the
formulaic patterns of IU reports; none is copied from the shared data.
"""

import csv
import random
import re
from pathlib import Path

import pytest

from medqa.data.records import Report, XrayImage
from medqa.data.rule import RuleGenerator, projection_pair
from medqa.data.rule.phrasing import Wording
from medqa.vocab.mesh import parse_mesh
from medqa.vocab.sentences import read_section, render_section

TABLE = Path(__file__).with_name("faithfulness_cases.tsv")
NO_QUESTION, NOT_RENDERED, TECHNIQUE = "no question asked", "not rendered", "technique line, no Chinese"
CLASSES = {"hedge", "qualifier", "followup", "crosscheck", "normality", "impression", "lexicon", "film", "hygiene",
           "dedupe", "grammar", "masked"}


def _unescape(text: str) -> str:
    """The table writes invisible characters as \\u200b so a reader can see them."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _rows() -> list[dict]:
    with TABLE.open(encoding="utf-8", newline="") as f:
        return [{k: _unescape(v) for k, v in row.items()} for row in csv.DictReader(f, delimiter="\t")]


ROWS = _rows()


def test_table_is_large_and_covers_every_class():
    assert len(ROWS) >= 150
    assert {r["class"] for r in ROWS} == CLASSES
    assert sum(r["expected"] == NO_QUESTION for r in ROWS) >= 20  # "ask nothing" is tested, not only answers


def _answer(row: dict) -> str:
    if row["kind"] == "render":
        sentences = read_section(row["findings"])
        zh = render_section(sentences)
        if zh is None and sentences and all(s.zh == "" for s in sentences):
            return TECHNIQUE
        return NOT_RENDERED if zh is None else zh
    report = Report(uid=row["id"], mesh=parse_mesh(row["mesh"]), findings=row["findings"],
                    impression=row["impression"], technique=row["technique"],
                    images=[XrayImage(f"{row['id']}_IM-0001-1001.dcm.png", "Frontal")])
    if row["kind"] == "projection":
        wording = Wording(random.Random(0), vary=False)
        return projection_pair(row["target"], f"{report.technique} {report.findings}", wording).answer
    generator = RuleGenerator(vary=False)
    pairs = generator.generate(report)
    if row["kind"] == "count":
        return str(generator.counts[row["target"]])
    if row["kind"] in ("presence", "location", "severity"):
        found = [p for p in pairs if p.qtype == row["kind"] and p.label and p.label["finding"] == row["target"]]
    else:
        found = [p for p in pairs if p.qtype == row["kind"]]
    assert len(found) <= 1, found  # one question, one answer
    return found[0].answer if found else NO_QUESTION


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['id']}-{r['class']}-{r['kind']}" for r in ROWS])
def test_case(row):
    assert _answer(row) == row["expected"], row
