"""What a report supports, in the verifier's concepts: each finding's statuses, sides and severities.

The statements come from the report's own sentences (findings and impression, read by medqa.vocab.sentences,
which reads English and renders nothing here); a side or severity the text does not give may come from a MeSH
term of the same finding. Critical findings and surgery are also found directly in the English text
(critical.tsv), so that a finding the grammar could not read is never lost from view.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

from medqa.core.tables import read_tsv
from medqa.data.records import Report
from medqa.data.rule.crosscheck import check, keyword_sentences, keyword_severities
from medqa.data.verify.descriptors import interpretation
from medqa.data.verify.disagree import denied_concept, plain_negation
from medqa.data.verify.masked import masked_unsaid
from medqa.data.verify.reader import TableError, concepts_of, load_table
from medqa.data.verify.scope import (
    Rule,
    Statement,
    adjective_only,
    attached,
    clause_of,
    hedged,
    negated_diagnosis,
    statement,
    unread_statement,
)
from medqa.vocab.clauses import Fact
from medqa.vocab.mesh import DEID_RE
from medqa.vocab.modality import name_stems, open_in
from medqa.vocab.sentences import normalize, read_section

CRITICAL = Path(__file__).with_name("critical.tsv")
_SIDES = {"left": "left", "right": "right", "bilateral": "bilateral", "lingula": "left",
          "right upper quadrant": "right"}  # the quadrant names its side (右上腹)
_SEVERITY = {"mild": "low", "minimal": "low", "small": "low", "trace": "low", "tiny": "low", "slight": "low",
             "slightly": "low", "mildly": "low", "moderate": "mid", "moderately": "mid", "severe": "high",
             "large": "high", "massive": "high", "marked": "high", "markedly": "high", "severely": "high",
             "borderline": "borderline", "mild to moderate": "low-mid"}
_ZONES = {"upper lobe": "upper", "apex": "upper", "upper lung zone": "upper", "middle lobe": "middle",
          "lingula": "middle", "mid lung zone": "middle", "lower lobe": "lower", "base": "lower",
          "lower lung zone": "lower", "hilum": "hilum", "perihilar": "hilum"}
_SIDE_WORDS = re.compile(r"\b(left|right|bilateral(?:ly)?|both)\b")
_MIDDLE_LOBE = re.compile(r"\bmiddle lobe\b|\brml\b")
_SEVERITY_WORDS = re.compile(r"\bmild to moderate\b|\b(?:" + "|".join(k for k in _SEVERITY if " " not in k) + r")\b")
_NORMAL_WORDS = re.compile(r"\b(?:normal|unremarkable|intact|clear|negative|unchanged|stable|within|expanded|"
                           r"resolution|resolving|absent|nothing|none)\b")
_NEGATION = re.compile(r"\b(?:no|not|without|negative for|free of|resolved|removed|rather than|clear of)\b")


OPEN = "open"  # a hedge of Support: a statement beside an alternative, explanation or stage word


@dataclass
class Support:
    """What the report says of one concept."""

    statuses: set[str] = field(default_factory=set)  # present / absent / uncertain
    sides: set[str] = field(default_factory=set)  # sides the text gives ("none" where a statement gives none)
    severities: set[str] = field(default_factory=set)
    mesh_sides: set[str] = field(default_factory=set)
    mesh_severities: set[str] = field(default_factory=set)
    sections: set[str] = field(default_factory=set)
    section_sides: dict[str, set[str]] = field(default_factory=dict)
    places: set[tuple[str, str]] = field(default_factory=set)  # (side or "none", zone or "any") of each statement
    texts: set[str] = field(default_factory=set)  # the clauses of the report's text that state it
    text_sections: dict[str, set[str]] = field(default_factory=dict)  # the sections each of those clauses is in
    rules: set[Rule] = field(default_factory=set)  # qualifiers, extent words and places those clauses attach
    sentences: set[str] = field(default_factory=set)  # the whole sentences (a structure may stand beyond the clause)
    loose: set[str] = field(default_factory=set)  # sentences stating it by keywords alone (no clause names it)
    hedges: set[str] = field(default_factory=set)  # of its uncertain statements: "strong", "weak" or "" (unknown)
    groups: set[frozenset[tuple[str, str]]] = field(default_factory=set)  # the sided places of each text statement
    negated_plainly: set[str] = field(default_factory=set)  # text sections that deny it outright (disagree.py)
    stated_in: set[str] = field(default_factory=set)  # text sections that state or hedge it

    def side_conflict(self) -> bool:
        """Left in one section and right in another, neither saying both: one finding the sections disagree on."""
        named = {k: v for k, v in self.section_sides.items() if k != "mesh" and v - {"none"}}
        return any({"left"} <= a and "right" not in a and {"right"} <= b and "left" not in b
                   for x, a in named.items() for y, b in named.items() if x != y)


@dataclass
class Truth:
    """Every concept the report speaks of, and the critical or surgical findings its text states."""

    concepts: dict[str, Support] = field(default_factory=dict)
    critical: dict[str, set[str]] = field(default_factory=dict)  # concept -> sections ("findings", "impression")
    # Concepts that forbid calling the film normal -> the sections that state them.
    abnormal_in: dict[str, set[str]] = field(default_factory=dict)
    disease: set[frozenset[str]] = field(default_factory=set)  # each stated disease finding: its concepts
    # Every statement of the text, devices included, as the concepts that name it; an empty one is a statement the
    # verifier cannot name (a winged scapula): an answer that reads as complete must name one of each.
    statements: list[Statement] = field(default_factory=list)
    # Section -> its sentences with a de-identified word that say more than a normal statement
    # (medqa.data.verify.masked): a description, which never renders a masked word, cannot read whole beside them.
    masked: dict[str, list[str]] = field(default_factory=dict)
    # Whether the report has a findings section: without one, a description is checked against the impression.
    has_findings: bool = False

    @property
    def abnormal(self) -> set[str]:
        """The concepts that forbid calling the film normal."""
        return set(self.abnormal_in)

    def stated(self, concept: str) -> bool:
        s = self.concepts.get(concept)
        return bool(s and s.statuses & {"present", "uncertain"})


@functools.lru_cache(maxsize=2)
def critical_patterns(path: Path = CRITICAL) -> list[tuple[str, str, re.Pattern]]:
    """(concept, kind, pattern) rows of the critical table; TableError naming the file and line of a bad one."""
    out = []
    for where, row in read_tsv(path):
        if row.get("kind") not in ("critical", "abnormal") or not row.get("concept"):
            raise TableError(f"{where}: kind must be critical or abnormal, with a concept")
        try:
            out.append((row["concept"], row["kind"], re.compile(row["pattern"])))
        except re.error as exc:
            raise TableError(f"{where}: bad pattern: {exc}") from exc
    return out


def _sentence_sides(text: str) -> set[str]:
    words = {("bilateral" if w.startswith(("bilateral", "both")) else w) for w in _SIDE_WORDS.findall(text)}
    return {"bilateral"} if "bilateral" in words or {"left", "right"} <= words else words


def _add_fact(truth: Truth, fact, section: str, low: str, clause: str | None = None, sentences=None,
              open_: bool = False) -> None:
    sides = {_SIDES[q] for q in fact.term.qualifiers if q in _SIDES}
    severities = {_SEVERITY[q] for q in fact.term.qualifiers if q in _SEVERITY}
    if not fact.parsed:  # read by keywords: any side or severity word of the sentence may be its own
        sides, severities = _sentence_sides(low), {_SEVERITY[w] for w in _SEVERITY_WORDS.findall(low)}
    if not sides and ("middle lobe" in fact.term.qualifiers or not fact.parsed and _MIDDLE_LOBE.search(low)):
        sides = {"right"}  # only the right lung has a middle lobe: 'middle lobe opacity' is on the right
    if section == "mesh":  # a MeSH term's severity counts only where the text says it of that finding (issue 20)
        said = _SEVERITY_WORDS.findall(clause) if clause else keyword_severities(fact.term, sentences or [])
        severities &= {_SEVERITY[w] for w in said}
    status = fact.status if fact.status in ("present", "absent", "uncertain") else "followup"
    if status == "present" and _NORMAL_CAUSE.search(low or clause or "") and set(concepts_of(fact.key)) <= _SEEN:
        status = "explained"  # 'density ... reflects vascular, osseous and pleural structures': no finding at all
    own = clause if clause is not None else low  # a finding named in its own word ('adenopathy'): the sentence
    if status == "present" and own and hedged(own, " ".join([fact.key, fact.term.head])):
        status = "uncertain"  # 'prominence which may represent crowding', 'scar/subsegmental atelectasis'
    # 'hyperexpanded consistent with COPD': a diagnosis is 符合/考虑为, never 可见 (issue 20, blind 5); any other
    # finding so given may read either way (符合术后改变)
    reading = interpretation(fact.key, low or own) if status == "present" and (low or own) else ""
    if reading == "only" or open_ and status == "present":
        status = "uncertain"  # beside an alternative, explanation or stage word (medqa.vocab.modality): never 可见
    names = concepts_of(fact.key)
    stated = status in ("present", "uncertain")
    for name in names:
        s = truth.concepts.setdefault(name, Support())
        s.statuses.add(status)
        if reading:
            s.statuses.add("uncertain")
        if open_ and stated:
            s.hedges.add(OPEN)  # no closed answer may name it (issue 20, blind 6)
        if status == "uncertain" or reading:  # a hedge the verifier found itself (scope.hedged): no known strength
            s.hedges.add("strong" if reading else
                         fact.hedge if fact.status == "uncertain" and fact.hedge in ("weak", "strong") else "")
        s.sections.add(section)
        _text_status(s, section, stated, name, fact, names, low or own or "")
        if stated:  # 'no right effusion' gives no side to an effusion, 'no large effusion' no severity
            s.sides |= sides or {"none"}
            s.severities |= severities
            s.section_sides.setdefault(section, set()).update(sides)
            zones = {_ZONES[q] for q in fact.term.qualifiers if q in _ZONES} if fact.parsed else \
                _words_zones(low) if section != "mesh" and len(sides) == 1 else set()
            placed = {(side, zone) for side in sides or {"none"} for zone in zones or {"any"}}
            s.places |= placed
            if section != "mesh" and sides:
                s.groups.add(frozenset(placed))
            if clause is None and section != "mesh" and low:
                s.loose.add(low)
            elif clause is None and section == "mesh":
                s.loose.update(keyword_sentences(fact.term, sentences or []))
            if clause is not None:
                s.texts.add(clause)
                s.text_sections.setdefault(clause, set()).add(section)
                s.sentences.add(low or clause)
                s.rules |= attached(clause)
    table = load_table()
    if status in ("present", "uncertain") and not fact.device and any(not table[n].benign for n in names):
        truth.disease.add(frozenset(names))


def _text_status(s: Support, section: str, stated: bool, name: str, fact, names: list[str], low: str) -> None:
    """Record which text section states the concept, and which denies it outright (medqa.data.verify.disagree)."""
    if section == "mesh":
        return
    if stated:
        s.stated_in.add(section)
    elif denied_concept(name, fact.key, names) and plain_negation(fact, low):
        s.negated_plainly.add(section)


# The parts of a lung an English sentence names: a finding read by keywords from a one-sided sentence lies in them
# ('left upper lobe nodular opacity' is no 左中肺野 opacity).
_ZONE_WORDS = (("upper", re.compile(r"\bupper\b|\bap(?:ex|ices|ical)\b")),
               ("middle", re.compile(r"\bmid(?:dle)?\b|\bmid-?lungs?\b|\blingul\w*")),
               ("lower", re.compile(r"\blower\b|\b(?:bi)?bas(?:e|es|al|ilar)\b|\binfrahilar\b")),
               ("hilum", re.compile(r"\b(?:peri|supra|infra)?hil(?:um|ar|a)\b")))


def _words_zones(low: str) -> set[str]:
    return {zone for zone, pattern in _ZONE_WORDS if pattern.search(low)}


# A density or opacity the report attributes to normal anatomy or overlap (read over the whole sentence).
_NORMAL_CAUSE = re.compile(r"\b(?:reflect\w*|reflex|represent\w*|due to|combination of|related to|caused by|"
                           r"attributable to|secondary to)\b.*\b(?:structures|overlap\w*|superimpos\w*|summation|"
                           r"vascular|osseous|bony|nipples?|normal)\b")
_SEEN = {"opacity"}
_HEDGED = re.compile(r"\b(?:concern\w*|suspicious|worrisome|possibl\w*|probabl\w*|likely|may|might|could|cannot|"
                     r"question\w*|suggest\w*|compatible|versus|vs|differential|consider\w*|suspect\w*)\b")


def _critical(truth: Truth, section: str, text: str) -> None:
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        low = " ".join(sentence.lower().split())  # the raw words: normalising drops 'postsurgical changes of'
        for concept, kind, pattern in critical_patterns():
            for m in pattern.finditer(low):
                clause = re.split(r";| but | however | although ", low[:m.start()])[-1]
                if _NEGATION.search(clause):
                    continue
                if kind == "critical":
                    truth.critical.setdefault(concept, set()).add(section)
                truth.abnormal_in.setdefault(concept, set()).add(section)
                # A finding the grammar could not read is still stated: hedged where the sentence hedges.
                support = truth.concepts.setdefault(concept, Support())
                if not support.statuses & {"present", "uncertain"}:
                    support.statuses.add("uncertain" if _HEDGED.search(low) else "present")
                    support.sides |= _sentence_sides(low) or {"none"}
                    support.sections.add(section)


def _sentence(truth: Truth, sentence, section: str, low: str, raw: str, after: str = "") -> None:
    """One sentence's facts, and the statement it makes for answers that read as complete (`after`: the text after
    the sentence, which may explain its finding away)."""
    whole_negation = negated_diagnosis(raw)  # 'no finding suggestive of active disease'
    for fact in sentence.facts:
        if whole_negation:
            fact = Fact(fact.term, "absent", "", device=fact.device, parsed=fact.parsed)
        elif fact.status == "absent" and not _NEGATION.search(raw) and not _NORMAL_WORDS.search(raw):
            # No negation in the English: 'the skeletal structures show arthritic changes' states them.
            fact = Fact(fact.term, "present", "", device=fact.device, parsed=fact.parsed)
        stems = name_stems(fact.key, fact.term.head)
        open_ = fact.status in ("present", "uncertain") and bool(
            stems and open_in(raw, stems, after, fact.status == "present"))
        _add_fact(truth, fact, section, low, clause_of(raw, " ".join([fact.key, fact.term.head])), open_=open_)
        if fact.status in ("present", "uncertain", "masked"):  # 'XXXX biapical scarring' is still said
            clause = clause_of(raw, " ".join([fact.key, fact.term.head])) or raw
            truth.statements.append(statement(concepts_of(fact.key), clause))
    if sentence.zh is None and not whole_negation and _partly_unread(sentence, raw):
        truth.statements.append(statement((), raw))  # something else the verifier cannot name: a list needs 等


def _benign(key: str) -> bool:
    names = concepts_of(key)
    return bool(names) and all(load_table()[n].benign for n in names)


def _partly_unread(sentence, raw: str) -> bool:
    """Whether a sentence the grammar did not render whole may say more than its facts name: a stated finding beside
    unread words ('Rotated with low lung volumes', 'T-spine osteophytes and DISH'), a hedge over words nothing
    reads ('Question left atrial enlargement, XXXX appreciated on lateral view'), or words that say nothing is
    normal (issue 20, blind 4)."""
    stated = [f for f in sentence.facts if f.status in ("present", "uncertain", "masked")]
    if stated:  # beside a device, the unread words say where it lies (a misplaced line is found by critical.tsv)
        return not all(f.device or _benign(f.key) for f in stated)
    if sentence.facts:
        return False  # only negations and follow-up advice
    return unread_statement(raw) or bool(_HEDGED.search(raw) and not _NEGATION.search(raw))


def report_truth(report: Report) -> Truth:
    """The verifier's view of one report."""
    truth = Truth()
    sections = {}
    raws = []
    for section, text in (("findings", report.findings), ("impression", report.impression)):
        sections[section] = read_section(text or "")
        for sentence in sections[section]:
            low, raw = normalize(sentence.text), " ".join(sentence.text.lower().split())
            raws.append(raw)
            whole = " ".join((text or "").lower().split())
            at = whole.find(raw)
            _sentence(truth, sentence, section, low, raw, whole[at + len(raw):] if at != -1 else "")
            if masked_unsaid(low):
                truth.masked.setdefault(section, []).append(raw)
        truth.has_findings |= section == "findings" and bool(sections[section])
        _critical(truth, section, text or "")
    # MeSH findings the text states in words the grammar could not read ('degenerative endplate changes'): the
    # text's keywords decide their status, the MeSH term gives side and severity.
    checked = check(report.mesh, sections["findings"], sections["impression"], report.text)
    for finding in checked.findings + checked.unasked:
        for term in finding.terms:
            fact = Fact(term, finding.status, finding.hedge, device=finding.benign)
            clause = _mesh_clause(raws, term)
            if clause is not None and adjective_only(clause, term.head) or _state_unsaid(term, report.text):
                continue  # 'nodular prominence of the hilum' states no nodule; 'ectasia' is no tortuous aorta
            _add_fact(truth, fact, "mesh", "", clause, sections["findings"] + sections["impression"],
                      open_=finding in checked.unasked)
    for term in report.mesh:
        if DEID_RE.search(term.head):
            continue
        key = term.head.lower()
        for name in concepts_of(key) or concepts_of(_mesh_key(term)):
            s = truth.concepts.get(name)
            if s is not None:
                s.mesh_sides |= {_SIDES[q] for q in term.qualifiers if q in _SIDES}
                s.mesh_severities |= {_SEVERITY[q] for q in term.qualifiers if q in _SEVERITY}
    return truth


