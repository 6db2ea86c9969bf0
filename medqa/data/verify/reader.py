"""The verifier's reader: a Chinese answer -> the findings it states, each with status, side and severity.

    read_answer("未见气胸；左侧少量胸腔积液")
    # [Reading("pneumothorax", "absent", ...), Reading("pleural effusion", "present", "left", "low", ...)]

It is written apart from the generator: its names come from its own table (reading.tsv), never from the
lexicon the generator renders with, so a wrong rendering is read as what it says, not as what was meant.
It reads strictly. A negation (未见, 无, 没有 ...) covers the rest of its clause and every item of a list after it
(、 或 及); it runs on over a comma into a bare noun phrase (未见气胸，左侧少量胸腔积液 reads the effusion as
absent, marked `run_on`), and ends at a stated cue (可见, 伴, 仍可见) or a full stop. A hedge (不除外, 考虑, 可能 ...)
makes the findings of its clause uncertain. 等 / 另见 mark a list that says there is more.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path

TABLE = Path(__file__).with_name("reading.tsv")
_COLUMNS = ("concept", "zh", "en", "benign", "critical")
_SENTENCE = re.compile(r"[。；;！？!?\n]")
_COMMA = re.compile(r"[，,：:]")
_NEGATION = re.compile(r"未见|未发现|未显示|未提示|没有|并无|不伴|否认|(?<![^\W\d_]无)无(?!名|法|需)")
_RESOLVED = re.compile(r"已吸收|已消失|已排除")
# 示 states (提示肺炎), except inside a negation of what would suggest it (未见提示肺炎的阴影: one negation).
_STATED = re.compile(r"可见|伴有|伴(?!随)|仍可见|仍见|存在|显示|见于|另见|并见|(?<!未见提)示")
_HEDGE = re.compile(r"不除外|不能除外|不能排除|待排除|待除外|考虑|可能|疑似|疑为|可疑|倾向|符合")
_SIDE = re.compile(r"双侧|两侧|双肺|两肺|双(?=[上中下肺])|左|右")
_SEVERITY = {"轻至中度": "low-mid", "中等量": "mid", "轻度": "low", "轻微": "low", "少许": "low", "少量": "low",
             "微量": "low", "较小": "low", "稍": "low", "略": "low", "中度": "mid", "中量": "mid", "重度": "high",
             "大量": "high", "较大": "high", "显著": "high", "临界": "borderline"}
_SEVERITY_RE = re.compile("|".join(sorted(_SEVERITY, key=len, reverse=True)))
_SEPARATOR = re.compile(r"[、及和或]|以及|伴")
_LIST_END = re.compile(r"或|及|和")
_QUALIFIED = re.compile(r"可疑|明确|明显|大量|急性|局灶|移位|活动性|新发|非钙化|典型")  # a negation that narrows
MORE = re.compile(r"等[。；，]|等$|另见|其他异常|其余异常")
# The film called normal as a whole ('心脏大小正常' is one structure, not the film).
_NORMAL = re.compile(r"^(?:这张胸片|是的?，?)?正常|胸片(?:表现)?正常|^(?:这张胸片|片中)?未见(?:明显)?异常|"
                     r"心肺未见[^，。；、]{0,4}?异常|未见心肺异常")
_ABNORMAL = re.compile(r"不正常|有异常|异常[，。：:]|^异常")


class TableError(ValueError):
    """A bad row of the reading table (names the file and line)."""


@dataclass(frozen=True)
class Concept:
    name: str
    pattern: re.Pattern
    en: frozenset[str]
    benign: bool
    critical: bool


@dataclass(frozen=True)
class Reading:
    """One finding as an answer states it."""

    concept: str
    status: str  # present / absent / uncertain
    side: str | None
    severity: str | None  # low / mid / high / borderline / low-mid
    run_on: bool = False  # absent only because a negation ran on from an earlier item
    qualified: bool = False  # the item carries a qualifier a negation may deny alone (未见可疑结节)
    zones: frozenset[str] = frozenset()  # the parts of a lung it names: upper / middle / lower / hilum
    span: str = ""  # the words of its list item, where its qualifiers and place stand
    hedge: str = ""  # for an uncertain one: "strong" (考虑, 倾向, 可能性大) or "weak" (不除外, 待排除, 可疑, 可能)


@functools.lru_cache(maxsize=4)
def load_table(path: Path = TABLE) -> dict[str, Concept]:
    """concept name -> Concept; TableError naming the file and line of a bad row."""
    out: dict[str, Concept] = {}
    numbers: list[int] = []  # the file's own line number of each line the CSV reader is given

    def uncommented(lines):
        for number, line in enumerate(lines, 1):
            if not line.startswith("#"):
                numbers.append(number)
                yield line

    with Path(path).open(encoding="utf-8", newline="") as f:
        rows = csv.DictReader(uncommented(f), delimiter="\t")
        if tuple(rows.fieldnames or ()) != _COLUMNS:
            raise TableError(f"{path}: columns must be {', '.join(_COLUMNS)}, got {rows.fieldnames}")
        for row in rows:
            where = f"{path}:{numbers[rows.line_num - 1]}"  # line_num counts only the lines given, not comments
            if not row["concept"] or row["concept"] in out or not row["zh"]:
                raise TableError(f"{where}: empty or repeated concept {row['concept']!r}")
            if row["benign"] not in ("yes", "no") or row["critical"] not in ("yes", "no"):
                raise TableError(f"{where}: benign and critical must be yes or no")
            try:
                pattern = re.compile("|".join(f"(?:{p})" for p in row["zh"].split(";")))
            except re.error as exc:
                raise TableError(f"{where}: bad pattern {row['zh']!r}: {exc}") from exc
            en = frozenset(k.strip() for k in row["en"].split(";") if k.strip())
            out[row["concept"]] = Concept(row["concept"], pattern, en, row["benign"] == "yes", row["critical"] == "yes")
    return out


def concepts_of(key: str) -> list[str]:
    """The concepts an English finding key of the report supports."""
    return _by_key().get(key, [])


@functools.lru_cache(maxsize=1)
def _by_key() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for c in load_table().values():
        for key in c.en:
            out.setdefault(key, []).append(c.name)
    return out


def _mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, concept) of every name in `text`, the longest winning where two overlap."""
    found = [(m.start(), m.end(), c.name) for c in load_table().values() for m in c.pattern.finditer(text)
             if m.end() > m.start()]
    found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out: list[tuple[int, int, str]] = []
    for start, end, name in found:
        if out and start < out[-1][1]:
            continue
        out.append((start, end, name))
    return out


