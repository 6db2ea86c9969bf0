"""Whether the rule generator may answer "where is it?" from a MeSH term's place (issue 20, fourth blind reading).

A location answer carries the finest place the report's text gives that finding: 胆囊区 for 'gallbladder clips',
the tip in the SVC for a central line, 外侧 for 'lateral right lung'. The generator's places come from MeSH (腹部,
右侧, 右肺), so where the text names a finer place that the MeSH place does not carry, or gives no place at all (only
MeSH does), the question is not asked. The verifier holds every answer to the same rule with its own table
(medqa.data.verify, qualifiers.tsv); this list is the generator's own.
"""

from __future__ import annotations

import re

# English place words finer than MeSH's, and the Chinese a location must hold to carry them.
FINER: tuple[tuple[re.Pattern, re.Pattern], ...] = tuple((re.compile(en), re.compile(zh)) for en, zh in (
    (r"\bgall ?bladder\b|\bcholecyst\w*", "胆囊"),
    (r"\bsvc\b|\bvena cava\b|\bcavoatrial\b", "腔静脉"),
    (r"\batri(?:um|al|a)\b", "心房"),
    (r"\bsubclavian\b", "锁骨下"),
    (r"\bjugular\b|\bij\b", "颈"),
    (r"\bupper extremity\b|\barm\b", "上肢"),
    (r"(?<!on )(?<!on the )\blateral(?:ly)?\b(?! (?:views?|projections?|radiographs?|films?|images?|exam\w*|chest)\b)",
     "外侧|外带"),
    (r"\bmedial(?:ly)?\b", "内侧|内带"),
    (r"\bperihilar\b", "肺门周围|肺门旁"),
    (r"\bretrocardiac\b", "心后"),
    (r"\bepigastr\w*|\bupper quadrant\b", "上腹"),
    (r"\baxill\w*", "腋"),
    (r"\bparaspinal\b|\bparavertebral\b", "椎旁"),
    (r"\bretrocrural\b", "膈脚后"),
    (r"\bparatracheal\b", "气管旁"),
    (r"\bacromioclavicular\b", "肩锁"),
    (r"\bchest wall\b", "胸壁"),
    (r"\b(?:anterior|posterior|superior|apical|apicoposterior|lateral|medial) segment", "段"),
    (r"\b(?:right|left) (?:greater|more|worse) than (?:left|right)\b", "为著|较著|为主"),
    (r"\bmid(?:dle)?[- ]?chest\b", "中"),
    (r"\b(?:upper|lower) thoracic\b", "[上下]段|[上下]胸椎"),
    (r"\bcentral (?:lungs?|zones?)\b", "中央|肺门周围"),
))
# Any English word that places a finding: without one, the place is MeSH's alone.
_PLACED = re.compile(
    r"\b(?:left|right|bilateral\w*|both|upper|lower|middle|mid\w*|lobes?|lingul\w*|ap(?:ex|ices)|(?:bi)?apic\w*|"
    r"\w*bas(?:e|es|al|ilar)|\w*hil(?:um|ar|a)|lateral\w*|medial\w*|retrocardiac|wall|abdom\w*|quadrant|epigastr\w*|"
    r"gall ?bladder|cholecyst\w*|liver|hepatic|neck|axill\w*|svc|cava|atri\w*|subclavian|jugular|spin\w*|thoracic|"
    r"lumbar|cervical|vertebra\w*|[ctl]\d+|ribs?|clavic\w*|shoulders?|humer\w*|scapul\w*|stern\w*|breasts?|"
    r"mediastin\w*|paratracheal|aort\w*|pleura\w*|costophrenic|vascul\w*|vessels?|\w*diaphragm\w*|heart|cardiac|"
    r"zones?|lungs?|pulmonary|anterior|posterior|trachea\w*|carina|bronch\w*|soft tissues?|subcutaneous|"
    r"extremit\w*|chest|paraspinal|paravertebral|retrocrural|acromioclavicular)\b")


def location_supported(location: str, sentences: list[str]) -> bool:
    """Whether a location (Chinese) answers for the (lower-case) sentences of the text that state its finding."""
    if not any(_PLACED.search(s) for s in sentences):
        return False  # 'TIPS stent incidentally noted' indexed Stents/abdomen: MeSH alone places it
    return all(zh.search(location) for s in sentences for en, zh in FINER if en.search(s))
