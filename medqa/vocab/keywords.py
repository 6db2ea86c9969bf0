"""Where a report's text speaks of a MeSH finding the sentence grammar could not read: keyword stems per finding
key, and the status the sentence gives them (negated, hedged, or stated).

Used only to confirm a MeSH term (never to add one): a sentence that names the finding with no hedge or negation
confirms it; with a hedge the finding is uncertain; with a negation before it, negated.
"""

from __future__ import annotations

import re

MASKED = "masked"  # a fact whose status a de-identified word hides

# finding key (or lexicon head key) -> regex of English stems that name it
STEMS: dict[str, str] = {
    "scoliosis": r"scolio|curvature",
    "kyphosis": r"kyphos|kyphotic",
    "fractures, bone": r"fractur",
    "deformity": r"deformit|fractur|wedg",
    "implanted medical device": r"pacemaker|pacer|defibrillator|aicd|stimulator|device|valve|loop recorder|generator",
    "catheters, indwelling": r"catheter|picc|\bport\b|central line|\bline\b|tubing|dialysis",
    "medical device": r"device|\bleads?\b|monitor|stimulator|pacemaker|catheter",
    "tube, inserted": r"\btube\b",
    "surgical instruments": r"\bclips?\b|staples|surgical|sutures?",
    "sutures": r"sternotomy|sutures?|wires?",
    "foreign bodies": r"foreign bod|radiopaque|piercing|ring\b|bullet|stimulator|artifact",
    "blunted costophrenic angle": r"blunt",
    "elevated diaphragm": r"elevat",
    "flattened diaphragm": r"flatten",
    "hyperdistention": r"hyperexpan|hyperinflat|hyperaerat|overinflat|large lung volumes|increased lung volumes",
    "hypoinflation": r"low lung volumes|low volumes|hypoinflat|underinflat|hypoventilat|diminished lung volumes|"
                     r"decreased lung volumes|lung volumes are low|shallow inspiration|poor inspiration",
    "tortuous aorta": r"tortu|unfold",  # ectasia is dilation (aortic enlargement), never tortuosity
    "aortic enlargement": r"ectatic|ectasia|dilat|enlarg|aneurysm",
    "calcinosis": r"calcif|calcific",
    "atherosclerosis": r"atheroscl|calcif",
    "cardiomegaly": r"cardiomegaly|enlarged|enlargement|heart size|cardiac size",
    "pulmonary congestion": r"congest|vascular prominence|engorge|cephaliz|venous hypertension|vascular markings",
    "heart failure": r"heart failure|\bchf\b|congest",
    "markings": r"marking|crowding|interstitial prominence",
    "epicardial fat": r"epicardial fat|fat pad",
    "bone diseases, metabolic": r"osteopen|demineraliz",
    "osteoporosis": r"osteopor|osteopen",
    "degenerative change": r"degenerat|spondyl|osteophyt|spur|arthrit|syndesmophyt",
    "lung, hyperlucent": r"hyperlucen|lucen",
    "spinal fusion": r"fusion",
    "widened mediastinum": r"widen|prominen",
    "nodule": r"nodul|granulom",
    "calcified granuloma": r"granulom|calcified nodul",
    "granuloma": r"granulom",
    "granulomatous disease": r"granulom",
    "pulmonary atelectasis": r"atelecta|collapse",
    "volume loss": r"volume loss",
    "shift": r"shift|deviat",
    "pulmonary disease, chronic obstructive": r"\bcopd\b|obstructive|emphysem",
    "sclerosis": r"scleros|sclerotic",
    "lung/obscured": r"obscur",
    "heart/obscured": r"obscur",
    "enlarged pulmonary artery": r"pulmonary arter",
    "diaphragmatic eventration": r"eventration",
    "lung diseases, interstitial": r"interstitial",
    "hernia, hiatal": r"hiat\w* hernia",
    "opacity": r"opaci|densit|airspace|infiltrat|consolidat",
    "cicatrix": r"scar|fibros|fibrotic",
    "emphysema": r"emphysem",
    "thickening": r"thicken",
    "pleural effusion": r"effusion|pleural fluid",
    "lymphadenopathy": r"lymph",
    "mass": r"\bmass",
    "dislocations": r"dislocat|sublux",
    "pulmonary edema": r"edema",
    "pneumonia": r"pneumonia",
    "lucency": r"lucen",
    "cysts": r"cyst",
    "bulla": r"bull(a|ae|ous)",
    "funnel chest": r"pectus excavatum",
    "pectus carinatum": r"pectus carinatum",
    "nipple shadow": r"nipple",
    "breast implants": r"implant",
    "mastectomy": r"mastectomy",
    "pneumonectomy": r"pneumonectomy|lobectomy",
    "hilar enlargement": r"hil(um|ar|a)",
    "stents": r"stent",
    "density": r"densit",
    "airspace disease": r"airspace|air space",
    "infiltrate": r"infiltrat",
    "consolidation": r"consolidat",
}
_COMPILED = {k: re.compile(rf"\b(?:{v})") for k, v in STEMS.items()}
_NEGATION = re.compile(r"\b(no|not|without|negative for|free of|resolved|removed|absent)\b")
# A hedge before a finding word makes it uncertain ('possible effusion'); after it, only these do
# ('effusion versus thickening', 'pneumonia cannot be excluded'): 'opacity, likely atelectasis' states the opacity.
_HEDGE_BEFORE = re.compile(
    r"\b(possibl\w*|probabl\w*|likely|may|might|could|versus|vs|and/or|concern\w*|suspicious|suspect\w*|suggest\w*|"
    r"question\w*|equivocal|cannot|exclude\w*|rule out|differential|consider(?!ing)\w*|"
    r"(?<!age-)(?<!age )indeterminate|uncertain|unclear|"
    r"recommend\w*|followup|follow-up|correlat\w*|presum\w*|compatible|worrisome)\b")
