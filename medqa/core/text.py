"""Text hygiene and Chinese-aware tokenisation shared by the readers, the dataset card and the metrics.

Each CJK character is one token; runs of Latin letters or digits are one token each,
lower-cased; punctuation and spaces are dropped. ROUGE over these tokens is meaningful for
Chinese, where rouge-score's default tokenizer deletes every non-ASCII character.
"""

from __future__ import annotations

import re

# CJK Unified Ideographs (+ Extension A, compatibility ideographs) one at a time; Latin words and numbers whole.
_TOKEN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[a-z0-9]+(?:\.[0-9]+)?")


def char_tokens(text: str) -> list[str]:
    """Split text into CJK characters and lower-cased Latin words / numbers."""
    return _TOKEN_RE.findall(text.lower())


_INVISIBLE_RE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")  # soft hyphen, zero-width, BOM
_ODD_SPACE_RE = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def clean_text(text: str | None) -> str:
    """Invisible characters (zero-width space, soft hyphen, BOM) removed, odd spaces made plain, whitespace
    collapsed: 'mild\u200b cardiomegaly' -> 'mild cardiomegaly'."""
    return " ".join(_ODD_SPACE_RE.sub(" ", _INVISIBLE_RE.sub("", text or "")).split())


_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL, but tab, newline, return


def without_controls(text: str | None) -> str:
    """`text` without NUL and the other control characters no person types (tab and line breaks stay): what every
    store keeps, so SQLite and PostgreSQL (whose text cannot hold NUL) store the same string."""
    return _CONTROL_RE.sub("", text or "")
