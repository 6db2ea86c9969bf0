"""Issue 20 coverage (fifth pass): a spinal fusion rendered as the operation it is (颈椎融合术后改变) is read back by
the verifier as that operation and kept; a fusion without the operation is still dropped."""

import pytest

from medqa.data.qa import QAPair
from medqa.data.records import Report, XrayImage
from medqa.data.verify import check_pair, report_truth
from medqa.vocab.mesh import parse_mesh
from medqa.vocab.sentences import read_section, render_section


def _report(findings, mesh="normal"):
    return Report(uid="1", mesh=parse_mesh(mesh), findings=findings, impression="",
                  images=[XrayImage("1_IM-0001-1001.dcm.png", "Frontal")])


def _verdict(findings, answer):
    pair = QAPair("请描述这张胸片的影像表现。", answer, "description")
    return check_pair(pair, report_truth(_report(findings)))


@pytest.mark.parametrize("findings", [
    "Lungs are clear. No pleural effusion or pneumothorax. There are postoperative changes of cervical spine fusion.",
    "Cardiac and mediastinal contours are within normal limits. The lungs are clear. Prior anterior cervical fusion.",
])
def test_a_rendered_fusion_description_is_kept(findings):
    answer = render_section(read_section(findings))
    assert answer is not None and "融合术后改变" in answer
    assert _verdict(findings, answer) is None


def test_a_fusion_without_the_operation_is_still_dropped():
    findings = "Lungs are clear. There are postoperative changes of cervical spine fusion."
    assert _verdict(findings, "双肺清晰。颈椎融合。") == "qualifier"


def test_a_device_in_the_right_upper_quadrant_is_on_the_right():
    findings = "Lungs are clear. There are cholecystectomy clips in the right upper quadrant of the abdomen."
    answer = render_section(read_section(findings))
    assert answer == "双肺清晰。右上腹胆囊切除术后手术夹。"  # the quadrant named once (was 腹部)
    assert _verdict(findings, answer) is None
