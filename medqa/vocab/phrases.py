"""Noun phrases of English report sentences -> MeSH-like terms, rendered in Chinese by the lexicon.

'small left pleural effusion' -> Pleural Effusion/left/small -> 左侧少量胸腔积液;
'mild degenerative changes of the thoracic spine' -> degenerative change/mild/thoracic vertebrae -> 胸椎轻度退行性变;
'tortuosity of the aorta' -> Aorta/tortuous -> 主动脉迂曲. A phrase with any word the tables lack is not parsed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from medqa.vocab.lexicon import describe_term, finding_key
from medqa.vocab.mesh import MeshTerm
from medqa.vocab.sizes import size_after, size_before
from medqa.vocab.words import (
    ANATOMY,
    DESCRIPTORS,
    DEVICE_NOUNS,
    EMPTY_WORDS,
    FINDING_NOUNS,
    PLACE_ADJECTIVES,
    SEVERITY_WORDS,
    STATE_NOUNS,
    STATES,
    WordTable,
    expand,
)

Tokens = tuple[str, ...]

_HEADS = WordTable({**{k: (v, "finding") for k, v in FINDING_NOUNS.items()},
                    **{k: (v, "device") for k, v in DEVICE_NOUNS.items()}})
_ANATOMY = WordTable(ANATOMY)
_STATE_NOUNS = WordTable(STATE_NOUNS)
_PREPOSITIONS = WordTable({"of;in;at;within;along;involving;overlying;over;throughout;through;projecting over;on;"
                           "in the region of;at the level of;seen in;noted in;located in;from;beneath;"
                           "under;below;above": True})
_SIDE_WORDS = {("bilaterally",): "bilateral", ("on", "the", "right"): "right", ("on", "the", "left"): "left",
               ("posteriorly",): "posterior", ("anteriorly",): "anterior",
               ("on", "both", "sides"): "bilateral", ("in", "both", "lungs"): "bilateral"}


def _flat(table: dict) -> dict[str, object]:
    return {phrase: value for spec, value in table.items() for phrase in expand(spec)}


_SEVERITY = _flat(SEVERITY_WORDS)
_DESCRIPTOR = _flat(DESCRIPTORS)
_PLACE = _flat(PLACE_ADJECTIVES)
_STATE = _flat(STATES)
_MODIFIERS = WordTable({phrase: phrase for phrase in (*_SEVERITY, *_DESCRIPTOR, *_PLACE, *_STATE)})
# Special states: the finding is another head placed at the anatomy ('calcified lymph nodes' = Calcinosis).
_STATE_HEADS = {"calcified": "calcinosis", "atherosclerotic": "atherosclerosis"}


@dataclass(frozen=True)
class Phrase:
    """One parsed noun phrase: the MeSH-like term it names and whether it is a device or a finding."""

    term: MeshTerm
    kind: str  # "finding" or "device"

    @property
    def zh(self) -> str:
        return describe_term(self.term).phrase

    @property
    def key(self) -> str:
        return finding_key(self.term)


@dataclass
class _Posts:
    quals: list[str]
    anatomy: list[str]  # anatomy heads named after a preposition ('of the aorta')
    size: str = ""  # 'measuring 8 mm' (medqa.vocab.sizes)


def _location(tokens: Tokens) -> tuple[list[str], list[str]] | None:
    """'the right upper lobe' -> (qualifiers, anatomy heads), or None."""
    quals: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] in EMPTY_WORDS:
            i += 1
            continue
        anat = _ANATOMY.match(tokens, i)
        if anat and i + anat[0] == len(tokens):
            head, implied = anat[1]
            return quals + list(implied), [head]
        mod = _MODIFIERS.match(tokens, i)
        if not mod or mod[1] not in _PLACE:
            return None
        quals += _PLACE[mod[1]]
        i += mod[0]
    return None


def _posts(tokens: Tokens) -> _Posts | None:
    """Everything after the head noun: 'in the right upper lobe', 'of the thoracic spine', 'bilaterally'."""
    posts = _Posts([], [])
    i = 0
    while i < len(tokens):
        if tokens[i] == "measuring":  # the size closes the phrase: 'nodule measuring approximately 8 mm'
            posts.size = size_after(tokens[i:]) or ""
            return posts if posts.size else None
        side = next((v for k, v in _SIDE_WORDS.items() if tokens[i:i + len(k)] == k), None)
        if side:
            posts.quals.append(side)
            i += next(len(k) for k, v in _SIDE_WORDS.items() if tokens[i:i + len(k)] == k and v == side)
            continue
        prep = _PREPOSITIONS.match(tokens, i)
        if not prep and i == 0:  # a place right after the head, its preposition left out: 'atelectasis right base'
            prep = (0, True)
        elif not prep:
            return None
        # The location runs to the next preposition (or the end): try the longest first.
        for end in range(len(tokens), i + prep[0], -1):
            loc = _location(tokens[i + prep[0]:end])
            if loc:
                posts.quals += loc[0]
                posts.anatomy += loc[1]
                i = end
                break
        else:
            return None
    return posts


def _resolve(mods: list[str], anatomy_head: bool) -> tuple[list[str], list[str]] | None:
    """Modifier phrases -> (qualifiers, states); states only count before anatomy."""
    quals: list[str] = []
    states: list[str] = []
    for mod in mods:
        if anatomy_head and mod in _STATE and mod not in _PLACE:
            states.append(_STATE[mod])
        elif mod in _SEVERITY:
            quals.append(_SEVERITY[mod])
        elif mod in _DESCRIPTOR:
            quals.append(_DESCRIPTOR[mod])
        elif mod in _PLACE:
            quals += _PLACE[mod]
        else:
            return None
    return quals, states


def _unique(quals) -> tuple[str, ...]:
    """Qualifiers once each ('old healed fracture' is 陈旧性骨折, not 陈旧性陈旧性骨折); 'prior' is 'healed'."""
    out: list[str] = []
    for q in quals:
        q = "healed" if q == "prior" and "healed" in quals else q
        if q not in out:
            out.append(q)
    return tuple(out)


def _anatomy_term(head: str, quals: list[str], state: str) -> MeshTerm:
    """A state of an anatomy as a term: Aorta/tortuous, or Calcinosis/lymph nodes for 'calcified'."""
    if state in _STATE_HEADS:
        return MeshTerm(_STATE_HEADS[state], (head, *quals))
    return MeshTerm(head, (*quals, state))


def _finding(head: tuple, mods: list[str], posts: _Posts) -> Phrase | None:
    (name, implied), kind = head
    resolved = _resolve(mods, anatomy_head=False)
    if resolved is None or resolved[1]:
        return None
    quals = [q for q in resolved[0] if not (kind == "device" and q == "prior")]  # 'prior sternotomy': 术后 says it
    if posts.size and name not in _SIZED:
        return None
    size = (posts.size,) if posts.size else ()
    return Phrase(MeshTerm(name, _unique((*implied, *quals, *posts.quals, *posts.anatomy, *size))), kind)


# Lesions whose size a report gives ('a 6 mm nodule'); a size on anything else is not read.
_SIZED = frozenset({"nodule", "pulmonary nodule", "calcified granuloma", "granuloma", "calcified nodule", "mass",
                    "pulmonary mass", "opacity", "density", "lucency", "cysts", "cavitation", "lesion"})


def _anatomy(anat: tuple, mods: list[str], posts: _Posts, noun_state: str = "") -> Phrase | None:
    head, implied = anat
    resolved = _resolve(mods, anatomy_head=True)
    if resolved is None:
        return None
    quals, states = resolved
    states = states + ([noun_state] if noun_state else [])
    if len(states) != 1 or posts.anatomy:
        return None
    return Phrase(_anatomy_term(head, [*implied, *quals, *posts.quals], states[0]), "finding")


def _state_noun(state: str, mods: list[str], posts: _Posts) -> Phrase | None:
    """'tortuosity of the aorta' (anatomy after it) or 'aortic tortuosity' (anatomy before it)."""
    if len(posts.anatomy) == 1:
        return _anatomy((posts.anatomy[0], ()), mods, _Posts(posts.quals, []), state)
    places = [m for m in mods if m in _PLACE and _PLACE[m] and _PLACE[m][-1] in _ANATOMY_PLACES]
    if len(places) == 1 and not posts.anatomy:
        rest = [m for m in mods if m != places[0]]
        return _anatomy((_ANATOMY_PLACES[_PLACE[places[0]][-1]], ()), rest, posts, state)
    return None


_ANATOMY_PLACES = {"aorta": "aorta", "aorta, thoracic": "aorta, thoracic", "mediastinum": "mediastinum",
                   "hilum": "hilum"}


def _heads_at(tokens: Tokens, i: int, mods: list[str]) -> Phrase | None:
    """A head noun at tokens[i] whose remaining words are all post-modifiers, or None."""
    for n, head in _HEADS.matches(tokens, i):
        posts = _posts(tokens[i + n:])
        if posts is not None:
            found = _finding(head, mods, posts)
            if found:
                return found
    for n, anat in _ANATOMY.matches(tokens, i):
        posts = _posts(tokens[i + n:])
        if posts is not None:
            found = _anatomy(anat, mods, posts)
            if found:
                return found
        for m, state in _STATE_NOUNS.matches(tokens, i + n):  # 'costophrenic angle blunting'
            posts = _posts(tokens[i + n + m:])
            if posts is not None:
                found = _anatomy(anat, mods, posts, state)
                if found:
                    return found
    for n, state in _STATE_NOUNS.matches(tokens, i):
        posts = _posts(tokens[i + n:])
        if posts is not None:
            found = _state_noun(state, mods, posts)
            if found:
                return found
    return None


@functools.lru_cache(maxsize=65536)
def parse_phrase(tokens: Tokens) -> Phrase | None:
    """The finding a whole noun phrase names ('a small left pleural effusion'), or None."""
    mods: list[str] = []
    size = ""
    i = 0
    while i < len(tokens):
        if tokens[i] in EMPTY_WORDS:
            i += 1
            continue
        sized = None if size else size_before(tokens, i)
        if sized:  # 'a 6 mm calcified granuloma'
            size = sized[1]
            i += sized[0]
            continue
        found = _heads_at(tokens, i, mods)
        if found and size:
            found = _with_size(found, size)
        if found:  # a word the lexicon cannot render keeps the whole phrase unread: nothing is dropped silently
            unplaced = _segment_alone(found.term) or _number_alone(found.term)
            return None if describe_term(found.term).unknown or unplaced else found
        mod = _MODIFIERS.match(tokens, i)
        if not mod:
            return None
        mods.append(mod[1])
        i += mod[0]
    return None


_SIDES = frozenset({"right", "left", "bilateral", "both"})


def _two_places(left: Phrase | None, both: Phrase | None) -> bool:
    """One head at two different places ('mediastinal and mediastinal nodes' would count one finding twice)."""
    return bool(left and both and left.term.head == both.term.head and left.kind == both.kind
                and left.term != both.term)


def bare_place_after(tokens: Tokens) -> bool:
    """Whether a phrase ends in a place with no preposition before it ('scar left lung base')."""
    if any(_PREPOSITIONS.match(tokens, i) for i in range(len(tokens))):
        return False  # a place after a preposition is the phrase's own ('atelectasis in the right lung base')
    return any(tokens[i] not in EMPTY_WORDS and _location(tokens[i:]) and parse_phrase(tokens[:i])
               for i in range(1, len(tokens)))


def _place_words(tokens: Tokens) -> bool:
    """Whether every word names a place ('left base', 'right apical', 'medial left base')."""
    i = 0
    while i < len(tokens):
        mod = _MODIFIERS.match(tokens, i)
        anat = _ANATOMY.match(tokens, i)
        if mod and mod[1] in _PLACE and _PLACE[mod[1]]:
            i += mod[0]
        elif anat:
            i += anat[0]
        else:
            return False
    return bool(tokens)


@functools.lru_cache(maxsize=65536)
def split_places(tokens: Tokens) -> tuple[Phrase, Phrase] | None:
    """Two places sharing one head: 'right apical and left base calcified granulomas' -> the granulomas at each.

    The words before the first place ('calcified') and after the second ('5 mm calcified granulomas') belong to
    both; both phrases must parse, and to the same head, or the phrase stays unread."""
    if tokens.count("and") != 1:
        return None
    k = tokens.index("and")
    after = _places_after(tokens, k) or _two_sides(tokens, k)
    if after:
        return after
    for m in range(k):  # tokens[:m]: words shared by both; tokens[m:k]: the first place
        if not _place_words(tokens[m:k]) or m and _place_words(tokens[m - 1:m]) or set(tokens[m:k]) <= _SIDES:
            continue  # 'right and left basilar': 'basilar' is both sides' place, so a bare side is refused
        if m and parse_phrase(tokens[:m]):
            return None  # the places follow the head ('granuloma right upper lobe and left lung'): not this shape
        # tokens[k + 1:j]: the second place, the longest run of place words
        j = next((j for j in range(len(tokens) - 1, k + 1, -1) if _place_words(tokens[k + 1:j])), None)
        if j is None or bool(_SIDES & set(tokens[m:k])) != bool(_SIDES & set(tokens[k + 1:j])):
            return None  # 'right hilar and paratracheal': whether the side is both places' is not said
        left = parse_phrase(tokens[:k] + tokens[j:])
        both = parse_phrase(tokens[:m] + tokens[k + 1:])
        if _two_places(left, both):
            return left, both
    return None


def _two_sides(tokens: Tokens, k: int) -> tuple[Phrase, Phrase] | None:
    """'calcified right and left hilar lymph nodes': each side at the place after the second side (右侧肺门淋巴结钙化
    及左侧肺门淋巴结钙化)."""
    if not 0 < k < len(tokens) - 2 or {tokens[k - 1], tokens[k + 1]} != {"right", "left"}:
        return None
    if k > 1 and _place_words(tokens[k - 2:k - 1]):
        return None  # 'right upper and left ...': the first side has places of its own
    left = parse_phrase(tokens[:k] + tokens[k + 2:])
    both = parse_phrase(tokens[:k - 1] + tokens[k + 1:])
    return (left, both) if _two_places(left, both) else None


def _places_after(tokens: Tokens, k: int) -> tuple[Phrase, Phrase] | None:
    """'calcified granulomas in the right upper lobe and the left lower lobe': one head at two places after it."""
    for p in range(1, k - 1):
        prep = _PREPOSITIONS.match(tokens, p)
        if not prep or not _place_words(tuple(w for w in tokens[p + prep[0]:k] if w not in EMPTY_WORDS)):
            continue
        second = tuple(w for w in tokens[k + 1:] if w not in EMPTY_WORDS)
        if not _place_words(second) or bool(_SIDES & set(tokens[p:k])) != bool(_SIDES & set(second)):
            return None
        left = parse_phrase(tokens[:k])
        both = parse_phrase(tokens[:p + prep[0]] + tokens[k + 1:])
        if _two_places(left, both):
            return left, both
        return None
    return None


def _with_size(found: Phrase, size: str) -> Phrase | None:
    """A lesion with the size written before it; None for anything else, or a second size."""
    if found.term.head not in _SIZED or any(q.startswith("size:") for q in found.term.qualifiers):
        return None
    return Phrase(MeshTerm(found.term.head, (*found.term.qualifiers, size)), found.kind)


def _segment_alone(term: MeshTerm) -> bool:
    """'opacity in the posterior segment': a segment of no lobe the text names is no place (never 肺后段)."""
    segment = any(q.endswith(" segment") for q in term.qualifiers)
    return segment and not any(q in ("upper lobe", "middle lobe", "lower lobe", "lingula") for q in term.qualifiers)


def _number_alone(term: MeshTerm) -> bool:
    """A rib's number with no rib beside it ('8th rib fracture' of a fracture head: 第8 alone), or on what only
    overlies the rib ('a nodule overlying the 5th rib' never lies in 第5肋)."""
    numbers = [q for q in term.qualifiers if q.startswith("rib ")]
    in_rib = "ribs" in term.qualifiers and term.head in _OF_BONE  # never a head of its own: 'prominent first ribs'
    return bool(numbers) and (len(numbers) > 1 or not in_rib)


_OF_BONE = frozenset({"fractures, bone", "deformity", "dislocations", "bone abnormality", "sclerosis", "thickening"})
