"""Labels read from answers: finding status (present / absent / uncertain) with side and severity, and the
exact label of a closed-type answer (projection, normality, presence, location, severity). Chinese and English.

    finding_labels("右侧少量胸腔积液，未见气胸")
    # {"pleural effusion": FindingLabel("pleural effusion", "present", "right", "small"),
    #  "pneumothorax": FindingLabel("pneumothorax", "absent", None, None)}
    answer_label("presence", "片中有没有气胸？", "考虑少量气胸可能。")   # "uncertain"

Findings and their negation come from `medqa.vocab.findings.find_mentions`. This module adds what the
finding metric needs beyond it, each scoped to the clause of the mention (clauses end at 。；;，,
and sentence ends, so "无气胸，右侧胸腔积液" gives the side to the effusion only):

* hedges (可能 / 考虑 / 不除外 / 待排除 / 疑似, possible / probable / may / cannot be excluded /
  versus ...) make a finding uncertain, whatever else the clause says: a hedged answer is never a
  flat yes or no. Chinese hedges cover the whole clause ("肺炎可能" hedges backwards); English ones
  look forwards ("possible effusion") except the trailing ones ("effusion cannot be excluded").
  不考虑 is a negation, not a hedge, and 可疑 / suspicious qualify ("未见可疑结节" is absent);
* side (左 / 右 / 双侧 / 两肺, left / right / bilateral; left and right together are bilateral) and
  severity (轻度 / 中度 / 重度 / 少量 / 中等量 / 大量 / 临界 / 较小 / 较大, mild / moderate / severe /
  small / trace / large / borderline): inside the mention ("右肺不张"), else just before it since
  the previous finding, else (for the clause's last finding) after it ("胸腔积液位于右侧").
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from medqa.vocab.findings import find_mentions

STATUSES = ("present", "absent", "uncertain")
LEVELS = ("status", "side", "severity")  # finding F1 levels: + side, + severity
SIDES = ("left", "right", "bilateral")
SEVERITIES = ("mild", "moderate", "severe", "small", "large", "borderline")
CLOSED_TYPES = ("projection", "normality", "presence", "location", "severity")
ALIASES = {"absence": "presence"}  # the type name data built before issue 10 used for "no" answers

_CLAUSE = re.compile(r"[。；;，,!?！？\n]|\.(?:\s|$)|但是?|然而|\bbut\b|\bhowever\b")
_SIDE = re.compile(r"双侧|两侧|双肺|两肺|双(?=[上中下])|两(?=[上中下])|左|右|\bbilateral(?:ly)?\b|\bboth\b|\bleft\b|"
                   r"\bright\b")
_SIDE_OF = {"左": "left", "left": "left", "右": "right", "right": "right"}
_SEVERITY = re.compile(r"中等量|中量|轻度|轻微|少量|少许|微量|中度|重度|大量|临界|较小|较大|稍|略|"
                       r"\b(?:mild|minimal|slight|moderate|severe|marked|small|trace|tiny|large|massive|"
                       r"borderline)(?:ly)?\b")
_SEVERITY_OF = {"轻度": "mild", "轻微": "mild", "稍": "mild", "略": "mild", "mild": "mild", "minimal": "mild",
                "slight": "mild", "中度": "moderate", "中等量": "moderate", "中量": "moderate", "moderate": "moderate",
                "重度": "severe", "severe": "severe", "marked": "severe", "少量": "small", "少许": "small",
                "微量": "small", "较小": "small", "small": "small", "trace": "small", "tiny": "small",
                "大量": "large", "较大": "large", "large": "large", "massive": "large", "临界": "borderline",
                "borderline": "borderline"}
# Hedges. Chinese: the whole clause. English: forwards, backwards (trailing) or the whole clause.
_HEDGE_ZH = re.compile(r"(?<!不)考虑|(?<!不)可能(?!性[小不低])|不除外|不能除外|不能排除|待排除|待除外|"
                       r"疑似|疑为|倾向|(?<![可怀])疑")
_HEDGE_EN_FWD = re.compile(r"\b(?:possible|possibly|probable|probably|may|might|could|likely|suspected|suspect|"
                           r"suggest(?:s|ive of)?|concerning for|equivocal|worrisome for|"
                           r"compatible with|consistent with|cannot exclude|can not exclude|cannot rule out)\b")
_WEAK_HEDGE = re.compile(r"可疑|怀疑|\bsuspicious\b|\bquestionable\b")  # hedges only what is not negated
_HEDGE_EN_BACK = re.compile(r"\b(?:cannot be (?:excluded|ruled out)|can not be (?:excluded|ruled out)|not excluded|"
                            r"not (?:be )?ruled out|is (?:possible|likely|suspected|not excluded)|versus|vs\.?|"
                            r"and/or)(?:\W|$)")


@dataclass(frozen=True)
class FindingLabel:
    """One finding as an answer states it; side and severity are None when the text gives none."""

    finding: str
    status: str  # present / absent / uncertain
    side: str | None = None
    severity: str | None = None

    def key(self, level: str = "status") -> tuple:
        """What must match at a level: 'status' (finding, status), 'side' (+ side), 'severity' (+ severity)."""
        if level == "status":
            return self.finding, self.status
        if level == "side":
            return self.finding, self.status, self.side
        return self.finding, self.status, self.side, self.severity


def side_of(text: str) -> str | None:
    """'left', 'right' or 'bilateral' named in `text` (left and right together are bilateral), else None."""
    found = set()
    for m in _SIDE.finditer(text.lower()):
        word = m.group()
        found.add(_SIDE_OF.get(word, "bilateral"))
    if "bilateral" in found or {"left", "right"} <= found:
        return "bilateral"
    return found.pop() if found else None


def severity_of(text: str) -> str | None:
    """The first severity word of `text` as mild / moderate / severe / small / large / borderline, else None."""
    m = _SEVERITY.search(text.lower())
    if not m:
        return None
    word = m.group()
    return _SEVERITY_OF.get(word, _SEVERITY_OF.get(word.removesuffix("ly")))


def _clauses(low: str) -> tuple[list[int], list[int]]:
    """Start and end offsets of the clauses of a text."""
    starts, ends = [0], []
    for m in _CLAUSE.finditer(low):
        ends.append(m.start())
        starts.append(m.end())
    return starts, [*ends, len(low)]


def _hedged(text: str, start: int, end: int) -> bool:
    """Whether a hedge of the clause `text` reaches the mention at [start, end) (offsets into the clause)."""
    if _HEDGE_ZH.search(text):
        return True
    if any(m.start() < start for m in _HEDGE_EN_FWD.finditer(text)):
        return True
    return any(m.start() >= end or m.group().startswith(("versus", "vs", "and/or"))
               for m in _HEDGE_EN_BACK.finditer(text))


def _hedge_after(low: str, starts: list[int], ends: list[int], c: int, mentions: list) -> bool:
    """Whether the clause after clause c is a bare hedge ("可疑骨折，不除外。", "..., cannot be excluded")."""
    if c + 1 >= len(starts):
        return False
    a, b = starts[c + 1], ends[c + 1]
    if any(a <= m[2] < b for m in mentions):
        return False
    text = low[a:b]
    return bool(_HEDGE_ZH.search(text) or _HEDGE_EN_BACK.search(text))


def _in(spans: list[tuple[int, int]], words: list[tuple[int, str]], combine) -> str | None:
    """The value of the words in the first span that has any (combined by `combine`)."""
    for x, y in spans:
        values = [value for pos, value in words if x <= pos < y]
        if values:
            return combine(values)
    return None


def _combine_sides(values: list[str]) -> str:
    found = set(values)
    return "bilateral" if "bilateral" in found or len(found) > 1 else values[0]


def clear_cache() -> None:
    """Forget the cached labels of texts seen so far (benchmarks time a cold start)."""
    _labels.cache_clear()


def finding_labels(text: str) -> dict[str, FindingLabel]:
    """The findings `text` states, each with status, side and severity (see the module doc).

    A finding mentioned twice keeps its strongest statement: present over uncertain over absent,
    and the first side / severity given.
    """
    return {label.finding: label for label in _labels((text or "").lower())}


@functools.lru_cache(maxsize=1 << 16)
def _labels(low: str) -> tuple[FindingLabel, ...]:
    """finding_labels of a lower-cased text, cached: answers of templated data repeat a lot."""
    mentions = find_mentions(low)
    if not mentions:
        return ()
    starts, ends = _clauses(low)
    sides = [(m.start(), _SIDE_OF.get(m.group(), "bilateral")) for m in _SIDE.finditer(low)]
    severities = [(m.start(), _SEVERITY_OF.get(m.group(), _SEVERITY_OF.get(m.group().removesuffix("ly"))))
                  for m in _SEVERITY.finditer(low)]
    out: dict[str, FindingLabel] = {}
    rank = {"absent": 0, "uncertain": 1, "present": 2}
    for i, (key, present, start, end) in enumerate(mentions):
        c = bisect.bisect_right(starts, start) - 1
        a, b = starts[c], ends[c]
        prev_end = mentions[i - 1][3] if i and mentions[i - 1][3] >= a else a
        last = i + 1 == len(mentions) or mentions[i + 1][2] >= b
        hedged = _hedged(low[a:b], start - a, end - a) or _hedge_after(low, starts, ends, c, mentions)
        # 可疑X is a suspected X; 未见可疑X stays absent (the negation owns the qualifier).
        hedged = hedged or (present and _WEAK_HEDGE.search(low[a:start]) is not None)
        status = "uncertain" if hedged else "present" if present else "absent"
        spans = [(start, end), (prev_end, start)] + ([(end, b)] if last else [])
        side = _in(spans, sides, _combine_sides)
        severity = _in(spans, severities, lambda values: values[0])
        label = FindingLabel(key, status, side, severity)
        old = out.get(key)
        if old is None or rank[status] > rank[old.status]:
            out[key] = FindingLabel(key, status, side or (old and old.side), severity or (old and old.severity))
        elif rank[status] == rank[old.status] and (not old.side or not old.severity):
            out[key] = FindingLabel(key, status, old.side or label.side, old.severity or label.severity)
    return tuple(out.values())


# -- closed-type answers ------------------------------------------------------------------------
_ABSENT_START = re.compile(r"\W*(?:没有|无|未见|未发现|未显示|否|不是|不存在|并无|no\b|not\b|none\b|negative\b|"
                           r"absent\b|there (?:is|are) no\b|without\b)")
_PRESENT_START = re.compile(r"\W*(?:有|是|可见|存在|见|yes\b|present\b|positive\b|there (?:is|are)\b)")
# The first statement about normality decides: 不正常 / 异常 / abnormal, or 正常 / 未见…异常 / no acute ...
_NORMALITY = re.compile(r"(?P<abnormal>不正常|有异常|存在异常|异常|\babnormal|\bnot normal)|"
                        r"(?P<normal>(?:未见|无|没有)[^，。；,;]{0,8}?异常|正常|\bno acute\b|\bunremarkable\b|"
                        r"\bnormal\b)")
_ASKS_ABNORMAL = re.compile(r"异常|abnormal|问题|病变|毛病")
_FRONTAL = re.compile(r"正位|后前位|前后位|\bpa\b|\bap\b|frontal|posteroanterior|anteroposterior")
_LATERAL = re.compile(r"侧位|\blateral\b")
_ZONES = (
    ("apex", r"肺尖|\bapex|\bapical"), ("upper", r"上叶|上肺|上野|\bupper"),
    ("middle", r"中叶|中肺|中野|舌段|\bmiddle|\blingula"), ("lower", r"下叶|下肺|肺底|底部|\blower|\bbas[ea]"),
    ("hilum", r"肺门|\bhil[au]"), ("retrocardiac", r"心后|\bretrocardiac"),
    ("costophrenic", r"肋膈角|costophrenic"), ("diaphragm", r"膈|\bdiaphragm|\bhemidiaphragm"),
    ("mediastinum", r"纵隔|\bmediastin"), ("aorta", r"主动脉|\baort"),
    ("spine", r"胸椎|腰椎|颈椎|脊柱|椎体|\bspine|\bvertebra|\blumbar"), ("rib", r"肋(?!膈)|\brib"),
    ("clavicle", r"锁骨|\bclavic"), ("shoulder", r"肩|\bshoulder"),
    ("heart", r"心脏|心影|心室|心房|心上|\bheart|\bcardiac|\bventric|\batri"), ("trachea", r"气管|\btrache"),
    ("pleura", r"胸膜|\bpleura"), ("soft tissue", r"软组织|脂肪|\bsoft tissue|\bfat"), ("abdomen", r"腹|\babdom"),
    ("neck", r"颈|\bneck"), ("sternum", r"胸骨|\bstern"), ("lymph node", r"淋巴结|\blymph"),
    ("vessel", r"血管|冠状动脉|\bcoronary|\bvascula|\bvessel"), ("breast", r"乳腺|乳房|\bbreast"),
    ("valve", r"瓣|\bvalv"), ("esophagus", r"食管|\besophag"), ("chest", r"胸部|\bchest|\bthorax"),
    ("anterior", r"前部|\banterior"), ("posterior", r"后部|\bposterior"), ("lung", r"肺|\blung"),
)
_ZONE = re.compile("|".join(f"(?P<z{i}>{pattern})" for i, (_name, pattern) in enumerate(_ZONES)))


def zone_of(text: str) -> str | None:
    """The first anatomical zone `text` names (upper, lower, hilum, aorta, spine, ...), else None."""
    m = _ZONE.search(text.lower())
    return _ZONES[int(m.lastgroup[1:])][0] if m else None


def presence_label(question: str, answer: str) -> str | None:
    """present / absent / uncertain: what the answer says of the finding the question names.

    The finding's own statement in the answer decides (so a hedge about another finding does not
    count); an answer that does not name it ("有。", "No.") is read from its opening word, and any
    hedge in it makes it uncertain.
    """
    asked = set(finding_labels(question)) - {"normal"}  # "...异常吗" reads as the 'normal' key: not a finding
    stated = finding_labels(answer)
    if hit := [stated[k].status for k in asked if k in stated]:
        return max(hit, key=("absent", "uncertain", "present").index)
    low = answer.lower()
    if _HEDGE_ZH.search(low) or _HEDGE_EN_FWD.search(low) or _HEDGE_EN_BACK.search(low):
        return "uncertain"
    if _ABSENT_START.match(low):
        return "absent"
    if _PRESENT_START.match(low):
        return "present"
    return None


def normality_label(question: str, answer: str) -> str | None:
    """normal / abnormal: the answer's first statement about it; a bare yes or no is read against what the
    question asks (正常吗 vs 有异常吗); else the findings it states."""
    low = answer.lower()
    if m := _NORMALITY.search(low):
        return m.lastgroup
    yes, no = _PRESENT_START.match(low), _ABSENT_START.match(low)
    if yes or no:
        asks_abnormal = bool(_ASKS_ABNORMAL.search(question.lower()))
        return "abnormal" if bool(yes) == asks_abnormal else "normal"
    stated = finding_labels(answer)
    if "normal" in stated:
        return "normal" if stated["normal"].status == "present" else "abnormal"
    return "abnormal" if any(f.status != "absent" for f in stated.values()) else None


def projection_label(answer: str) -> str | None:
    """frontal / lateral: whichever the answer names first."""
    low = answer.lower()
    hits = [(m.start(), name) for name, rx in (("frontal", _FRONTAL), ("lateral", _LATERAL)) if (m := rx.search(low))]
    return min(hits)[1] if hits else None


_PLACE = re.compile(r"位于|\blocated (?:in|at|on)\b")


def location_label(answer: str) -> str | None:
    """The side the answer gives (left / right / bilateral), or without one its zone ('zone:aorta').

    Only the words after 位于 / "located in" count when the answer has them ("心脏增大位于..." names
    the heart as the finding, not as the place).
    """
    m = _PLACE.search(answer.lower())
    answer = answer[m.end():] if m else answer
    side = side_of(answer)
    if side:
        return side
    zone = zone_of(answer)
    return f"zone:{zone}" if zone else None


def answer_label(qtype: str, question: str, answer: str) -> str | None:
    """The exact label of a closed-type answer, None when it states none (or for an open type)."""
    qtype = ALIASES.get(qtype, qtype)
    if not answer:
        return None
    if qtype == "presence":
        return presence_label(question, answer)
    if qtype == "normality":
        return normality_label(question, answer)
    if qtype == "projection":
        return projection_label(answer)
    if qtype == "location":
        return location_label(answer)
    if qtype == "severity":
        return severity_of(answer)
    return None


def builder_label(qtype: str, label: dict | None) -> str | None:
    """The reference label a builder recorded for a turn (the record's `labels`), where it gives one."""
    qtype = ALIASES.get(qtype, qtype)
    if not isinstance(label, dict):
        return None
    if qtype == "normality":  # the builder labels the 'normal' finding: present = normal, absent = abnormal
        status = label.get("status") if label.get("finding") == "normal" else None
        return {"present": "normal", "absent": "abnormal"}.get(status)
    field = {"presence": "status", "location": "side", "severity": "severity"}.get(qtype)
    value = label.get(field) if field else None
    return value if isinstance(value, str) and value not in ("", "null") else None
