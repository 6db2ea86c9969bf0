"""Issue 20 coverage: descriptions the verifier dropped for a misreading of its own, now kept, beside the same
wording's drops that must stay."""

from medqa.data.qa import QAPair
from medqa.data.records import Report, XrayImage
from medqa.data.verify import check_pair, report_truth
from medqa.data.verify.reader import read_answer
from medqa.vocab.mesh import parse_mesh


def _check(findings, answer, qtype="description", impression="No acute cardiopulmonary disease."):
    report = Report(uid="1", mesh=parse_mesh("normal"), findings=findings, impression=impression,
                    images=[XrayImage("1_IM-0001-1001.dcm.png", "Frontal")])
    return check_pair(QAPair("请描述这张胸片的影像表现。", answer, qtype), report_truth(report))


def test_a_negation_over_what_would_suggest_pneumonia_negates_the_pneumonia():
    assert {r.concept: r.status for r in read_answer("未见提示肺炎的局灶性气腔阴影。")} == \
        {"pneumonia": "absent", "opacity": "absent"}
    findings = "The heart is normal. There is no focal air space opacity to suggest a pneumonia."
    assert _check(findings, "心脏正常。未见提示肺炎的局灶性气腔阴影。") is None


def test_a_stated_suggestion_is_still_read_as_stated():
    assert {r.concept: r.status for r in read_answer("右肺下叶阴影，提示肺炎。")}["pneumonia"] == "present"
    findings = "The heart is normal. There is no focal air space opacity to suggest a pneumonia."
    assert _check(findings, "心脏正常。局灶性气腔阴影，提示肺炎。") == "status"


def test_axillary_clips_keep_the_axilla_and_the_description_is_kept():
    from medqa.data.rule import RuleGenerator
    report = Report(uid="1", mesh=parse_mesh("Surgical Instruments/axilla/left"),
                    findings="Left axillary surgical clips. The lungs are clear.", impression="No acute disease.",
                    images=[XrayImage("1_IM-0001-1001.dcm.png", "Frontal")])
    (pair,) = [p for p in RuleGenerator(vary=False).generate(report) if p.qtype == "description"]
    assert pair.answer == "左侧腋窝手术夹。双肺清晰。"
    assert check_pair(pair, report_truth(report)) is None
