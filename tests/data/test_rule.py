"""The offline rule generator: labels, hedges, wording variety, determinism, balance of absent questions."""

import re

from medqa.data.records import Report, SkipLog, XrayImage
from medqa.data.rule import RuleGenerator
from medqa.data.rule.phrasing import ANSWERS, QUESTIONS
from medqa.vocab.mesh import parse_mesh

LABEL_KEYS = {"finding", "status", "side", "severity"}
HEDGES = ("可能", "考虑", "不除外", "待排除")


def _report(mesh, findings="", impression="", uid="1"):
    return Report(uid=uid, mesh=parse_mesh(mesh), findings=findings, impression=impression,
                  images=[XrayImage(f"{uid}_IM-0001-1001.dcm.png", "Frontal")])


def _by_type(pairs):
    out = {}
    for p in pairs:
        out.setdefault(p.qtype, []).append(p)
    return out


def test_normal_report_is_normal_described_and_labelled():
    report = _report("normal", "The lungs are clear. Heart size normal. No pneumothorax.",
                     "No acute cardiopulmonary disease.")
    pairs = _by_type(RuleGenerator(vary=False).generate(report))
    assert pairs["normality"][0].answer == "心肺未见明显异常。"
    assert pairs["normality"][0].label == {"finding": "normal", "status": "present", "side": None, "severity": None}
    assert pairs["description"][0].answer == "双肺清晰。心脏大小正常。未见气胸。"
    assert pairs["impression"][0].answer == "心肺未见急性病变。"
    assert pairs["description"][0].label is None and pairs["impression"][0].label is None
    absent = {p.label["finding"]: p.answer for p in pairs["presence"]}
    assert absent == {"pneumothorax": "未见气胸。", "cardiomegaly": "未见心脏增大。"}


def test_present_finding_has_side_and_severity_labels():
    report = _report("Pleural Effusion/left/small", "Small left pleural effusion.")
    pairs = _by_type(RuleGenerator(vary=False).generate(report))
    assert pairs["presence"][0].answer == "可见左侧少量胸腔积液。"
    assert pairs["presence"][0].label == {"finding": "pleural effusion", "status": "present", "side": "left",
                                          "severity": "small"}
    assert pairs["location"][0].answer == "胸腔积液位于左侧。" and pairs["location"][0].label["side"] == "left"
    assert pairs["severity"][0].answer == "胸腔积液为少量。" and pairs["severity"][0].label["severity"] == "small"


def test_hedged_findings_are_uncertain_in_every_phrasing():
    report = _report("Pleural Effusion/right/small;Pneumonia/lung/lower lobe/right",
                     "Possible small right pleural effusion. Right lower lobe opacity, concerning for pneumonia.")
    for seed in range(12):
        presence = [p for p in RuleGenerator(seed=seed).generate(report) if p.qtype == "presence"]
        assert {p.label["status"] for p in presence} == {"uncertain"}
        for p in presence:
            assert any(h in p.answer for h in HEDGES) and not p.answer.startswith("有"), p.answer


def test_a_mesh_finding_the_text_negates_is_not_asked():
    gen = RuleGenerator()
    pairs = gen.generate(_report("Pneumothorax/right", "No pneumothorax. The lungs are clear."))
    assert not any(p.label and p.label["finding"] == "pneumothorax" for p in pairs)
    assert gen.counts["MeSH findings the text negates"] == 1


def test_answers_speak_of_the_film_and_one_question_has_one_answer():
    report = _report("Opacity/lung/base/left;Opacity/lung/upper lobe/right;Cardiomegaly/mild",
                     "Left basilar opacity. Right upper lobe opacity. Mild cardiomegaly. No pneumothorax.",
                     "No acute disease.")
    for seed in range(10):
        pairs = RuleGenerator(seed=seed).generate(report)
        questions = [p.question for p in pairs]
        assert len(questions) == len(set(questions))
        assert not any("报告" in p.answer or "XXXX" in p.answer for p in pairs)
        assert not any(re.search(r"[A-Za-z]", (p.question + p.answer).replace("X光", "")) for p in pairs)


def test_wording_varies_with_the_seed_and_repeats_for_the_same_seed():
    assert all(len(v) >= 5 for v in QUESTIONS.values())
    assert all(len(v) >= 3 for v in ANSWERS.values())
    report = _report("Cardiomegaly/mild", "Mild cardiomegaly. No pneumothorax.", "Mild cardiomegaly.")
    assert RuleGenerator(seed=3).generate(report) == RuleGenerator(seed=3).generate(report)
    seen = {tuple(p.question for p in RuleGenerator(seed=s).generate(report)) for s in range(8)}
    assert len(seen) >= 4


def test_absent_questions_follow_each_findings_fixed_rate():
    """A finding is asked about as absent at its table rate: never for a finding with rate 0 (whose answer the
    question alone would give away), always at rate 1, about half the time at 0.5; each report decides alone."""
    reports = [_report("normal", "The heart is not enlarged. No pneumothorax.", uid=str(i)) for i in range(200)]
    gen = RuleGenerator(absent_rates={"pneumothorax": 0.0, "cardiomegaly": 0.5})
    out = gen.generate_all(reports, SkipLog())
    labels = [p.label for pairs in out.values() for p in pairs if p.qtype == "presence"]
    assert not any(lab["finding"] == "pneumothorax" for lab in labels)
    asked = sum(lab["finding"] == "cardiomegaly" and lab["status"] == "absent" for lab in labels)
    assert 70 < asked < 130
    assert gen.counts["absent findings not asked (balance)"] == 400 - asked
    always = RuleGenerator(absent_rates={"pneumothorax": 1.0}).generate_all(reports[:5], SkipLog())
    assert all(any(p.label and p.label["finding"] == "pneumothorax" for p in pairs) for pairs in always.values())


def test_closed_turns_carry_labels_and_nothing_to_ask_is_counted():
    gen = RuleGenerator()
    skips = SkipLog()
    out = gen.generate_all([_report("No Indexing", uid="5"), _report("XXXX", "Lungs clear.", uid="6"),
                            _report("Nodule/lung/upper lobe/left", "Left upper lobe nodule.", uid="7")], skips)
    assert list(out) == ["6", "7"]
    assert [p.qtype for p in out["6"]] == ["description"]  # the text is described; the XXXX head asks nothing
    assert skips.counts == {"nothing to ask": 1}
    assert gen.counts["de-identified MeSH heads"] == 1
    for p in out["7"]:
        if p.qtype in ("normality", "presence", "location", "severity"):
            assert set(p.label) >= LABEL_KEYS, p
    info = gen.card_info()
    assert info["generator"] == "rule" and "reports with a full description" in info


def test_untranslated_mesh_words_are_counted_not_asked():
    gen = RuleGenerator()
    pairs = gen.generate(_report("Xyzosis/lung/left", "Xyzosis of the left lung."))
    assert not any("Xyzosis" in p.answer for p in pairs)
    assert gen.counts["MeSH terms with untranslated words"] == 1