def _side(text: str) -> str | None:
    found = {"left" if w == "左" else "right" if w == "右" else "bilateral" for w in _SIDE.findall(text)}
    if "bilateral" in found or {"left", "right"} <= found:
        return "bilateral"
    return found.pop() if found else None


_ZONES = (("upper", re.compile(r"上叶|上肺|肺尖|尖部")), ("middle", re.compile(r"中叶|中肺|舌段")),
          ("lower", re.compile(r"下叶|下肺|肺底|底部")), ("hilum", re.compile(r"肺门")))


def _zones(text: str) -> frozenset[str]:
    return frozenset(zone for zone, pattern in _ZONES if pattern.search(text))


def _severity(text: str) -> str | None:
    m = _SEVERITY_RE.search(text)
    return _SEVERITY[m.group()] if m else None


def _item(seg: str, mentions: list[tuple[int, int, str]], i: int) -> str:
    """The words of one list item: from the list separator (or mention) before it to the one after it."""
    start, end, _ = mentions[i]
    before = max([mentions[i - 1][1]] if i else [0])
    before = max([before] + [m.end() for m in _SEPARATOR.finditer(seg, before, start)])
    after = mentions[i + 1][0] if i + 1 < len(mentions) else len(seg)
    stop = _SEPARATOR.search(seg, end, after)
    return seg[before:stop.start() if stop else after]


