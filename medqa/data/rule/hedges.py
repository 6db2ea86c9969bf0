"""What a finding's own sentences say of its certainty beyond the clause reader (issue 20, blind 6):

* a finding offered as one of alternatives, explained away (positional, technique, voluntary inspiration) or given
  a stage (developing, early, borderline) is not asked about, and an abnormality list naming others says 等;
* a diagnosis the text only gives as an interpretation of what it sees ('opacities consistent with COPD',
  'reticular opacities consistent with pulmonary fibrosis') is 考虑为, never 可见.
"""

from __future__ import annotations

import re

from medqa.data.rule.descriptors import INTERPRETABLE
from medqa.vocab.clauses import PRESENT, STRONG, UNCERTAIN
from medqa.vocab.keywords import interpreted
from medqa.vocab.lexicon import finding_key
from medqa.vocab.modality import ALTERNATIVE, name_stems, open_in

NOT_ASKED = "findings beside an alternative, explanation or stage word (not asked)"
INTERPRETATION = "diagnoses the text gives only as an interpretation (考虑为, by name)"
# The finding's own name, where the keyword stems also take a neighbour's word (emphysema for COPD).
_OWN_NAME = {"pulmonary disease, chronic obstructive": r"\bcopd\b|obstructive (?:lung|pulmonary|airway)",
             "pulmonary fibrosis": r"\bfibros|\bfibrotic"}


def _stems(finding) -> re.Pattern | None:
    return name_stems(finding_key(finding.terms[0]), finding.terms[0].head)


def _after(text: str, whole: str) -> str:
    at = whole.find(text)
    return whole[at + len(text):] if at != -1 and text else ""


def held(finding, whole: str, checked) -> bool:
    """Whether the finding may be asked about: False where a sentence stating it holds an alternative, an
    explanation or a stage word (counted, and kept in checked.unasked for the verifier). A diagnosis given only as
    an interpretation becomes 考虑为."""
    counts = checked.counts
    stems = _stems(finding)
    if stems is None:
        return True
    found = [open_in(t, stems, _after(t, whole), finding.status == PRESENT) for t in finding.texts]
    # an explanation or a stage anywhere holds; an alternative only where no statement names it plainly
    why = next((w for w in found if w and w != ALTERNATIVE), None) or (found[0] if found and all(found) else None)
    if why:
        counts[NOT_ASKED] += 1
        counts[f"{NOT_ASKED}: {why}"] += 1
        checked.unasked.append(finding)
        return False
    own = re.compile(_OWN_NAME[finding.key]) if finding.key in _OWN_NAME else stems
    named = [t for t in finding.texts if own.search(t)]
    if finding.status == PRESENT and finding.key in INTERPRETABLE and named and \
            all(interpreted(t, own) for t in named):
        finding.status, finding.hedge = UNCERTAIN, STRONG
        counts[INTERPRETATION] += 1
    return True
