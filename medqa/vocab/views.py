"""Sentences about what one view or technique shows, read around the statement they qualify.

'streaky airspace disease on the lateral examination' -> 侧位片示条索状气腔病变 (what one view shows, said
before the finding; 侧位片未见... for a negation); 'heart size is within normal limits for AP technique' ->
心脏大小在正常范围内（就前后位投照而言）(a normal statement judged for the technique). Both read the statement
itself with the sentence reader they are given, and only whole: anything else leaves the sentence unread.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from medqa.vocab.clauses import ABSENT

Read = Callable[[str], tuple]  # medqa.vocab.sentences._read: (Chinese or None, facts, masked)

_ON_VIEW = re.compile(r"^(?P<rest>[a-z0-9 ,.-]+?),? (?P<only>only )?(?:seen )?(?:on|in) (?:the )?"
                      r"(?P<view>lateral|frontal|pa|ap) (?:view|projection|radiograph|film|exam|examination|image)"
                      r"(?P<after>(?: with [a-z ,]+)?)$")
_VIEWS = {"lateral": "侧位片", "frontal": "正位片", "pa": "后前位片", "ap": "前后位片"}
_TECHNIQUE = re.compile(r"^(?P<rest>[a-z ,]+?) for (?:the )?(?P<how>ap |portable |ap portable |)"
                        r"(?:technique|projection)(?:, (?P<after>no [a-z ,]+))?$")
_HOW = {"ap ": "前后位", "portable ": "床旁", "ap portable ": "床旁前后位", "": ""}


def on_view(s: str, read: Read) -> tuple | None:
    """'X on the lateral view' -> 侧位片示X; 'no X on the lateral view' -> 侧位片未见X; 'seen only on' -> 仅."""
    m = _ON_VIEW.match(s)
    if not m or "view" in m.group("rest") or "lateral" in m.group("rest"):
        return None
    zh, facts, masked = read(m.group("rest") + m.group("after"))
    if not zh or masked:
        return None
    view = ("仅" if m.group("only") else "") + _VIEWS[m.group("view")]
    return view + (zh if zh.startswith("未见") else "示" + zh), facts, False


def for_technique(s: str, read: Read) -> tuple | None:
    """A normal statement 'for AP technique' -> ...（就前后位投照而言）, then an optional negation after it."""
    m = _TECHNIQUE.match(s)
    if not m:
        return None
    zh, facts, masked = read(m.group("rest"))
    if not zh or masked or any(f.status != ABSENT for f in facts):
        return None  # only a normal statement is judged for the technique
    how = _HOW[m.group("how")]
    zh += "（就" + (how + "投照" if how else "投照条件") + "而言）"  # never 考虑, which reads as a hedge
    if m.group("after"):
        more, more_facts, more_masked = read(m.group("after"))
        if not more or more_masked:
            return None
        zh, facts = zh + "，" + more, facts + more_facts
    return zh, facts, False
