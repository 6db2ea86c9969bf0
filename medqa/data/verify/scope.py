"""What a report's own words attach to each finding beyond its name, read clause by clause from the English.

* hedge by clause: 'prominence which may represent crowding', 'infiltrate versus crowding', 'scar/subsegmental
  atelectasis' make the finding of that clause uncertain, even where the grammar read it as stated;
* qualifiers an answer must carry (calcified, old, subsegmental ...) and extent words that are no severity
  (extensive, exaggerated), from qualifiers.tsv;
* places a location answer must name (rib number, vertebral level, right upper quadrant), and structures an answer
  may only name where the finding's own statement names them (a rib deformity taken from another finding's MeSH);
* statements the verifier cannot name (a winged scapula, status post sternotomy): an answer that reads as complete
  may not leave them out.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from medqa.core.tables import read_tsv
from medqa.data.verify.reader import TableError

QUALIFIERS = Path(__file__).with_name("qualifiers.tsv")
EXPLAINS = Path(__file__).with_name("explains.tsv")
INTERPRETS = Path(__file__).with_name("interprets.tsv")
_KINDS = ("qualifier", "extent", "place", "structure", "site")
_CLAUSE = re.compile(r"[,;:()]|\b(?:and|which|with|but|however|although|while)\b")
# A masked word before these hides the hedge ('XXXX representing adenopathy': likely, possibly ...).
_MASKED_HEDGE = r"\bx{2,} (?:represent\w*|reflect\w*|consistent with|compatible with)"
# A hedge before its finding ('may represent crowding'), after it ('effusion cannot be excluded'), or between two
# alternatives ('infiltrate versus crowding', 'scar/subsegmental atelectasis': the two words either side).
_HEDGE_BEFORE = re.compile(r"\b(?:may|might|could|can) (?:represent|reflect|be|indicate)\b|\bpossibl\w*|"
                           r"\bprobabl\w*|\blikely\b|\bquestionabl\w*|\bequivocal\b|\bsuspicious\b|"
                           r"\bconcerning\b|\bsuggest\w*|" + _MASKED_HEDGE)
_HEDGE_AFTER = re.compile(r"\bcannot be (?:excluded|ruled out)\b|\b(?:is|are) (?:possible|questionable|suspected)\b")
_ALTERNATIVE = re.compile(r"\bversus\b|\bvs\b|(?<=[a-z])/(?=[a-z])|\bor\b")
_NEGATED = re.compile(r"^\W*(?:no|without|negative for|free of)\b")
# Sentences that state nothing abnormal although the grammar rendered nothing of them.
_NOTHING = re.compile(r"\b(?:normal|unremarkable|clear|within normal limits|intact|no|not|without|negative|"
                      r"correlat\w*|comparison|compared|recommend\w*|follow-?up|evaluat\w*|views?|exam\w*|"
                      r"dictated|called|discussed|notified|expanded)\b")
_FILLER = {"left", "right", "and", "the", "there", "chest", "both", "this", "that", "are", "were", "was", "for"}
_GENERIC = {"pulmonary", "disease", "change", "changes", "lung", "inserted", "indwelling", "abnormal", "finding",
            "right", "left", "bilateral", "upper", "lower", "middle", "lobe", "base", "apex", "mild", "moderate",
            "severe", "small", "large", "multiple", "anterior", "posterior", "thorax", "chest", "diseases", "focal",
            "bones", "structures", "vessels", "blood"}


@dataclass(frozen=True)
class Rule:
    kind: str
    en: re.Pattern
    zh: re.Pattern
    name: str


@functools.lru_cache(maxsize=2)
def load_rules(path: Path = QUALIFIERS) -> tuple[Rule, ...]:
    """The rows of qualifiers.tsv; TableError naming the file and line of a bad one."""
    out = []
    for where, row in read_tsv(path):
        if row.get("kind") not in _KINDS or not row.get("en") or not row.get("zh"):
            raise TableError(f"{where}: kind must be one of {', '.join(_KINDS)}, with en and zh")
        try:
            out.append(Rule(row["kind"], re.compile(row["en"]), re.compile(row["zh"]), row["en"]))
        except re.error as exc:
            raise TableError(f"{where}: bad pattern: {exc}") from exc
    return tuple(out)


def _stems(key: str) -> list[str]:
    words = [w for w in re.findall(r"[a-z]+", key.lower()) if len(w) > 3 and w not in _GENERIC]
    return [w[:5] for w in words]


def clause_of(sentence: str, key: str) -> str | None:
    """The clause of the (lower-case) sentence that names the finding `key`, or None where no word of it is there."""
    stems = _stems(key)
    if not stems:
        return None
    for clause in _CLAUSE.split(sentence):
        if any(re.search(rf"\b{s}", clause) for s in stems):
            return clause
    return None


def _at(clause: str, key: str) -> int | None:
    hits = [m.start() for s in _stems(key) for m in re.finditer(rf"\b{s}", clause)]
    return min(hits) if hits else None


def hedged(clause: str, key: str) -> bool:
    """Whether the clause offers the finding `key` as one possibility (may represent X, X versus Y, scar/X)."""
    at = _at(clause, key)
    if at is None:  # named by a word of its own ('adenopathy' for lymph nodes): a masked hedge still holds it
        return bool(re.search(_MASKED_HEDGE, clause))
    if any(m.start() < at for m in _HEDGE_BEFORE.finditer(clause)) or any(
            m.start() > at for m in _HEDGE_AFTER.finditer(clause)):
        return True
    for m in _ALTERNATIVE.finditer(clause):
        near = " ".join(clause[:m.start()].split()[-2:] + ["/"] + clause[m.end():].split()[:2])
        if _at(near, key) is not None:
            return True
    return False


def adjective_only(clause: str, head: str) -> bool:
    """Whether the clause names the head noun only as its adjective ('nodular prominence' for Nodule)."""
    stem = head.lower().split()[-1][:5] if len(head) >= 5 else ""
    forms = re.findall(rf"\b{stem}\w*", clause) if stem else []
    return bool(forms) and all(f.endswith("ar") for f in forms)


def attached(clause: str, kinds: tuple[str, ...] = ("qualifier", "extent", "place")) -> set[Rule]:
    """The rules of those kinds whose English the clause uses."""
    return {r for r in load_rules() if r.kind in kinds and r.en.search(clause)}


@dataclass(frozen=True)
class Statement:
    """One stated finding of the text: the concepts that name it (none: the verifier cannot name it) and the
    structures its clause names (an answer naming the concept elsewhere, 脊柱 for a shoulder, does not cover it)."""

    concepts: frozenset[str]
    structures: tuple[re.Pattern, ...] = ()

    def covered_by(self, concept: str, item: str) -> bool:
        return concept in self.concepts and all(p.search(item) for p in self.structures)


def statement(concepts, clause: str) -> Statement:
    """The statement of these concepts made by this clause (its structures from qualifiers.tsv)."""
    found = tuple(r.zh for r in load_rules() if r.kind == "structure" and r.en.search(clause))
    return Statement(frozenset(concepts), found)


def structures_named(item: str) -> frozenset[str]:
    """The structures (qualifiers.tsv) an answer's item names: 右侧肱骨骨折 names the humerus."""
    return frozenset(r.name for r in load_rules() if r.kind == "structure" and r.zh.search(item))


