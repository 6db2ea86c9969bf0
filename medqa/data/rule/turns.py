"""The question/answer turns of one report, each with its machine label (PLAN.md, 'Question types')."""

from __future__ import annotations

from medqa.data.qa import QAPair
from medqa.data.rule.crosscheck import Checked, Finding, severity_of
from medqa.data.rule.phrasing import Wording
from medqa.data.rule.places import location_supported
from medqa.data.rule.views import frontal_view
from medqa.vocab.clauses import PRESENT, WEAK, Fact
from medqa.vocab.lexicon import describe_term
from medqa.vocab.mesh import MeshTerm

_SIZE_WORDS = {"小": "较小", "大": "较大", "临界": "临界程度"}
# Findings of both lungs as a whole: "where is it?" has no useful answer.
_DIFFUSE = frozenset({"hypoinflation", "hyperdistention", "emphysema", "pulmonary edema", "pulmonary congestion",
                      "pulmonary disease, chronic obstructive", "cardiomegaly"})


def label(finding: str, status: str, term: MeshTerm | None = None, terms: list[MeshTerm] | None = None,
          severity: bool = True) -> dict:
    """{"finding", "status", "side", "severity"}; two sides of one finding are 'bilateral'."""
    terms = terms or ([term] if term else [])
    sides = {t.side for t in terms} - {None}
    side = sides.pop() if len(sides) == 1 else ("bilateral" if sides else None)
    sev = severity_of(terms[0]) if severity and len(terms) == 1 else None
    return {"finding": finding, "status": status, "side": side, "severity": sev}


def _phrase(terms: list[MeshTerm]) -> str:
    return "、".join(describe_term(t).phrase for t in terms)


def projection_pair(projection: str, title: str, w: Wording, body: str = "") -> QAPair | None:
    """Which projection is this film? 正位 alone, or the view the report names (后前位, 前后位, 床旁前后位, 前弓位):
    its findings and impression first, then its exam title (rule/views.py)."""
    if projection == "Lateral":
        kind = "projection_lateral"
    elif projection == "Frontal":
        kind = f"projection_{frontal_view(title, body) or 'frontal'}"
    else:
        return None
    return QAPair(w.question("projection"), w.answer(kind), "projection")


def normal_pair(w: Wording, benign: list[Finding] | None = None) -> QAPair:
    if benign:
        answer = w.answer("normal_with", x=_phrase([t for f in benign for t in f.terms]))
    else:
        answer = w.answer("normal")
    return QAPair(w.question("normality"), answer, "normality", label("normal", "present"))


def abnormal_pair(checked: Checked, w: Wording) -> QAPair | None:
    """不正常。可见…；不除外…(；心肺未见急性病变) from the confirmed findings; None if none is certain."""
    disease = [f for f in checked.findings if not f.benign]
    certain = [f for f in disease if f.status == PRESENT]
    if not certain:
        return None
    # Findings the report states but this list cannot name (not indexed, untranslated, a side in doubt): 等 says
    # plainly that the list is not the whole film.
    parts = ["可见" + _phrase([t for f in certain for t in f.terms]) + ("等" if checked.left_out else "")]
    for hedge, word in ((WEAK, "不除外"), ("strong", "考虑为")):
        hedged = [t for f in disease if f.status != PRESENT and f.hedge == hedge for t in f.terms]
        if hedged:
            parts.append(word + _phrase(hedged))
    if checked.no_acute_disease:
        parts.append(checked.no_acute_disease)
    answer = w.answer("abnormal", x="；".join(parts))
    return QAPair(w.question("normality"), answer, "normality", label("normal", "absent"))


def finding_pairs(f: Finding, w: Wording) -> list[QAPair]:
    """Presence (present or uncertain), then where and how severe when the text is certain and agrees."""
    phrase = _phrase(f.terms)
    if f.status == PRESENT:
        answer = w.answer("present", x=phrase)
    else:
        answer = w.answer("uncertain_weak" if f.hedge == WEAK else "uncertain_strong", x=phrase)
    pairs = [QAPair(w.question("presence", f.name), answer, "presence",
                    label(f.key, f.status, terms=f.terms, severity=f.severity_ok))]
    if f.status != PRESENT:
        return pairs
    zh = [describe_term(t) for t in f.terms]
    where = "、".join(z.location for z in zh)
    if f.located and all(z.location and z.location != "肺" for z in zh) and f.key not in _DIFFUSE and \
            location_supported(where, f.texts):  # never coarser than the text, never MeSH's place alone
        pairs.append(QAPair(w.question("location", f.name), w.answer("location", x=where, name=f.name),
                            "location", label(f.key, PRESENT, terms=f.terms, severity=False)))
    if len(zh) == 1 and zh[0].severity and f.severity_ok and zh[0].severity not in ("小", "大"):
        size = _SIZE_WORDS.get(zh[0].severity, zh[0].severity)
        pairs.append(QAPair(w.question("severity", f.name), w.answer("severity", x=size, name=f.name),
                            "severity", label(f.key, PRESENT, terms=f.terms)))
    return pairs


def absent_pair(fact: Fact, w: Wording) -> QAPair:
    """未见 + the negated phrase with its qualifier kept (未见大量胸腔积液, never 未见胸腔积液)."""
    phrase = describe_term(fact.term).phrase
    pair_label = label(fact.key, "absent", fact.term)
    quals = [q for q in fact.term.qualifiers if q not in ("right", "left", "bilateral")]
    if quals:
        pair_label["qualifiers"] = quals
    return QAPair(w.question("presence", phrase), w.answer("absent", x=phrase), "presence", pair_label)


def text_pair(qtype: str, zh: str, w: Wording) -> QAPair:
    """A description (findings in Chinese) or the impression, in one of their phrasings."""
    return QAPair(w.question(qtype), w.answer(qtype, x=zh), qtype)
