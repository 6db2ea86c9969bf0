"""Issue 20, coverage without guessing: a normal statement about de-identified (XXXX) subjects renders its readable
subjects and leaves the masked ones out; a masked predicate, negation or finding still blocks the description, in
the generator and in the verifier."""

import pytest

from medqa.data.qa import QAPair
from medqa.data.records import Report, SkipLog, XrayImage
from medqa.data.rule import RuleGenerator
from medqa.data.verify import Verifier, check_pair, report_truth
from medqa.vocab.mesh import parse_mesh
from medqa.vocab.sentences import read_section, read_sentence, render_section


def _report(findings, impression="", mesh="normal"):
    return Report(uid="1", mesh=parse_mesh(mesh), findings=findings, impression=impression,
                  images=[XrayImage("1_IM-0001-1001.dcm.png", "Frontal")])


# English in, exact Chinese out ('' = left out, as a technique line is).
MASKED_NORMAL = [
    ("XXXX are normal.", ""),
    ("The XXXX are intact.", ""),
    ("The XXXX are grossly normal.", ""),
    ("XXXX XXXX are intact.", ""),
    ("Aortic XXXX appear unremarkable.", ""),
    ("Normal XXXX.", ""),
    ("Cardiac and mediastinal XXXX appear normal.", ""),  # two adjectives of one masked noun
    ("Visualized XXXX of the chest XXXX are within normal limits.", ""),
    ("The heart, pulmonary XXXX and mediastinum are within normal limits.", "心脏及纵隔在正常范围内"),
    ("The heart and pulmonary XXXX are normal.", "心脏正常"),
    ("XXXX and soft tissues are unremarkable.", "软组织未见异常"),
    ("Heart size and pulmonary XXXX appear normal.", "心脏大小正常"),
    ("Heart XXXX, mediastinum, XXXX, bony structures and lung XXXX are unremarkable.", "纵隔及骨质结构未见异常"),
    ("Normal mediastinal contour, pulmonary XXXX and vasculature, central airways and lung volumes.",
     "纵隔轮廓、肺血管纹理、中央气道及肺容积正常"),
    ("Normal mediastinal contour, pulmonary XXXX and vasculature, central airways and aeration of the lungs.",
     "纵隔轮廓、肺血管纹理、中央气道及双肺充气正常"),
]

# A mask anywhere but in a subject of a normal statement: never rendered, never left out.
STILL_UNREAD = [
    "The lungs have XXXX in the interval.",  # masked predicate (only heart and lungs with two masks: cov6)
    "Central airways are XXXX.",  # masked predicate
    "Lung volumes remain XXXX.",  # masked predicate
    "No XXXX infiltrates.",  # masked negation
    "No XXXX focal airspace consolidation or pleural effusion.",  # masked negation
    "XXXX opacities in the right base.",  # masked finding
    "XXXX opacities are unremarkable.",  # a finding word beside the mask
    "Calcified aortic XXXX.",  # abnormal predicate
    "Sternotomy wires remain in XXXX.",  # device
    "XXXX are stable.",  # a change, not a normal statement
    "XXXX are at the upper limits of normal.",  # a limit, not a normal statement
    "Left lung XXXX are clear.",  # a side beside the mask
]
# Normal statements the grammar still refuses: a readable word inside the masked subject is not left out.
REFUSED = ["The heart pulmonary XXXX appear normal.", "Cardiac and mediastinal XXXX are enlarged."]


@pytest.mark.parametrize("english,chinese", MASKED_NORMAL)
def test_a_normal_statement_leaves_its_masked_subjects_out(english, chinese):
    zh, facts = read_sentence(english)
    assert zh == chinese
    assert all(f.status == "absent" for f in facts)
    (sentence,) = read_section(english)
    assert sentence.masked


@pytest.mark.parametrize("english", STILL_UNREAD + REFUSED)
def test_a_masked_predicate_negation_or_finding_stays_unread(english):
    assert read_sentence(english)[0] is None
    sentences = read_section("The lungs are clear. " + english)
    assert render_section(sentences) is None and not any(s.masked for s in sentences)


def test_the_description_renders_whole_and_the_card_counts_it():
    findings = "The heart, pulmonary XXXX and mediastinum are within normal limits. XXXX are normal. " \
               "The lungs are clear. No pneumothorax."
    gen = RuleGenerator(vary=False)
    pairs = [p for p in gen.generate(_report(findings, "Normal chest.")) if p.qtype == "description"]
    assert [p.answer for p in pairs] == ["心脏及纵隔在正常范围内。双肺清晰。未见气胸。"]
    assert gen.card_info()["descriptions leaving out a masked (XXXX) normal or comparison statement"] == 1
    unmasked = RuleGenerator(vary=False)
    unmasked.generate(_report("The heart is normal. The lungs are clear.", "Normal chest."))
    assert unmasked.card_info()["descriptions leaving out a masked (XXXX) normal or comparison statement"] == 0


@pytest.mark.parametrize("english", STILL_UNREAD[:7])
def test_no_description_beside_a_masked_finding(english):
    pairs = RuleGenerator(vary=False).generate(_report("The lungs are clear. " + english, "Normal chest."))
    assert "description" not in {p.qtype for p in pairs}


def _description(findings, answer, impression=""):
    pair = QAPair("请描述这张胸片的影像表现。", answer, "description")
    return check_pair(pair, report_truth(_report(findings, impression)))


def test_the_verifier_keeps_a_description_that_leaves_out_a_masked_normal_statement():
    findings = "The heart, pulmonary XXXX and mediastinum are within normal limits. The XXXX are intact. " \
               "The lungs are clear."
    assert _description(findings, "心脏及纵隔在正常范围内。双肺清晰。") is None
    verifier = Verifier()
    answer = "心脏及纵隔在正常范围内。双肺清晰。"
    kept = verifier.filter([_report(findings)], {"1": [QAPair("请描述这张胸片的影像表现。", answer, "description")]},
                           SkipLog())
    assert [p.answer for p in kept["1"]] == [answer]


@pytest.mark.parametrize("english", STILL_UNREAD)
def test_the_verifier_drops_a_description_that_leaves_out_any_other_masked_sentence(english):
    assert _description("The lungs are clear. " + english, "双肺清晰。") == "finding left out"
