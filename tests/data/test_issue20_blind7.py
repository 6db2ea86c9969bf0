"""Issue 20, seventh blind reading: the findings deny a finding outright and the impression states it (behind a
de-identified word that may have been 'no'); no closed answer about it is kept. Narrowed negations are not held."""

import pytest

from medqa.data.qa import QAPair
from medqa.data.verify import check_pair, report_truth
from tests.helpers.issue20 import make_report

FINDINGS = ("Heart is enlarged. Mild diffuse interstitial opacities bilaterally, predominantly in the bases, with no "
            "focal consolidation, pleural effusion, or pneumothoraces.")
IMPRESSION = "Cardiomegaly with pulmonary interstitial edema and XXXX bilateral pleural effusions."
MESH = "Cardiomegaly; Pulmonary Edema/interstitial; Pleural Effusion/bilateral"


def _verdict(findings, impression, mesh, qtype, question, answer):
    return check_pair(QAPair(question, answer, qtype), report_truth(make_report(findings, impression, mesh)))


@pytest.mark.parametrize("qtype,question,answer", [
    ("presence", "是否存在胸腔积液？", "是的，片中可见双侧胸腔积液。"),
    ("location", "胸腔积液的位置在哪里？", "在双侧。"),
    ("normality", "胸片上有没有异常表现？", "不正常。可见心脏增大、间质性肺水肿、双侧胸腔积液等。"),
])
def test_a_finding_the_sections_disagree_on_is_not_answered(qtype, question, answer):
    assert _verdict(FINDINGS, IMPRESSION, MESH, qtype, question, answer) == "status"


def test_the_other_findings_of_that_report_are_still_answered():
    assert _verdict(FINDINGS, IMPRESSION, MESH, "presence", "片中有没有心脏增大？", "是的，片中可见心脏增大。") is None


@pytest.mark.parametrize("findings,impression,mesh,question,answer", [
    ("No large pleural effusion. Small left pleural effusion.", "Small left pleural effusion.",
     "Pleural Effusion/left/small", "是否存在胸腔积液？", "是的，片中可见左侧少量胸腔积液。"),
    ("The left costophrenic sulcus is blunted. No retrocardiac pleural fluid collection is seen on the lateral view.",
     "Left-sided pleural effusion.", "Pleural Effusion/left", "是否存在胸腔积液？", "是的，片中可见左侧胸腔积液。"),
    ("Small right pleural effusion.", "Near-complete resolution of right-sided pleural effusion with XXXX residual.",
     "Pleural Effusion/right/small", "是否存在胸腔积液？", "存在右侧少量胸腔积液。"),
    ("There are XXXX opacities in the left lower lobe of the lung.", "No infiltrates that would suggest active "
     "tuberculosis.", "Opacity/lung/lower lobe/left", "能看到阴影吗？", "存在左肺下叶阴影。"),
])
def test_a_narrowed_negation_does_not_hold_the_answer(findings, impression, mesh, question, answer):
    assert _verdict(findings, impression, mesh, "presence", question, answer) != "status"



def test_a_description_that_swallows_the_monitor_leads_is_dropped():
    findings = ("Frontal and lateral views of the chest with overlying external cardiac monitor leads show normal "
                "size and configuration of the cardiac silhouette. No focal airspace consolidation or effusion.")
    answer = "心影大小及形态正常。未见局灶性气腔实变或胸腔积液。"
    assert _verdict(findings, "No acute disease.", "normal", "description", "请描述这张胸片的影像表现。", answer) \
        == "finding left out"
    plain = "Normal size and configuration of the cardiac silhouette. No focal airspace consolidation or effusion."
    assert _verdict(plain, "No acute disease.", "normal", "description", "请描述这张胸片的影像表现。", answer) is None


@pytest.mark.parametrize("answer,verdict", [("可见中度胸椎侧弯。", "qualifier"), ("可见中度胸腰椎侧弯。", None)])
def test_the_thoracolumbar_spine_is_never_the_thoracic_alone(answer, verdict):
    findings = "Normal heart size. No infiltrates. Moderate scoliosis in the thoracolumbar spine."
    mesh = "Scoliosis/thoracic vertebrae/moderate; Scoliosis/lumbar vertebrae/moderate"
    assert _verdict(findings, "Normal chest.", mesh, "presence", "胸片上有脊柱侧弯吗？", answer) == verdict


def test_cystic_changes_are_no_cysts():
    findings = "Extensive bilateral bronchiectasis, cystic changes, and scarring from cystic fibrosis. No effusion."
    mesh = "Bronchiectasis/bilateral/severe; Cysts/lung/bilateral/severe; Cystic Fibrosis"
    assert _verdict(findings, "Cystic fibrosis.", mesh, "presence", "片中有没有囊肿？", "是的，片中可见双肺囊肿。") \
        == "qualifier"
    stated = "Multiple bilateral lung cysts. No effusion."
    assert _verdict(stated, "Lung cysts.", "Cysts/lung/bilateral", "presence", "片中有没有囊肿？",
                    "是的，片中可见双肺囊肿。") is None
