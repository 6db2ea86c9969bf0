"""Report sections -> sentences rendered in Chinese, with the facts each one states.

`read_section("The lungs are clear. No pneumothorax.")` gives two `Sentence`s: 双肺清晰 and 未见气胸 (with the fact
pneumothorax: absent). A sentence the grammar cannot read whole gets `zh = None` and facts from the keyword
extractor (medqa.vocab.findings), marked `parsed=False`: in a sentence with a hedge or follow-up word they are
uncertain, never present or absent. A section renders only when every sentence does (`render_section`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from medqa.core.text import clean_text
from medqa.vocab import keywords
from medqa.vocab.clauses import (
    ABSENT,
    DIAGNOSES,
    FOLLOWUP,
    PRESENT,
    UNCERTAIN,
    Clause,
    Fact,
    certain,
    hedged,
    join_zh,
    negated_after,
    negation,
    parse_list,
    positive,
    uncertain,
)
from medqa.vocab.devices import device_position
from medqa.vocab.findings import extract_findings
from medqa.vocab.keywords import MASKED, hedge_strength, hedged_at, masked_at, sentence_hedge_strength, stems_for
from medqa.vocab.masked import masked_interval, masked_normal
from medqa.vocab.mesh import MeshTerm
from medqa.vocab.phrases import Tokens
from medqa.vocab.predicates import predicate_subject, subject_predicate
from medqa.vocab.rewrites import BACK_REFERENCES, QUALITY_LINES, SPELLING_MORE
from medqa.vocab.rewrites_imp import NO_FINDING_LINES, QUALITY_IMP, SPELLING_IMP
from medqa.vocab.statements import compared, judged_for_technique, otherwise_subject, run_on, stable_exam, this_exam
from medqa.vocab.views import for_technique, on_view

# A sentence whose full stop was lost ('Chronic appearing interstitial markings The lungs are clear') ends where a
# capitalised sentence opener follows a lower-case word: else its finding would read as part of the normal clause.
_SPLIT = re.compile(r"(?<=[.!?])\s+|(?<=[a-z]{2}\.)(?=[A-Z])|(?<=[a-z]{3})\s+(?=(?:The|There|No) [a-z])")
_MARKER = re.compile(r"^\(?(\d{1,2})[.)]$")
_TRAILING_MARKER = re.compile(r"(?<=[a-z])\s+(\d)\.$")
_TOKEN = re.compile(r"[a-z0-9]+(?:[-'/.][a-z0-9]+)*|[,;:()]")
_STRANGE = re.compile(r"[^a-z0-9\s,;:()'/.%-]")  # '?', brackets, arrows: the sentence says more than its words
# De-identified words whose meaning the context fixes; any other XXXX leaves a sentence unread.
_REPAIRS = [(re.compile(p), r) for p, r in (
    (r"\bx-xxxx\b", "x-ray"), (r"\blymph xxxx\b", "lymph nodes"), (r"\bcostophrenic xxxx\b", "costophrenic angles"),
    (r"\b(no|there are no|there is no) xxxx of\b", r"\1 signs of"), (r"\bsternotomy xxxx\b", "sternotomy wires"),
    (r"\bxxxx (?=(?:median |midline )?sternotomy\b)", ""))]
_SPELLING = [(re.compile(p), r) for p, r in (
    (r"\bair[- ]space\b", "airspace"), (r"\bcardio[- ]mediastinal\b", "cardiomediastinal"),
    (r"\bwell[- ](expanded|aerated|inflated)\b", r"well \1"), (r"\bosseus\b", "osseous"), (r"\bthere's\b", "there is"),
    (r"\bvs\.?(?=\s)", "versus"), (r"\band / or\b", "and/or"), (r"\bnon-calcified\b", "noncalcified"),
    (r"\bfollow[- ]up\b", "followup"), (r"\bhyper-?(expanded|inflated|aerated)\b", r"hyper\1"),
    (r"\b(?:focal )?areas? of (?=\w)", "focal "), (r"\b(?:sequelae?|residuals?|stigmata) of (?:an? )?", ""),
    (r"\b(?:(?:is|are) )?(?:present|noted|seen|identified|demonstrated|visualized) (?=(?:in|within|at|along|"
     r"throughout|of|over|on|involving|overlying) )", ""),
    (r"\bdegenerative changes? (?=(?:thoracic|lumbar|cervical) spine)", "degenerative changes of the "),
    (r"\bacute, displaced\b", "acute displaced"), (r"\b(?:active/acute|acute/active)\b", "acute"),
    (r"\bsuspicious appearing\b", "suspicious"),
    (r"^there (?=(?:mild|minimal|multilevel|extremely|degenerative) )", "there are "),
    (r"^otherwise,? (the )?(lungs|mediastinal contour|mediastinum) (is|are|appear) ", r"\1\2 \3 otherwise "),
    (r"^(?:frontal|pa|ap)(?: \(on two cassettes\))? and lateral views of the chest(?: with overlying external "
     r"cardiac monitor leads)? (?:show|demonstrate|reveal)s? ", ""),
    (r"^(?:the )?lateral view (?:shows|reveals|demonstrates) ", ""), (r"^chest: ", ""),
    (r"\b(?:post-?surgical|post-?operative) changes? (?:of|from) (?:an? |the )?", ""),
    (r"\b(small|moderate|large)[- ]sized?\b", r"\1"), (r"\boverlies?\b", "overlying"),
    (r"\bdegenerative spurring\b", "spurring"),
    (r"\b(heart size|cardiac silhouette) (?=mediastinal contours?\b)", r"\1, "),  # a list's comma left out
    (r"\b(calcified|tortuous) (?!\1)(calcified|tortuous) (?=(?:thoracic )?aorta\b)", r"\1 and \2 "),
    (r"^changes of (?:an? |the )?(?=(?:prior |previous )?(?:(?:right|left|bilateral) )?\w+ectomy$)", ""),
    (r"^(the lungs are [a-z ]+?) but (grossly )?(?=clear of )", r"\1 but the lungs are \2"),
    (r"\b(granulomas?|granulomata),? (?=(?:right|left) (?:upper|middle|lower) lobe$|"
     r"(?:right|left) (?:lung )?(?:base|apex)$)", r"\1 in the "),
    *SPELLING_MORE, *SPELLING_IMP)]
_SPELLING_ANY = re.compile("|".join(f"(?:{p.pattern})" for p, _ in _SPELLING))  # most sentences need none
_LEADING = {("specifically", ","), ("specifically",), ("additionally", ","), ("also", ","), ("overall", ","),
            ("in", "addition", ","), ("again",), ("there", "is", "again"), ("incidentally", ","),
            ("an",)}  # 'An unchanged cardiomediastinal silhouette': the article adds nothing
_TECHNIQUE = re.compile(
    r"^(?:the )?(?:(?:xxxx )+)?(?:pa|ap|frontal|upright|portable|semi-?upright|single|two|2|pa and lateral|"
    r"frontal and lateral|ap and lateral)?(?: and lateral)?(?: frontal)?(?: chest)? "
    r"(?:views?|images?|radiographs?|projections?|examination|exam)(?: (?:of )?the chest)?"
    r"(?: (?:was|were) (?:obtained|performed|provided|acquired|submitted))?$"
    r"|^(?:the )?(?:xxxx )?(?:exam|examination) consists of (?:frontal and lateral|pa and lateral) radiographs of the "
    r"chest$|^(?:xxxx )+and lateral chest (?:examination|exam) was obtained$|^\d+ images?$|^chest$|"
    r"^(?:pa and lateral|frontal and lateral)(?: chest)?$|^end of (?:the )?report$|"
    rf"{'|'.join(NO_FINDING_LINES)}|"
    r"^(?:the )?patient (?:was|is) shielded$|^two-view chest$|^(?:this is an )?apical lordotic (?:frontal )?view"
    r"(?: of)?(?: the chest)?$")
_FOLLOWUP = [(re.compile(p), zh) for p, zh in (
    (r"^(?:recommend|recommended) followup(?: chest x-ray| radiographs?| imaging| chest radiograph)?(?: in \d+ "
     r"(?:weeks?|months?))? to (?:ensure|document|confirm) (?:complete )?resolution$", "建议随访复查，以确认病变吸收"),
    (r"^(?:recommend|recommended) followup(?: chest x-ray| radiographs?| imaging)? to (?:ensure that there is no|"
     r"exclude|rule out) (?P<what>.+)$", "建议随访复查，以除外{}"),
    (r"^(?:a )?ct(?: scan)?(?: of the chest| chest)? (?:is|may be) recommended(?: for further evaluation)?$|"
     r"^recommend (?:a )?(?:chest )?ct(?: of the chest)?(?: for further evaluation)?$", "建议胸部CT进一步检查"),
    (r"^(?:clinical correlation (?:is )?recommended|recommend clinical correlation|suggest clinical correlation|"
     r"correlate clinically)$", "建议结合临床"),
    (r"^(?:no change|unchanged|no interval change|stable|no significant interval change)(?: (?:from|since|compared "
     r"to) (?:the )?(?:prior|previous)(?: exam| examination| study| radiograph| film)?)?$", "较前无明显变化"),
    (r"^no (?:comparison(?: chest x-ray| studies| study| exam)?|comparisons|prior studies)(?: available)?$",
     "无既往片可供对比"),
    (r"^no acute or active cardiac, pulmonary or pleural disease$", "心、肺及胸膜未见急性或活动性病变"),
    (r"^(?:negative|normal|normal exam|negative exam|negative study|normal study)$", "未见异常"),
    (r"^no acute preoperative findings?$", "术前检查未见急性病变"),
    *QUALITY_LINES, *QUALITY_IMP, *BACK_REFERENCES,
)]
_FOLLOW_UP_WORDS = re.compile(r"\b(exclude\w*|rule out|ruled out|ensure|recommend\w*|followup|consider\w*|"
                               r"evaluat\w*|correlat\w*|if)\b")
_HEDGE_WORDS = re.compile(
    r"\b(possibl\w*|probabl\w*|likely|may|might|could|versus|vs|and/or|concern\w*|suspicious|suspect\w*|suggest\w*|"
    r"question\w*|equivocal|cannot|exclude\w*|rule out|differential|consider\w*|"
    r"(?<!age-)(?<!age )indeterminate|uncertain|unclear|"
    r"recommend\w*|followup|correlat\w*|vague|apparent|compatible|worrisome|presum\w*)\b")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a section: its text, Chinese (None when unread, '' for a technique line), facts."""

    text: str
    zh: str | None
    facts: tuple[Fact, ...]
    marker: str = ""  # "1. " of a numbered impression
    masked: bool = False  # a normal statement whose masked (XXXX) subjects were left out (medqa.vocab.masked)

    @property
    def rendered(self) -> bool:
        return self.zh is not None


