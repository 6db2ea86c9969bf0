"""The verifier's own reading of sentences with a de-identified word (XXXX), for answers that read whole.

A description renders the findings whole, and a masked word is never rendered, so any findings sentence with a
mask is left out of it. That is allowed only for a normal statement about masked subjects ('XXXX are normal', 'The
heart, pulmonary XXXX and mediastinum are within normal limits'), for a technique line ('XXXX XXXX and lateral
chest examination was obtained'), a comparison line whose date is masked ('Comparison: XXXX, XXXX', also run on
into the first statement, which is then judged alone) and a comparison of heart and lungs with an earlier film
whose verb is masked ('The heart and lungs have XXXX XXXX in the interval': no finding, and nothing one film
shows). Any other masked sentence ('No XXXX infiltrates', 'XXXX opacities', 'sternotomy wires remain in XXXX',
'lungs have XXXX in the interval') says something a description cannot leave out.
Read from the English by these patterns alone; they share nothing with the generator's grammar.
"""

from __future__ import annotations

import re

_MASK = re.compile(r"\bx{4}\b")
# Words that may name a subject of a normal statement: anatomy that names no finding, and the mask itself.
_SUBJECT = (r"(?:(?:the|visualized|heart|cardiac|mediastinum|mediastinal|pulmonary|aortic|lungs?|hilar|hila|bony|"
            r"osseous|bones|structures|soft|tissues?|vasculature|vascularity|contours?|silhouettes?|size|central|"
            r"airways|trachea|volumes|of|chest|and|xxxx)\b|,)")
_SUBJECTS = rf"{_SUBJECT}(?: ?{_SUBJECT})*"
_NORMAL = (r"(?:(?:grossly|essentially) )?(?:normal(?: in (?:size|appearance))?(?: size)?|unremarkable"
           r"(?: in appearance)?|intact|clear|within normal limits)")
_COPULA = r"(?:(?:is|are|appears?|remains?|otherwise appears?|otherwise) )?"
_NORMAL_STATEMENT = re.compile(rf"^{_SUBJECTS} {_COPULA}{_NORMAL}$|^{_NORMAL} {_SUBJECTS}(?: bilaterally)?$")
_TECHNIQUE = re.compile(r"^(?:the )?(?:xxxx )+(?:and lateral chest examination was obtained|examination consists of "
                        r"frontal and lateral radiographs of the chest)$")
_COMPARISON = re.compile(r"^comparison:? x{4}(?:,? x{4})*$")
# The same line run on into the first statement ('Comparison XXXX, XXXX well expanded and clear lungs'): the date is
# 'XXXX, XXXX' (day, year); a third mask would be a word of the statement, which then stays masked.
_COMPARISON_RUN_ON = re.compile(r"^comparison:? x{4}, x{4} (?!x{4}\b)(?=[a-z])")
_INTERVAL = re.compile(r"^(?:the )?(?:heart and lungs|lungs and heart) (?:have|has) x{4} x{4} in the interval$")
# Words that make a masked sentence say more than a normal subject: a negation, or any finding the reader knows.
_MORE = re.compile(r"\b(?:no|not|without|none|nor|negative|free|stable|unchanged|change\w*|interval|remain in)\b")


def masked_unsaid(sentence: str) -> bool:
    """Whether a (lower-case, normalized) sentence holds a mask and says something an answer that reads whole may
    not leave out: anything but a normal statement about masked subjects or a technique line."""
    low = " ".join(sentence.lower().rstrip(".").split())
    low = _COMPARISON_RUN_ON.sub("", low, count=1)
    if not _MASK.search(low):
        return False
    if _TECHNIQUE.match(low) or _COMPARISON.match(low) or _INTERVAL.match(low):
        return False
    return bool(_MORE.search(low)) or not _NORMAL_STATEMENT.match(low)
