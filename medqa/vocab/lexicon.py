"""Bilingual MeSH lexicon: renders an Open-i MeSH term ('Opacity/lung/base/left/mild') as Chinese.

The data tables live in medqa.vocab.lexicon_table (and lexicon_text, for words only report text uses); this
module holds the rules that put a head and its qualifiers together into one natural Simplified-Chinese noun
phrase (左肺底部轻度阴影).
A word the tables do not know never raises: it stays in English inside the phrase and is listed
in `TermZh.unknown`, so a dataset build can report untranslated terms instead of stopping.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from medqa.vocab.lexicon_table import (
    ANATOMY,
    ANATOMY_STATES,
    AREAS,
    CONTAINERS,
    DEGENERATIVE_KEY,
    DISTRIBUTION,
    FINDING,
    HEAD_QUALIFIER_NAMES,
    HEADS,
    LATERALITY,
    LUNG_REGION,
    NONFINDING,
    PLACE,
    PLACE_POSITIONS,
    POSITION,
    QUALIFIER_OVERRIDES,
    SEVERITY,
    SHIFT,
    STATE,
    SUBJECT_NAMES,
    Head,
)
from medqa.vocab.lexicon_table import QUALIFIERS as _TABLE_QUALIFIERS
from medqa.vocab.lexicon_text import TEXT_HEADS, TEXT_QUALIFIERS
from medqa.vocab.mesh import DEID_RE, MeshTerm
from medqa.vocab.sizes import PREFIX as SIZE_PREFIX

__all__ = [
    "HEADS", "QUALIFIERS", "TermZh",
    "describe_term", "finding_key", "finding_names", "lexicon_coverage", "normalize",
]

QUALIFIERS = {**_TABLE_QUALIFIERS, **TEXT_QUALIFIERS}
_RENDER_HEADS = {**HEADS, **TEXT_HEADS}  # text-only heads render, but stay out of finding_names
_SIDE = {"右": "右侧", "左": "左侧", "双": "双侧"}
_SIZE_STATES = ("small", "large", "borderline")  # on an anatomy head with no state, size is the finding
_AMOUNT = {"small": "少量", "moderate": "中等量", "large": "大量", "minimal": "少许"}
_UNIT_REGIONS = {"base", "apex", "hilum"}
_ZONES = {"mid lung zone": "中肺野", "upper lung zone": "上肺野", "lower lung zone": "下肺野"}
# Findings only a lung can have: with a side and no place they lie in that lung (左肺不张, not 左侧肺不张).
_LUNG_HEADS = frozenset({"pulmonary atelectasis", "infiltrate", "consolidation", "airspace disease", "nodule",
                         "cicatrix", "calcified granuloma", "granuloma", "mass", "cavitation"})


# Finding keys that are not MeSH heads ('tortuous aorta' for 'Aorta/tortuous'), so that a key from
# medqa.vocab.findings can be described as if it were a head: describe_term(MeshTerm("tortuous aorta")).
_KEY_HEADS: dict[str, Head] = {DEGENERATIVE_KEY: Head("退行性变", FINDING, DEGENERATIVE_KEY)}
for _head in HEADS.values():  # 'bulla' of 'Blister'; the first head of a key names it (退行性变, not 脊柱退行性变)
    if _head.key and _head.key not in HEADS:
        _KEY_HEADS.setdefault(_head.key, _head)
for (_anatomy, _state), (_zh, _key) in ANATOMY_STATES.items():
    if _key not in HEADS and "/" not in _key:
        _KEY_HEADS.setdefault(_key, Head(_zh, FINDING, _key))


@dataclass(frozen=True)
class TermZh:
    """One MeSH term in Chinese: its parts, one whole noun phrase, and the words left in English."""

    name: str
    location: str
    severity: str
    descriptors: str
    phrase: str
    unknown: tuple[str, ...]
    is_abnormal: bool


@dataclass
class _Parts:
    """A term's qualifiers sorted by kind (lexicon keys, or English words for unknown ones)."""

    head_key: str
    head: Head
    laterality: str = ""
    places: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    positions: list[str] = field(default_factory=list)
    severities: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)  # distribution, descriptor, state, unknown
    unknown: list[str] = field(default_factory=list)


