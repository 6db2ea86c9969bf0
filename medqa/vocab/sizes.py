"""A lesion's size as the report writes it: 'a 6 mm nodule', '22 x 14 mm', 'measuring approximately 8 mm in
diameter' -> a size qualifier ('size:直径约8mm') that the lexicon puts before the finding's name (右肺上叶6mm结节).

The number and unit are kept exactly; 'approximately' is 约 and 'in diameter' is 直径. A size the pattern does not
read whole (a range, a unit it lacks, a masked number) is no size, and its phrase stays unread.
"""

from __future__ import annotations

import re

PREFIX = "size:"
_NUMBER = r"\d{1,3}(?:\.\d)?"
# One or two dimensions; the unit either on each number or once at the end ('2.1 x 2 cm', '5.8 cm x 6.0 cm').
_SIZE = re.compile(
    rf"^(?P<about>(?:approximately|about) )?(?P<a>{_NUMBER}) ?(?P<ua>mm|cm)?"
    rf"(?: ?x (?P<b>{_NUMBER}) ?(?P<ub>mm|cm))?(?P<diameter> (?:in )?diameter)?$")


def read_size(words: str) -> str | None:
    """'approximately 7 mm' -> 'size:约7mm'; '22 x 14 mm' -> 'size:22mm×14mm'; None when not a size."""
    m = _SIZE.match(words)
    if not m:
        return None
    unit_a, unit_b = m.group("ua"), m.group("ub")
    if m.group("b") is None and not unit_a:
        return None  # a bare number is no size
    unit_a = unit_a or unit_b
    if unit_b and unit_a != unit_b:
        return None  # '5 mm x 2 cm': read it, never guessed
    text = m.group("a") + unit_a + ("×" + m.group("b") + unit_b if m.group("b") else "")
    return PREFIX + ("直径" if m.group("diameter") else "") + ("约" if m.group("about") else "") + text


def size_before(tokens: tuple[str, ...], i: int) -> tuple[int, str] | None:
    """The longest size that starts at tokens[i] (before a head noun: 'a 6 mm nodule'), as (length, qualifier)."""
    for n in range(min(8, len(tokens) - i), 0, -1):
        found = read_size(_words(tokens[i:i + n]))
        if found:
            return n, found
    return None


def size_after(tokens: tuple[str, ...]) -> str | None:
    """'measuring approximately 8 mm in diameter' (after a head noun) as a qualifier, or None."""
    if tokens[:1] != ("measuring",):
        return None
    return read_size(_words(tokens[1:]))


def _words(tokens: tuple[str, ...]) -> str:
    """Tokens as text, a unit glued to its number ('8mm') split off: '8 mm'."""
    return re.sub(rf"\b({_NUMBER})(mm|cm)\b", r"\1 \2", " ".join(tokens))
