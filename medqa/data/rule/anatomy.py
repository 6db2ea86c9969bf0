"""Whether the structure a MeSH term attaches to its finding is the finding's own site in the text (issue 20, blind 6).

MeSH indexes 'an 8 mm opacity adjacent to the left heart border' as Opacity/heart/left and 'interlobar fissural
thickening' as Thickening/pleura; rendered, they read 左侧心脏阴影 (the cardiac shadow itself) and 胸膜增厚 (a
different finding to a Chinese reader: the fissure is 叶间裂). A MeSH structure is kept only where a sentence stating
the finding names it as the finding's own site: not only as a neighbour (adjacent to, overlying, along, near,
abutting), and not where the text names another structure instead (fissure for pleura). Else the finding is not
asked, and a list of findings says 等.
"""

from __future__ import annotations

import re

# MeSH structure qualifier -> (the text's words for it, the words of a different structure the text may name instead).
STRUCTURES: dict[str, tuple[re.Pattern, re.Pattern | None]] = {q: (re.compile(en), re.compile(other) if other else None)
                                                                for q, en, other in (
    ("pleura", r"\bpleura\w*", r"\bfissur\w*"),
    ("heart", r"\bheart\b|\bcardiac\b|\bcardio\w*|\bpericardi\w*", None),
    ("mediastinum", r"\bmediastin\w*", None),
    ("diaphragm", r"\b(?:hemi)?diaphragm\w*", None),
    ("aorta", r"\baort\w*", None),
    ("ribs", r"\bribs?\b", None),
    ("clavicle", r"\bclavic\w*", None),
    ("spine", r"\bspin\w*|\bvertebra\w*", None),
)}
# Words that place a finding beside a structure, not in it (up to five words between: 'adjacent to the left XXXX of
# the heart').
_BESIDE = (r"\b(?:adjacent to|overl(?:y|ies|ying)|project(?:s|ed|ing)? over|over|along|near|abut(?:s|ting)?|beside|"
           r"next to|"
           r"superimposed (?:on|over)|behind|(?:anterior|posterior|lateral|medial|superior|inferior) to)"
           r"(?:\s+\w+){0,5}\s+")


def _own(pattern: re.Pattern, text: str) -> bool:
    """Whether `text` names the structure other than as a neighbour."""
    return any(not re.search(_BESIDE + r"$", text[:m.start()]) for m in pattern.finditer(text))


def foreign_structure(qualifiers: tuple[str, ...], texts: list[str]) -> str | None:
    """The MeSH structure the finding's sentences give only as a neighbour or as another structure, or None."""
    for q in qualifiers:
        if q not in STRUCTURES or not texts:
            continue
        words, other = STRUCTURES[q]
        if any(words.search(t) for t in texts):
            if not any(_own(words, t) for t in texts):
                return q  # only beside it: 'adjacent to the left heart border'
        elif other and any(other.search(t) for t in texts):
            return q  # 'interlobar fissural thickening' indexed Thickening/pleura
    return None
