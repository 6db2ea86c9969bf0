"""Every word an answer gives a finding comes from the report's text, not from its MeSH index (issue 20, blind 5).

MeSH is an indexer's summary: 'right upper lung' indexed Lung/upper lobe, 'minimal atelectasis' indexed mild,
'6 mm nodular opacity' indexed round, a fracture 'not well demonstrated' indexed healed. A MeSH finding's place,
grade, shape and age are kept only where the sentences that state the finding say them too, in the text's own
grade (minimal is 轻微, never 轻度; moderate-to-severe is 中至重度, never 重度); a lobe the text gives as a zone
becomes that zone (右上肺野). (A diagnosis the text gives only as an interpretation, 'consistent with pneumonia', is
answered 考虑为…: medqa.data.rule.hedges.) The verifier holds every answer to the same rule with its own table
(medqa.data.verify.descriptors); this module is the generator's own.
"""

from __future__ import annotations

import re
from collections import Counter

from medqa.data.rule.anatomy import foreign_structure
from medqa.vocab.lexicon import describe_term
from medqa.vocab.mesh import SIDES, MeshTerm

# MeSH descriptor qualifier -> the English words of the text that say it.
SAID: dict[str, re.Pattern] = {q: re.compile(en) for q, en in (
    ("round", r"\bround\w*|\bspherical\b"),
    ("oval", r"\boval\b"),
    ("healed", r"\bold\b|\bheal\w*|\bcallus\b|\bremote\b|\bchronic\b|\bprior\b|\bprevious\w*|\bununited\b|"
               r"\bsequela\w*"),
    ("chronic", r"\bchronic\w*|\bold\b|\blong-?standing\b"),
    ("irregular", r"\birregular\w*"),
    ("lobulated", r"\blobulat\w*"),
    ("patchy", r"\bpatch\w*"),
    ("streaky", r"\bstreak\w*|\bstrand\w*|\blinear\b"),
    ("focal", r"\bfocal\w*|\bfocus\b"),
    ("diffuse", r"\bdiffuse\w*"),
    ("scattered", r"\bscatter\w*"),
    ("mild", r"\bmild\w*|\bslight\w*"),
    ("moderate", r"\bmoderate\w*"),
    ("severe", r"(?<!to )(?<!to-)\bsever\w*|\bmarked\w*"),
)}
_LOBE_ZONE = {"upper lobe": "upper lung zone", "lower lobe": "lower lung zone", "middle lobe": "mid lung zone"}
_LOBE_WORDS = re.compile(r"\blobes?\b|\blobar\b|\blobectom\w*|\b[rl][ulm]l\b|\blingul\w*")
_ZONE_WORDS = {"upper lobe": re.compile(r"\bupper (?:\w+ ){0,2}(?:lungs?|zones?)\b"),
               "lower lobe": re.compile(r"\blower (?:\w+ ){0,2}(?:lungs?|zones?)\b"),
               "middle lobe": re.compile(r"\bmid-?\s?(?:lung|zone)|\bmiddle (?:lung|zone)|"
                                        r"\bmid(?:dle)? and (?:upper|lower) (?:lungs?|zones?)\b")}
_MINIMAL = re.compile(r"\bminimal\w*|\btrace\b|\btiny\b")
_MODERATE_TO_SEVERE = re.compile(r"\bmoderate(?:ly)?[- ]to[- ]sever\w*")
# 'Borderline heart size', 'upper limits of normal': no cardiomegaly to say 有/可见 to.
_BORDERLINE_HEART = re.compile(r"\bborderline\b|\bupper (?:limits?|range) of normal\b|\b(?:high|top)[- ]normal\b")


def as_the_text_says(finding, counts: Counter, whole: str = "") -> bool:
    """Bring a confirmed finding's terms to the text's own words; False when it must not be asked at all. `whole`:
    the report's text (lower case), for a place that the finding's own sentences, named in other words, lack."""
    texts = [" ".join(t.lower().split()) for t in finding.texts]
    if not texts:
        return True  # nothing to hold it to (kept as it was)
    if finding.key == "cardiomegaly" and all(_BORDERLINE_HEART.search(t) for t in texts):
        counts["borderline heart size (cardiomegaly not asked)"] += 1
        return False
    if any(foreign_structure(t.qualifiers, texts) for t in finding.terms):
        counts["MeSH structures the text gives as a neighbour or names otherwise (not asked)"] += 1
        return False
    finding.terms = [_term(t, texts, counts, whole) for t in finding.terms]
    return True


def _placing(lobe: str, texts: list[str], whole: str) -> list[str]:
    """The sentences that say where a finding is: its own, or, where they name no lobe or zone at all (the finding
    named in other words: 'left upper lobe nodular opacity' indexed Opacity), the report's whole text."""
    if not whole or any(_LOBE_WORDS.search(t) or _ZONE_WORDS[lobe].search(t) for t in texts):
        return texts
    return [whole]


