"""MeSH terms checked against the report text, both ways, before any question is asked.

A MeSH finding is asked about only when the text states it too: as certain (answered 可见…) or hedged (answered
不除外… / 考虑为…). Where the text negates it, never mentions it, names it on the other side, or only asks for
follow-up, nothing is asked and the reason is counted. A finding the text states that MeSH does not list is not
asked either (counted). Negated findings become "absent" questions only when no other part of the report (MeSH,
another sentence, a hedge, a follow-up) speaks of them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from medqa.data.rule.descriptors import as_the_text_says, name_once, one_lesion
from medqa.data.rule.hedges import NOT_ASKED, held
from medqa.vocab.clauses import ABSENT, FOLLOWUP, PRESENT, STRONG, UNCERTAIN, WEAK, Fact
from medqa.vocab.keywords import MASKED, SIDE_WORDS, hedge_strength, keyword_status, stems_for
from medqa.vocab.lexicon import describe_term, finding_key
from medqa.vocab.mesh import DEID_RE, MeshTerm
from medqa.vocab.sentences import Sentence, normalize

# Finding keys one radiologist writes and another indexes differently: the same question.
GROUPS: dict[str, str] = {
    "density": "opacity", "airspace disease": "opacity", "infiltrate": "opacity", "consolidation": "opacity",
    "calcified granuloma": "granuloma", "granulomatous disease": "granuloma",
    "pulmonary fibrosis": "cicatrix",
    "spondylosis": "degenerative change", "osteophyte": "degenerative change", "arthritis": "degenerative change",
    "hyperdistention": "hyperdistention", "emphysema": "emphysema",
    "lung/obscured": "opacity",
    "aortic enlargement": "tortuous aorta",
    "pulmonary congestion": "pulmonary congestion", "heart failure": "pulmonary congestion",
    "bronchovascular crowding": "markings", "increased markings": "markings",
    "fractures, bone": "fractures, bone", "deformity": "fractures, bone",
    "cardiomegaly": "cardiomegaly",
    "tracheostomy tube": "tube, inserted",
}
# Findings that are no disease: devices, surgery, normal variants, soft tissue (issue 10, class 5).
BENIGN = frozenset({
    "catheters, indwelling", "implanted medical device", "medical device", "stents", "sutures",
    "surgical instruments", "tube, inserted", "tracheostomy tube", "spinal fusion", "mastectomy", "pneumonectomy",
    "breast implants",
    "nipple shadow", "epicardial fat", "colonic interposition", "azygos lobe", "contrast media",
})
# Keys that stand for "disease" in general: never the subject of a presence question.
GENERIC = frozenset({"disease", "abnormality", "cardiopulmonary disease", "lung disease", "lesion"})
_SEVERITY_WORDS = re.compile(r"\bmild to moderate\b|\b(?:mild|minimal|moderate|severe|small|large|borderline)\b")
_TEXT_ONLY = frozenset({"subsegmental", "platelike", "segmental", "spiculated"})
_SEVERITIES = {"mild": "mild", "minimal": "mild", "moderate": "moderate", "severe": "severe", "small": "small",
               "large": "large", "borderline": "borderline", "mild to moderate": "mild to moderate"}


def group(key: str) -> str:
    return GROUPS.get(key, key)


def severity_of(term: MeshTerm) -> str | None:
    return next((_SEVERITIES[q] for q in term.qualifiers if q in _SEVERITIES), None)


@dataclass
class Finding:
    """A MeSH finding the text confirms: its terms (one question may cover two sides), status and hedge."""

    terms: list[MeshTerm]
    status: str  # present or uncertain
    hedge: str = ""
    benign: bool = False
    severity_ok: bool = True  # the text gives no other severity
    side_ok: bool = True
    texts: list[str] = field(default_factory=list)  # the text's sentences that state it (lower case)
    located: bool = True  # False: the sections place it differently, so no location question

    @property
    def key(self) -> str:
        return finding_key(self.terms[0])

    @property
    def name(self) -> str:
        return describe_term(self.terms[0]).name


@dataclass
class Checked:
    """The outcome for one report."""

    findings: list[Finding] = field(default_factory=list)
    absent: list[Fact] = field(default_factory=list)
    text_only: list[Fact] = field(default_factory=list)  # stated in the text, missing from MeSH
    unasked: list[Finding] = field(default_factory=list)  # beside an alternative, explanation or stage word
    counts: Counter = field(default_factory=Counter)
    no_acute_disease: str = ""  # how the impression says it, in Chinese (心肺未见急性病变), or ""
    no_acute_scope: str = ""  # "cardiopulmonary" (heart and lungs, or no subject) or "lung"

    @property
    def text_abnormal(self) -> bool:
        return any(not f.device and f.key not in BENIGN and f.key not in GENERIC for f in self.text_only)

    unread: bool = False  # a sentence not rendered whole may state more than its facts name

    @property
    def left_out(self) -> bool:
        """Whether the report states a finding no question names (an abnormality list must then say 等)."""
        return self.text_abnormal or self.unread or any(self.counts[k] for k in _LEFT_OUT)


# Why a finding the report states may be missing from the questions.
_LEFT_OUT = ("MeSH terms with untranslated words", "MeSH findings whose side the text contradicts",
             "MeSH findings beside a de-identified word", "findings asked once with two different answers (dropped)",
             "MeSH severities the text contradicts", NOT_ASKED,
             "MeSH structures the text gives as a neighbour or names otherwise (not asked)")


def _compatible(fact: Fact, side: str | None) -> bool:
    other = fact.term.side
    return side is None or other is None or other == side or "bilateral" in (side, other)


def _mesh_terms(mesh: list[MeshTerm], counts: Counter, text: str) -> list[MeshTerm]:
    """Abnormal MeSH terms, de-identified heads dropped and bare Markings read from the text."""
    out = []
    for term in mesh:
        if DEID_RE.search(term.head):
            counts["de-identified MeSH heads"] += 1
            continue
        head = term.head.lower()
        if head in ("normal", "no indexing", "technical quality of image unsatisfactory"):
            continue
        if head == "markings" and not any(q in term.qualifiers for q in ("prominent", "crowded")):
            state = ("crowded" if "crowding" in text else
                     "prominent" if any(w in text for w in ("increased", "prominen", "coarse", "accentuat")) else "")
            if not state:
                counts["MeSH Markings without a stated change"] += 1
                continue
            term = MeshTerm(term.head, (*term.qualifiers, state))
        lobe = next((q for q in ("middle lobe", "lingula") if q in term.qualifiers), "")
        if lobe and not re.search(r"middle lobe|lingul", text) and re.search(r"mid[- ]?lung", text):
            # 'left midlung' indexed as the lingula or a middle lobe: the text names a zone, not a lobe (左中肺野)
            quals = tuple("mid lung zone" if q == lobe else q for q in term.qualifiers)
            term = MeshTerm(term.head, quals + (("left",) if lobe == "lingula" and "left" not in quals else ()))
        term = _as_the_text_says(term, text, counts)
        if term is None:
            continue
        if describe_term(term).unknown:
            counts["MeSH terms with untranslated words"] += 1
            continue
        out.append(term)
    return out


# A device the text names by its kind.
_DEVICE_KINDS = ((r"\bspinal (?:cord )?stimulator", "spinal cord stimulator"),
                 (r"\bstimulator", "nerve stimulator"), (r"\bdefibrillator|\baicd\b", "implanted defibrillator"),
                 (r"\bpacemaker|\bpacer\b", "cardiac pacemaker"))
# MeSH heads too general to put in Chinese: the text says what the thing is (手术夹, not 手术器械影, which reads
# as a retained instrument; 气管切开套管, not 气管内置管, which reads as intubation).
_TEXT_KINDS = {
    "surgical instruments": ((r"\bclips?\b", "surgical clips"), (r"\bstaples?\b", "surgical staples")),
    "tube, inserted": ((r"\btracheostomy\b", "tracheostomy tube"),),
    "shoulder": ((r"\bacromioclavicular\b|\bac joints?\b", "acromioclavicular joint"),),  # 肩锁关节, not 肩关节
    "implanted medical device": _DEVICE_KINDS,  # 起搏器, not 植入式医疗器械
    "foreign bodies": _DEVICE_KINDS,  # 'probable nerve stimulator' indexed Foreign Bodies: 考虑为神经刺激器, not 异物
}
# A foreign body the text names as a device ('probable nerve stimulator'): 异物 is not what the report says.
_NAMED_DEVICE = re.compile(r"stimulator|pacemaker|pacer\b|defibrillator|\baicd\b|loop recorder|\bport\b|catheter|"
                           r"\bline\b|\btube\b|\bpump\b|\bvalve\b|\bstent\b|\bleads?\b|\bclips?\b")
_NEEDS_KIND = frozenset({"surgical instruments"})  # no rendering at all without the text's word


def _as_the_text_says(term: MeshTerm, text: str, counts: Counter) -> MeshTerm | None:
    head = term.head.lower()
    for pattern, kind in _TEXT_KINDS.get(head, ()):
        if re.search(pattern, text):
            return MeshTerm(kind, tuple(q for q in term.qualifiers if q not in ("trachea", "trachea, carina")))
    if head == "foreign bodies" and _NAMED_DEVICE.search(text) and not re.search(r"foreign bod", text):
        counts["MeSH terms the text names as something else (not asked)"] += 1
        return None
    if head in _NEEDS_KIND:
        counts["MeSH terms whose kind the text does not name"] += 1
        return None
    return term


def _text_severity(term: MeshTerm, same: list[Fact], counts: Counter, loose: set[str]) -> tuple[MeshTerm, bool]:
    """The term with the text's own severity where the two differ ('mild to moderate' tortuosity indexed as
    moderate is 轻至中度); with several text severities, none (and no severity question). `loose`: the severity
    words of the sentences that state the finding in words the grammar did not read."""
    said = {q for f in same if f.status == PRESENT and f.parsed for q in f.term.qualifiers if q in _SEVERITIES}
    mesh = [q for q in term.qualifiers if q in _SEVERITIES]
    kept = tuple(q for q in term.qualifiers if q not in _SEVERITIES)
    stated = said | loose | {q for f in same if f.parsed for q in f.term.qualifiers if q in _SEVERITIES}
    if mesh and not said and not {_SEVERITIES[q] for q in stated} & {_SEVERITIES[q] for q in mesh}:
        # 'Dextroscoliosis noted.' indexed Scoliosis/right/mild: MeSH alone never supplies a severity (issue 20)
        counts["MeSH severities the text does not state (not rendered)"] += 1
        return MeshTerm(term.head, kept), True
    # Only a severity MeSH states is checked: 'mild interstitial opacities' says nothing of the dense
    # retrocardiac opacity indexed beside them.
    if not said or not mesh or {_SEVERITIES[q] for q in said} == {_SEVERITIES[q] for q in mesh}:
        return term, True
    counts["MeSH severities the text contradicts"] += 1
    if len(said) == 1:
        return MeshTerm(term.head, (*kept, *said)), True
    return MeshTerm(term.head, kept), False


def _decide(term: MeshTerm, facts: list[Fact], counts: Counter, loose: set[str] = frozenset()) -> Finding | None:
    """Confirm one MeSH term against the text facts of its group."""
    side = term.side
    exact = [f for f in facts if f.key == finding_key(term)]
    # 'Opacity, atelectasis versus infiltrate': the opacity is certain, the infiltrate is not. A finding's own
    # words decide; words for another finding of its group ('airspace disease' for Opacity) only when it has none.
    facts = exact or facts
    same = [f for f in facts if _compatible(f, side)]
    masked = [f for f in same if f.status == MASKED]
    same = [f for f in same if f.status != MASKED]
    if masked and not same:
        counts["MeSH findings beside a de-identified word"] += 1
        return None
    if not same and facts:
        counts["MeSH findings whose side the text contradicts"] += 1
        return None
    statuses = {f.status for f in same}
    if PRESENT in statuses:
        status, hedge = PRESENT, ""
    elif UNCERTAIN in statuses:
        status = UNCERTAIN
        hedge = WEAK if any(f.hedge == WEAK for f in same if f.status == UNCERTAIN) else STRONG
    elif ABSENT in statuses:
        counts["MeSH findings the text negates"] += 1
        return None
    elif FOLLOWUP in statuses:
        counts["MeSH findings only named in follow-up advice"] += 1
        return None
    else:
        counts["MeSH findings not found in the text"] += 1
        return None
    term, severity_ok = _text_severity(term, same, counts, loose)
    # A qualifier only the text gives keeps its meaning: 'subsegmental atelectasis' is 亚段肺不张, never lobar.
    kept = {q for f in same if f.parsed and f.status == status for q in f.term.qualifiers if q in _TEXT_ONLY}
    if kept - set(term.qualifiers):
        term = MeshTerm(term.head, (*term.qualifiers, *sorted(kept - set(term.qualifiers))))
    if status == PRESENT and "healed" not in term.qualifiers and any(
            {"healed", "prior"} & set(f.term.qualifiers) for f in same if f.parsed and f.status == PRESENT):
        term = MeshTerm(term.head, (*term.qualifiers, "healed"))  # 'old granulomatous disease': 陈旧性
    return Finding([term], status, hedge, benign=finding_key(term) in BENIGN, severity_ok=severity_ok)


def _merge(findings: list[Finding], new: Finding, counts: Counter) -> None:
    """One question per Chinese name: two sides of one finding become one answer; a clash asks nothing."""
    for old in findings:
        if old.key == new.key and old.name != new.name:
            return  # 'Cardiac Shadow/enlarged' and 'Cardiomegaly': one finding, asked once
        if old.name == new.name:
            if (old.status, old.hedge) == (new.status, new.hedge):
                if one_lesion(old, new):
                    name_once(old, new, counts)
                elif describe_term(new.terms[0]).phrase not in {describe_term(t).phrase for t in old.terms}:
                    old.terms += new.terms
                    old.severity_ok = old.severity_ok and new.severity_ok
                    old.texts += [t for t in new.texts if t not in old.texts]
            else:
                findings.remove(old)
                counts["findings asked once with two different answers (dropped)"] += 1
            return
    findings.append(new)


def _absent(by_group: dict[str, list[Fact]], mesh_groups: set[str]) -> list[Fact]:
    """Negated findings nothing else in the report speaks of; the least qualified negation of each."""
    out = []
    for g, facts in sorted(by_group.items()):
        if g in mesh_groups or any(f.status != ABSENT for f in facts):
            continue
        parsed = [f for f in facts if f.parsed and f.key not in GENERIC]
        if parsed:
            out.append(min(parsed, key=lambda f: len(f.term.qualifiers)))
    return out


# A foreign body that is jewellery or clothing on the patient is no disease ('umbilical piercing').
_EXTERNAL = re.compile(r"piercing|jewel|\bring\b|clothing|external|outside the patient|overlying the patient|"
                       r"\bbutton|\bsnap|artifact")


def _keyword_facts(term: MeshTerm, sentences: list[Sentence]) -> list[Fact]:
    """Facts about a MeSH term from sentences that name it in words the grammar did not map to its key."""
    key = finding_key(term)
    stems = stems_for(key) or stems_for(term.head.lower()) or stems_for(group(key))
    if stems is None:
        return []
    side = term.side
    facts = []
    for sentence in sentences:
        status = keyword_status(normalize(sentence.text), stems, key)
        if status is None:
            continue
        low = normalize(sentence.text)
        sides = {s for s, pattern in SIDE_WORDS.items() if pattern.search(low)}
        if side in SIDE_WORDS and sides and side not in sides:
            continue  # the sentence speaks of the other side
        strength = hedge_strength(low, low.find(stems.search(low).group())) if status == UNCERTAIN else ""
        facts.append(Fact(term, status, strength, parsed=False))
    return facts


# Words of a sentence that state nothing abnormal, or only leave a question open.
_NOTHING_SAID = re.compile(r"\b(?:no|not|without|negative|normal|unremarkable|clear|intact|within normal limits|"
                           r"correlat\w*|comparison|compared|recommend\w*|follow-?up|evaluat\w*|dictated|called|"
                           r"discussed|notified|expanded)\b")
_HEDGE_WORDS = re.compile(r"\b(?:question\w*|possibl\w*|probabl\w*|may|might|could|suspect\w*|suggest\w*|"
                          r"concern\w*|likely|cannot|equivocal)\b")


def _partly_unread(sentence: Sentence) -> bool:
    """Whether a sentence the grammar did not render whole may say more than its facts name: a stated finding beside
    unread words ('T-spine osteophytes and DISH'), or a hedge or words nothing reads ('Question left atrial
    enlargement', 'Patient is rotated'). An abnormality list then ends with 等."""
    if sentence.rendered:
        return False
    stated = [f for f in sentence.facts if f.status in (PRESENT, UNCERTAIN, MASKED)]
    if stated:  # beside a device, the unread words say where it lies
        return not all(f.device or f.key in BENIGN for f in stated)
    low = re.sub(r"\bx+\b", " ", sentence.text.lower())
    words = [w for w in re.findall(r"[a-z]{3,}", low) if w not in ("the", "and", "there", "this", "that", "chest")]
    if sentence.facts or len(words) < 2:
        return False
    return bool(_HEDGE_WORDS.search(low)) or not _NOTHING_SAID.search(low)


def keyword_sentences(term: MeshTerm, sentences: list[Sentence]) -> list[str]:
    """The (normalized) sentences that state or hedge a MeSH term in words the grammar did not map to its key."""
    key = finding_key(term)
    stems = stems_for(key) or stems_for(term.head.lower()) or stems_for(group(key))
    if stems is None:
        return []
    lows = [normalize(s.text) for s in sentences]
    return [low for low in lows if keyword_status(low, stems, key) in (PRESENT, UNCERTAIN)]


def keyword_severities(term: MeshTerm, sentences: list[Sentence]) -> set[str]:
    """The severity words of the sentences that name a MeSH term in words the grammar did not map to its key."""
    return {w for low in keyword_sentences(term, sentences) for w in _SEVERITY_WORDS.findall(low)}


def check(mesh: list[MeshTerm], findings: list[Sentence], impression: list[Sentence], text: str) -> Checked:
    """Cross-check a report's MeSH terms and the facts of its sentences."""
    checked = Checked()
    by_group: dict[str, list[Fact]] = {}
    loose: dict[str, set[str]] = {}  # severity words of sentences that state a finding the grammar did not read
    stating: dict[str, list[str]] = {}  # the sentences that state or hedge each group's findings
    for sentence in findings + impression:
        words = set(_SEVERITY_WORDS.findall(normalize(sentence.text)))
        for fact in sentence.facts:
            by_group.setdefault(group(fact.key), []).append(fact)
            if fact.status in (PRESENT, UNCERTAIN):
                stating.setdefault(group(fact.key), []).append(" ".join(sentence.text.lower().split()))
            if not fact.parsed and fact.status in (PRESENT, UNCERTAIN):
                loose.setdefault(group(fact.key), set()).update(words)
    mesh_groups = set()
    for term in _mesh_terms(mesh, checked.counts, text.lower()):
        g = group(finding_key(term))
        mesh_groups.add(g)
        facts = by_group.get(g) or _keyword_facts(term, findings + impression)
        if g not in by_group:  # found by keywords here: the severity words of the sentences naming it
            loose[g] = keyword_severities(term, findings + impression)
        decided = _decide(term, facts, checked.counts, loose.get(g, set()))
        if decided and decided.key == "foreign bodies" and _EXTERNAL.search(text.lower()):
            decided.benign = True
        if decided:
            decided.texts = stating.get(g) or keyword_sentences(term, findings + impression)
            # MeSH's words never stand for the text's
            whole = " ".join(text.lower().split())
            if not as_the_text_says(decided, checked.counts, whole) or not held(decided, whole, checked):
                decided = None
        if decided:
            _merge(checked.findings, decided, checked.counts)
    for g, facts in by_group.items():
        stated = [f for f in facts if f.status in (PRESENT, UNCERTAIN) and f.key not in GENERIC]
        if g not in mesh_groups and stated:
            checked.text_only.append(stated[0])
            checked.counts["text findings not in MeSH"] += 1
    checked.absent = _absent(by_group, mesh_groups)
    checked.unread = any(_partly_unread(s) for s in findings + impression)
    for f in checked.findings:
        if f.status == UNCERTAIN:
            checked.counts["uncertain findings"] += 1
    for s in impression:
        said = [f for f in s.facts if f.status == ABSENT and f.key in GENERIC
                and {"acute", "active"} & set(f.term.qualifiers)]
        if said and s.zh and len(s.facts) == len(said) and not checked.no_acute_disease:
            checked.no_acute_disease = s.zh
            checked.no_acute_scope = "lung" if all(f.key == "lung disease" for f in said) else "cardiopulmonary"
    return checked