def normalize(word: str) -> str:
    """Lexicon key of a word: lower case, whitespace collapsed ('Subcutaneous  Emphysema' matches)."""
    return " ".join(word.split()).lower()


def _scrub(word: str) -> str:
    """Drop the de-identification token from a word that will be shown in English."""
    return " ".join(DEID_RE.sub(" ", word).split())


def _join(*pieces: str) -> str:
    """Concatenate Chinese pieces, with a space wherever an English word meets other text."""
    out = ""
    for piece in pieces:
        if not piece:
            continue
        if out and (out[-1].isascii() and out[-1].isalnum() or piece[0].isascii() and piece[0].isalnum()):
            out += " "
        out += piece
    return out


def _sort_qualifiers(head_key: str, head: Head, qualifiers: Iterable[str]) -> _Parts:
    parts = _Parts(head_key, head)
    for raw in qualifiers:
        key = normalize(raw)
        qual = QUALIFIERS.get(key)
        if qual is None:
            word = _scrub(raw)
            if word:
                parts.unknown.append(word)
                parts.extras.append(word)
        elif qual.kind == LATERALITY:
            parts.laterality = parts.laterality or qual.zh
        elif qual.kind == PLACE:
            parts.places.append(key)
        elif qual.kind == LUNG_REGION:
            parts.regions.append(key)
        elif qual.kind == POSITION:
            parts.positions.append(key)
        elif qual.kind == SEVERITY:
            parts.severities.append(key)
        else:
            parts.extras.append(key)
    if "sulcus" in parts.places and "costophrenic angle" in parts.places + [head_key]:
        parts.places.remove("sulcus")  # the same recess named twice: 肋膈角, not 肋膈角肋膈沟
    # An area reads before the structure in it: 右侧气管旁淋巴结, not 右侧淋巴结气管旁.
    parts.places.sort(key=lambda k: k not in AREAS)
    return parts


def _take(items: list[str], wanted: Iterable[str]) -> str:
    """Remove and return the first item of `items` that is in `wanted` ("" if none)."""
    wanted = set(wanted)
    for item in items:
        if item in wanted:
            items.remove(item)
            return item
    return ""


def _anatomy_name(p: _Parts) -> tuple[str, str, str]:
    """(name, key, subject) for an anatomy head, whose finding is carried by a state qualifier."""
    subject = p.head_key
    structures = [k for k in p.places if k not in AREAS]
    if subject in CONTAINERS and structures:
        subject = structures[-1]  # 'Mediastinum/lymph nodes/enlarged': the nodes are enlarged
        p.places.remove(subject)
        p.places.insert(0, p.head_key)
    skey = subject
    if subject == "lung" and _take(p.extras, ["interstitial"]):
        skey = "lung interstitial"
    elif subject == "lung" and p.regions == ["hilum"]:
        skey = subject = _take(p.regions, ["hilum"])  # 'Lung/hilum/prominent' is about the hilum
    elif subject == "markings":
        modifier = _take(p.extras, ["interstitial", "bronchovascular"])
        skey = f"markings {modifier}" if modifier else skey
    states = [k for k in p.extras if k in QUALIFIERS and QUALIFIERS[k].kind == STATE]
    p.extras = [k for k in p.extras if k not in states]
    if not states and _take(list(p.severities), _SIZE_STATES):
        states = [_take(p.severities, _SIZE_STATES)]
    if len(states) > 1 and p.severities:
        p.unknown.append("severity of one of several states")  # 'dilated slightly tortuous aorta': which one?
    state = states[0] if states else ""
    noun = SUBJECT_NAMES.get(skey) or (p.head.zh if subject == p.head_key else QUALIFIERS[subject].zh)
    entry = ANATOMY_STATES.get((skey, state))
    if entry:
        name, key = entry
    else:
        name = noun + ("|" + (QUALIFIERS[state].pred or QUALIFIERS[state].zh) if state else "")
        key = DEGENERATIVE_KEY if state == "degenerative" else "/".join(k for k in (subject, state) if k)
    # Further states join the first: 'Aorta/enlarged/tortuous' is 主动脉增宽、迂曲.
    name += "".join("、" + (QUALIFIERS[k].pred or QUALIFIERS[k].zh) for k in states[1:])
    for part in p.positions + p.regions:
        paired = PLACE_POSITIONS.get((subject, part))
        if paired and name.startswith(noun):  # 'Costophrenic Angle/posterior/blunted' is 后肋膈角变钝
            name = paired + name[len(noun):]
            (p.positions if part in p.positions else p.regions).remove(part)
            break
    return name, key, subject