def split_sentences(text: str) -> list[tuple[str, str]]:
    """(numbered-list marker, sentence) pairs; bare markers ('1.') attach to the sentence after them."""
    out, marker = [], ""
    for piece in _SPLIT.split(clean_text(text)):
        piece = piece.strip()
        if _MARKER.match(piece):
            marker = _MARKER.match(piece).group(1) + ". "
            continue
        trailing = _TRAILING_MARKER.search(piece)  # 'Low lung volumes 2. No edema.': the 2 numbers the next one
        if trailing and out is not None:
            piece = piece[:trailing.start()]
            if piece.strip(". "):
                out.append((marker, piece))
            marker = trailing.group(1) + ". "
            continue
        if piece.strip(". "):
            out.append((marker, piece))
            marker = ""
    return out


@functools.lru_cache(maxsize=16384)
def normalize(sentence: str) -> str:
    """Lower case, repaired de-identification, one spelling per word, no final full stop."""
    s = clean_text(sentence).lower().rstrip(".").strip()
    for pattern, repl in _REPAIRS if "xxxx" in s else []:
        s = pattern.sub(repl, s)
    for pattern, repl in _SPELLING if _SPELLING_ANY.search(s) else []:  # looked for in the repaired sentence
        s = pattern.sub(repl, s)
    return s


