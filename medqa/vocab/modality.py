"""Words around a finding that the clause reader cannot attribute to it exactly: an alternative ('atelectasis
versus scarring', 'thickening/scarring', 'scarring, although a cavity is difficult to exclude'), a benign or
technical explanation ('hyperinflated, may be secondary to voluntary deep inspiration', 'curvature, possibly
positional') or a stage word ('developing heart failure', 'early edema').

A finding whose statement holds one of them is not asked about and never listed as definite (issue 20, blind 6):
a question would either drop the word or guess its scope.
"""

from __future__ import annotations

import re

from medqa.vocab.keywords import stems_for

ALTERNATIVE, EXPLANATION, STAGE = "alternative", "explanation", "stage"

# Within the finding's clause: alternatives joined by versus / or / and-or beside a word of strength ('most
# compatible with atelectasis versus infiltrate': which one is likely?), or two diagnoses joined by a slash
# ('thickening/scarring': one finding twice, or two?). Plain alternatives ('effusion versus thickening') are each
# possible: the clause reader hedges them (不除外), unless it states one of them.
_ALTERNATIVE = re.compile(r"\b(?:versus|vs|or|and/or)\b")
_STRENGTH = re.compile(r"\b(?:probabl\w*|likely|compatible|consistent|suggest\w*|favou?r\w*|presum\w*|most|"
                       r"concern\w*|minimal)\b")
_DIAGNOSIS = r"(?:atelecta\w*|infiltrat\w*|pneumon\w*|scar\w*|effusion\w*|edema|consolidat\w*|fibro\w*|" \
             r"thicken\w*|opacit\w*|densit\w*|granulom\w*|nodul\w*|mass\w*|airspace|collapse|aspiration|fluid)"
_SLASHED = re.compile(rf"\b{_DIAGNOSIS}/{_DIAGNOSIS}\b")
# Anywhere in its sentence: something else that cannot be excluded, or a differential.
_EXCLUDE_OTHER = re.compile(r"\b(?:although|though|but|however|while)\b[^.]*?\b(?:exclud\w*|rule[sd]? out|"
                            r"not (?:be )?(?:entirely )?excluded)\b|\bdifferential\b")
# After the finding, in its sentence or the next one ('This may be secondary to ...'): a cause that makes it no
# finding of disease.
_CAUSE_CUE = r"(?:may|might|could|possibl\w*|probabl\w*|likely|presumabl\w*|perhaps|partly|partially|in part|" \
             r"due to|secondary to|related to|accentuat\w*|exaggerat\w*|given|considering|because of|from)"
_BENIGN_CAUSE = r"(?:position\w*|projection\w*|technique|technical|voluntary|inspirat\w*|effort|rotat\w*|" \
                r"habitus|(?:low|diminished|decreased) (?:lung )?volumes|patient'?s age|portable)"
_EXPLAINED = re.compile(rf"\b{_CAUSE_CUE}\b[^.;]*?\b{_BENIGN_CAUSE}\b")
_NEXT_EXPLAINS = re.compile(rf"^\W*(?:this|these|it|which|that)\b[^.]*?\b{_CAUSE_CUE}\b[^.]*?\b{_BENIGN_CAUSE}\b")
# Just before the finding: a stage or a border the answer would drop.
_STAGE = re.compile(r"\b(?:developing|early|evolving|borderline|incipient|impending|beginning|emerging)\s+"
                    r"(?:[\w-]+\s+){0,2}$")
_BOUNDS = re.compile(r"[,;:()]|\bwith\b")  # "low volumes with atelectasis versus scar": two clauses
_HARD_BOUNDS = re.compile(r"[,;:()]")


def _clause(low: str, start: int, end: int, bounds: re.Pattern = _BOUNDS) -> str:
    before = [m.end() for m in bounds.finditer(low[:start])]
    stop = bounds.search(low, end)
    return low[before[-1] if before else 0:stop.start() if stop else len(low)]


def open_word(low: str, start: int, end: int, after: str = "", certain: bool = False) -> str | None:
    """ALTERNATIVE, EXPLANATION or STAGE where the (lower-case, one-space) sentence `low` holds such a word about
    the finding word at low[start:end]; `after` is the report's text after this sentence; `certain`: the finding
    was read as stated (then any alternative in its clause opens it). None otherwise."""
    clause = _clause(low, start, end)
    strength = _STRENGTH.search(_clause(low, start, end, _HARD_BOUNDS))  # 'most compatible with A versus B'
    if _ALTERNATIVE.search(clause) and (certain or strength) or _SLASHED.search(clause) \
            or _EXCLUDE_OTHER.search(low):
        return ALTERNATIVE
    if _EXPLAINED.search(low, end) or _NEXT_EXPLAINS.search(after):
        return EXPLANATION
    if _STAGE.search(low, 0, start):
        return STAGE
    return None


def open_in(sentence: str, stems: re.Pattern, after: str = "", certain: bool = False) -> str | None:
    """The open word (see open_word) about the finding (by its stems) in the sentence, where every mention of it
    has one ('bibasilar opacities, atelectasis versus airspace disease' states the opacities plainly once)."""
    low = " ".join(sentence.lower().split())
    found = [open_word(low, hit.start(), hit.end(), after, certain) for hit in stems.finditer(low)]
    return found[0] if found and all(found) else None


_GENERIC = {"pulmonary", "disease", "diseases", "lung", "chronic", "changes", "change", "inserted", "indwelling"}


def name_stems(key: str, head: str = "") -> re.Pattern | None:
    """The English stems that name a finding: its keyword stems (medqa.vocab.keywords) and the words of its key."""
    found = stems_for(key) or stems_for(head.lower())
    words = [w[:5] for w in re.findall(r"[a-z]+", key.lower()) if len(w) > 3 and w not in _GENERIC]
    parts = ([found.pattern] if found else []) + [rf"\b{w}" for w in words]
    return re.compile("|".join(parts)) if parts else None
