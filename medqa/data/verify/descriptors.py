"""What an answer says of a finding beyond its name (place, grade, shape, age, the thing's own name) must be said by
the report's sentences of that finding (issue 20, blind 5), and a finding the report's sections state once is
counted once.

MeSH is an indexer's summary: 'right upper lung' is indexed Lung/upper lobe, 'minimal' mild, '6 mm nodular
opacity' round. The rows of descriptors.tsv name, for an answer's wording, the English the report's sentences of
that finding must hold (or must not: borderline heart size is no cardiomegaly). The verifier's own table: the
generator's rule is medqa.data.rule.descriptors.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from medqa.core.tables import read_tsv
from medqa.data.verify.reader import TableError
from medqa.vocab.keywords import interpreted, stems_for

TABLE = Path(__file__).with_name("descriptors.tsv")
_REASONS = ("place", "severity", "qualifier", "finding not in report")


@dataclass(frozen=True)
class Descriptor:
    concept: str  # "*" for any
    zh: re.Pattern
    needs: re.Pattern | None
    forbids: re.Pattern | None
    reason: str


@functools.lru_cache(maxsize=2)
def load_descriptors(path: Path = TABLE) -> tuple[Descriptor, ...]:
    """The table's rows; TableError naming the file and line of a bad one."""
    out = []
    for where, row in read_tsv(path):
        if not row.get("concept") or not row.get("zh") or row.get("reason") not in _REASONS:
            raise TableError(f"{where}: concept, zh and a reason ({', '.join(_REASONS)}) are needed")
        if not row.get("needs") and not row.get("forbids"):
            raise TableError(f"{where}: a row needs 'needs' or 'forbids'")
        try:
            compiled = [re.compile(row[k]) if row.get(k) else None for k in ("zh", "needs", "forbids")]
        except re.error as exc:
            raise TableError(f"{where}: bad pattern: {exc}") from exc
        out.append(Descriptor(row["concept"], compiled[0], compiled[1], compiled[2], row["reason"]))
    return tuple(out)


def unsupported(concept: str, item: str, statements: set[str]) -> str | None:
    """The reason an answer's item says of `concept` what none of the report's statements of it says, or None.
    `statements`: the lower-case English sentences and clauses that state it (none: only MeSH speaks of it)."""
    if not statements:
        return None
    for d in load_descriptors():
        if d.concept not in ("*", concept) or not d.zh.search(item):
            continue
        if d.needs and not any(d.needs.search(t) for t in statements):
            return d.reason
        if d.forbids and all(d.forbids.search(t) for t in statements):
            return d.reason
    return None


_SEVERAL = re.compile(r"\b(?:two|three|several|multiple|numerous|both|bilateral\w*|additional|another|second|"
                      r"\w+(?:ies|ules|omas|ars|ates))\b")


def stated_once(sides: set[str], groups: set, sections: set[str], statements: set[str]) -> bool:
    """Whether the findings and the impression name one lesion on one side at two places ('small scar in the left
    cardiophrenic region', 'small left basilar scar'): two statements, one per section, and no word of number."""
    return (len(sides - {"none"}) == 1 and sides - {"none"} != {"bilateral"} and len(groups) >= 2
            and {"findings", "impression"} <= sections and len(statements) <= 2
            and not any(_SEVERAL.search(t) for t in statements))


# Diagnoses a report may give as its reading of what it sees ('infiltrate consistent with pneumonia').
_INTERPRETABLE = frozenset({"pneumonia", "pulmonary disease, chronic obstructive", "emphysema", "pulmonary edema",
                            "heart failure", "pulmonary congestion", "pulmonary atelectasis", "tuberculosis",
                            "granulomatous disease", "cicatrix", "pulmonary fibrosis", "infiltrate",
                            "hypertension, pulmonary", "bronchitis", "bronchiectasis", "sarcoidosis"})


def interpretation(key: str, sentence: str) -> str:
    """How the sentence gives the finding `key` as a reading of what it sees ('hyperexpanded consistent with COPD',
    'opacity likely representing pneumonia'): "only" for a diagnosis (符合/考虑, never 可见 or 存在), "also" for
    anything else (符合术后改变 or 可见术后改变), "" where it states it."""
    stems = stems_for(key)
    if stems is None or not interpreted(sentence, stems):
        return ""
    return "only" if key in _INTERPRETABLE else "also"