def _clause(t: Tokens) -> Clause | None:
    for reader in (negation, negated_after, hedged, subject_predicate, predicate_subject, positive,
                   device_position, judged_for_technique, compared, this_exam, stable_exam):
        found = reader(t)
        if found:
            return found
    if t[:1] == ("otherwise",):
        rest = t[2:] if t[1:2] == (",",) else t[1:]
        if rest == ("clear",):
            return Clause("余肺清晰")
        neg = negation(rest)
        if neg:
            return Clause(("余" if neg.zh.startswith("未见") else "其余") + neg.zh, neg.facts)
        return otherwise_subject(rest)
    return None


def _attached(word: str, rest: Tokens) -> Clause | None:
    """What follows 'with' / 'without': 伴X or 未见X."""
    if word == "without" or rest[:1] == ("no",):
        neg = negation(rest if rest[:1] == ("no",) else ("without", *rest))
        return neg
    items = parse_list(rest)
    if not items:
        normal = predicate_subject(rest) if word == "with" else None  # '... with normal appearance of the X'
        return normal if normal and normal.zh and all(f.status == ABSENT for f in normal.facts) else None
    zh = "伴" + "、".join(p.zh for p in items[0])
    return Clause(zh, tuple(Fact(p.term, PRESENT, device=p.kind == "device") for p in items[0]))