# ('apparent deformity' is seen: no hedge, issue 20 blind 5)
# 'opacity, scarring versus atelectasis' hedges the opacity's nature, not the opacity: an alternative right after a
# finding word hedges it only when no diagnosis cue (suggestive of, likely, ...) comes between.
_ALTERNATIVE_AFTER = re.compile(r"^\W*((?:\w+\W+){0,4}?)(?:versus|vs|and/or|or)\b")
_DIAGNOSIS_CUE = re.compile(r"suggest|consistent|compatib|likely|may|represent|reflect|which|due|concern|possibl|"
                            r"probabl|favou?r|secondary|related|from|of\b")
_HEDGE_AFTER = re.compile(
    r"\bmay (?:be|represent) (?:\w+ )?(?:artifact\w*|technical|"
    r"overlap\w*|projection\w*|summation|superimpos\w*|soft tissue|nipple)|"
    r"^\W*(?:\w+\W+){0,2}?(?:is |are )?(?:suggested|suspected|questioned|not excluded)\b|"
    r"\bdifficult to exclude\b|\b(?:cannot be|not|can not be|difficult to be) (?:entirely )?"
    r"(?:excluded|ruled out)\b|\b(?:is|are) (?:possible|suspected|questioned|questionable|likely|probable)\b|"
    r"\bmay be present\b")
# An explanation by overlying structures, later in the sentence, questions the finding itself.
_ARTIFACT_AFTER = re.compile(
    r"\b(?:related to|due to|secondary to|represents?|reflects?|from) (?:the |a )?(?:scapul|superimpos|overlap|nipple|"
    r"soft tissue|artifact|costochondral|overlying|skin fold|breast)")


