"""English vocabulary of the report-sentence grammar (medqa.vocab.sentences): words -> lexicon keys.

Every finding word maps to a MeSH-like head of medqa.vocab.lexicon_table, and every modifier to one of its
qualifiers, so a text phrase renders through the same lexicon as the MeSH terms ('small left pleural effusion'
-> Pleural Effusion/left/small -> 左侧少量胸腔积液). A spec 'effusion[s|]' expands to 'effusions', 'effusion'.
Words not listed make a sentence unrenderable: the grammar never guesses. The vocabulary is data, words.tsv
(read and checked here).
"""

from __future__ import annotations

import csv
import itertools
import re
from collections import defaultdict
from pathlib import Path

from medqa.core.tables import read_tsv

WORDS_FILE = Path(__file__).with_name("words.tsv")
_TABLES = ("finding noun", "device noun", "anatomy", "place adjective", "severity", "descriptor", "state",
           "state noun", "empty word")


def read_words(path: Path = WORDS_FILE) -> list[dict]:
    """The rows of the vocabulary table; ValueError naming the file and line of a bad one."""
    rows = []
    for where, row in read_tsv(path, ("table", "english", "value", "qualifiers"), quoting=csv.QUOTE_NONE):
        if row["table"] not in _TABLES or not row["english"] or row["english"] != row["english"].lower():
            raise ValueError(f"{where}: table must be one of {_TABLES}, english lower case and not empty")
        if row["table"] in ("finding noun", "device noun", "anatomy", "severity", "descriptor", "state",
                            "state noun") and not row["value"]:
            raise ValueError(f"{where}: a {row['table']} needs a value")
        rows.append(row)
    return rows


def _quals(row: dict) -> tuple[str, ...]:
    return tuple(q for q in (row["qualifiers"] or "").split(";") if q)


_ROWS = read_words()
# Finding nouns -> lexicon head key (with qualifiers some of them imply).
FINDING_NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    r["english"]: (r["value"], _quals(r)) for r in _ROWS if r["table"] == "finding noun"}
# Devices, surgical material and normal variants: never a disease (issue 10, normality class).
DEVICE_NOUNS: dict[str, tuple[str, tuple[str, ...]]] = {
    r["english"]: (r["value"], _quals(r)) for r in _ROWS if r["table"] == "device noun"}
# Anatomy nouns -> lexicon anatomy head (with qualifiers).
ANATOMY: dict[str, tuple[str, tuple[str, ...]]] = {
    r["english"]: (r["value"], _quals(r)) for r in _ROWS if r["table"] == "anatomy"}
# Place adjectives -> qualifiers ('right', 'basilar', 'retrocardiac').
PLACE_ADJECTIVES: dict[str, tuple[str, ...]] = {
    r["english"]: _quals(r) for r in _ROWS if r["table"] == "place adjective"}
SEVERITY_WORDS: dict[str, str] = {r["english"]: r["value"] for r in _ROWS if r["table"] == "severity"}
# Descriptors kept in the Chinese phrase (and, under negation, in the negated phrase).
DESCRIPTORS: dict[str, str] = {r["english"]: r["value"] for r in _ROWS if r["table"] == "descriptor"}
# Words that add nothing under negation or in a phrase ('no visible pneumothorax' = 未见气胸).
EMPTY_WORDS = frozenset(r["english"] for r in _ROWS if r["table"] == "empty word")
# States of anatomy, as adjectives before it or predicates after it ('tortuous aorta', 'aorta is tortuous').
STATES: dict[str, str] = {r["english"]: r["value"] for r in _ROWS if r["table"] == "state"}
# States as nouns, for anatomy only: 'tortuosity of the aorta', 'elevation of the right hemidiaphragm'.
STATE_NOUNS: dict[str, str] = {r["english"]: r["value"] for r in _ROWS if r["table"] == "state noun"}


def expand(spec: str) -> list[str]:
    """'a[b|c|];d' -> ['ab', 'ac', 'a', 'd']: ';' separates alternatives, '[..|..]' is a choice."""
    out = []
    for alt in spec.split(";"):
        pieces = re.split(r"\[([^\]]*)\]", alt)
        choices = [p.split("|") if i % 2 else [p] for i, p in enumerate(pieces)]
        out += ["".join(c) for c in itertools.product(*choices)]
    return [" ".join(w.split()) for w in out if w.strip()]


class WordTable:
    """Multi-word phrases -> values, matched longest first at a token position.

    Lookups try only the phrase lengths that exist for the word at the position, each a dict lookup, so
    a table of thousands of expanded phrases costs a few probes per position.
    """

    def __init__(self, specs: dict) -> None:
        self._phrases: dict[tuple[str, ...], object] = {}
        lengths: dict[str, set[int]] = defaultdict(set)
        for spec, value in specs.items():
            for phrase in expand(spec):
                words = tuple(phrase.split())
                self._phrases.setdefault(words, value)
                lengths[words[0]].add(len(words))
        self._lengths = {word: sorted(ns, reverse=True) for word, ns in lengths.items()}

    def matches(self, tokens: tuple[str, ...], i: int) -> list[tuple[int, object]]:
        """Every (length, value) whose phrase starts at tokens[i], longest first."""
        lengths = self._lengths.get(tokens[i]) if i < len(tokens) else None
        if not lengths:
            return []
        found = []
        for n in lengths:
            value = self._phrases.get(tokens[i:i + n]) if i + n <= len(tokens) else None
            if value is not None:
                found.append((n, value))
        return found

    def match(self, tokens: tuple[str, ...], i: int):
        """The longest (length, value) at tokens[i], or None."""
        for n in self._lengths.get(tokens[i], ()) if i < len(tokens) else ():
            value = self._phrases.get(tokens[i:i + n]) if i + n <= len(tokens) else None
            if value is not None:
                return n, value
        return None

    def __contains__(self, word: str) -> bool:
        return word in self._lengths