@functools.lru_cache(maxsize=65536)
def parse_tokens(t: Tokens) -> Clause | None:
    """A whole sentence as one clause, or split at , ; and but with without into clauses that each parse."""
    found = _clause(t)
    if found:
        return found
    for k in range(1, len(t) - 1):
        word = t[k]
        if word not in (",", ";", "and", "but", "with", "without", "however"):
            diagnosis = _diagnosis_after(t, k)
            if diagnosis:
                return diagnosis
            continue
        left = _clause(t[:k])
        if not left:
            continue
        rest = t[k + 1:]
        if rest[:1] in (("and",), ("but",), ("however",)):
            rest = rest[1:]
        if word == "," and rest[:1] in (("with",), ("without",)):  # 'lung volumes are low, with crowding'
            word, rest = rest[0], rest[1:]
        right = _attached(word, rest) if word in ("with", "without") else parse_tokens(rest)
        if right:
            # A negation followed by a stated finding: 未见气胸；左侧少量胸腔积液, never read as one negated list.
            ends_negated = bool(left.facts) and left.facts[-1].status == ABSENT
            starts_stated = bool(right.facts) and right.facts[0].status != ABSENT and not right.zh.startswith(
                ("可见", "伴", "仍可见", "不除外", "考虑"))
            # 'cardiomegaly and effusion versus thickening': the hedge stands alone (never 心脏增大，考虑为)
            hedged_right = word == "and" and right.zh.startswith(("考虑为", "不除外")) and left.facts[-1:] != () and \
                left.facts[-1].status == PRESENT  # after a hedge ('could reflect A and possible B') it goes on
            joiner = "；" if word == ";" or ends_negated and starts_stated or hedged_right else "，"
            return Clause(left.zh + joiner + right.zh, left.facts + right.facts)
    return _after_with(t) or run_on(t)


def _after_with(t: Tokens) -> Clause | None:
    """'low lung volumes with bronchovascular crowding, no acute cardiopulmonary finding': a clause with its 'with'
    part, then another clause after the comma (the 'with' part ends at the comma)."""
    for k in range(2, len(t) - 1):
        if t[k] not in (",", ";") or not {"with", "without"} & set(t[:k]):
            continue
        left = parse_tokens(t[:k])
        right = parse_tokens(t[k + 1:]) if left else None
        if right:
            stated = bool(right.facts) and right.facts[0].status != ABSENT and not right.zh.startswith(
                ("可见", "伴", "仍可见", "不除外", "考虑"))
            joiner = "；" if t[k] == ";" or left.facts and left.facts[-1].status == ABSENT and stated else "，"
            return Clause(left.zh + joiner + right.zh, left.facts + right.facts)
    return None


def _diagnosis_after(t: Tokens, k: int) -> Clause | None:
    """'the lungs appear hyperexpanded consistent with emphysema': a clause, then a diagnosis of it."""
    for n, (status, hedge, template) in DIAGNOSES.matches(t, k):
        right = parse_list(t[k + n:])
        head = t[:k - (t[k - 1] == ",")]
        left = (_clause(head) or parse_tokens(head)) if right else None  # a clause with its "with" part too
        if left and left.facts:
            like = left.facts[0].term
            more = uncertain(right[0], hedge, like) if status == UNCERTAIN else certain(right[0])
            return Clause(left.zh + "，" + template.format(join_zh([p.zh for p in right[0]], right[1] or "or")),
                          left.facts + more)
    return None


def _special(s: str) -> Clause | None:
    if _TECHNIQUE.match(s):
        return Clause("")
    for pattern, zh in _FOLLOWUP:
        m = pattern.match(s)
        if not m:
            continue
        if "what" not in pattern.groupindex:
            return Clause(zh)
        items = parse_list(tuple(_TOKEN.findall(m.group("what"))))
        if items:
            names = "、".join(p.zh for p in items[0])
            return Clause(zh.format(names), tuple(Fact(p.term, FOLLOWUP) for p in items[0]))
    return None


def _unread_facts(low: str) -> tuple[Fact, ...]:
    """Facts of a (normalized) sentence the grammar cannot read: its keywords, uncertain where a hedge bears on
    them, unknown where a de-identified word stands beside them."""
    any_hedge = bool(_HEDGE_WORDS.search(low))
    follow_up = bool(_FOLLOW_UP_WORDS.search(low))
    facts = []
    for key, present in extract_findings(low).items():
        if key == "normal":
            continue
        if not present:  # 'to exclude pneumonia' asks for follow-up; it does not say there is none
            facts.append(Fact(MeshTerm(key), FOLLOWUP if follow_up else ABSENT, parsed=False))
            continue
        stems = stems_for(key)
        hit = stems.search(low) if stems else None
        if hit and masked_at(low, hit.start(), key):
            facts.append(Fact(MeshTerm(key), MASKED, parsed=False))
        elif hit and keywords.NOT_SEEN_HERE.search(low[hit.start():]):  # 'not well demonstrated on this study'
            facts.append(Fact(MeshTerm(key), FOLLOWUP, parsed=False))
        elif hit and hedged_at(low, hit.start(), hit.end()) or not hit and any_hedge:
            strength = hedge_strength(low, hit.start()) if hit else sentence_hedge_strength(low)
            facts.append(Fact(MeshTerm(key), UNCERTAIN, strength, parsed=False))
        else:
            facts.append(Fact(MeshTerm(key), PRESENT, parsed=False))
    return tuple(facts)