# 'bibasilar opacities, XXXX atelectasis', 'which is XXXX a hiatal hernia': the de-identified word next to a
# finding may be 'likely' or 'no'; what the sentence says of that finding cannot be known.
# ('XXXX opacities' is most often an adjective, 'streaky opacities', and states them.)
_MASKED_BEFORE = re.compile(
    r"(?:^|[,;:]\s*)xxxx\s+(?:[\w-]+\s+){0,2}$|\bxxxx\s+(?:represent\w*|reflect\w*|is|are|be|a|an|may|suggest\w*|"
    r"consistent|compatible|related|due|secondary)\b[^,;]*$|\b(?:which|that|most|more)\s+xxxx\b[^,;]*$")


_ALTERNATIVE_BEFORE = re.compile(r"\b(?:or|versus|vs)\s+(?:[\w-]+\s+){0,2}$")  # 'scarring or atelectasis'


# Before a diagnosis ('with XXXX atelectasis') the de-identified word is most often a hedge ('likely'); before a
# description ('XXXX opacities') most often an adjective ('streaky').
DIAGNOSES = frozenset({"pulmonary atelectasis", "pneumonia", "cicatrix", "pulmonary fibrosis", "pleural effusion",
                       "pulmonary edema", "hernia, hiatal", "fractures, bone", "granulomatous disease", "emphysema",
                       "pulmonary disease, chronic obstructive", "infiltrate", "consolidation", "heart failure",
                       "pulmonary congestion", "mass", "tuberculosis", "granuloma", "calcified granuloma"})
_MASKED_ADJACENT = re.compile(r"\bxxxx\s+(?:[\w-]+\s+)?$")


def masked_at(low: str, start: int, key: str = "") -> bool:
    """Whether a de-identified word stands just before the finding word at low[start] (for a diagnosis `key`,
    also one word before it)."""
    return bool(_MASKED_BEFORE.search(low[:start]) or key in DIAGNOSES and _MASKED_ADJACENT.search(low[:start]))


_STRONG_HEDGE = re.compile(r"\b(?:probabl\w*|likely|compatible|consistent|suggest\w*|concern\w*|worrisome|presum\w*|"
                           r"favou?r\w*)\b")


# Words that leave a finding open ('possible', 'cannot exclude', 'question'): with one of them a sentence's hedge is
# weak (不除外 / 待排除) even beside a strong word.
_WEAK_HEDGE = re.compile(r"\b(?:possibl\w*|may|might|could|cannot|can not|question\w*|versus|vs|equivocal|"
                         r"exclude\w*|uncertain|indeterminate|differential|or)\b")


def sentence_hedge_strength(low: str) -> str:
    """The hedge of a sentence whose finding word cannot be placed: 'strong' (考虑为) where it says 'compatible
    with', 'suggestive of', 'likely' ... and no word that leaves the finding open; else 'weak'."""
    return "strong" if _STRONG_HEDGE.search(low) and not _WEAK_HEDGE.search(low) else "weak"


def clause_start(low: str, start: int) -> int:
    """Where the clause of the word at low[start] begins. 'Considering technical factors heart size ..., aortic
    calcifications' keeps the first hedge to itself; 'may be secondary to crowding, mild pulmonary edema' is one
    clause whose list items (a few words each) the hedge covers."""
    begin = max(low.rfind(c, 0, start) for c in ",;:") + 1
    stop = min([i for i in (low.find(c, start) for c in ",;:") if i != -1] or [len(low)])
    if len(low[begin:stop].split()) > 4:
        return begin  # a clause of its own
    while begin > 0 and low[begin - 1] == ",":  # a list item: the clause starts where the list's head does
        before = max(low.rfind(c, 0, begin - 1) for c in ",;:") + 1
        head = low[before:begin - 1]
        begin = before
        if len(head.split()) > 4:
            break
    return begin


def hedge_strength(low: str, start: int) -> str:
    """'strong' (考虑为: probable, likely, compatible with, suggestive of) when such a word comes before the finding
    in its clause, else 'weak' (不除外: possible, may, cannot exclude, versus)."""
    clause = clause_start(low, start)
    return "strong" if _STRONG_HEDGE.search(low, clause, start) else "weak"


