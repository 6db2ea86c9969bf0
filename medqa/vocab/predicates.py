"""Subject-predicate clauses: 'the heart is normal in size' -> 心脏大小正常, 'the aorta is tortuous' -> 主动脉迂曲,
'the lungs are clear without focal consolidation' is split before it gets here (see medqa.vocab.sentences)."""

from __future__ import annotations

import functools

from medqa.vocab.clauses import ABSENT, PRESENT, Clause, Fact, negation
from medqa.vocab.mesh import MeshTerm
from medqa.vocab.phrases import Phrase, Tokens
from medqa.vocab.subjects import ADVERBS, COPULAS, HEART_NORMAL, NORMAL_PREDICATES, SUBJECTS
from medqa.vocab.words import SEVERITY_WORDS, STATES, WordTable, expand

_SEVERITY = {p: v for spec, v in SEVERITY_WORDS.items() for p in expand(spec)}
_STATES = WordTable({k: v for k, v in STATES.items()} | {"decreased;reduced": "low"})
_VERBS = WordTable({"show;shows;demonstrate;demonstrates;reveal;reveals;are without;is without;without;"
                    "are free of;is free of;free of;are clear of;is clear of;clear of;have no;has no;with no": True})
_SEEING = {"show", "shows", "demonstrate", "demonstrates", "reveal", "reveals"}  # negative only with 'no' after them
_PREDICATE_NOUNS = {("size",): "大小正常", ("size", "and", "configuration"): "大小及形态正常",
                    ("size", "and", "contour"): "大小及形态正常", ("appearance",): "形态正常",
                    ("contour",): "形态正常", ("configuration",): "形态正常", ("caliber",): "管径正常",
                    ("distribution",): "分布正常"}
_CHEST_NORMAL = {"正常": "未见异常", "在正常范围内": "未见异常"}
_SPECIAL_STATES = {"calcified": "calcinosis", "atherosclerotic": "atherosclerosis"}


def _subjects(t: Tokens) -> tuple[list[tuple], int] | None:
    """Subject list at the start: [(zh, anatomy, quals, class)], and where it ends."""
    found: list[tuple] = []
    i = end = 0
    while True:
        start = i
        while i < len(t) and t[i] in ("the", "both", "visualized", "visible", "included"):
            i += 1
        hit = SUBJECTS.match(t, i)
        if not hit:
            return (found, end) if found else None
        zh, anatomy, quals, klass = hit[1]
        if "visualized" in t[start:i] or "included" in t[start:i]:
            zh = "所见" + zh
        found.append((zh, anatomy, quals, klass))
        i = end = i + hit[0]
        if t[i:i + 2] == (",", "and"):
            i += 2
        elif t[i:i + 1] in ((",",), ("and",)):
            i += 1
        else:
            return found, end


def _state(t: Tokens) -> tuple[list[str], str] | None:
    """'mildly enlarged' -> (['mild'], 'enlarged'); the whole span must be read."""
    quals = []
    for i in range(len(t)):
        hit = _STATES.match(t, i)
        if hit and i + hit[0] == len(t):
            return quals, hit[1]
        if t[i] not in _SEVERITY:
            return None
        quals.append(_SEVERITY[t[i]])
    return None


def _anatomy_term(subject: tuple, quals: list[str], state: str) -> MeshTerm | None:
    _zh, anatomy, aquals, _klass = subject
    if anatomy == "lung volumes":
        return MeshTerm("low lung volumes", tuple(quals)) if state == "low" else None
    if not anatomy or state == "low":
        return None
    if state in _SPECIAL_STATES:
        return MeshTerm(_SPECIAL_STATES[state], (anatomy, *aquals, *quals))
    return MeshTerm(anatomy, (*aquals, *quals, state))


def _one_predicate(t: Tokens, subjects: list[tuple]) -> tuple[str, list[Fact], bool] | None:
    """(Chinese, facts, whether the Chinese already names the subject) for one predicate."""
    adverb = ""
    while t and t[0] in ADVERBS and t[0] != "otherwise":
        adverb += ADVERBS[t[0]]
        t = t[1:]
    hit = NORMAL_PREDICATES.match(t, 0)
    if hit and hit[0] == len(t):
        zh = hit[1]
        if subjects[0][3] == "chest":
            zh = _CHEST_NORMAL.get(zh, zh)
        facts = []
        if zh in HEART_NORMAL and all(s[3] == "heart" for s in subjects):
            facts = [Fact(MeshTerm("cardiomegaly"), ABSENT)]
        if zh == "未见明显增大" and all(s[3] == "heart" for s in subjects):
            facts = [Fact(MeshTerm("heart", ("enlarged", "significant")), ABSENT)]
        if zh == "锐利" and subjects[0][3] == "cpa":
            facts = [Fact(MeshTerm("costophrenic angle", ("blunted",)), ABSENT)]
        return adverb + zh, facts, False
    state = _state(t)
    if state and len(subjects) == 1:
        term = _anatomy_term(subjects[0], *state)
        if term is not None:
            return Phrase(term, "finding").zh, [Fact(term, PRESENT)], True
    return None