def _finding_name(p: _Parts) -> str:
    """Chinese name of a finding head, folding in a qualifier the name already implies."""
    for qual in p.places + p.extras:
        folded = HEAD_QUALIFIER_NAMES.get((p.head_key, qual))
        if folded:
            (p.places if qual in p.places else p.extras).remove(qual)
            return folded
    return p.head.zh


def _place_text(p: _Parts) -> str:
    """The places and positions of a location, each position joined to the place it belongs to."""
    text = ""
    for place in p.places:
        pair = next(((q, PLACE_POSITIONS[(place, q)]) for q in p.positions + p.regions
                     if (place, q) in PLACE_POSITIONS), None)
        if pair:
            (p.positions if pair[0] in p.positions else p.regions).remove(pair[0])
            text += pair[1]
        else:
            text += QUALIFIERS[place].zh
    return text


def _location(p: _Parts, subject: str) -> str:
    """Chinese location: 右肺上叶、中叶 inside a lung, 右侧后肋 elsewhere, '' when none."""
    # A lung region alone places a lung finding in the lung (左肺底部肺不张), but a pleural
    # collection beside it (右侧肺尖气胸) and another structure at it (双侧肺尖胸膜) stay outside.
    in_lung = ("lung" in p.places or subject == "lung" or any(r not in _UNIT_REGIONS for r in p.regions)
               or bool(p.regions) and not p.places and not p.head.amount and subject == "")
    if p.head_key in _LUNG_HEADS and p.laterality and not p.places and not p.regions:
        in_lung = True  # 'Pulmonary Atelectasis/left' is 左肺不张, not 左侧肺不张
    if "retrocardiac" in p.places and not p.regions:
        in_lung = False  # the retrocardiac region is 心后区 on its own, never 肺心后区
    p.places = [k for k in p.places if k != "lung"]
    if not p.laterality and "middle lobe" in p.regions:
        p.laterality = "右"  # only the right lung has a middle lobe
    if p.laterality in ("左", "双") and "middle lobe" in p.regions:
        # The left lung has no middle lobe: indexers mean the mid zone (左中肺野).
        p.regions[p.regions.index("middle lobe")] = "mid lung zone"
    text = ""
    if in_lung and p.regions[:1] and p.regions[0] in _ZONES:
        text = p.laterality + _ZONES[p.regions[0]]  # 右中肺野, 左上肺野: a zone names its lung itself
        p.regions = p.regions[1:]
    if in_lung:
        side = p.laterality or ("左" if "lingula" in p.regions else "")
        if not text and (side or p.regions or subject != "lung"):
            text = side + "肺"
        for i, region in enumerate(p.regions):
            qual = QUALIFIERS[region]
            zh = qual.zh if i == 0 else "、" + (qual.pred if region == "hilum" else qual.zh)
            if region == "hilum" and p.head.kind == FINDING:
                zh += "区"  # 右肺门区阴影: 肺门阴影 is the normal hilar shadow
            text += zh[1:] if text.endswith("肺") and zh.startswith("肺") else zh  # 双肺门周围, not 双肺肺门周围
        p.regions = []
        text += _place_text(p)
    else:
        places, regions = _place_text(p), "".join(QUALIFIERS[r].pred for r in p.regions)
        # Nodes are named by their station: 肺门淋巴结, never 淋巴结肺门.
        text = _SIDE.get(p.laterality, "") + (regions + places if "lymph nodes" in p.places else places + regions)
    return text + "".join(QUALIFIERS[k].zh for k in p.positions)


