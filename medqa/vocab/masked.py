"""Normal statements about de-identified subjects: 'The heart, pulmonary XXXX and mediastinum are within normal
limits' -> 心脏及纵隔在正常范围内; 'XXXX are normal' -> '' (left out, as a technique line is); 'The heart and lungs have
XXXX XXXX in the interval' -> '' (a comparison with an earlier film whose verb is masked).

A word replaced by XXXX is never guessed. A sentence whose only unreadable words are masked SUBJECT conjuncts
('XXXX', 'pulmonary XXXX', 'aortic XXXX', 'XXXX XXXX') and whose predicate is a fully read normal statement states
no finding: its readable subjects render with the predicate and the masked ones are left out. Anything else with a
mask stays unread: a masked predicate ('are XXXX'), a negation ('No XXXX
infiltrates'), a finding word ('XXXX opacities', 'calcified aortic XXXX') or any other word beside the mask.
"""

from __future__ import annotations

import functools
import re

from medqa.vocab.clauses import Clause
from medqa.vocab.findings import extract_findings
from medqa.vocab.phrases import Tokens
from medqa.vocab.predicates import predicate_subject, subject_predicate
from medqa.vocab.subjects import ADVERBS, COPULAS, NORMAL_PREDICATES, SUBJECTS

MASK = "xxxx"
# A masked subject: masks, each run after at most one anatomy adjective or noun that names no finding
# ('pulmonary XXXX' = pulmonary vessels, 'heart XXXX' = heart size, 'visualized XXXX of the chest XXXX').
_MASKED_SUBJECT = re.compile(r"^(?:the |visualized )?(?:(?:pulmonary|aortic|heart|cardiac|mediastinal|lung|hilar|"
                             r"bony|osseous) )?xxxx(?: xxxx)*(?: of the chest(?: xxxx)*)?$")
# Two adjectives sharing one masked noun ('cardiac and mediastinal XXXX' = contours): both subjects are masked.
_SHARED_MASK = re.compile(r"^(?:the )?(?:cardiac|hilar) and mediastinal xxxx(?: xxxx)*$")  # never a noun: heart
# The normal statements (Chinese of lexicon.tsv's normal predicates) a masked subject may carry: none of them
# says a change, a limit or a position ('stable', 'upper limits of normal', 'midline' stay unread).
_NORMAL = frozenset({"正常", "形态正常", "大小正常", "大小及形态正常", "在正常范围内", "大小在正常范围内",
                     "大小及形态在正常范围内", "未见异常", "清晰", "完整"})
_NEGATIONS = frozenset({"no", "not", "without", "none", "nor"})


def _conjuncts(t: Tokens) -> list[Tokens] | None:
    """A subject list split at ',', 'and' and ', and' (None where a conjunct is empty)."""
    out: list[Tokens] = []
    current: list[str] = []
    for w in t:
        if w in (",", "and"):
            if current:
                out.append(tuple(current))
            elif w == "," or not out:
                return None
            current = []
            continue
        current.append(w)
    if not current:
        return None
    return out + [tuple(current)]


def _readable_subjects(t: Tokens) -> tuple[list[Tokens], int] | None:
    """(the readable conjuncts, how many masked ones) of a subject list whose every conjunct is a subject or a
    masked subject; None where any conjunct is neither."""
    if _SHARED_MASK.match(" ".join(t)):
        return [], 2
    parts = _conjuncts(t)
    if not parts:
        return None
    readable, masked = [], 0
    for part in parts:
        if _MASKED_SUBJECT.match(" ".join(part)):
            masked += 1
            continue
        core = part[1:] if part[:1] in (("the",), ("visualized",)) else part
        hit = SUBJECTS.match(core, 0)
        if not hit or hit[0] != len(core) or MASK in part:
            return None
        readable.append(part)
    return (readable, masked) if masked else None


def _normal_predicate(t: Tokens) -> bool:
    """Whether the tokens are one fully read normal statement (adverbs before it allowed)."""
    i = 0
    while i < len(t) and t[i] in ADVERBS and t[i] not in ("otherwise", "again", "still"):
        i += 1
    hit = NORMAL_PREDICATES.match(t, i)
    return bool(hit) and i + hit[0] == len(t) and hit[1] in _NORMAL


def _joined(parts: list[Tokens]) -> Tokens:
    out: list[str] = []
    for k, part in enumerate(parts):
        out += (["and"] if k else []) + list(part)
    return tuple(out)


def _subject_first(t: Tokens) -> Clause | None:
    for k in range(1, len(t)):
        copula = COPULAS.match(t, k)
        n = copula[0] if copula else 0
        if not _normal_predicate(t[k + n:]):
            continue
        subjects = _readable_subjects(t[:k])
        if subjects is None:
            continue
        if not subjects[0]:
            return Clause("")
        return subject_predicate(_joined(subjects[0]) + t[k:])
    return None


def _predicate_first(t: Tokens) -> Clause | None:
    if t[-1:] == ("bilaterally",):
        t = t[:-1]
    for k in range(1, len(t)):
        if not _normal_predicate(t[:k]):
            continue
        subjects = _readable_subjects(t[k:])
        if subjects is None:
            continue
        if not subjects[0]:
            return Clause("")
        return predicate_subject(t[:k] + _joined(subjects[0]))
    return None


# 'The heart and lungs have XXXX XXXX in the interval': a comparison with an earlier film whose verb is masked. It
# names no finding and nothing a single film shows, so it is left out (never guessed as stable or changed).
_INTERVAL = re.compile(r"^(?:the )?(?:heart and lungs|lungs and heart) (?:have|has) xxxx xxxx in the interval$")


def masked_interval(sentence: str) -> bool:
    """Whether a normalized sentence is a masked comparison of the heart and lungs with an earlier film."""
    return bool(_INTERVAL.match(sentence))


@functools.lru_cache(maxsize=16384)
def masked_normal(t: Tokens, sentence: str) -> Clause | None:
    """The normal statement of a sentence whose only masked words are subjects (masked ones left out, '' where
    every subject is masked), or None; `sentence` is the normalized text (for its finding keywords)."""
    if MASK not in t or _NEGATIONS & set(t) or set(extract_findings(sentence)) - {"normal"}:
        return None
    found = _subject_first(t) or _predicate_first(t)
    if found is None or any(f.status != "absent" for f in found.facts):
        return None
    return found
