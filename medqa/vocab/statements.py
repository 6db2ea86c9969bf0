"""More clause shapes of the sentence grammar (medqa.vocab.sentences), added for issue 20's coverage of impressions
written like findings: two statements whose full stop was lost, a statement judged 'for technique', a comparison tail
after a subject's clause or a negation, 'otherwise' before its subject, 'on this exam', and a stable exam with a
negation."""

from __future__ import annotations

from medqa.vocab.clauses import PRESENT, Clause, negation, stated_tail
from medqa.vocab.phrases import Tokens
from medqa.vocab.predicates import predicate_subject, subject_predicate
from medqa.vocab.subjects import SUBJECTS


def _statement(t: Tokens) -> Clause | None:
    """A whole clause that names its own subject or negates: the only kinds that may stand without a joiner."""
    return negation(t) if t[:1] == ("no",) else subject_predicate(t)


def run_on(t: Tokens) -> Clause | None:
    """Two statements whose full stop was lost: 'heart size is normal lungs are clear' -> 心脏大小正常，双肺清晰.

    Only a subject-predicate clause or a 'no' negation counts on each side, so a bare noun never joins a
    negated list ('no effusion pneumothorax' stays unread)."""
    for k in range(2, len(t) - 1):
        if t[k] not in ("no", "the") and not SUBJECTS.match(t, k):
            continue
        left = _statement(t[:k])
        right = _statement(t[k:]) if left else None
        if right:
            return Clause(left.zh + "，" + right.zh, left.facts + right.facts)
    return None


def judged_for_technique(t: Tokens) -> Clause | None:
    """'heart size mildly enlarged for technique': a stated finding judged with the film's technique in mind
    (（考虑投照因素）). A normal statement judged so is read by medqa.vocab.views (the findings helper's), the same
    way."""
    n = 3 if t[-3:] == ("for", "the", "technique") else 2 if t[-2:] == ("for", "technique") else 0
    found = subject_predicate(t[:-n]) if n else None
    if not found or not any(f.status == PRESENT for f in found.facts):
        return None
    return Clause(found.zh + "（考虑投照因素）", found.facts)


def compared(t: Tokens) -> Clause | None:
    """A subject and its state, or a negation, with a comparison tail: 'slightly dilated and tortuous aorta,
    unchanged', 'no signs of acute cardiopulmonary disease, unchanged'."""
    found = stated_tail(t)
    if not found or "较前" not in found[1] and "同前" not in found[1] and "前片" not in found[1]:
        return None
    clause = predicate_subject(found[0]) or subject_predicate(found[0]) or negation(found[0])
    return Clause(found[1].format(clause.zh), clause.facts) if clause else None


def this_exam(t: Tokens) -> Clause | None:
    """'no acute cardiopulmonary disease on this exam' -> 本次检查心肺未见急性病变 (a negation only)."""
    if t[-3:-1] != ("on", "this") or t[-1] not in ("exam", "examination", "study", "film", "radiograph"):
        return None
    found = negation(t[:-3])
    return Clause("本次检查" + found.zh, found.facts) if found else None


def otherwise_subject(rest: Tokens) -> Clause | None:
    """'otherwise the mediastinal silhouette ... are within normal limits', 'otherwise, clear lungs': the word
    belongs after the subject (余...), where the subject-predicate grammar reads it."""
    for i in range(1, len(rest)):
        found = subject_predicate(rest[:i] + ("otherwise",) + rest[i:])
        if found and found.zh.startswith("余"):
            return found
    found = predicate_subject(rest)
    if found and found.zh.startswith("双肺"):
        return Clause("余肺" + found.zh.removeprefix("双肺"), found.facts)
    return None


def stable_exam(t: Tokens) -> Clause | None:
    """'stable exam with no acute abnormality seen' -> 较前无明显变化，未见急性异常."""
    if t[:1] not in (("stable",), ("unchanged",)) or t[1:2] not in (("exam",), ("examination",), ("study",)):
        return None
    rest = t[2:]
    if rest[:2] == ("with", "no"):
        rest = rest[1:]
    elif rest[:1] != ("without",):
        return None
    found = negation(rest)
    return Clause("较前无明显变化，" + found.zh, found.facts) if found else None
