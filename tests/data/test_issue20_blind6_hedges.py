"""The hedge and qualifier class of the sixth blind reading of issue 20, on self-made reports in other wordings and
other findings than the reading's: what the rule generator writes, and what the verifier drops."""

import re

import pytest

from tests.helpers.issue20 import closed as _closed
from tests.helpers.issue20 import generated as _generated
from tests.helpers.issue20 import verdict as _verdict

# --- 1. a strong interpretation is 考虑为, never with 可能 / 可疑 / 不除外 --------------------------------------

STRONG = [
    ("Hyperexpanded lungs compatible with emphysema. No effusion.", "Emphysema", "肺气肿"),
    ("Left lower lobe airspace disease in keeping with pneumonia.",
     "Pneumonia/lower lobe/left; Airspace Disease/lung/lower lobe/left", "肺炎"),
    ("Interstitial opacities suggestive of pulmonary edema.", "Pulmonary Edema; Opacity/lung/interstitial", "肺水肿"),
]


@pytest.mark.parametrize("findings,mesh,name", STRONG, ids=[c[2] for c in STRONG])
def test_a_strong_interpretation_is_never_worded_as_possible(findings, mesh, name):
    answers = [a for _, a in _closed(_generated(findings, mesh)) if name in a]
    assert answers and all("考虑" in a for a in answers), answers
    assert not [a for a in answers if re.search(r"可能|可疑|不除外|待排除", a)], answers


@pytest.mark.parametrize("findings,mesh,name,impression", [
    ("Reticular opacities consistent with pulmonary fibrosis.", "Pulmonary Fibrosis; Opacity/lung/reticular",
     "肺纤维化", ""),
    ("Coarse reticular opacities consistent with chronic obstructive lung disease.",
     "Pulmonary Disease, Chronic Obstructive; Bullous Emphysema", "慢性阻塞性肺疾病", "Bullous emphysema."),
])
def test_a_diagnosis_given_as_an_interpretation_is_never_seen(findings, mesh, name, impression):
    answers = [a for _, a in _generated(findings, mesh, impression) if name in a]
    assert answers and not [a for a in answers if re.search(rf"可见[^；。]*{name}|存在{name}", a)], answers


@pytest.mark.parametrize("findings,mesh,answer", [
    ("Hyperexpanded lungs compatible with emphysema.", "Emphysema", "考虑肺气肿可能。"),
    ("Right lower lobe opacity consistent with pneumonia.", "Pneumonia/lower lobe/right; Opacity/lung/lower lobe/right",
     "考虑右肺下叶肺炎可能。"),
])
def test_the_verifier_drops_a_strong_interpretation_worded_as_possible(findings, mesh, answer):
    assert _verdict(findings, mesh, "presence", "有吗？", answer) == "certainty"


# --- 2. an explanation or a stage word the answer would drop: not asked, never listed as definite --------------

OPEN = [
    ("explained by inspiration", "Lungs are hyperexpanded, may be due to deep inspiration. Lungs are clear.",
     "Lung/hyperdistention", "过度充气"),
    ("explained in the next sentence", "The lungs appear hyperexpanded. This may be related to patient effort. "
     "Lungs are clear.", "Lung/hyperdistention", "过度充气"),
    ("possibly positional", "Mild scoliosis of the thoracic spine, likely positional. Lungs are clear.",
     "Scoliosis/thoracic vertebrae/left/mild", "侧弯"),
    ("technique", "Low lung volumes, possibly related to technique. Lungs clear.", "Lung/hypoinflation", "容积"),
    ("early", "Early congestive heart failure. Heart is enlarged.", "Heart Failure; Cardiomegaly", "心力衰竭"),
    ("developing", "The heart is enlarged. Developing pulmonary edema.", "Pulmonary Edema; Cardiomegaly", "肺水肿"),
]


@pytest.mark.parametrize("case", OPEN, ids=[c[0] for c in OPEN])
def test_a_finding_beside_an_explanation_or_stage_word_is_not_stated(case):
    _, findings, mesh, name = case
    answers = [a for _, a in _closed(_generated(findings, mesh))]
    assert not [a for a in answers if name in a], answers
    # and the verifier holds an LLM's flat answer to the same
    assert _verdict(findings, mesh, "presence", "有吗？", f"是的，片中可见{name}。") is not None


def test_the_verifier_drops_an_abnormal_film_named_by_an_explained_finding():
    findings = "Mild rightward scoliosis of the thoracic spine, possibly positional. The lungs are clear."
    assert _verdict(findings, "Scoliosis/thoracic vertebrae/right/mild", "normality", "这张胸片正常吗？",
                    "不正常。可见轻度胸椎右凸侧弯。") == "certainty"


# --- 3. alternatives: never one of them alone --------------------------------------------------------------

ALTERNATIVES = [
    ("Right base opacity most consistent with pneumonia versus atelectasis.",
     "Opacity/lung/base/right; Pneumonia/base/right; Pulmonary Atelectasis/base/right"),
    ("Probable atelectasis in the right base, although difficult to exclude pneumonia.",
     "Pulmonary Atelectasis/base/right; Pneumonia/base/right"),
    ("Bilateral apical pleural thickening/scarring. Lungs clear.",
     "Thickening/pleura/apex/bilateral; Cicatrix/pleura/apex/bilateral"),
]


@pytest.mark.parametrize("findings,mesh", ALTERNATIVES, ids=["compatible with A versus B", "although",
                                                             "slash"])
def test_no_presence_answer_names_one_alternative_alone(findings, mesh):
    answers = [a for q, a in _closed(_generated(findings, mesh)) if q != "normality"]
    assert not [a for a in answers if re.search("肺不张|瘢痕|肺炎|增厚", a)], answers


@pytest.mark.parametrize("findings,mesh,answer", [
    ("Minimal right basilar scarring versus atelectasis. No effusion.",
     "Cicatrix/lung/base/right; Pulmonary Atelectasis/base/right", "可疑右肺底部瘢痕，不除外。"),
    ("Left lower lobe opacity, most likely atelectasis or infiltrate.",
     "Pulmonary Atelectasis/lower lobe/left; Infiltrate/lower lobe/left", "可疑左肺下叶浸润影，不除外。"),
    ("Mild bilateral pleural thickening/scarring at the apices.", "Thickening/pleura/apex/bilateral",
     "不除外双侧肺尖胸膜增厚。"),
])
def test_the_verifier_drops_one_alternative_named_alone(findings, mesh, answer):
    assert _verdict(findings, mesh, "presence", "有吗？", answer) == "certainty"


@pytest.mark.parametrize("findings,mesh,name", [
    ("The heart is enlarged. The lungs are hyperexpanded, possibly related to deep inspiration.",
     "Cardiomegaly; Lung/hyperdistention", "过度充气"),
    ("Mild thoracic scoliosis, likely positional. Calcified granuloma in the left upper lobe.",
     "Scoliosis/thoracic vertebrae/mild; Calcified Granuloma/lung/upper lobe/left", "侧弯"),
])
def test_an_abnormality_list_leaves_an_explained_finding_out_and_says_more(findings, mesh, name):
    lists = [a for q, a in _generated(findings, mesh) if q == "normality"]
    assert not [a for a in lists if name in a or "可见" in a and "等" not in a], lists