def _name_with_severity(name: str, severity: str, others: list[str], location: str,
                        subject: str) -> list[str]:
    """The name with severity and descriptors placed: 心脏轻度增大, 轻度肺通气不足, 右肺不张."""
    # The lung is named once: 左肺 + 肺通气不足 reads 左肺通气不足, 右肺 + 肺不张 reads 右肺不张.
    if location and (location.endswith(("肺", "肺尖", "肺底")) or subject == "lung") and not others:
        name = name[2:] if name.startswith("肺野") else name[1:] if name.startswith("肺") else name
    noun, bar, pred = name.partition("|")
    if bar:
        return [*others, noun, severity, pred]
    return [severity, *others, noun]


_WEARS_OUT = frozenset({"osteophyte", "spondylosis", "arthritis", DEGENERATIVE_KEY})  # 退行性骨赘 is one finding
_MORE_OF = frozenset({"opacity", "density", "infiltrate"})  # findings that can be 'increased': 阴影增多
_LOBECTOMY = "肺叶切除术后改变"
_LOBES = ("upper lobe", "middle lobe", "lower lobe", "lingula")


def _special_name(head_key: str, p: _Parts) -> str:
    """Names a qualifier changes ("" when none): side of a scoliosis is its convexity, a lobe makes a
    pneumonectomy a lobectomy, a lucency at the diaphragm lies beneath it."""
    if head_key == "scoliosis" and p.laterality in ("左", "右"):
        side, p.laterality = p.laterality, ""
        return _finding_name(p).replace("侧弯", side + "凸侧弯")  # 胸椎右凸侧弯, not 位于右侧
    if head_key == "pneumonectomy" and any(r in _LOBES for r in p.regions):
        return _LOBECTOMY
    if head_key == "lucency" and "diaphragm" in p.places:
        p.places.remove("diaphragm")
        return "膈下透亮影"
    return ""