# A lobe's segment the text names where MeSH says only the part ('posterior segment of the right upper lobe'
# indexed posterior): 后段, never 后部.
_SEGMENT = {q: re.compile(rf"\b{q} segment") for q in ("anterior", "posterior")}
# The side the text puts right before the hilum ('left hilar enlargement') where MeSH gives the hilum no side.
_HILUM_SIDE = re.compile(r"\b(left|right)\s+(?:\w+\s+)?hil(?:um|ar|a)\b")


def _text_side(term: MeshTerm, texts: list[str]) -> tuple[str, ...]:
    """The hilum's one side in the finding's sentences where MeSH has none (no side is guessed: both named, none)."""
    if "hilum" not in term.qualifiers or SIDES & set(term.qualifiers):
        return ()
    sides = {m.group(1) for t in texts for m in _HILUM_SIDE.finditer(t)}
    return tuple(sides) if len(sides) == 1 and not any(re.search(r"\bbilateral|\bboth\b", t) for t in texts) \
        else ()


def _term(term: MeshTerm, texts: list[str], counts: Counter, whole: str) -> MeshTerm:
    quals = list(_text_side(term, texts))
    for q in term.qualifiers:
        if q in _SEGMENT and any(_SEGMENT[q].search(t) for t in texts):
            quals.append(f"{q} segment")
            continue
        placing = _placing(q, texts, whole) if q in _LOBE_ZONE else []
        if q in _LOBE_ZONE and not any(_LOBE_WORDS.search(t) for t in placing):
            zone = any(_ZONE_WORDS[q].search(t) for t in placing)
            counts["MeSH lobes the text does not name (" + ("its zone" if zone else "left out") + ")"] += 1
            if zone:
                quals.append(_LOBE_ZONE[q])
            continue
        if q == "severe" and any(_MODERATE_TO_SEVERE.search(t) for t in texts):
            quals.append("moderate to severe")
            continue
        if q == "mild" and not any(SAID[q].search(t) for t in texts) and any(_MINIMAL.search(t) for t in texts):
            quals.append("minimal")  # 'minimal platelike atelectasis' is 轻微, never 轻度
            continue
        if q in SAID and not any(SAID[q].search(t) for t in texts):
            counts["MeSH descriptors the text does not state (not rendered)"] += 1
            continue
        quals.append(q)
    return MeshTerm(term.head, tuple(dict.fromkeys(quals)))


_SEVERAL = re.compile(r"\b(?:two|three|several|multiple|numerous|both|bilateral\w*|additional|another|second)\b")


def one_lesion(old, new) -> bool:
    """Findings and impression naming one lesion at two places on one side ('small scar in the left cardiophrenic
    region', 'small left basilar scar'): the text never says there are two."""
    sides = {t.side for t in old.terms + new.terms}
    places = {describe_term(t).location for t in old.terms + new.terms}
    texts = old.texts + new.texts
    return len(sides) == 1 and None not in sides and len(places) > 1 and not any(
        _SEVERAL.search(t) or re.search(r"\b\w+(?:ies|ules|omas|ars|ates)\b", t) for t in texts) and not any(
        _names_both(old.terms[0], new.terms[0], t) for t in texts)


# How a sentence names a MeSH place ('hilar' for hilum); else the place word's first five letters.
_PLACE_STEMS = {"hilum": r"\bhil", "apex": r"\bap(?:ex|ic)", "base": r"\w*bas", "paratracheal": r"\bparatrach"}
_NOT_PLACES = {"left", "right", "bilateral", "lung", "lymph nodes", "mild", "moderate", "severe", "small", "large"}


def _names_both(a: MeshTerm, b: MeshTerm, text: str) -> bool:
    """Whether one sentence names both terms' node stations ('calcified right paratracheal and right hilar lymph
    nodes'): two findings, never one named by its side alone (右侧钙化)."""
    def named(term: MeshTerm) -> set[str]:
        return {q for q in term.qualifiers if q not in _NOT_PLACES
                and re.search(_PLACE_STEMS.get(q, rf"\b{re.escape(q[:5])}"), text)}
    if "lymph nodes" not in a.qualifiers or "lymph nodes" not in b.qualifiers:
        return False  # one opacity 'in the right lower and middle lobes' is one; nodes at two stations are two
    here_a, here_b = named(a), named(b)
    return bool(here_a) and bool(here_b) and here_a != here_b


def name_once(old, new, counts: Counter) -> None:
    """One lesion the sections place differently: named once, by its side alone, and no location asked."""
    term = old.terms[0]
    kept = tuple(q for q in term.qualifiers
                 if q in SIDES or q != "lung" and not describe_term(MeshTerm(term.head, (q,))).location)
    old.terms = [MeshTerm(term.head, kept)]
    old.located = False
    old.texts += [t for t in new.texts if t not in old.texts]
    counts["one lesion the sections place differently (named once, no location)"] += 1

