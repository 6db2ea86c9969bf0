"""MeSH major terms as Open-i indexes them ('Opacity/lung/base/left/mild'), and the de-identification token."""

from __future__ import annotations

import re
from dataclasses import dataclass

from medqa.core.text import clean_text

# Open-i replaced every identifying word with XXXX; it must never reach a question or answer.
DEID_RE = re.compile(r"X{2,}", re.IGNORECASE)
# The qualifiers that give a term its side.
SIDES = frozenset({"left", "right", "bilateral"})


@dataclass(frozen=True)
class MeshTerm:
    """One MeSH major term: a head (e.g. 'Opacity') plus qualifiers (e.g. 'lung', 'base', 'left')."""

    head: str
    qualifiers: tuple[str, ...] = ()

    @property
    def side(self) -> str | None:
        """left, right, bilateral or None; a lingula is on the left (only the left lung has one)."""
        return next((q for q in self.qualifiers if q in SIDES), "left" if "lingula" in self.qualifiers else None)

    @property
    def is_normal(self) -> bool:
        return self.head.lower() == "normal"

    def __str__(self) -> str:
        return "/".join((self.head, *self.qualifiers))


def parse_mesh(value: str | None) -> list[MeshTerm]:
    """Parse 'Opacity/lung/base/left/mild;Cardiomegaly' into MeSH terms (heads keep their commas).

    Invisible characters (a zero-width space inside 'mild\u200b') are removed first, so they never split a word.
    """
    terms = []
    for raw in clean_text(value).split(";"):
        parts = [" ".join(p.split()) for p in raw.split("/")]
        parts = [p for p in parts if p]
        if parts:
            terms.append(MeshTerm(parts[0], tuple(p.lower() for p in parts[1:])))
    return terms
