"""Where a tube's or line's tip lies: 'picc line tip in the mid svc' -> 经外周置入中心静脉导管尖端位于上腔静脉中段,
'tracheostomy tube tip 4 cm above the carina' -> 气管切开套管尖端位于气管隆突上方4 cm.

Only the places a chest film report names for a tip are read (the superior vena cava and its thirds, the
cavoatrial junction, the right atrium, above the carina); any other place, a level the table lacks ('high svc'),
or a device the phrase grammar cannot name leaves the sentence unread: a tip's place is never guessed.
"""

from __future__ import annotations

import re

from medqa.vocab.clauses import PRESENT, Clause, Fact
from medqa.vocab.phrases import Tokens, parse_phrase

# The words between 'tip' and its place, and how the Chinese says them.
_LINKS: dict[Tokens, str] = {
    (): "位于", ("in",): "位于", ("at",): "位于", ("within",): "位于", ("is", "in"): "位于", ("is", "at"): "位于",
    ("terminates", "in"): "位于", ("terminates", "at"): "位于", ("terminating", "in"): "位于",
    ("in", "the", "region", "of"): "位于", ("at", "the", "level", "of"): "平",
    ("overlying",): "投影于", ("overlies",): "投影于", ("over",): "投影于", ("projecting", "over"): "投影于",
    ("projects", "over"): "投影于", ("near",): "位于", ("is", "near"): "位于",
}
_NEAR = {("near",), ("is", "near")}  # 'near the cavoatrial junction': 附近, never at it
_LEVELS = {"upper": "上段", "mid": "中段", "middle": "中段", "lower": "下段"}
_PLACES: dict[Tokens, str] = {
    ("svc",): "上腔静脉", ("superior", "vena", "cava"): "上腔静脉",
    ("cavoatrial", "junction"): "腔静脉心房交界处", ("caval", "atrial", "junction"): "腔静脉心房交界处",
    ("cavo-atrial", "junction"): "腔静脉心房交界处", ("right", "atrium"): "右心房", ("carina",): "气管隆突",
}
_DISTANCE = re.compile(r"^\d+(?:\.\d+)?$")


def _place(t: Tokens) -> str | None:
    """'the mid svc' -> 上腔静脉中段; the whole span must be a place of the table."""
    if t[:1] == ("the",):
        t = t[1:]
    level = _LEVELS.get(t[0], "") if t else ""
    rest = t[1:] if level else t
    zh = _PLACES.get(rest)
    if zh is None or level and zh != "上腔静脉":
        return None
    return zh + level


def _above_carina(t: Tokens) -> str | None:
    """'4 cm above the carina' / 'above the carina' -> 气管隆突上方4 cm / 气管隆突上方."""
    about = t[:1] == ("approximately",)
    t = t[1:] if about else t
    size = ""
    if len(t) > 2 and _DISTANCE.match(t[0]) and t[1] == "cm":
        size, t = ("约" if about else "") + f"{t[0]} cm", t[2:]
    elif about:
        return None
    return "气管隆突上方" + size if t in (("above", "the", "carina"), ("above", "carina")) else None


def device_tip(t: Tokens) -> Clause | None:
    """A device and where its tip lies, or None."""
    if "tip" not in t:
        return None
    k = t.index("tip")
    device = parse_phrase(t[:k]) if k else None
    if device is None or device.kind != "device":
        return None
    after = t[k + 1:]
    above = _above_carina(after)
    if above:
        return Clause(f"{device.zh}尖端位于{above}", (Fact(device.term, PRESENT, device=True),))
    for n in range(min(4, len(after)), -1, -1):
        link = _LINKS.get(after[:n])
        place = _place(after[n:]) if link else None
        if place and place != "气管隆突":
            near = "附近" if after[:n] in _NEAR else ""
            return Clause(f"{device.zh}尖端{link}{place}{near}", (Fact(device.term, PRESENT, device=True),))
    return None