def _segment(seg: str, negated: bool) -> tuple[list[Reading], bool]:
    """Readings of one comma-delimited segment; whether a negation is still open at its end."""
    mentions = _mentions(seg)
    out: list[Reading] = []
    neg_at = [m.end() for m in _NEGATION.finditer(seg)]
    stated_at = [m.start() for m in _STATED.finditer(seg)]
    hedges = [m.start() for m in _HEDGE.finditer(seg)]
    resolved = [m.start() for m in _RESOLVED.finditer(seg)]
    run_on = negated and bool(mentions) and not any(p < mentions[0][0] for p in stated_at + hedges) \
        and not any(p < mentions[0][0] for p in neg_at)
    # A negated list joined by 、 alone ('未见气胸、左侧少量胸腔积液') may run into a stated finding; 或 / 及 close it.
    listed = not _LIST_END.search(seg)
    in_scope = 0
    for i, (start, end, name) in enumerate(mentions):
        inside = any(start <= m.start() < end for m in _NEGATION.finditer(seg))  # 心脏未见明显增大
        last_neg = max((p for p in neg_at if p <= start), default=-1)
        last_stated = max((p for p in stated_at if p < start), default=-1)  # 显示不清's own 显示 is no cue
        negation = inside or (last_neg > last_stated) or (run_on and last_stated < 0 and last_neg < 0)
        negation = negation or any(p >= end for p in resolved)
        hedged = any(p > last_neg for p in hedges) if not negation else False
        status = "absent" if negation else "uncertain" if hedged else "present"
        in_scope = in_scope + 1 if negation else 0
        span = _item(seg, mentions, i)
        out.append(Reading(name, status, _side(span), _severity(span),
                           run_on=negation and (in_scope > 1 and listed or run_on and last_neg < 0),
                           qualified=bool(_QUALIFIED.search(span)), zones=_zones(span), span=span))
    open_negation = bool(neg_at) and max(neg_at) > max(stated_at, default=-1) or (run_on and not stated_at)
    return out, open_negation


@functools.lru_cache(maxsize=1 << 15)
def read_answer(text: str) -> tuple[Reading, ...]:
    """Every finding the answer names, in order (see the module doc)."""
    out: list[Reading] = []
    for sentence in _SENTENCE.split(text or ""):
        negated = False
        strength = hedge_strength(sentence)
        for seg in _COMMA.split(sentence):
            readings, negated = _segment(seg, negated)
            out.extend(replace(r, hedge=strength) if r.status == "uncertain" else r for r in readings)
    return tuple(out)


_WEAK = re.compile(r"不除外|不能除外|不能排除|待排除|待除外|可疑|疑似|疑为|可能(?!性大)")
_STRONG = re.compile(r"考虑|倾向|可能性大|符合")


def hedge_strength(sentence: str) -> str:
    """How sure a hedged sentence is: "weak" where a word leaves the finding open (不除外, 待排除, 可能 ...),
    "strong" where it only interprets (考虑, 可能性大, 倾向); 考虑…可能 is weak (issue 20, blind 6: it weakens
    'consistent with'). Alternatives (考虑为A或B: each
    of them only possible) have no strength to check ("")."""
    if "或" in sentence:
        return ""
    return "weak" if _WEAK.search(sentence) else "strong" if _STRONG.search(sentence) else ""




def read_reply(question: str, answer: str) -> tuple[Reading, ...]:
    """The answer's findings; an answer that does not name its finding ('位于左侧。', '程度为轻度。', '有。') speaks of
    the one finding its question names, so it is read as a statement about that finding."""
    readings = read_answer(answer)
    if readings:
        return readings
    asked = {r.concept for r in read_answer(question)}
    if len(asked) != 1:
        return ()
    status = "absent" if _NEGATION.match(answer.lstrip("，。 ")) else \
        "uncertain" if _HEDGE.search(answer) else "present"
    return (Reading(asked.pop(), status, _side(answer), _severity(answer), zones=_zones(answer), span=answer,
                    hedge=hedge_strength(answer) if status == "uncertain" else ""),)


def claims_normal(text: str) -> bool:
    """Whether the answer calls the film (or heart and lungs) normal before saying anything abnormal."""
    normal, abnormal = _NORMAL.search(text), _ABNORMAL.search(text)
    return bool(normal) and (abnormal is None or normal.start() < abnormal.start())


def says_more(text: str) -> bool:
    """Whether a list of findings says there are others (等 / 另见)."""
    return bool(MORE.search(text))
