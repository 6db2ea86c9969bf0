"""Clauses of English report sentences -> faithful Chinese and the facts they state.

Each pattern reads one clause whole or not at all: a negation ('no large pleural effusion' -> 未见大量胸腔积液,
keeping the qualifier), a hedge ('possible small right pleural effusion' -> 不除外右侧少量胸腔积液, an uncertain
fact, never a present one), a subject and predicate ('the heart is normal in size' -> 心脏大小正常), a finding
('mild cardiomegaly' -> 心脏轻度增大) with an optional diagnosis ('..., likely atelectasis' -> ...，考虑为肺不张).
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass, replace
from pathlib import Path

from medqa.core.tables import read_tsv
from medqa.vocab.lexicon import finding_key
from medqa.vocab.mesh import MeshTerm
from medqa.vocab.phrases import Phrase, Tokens, bare_place_after, parse_phrase, split_places
from medqa.vocab.words import WordTable

PRESENT, ABSENT, UNCERTAIN, FOLLOWUP = "present", "absent", "uncertain", "followup"
STRONG, WEAK = "strong", "weak"  # how sure an uncertain finding is: 考虑为 (probable) or 不除外 (possible)


@dataclass(frozen=True)
class Fact:
    """One finding a clause states: present, absent, uncertain (with its hedge), or to be followed up."""

    term: MeshTerm
    status: str
    hedge: str = ""
    device: bool = False  # a device, surgery or normal variant: never a disease
    parsed: bool = True  # False: read by the keyword extractor from a sentence the grammar could not render

    @property
    def key(self) -> str:
        return finding_key(self.term)


@dataclass(frozen=True)
class Clause:
    """A clause in Chinese and the facts it states."""

    zh: str
    facts: tuple[Fact, ...] = ()


CUES_FILE = Path(__file__).with_name("clauses.tsv")
_CUE_TABLES = ("separator", "negation cue", "negation tail", "negation after", "wrapper", "hedge before", "hedge after",
               "diagnosis", "stated prefix", "stated tail", "stated leading")


def read_cues(path: Path = CUES_FILE) -> dict[str, dict]:
    """table -> {english spec: value} of the cue table, values as the grammar uses them; ValueError names the file
    and line of a bad row."""
    out: dict[str, dict] = {t: {} for t in _CUE_TABLES}
    for where, row in read_tsv(path, quoting=csv.QUOTE_NONE):
        table, spec, zh = row["table"], row["english"], row["chinese"] or ""
        if table not in out or not spec or row["hedge"] not in ("", WEAK, STRONG):
            raise ValueError(f"{where}: table must be one of {_CUE_TABLES}, hedge weak, strong or empty")
        if table in ("separator", "negation tail"):
            out[table][spec] = True
        elif table in ("hedge before", "hedge after"):
            out[table][spec] = (row["hedge"], zh)
        elif table == "diagnosis":
            out[table][spec] = (row["status"], row["hedge"], zh)
        else:
            out[table][spec] = zh
    return out


_CUES = read_cues()
_SEPARATORS = WordTable(_CUES["separator"])
_ALTERNATIVES = ("or", "nor", "versus", "vs", "and/or")
_JOIN = {"or": "或", "nor": "或", "versus": "或", "vs": "或", "and/or": "和/或", "and": "及"}
_NEG_CUES = WordTable(_CUES["negation cue"])
_NEG_TAILS = WordTable(_CUES["negation tail"])
_NEG_AFTER = WordTable(_CUES["negation after"])
_WRAPPERS = WordTable(_CUES["wrapper"])
_HEDGE_BEFORE = WordTable(_CUES["hedge before"])
_HEDGE_AFTER = WordTable(_CUES["hedge after"])
DIAGNOSES = WordTable(_CUES["diagnosis"])
_POS_PREFIX = WordTable(_CUES["stated prefix"])
_POS_TAILS = WordTable(_CUES["stated tail"])
_LEADING = WordTable(_CUES["stated leading"])


def _strip_prefix(t: Tokens, table: WordTable) -> tuple[Tokens, object]:
    hit = table.match(t, 0)
    return (t[hit[0]:], hit[1]) if hit else (t, None)


def _strip_suffix(t: Tokens, table: WordTable) -> tuple[Tokens, object]:
    for k in range(max(1, len(t) - 8), len(t)):
        if t[k] not in table:
            continue
        for n, value in table.matches(t, k):
            if k + n == len(t):
                return t[:k], value
    return t, None


@functools.lru_cache(maxsize=65536)
def parse_list(t: Tokens) -> tuple[tuple[Phrase, ...], str] | None:
    """'pneumothorax, effusion, or focal airspace disease' -> the phrases and the last conjunction."""
    whole = parse_phrase(t)
    if whole:
        return (whole,), ""
    shared = split_places(t)
    if shared:
        return shared, "and"
    for k in range(1, len(t)):
        for n, _ in _SEPARATORS.matches(t, k):
            head = parse_phrase(t[:k])
            rest = parse_list(t[k + n:]) if head else None
            if rest and len(rest[0]) == 1 and bare_place_after(t[k + n:]):
                return None  # 'atelectasis versus scar left lung base': whose place it is, is not said
            if rest:
                sep = " ".join(t[k:k + n]).removeprefix(", ").strip(",") or ","
                if sep == "and" and rest[1] in _ALTERNATIVES or sep in _ALTERNATIVES and rest[1] == "and":
                    return None  # 'pneumonia and scarring or atelectasis': which items are alternatives is unclear
                return (head, *rest[0]), rest[1] or (sep if sep != "," else "")
    return None


def join_zh(zhs: list[str], conjunction: str) -> str:
    """Chinese list: 气胸、胸腔积液或实变 (the English conjunction decides the last joiner)."""
    if len(zhs) == 1:
        return zhs[0]
    return "、".join(zhs[:-1]) + _JOIN.get(conjunction, "、") + zhs[-1]


def _negated_items(t: Tokens) -> tuple[str, list[Fact]] | None:
    """The items of a negation, with 'findings of X' (X征象) and 'X to suggest Y' (提示Y的X)."""
    t, _ = _strip_suffix(t, _NEG_TAILS)
    suggest = next((k for k in range(len(t)) if t[k:k + 2] in (("to", "suggest"), ("to", "indicate"))), None)
    extra: list[Fact] = []
    prefix = ""
    if suggest is not None:
        target = parse_list(t[suggest + 2:])
        if not target:
            return None
        prefix = "提示" + join_zh([p.zh for p in target[0]], target[1]) + "的"
        extra = [Fact(p.term, ABSENT, device=p.kind == "device") for p in target[0]]
        t = t[:suggest]
    wrapper = _WRAPPERS.match(t, 0)
    template = "{}"
    if wrapper:
        t, template = t[wrapper[0]:], wrapper[1]
    items = parse_list(t)
    if not items or _runs_on(t, items[0]):
        return None
    zh = template.format(prefix + join_zh([p.zh for p in items[0]], items[1]))
    return zh, [Fact(term, ABSENT, device=p.kind == "device") for p, term in _distribute(items[0])] + extra


# Words that mark a list item as a finding being described, not one more thing the negation denies.
_DESCRIBED = frozenset({"left", "right", "bilateral", "small", "moderate", "large", "mild", "severe", "minimal",
                        "trace", "tiny"})


def _runs_on(t: Tokens, items: tuple[Phrase, ...]) -> bool:
    """Whether a negated list may run into a present finding, so the negation must not cover it.

    'no pneumothorax or effusion, mild cardiomegaly' (a comma after the list's conjunction) and 'no pneumothorax,
    small left effusion' (a bare comma list whose later item has its own side or amount) state the later item;
    'no pneumothorax, effusion, or consolidation' is one negated list.
    """
    if len(items) < 2:
        return False
    conj = [k for k, w in enumerate(t) if w in ("or", "nor", "and", "and/or", "versus", "vs")]
    if conj and "," in t[conj[0]:]:
        return True
    return not conj and any(_DESCRIBED & set(p.term.qualifiers) for p in items[1:])


# A hedging qualifier of the first item covers the list: 'no gross consolidation, atelectasis or infiltrate' says
# no *gross* atelectasis either ('focal', 'large' do not spread: 'no focal consolidation or pneumothorax').
_SPREADING = ("significant", "definite")


def _distribute(items: tuple[Phrase, ...]) -> list[tuple[Phrase, MeshTerm]]:
    spread = [q for q in items[0].term.qualifiers if q in _SPREADING]
    out = []
    for p in items:
        missing = tuple(q for q in spread if q not in p.term.qualifiers)
        out.append((p, MeshTerm(p.term.head, (*p.term.qualifiers, *missing)) if missing else p.term))
    return out


_SUBJECT_NEGATIONS = {"cardiopulmonary disease": "心肺", "lung disease": "肺部"}


def negation(t: Tokens) -> Clause | None:
    """'no pneumothorax or large pleural effusion' -> 未见气胸或大量胸腔积液."""
    cue = _NEG_CUES.match(t, 0)
    if not cue:
        return None
    items = _negated_items(t[cue[0]:])
    if not items:
        return None
    zh, facts = items
    head = facts[0].term.head if len(facts) == 1 else ""
    if head in _SUBJECT_NEGATIONS and cue[1] == "未见{}":
        rest = parse_phrase(tuple(w for w in t[cue[0]:] if w not in ("cardiopulmonary", "pulmonary")))
        if rest and rest.term.head in ("disease", "abnormality"):  # 心肺未见急性病变, as a Chinese report says it
            return Clause(_SUBJECT_NEGATIONS[head] + "未见" + rest.zh, tuple(facts))
    return Clause(cue[1].format(zh), tuple(facts))


def negated_after(t: Tokens) -> Clause | None:
    """'the pneumothorax has resolved' -> 气胸已吸收; 'effusion is not seen' -> 未见胸腔积液."""
    body, template = _strip_suffix(t, _NEG_AFTER)
    if not template:
        return None
    body, _ = _strip_prefix(body, _POS_PREFIX)
    items = parse_list(body)
    if not items:
        return None
    facts = tuple(Fact(p.term, ABSENT, device=p.kind == "device") for p in items[0])
    return Clause(template.format(join_zh([p.zh for p in items[0]], items[1])), facts)


def uncertain(items: tuple[Phrase, ...], hedge: str, like: MeshTerm | None = None) -> tuple[Fact, ...]:
    """Uncertain facts; a diagnosis with no place of its own takes the place of the finding it explains."""
    facts = []
    for p in items:
        term = p.term
        if like is not None and not _placed(term):
            term = MeshTerm(term.head, (*term.qualifiers, *(q for q in like.qualifiers if q in _PLACES)))
        facts.append(Fact(term, UNCERTAIN, hedge, device=p.kind == "device"))
    return tuple(facts)


_PLACES = {"right", "left", "bilateral", "base", "apex", "upper lobe", "middle lobe", "lower lobe", "lingula",
           "mid lung zone", "lung", "retrocardiac", "hilum", "perihilar"}


def _placed(term: MeshTerm) -> bool:
    return any(q in _PLACES for q in term.qualifiers)


def hedged(t: Tokens) -> Clause | None:
    """'possible small right pleural effusion', 'pneumonia cannot be excluded' -> 不除外..."""
    cue = _HEDGE_BEFORE.match(t, 0)
    if cue:
        body, (hedge, word) = t[cue[0]:], cue[1]
    else:
        body, found = _strip_suffix(t, _HEDGE_AFTER)
        if not found:
            return None
        hedge, word = found
    items = parse_list(body)
    if not items:
        return None
    zh = word + join_zh([p.zh for p in items[0]], items[1] or "or")
    return Clause(zh, uncertain(items[0], hedge))


def certain(items: tuple[Phrase, ...]) -> tuple[Fact, ...]:
    return tuple(Fact(p.term, PRESENT, device=p.kind == "device") for p in items)


def _differential(t: Tokens) -> tuple[str, tuple[Fact, ...]] | None:
    """'atelectasis versus infiltrate', 'effusions and/or atelectasis': alternatives, each uncertain."""
    items = parse_list(t)
    if not items or items[1] not in ("or", "versus", "vs", "and/or"):
        return None
    return "考虑为" + join_zh([p.zh for p in items[0]], items[1]), uncertain(items[0], WEAK)


def _with_diagnosis(t: Tokens) -> tuple[str, tuple[Fact, ...]] | None:
    """'right basilar opacity, likely atelectasis' -> 右肺底部阴影，考虑为肺不张."""
    for k in range(1, len(t)):
        comma = t[k] == ","
        for n, (status, hedge, template) in DIAGNOSES.matches(t, k + comma):
            first, second = parse_list(t[:k]), parse_list(t[k + comma + n:])
            if first and second:
                zh = join_zh([p.zh for p in first[0]], first[1])
                second_zh = join_zh([p.zh for p in second[0]], second[1] or "or")
                facts = certain(first[0])
                like = first[0][0].term
                more = uncertain(second[0], hedge, like) if status == UNCERTAIN else certain(second[0])
                if status == UNCERTAIN and second[1] in ("or", "versus", "vs", "and/or"):
                    more = tuple(replace(f, hedge=WEAK) for f in more)
                return zh + "，" + template.format(second_zh), facts + more
        if comma:
            first, rest = parse_list(t[:k]), _differential(t[k + 1:])
            if first and rest and len(first[0]) == 1 and parse_list(t[k + 1:])[1] != "or":
                like = first[0][0].term
                facts = tuple(replace(f, term=_inherit(f.term, like)) for f in rest[1])
                return join_zh([p.zh for p in first[0]], first[1]) + "，" + rest[0], certain(first[0]) + facts
    return None


def _inherit(term: MeshTerm, like: MeshTerm) -> MeshTerm:
    if _placed(term):
        return term
    return MeshTerm(term.head, (*term.qualifiers, *(q for q in like.qualifiers if q in _PLACES)))


def _nested(templates: list[str]) -> str | None:
    """One template saying every wrapper's words: 仍可见{} around {}，较前稳定 is 仍可见{}，较前稳定 ('persistent
    stable X'); two wrappers on the same side of the finding cannot both be said, so the clause stays unread."""
    before = {x for x in templates if not x.startswith("{}")}
    after = {x for x in templates if x.startswith("{}")}
    if len(before) > 1 or len(after) > 1:
        return None
    inner = next(iter(after), "{}")
    return next(iter(before), "{}").format(inner) if before else inner


def stated_tail(t: Tokens) -> tuple[Tokens, str] | None:
    """(the clause before it, Chinese template) of a comparison tail ('..., unchanged' -> {}，较前无变化), or None."""
    body, tail = _strip_suffix(t, _POS_TAILS)
    return (body, tail) if tail and "{}" in tail and body else None


def positive(t: Tokens) -> Clause | None:
    """A stated finding, optionally with a diagnosis: 'there is a small left pleural effusion'."""
    t, prefix = _strip_prefix(t, _POS_PREFIX)
    t, leading = _strip_prefix(t, _LEADING)
    t, tail = _strip_suffix(t, _POS_TAILS)
    if not leading and "stable" in t[:3] and t[-1] != "stable":  # 'mild stable cardiomegaly'
        t, leading = tuple(w for w in t if w != "stable"), "{}，较前稳定"
    template = _nested([x for x in (leading, prefix, tail) if x and "{}" in x])
    if template is None:
        return None
    items = parse_list(t)
    if items and items[1] not in ("or", "versus", "vs", "and/or"):
        return Clause(template.format(join_zh([p.zh for p in items[0]], items[1])), certain(items[0]))
    found = _with_diagnosis(t) or _differential(t)
    if not found:
        return None
    return Clause(template.format(found[0]), found[1])