def structure_missing(item: str, texts: set[str]) -> bool:
    """Whether the answer's item names a structure (肋, 椎 ...) that none of the finding's statements names."""
    if not texts:
        return False  # only MeSH or keywords speak of it: nothing to hold the structure to
    own = [_OVER.sub(" ", t) for t in texts]  # 'a nodule overlies the 5th rib' does not put it in the rib
    return any(r.zh.search(item) and not any(r.en.search(t) for t in own)
               for r in load_rules() if r.kind in ("structure", "site"))


_OVER = re.compile(r"\b(?:overl[a-z]*|project[a-z]* (?:over|on|onto)|superimpos[a-z]* (?:on|over)|over|adjacent to|"
                   r"along|near|abut[a-z]*|beside|next to)\b[^,;]*")  # a neighbour, not the finding's own site


def unread_statement(sentence: str) -> bool:
    """A sentence the grammar rendered nothing of and that says nothing is normal: it may state a finding."""
    low = re.sub(r"\bx+\b", " ", sentence.lower())
    if len([w for w in re.findall(r"[a-z]{3,}", low) if w not in _FILLER]) < 2:
        return False  # 'Chest.', 'Left and right XXXX.'
    return not _NOTHING.search(low)


_DIAGNOSIS = re.compile(r"\b(?:suggest\w*|consistent with|compatible with|concerning for|indicative of|"
                        r"diagnostic of)\b")


def negated_diagnosis(sentence: str) -> bool:
    """'No finding suggestive of active disease': one negation over the whole sentence, its diagnosis included."""
    return bool(_NEGATED.search(sentence) and _DIAGNOSIS.search(sentence) and not re.search(r"[,;]", sentence))


@functools.lru_cache(maxsize=2)
def explains(path: Path = EXPLAINS) -> frozenset[frozenset[str]]:
    """Pairs of concepts that name one lesion twice when listed together (a diagnosis and the finding it explains)."""
    out = set()
    for where, row in read_tsv(path):
        if not row.get("concept") or not row.get("explains"):
            raise TableError(f"{where}: concept and explains are both needed")
        out |= {frozenset((row["concept"], other.strip())) for other in row["explains"].split(";")}
    return frozenset(out)


@functools.lru_cache(maxsize=2)
def interprets(path: Path = INTERPRETS) -> dict[str, frozenset[str]]:
    """Diagnosis -> the findings it is read from, which a description may name in its place (interprets.tsv)."""
    out: dict[str, frozenset[str]] = {}
    for where, row in read_tsv(path):
        if not row.get("diagnosis") or not row.get("seen_as"):
            raise TableError(f"{where}: diagnosis and seen_as are both needed")
        out[row["diagnosis"]] = out.get(row["diagnosis"], frozenset()) | {c.strip() for c in row["seen_as"].split(";")}
    return out
