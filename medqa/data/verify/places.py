"""The places a location answer may name (places.tsv): anything else is a composed place phrase that loses its
meaning (脂肪组织后部 for 'posterior superficial subcutaneous fat', 双侧后部), and the answer is dropped."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from medqa.core.tables import read_tsv
from medqa.data.verify.reader import TableError

PLACES = Path(__file__).with_name("places.tsv")
_SIDES = {"lung": "[左右双]?", "side": "(?:[左右双]侧)?", "both": "(?:[左右双]侧?)?", "none": ""}
_WHERE = re.compile(r"(?:位于|见于|^在)(?P<place>[^。；，]+)。?$")
_BARE_SIDE = re.compile(r"[左右双]侧")


@functools.lru_cache(maxsize=2)
def load_places(path: Path = PLACES) -> re.Pattern:
    """One pattern a single place item must match in full; TableError naming the file and line of a bad row."""
    parts = []
    for where, row in read_tsv(path):
        if not row.get("zh") or row.get("side") not in _SIDES or row.get("part") not in ("yes", "no"):
            raise TableError(f"{where}: zh, side ({', '.join(_SIDES)}) and part (yes/no) are needed")
        try:
            re.compile(row["zh"])
        except re.error as exc:
            raise TableError(f"{where}: bad pattern: {exc}") from exc
        part = "(?:[前后]部)?" if row["part"] == "yes" else ""
        parts.append(f"{_SIDES[row['side']]}(?:{row['zh']}){part}")
    return re.compile("(?:" + "|".join(parts) + ")")


def unknown_place(answer: str) -> bool:
    """Whether a location answer names a place that is not in places.tsv, or the same place twice."""
    m = _WHERE.search(answer.strip())
    if m is None:
        return False  # no place phrase to read (the reader's checks still hold)
    items = [i.strip() for i in m.group("place").split("、")]
    known = load_places()
    if len(set(items)) < len(items):
        return True  # 左肺门区、左肺门区
    return not all(_BARE_SIDE.fullmatch(i) or known.fullmatch(i) for i in items)
