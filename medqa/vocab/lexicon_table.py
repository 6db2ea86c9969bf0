"""Data tables of the English->Chinese MeSH lexicon (logic lives in medqa.vocab.lexicon).

Heads, qualifiers, the names composed from them, sentence subjects and normal statements are one table file a
clinician can review, lexicon.tsv (English, Chinese, kind, a `reviewed` mark and the reviewer's note), read and
checked here.

Keys are lower-case with single spaces; medqa.vocab.lexicon normalises every lookup the same way.
Chinese follows Chinese chest-radiograph report usage (e.g. 肋膈角变钝, 膈肌低平, 主动脉迂曲).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from medqa.core.tables import read_tsv

# Head kinds.
FINDING = "finding"  # a finding in its own right: 'Opacity', 'Pleural Effusion'
ANATOMY = "anatomy"  # a structure whose finding is carried by a qualifier: 'Aorta/tortuous'
NONFINDING = "nonfinding"  # not an abnormality of the patient: 'normal', 'No Indexing'
SHIFT = "shift"  # laterality is a direction ('Shift/mediastinum/right' = 纵隔向右移位)

# Qualifier kinds.
LATERALITY = "laterality"
LUNG_REGION = "lung_region"  # parts of a lung: rendered after 右肺/左肺/双肺
POSITION = "position"  # anterior/posterior: parts of whatever anatomy they follow
PLACE = "place"  # an anatomical structure or area
SEVERITY = "severity"
DISTRIBUTION = "distribution"  # how many / how spread: placed before severity (多发小结节)
DESCRIPTOR = "descriptor"  # shape, texture, age: placed after severity (轻度条索状阴影)
STATE = "state"  # what is wrong with an anatomy head: enlarged, tortuous, degenerative, ...


class Head(NamedTuple):
    zh: str  # a "|" marks where a severity goes inside the name (心脏|增大 -> 心脏轻度增大)
    kind: str
    key: str = ""  # canonical finding key for medqa.vocab.findings; "" = the head, lower-cased
    amount: bool = False  # fluid/air collections: small/large read 少量/大量, not 小/大


class Qual(NamedTuple):
    zh: str  # attributive form, used before a noun (退行性, 迂曲, 增大)
    kind: str
    pred: str = ""  # predicate form after an anatomy noun (退行性变); "" = same as zh


LEXICON_FILE = Path(__file__).with_name("lexicon.tsv")
COLUMNS = ("table", "english", "chinese", "kind", "key", "amount", "predicate", "qualifiers", "why", "reviewed",
           "note")
HEAD_TABLES = ("head", "text head")
QUALIFIER_TABLES = ("qualifier", "text qualifier")
# Names composed from a head and a qualifier ("aorta/tortuous" -> 主动脉|迂曲); their kind is "name".
NAME_TABLES = ("anatomy state", "subject name", "head with qualifier", "qualifier override", "place position",
               "normal predicate")
SUBJECT_TABLE = "subject"  # a sentence's subject: kind is its class, key its anatomy head (medqa.vocab.subjects)
SUBJECT_KINDS = ("heart", "cpa", "chest", "lungs", "structure")
HEAD_KINDS = (FINDING, ANATOMY, NONFINDING, SHIFT)
QUALIFIER_KINDS = (LATERALITY, LUNG_REGION, POSITION, PLACE, SEVERITY, DISTRIBUTION, DESCRIPTOR, STATE)
_CJK = re.compile(r"[\u4e00-\u9fff]")


class LexiconError(ValueError):
    """A bad row of the lexicon table (names the file and line)."""


def read_lexicon(path: Path = LEXICON_FILE) -> list[dict]:
    """The rows of the lexicon table, each checked; LexiconError names the file and line of the first bad one."""
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for where, row in read_tsv(path, COLUMNS, LexiconError):
        row = {k: (v or "").strip() for k, v in row.items()}
        tables = (*HEAD_TABLES, *QUALIFIER_TABLES, *NAME_TABLES, SUBJECT_TABLE)
        kinds = HEAD_KINDS if row["table"] in HEAD_TABLES else QUALIFIER_KINDS if row["table"] in \
            QUALIFIER_TABLES else SUBJECT_KINDS if row["table"] == SUBJECT_TABLE else ("name",)
        if row["table"] not in tables:
            raise LexiconError(f"{where}: table {row['table']!r} is not one of {tables}")
        if row["english"] != " ".join(row["english"].lower().split()) or not row["english"]:
            raise LexiconError(f"{where}: english {row['english']!r} must be lower case with single spaces")
        if row["kind"] not in kinds:
            raise LexiconError(f"{where}: kind {row['kind']!r} of a {row['table']} is not one of {kinds}")
        if not _CJK.search(row["chinese"]) or row["chinese"].isascii():
            raise LexiconError(f"{where}: chinese {row['chinese']!r} has no Chinese characters")
        if row["reviewed"] not in ("yes", "no") or row["amount"] not in ("yes", ""):
            raise LexiconError(f"{where}: reviewed must be yes or no, amount yes or empty")
        if (row["table"], row["english"]) in seen:
            raise LexiconError(f"{where}: {row['table']} {row['english']!r} is listed twice")
        seen.add((row["table"], row["english"]))
        rows.append(row)
    return rows


def _heads(rows: list[dict], table: str) -> dict[str, Head]:
    return {r["english"]: Head(r["chinese"], r["kind"], r["key"], r["amount"] == "yes") for r in rows
            if r["table"] == table}


def _qualifiers(rows: list[dict], table: str) -> dict[str, Qual]:
    return {r["english"]: Qual(r["chinese"], r["kind"], r["predicate"]) for r in rows if r["table"] == table}


ROWS = read_lexicon()
HEADS: dict[str, Head] = _heads(ROWS, "head")
QUALIFIERS: dict[str, Qual] = _qualifiers(ROWS, "qualifier")
TEXT_HEADS: dict[str, Head] = _heads(ROWS, "text head")
TEXT_QUALIFIERS: dict[str, Qual] = _qualifiers(ROWS, "text qualifier")


def _pairs(table: str) -> dict[tuple[str, str], dict]:
    """The rows of a name table by (head, qualifier): 'aorta/tortuous' -> ("aorta", "tortuous")."""
    return {tuple(r["english"].split("/", 1)): r for r in ROWS if r["table"] == table}


# (anatomy, state) -> (Chinese name, canonical finding key); everything else is rendered generically as
# <anatomy>|<state predicate> with key "<anatomy>/<state>". A "|" marks where a severity goes (主动脉|迂曲 ->
# 主动脉轻度迂曲); lung names keep it in front (轻度肺通气不足).
ANATOMY_STATES: dict[tuple[str, str], tuple[str, str]] = {
    k: (r["chinese"], r["key"]) for k, r in _pairs("anatomy state").items()}
# How a subject reads when a qualifier narrows it ('Lung/hilum/prominent' is about the hilum).
SUBJECT_NAMES: dict[str, str] = {r["english"]: r["chinese"] for r in ROWS if r["table"] == "subject name"}
# (head, qualifier) pairs whose qualifier is folded into the head's name (主动脉粥样硬化, not 主动脉动脉粥样硬化),
# and qualifiers read differently with one head.
HEAD_QUALIFIER_NAMES: dict[tuple[str, str], str] = {k: r["chinese"] for k, r in _pairs("head with qualifier").items()}
QUALIFIER_OVERRIDES: dict[tuple[str, str], str] = {k: r["chinese"] for k, r in _pairs("qualifier override").items()}
PLACE_POSITIONS: dict[tuple[str, str], str] = {k: r["chinese"] for k, r in _pairs("place position").items()}


# Heads that contain the structure a state is about: 'Mediastinum/lymph nodes/enlarged' is 纵隔淋巴结肿大.
CONTAINERS = frozenset({"lung", "mediastinum", "trachea", "trachea, carina", "thorax"})

# Places that name an area, so they read before the structure in it (右侧气管旁淋巴结).
AREAS = frozenset(
    {"thorax", "abdomen", "neck", "mediastinum", "paratracheal", "retrocardiac", "supracardiac", "infracarinal",
     "superior mediastinum"}
)

# Every degenerative bone or joint maps to one key: the reports say "degenerative changes" wherever.
DEGENERATIVE_KEY = "degenerative change"
