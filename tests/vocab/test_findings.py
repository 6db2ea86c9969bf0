"""Finding extraction with negation (Chinese, English, mixed) and the finding-level F1."""


import pytest

from medqa.eval.metrics import finding_f1
from medqa.vocab.findings import extract_findings

EFF, PTX, ATEL, CMG = "pleural effusion", "pneumothorax", "pulmonary atelectasis", "cardiomegaly"


@pytest.mark.parametrize(("text", "expected"), [
    # Chinese negation cues, scoped to their clause
    ("无胸腔积液", {EFF: False}),
    ("有少量胸腔积液", {EFF: True}),
    ("没有气胸，但有右侧胸腔积液", {PTX: False, EFF: True}),
    ("未见气胸、胸腔积液及实变。", {PTX: False, EFF: False, "consolidation": False}),
    ("右肺底部轻度肺不张，未发现气胸", {ATEL: True, PTX: False}),
    ("无气胸，右侧胸腔积液", {PTX: False, EFF: True}),
    ("无气胸伴右侧胸腔积液", {PTX: False, EFF: True}),  # 伴 ends the negation inside the clause
    ("不伴胸腔积液", {EFF: False}),
    ("否认骨折；排除气胸", {"fractures, bone": False, PTX: False}),
    ("胸腔积液已吸收", {EFF: False}),
    ("心影不大，肋膈角锐利。", {CMG: False, "blunted costophrenic angle": False}),
    ("心脏轻度增大；左肺通气不足；胸椎轻度退行性变",
     {CMG: True, "hypoinflation": True, "degenerative change": True}),
    ("纵隔向右移位", {"shift": True}),
    # English
    ("No pneumothorax or pleural effusion.", {PTX: False, EFF: False}),
    ("No pneumothorax, pleural effusion, or focal airspace disease.",
     {PTX: False, EFF: False, "airspace disease": False}),
    ("No focal consolidation, suspicious pulmonary opacity, large pleural effusion, or pneumothorax.",
     {"consolidation": False, "opacity": False, EFF: False, PTX: False}),
    ("No pneumothorax, small right effusion.", {PTX: False, EFF: True}),
    ("Negative for pneumothorax. Small left effusion.", {PTX: False, EFF: True}),
    ("There is no pneumothorax but there is a small right pleural effusion.", {PTX: False, EFF: True}),
    ("The heart is not enlarged. The effusion has resolved.", {CMG: False, EFF: False}),
    ("Heart size is normal. Mild cardiomegaly was seen before.", {CMG: True}),  # present wins
    ("Lungs are free of consolidation; clear of edema.", {"consolidation": False, "pulmonary edema": False}),
    ("Pneumonia cannot be excluded.", {"pneumonia": True}),
    ("Subcutaneous emphysema in the right chest wall.", {"subcutaneous emphysema": True}),
    ("Calcified granulomas. Degenerative changes of the spine.",
     {"calcified granuloma": True, "degenerative change": True}),
    # normal statements
    ("未见明显异常", {"normal": True}),
    ("无异常", {"normal": True}),
    ("不正常。主要发现：双侧少量胸腔积液。", {"normal": False, EFF: True}),
    ("Normal chest.", {"normal": True}),
    ("No acute cardiopulmonary abnormality.", {"normal": True}),
    # mixed languages in one text
    ("No pneumothorax. 右侧少量胸腔积液。", {PTX: False, EFF: True}),
    ("未见 pleural effusion，可见 atelectasis", {EFF: False, ATEL: True}),
    ("", {}),
    ("今天天气很好", {}),
])
def test_extract(text, expected):
    assert extract_findings(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("右侧皮下气肿", {"subcutaneous emphysema": True}),  # 肺气肿 is not inside 皮下气肿
    ("双肺气肿", {"emphysema": True}),
    ("双肺上叶大疱性肺气肿", {"bullous emphysema": True}),
    ("少量心包积液", {"pericardial effusion": True}),  # 积液 alone would be a pleural effusion
    ("少量积液", {EFF: True}),
    ("右侧液气胸", {"hydropneumothorax": True}),  # not also a pneumothorax
    ("左侧血气胸", {"hemopneumothorax": True}),
    ("钙化肉芽肿", {"calcified granuloma": True}),
    ("结节病", {"sarcoidosis": True}),
    ("无心包积液，有胸腔积液", {"pericardial effusion": False, EFF: True}),
    ("Hydropneumothorax on the right.", {"hydropneumothorax": True}),
    ("Small pericardial effusion, no pleural effusion.", {"pericardial effusion": True, EFF: False}),
])
def test_longest_match_avoids_substring_traps(text, expected):
    assert extract_findings(text) == expected


def test_f1_opposite_polarity_scores_zero():
    result = finding_f1(["无胸腔积液"], ["有胸腔积液"])
    assert result == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_f1_identical_scores_one():
    text = "右侧胸腔积液，无气胸。"
    assert finding_f1([text], [text]) == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2}


def test_f1_partial_overlap():
    # pred {(effusion, T), (cardiomegaly, T)}; ref {(effusion, T), (pneumothorax, F), (atelectasis, T)}
    # tp 1, fp 1, fn 2: P = 1/2, R = 1/3, F1 = 2PR/(P+R) = 0.4
    result = finding_f1(["右侧胸腔积液，心脏增大"], ["右侧胸腔积液，无气胸，肺不张"])
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(1 / 3)
    assert result["f1"] == pytest.approx(0.4)
    assert result["support"] == 3


def test_f1_empty_prediction_counts_as_misses():
    # pair 1: "" vs {(effusion, T)} -> fn 1; pair 2: exact match -> tp 1. P = 1, R = 1/2, F1 = 2/3
    result = finding_f1(["", "气胸"], ["胸腔积液", "气胸"])
    assert result == pytest.approx({"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2})


def test_f1_pairs_without_findings_contribute_nothing():
    assert finding_f1(["天气很好", "气胸"], ["报告如下", "气胸"]) == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    # No findings anywhere: 0.0 with support 0, not a misleading perfect score.
    nothing = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert finding_f1(["天气很好"], ["报告如下"]) == nothing
    assert finding_f1([], []) == nothing


def test_f1_needs_paired_inputs():
    with pytest.raises(ValueError, match="2 predictions for 1 references"):
        finding_f1(["气胸", "气胸"], ["气胸"])

