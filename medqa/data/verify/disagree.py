"""Sections that disagree on whether a finding is there: 'no ... pleural effusion' in the findings beside 'XXXX
bilateral pleural effusions' in the impression (a de-identified word that may have been 'no').

A plain negation ('no pleural effusion', not 'no large effusion' or 'no right effusion') in one section and a
statement of the same finding only in the other leave a closed question about it without an answer the report
supports: the gate drops it (status). A description or impression answer renders its own section and is not held.
"""

from __future__ import annotations

import re

from medqa.vocab.clauses import Fact
from medqa.vocab.modality import name_stems

# What may stand right before a finding that a negation denies outright: the negation itself or a list's joint
# ('no consolidation, pleural effusion, or pneumothorax'). Any other word narrows it ('no large effusion', 'no
# retrocardiac pleural fluid', 'no change in the scarring', 'resolution of the effusion with residual').
_JOINTS = frozenset({"no", "without", "or", "and", "nor", ",", "of", "for"})
_DENIAL = re.compile(r"\b(?:no|without|negative for|free of)\b")
# A tail that narrows the negation to a kind ('no infiltrates that would suggest active tuberculosis').
_TAIL = re.compile(r"\b(?:that|which|to suggest|suggest\w*|to indicate|of)\b")


def plain_negation(fact: Fact, low: str) -> bool:
    """Whether an absent fact of a sentence (lower case) denies the finding outright, in every form and on both
    sides; unknown (an unread sentence whose finding's words cannot be found) counts as narrowed."""
    if fact.status != "absent":
        return False
    if fact.parsed:
        return not fact.term.qualifiers
    stems = name_stems(fact.key, fact.term.head)
    hits = list(stems.finditer(low)) if stems else []
    if not hits:
        return False
    for hit in hits:
        before = re.findall(r"[a-z]+|,", low[:hit.start()])
        while before and stems.match(before[-1]):
            before.pop()  # the finding's own words ('pleural' of 'pleural effusion')
        after = re.split(r"[,;.]", low[hit.end():], maxsplit=1)[0]
        if not before or before[-1] not in _JOINTS or not _DENIAL.search(low[:hit.start()]) or _TAIL.search(after):
            return False
    return True


def denied_concept(name: str, key: str, names: list[str]) -> bool:
    """Whether a plain negation of the finding KEY (concepts NAMES) denies the concept NAME: its own only, never
    a broader one ('no infiltrates' denies no opacity, 'no consolidation' no airspace disease)."""
    return len(names) == 1 or name == key


def sections_disagree(negated: set[str], stated: set[str]) -> bool:
    """A plain negation in one text section and statements only in the other."""
    return bool(negated and stated and not negated & stated)
