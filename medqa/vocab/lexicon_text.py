"""Lexicon entries only report sentences need: heads and qualifiers of English text with no MeSH word of their own.

medqa.vocab.words maps the text's words onto these ('pulmonary nodule' -> 肺结节, 'suspicious' -> 可疑), and
medqa.vocab.lexicon renders them like MeSH terms. They are the "text head" and "text qualifier" rows of lexicon.tsv
(read in medqa.vocab.lexicon_table). They stay out of `finding_names` (the Chinese names the finding
extractor reads), so adding text vocabulary never changes what evaluation reads from an answer.
"""

from __future__ import annotations

from medqa.vocab.lexicon_table import TEXT_HEADS, TEXT_QUALIFIERS

__all__ = ["TEXT_HEADS", "TEXT_QUALIFIERS"]