@functools.lru_cache(maxsize=16384)
def _render(term: MeshTerm) -> tuple[TermZh, str]:
    """The Chinese rendering of a term and its canonical finding key ("" for a non-finding)."""
    head_key = normalize(term.head)
    head = _RENDER_HEADS.get(head_key) or _KEY_HEADS.get(head_key)
    unknown: list[str] = []
    if head is None:
        word = _scrub(term.head)
        unknown += [word] if word else []
        head_key = normalize(word)  # the key too must not carry XXXX
        head = Head(word or "未知表现", FINDING, head_key)
    size = "".join(q[len(SIZE_PREFIX):] for q in term.qualifiers if q.startswith(SIZE_PREFIX))  # sizes.py: 6mm
    p = _sort_qualifiers(head_key, head, [q for q in term.qualifiers if not q.startswith(SIZE_PREFIX)])
    increased = "increased" in p.extras
    if increased:
        p.extras.remove("increased")  # 'increased perihilar opacities' are 肺门周围阴影增多, not 明显阴影
        if head_key not in _MORE_OF:
            p.unknown.append("increased")  # no Chinese that keeps the meaning
    if head.kind == FINDING and "degenerative" in p.extras and head_key not in _WEARS_OUT:
        p.unknown.append("degenerative")  # 'osteopenia, degenerative changes' are two findings, never 退行性骨量减少
    subject = ""
    if head.kind == ANATOMY:
        name, key, subject = _anatomy_name(p)
    elif head.kind == SHIFT:
        name, key = ("向" + p.laterality if p.laterality in ("左", "右") else "") + head.zh, "shift"
        p.laterality = ""
    else:
        name, key = _special_name(head_key, p) or _finding_name(p), head.key or head_key
    location = _location(p, subject)
    amount = _AMOUNT if head.amount else {}
    severity = "".join(amount.get(k) or QUALIFIERS[k].zh for k in p.severities)
    extras = [QUALIFIER_OVERRIDES.get((head_key, k)) or QUALIFIERS[k].zh if k in QUALIFIERS else k
              for k in p.extras]
    is_spread = [k in QUALIFIERS and QUALIFIERS[k].kind == DISTRIBUTION for k in p.extras]
    spread = [zh for zh, s in zip(extras, is_spread, strict=True) if s]
    others = [zh for zh, s in zip(extras, is_spread, strict=True) if not s]
    # 可疑气腔阴影, not 气腔可疑阴影; 斑片状气腔阴影, not 气腔斑片状阴影 (气腔 names the kind of opacity).
    others.sort(key=lambda zh: (zh != "可疑") + 2 * (zh == "气腔"))
    if severity and "明显" in others:
        others.remove("明显")  # 'mildly prominent density' is 轻度密度增高影, not 轻度明显
    where = "肺内" if location == "肺" and others else location  # 肺内可疑阴影, not 肺可疑阴影
    if where.endswith("淋巴结") and spread:  # 右侧肺门数个淋巴结钙化: the count is of the nodes
        where, spread = where[:-3] + "".join(spread) + "淋巴结", []
    named = _name_with_severity(name, severity, others, location, subject)  # a size (右肺上叶6mm结节) is no English
    phrase = _join(where, *spread) + size + _join(*named) if size else _join(where, *spread, *named)
    if increased and head_key in _MORE_OF:
        phrase += "增多"
    if name == _LOBECTOMY:
        phrase = _join(location, *spread, *others, "切除术后改变")  # 右肺上叶切除术后改变
    zh = TermZh(
        name=name.replace("|", ""),
        location=location,
        severity=severity,
        descriptors="、".join(extras),
        phrase=phrase or name.replace("|", ""),
        unknown=tuple(unknown + p.unknown),
        is_abnormal=head.kind != NONFINDING,
    )
    return zh, ("" if head_key == "no indexing" else key)


def describe_term(term: MeshTerm) -> TermZh:
    """Render one MeSH term in Chinese; unknown words stay in English and are listed, never raised."""
    return _render(term)[0]


def finding_key(term: MeshTerm) -> str:
    """Canonical finding key of a term, as medqa.vocab.findings uses it ('' for 'No Indexing')."""
    return _render(term)[1]


def finding_names() -> dict[str, str]:
    """Every Chinese finding name the lexicon renders, mapped to its finding key.

    A "|" in a name marks where a severity may stand (心脏|增大 is also written 心脏轻度增大).
    'No Indexing' is left out, and so is the bare 移位 of 'Shift' (骨折移位 is no shift).
    """
    names: dict[str, str] = {}
    for head_key, head in HEADS.items():
        if head.kind == FINDING or head.kind == NONFINDING and head_key != "no indexing":
            names.setdefault(head.zh, head.key or head_key)
    for (head_key, _qual), zh in HEAD_QUALIFIER_NAMES.items():
        names.setdefault(zh, HEADS[head_key].key or head_key)
    for key, head in _KEY_HEADS.items():
        names.setdefault(head.zh, key)
    for (_anatomy, _state), (zh, key) in ANATOMY_STATES.items():
        if "/" not in key:
            names.setdefault(zh, key)
    return names


def lexicon_coverage(terms: Iterable[MeshTerm]) -> tuple[float, set[str]]:
    """Fraction of the distinct head and qualifier words of `terms` the lexicon knows, and the rest.

    Words are compared normalised (case and whitespace); with no words at all the coverage is 1.0.
    """
    heads: set[str] = set()
    quals: set[str] = set()
    for term in terms:
        heads.add(normalize(term.head))
        quals.update(normalize(q) for q in term.qualifiers)
    missing = {h for h in heads if h not in HEADS} | {q for q in quals if q not in QUALIFIERS}
    total = len(heads) + len(quals)
    return (1.0 if total == 0 else (total - len(missing)) / total), missing
