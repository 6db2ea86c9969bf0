"""Subjects and predicates of report sentences: 'the heart is normal in size' -> 心脏大小正常.

A subject names a structure (心脏, 双肺, 纵隔轮廓) and, where a state can be wrong with it, the anatomy head the
lexicon renders that state on ('the aorta is tortuous' -> Aorta/tortuous -> 主动脉迂曲). A predicate is either a
normal statement (Chinese given here) or an abnormal state (rendered by the lexicon as a finding).
"""

from __future__ import annotations

from medqa.vocab.lexicon_table import ROWS, SUBJECT_TABLE
from medqa.vocab.words import WordTable

# subject -> (Chinese, anatomy head for states ("" = none), anatomy qualifiers, class), from lexicon.tsv.
# class: "heart" (a normal heart says no cardiomegaly), "cpa" (sharp angles say no blunting), "chest" (the study).
SUBJECTS = WordTable({
    r["english"]: (r["chinese"], r["key"], tuple(q for q in r["qualifiers"].split(";") if q),
                   "" if r["kind"] == "structure" else r["kind"])
    for r in ROWS if r["table"] == SUBJECT_TABLE})
# Normal statements after a subject ('normal in size' -> 大小正常), from lexicon.tsv.
NORMAL_PREDICATES = WordTable({r["english"]: r["chinese"] for r in ROWS if r["table"] == "normal predicate"})

# Predicates that say the heart is not enlarged (for a fact "cardiomegaly: absent").
HEART_NORMAL = frozenset({"正常", "大小正常", "大小及形态正常", "在正常范围内", "大小在正常范围内",
                          "大小及形态在正常范围内", "未见增大", "未见异常"})

COPULAS = WordTable({"is;are;appear;appears;appear to be;appears to be;is again;are again;remain;remains;look;looks;"
                     "is overall;are overall;again appear;again appears;is seen to be;continue to be;"
                     "continues to be;is otherwise;are otherwise;otherwise appear": True})
ADVERBS = {"grossly": "大致", "essentially": "基本", "again": "仍", "also": "", "overall": "", "otherwise": "余",
           "still": "仍", "now": ""}