_STATES = ("tortu", "elevat", "blunt", "flatten")  # states a MeSH term may add that the text must say itself


def _state_unsaid(term, text: str) -> bool:
    """Whether the MeSH term names a state ('Aorta/tortuous') whose word the report's text never uses."""
    low = text.lower()
    return any(q.lower().startswith(s) and s not in low for q in term.qualifiers for s in _STATES)


def _mesh_clause(raws: list[str], term) -> str | None:
    """The first clause of the text naming the MeSH term's head (its qualifiers where the head is generic: Lung)."""
    for words in (term.head, " ".join(term.qualifiers)):
        clause = next((c for c in (clause_of(r, words) for r in raws) if c is not None), None)
        if clause is not None:
            return clause
    return None


def _mesh_key(term) -> str:
    """The finding a MeSH anatomy term names by its state ('Aorta/tortuous' is a tortuous aorta)."""
    quals = set(term.qualifiers)
    head = term.head.lower()
    table = {("aorta", "tortuous"): "tortuous aorta", ("heart", "enlarged"): "cardiomegaly",
             ("cardiac shadow", "enlarged"): "cardiomegaly", ("mediastinum", "enlarged"): "widened mediastinum",
             ("diaphragm", "elevated"): "elevated diaphragm", ("costophrenic angle", "blunted"):
             "blunted costophrenic angle", ("lung", "hypoinflation"): "hypoinflation",
             ("lung", "hyperdistention"): "hyperdistention", ("aorta", "enlarged"): "aortic enlargement"}
    return next((v for (h, q), v in table.items() if h == head and q in quals), head)
