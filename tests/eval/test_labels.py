"""Finding labels (status, side, severity) and closed-type answer labels, checked by hand on Chinese and English."""

import pytest

from medqa.eval.items import build_items
from medqa.eval.labels import FindingLabel, answer_label, builder_label, finding_labels
from medqa.eval.metrics import COMPONENTS, finding_level_f1, score_items

EFFUSION = "pleural effusion"


@pytest.mark.parametrize(("text", "expected"), [
    ("右侧少量胸腔积液，未见气胸。", {EFFUSION: ("present", "right", "small"), "pneumothorax": ("absent", None, None)}),
    ("胸腔积液位于右侧。", {EFFUSION: ("present", "right", None)}),
    ("双侧胸腔积液", {EFFUSION: ("present", "bilateral", None)}),
    ("右肺不张，左侧气胸", {"pulmonary atelectasis": ("present", "right", None),
                         "pneumothorax": ("present", "left", None)}),
    ("心脏重度增大", {"cardiomegaly": ("present", None, "severe")}),
    ("未见大量胸腔积液", {EFFUSION: ("absent", None, "large")}),  # the qualifier is kept under negation
    ("考虑右下肺炎可能", {"pneumonia": ("uncertain", "right", None)}),
    ("不除外少量胸腔积液", {EFFUSION: ("uncertain", None, "small")}),
    ("不考虑肺炎", {"pneumonia": ("absent", None, None)}),
    ("未见可疑结节", {"nodule": ("absent", None, None)}),  # under negation 可疑 qualifies the nodule
    ("可疑左侧胸腔积液，不除外。", {EFFUSION: ("uncertain", "left", None)}),  # a bare trailing hedge
    ("No suspicious pulmonary nodules.", {"nodule": ("absent", None, None)}),
    ("No pneumothorax, possible small left pleural effusion.",
     {"pneumothorax": ("absent", None, None), EFFUSION: ("uncertain", "left", "small")}),
    ("Small bilateral pleural effusions. Heart is mildly enlarged.",
     {EFFUSION: ("present", "bilateral", "small"), "cardiomegaly": ("present", None, "mild")}),
    ("Left basilar atelectasis cannot be excluded.", {"pulmonary atelectasis": ("uncertain", "left", None)}),
    ("effusion versus pleural thickening", {EFFUSION: ("uncertain", None, None),
                                            "thickening": ("uncertain", None, None)}),
])
def test_finding_labels(text, expected):
    assert {k: (f.status, f.side, f.severity) for k, f in finding_labels(text).items()} == expected


def test_finding_f1_levels_by_hand():
    """Right side scores 1 and the wrong side 0 at '+ side'; a hedged answer is uncertain, not present."""
    ref = "右侧胸腔积液。"
    assert finding_level_f1(["胸腔积液位于右侧。"], [ref]) == {"status": 1.0, "side": 1.0, "severity": 1.0}
    assert finding_level_f1(["左侧胸腔积液。"], [ref]) == {"status": 1.0, "side": 0.0, "severity": 0.0}
    assert finding_level_f1(["Small right pleural effusion."], ["右侧少量胸腔积液。"]) == {
        "status": 1.0, "side": 1.0, "severity": 1.0}  # the labels are language-free
    assert finding_level_f1(["心脏重度增大。"], ["心脏轻度增大。"]) == {"status": 1.0, "side": 1.0, "severity": 0.0}
    hedged = "考虑右侧胸腔积液可能。"
    assert finding_labels(hedged)[EFFUSION] == FindingLabel(EFFUSION, "uncertain", "right", None)
    assert finding_level_f1([hedged], [ref])["status"] == 0.0  # uncertain is not present
    assert finding_level_f1([hedged], ["右侧胸腔积液不除外。"])["side"] == 1.0
    # Two pairs pooled (micro F1): one right, one wrong side -> side level 2*1/(2*1+1+1) = 0.5.
    assert finding_level_f1(["右侧胸腔积液", "右侧气胸"], [ref, "左侧气胸"])["side"] == 0.5