def hedged_at(low: str, start: int, end: int) -> bool:
    """Whether a finding word at low[start:end] is hedged: a hedge word before it, or a differential or an
    'is not excluded' after it."""
    rest = re.split(r"[,;:]", low[end:], maxsplit=1)[0]  # what follows, within its clause
    after = _ALTERNATIVE_AFTER.match(low[end:])
    return bool(_HEDGE_BEFORE.search(low, clause_start(low, start), start) or _HEDGE_AFTER.search(rest)
                or _ARTIFACT_AFTER.search(low[end:])
                or _ALTERNATIVE_BEFORE.search(low[:start]) or after and not _DIAGNOSIS_CUE.search(after.group(1))
                or _SLASHED_BEFORE.search(low[:start]) or _SLASHED_AFTER.match(low[end:]))


# 'infiltrate/atelectasis' names alternatives, 'ectasia/tortuosity' one finding twice: a slash joins alternatives
# only between two diagnoses.
_DIAGNOSIS_WORDS = r"(?:atelecta\w*|infiltrat\w*|pneumon\w*|scar\w*|effusion\w*|edema|consolidat\w*|fibros\w*|" \
                   r"thicken\w*|contusion|aspiration|fat|fluid|granulom\w*|nodul\w*|mass\w*)"
_SLASHED_BEFORE = re.compile(rf"\b{_DIAGNOSIS_WORDS}/$")
_SLASHED_AFTER = re.compile(rf"^\w*/{_DIAGNOSIS_WORDS}\b")


# 'First rib fracture not well demonstrated on this study': what the film does not show (never 可见).
NOT_SEEN_HERE = re.compile(
    r"^[^,;.]*?\bnot (?:well |clearly |definitely |convincingly |readily |)(?:(?:demonstrated|seen|visuali[sz]ed|"
    r"identified|appreciated|evident|depicted|imaged)\b|(?:on|in) (?:this|the|these|today|current|xxxx)\b)")
# (normalised sentences have lost 'seen' / 'demonstrated': 'fracture is not well on this study')

# An interpretation of what is seen ('hyperexpanded consistent with COPD'): the diagnosis is 符合/考虑, never 可见.
_INTERPRETING = re.compile(r"\b(?:consistent with|in keeping with|compatible with|suggestive of|suggesting|"
                           r"typical of|indicative of|diagnostic of|likely|probabl\w*|representing|reflecting)\b")


def interpreted_at(low: str, start: int) -> bool:
    """Whether the finding word at low[start] is given as an interpretation: such a word before it in its clause."""
    return bool(_INTERPRETING.search(low, clause_start(low, start), start))


def interpreted(sentence: str, stems: re.Pattern) -> bool:
    """Whether a sentence names a finding (by its stems) only as an interpretation of something else it states."""
    low = " ".join(sentence.lower().split())
    hits = list(stems.finditer(low))
    return bool(hits) and all(interpreted_at(low, h.start()) for h in hits)


_CLAUSE = re.compile(r"[,;:]|\b(?:but|however|although|with)\b")
SIDE_WORDS = {"right": re.compile(r"\bright\b"), "left": re.compile(r"\bleft\b")}


def stems_for(key: str) -> re.Pattern | None:
    return _COMPILED.get(key)


def keyword_status(sentence: str, stems: re.Pattern, key: str = "") -> str | None:
    """'present', 'absent', 'uncertain' or 'masked' (a de-identified word beside it) for a stem named in the
    sentence, or None when not named."""
    low = sentence.lower()
    for clause in _CLAUSE.split(low):
        if not clause:
            continue
        hit = stems.search(clause)
        if not hit:
            continue
        at = low.find(clause) + hit.start()
        if masked_at(low, at, key):
            return MASKED
        if _NEGATION.search(clause[: hit.start()]):
            return "absent"
        if NOT_SEEN_HERE.search(low[at:]):
            return "followup"  # 'rib fracture not well demonstrated on this study': not seen on this film
        return "uncertain" if hedged_at(low, at, at + hit.end() - hit.start()) else "present"
    return None
