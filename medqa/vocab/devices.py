"""Where a line, tube or pacemaker lead ends: 'right IJ central venous catheter with tip in the mid SVC' ->
右侧颈内静脉中心静脉导管，尖端位于上腔静脉中段.

A sentence reads here only whole: a stated device (medqa.vocab.clauses.positive, every fact a device), then its
tip or leads and where they lie. 'in', 'at', 'within', 'terminating in' place the tip (位于); 'overlying' and
'projecting over' say only where it projects on the film (投影于); 'N cm above the carina' keeps the number. Any
other place or word leaves the sentence unread: the grammar never guesses.
"""

from __future__ import annotations

import re

from medqa.vocab.clauses import Clause, positive
from medqa.vocab.phrases import Tokens

# Where a tip or lead may lie, as the report names it -> Chinese.
_PLACES = {
    "svc": "上腔静脉", "superior vena cava": "上腔静脉", "upper svc": "上腔静脉上段", "mid svc": "上腔静脉中段",
    "lower svc": "上腔静脉下段", "inferior svc": "上腔静脉下段", "distal svc": "上腔静脉远段",
    "proximal svc": "上腔静脉近段",
    "cavoatrial junction": "上腔静脉与右心房交界处", "caval atrial junction": "上腔静脉与右心房交界处",
    "cavo-atrial junction": "上腔静脉与右心房交界处", "junction of the svc and right atrium": "上腔静脉与右心房交界处",
    "right atrium": "右心房", "upper right atrium": "右心房上部", "right ventricle": "右心室",
    "right atrium and right ventricle": "右心房及右心室", "right atrium and ventricle": "右心房及右心室",
    "right brachiocephalic vein": "右头臂静脉", "left brachiocephalic vein": "左头臂静脉",
}
_PLACE = "|".join(sorted((re.escape(p) for p in _PLACES), key=len, reverse=True))
# 'in' places the tip; 'overlying' only projects it on the film.
_IN = r"(?:is |are )?(?:located )?(?:in|at|within|terminat(?:es|ing) in|terminat(?:es|ing) at|ends? in)"
_OVER = r"(?:is |are )?(?:overlying|overlies|projecting over|projects over|projected over)"
_WHERE = re.compile(rf"^(?:(?P<in>{_IN})|(?P<over>{_OVER})) (?:the )?(?P<region>(?:expected )?region of (?:the )?)?"
                    rf"(?P<place>{_PLACE})$")
_ABOVE = re.compile(r"^(?:is |are )?(?P<about>approximately |about )?(?P<n>\d+(?:\.\d+)?) ?cm above the carina$")
# What joins a device to its tip: 'with tip', ', with its distal tip', 'tip', 'the distal tip'.
_JOIN = re.compile(r"^(?:,? ?with |, )?(?:its |the )?(?P<catheter>catheter )?(?P<distal>distal )?"
                   r"(?P<part>tips?|leads)\b ?")
_PARTS = {"tip": "尖端", "tips": "尖端", "leads": "导线"}  # a distal tip is the line's end: 末端


def _where(rest: str) -> str | None:
    """'in the mid svc' -> 位于上腔静脉中段; '5 cm above the carina' -> 位于气管隆突上方5cm."""
    m = _WHERE.match(rest)
    if m:
        region = "区域" if m.group("region") else ""  # 'in the region of the mid SVC': where, not exactly in it
        return ("位于" if m.group("in") else "投影于") + _PLACES[m.group("place")] + region
    m = _ABOVE.match(rest)
    if m:
        return "位于气管隆突上方" + ("约" if m.group("about") else "") + m.group("n") + "cm"
    return None


def device_position(t: Tokens) -> Clause | None:
    """A stated device and where its tip or leads lie, or None."""
    for k in range(1, len(t)):
        if t[k] not in ("with", ",", "tip", "tips", "leads", "its", "the", "distal", "catheter"):
            continue
        rest = " ".join(t[k:]).replace(" ,", ",")
        join = _JOIN.match(rest)
        if not join:
            continue
        device = positive(t[:k])
        if not device or not device.facts or not all(f.device for f in device.facts):
            continue
        if join.group("part") == "leads" and not all("pacemaker" in f.term.head or "defibrillator" in f.term.head
                                                      for f in device.facts):
            continue  # leads of a pacemaker or defibrillator only
        where = _where(rest[join.end():])
        if where:
            part = "末端" if join.group("distal") else _PARTS[join.group("part")]
            return Clause(device.zh + "，" + ("导管" if join.group("catheter") else "") + part + where, device.facts)
    return None