@pytest.mark.parametrize(("qtype", "question", "answer", "label"), [
    ("presence", "片中有没有气胸？", "有。可见右侧气胸。", "present"),
    ("presence", "片中有没有气胸？", "没有。未见气胸。", "absent"),
    ("presence", "片中有没有气胸？", "考虑少量气胸可能。", "uncertain"),
    # The hedge is about another finding:
    ("presence", "是否存在胸腔积液？", "没有胸腔积液，可能为胸膜增厚。", "absent"),
    ("presence", "是否存在胸腔积液？", "有。", "present"),
    ("absence", "Is there an effusion?", "No.", "absent"),
    ("presence", "Is there an effusion?", "A small effusion cannot be excluded.", "uncertain"),
    ("normality", "这张胸片有异常吗？", "有。", "abnormal"),
    ("normality", "这张胸片是否正常？", "是的。", "normal"),
    ("normality", "这张胸片是否正常？", "不正常。主要发现：肺通气不足。", "abnormal"),
    ("normality", "这张胸片有异常吗？", "心肺未见明显异常，可见留置导管。", "normal"),
    ("normality", "这张胸片是否正常？", "这张胸片不正常，可见胸椎退行性变；心肺未见急性异常。", "abnormal"),
    ("normality", "这张片子正常吗？", "未见心肺异常，可见双侧乳房假体。", "normal"),
    ("normality", "Is this chest film normal?", "No acute cardiopulmonary abnormality.", "normal"),
    ("projection", "这是什么体位？", "这是正位（后前位）胸片。", "frontal"),
    ("projection", "这是什么体位？", "This is a lateral view.", "lateral"),
    ("location", "胸腔积液位于什么部位？", "胸腔积液位于右侧。", "right"),
    ("location", "阴影在哪个位置？", "阴影位于双肺底部。", "bilateral"),
    ("location", "钙化在哪里？", "钙化位于主动脉。", "zone:aorta"),
    ("severity", "心脏增大的程度如何？", "心脏增大为轻度。", "mild"),
    ("severity", "胸腔积液多吗？", "中等量胸腔积液。", "moderate"),
    ("severity", "结节大吗？", "结节较小。", "small"),
    ("impression", "总体印象是什么？", "心肺未见明显异常。", None),
])
def test_answer_labels(qtype, question, answer, label):
    assert answer_label(qtype, question, answer) == label


def test_closed_accuracy_by_hand():
    """Exact label: wording does not matter, the label does; the builder's label is the reference when given."""
    question = "片中有没有胸腔积液？"
    refs = ["可能为胸腔积液，不除外少量。"] * 3 + ["胸腔积液位于左侧。"] * 2
    preds = ["考虑胸腔积液可能。", "有。可见胸腔积液。", "", "左侧。", "位于右侧。"]
    qtypes = ["presence"] * 3 + ["location"] * 2
    values = score_items(preds, refs, qtypes, [question] * 5, [None, None, "uncertain", "left", None])
    col = {name: values[:, i] for i, name in enumerate(COMPONENTS)}
    assert col["labelled"].tolist() == [1, 1, 1, 1, 1]
    assert col["correct"].tolist() == [1, 0, 0, 1, 0]  # hedged = uncertain; flat 有 is wrong; empty is wrong
    assert col["checked"].tolist() == [0, 0, 1, 1, 0] and col["agree"].tolist() == [0, 0, 1, 1, 0]


def test_items_carry_patient_fold_and_the_builders_label():
    effusion = {"finding": EFFUSION, "status": "uncertain", "side": None, "severity": None}
    messages = [{"role": "user", "content": [{"type": "text", "text": "有没有胸腔积液？"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "可能为胸腔积液。"}]},
                {"role": "user", "content": [{"type": "text", "text": "在哪一侧？"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "左侧。"}]},
                {"role": "user", "content": [{"type": "text", "text": "总体印象？"}]},
                {"role": "assistant", "content": [{"type": "text", "text": "左侧胸腔积液可能。"}]}]
    record = {"id": "r1", "uid": "7", "messages": messages, "qtypes": ["presence", "location", "impression"],
              "labels": [effusion, {**effusion, "status": "present", "side": "left"}, None]}
    items = build_items([record], fold=3)
    assert [(i.patient, i.fold, i.label) for i in items] == [("7", 3, "uncertain"), ("7", 3, "left"), ("7", 3, None)]
    assert build_items([{**record, "uid": None, "labels": None}])[0].patient == "r1"  # no uid: the record is one
    normal = {"finding": "normal", "status": "absent", "side": None, "severity": None}
    assert [builder_label("normality", {**normal, "status": s}) for s in ("present", "absent")] == ["normal",
                                                                                                  "abnormal"]
