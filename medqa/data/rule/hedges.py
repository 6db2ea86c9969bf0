"""What a finding's own sentences say of its certainty beyond the clause reader (issue 20, blind 6):

* a finding offered as one of alternatives, explained away (positional, technique, voluntary inspiration) or given
  a stage (developing, early, borderline) is not asked about, and an abnormality list naming others says 等;
* a diagnosis the text only gives as an interpretation of what it sees ('opacities consistent with COPD',
  'reticular opacities consistent with pulmonary fibrosis') is 考虑为, never 可见.
"""

from __future__ import annotations

import re

from medqa.vocab.clauses import PRESENT, STRONG, UNCERTAIN
from medqa.vocab.keywords import interpreted, stems_for
from medqa.vocab.lexicon import finding_key
from medqa.vocab.modality import ALTERNATIVE, name_stems, open_in

NOT_ASKED = "findings beside an alternative, explanation or stage word (not asked)"
INTERPRETATION = "diagnoses the text gives only as an interpretation (考虑为, by name)"
# Diagnoses a report may give as its reading of what it sees ('infiltrate consistent with pneumonia').
INTERPRETABLE = frozenset({"pneumonia", "pulmonary disease, chronic obstructive", "emphysema", "pulmonary edema",
                           "heart failure", "pulmonary congestion", "pulmonary atelectasis", "tuberculosis",
                           "granulomatous disease", "cicatrix", "pulmonary fibrosis", "infiltrate",
                           "hypertension, pulmonary", "bronchitis", "bronchiectasis", "sarcoidosis"})
# The finding's own name, where the keyword stems also take a neighbour's word (emphysema for COPD).
_OWN_NAME = {"pulmonary disease, chronic obstructive": r"\bcopd\b|obstructive (?:lung|pulmonary|airway)",
             "pulmonary fibrosis": r"\bfibros|\bfibrotic"}


def _stems(finding) -> re.Pattern | None:
    return name_stems(finding_key(finding.terms[0]), finding.terms[0].head)


def _after(text: str, whole: str) -> str:
    at = whole.find(text)
    return whole[at + len(text):] if at != -1 and text else ""


def _as_interpretation(finding, texts: list[str], name: re.Pattern | None, counts, label: str) -> None:
    """A stated diagnosis that every sentence naming it (by `name`) gives only as an interpretation ('consistent
    with pneumonia') becomes 考虑为 (counted under `label`)."""
    if finding.status != PRESENT or finding.key not in INTERPRETABLE or name is None:
        return
    named = [t for t in texts if name.search(t)]
    if named and all(interpreted(t, name) for t in named):
        finding.status, finding.hedge = UNCERTAIN, STRONG
        counts[label] += 1


def held(finding, whole: str, checked) -> bool:
    """Whether the finding may be asked about: False where a sentence stating it holds an alternative, an
    explanation or a stage word (counted, and kept in checked.unasked for the verifier). A diagnosis given only as
    an interpretation becomes 考虑为: by its keyword stems before the alternatives are looked for, by its own name
    after."""
    counts = checked.counts
    _as_interpretation(finding, [" ".join(t.lower().split()) for t in finding.texts], stems_for(finding.key),
                       counts, "diagnoses the text gives as an interpretation (考虑为)")
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
    _as_interpretation(finding, finding.texts, own, counts, INTERPRETATION)
    return True