def read_sentence(sentence: str) -> tuple[str | None, tuple[Fact, ...]]:
    """(Chinese or None, facts) of one English sentence."""
    zh, facts, _masked = _read(sentence)
    return zh, facts


@functools.lru_cache(maxsize=16384)
def _read(sentence: str) -> tuple[str | None, tuple[Fact, ...], bool]:
    """(Chinese or None, facts, whether masked subjects of a normal statement were left out) of one sentence."""
    s = normalize(sentence)
    special = _special(s)
    if special:
        return special.zh, special.facts, False
    tokens = tuple(_TOKEN.findall(s)) if not _STRANGE.search(s) else ()
    for lead in sorted(_LEADING, key=len, reverse=True):
        if tokens[:len(lead)] == lead:
            tokens = tokens[len(lead):]
            break
    if "xxxx" in tokens:  # never guessed: only a normal statement may leave its masked subjects out
        if masked_interval(s):
            return "", (), True
        found = masked_normal(tokens, s)
        return (None, _unread_facts(s), False) if found is None else (found.zh, found.facts, True)
    found = parse_tokens(tokens) if tokens else None
    if found is None:
        return _predominant(s) or on_view(s, _read) or for_technique(s, _read) or (None, _unread_facts(s), False)
    return found.zh, found.facts, False


# 'bibasilar opacities, left greater than right': a finding on both sides, worse on one (左侧为著).
_PREDOMINANT = re.compile(r"^(?P<rest>[a-z ,]*\b(?:bilateral|bibasilar|biapical|both)\b[a-z ,]*?),? (?:on the )?"
                          r"(?P<side>left|right) (?:greater|worse) than (?:the )?(?:left|right)$")


def _predominant(s: str) -> tuple[str, tuple[Fact, ...], bool] | None:
    m = _PREDOMINANT.match(s)
    if not m or m.group("side") in s[m.end("side"):]:
        return None  # 'left greater than left' says nothing
    zh, facts, masked = _read(m.group("rest"))
    if not zh or masked or any(f.status != PRESENT for f in facts):
        return None
    return zh + "，" + ("左" if m.group("side") == "left" else "右") + "侧为著", facts, False


# A report that also reads another film ('Right knee. ... No fractures.'): what follows such a heading is not
# about the chest, so it is neither rendered nor used as a fact, until a 'Chest' heading.
_OTHER_EXAM = re.compile(
    r"^(?:\d+\.\s*)?(?:(?:right|left|bilateral)\s+)?(?:knees?|shoulders?|ankles?|foot|feet|hips?|pelvis|"
    r"lumbar spine|lumbosacral spine|cervical spine|abdomen|hands?|wrists?|elbows?|femurs?|tibias?|fibula|forearm|"
    r"sacrum|soft tissue neck|rib films?|pelvis and \w+ hip)\s*[.:]", re.IGNORECASE)
_CHEST_HEADING = re.compile(r"^(?:\d+\.\s*)?(?:chest|two-view chest|pa and lateral chest)\s*[.:]", re.IGNORECASE)


def read_section(text: str) -> list[Sentence]:
    """Every sentence of a findings or impression section, read (sentences about another film unread)."""
    out = []
    other = False
    for marker, sentence in split_sentences(text):
        if _OTHER_EXAM.match(sentence):
            other = True
        elif _CHEST_HEADING.match(sentence):
            other = False
        if other:
            out.append(Sentence(sentence, None, (), marker))
            continue
        zh, facts, masked = _read(sentence)
        out.append(Sentence(sentence, zh, facts, marker, masked))
    return out


def render_section(sentences: list[Sentence]) -> str | None:
    """The section in Chinese when every sentence renders (technique lines drop out), else None."""
    if not sentences or not all(s.rendered for s in sentences):
        return None
    text = "".join(s.marker + s.zh + "。" for s in sentences if s.zh)
    return text or None