def _predicates(t: Tokens, subjects: list[tuple]) -> tuple[list[tuple], str] | None:
    """A list of predicates joined by and / , / but."""
    for k in range(len(t), 0, -1):
        one = _one_predicate(t[:k], subjects)
        if not one:
            continue
        if k == len(t):
            return [one], ""
        sep = 2 if t[k:k + 2] in ((",", "and"), (",", "but")) else 1
        if t[k] not in (",", "and", "but"):
            continue
        rest = _predicates(t[k + sep:], subjects)
        if rest:
            return [one, *rest[0]], "，但" if "but" in t[k:k + sep] else "，"
    return None


def _subject_zh(subjects: list[tuple], otherwise: bool) -> str:
    names = [s[0] for s in subjects]
    last = "、" if any("及" in n for n in names) else "及"
    zh = names[0] if len(names) == 1 else "、".join(names[:-1]) + last + names[-1]
    if otherwise:
        zh = "余肺" if zh == "双肺" else "余" + zh
    return zh


@functools.lru_cache(maxsize=65536)
def subject_predicate(t: Tokens) -> Clause | None:
    """'the heart is normal in size' -> 心脏大小正常; 'lungs are free of focal airspace disease' -> 双肺未见..."""
    found = _subjects(t)
    if not found:
        return None
    subjects, i = found
    otherwise = "otherwise" in t[i:i + 3]
    rest = tuple(w for w in t[i:] if w != "otherwise")
    copula = COPULAS.match(rest, 0)
    rest = rest[copula[0]:] if copula else rest
    subject = _subject_zh(subjects, otherwise)
    adverb = ADVERBS.get(rest[0], "") if rest[:1] in (("grossly",), ("essentially",)) else ""
    verb = _VERBS.match(rest, 1 if adverb else 0)  # 'the lungs are grossly clear of ...': 双肺大致未见...
    if verb:
        after = rest[(1 if adverb else 0) + verb[0]:]
        if after[:1] != ("no",) and rest[0] in _SEEING:
            return None  # 'the skeletal structures show arthritic changes' states them: never 未见
        neg = negation(("no", *after) if after[:1] != ("no",) else after)
        return Clause(subject + adverb + neg.zh, neg.facts) if neg and neg.zh.startswith("未见") else None
    preds = _predicates(rest, subjects)
    if not preds:
        return None
    parts = []
    facts: list[Fact] = []
    for k, (zh, pred_facts, named) in enumerate(preds[0]):
        facts += pred_facts
        if named:
            parts.append(zh)
        elif k == 0 or preds[0][k - 1][2]:
            parts.append(subject + zh if k == 0 else zh)
        else:
            parts.append(zh)
    text = preds[1].join(parts) if preds[1] else parts[0]
    return Clause(text.replace("大小大小", "大小"), tuple(facts))  # 'borderline heart size': 心脏大小临界


@functools.lru_cache(maxsize=65536)
def predicate_subject(t: Tokens) -> Clause | None:
    """'normal heart size' -> 心脏大小正常; 'clear lungs' -> 双肺清晰; 'normal size of the cardiac silhouette'."""
    for k in range(1, len(t)):
        subjects = _subjects(t[k:])
        if not subjects or subjects[1] != len(t) - k:
            if t[k:k + 1] == ("of",) or t[k:k + 2] == ("of", "the"):
                noun = t[1:k]
                pred = _PREDICATE_NOUNS.get(noun) if t[0] == "normal" else None
                if t[0] in ("stable", "unchanged") and noun == ("appearance",):
                    pred = "较前无明显变化"
                tail = _subjects(t[k + 1:])
                if pred and tail and tail[1] == len(t) - k - 1:
                    return Clause(_subject_zh(tail[0], False) + pred)
            continue
        preds = _predicates(t[:k], subjects[0])
        if preds:
            clause = subject_predicate(tuple(t[k:]) + ("are",) + t[:k])
            if clause:
                return clause
    return None
